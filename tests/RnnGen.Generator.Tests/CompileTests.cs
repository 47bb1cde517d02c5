using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>The generated source is valid C# that compiles without a single warning, beside user code.</summary>
public class CompileTests
{
    public static TheoryData<string> Declarations => new()
    {
        "[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4)] public partial class WordModel { }",
        "[RnnModel(Hidden = 37, Vocab = 53, Activation = Activation.Relu, MaxSteps = 20)] internal partial class Odd { }",
        "[RnnModel(Hidden = 16, Vocab = 30, Output = 5, Truncate = 2, MaxSteps = 12, Precision = Precision.Double)] partial class Tagger { }",
        "[RnnModel(Hidden = 1, Vocab = 1, MaxSteps = 1)] partial class Smallest { }",
        "[RnnModel(Hidden = 1024, Vocab = 300, Truncate = 7, MaxSteps = 16)] partial class Wide { }",
        "public partial class Outer { public partial struct Inner { [RnnModel(Hidden = 8, Vocab = 10)] public partial class Nested { } } }",
        "[RnnModel(Hidden = 8, Vocab = 10)] public partial class @event { }",
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void GeneratedSourceCompilesWithoutWarnings(string declaration)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run("using RnnGen;\nnamespace Demo.Models;\n" + declaration);
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.Results.Single().GeneratedSources);
        IReadOnlyList<Diagnostic> diagnostics = GeneratorRunner.CompileDiagnostics(output);
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics.Take(20)));
    }

    [Fact]
    public void TwoModelsWithTheSameNameInDifferentNamespacesCoexist()
    {
        (_, Compilation output) = GeneratorRunner.Run(
            "using RnnGen; namespace A { [RnnModel(Hidden = 4, Vocab = 5)] partial class M { } }",
            "using RnnGen; namespace B { [RnnModel(Hidden = 6, Vocab = 7)] partial class M { } }",
            "using RnnGen; [RnnModel(Hidden = 2, Vocab = 3)] partial class M { }");
        IReadOnlyList<Diagnostic> diagnostics = GeneratorRunner.CompileDiagnostics(output);
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics.Take(20)));
    }

    /// <summary>
    /// A single-precision head of 2048 classes or more is stored in panels of a width that divides its padded width,
    /// between 240 and 480 classes (a multiple of 80 first, then the nearest to 320); a vocabulary with no such
    /// divisor, a double-precision head and a bidirectional one keep plain rows.
    /// </summary>
    [Theory]
    [InlineData("Hidden = 100, Vocab = 8000", 320)]
    [InlineData("Hidden = 100, Vocab = 4000", 400)]
    [InlineData("Hidden = 30, Vocab = 40, Output = 2100", 352)]
    [InlineData("Hidden = 24, Vocab = 2560, Cell = CellType.Lstm, Projection = 16", 320)]
    [InlineData("Hidden = 100, Vocab = 10000", 400)]
    [InlineData("Hidden = 100, Vocab = 5000", 0)]
    [InlineData("Hidden = 100, Vocab = 2000", 0)]
    [InlineData("Hidden = 100, Vocab = 8000, Precision = Precision.Double", 0)]
    [InlineData("Hidden = 100, Vocab = 8000, Bidirectional = true", 0)]
    public void AWideHeadIsStoredInPanelsThatDivideIt(string arguments, int panel)
    {
        (GeneratorDriverRunResult result, _) = GeneratorRunner.Run($"using RnnGen;\n[RnnModel({arguments})] partial class M {{ }}");
        Assert.Empty(result.Diagnostics);
        string source = result.Results.Single().GeneratedSources.Single().SourceText.ToString();
        var declared = System.Text.RegularExpressions.Regex.Match(source, @"public const int OutputPanel = (\d+);");
        Assert.Equal(panel, declared.Success ? int.Parse(declared.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    [Fact]
    public void GeneratedSourceStaysSmallAtTheLargestHiddenSize()
    {
        foreach (string declaration in new[]
        {
            "[RnnModel(Hidden = 1024, Vocab = 8000, Truncate = 4)] partial class M { }",
            "[RnnModel(Hidden = 4096, Vocab = 37, Precision = Precision.Double)] partial class M { }",
            // The most kernels: dense input, stacked, projected, dropout, sequence-to-one.
            "[RnnModel(Hidden = 1024, Input = 64, Output = 10, Cell = CellType.Lstm, Projection = 256, Layers = 3, Dropout = 0.2, Outputs = Outputs.LastStep, Truncate = 5)] partial class M { }",
            "[RnnModel(Hidden = 1024, Input = 64, Output = 10, Cell = CellType.Gru, Layers = 8, Dropout = 0.2, Loss = Loss.SquaredError, Truncate = 5)] partial class M { }",
            "[RnnModel(Hidden = 1024, Input = 64, Output = 10, Cell = CellType.Lstm, Projection = 256, Layers = 3, Bidirectional = true, Dropout = 0.2, Outputs = Outputs.LastStep)] partial class M { }",
        })
        {
            (GeneratorDriverRunResult result, _) = GeneratorRunner.Run("using RnnGen;\n" + declaration);
            Assert.Empty(result.Diagnostics);
            int bytes = System.Text.Encoding.UTF8.GetByteCount(result.Results.Single().GeneratedSources.Single().SourceText.ToString());
            Assert.True(bytes < 300_000, $"{declaration}: {bytes} bytes");
        }
    }

    // The largest declarations the attribute allows: the kernels live in the runtime, so the source grows only with
    // the orchestration of each layer (8 bidirectional layers of 1021 GRU units: about 225 KB), and every one
    // generates and compiles without a diagnostic.
    [Theory]
    [InlineData("[RnnModel(Hidden = 1023, Input = 100, Output = 33, Cell = CellType.Lstm, Projection = 511, Layers = 8, Bidirectional = true, Dropout = 0.5, Outputs = Outputs.LastStep, Precision = Precision.Double, MaxSteps = 4)] partial class M { }")]
    [InlineData("[RnnModel(Hidden = 1021, Input = 97, Output = 99, Cell = CellType.Gru, Layers = 8, Bidirectional = true, Dropout = 0.5, Loss = Loss.SquaredError, MaxSteps = 4)] partial class M { }")]
    [InlineData("[RnnModel(Hidden = 1023, Vocab = 300, Cell = CellType.Vanilla, Layers = 8, Bidirectional = true, Dropout = 0.5)] partial class M { }")]
    [InlineData("[RnnModel(Hidden = 1024, Vocab = 8000, Cell = CellType.Lstm, Layers = 8, Dropout = 0.5, Truncate = 7)] partial class M { }")]
    [InlineData("[RnnModel(Hidden = 1024, Input = 512, Output = 8, Cell = CellType.Gru, Layers = 8, Dropout = 0.1, Truncate = 3, MaxSteps = 64)] partial class M { }")]
    public void TheLargestDeclarationsGenerateWithoutDiagnostics(string declaration)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorRunner.Run("using RnnGen;\n" + declaration);
        Assert.Empty(result.Diagnostics);
        int bytes = System.Text.Encoding.UTF8.GetByteCount(result.Results.Single().GeneratedSources.Single().SourceText.ToString());
        Assert.True(bytes < 250_000, $"{bytes} bytes");
        IReadOnlyList<Diagnostic> diagnostics = GeneratorRunner.CompileDiagnostics(output);
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics.Take(20)));
    }
}
