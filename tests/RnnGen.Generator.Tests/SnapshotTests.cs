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
}
