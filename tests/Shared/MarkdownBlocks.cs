using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace RnnGen.Tests;

/// <summary>
/// One fenced code block of a Markdown file: its language, its text (the lines between the fences, with the
/// fence's indentation removed), the 1-based line of its opening fence, and the snippet marker before it, if any:
/// the text of an HTML comment <c>&lt;!-- snippet: ... --&gt;</c> on the line right above the fence.
/// </summary>
internal sealed record MarkdownBlock(string Language, string Text, int Line, string? Marker);

/// <summary>Reads the fenced code blocks (```lang ... ```) of a Markdown file. Linked into the test projects that check documentation.</summary>
internal static class MarkdownBlocks
{
    private const string MarkerStart = "<!-- snippet:";

    public static IReadOnlyList<MarkdownBlock> Parse(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n").Split('\n');
        var blocks = new List<MarkdownBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            int indent = lines[i].Length - trimmed.Length;
            string language = trimmed[3..].Trim();
            int open = i;
            var text = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
            {
                string line = lines[i];
                int strip = Math.Min(indent, line.Length - line.TrimStart().Length);
                text.Append(line[strip..]).Append('\n');
            }

            if (i == lines.Length)
            {
                throw new FormatException($"The code block opened on line {open + 1} is never closed.");
            }

            blocks.Add(new MarkdownBlock(language, text.ToString(), open + 1, MarkerAbove(lines, open)));
        }

        return blocks;
    }

    /// <summary>The marker that ends on the line above the fence (it may span several lines), or null.</summary>
    private static string? MarkerAbove(string[] lines, int fence)
    {
        if (fence == 0 || !lines[fence - 1].TrimEnd().EndsWith("-->", StringComparison.Ordinal))
        {
            return null;
        }

        for (int start = fence - 1; start >= 0; start--)
        {
            string line = lines[start].Trim();
            if (line.StartsWith(MarkerStart, StringComparison.Ordinal))
            {
                string comment = string.Join('\n', lines[start..fence].Select(l => l.Trim()));
                return comment[MarkerStart.Length..^3].Trim();
            }

            if (line.Length == 0 || (start < fence - 1 && line.EndsWith("-->", StringComparison.Ordinal)))
            {
                return null;
            }
        }

        return null;
    }

    public static IEnumerable<MarkdownBlock> All(string markdown, string language) =>
        Parse(markdown).Where(b => b.Language == language);

    public static MarkdownBlock First(string markdown, string language) =>
        All(markdown, language).FirstOrDefault() ?? throw new FormatException($"No ```{language} block.");
}
