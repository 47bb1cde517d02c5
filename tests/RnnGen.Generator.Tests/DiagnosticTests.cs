using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Each invalid declaration gets its RNNG diagnostic, located on the offending argument or the class
/// name (marked [|...|] in the source). A class that can take members gets its public members with bodies
/// that throw (see InvalidDeclarationTests), which compile beside it; one that cannot gets nothing.
/// </summary>
public class DiagnosticTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "RNNG001", "[RnnModel(Hidden = 4, Vocab = 5)] class [|M|] { }" },
        { "RNNG002", "[RnnModel(Hidden = 4, Vocab = 5)] partial record [|M|] { }" },
        { "RNNG002", "[RnnModel(Hidden = 4, Vocab = 5)] partial struct [|M|] { }" },
        { "RNNG003", "[RnnModel(Hidden = 4, Vocab = 5)] static partial class [|M|] { }" },
        { "RNNG004", "[RnnModel(Hidden = 4, Vocab = 5)] partial class [|M|]<T> { }" },
        { "RNNG005", "partial class Outer<T> { [RnnModel(Hidden = 4, Vocab = 5)] partial class [|M|] { } }" },
        { "RNNG006", "class Outer { [RnnModel(Hidden = 4, Vocab = 5)] partial class [|M|] { } }" },
        { "RNNG007", "[[|RnnModel(Vocab = 5)|]] partial class M { }" },
        { "RNNG008", "[RnnModel([|Hidden = 0|], Vocab = 5)] partial class M { }" },
        { "RNNG008", "[RnnModel([|Hidden = 5000|], Vocab = 5)] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, [|Vocab = -3|])] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|Output = 0|])] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|MaxSteps = 0|])] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|Layers = 0|])] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|Projection = -1|])] partial class M { }" },
        { "RNNG009", "[[|RnnModel(Hidden = 4)|]] partial class M { }" },
        { "RNNG010", "[RnnModel(Hidden = 4, Vocab = 5, [|Input = 3|], Output = 2)] partial class M { }" },
        { "RNNG011", "[[|RnnModel(Hidden = 4, Input = 3)|]] partial class M { }" },
        { "RNNG012", "[RnnModel(Hidden = 4, Vocab = 5, [|Truncate = -1|])] partial class M { }" },
        { "RNNG013", "[RnnModel(Hidden = 4, Vocab = 5, [|Cell = (CellType)7|])] partial class M { }" },
        { "RNNG013", "[RnnModel(Hidden = 4, Vocab = 5, [|Precision = (Precision)2|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, Bidirectional = true, [|Truncate = 3|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, Bidirectional = true, [|Recurrence = Recurrence.Output|])] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, Cell = CellType.Lstm, [|Projection = 4|])] partial class M { }" },
        { "RNNG015", "[[|RnnModel(Hidden = 4096, Vocab = 16000000)|]] partial class M { }" },
        { "RNNG015", "[[|RnnModel(Hidden = 4, Vocab = 16000000, MaxSteps = 1000)|]] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|Batch = 0|])] partial class M { }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|Batch = 65537|])] partial class M { }" },
        { "RNNG015", "[[|RnnModel(Hidden = 4000, Input = 4, Output = 1, Cell = CellType.Lstm, Layers = 4, Batch = 65536)|]] partial class M { }" },
        { "RNNG017", "[RnnModel(Hidden = 4, Vocab = 5, [|Dropout = 1.5|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, [|Projection = 2|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, Layers = 2, [|Recurrence = Recurrence.Output|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, Cell = CellType.Lstm, [|Activation = Activation.Relu|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, Cell = CellType.Gru, [|Recurrence = Recurrence.Output|])] partial class M { }" },
        { "RNNG020", "[RnnModel(Hidden = 4, Vocab = 5)] partial class M { public int [|Hidden|]; }" },
        { "RNNG020", "[RnnModel(Hidden = 4, Vocab = 5)] partial class M { public float [|Forward|](System.ReadOnlySpan<int> a, System.ReadOnlySpan<int> b) => 0; }" },
        { "RNNG020", "[RnnModel(Hidden = 4, Vocab = 5)] partial class M { public [|M|]() { } }" },
        { "RNNG020", "[RnnModel(Hidden = 4, Input = 3, Output = 2)] partial class M { public struct [|State|] { } }" },
        { "RNNG020", "[RnnModel(Hidden = 4, Vocab = 5, Batch = 2)] partial class M { public int [|Batch|]; }" },
        { "RNNG020", "[RnnModel(Hidden = 4, Input = 3, Output = 2, Batch = 2)] partial class M { public void [|Step|](System.Span<State> s, System.ReadOnlySpan<float> x, System.Span<float> y) { } }" },
        { "RNNG021", "[RnnModel(Hidden = 4, Vocab = 5)] partial class [|Forward|] { }" },
        { "RNNG022", "[RnnModel(Hidden = 4, Vocab = 5)] file partial class [|M|] { }" },
        { "RNNG022", "file partial class Outer { [RnnModel(Hidden = 4, Vocab = 5)] partial class [|M|] { } }" },
        { "RNNG008", "[RnnModel(Hidden = 4, Vocab = 5, [|Embedding = -2|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Input = 3, Output = 2, [|Embedding = 8|])] partial class M { }" },
        { "RNNG024", "[RnnModel(Hidden = 4, Vocab = 5, [|NativeExports = \"2lm\"|])] partial class M { }" },
        { "RNNG024", "[RnnModel(Hidden = 4, Vocab = 5, [|NativeExports = \"my lm\"|])] partial class M { }" },
        { "RNNG018", "[RnnModel(Hidden = 4, Vocab = 5, Bidirectional = true, [|NativeExports = \"lm\"|])] partial class M { }" },
        { "RNNG025", "partial class Outer { [RnnModel(Hidden = 4, Vocab = 5, [|NativeExports = \"lm\"|])] private partial class M { } }" },
        { "RNNG025", "partial class Outer { protected partial class Inner { [RnnModel(Hidden = 4, Vocab = 5, [|NativeExports = \"lm\"|])] internal partial class M { } } }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void InvalidDeclarationIsReportedWhereItIsWrong(string id, string marked)
    {
        (string source, int start, int end) = Unmark("using RnnGen;\n" + marked);
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run(source);

        Diagnostic diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.True(diagnostic.Location.IsInSource, "the location must be in source so #pragma can suppress it");
        Assert.Equal((start, end), (diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.End));
        if (ShapeErrors.Contains(id))
        {
            Assert.Empty(result.Results.Single().GeneratedSources);
        }
        else
        {
            Assert.Single(result.Results.Single().GeneratedSources);
            IReadOnlyList<Diagnostic> generated = GeneratorRunner.CompileDiagnostics(output)
                .Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true).ToList();
            Assert.True(generated.Count == 0, string.Join("\n", generated.Take(10)));
        }
    }

    /// <summary>Errors in the class's declaration itself, where generated members could not compile: nothing is generated.</summary>
    private static readonly HashSet<string> ShapeErrors = new() { "RNNG001", "RNNG002", "RNNG003", "RNNG004", "RNNG005", "RNNG006", "RNNG016", "RNNG022" };

    [Fact]
    public void DropoutWithOneLayerIsAWarningAndTheModelIsStillGenerated()
    {
        (string source, int start, int end) = Unmark("using RnnGen; [RnnModel(Hidden = 4, Vocab = 5, [|Dropout = 0.5|])] partial class M { }");
        (GeneratorDriverRunResult result, _) = GeneratorRunner.Run(source);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("RNNG019", DiagnosticSeverity.Warning), (diagnostic.Id, diagnostic.Severity));
        Assert.Equal((start, end), (diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.End));
        Assert.Single(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void LanguageVersionBelow12IsReported()
    {
        var options = GeneratorRunner.ParseOptions.WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp11);
        (string source, int start, int end) = Unmark("using RnnGen; [[|RnnModel(Hidden = 4, Vocab = 5)|]] partial class M { }");
        var compilation = GeneratorRunner.Compilation(options, source);
        GeneratorDriverRunResult result = GeneratorRunner.Driver(options).RunGenerators(compilation).GetRunResult();
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("RNNG016", diagnostic.Id);
        Assert.Equal((start, end), (diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.End));
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void NativeExportsMessagesSuggestAPrefixAndNameTheUnreachableType()
    {
        string Message(string source) => Assert.Single(GeneratorRunner.Run("using RnnGen; " + source).Result.Diagnostics)
            .GetMessage(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(
            "NativeExports = \"9-amp\" cannot prefix C function names (9-amp_create, 9-amp_step, ...); use letters, digits and '_', not starting with a digit, e.g. \"_9_amp\"",
            Message("[RnnModel(Hidden = 4, Vocab = 5, NativeExports = \"9-amp\")] partial class M { }"));
        Assert.Equal(
            "'M' is nested in 'Outer', which is private, but the C entry points that NativeExports generates live beside it in the assembly and must create it; make it internal or public",
            Message("partial class Host { private partial class Outer { [RnnModel(Hidden = 4, Vocab = 5, NativeExports = \"lm\")] public partial class M { } } }"));
    }

    [Fact]
    public void ModelTooLargeForItsBatchNamesBatch()
    {
        string message = Assert.Single(GeneratorRunner.Run("using RnnGen; [RnnModel(Hidden = 4000, Input = 4, Output = 1, Cell = CellType.Lstm, Layers = 4, Batch = 65536)] partial class M { }")
            .Result.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("The model's rows for the batched Step (Batch x Hidden and friends) need ", message);
        Assert.EndsWith("; reduce Batch or Hidden", message);
    }

    [Fact]
    public void EmptyOrNullNativeExportsGeneratesNoEntryPoints()
    {
        foreach (string value in new[] { "\"\"", "null" })
        {
            (GeneratorDriverRunResult result, _) = GeneratorRunner.Run($"using RnnGen; [RnnModel(Hidden = 4, Vocab = 5, NativeExports = {value})] partial class M {{ }}");
            Assert.Empty(result.Diagnostics);
            string text = Assert.Single(result.Results.Single().GeneratedSources).SourceText.ToString();
            Assert.DoesNotContain("UnmanagedCallersOnly", text);
        }
    }

    [Fact]
    public void MessagesSayWhatToChange()
    {
        (GeneratorDriverRunResult result, _) = GeneratorRunner.Run(
            "using RnnGen; [RnnModel(Hidden = 4, Vocab = 5, Truncate = -2)] partial class M { }");
        Assert.Equal(
            "Truncate = -2 is negative; use 0 for full backpropagation through time, or k > 0 to stop each loss's gradient k steps back",
            Assert.Single(result.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void EveryDescriptorIsDocumentedAndTracked()
    {
        string root = Repository.Root;
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "docs", "diagnostics.md"));
        string unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "src", "RnnGen.Generator", "AnalyzerReleases.Unshipped.md"));
        IEnumerable<string> ids = typeof(RnnModelGenerator).Assembly
            .GetType("RnnGen.Generator.Diagnostics.DiagnosticDescriptors")!
            .GetFields()
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id);
        foreach (string id in ids)
        {
            Assert.Contains($"## {id}", docs);
            Assert.Contains($"{id} |", unshipped);
        }
    }

    private static (string Source, int Start, int End) Unmark(string marked)
    {
        int start = marked.IndexOf("[|", System.StringComparison.Ordinal);
        int end = marked.IndexOf("|]", System.StringComparison.Ordinal) - 2;
        return (marked.Replace("[|", "").Replace("|]", ""), start, end);
    }
}
