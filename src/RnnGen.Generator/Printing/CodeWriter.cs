using System;
using System.Text;

namespace RnnGen.Generator.Printing;

/// <summary>Builds indented C# text. Text, not syntax trees: fast, and it reads like the output.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
        }

        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>Writes several lines, each indented (the argument may contain '\n').</summary>
    public CodeWriter Lines(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            Line(line.TrimEnd('\r'));
        }

        return this;
    }

    /// <summary>Opens a brace block, closed when the result is disposed.</summary>
    public Block Open(string header)
    {
        if (header.Length > 0)
        {
            Line(header);
        }

        Line("{");
        _indent++;
        return new Block(this, "}");
    }

    /// <summary>Opens a block that closes with a custom line, e.g. <c>};</c>, or opens with another bracket, e.g. <c>[</c>.</summary>
    public Block Open(string header, string close, string open = "{")
    {
        Line(header);
        Line(open);
        _indent++;
        return new Block(this, close);
    }

    private void Close(string close)
    {
        _indent--;
        Line(close);
    }

    public override string ToString() => _text.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly CodeWriter? _writer;
        private readonly string _close;

        public Block(CodeWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        /// <summary>Closes the block; a default block (see <see cref="Printer"/>'s Scope) closes nothing.</summary>
        public void Dispose() => _writer?.Close(_close);
    }
}
