using System;
using System.Linq;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>Numbers a user checks first: the untrained loss, and that SGD learns.</summary>
public class TrainingTests
{
    [Fact]
    public void UntrainedLossOnRandomTokensIsLnVocab()
    {
        // The tutorial's sanity check: with small random weights every word is about equally likely,
        // so the loss per word is about ln(8000) = 8.987.
        var model = new TutorialModel();
        var random = new RnnRandom(42);
        double total = 0;
        var logits = new System.Collections.Generic.List<float[]>();
        var allTargets = new System.Collections.Generic.List<int>();
        for (int sentence = 0; sentence < 20; sentence++)
        {
            int[] inputs = Enumerable.Range(0, 20).Select(_ => random.NextInt32(TutorialModel.Vocab)).ToArray();
            int[] targets = Enumerable.Range(0, 20).Select(_ => random.NextInt32(TutorialModel.Vocab)).ToArray();
            total += model.Forward(inputs, targets);
            var state = default(TutorialModel.State);
            foreach (int token in inputs)
            {
                var y = new float[TutorialModel.Output];
                model.Step(ref state, token, y);
                logits.Add(y);
            }

            allTargets.AddRange(targets);
        }

        AssertUntrainedScore(total, logits, allTargets, TutorialModel.Vocab);
    }

    /// <summary>
    /// What an untrained model's loss must show: about ln(Vocab) per word, from logits that are small but not zero.
    /// All-zero logits (a head that is never initialised or never applied) also score exactly ln(Vocab); they fail
    /// here because the logits must spread, and the loss must be the one those logits give.
    /// </summary>
    /// <param name="loss">Forward's summed loss over the words.</param>
    /// <param name="logits">Step's logits for each word, from the zero state at each sentence's start.</param>
    /// <param name="targets">Each word's target.</param>
    /// <param name="vocab">The number of classes.</param>
    internal static void AssertUntrainedScore(double loss, System.Collections.Generic.IReadOnlyList<float[]> logits, System.Collections.Generic.IReadOnlyList<int> targets, int vocab)
    {
        double fromLogits = 0, squares = 0;
        for (int w = 0; w < logits.Count; w++)
        {
            float[] y = logits[w];
            double max = y.Max(), mean = y.Average();
            fromLogits += Math.Log(y.Sum(v => Math.Exp(v - max))) + max - y[targets[w]];
            squares += y.Sum(v => (v - mean) * (v - mean)) / y.Length;
        }

        // The initialisation (weights uniform in ±1/sqrt(fan in), biases 0) gives logits whose standard deviation
        // across classes of about 5e-3 for these models: at least 1e-3, and under 0.1 (words about equally likely).
        double spread = Math.Sqrt(squares / logits.Count);
        Assert.InRange(spread, 1e-3, 0.1);
        Assert.Equal(fromLogits, loss, 1e-5 * loss);
        Assert.Equal(Math.Log(vocab), loss / logits.Count, 0.01);
    }

    [Fact]
    public void SgdDrivesTheLossOfATinyRepetitiveCorpusNearZero()
    {
        // Three sentences over ten tokens; each next token is determined by the sentence so far
        // (after a 3, the next token depends on how the sentence began: memory is needed).
        int[][] corpus =
        {
            new[] { 0, 1, 2, 3, 4, 5, 9 },
            new[] { 6, 7, 8, 9 },
            new[] { 1, 3, 5, 7, 9 },
        };
        var model = new SmallModel();
        model.Initialize(1);
        double first = Loss(model, corpus);
        for (int epoch = 0; epoch < 400; epoch++)
        {
            foreach (int[] sentence in corpus)
            {
                model.SgdStep(sentence.AsSpan(0, sentence.Length - 1), sentence.AsSpan(1), 0.1f);
            }
        }

        double last = Loss(model, corpus);
        int words = corpus.Sum(s => s.Length - 1);
        Assert.True(first / words > 1.5, $"untrained loss per word {first / words}");
        Assert.True(last / words < 0.05, $"trained loss per word {last / words}");
    }

    [Fact]
    public void SgdStepIsZeroBackwardThenUpdate() => AssertSgdStepIsZeroBackwardThenUpdate(new SmallModel(), new SmallModel());

    /// <summary>The tutorial's head (8000 classes) is stored in panels, which SgdStep's fused head update walks.</summary>
    [Fact]
    public void SgdStepIsZeroBackwardThenUpdateWithAHeadInPanels() => AssertSgdStepIsZeroBackwardThenUpdate(new TutorialModel(), new TutorialModel());

    private static void AssertSgdStepIsZeroBackwardThenUpdate(IRnnModel<float, int, int> a, IRnnModel<float, int, int> b)
    {
        // Repeated tokens: their input-weight rows must get the summed gradient exactly once.
        int[] inputs = { 1, 2, 3, 1, 2, 1 }, targets = { 2, 3, 4, 5, 6, 7 };
        b.Backward(inputs, targets); // leaves stale gradients that SgdStep must clear

        float lossA = a.SgdStep(inputs, targets, 0.05f);
        b.ZeroGradients();
        var before = b.Parameters.ToArray();
        float lossB = b.Backward(inputs, targets);
        var gradients = b.Gradients.ToArray();
        for (int i = 0; i < before.Length; i++) before[i] -= 0.05f * gradients[i];

        Assert.Equal(lossB, lossA);
        float[] after = a.Parameters.ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            Assert.Equal(before[i], after[i], 1e-7f);
        }
    }

    [Fact]
    public void SameSeedSameParametersAndResults()
    {
        var a = new SmallModel();
        var b = new SmallModel();
        a.Initialize(123);
        b.Initialize(123);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        int[] inputs = { 1, 2, 3 }, targets = { 2, 3, 4 };
        Assert.Equal(a.SgdStep(inputs, targets, 0.1f), b.SgdStep(inputs, targets, 0.1f));
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));

        b.Initialize(124);
        Assert.False(a.Parameters.SequenceEqual(b.Parameters));
    }

    private static double Loss(SmallModel model, int[][] corpus) =>
        corpus.Sum(s => (double)model.Forward(s.AsSpan(0, s.Length - 1), s.AsSpan(1)));
}
