using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace RnnGen.Package.Tests;

/// <summary>
/// The README's first C# block, pasted as it is into the Program.cs of a new console project, builds without a
/// warning and does what its comments say: against the package, and against the projects referenced by path with
/// the README's XML.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ReadmeTests
{
    private readonly ConsumerFixture _consumer;

    public ReadmeTests(ConsumerFixture consumer) => _consumer = consumer;

    [Fact]
    public void FirstSnippetBuildsWithoutWarningsFromThePackage() => AssertNoWarnings(_consumer.ReadmeConsumer);

    [Fact]
    public void FirstSnippetTrainsTheModelStreamsItAndSavesItsWeights() => AssertSnippetRan(_consumer.ReadmeConsumer);

    [Fact]
    public void ProjectReferenceFormBuildsWithoutWarnings() => AssertNoWarnings(_consumer.ProjectReferenceConsumer);

    [Fact]
    public void ProjectReferenceFormRunsTheGenerator() => AssertSnippetRan(_consumer.ProjectReferenceConsumer);

    [Fact]
    public void ProjectReferenceFormCarriesTheSourcesVersion()
    {
        // The generator built from the sources is versioned from their git history, like the package.
        string source = File.ReadAllText(_consumer.ProjectReferenceConsumer.GeneratedFile("WordModel.RnnModel.g.cs"));
        PackageTests.AssertStampedWith(ConsumerFixture.Version, source);
    }

    [Fact]
    public void ProjectReferenceNeedsTheGeneratorAsAnAnalyzer()
    {
        // What the README's XML says, as the test pastes it: the runtime as a normal reference, the generator as
        // an analyzer whose assembly is not referenced.
        string project = File.ReadAllText(Path.Combine(_consumer.ProjectReferenceConsumer.Directory, "App.csproj"));
        Assert.Matches("<ProjectReference Include=\"[^\"]*/src/RnnGen/RnnGen.csproj\" />", project);
        Assert.Matches("<ProjectReference Include=\"[^\"]*/src/RnnGen.Generator/RnnGen.Generator.csproj\"\\s+OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />", project);
    }

    private static void AssertNoWarnings(ConsumerProject consumer)
    {
        string output = consumer.Build.Output;
        Assert.DoesNotContain("CS9057", output);
        Assert.DoesNotContain("CS8032", output);
        Assert.Empty(Regex.Matches(output, @"\bwarning [A-Z]+[0-9]+").Select(m => m.Value));
        Assert.True(File.Exists(consumer.GeneratedFile("WordModel.RnnModel.g.cs")), $"No generated model:{Environment.NewLine}{output}");
    }

    private static void AssertSnippetRan(ConsumerProject consumer)
    {
        string output = consumer.Run.Output;

        // The loss every 5 epochs, summed over the sentence's 4 steps: from near 4 ln 8000 = 35.9 untrained, falling.
        double[] losses = Regex.Matches(output, @"^epoch (5|10|15|20): loss ([0-9]+[.,][0-9]+)\s*$", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[2].Value.Replace(',', '.'), CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(losses.Length == 4, $"Expected the loss at epochs 5, 10, 15 and 20 in:{Environment.NewLine}{output}");
        Assert.InRange(losses[0], 30, 4 * Math.Log(8000));
        for (int i = 1; i < losses.Length; i++)
        {
            Assert.True(losses[i] < losses[i - 1], $"The loss rose from {losses[i - 1]} to {losses[i]}:{Environment.NewLine}{output}");
        }

        Assert.InRange(losses[^1], 0, 10);

        // Streaming the sentence's first two tokens, the trained model expects the third.
        Assert.Matches(new Regex(@"^after 0 17 the model expects 942\s*$", RegexOptions.Multiline), output);

        // SaveWeights wrote every parameter as F32, PyTorch's names in the header.
        string weights = Path.Combine(consumer.Directory, "model.safetensors");
        Assert.True(File.Exists(weights), $"No {weights}");
        const long parameters = (100 * 8000) + (100 * 100) + (2 * 100) + (8000 * 100) + 8000;
        byte[] bytes = File.ReadAllBytes(weights);
        long header = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(8 + header + (4 * parameters), bytes.Length);
        string json = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)header);
        Assert.Contains("\"rnn.weight_ih_l0\"", json);
        Assert.Contains("\"output.bias\"", json);
    }
}
