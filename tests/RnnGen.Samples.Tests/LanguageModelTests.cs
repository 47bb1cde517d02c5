using System;
using System.IO;
using System.Linq;
using LanguageModel;

namespace RnnGen.Samples.Tests;

public sealed class LanguageModelTests : TempDirectory
{
    [Fact]
    public void Word_level_loss_falls_from_ln_vocab_and_sampled_sentences_avoid_the_unknown_token()
    {
        var options = new LanguageModelOptions { Sentences = 3000, Epochs = 3, SampleCount = 5, OutputDirectory = Directory };
        var output = new StringWriter();
        LanguageModelResult result = LanguageModelSample.Run(options, output);

        Assert.InRange(result.UntrainedLoss, 4.2, 4.6); // ln 80 = 4.38
        Assert.True(result.HeldOutLoss < 2.4, $"held-out loss per word {result.HeldOutLoss}\n{output}");
        Assert.Equal(5, result.Samples.Count);
        Assert.All(result.Samples, s => Assert.DoesNotContain("<unk>", s));
        Assert.Contains(result.Samples, s => s.Split(' ').Length >= 3);
        AssertPng(result.LossChart);
        Assert.True(File.Exists(result.Weights));

        // --resume: a longer run continues after the third epoch.
        LanguageModelResult resumed = LanguageModelSample.Run(options with { Epochs = 4, Resume = true }, new StringWriter());
        Assert.Equal(3, resumed.ResumedEpochs);
        Assert.Equal(4, resumed.Training.Epochs);
        Assert.Equal(result.Training.History.Select(e => e.TrainingLoss), resumed.Training.History.Take(3).Select(e => e.TrainingLoss));
    }

    [Fact]
    public void Word_level_with_an_embedding_layer_learns_as_well()
    {
        var options = new LanguageModelOptions { Embedding = true, Sentences = 3000, Epochs = 3, SampleCount = 3, OutputDirectory = Directory };
        var output = new StringWriter();
        LanguageModelResult result = LanguageModelSample.Run(options, output);
        Assert.Contains("embedding of 32", output.ToString());
        Assert.InRange(result.UntrainedLoss, 4.2, 4.6); // ln 80 = 4.38
        Assert.True(result.HeldOutLoss < 2.4, $"held-out loss per word {result.HeldOutLoss}\n{output}");
        Exception refused = Assert.ThrowsAny<Exception>(() => LanguageModelSample.Run(options with { CharacterLevel = true }, output));
        Assert.StartsWith("--embedding applies to the word-level models", refused.Message);
    }

    [Fact]
    public void Character_level_loss_falls_with_adagrad_clipping_and_a_carried_state()
    {
        var options = new LanguageModelOptions { CharacterLevel = true, Sentences = 400, Epochs = 2, SampleCount = 1, OutputDirectory = Directory };
        var output = new StringWriter();
        LanguageModelResult result = LanguageModelSample.Run(options, output);

        Assert.InRange(result.UntrainedLoss, 4.3, 4.8); // ln 96 = 4.56
        Assert.True(result.HeldOutLoss < 2.0, $"held-out loss per character {result.HeldOutLoss}\n{output}");
        Assert.Contains("adagrad", output.ToString());
        Assert.Single(result.Samples);
        Assert.True(result.Samples[0].Length > 100);
    }

    [Fact]
    public void Any_utf8_text_trains_the_word_model()
    {
        string text = PathOf("story.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("The fox sees the dog. The dog sees the fox! A bird sings in the tree. ", 60)));
        var output = new StringWriter();
        LanguageModelResult result = LanguageModelSample.Run(new LanguageModelOptions { TextFile = text, Epochs = 3, SampleCount = 2, OutputDirectory = Directory }, output);

        Assert.True(result.HeldOutLoss < 1.5, $"held-out loss per word {result.HeldOutLoss}\n{output}");
        Assert.Contains("sentences from story.txt", output.ToString());
    }
}
