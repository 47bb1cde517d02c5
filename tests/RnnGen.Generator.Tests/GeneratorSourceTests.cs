using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>The generator's own source stays easy to read: no method longer than a screen or two.</summary>
public class GeneratorSourceTests
{
    private const int MaxLines = 80;

    [Fact]
    public void NoMethodIsLongerThan80NonBlankLines()
    {
        string root = Path.Combine(Repository.Root, "src", "RnnGen.Generator");
        var tooLong = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .SelectMany(file => CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot().DescendantNodes()
                .Select(node => node switch
                {
                    BaseMethodDeclarationSyntax m => (Node: (SyntaxNode?)m.Body, Name: m is MethodDeclarationSyntax method ? method.Identifier.Text : m.Kind().ToString()),
                    AccessorDeclarationSyntax a => (a.Body, a.Keyword.Text),
                    LocalFunctionStatementSyntax l => (l.Body, l.Identifier.Text),
                    _ => (null, ""),
                })
                .Where(x => x.Node is not null)
                .Select(x => (File: Path.GetRelativePath(root, file), x.Name, Lines: x.Node!.ToString().Split('\n').Count(line => line.Trim().Length > 0) - 2)))
            .Where(x => x.Lines > MaxLines)
            .Select(x => $"{x.File}: {x.Name} has {x.Lines} non-blank lines")
            .ToList();
        Assert.True(tooLong.Count == 0, string.Join("\n", tooLong));
    }
}
