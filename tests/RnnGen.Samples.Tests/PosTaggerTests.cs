using System.IO;
using System.Linq;
using PosTagger;

namespace RnnGen.Samples.Tests;

public sealed class PosTaggerTests : TempDirectory
{
    [Fact]
    public void Held_out_accuracy_is_at_least_95_percent_and_the_classic_example_is_tagged()
    {
        var options = new TaggerOptions { Sentences = 2500, Epochs = 4, OutputDirectory = Directory, Tag = ["我 吃 苹果", "they fish in the river ."] };
        var output = new StringWriter();
        TaggerResult result = TaggerSample.Run(options, output);

        Assert.True(result.Accuracy >= 0.95, $"held-out accuracy {result.Accuracy:P2}\n{output}");
        Assert.Equal(result.HeldOutWords, result.Confusion.Cast<int>().Sum());
        Assert.Equal("我/nn 吃/v 苹果/nn", result.Tagged[0]);
        Assert.Contains("true \\ predicted", output.ToString());
    }

    [Fact]
    public void Chinese_without_spaces_is_cut_into_known_words()
    {
        var vocabulary = new System.Collections.Generic.Dictionary<string, int> { ["我们"] = 1, ["喜欢"] = 2, ["很"] = 3, ["茶"] = 4 };
        Assert.Equal(["我们", "很", "喜欢", "茶", "。"], TaggerSample.Tokenize("我们很喜欢茶。", vocabulary));
        Assert.Equal(["the", "dog", "'s", "."], TaggerSample.Tokenize("The dog 's.", vocabulary));
    }
}
