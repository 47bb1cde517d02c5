using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;

namespace RnnGen.Generator.Tests;

/// <summary>The generated source for representative declarations, reviewed and kept as snapshots.</summary>
public class SnapshotTests
{
    private static void VerifyGenerated(string source, [System.Runtime.CompilerServices.CallerMemberName] string method = "")
    {
        (GeneratorDriverRunResult result, _) = GeneratorRunner.Run(source);
        Assert.Empty(result.Diagnostics);
        GeneratedSourceResult generated = Assert.Single(result.Results.Single().GeneratedSources);
        Snapshot.Verify(generated.HintName, generated.SourceText.ToString(), method: method);
    }

    /// <summary>An invalid declaration: its members, each throwing an exception that names the error.</summary>
    [Fact]
    public void InvalidDeclarationSurface()
    {
        (GeneratorDriverRunResult result, _) = GeneratorRunner.Run("""
            using RnnGen;
            namespace Demo;
            [RnnModel(Hidden = 5000, Vocab = 80, Cell = CellType.Lstm, Layers = 2, Dropout = 0.25)]
            public partial class Broken { }
            """);
        Assert.Equal("RNNG008", Assert.Single(result.Diagnostics).Id);
        GeneratedSourceResult generated = Assert.Single(result.Results.Single().GeneratedSources);
        Snapshot.Verify(generated.HintName, generated.SourceText.ToString());
    }

    [Fact]
    public void TutorialLanguageModel() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4)]
        public partial class WordModel { }
        """);

    [Fact]
    public void OddSizesReluFullBptt() => VerifyGenerated("""
        using RnnGen;
        namespace Demo.Odd;
        [RnnModel(Hidden = 37, Vocab = 53, Activation = Activation.Relu, MaxSteps = 20)]
        internal partial class OddModel { }
        """);

    [Fact]
    public void DoublePrecisionTagger() => VerifyGenerated("""
        using RnnGen;
        [RnnModel(Hidden = 16, Vocab = 30, Output = 5, Truncate = 2, MaxSteps = 12, Precision = Precision.Double)]
        partial class Tagger { }
        """);

    [Fact]
    public void NestedInPartialTypes() => VerifyGenerated("""
        using RnnGen;
        namespace Demo
        {
            public partial class Outer
            {
                public partial record struct Inner
                {
                    [RnnModel(Hidden = 8, Vocab = 10, MaxSteps = 4)]
                    public partial class Tiny { }
                }
            }
        }
        """);

    [Fact]
    public void LstmTokenLanguageModel() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 24, Vocab = 40, Cell = CellType.Lstm, Truncate = 3, MaxSteps = 16)]
        public partial class CharModel { }
        """);

    // NativeExports: the C entry points (charnet_create, charnet_step, ...) in a file-local class after the network.
    [Fact]
    public void GruTokenModelWithCEntryPoints() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 12, Vocab = 20, Cell = CellType.Gru, MaxSteps = 16, NativeExports = "charnet")]
        internal partial class CharNet { }
        """);

    // Embedding: nn.Embedding's table first in the parameters, gathered rows as layer 0's dense input.
    [Fact]
    public void StackedGruWithEmbedding() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 24, Vocab = 100, Embedding = 12, Cell = CellType.Gru, Layers = 2, Truncate = 3, MaxSteps = 20)]
        public partial class Embedded { }
        """);

    // Batch: the batched Step (StepBatch) over up to 16 streams, products with the stream count as their row count.
    [Fact]
    public void LstmStreamsInBatches() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 32, Batch = 16)]
        public partial class Channels { }
        """);

    [Fact]
    public void LstmDenseAudioEffect() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 32)]
        public partial class Distortion { }
        """);

    // W_hh of 1 MB: stored in column panels, and the recurrence can run on two threads (Threads, RecurPart, RecurrencePartner).
    [Fact]
    public void WideLstmInPanelsOnTwoThreads() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 256, Input = 64, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 100)]
        public partial class Wide { }
        """);

    [Fact]
    public void GruTokenSequenceClassifier() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 20, Vocab = 30, Output = 2, Cell = CellType.Gru, Outputs = Outputs.LastStep, Truncate = 5, MaxSteps = 24)]
        public partial class Sentiment { }
        """);

    [Fact]
    public void GruDenseForecaster() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 32, Input = 4, Output = 4, Cell = CellType.Gru, Loss = Loss.SquaredError, Truncate = 8, MaxSteps = 64, Precision = Precision.Double)]
        public partial class Forecaster { }
        """);

    [Fact]
    public void VanillaOutputRecurrence() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 12, Input = 2, Output = 3, Recurrence = Recurrence.Output, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 10)]
        public partial class Feedback { }
        """);

    [Fact]
    public void StackedLstmTruncated() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 32, Vocab = 60, Cell = CellType.Lstm, Layers = 2, Truncate = 4, MaxSteps = 40)]
        public partial class DeepCharModel { }
        """);

    [Fact]
    public void ProjectedLstmWithDropout() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 48, Input = 8, Output = 2, Cell = CellType.Lstm, Projection = 16, Layers = 2, Dropout = 0.2, Outputs = Outputs.LastStep, MaxSteps = 50)]
        public partial class ProjectedClassifier { }
        """);

    [Fact]
    public void BidirectionalGruTagger() => VerifyGenerated("""
        using RnnGen;
        namespace Demo;
        [RnnModel(Hidden = 24, Vocab = 500, Output = 12, Cell = CellType.Gru, Layers = 2, Bidirectional = true, MaxSteps = 60)]
        public partial class BiTagger { }
        """);
}
