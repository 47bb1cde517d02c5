using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Tests.Infrastructure;
using RnnGen.Tests;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Every ```csharp block of README.md, docs/*.md and src/RnnGen/PACKAGE.md compiles, with the generator, as a
/// user would paste it into a console project fresh from <c>dotnet new console</c>: top-level statements, the
/// template's implicit usings, nullable annotations on, a reference to RnnGen. A block of statements is that
/// project's Program.cs; a block of declarations only is another file beside the template's Program.cs. A block
/// compiles without an error or a warning, unless an HTML comment on the line above its fence says otherwise:
/// <list type="bullet">
/// <item><c>&lt;!-- snippet: context CODE --&gt;</c>: a fragment that needs CODE (C#, possibly over several lines).
/// CODE's using directives go first, its statements before the block's, its type declarations after the block.</item>
/// <item><c>&lt;!-- snippet: expect RNNG001 ... --&gt;</c>: a declaration that is meant to be rejected. It reports
/// exactly these ids, errors or warnings, each on a line whose comment names it (<c>// RNNG001</c>).</item>
/// <item><c>&lt;!-- snippet: contract ... --&gt;</c>: a list of generated members (signatures without bodies),
/// which <see cref="ContractTests"/> compares with the generated code instead.</item>
/// </list>
/// A failure names the file, the block's line, and each diagnostic at its line in the Markdown file.
/// </summary>
public sealed class DocsSnippetTests
{
    /// <summary>What <c>dotnet new console</c> with ImplicitUsings enabled adds (obj/…/Console.GlobalUsings.g.cs).</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>The Program.cs <c>dotnet new console</c> writes, for blocks that declare types only.</summary>
    private const string TemplateProgram = """
        // See https://aka.ms/new-console-template for more information
        Console.WriteLine("Hello, World!");
        """;

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.CSharp12, DocumentationMode.Parse);

    /// <summary>The documentation files, relative to the repository root.</summary>
    public static IEnumerable<string> Files()
    {
        yield return "README.md";
        yield return "src/RnnGen/PACKAGE.md";
        foreach (string file in Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
        }
    }

    /// <summary>Every C# block: its file and the line of its opening fence.</summary>
    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in Files())
        {
            foreach (MarkdownBlock block in CSharpBlocks(file))
            {
                data.Add(file, block.Line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CSharpBlockCompilesInAFreshConsoleProject(string file, int line)
    {
        MarkdownBlock block = CSharpBlocks(file).Single(b => b.Line == line);
        string where = $"{file}, the C# block at line {line}";
        (string kind, string argument) = SplitMarker(block.Marker);
        switch (kind)
        {
            case "":
                AssertClean(where, Compile(file, block, context: ""));
                break;
            case "context":
                Assert.False(string.IsNullOrWhiteSpace(argument), $"{where}: 'snippet: context' names no code.");
                AssertClean(where, Compile(file, block, argument));
                break;
            case "expect":
                AssertExpected(where, block, argument.Split(' ', StringSplitOptions.RemoveEmptyEntries), Compile(file, block, context: ""));
                break;
            case "contract":
                // Signatures without bodies: ContractTests reads these and compares them with the generated members.
                Assert.Matches("^(\\{|public )", block.Text.TrimStart());
                break;
            default:
                Assert.Fail($"{where}: unknown snippet marker '{block.Marker}' (expected context, expect or contract).");
                break;
        }
    }

    [Fact]
    public void TheDocumentationIsFoundAndRead()
    {
        // The theory above covers these files; an empty list would mean a broken reader or a moved file.
        string[] files = Files().ToArray();
        Assert.Contains("docs/contract.md", files);
        foreach (string file in new[] { "README.md", "src/RnnGen/PACKAGE.md", "docs/contract.md", "docs/diagnostics.md", "docs/pytorch.md" })
        {
            Assert.True(CSharpBlocks(file).Any(), $"{file} has no ```csharp block: is the file still where the test looks?");
        }
    }

    [Fact]
    public void AMisplacedTypeDeclarationIsReportedWithItsMarkdownLine()
    {
        // The reader's own check: README's first snippet once declared its model before the statements (CS8803).
        var block = new MarkdownBlock("csharp", """
            using RnnGen;

            [RnnModel(Hidden = 8, Vocab = 10)]
            public partial class M { }

            var model = new M();
            """, Line: 40, Marker: null);
        IReadOnlyList<Diagnostic> diagnostics = Compile("README.md", block, context: "");
        Diagnostic error = Assert.Single(diagnostics, d => d.Id == "CS8803");
        Assert.Equal("README.md", error.Location.GetMappedLineSpan().Path);
        Assert.Equal(46, error.Location.GetMappedLineSpan().StartLinePosition.Line + 1); // the fence's line + 6
        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertClean("README.md, the C# block at line 40", diagnostics));
        Assert.Contains("README.md:46: error CS8803", failure.Message);
    }

    private static IEnumerable<MarkdownBlock> CSharpBlocks(string file) =>
        MarkdownBlocks.All(File.ReadAllText(Path.Combine(Repository.Root, file)), "csharp");

    private static (string Kind, string Argument) SplitMarker(string? marker)
    {
        if (marker is null)
        {
            return ("", "");
        }

        int space = marker.IndexOfAny([' ', '\n']);
        return space < 0 ? (marker, "") : (marker[..space], marker[(space + 1)..].Trim());
    }

    /// <summary>
    /// Compiles the block as the Program.cs of a fresh console project (or beside it, when it declares types only),
    /// with <paramref name="context"/> composed around it; diagnostics in the block map to lines of the Markdown file.
    /// </summary>
    private static IReadOnlyList<Diagnostic> Compile(string file, MarkdownBlock block, string context)
    {
        var unit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Text, Parse).GetRoot();
        int split = unit.Usings.Count > 0 ? unit.Usings[^1].FullSpan.End : 0;
        string usings = block.Text[..split], rest = block.Text[split..];
        int restLine = block.Line + 1 + usings.Count(c => c == '\n');

        var contextUnit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(context, Parse).GetRoot();
        string contextUsings = string.Concat(contextUnit.Usings.Select(u => u.ToFullString()));
        string contextStatements = string.Concat(contextUnit.Members.OfType<GlobalStatementSyntax>().Select(m => m.ToFullString()));
        string contextTypes = string.Concat(contextUnit.Members.Where(m => m is not GlobalStatementSyntax).Select(m => m.ToFullString()));

        var program = new StringBuilder();
        program.Append(contextUsings).Append('\n');
        if (usings.Length > 0)
        {
            program.Append($"#line {block.Line + 1} \"{file}\"\n").Append(usings).Append("#line default\n");
        }

        program.Append(contextStatements).Append('\n');
        program.Append($"#line {restLine} \"{file}\"\n").Append(rest).Append("#line default\n");
        program.Append(contextTypes).Append('\n');

        bool statements = unit.Members.OfType<GlobalStatementSyntax>().Any() || contextStatements.Length > 0;
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, Parse, path: "Consumer.GlobalUsings.g.cs"),
            CSharpSyntaxTree.ParseText(program.ToString(), Parse, path: statements ? "Program.cs" : "Snippet.cs"),
        };
        if (!statements)
        {
            trees.Add(CSharpSyntaxTree.ParseText(TemplateProgram, Parse, path: "Program.cs"));
        }

        var compilation = CSharpCompilation.Create(
            "Consumer",
            trees,
            // docs/interop.md's blocks use the RnnGen.Interop package beside the runtime.
            GeneratorRunner.MetadataReferences.Add(MetadataReference.CreateFromFile(typeof(RnnGen.Interop.OnnxModel).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable)
                // The SDK's default NoWarn: the references are the test host's implementation assemblies.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));
        GeneratorDriver driver = GeneratorRunner.Driver(Parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var generatorDiagnostics);
        return generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Distinct()
            .ToList();
    }

    private static string Describe(Diagnostic d)
    {
        FileLinePositionSpan span = d.Location.GetMappedLineSpan();
        string at = span.IsValid ? $"{span.Path}:{span.StartLinePosition.Line + 1}" : "(no location)";
        return $"{at}: {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static void AssertClean(string where, IReadOnlyList<Diagnostic> diagnostics)
    {
        if (diagnostics.Count > 0)
        {
            Assert.Fail($"{where} does not compile as written in a fresh console project:\n"
                + string.Join("\n", diagnostics.Select(Describe))
                + "\nFix the block, or mark it with the context it needs (<!-- snippet: context ... -->).");
        }
    }

    private static void AssertExpected(string where, MarkdownBlock block, string[] expected, IReadOnlyList<Diagnostic> diagnostics)
    {
        Assert.True(expected.Length > 0, $"{where}: 'snippet: expect' names no diagnostic.");
        string all = string.Join("\n", diagnostics.Select(Describe));
        Assert.True(
            expected.Order(StringComparer.Ordinal).SequenceEqual(diagnostics.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal)),
            $"{where} should report exactly {string.Join(", ", expected)}; it reports:\n{all}");

        // Each diagnostic sits on the line whose comment names it, so the page points at the right line.
        string[] lines = block.Text.Split('\n');
        foreach (Diagnostic d in diagnostics)
        {
            int index = d.Location.GetMappedLineSpan().StartLinePosition.Line + 1 - (block.Line + 1);
            string line = index >= 0 && index < lines.Length ? lines[index] : "";
            Assert.True(Regex.IsMatch(line, $"//.*\\b{d.Id}\\b"), $"{where}: {Describe(d)}, on a line without the comment // {d.Id}: '{line}'");
        }
    }

}
