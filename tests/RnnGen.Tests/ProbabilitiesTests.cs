using System;
using System.Linq;
using RnnGen.Runtime;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>
/// <c>Probabilities</c> of cross-entropy models: the softmax of every step's logits (one row for
/// <c>Outputs.LastStep</c>), the same as a softmax of what <c>Step</c> writes, allocation-free.
/// </summary>
public class ProbabilitiesTests
{
    /// <summary>softmax(y) in double precision: the reference.</summary>
    private static double[] Reference(ReadOnlySpan<double> y)
    {
        double max = double.NegativeInfinity;
        foreach (double v in y) max = Math.Max(max, v);
        double[] e = new double[y.Length];
        for (int o = 0; o < y.Length; o++) e[o] = Math.Exp(y[o] - max);
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double[] Widen(ReadOnlySpan<float> values) => values.ToArray().Select(v => (double)v).ToArray();

    private static int[] Tokens(int count, int vocab, ulong seed)
    {
        var random = new RnnRandom(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextInt32(vocab)).ToArray();
    }

    /// <summary>Row t of the probabilities against the softmax of Step's output at step t, and each row's sum.</summary>
    private static void AssertRows(ReadOnlySpan<double> probabilities, double[][] stepOutputs, int output, double tolerance)
    {
        Assert.Equal(stepOutputs.Length * output, probabilities.Length);
        for (int t = 0; t < stepOutputs.Length; t++)
        {
            double[] expected = Reference(stepOutputs[t]);
            ReadOnlySpan<double> row = probabilities.Slice(t * output, output);
            for (int o = 0; o < output; o++)
            {
                Assert.True(Math.Abs(expected[o] - row[o]) <= tolerance, $"step {t}, class {o}: {row[o]} against {expected[o]}");
            }

            double sum = 0;
            foreach (double p in row) sum += p;
            Assert.True(Math.Abs(sum - 1) <= 10 * tolerance * Math.Sqrt(output), $"step {t}: the row sums to {sum}");
        }
    }

    [Fact]
    public void SmallModelGivesTheSoftmaxOfEachStepsOutput()
    {
        var model = new SmallModel();
        model.Initialize(11);
        foreach (ref float p in model.Parameters) p *= 6; // confident rows, far from uniform
        int[] inputs = Tokens(17, SmallModel.Vocab, 1);

        var probabilities = new float[inputs.Length * SmallModel.Output];
        model.Probabilities(inputs, probabilities);

        var state = default(SmallModel.State);
        var y = new float[SmallModel.Output];
        double[][] outputs = inputs.Select(x => { model.Step(ref state, x, y); return Widen(y); }).ToArray();
        AssertRows(Widen(probabilities), outputs, SmallModel.Output, 1e-6);
        Assert.Contains(probabilities, p => p > 0.5f);
    }

    [Fact]
    public void AVocabularyOf8000GivesTheSoftmaxOfEachStepsOutput()
    {
        var model = new TutorialModel();
        model.Initialize(2);
        foreach (ref float p in model.Parameters) p *= 20;
        int[] inputs = Tokens(6, TutorialModel.Vocab, 2);

        var probabilities = new float[inputs.Length * TutorialModel.Output];
        Assert.Equal(probabilities.Length, model.Probabilities(inputs, probabilities));

        var state = default(TutorialModel.State);
        var y = new float[TutorialModel.Output];
        double[][] outputs = inputs.Select(x => { model.Step(ref state, x, y); return Widen(y); }).ToArray();
        AssertRows(Widen(probabilities), outputs, TutorialModel.Output, 1e-6);
        Assert.Contains(probabilities, p => p > 0.01f);
    }

    [Fact]
    public void DoublePrecisionModelsGiveTheSoftmaxOfEachStepsOutput()
    {
        // A tagger (Output != Vocab), three GRU layers with dropout (never applied here), and an output recurrence.
        var tagger = new OddTagger();
        tagger.Initialize(3);
        int[] inputs = Tokens(9, OddTagger.Vocab, 3);
        var probabilities = new double[inputs.Length * OddTagger.Output];
        tagger.Probabilities(inputs, probabilities);
        var s1 = default(OddTagger.State);
        var y1 = new double[OddTagger.Output];
        AssertRows(probabilities, inputs.Select(x => { tagger.Step(ref s1, x, y1); return y1.ToArray(); }).ToArray(), OddTagger.Output, 1e-12);

        var stacked = new DroppedGru();
        stacked.Initialize(4);
        inputs = Tokens(8, DroppedGru.Vocab, 4);
        probabilities = new double[inputs.Length * DroppedGru.Output];
        stacked.Probabilities(inputs, probabilities);
        var s2 = default(DroppedGru.State);
        var y2 = new double[DroppedGru.Output];
        AssertRows(probabilities, inputs.Select(x => { stacked.Step(ref s2, x, y2); return y2.ToArray(); }).ToArray(), DroppedGru.Output, 1e-12);

        var feedback = new ChunkedFeedback();
        feedback.Initialize(5);
        inputs = Tokens(7, ChunkedFeedback.Vocab, 5);
        probabilities = new double[inputs.Length * ChunkedFeedback.Output];
        feedback.Probabilities(inputs, probabilities);
        var s3 = default(ChunkedFeedback.State);
        var y3 = new double[ChunkedFeedback.Output];
        AssertRows(probabilities, inputs.Select(x => { feedback.Step(ref s3, x, y3); return y3.ToArray(); }).ToArray(), ChunkedFeedback.Output, 1e-12);
    }

    [Fact]
    public void ASequenceToOneModelGivesOneRowForTheLastStep()
    {
        var model = new SequenceClassifier(); // dense, GRU, Outputs.LastStep, Output = 2
        model.Initialize(6);
        foreach (ref float p in model.Parameters) p *= 4;
        float[] inputs = Enumerable.Range(0, 5 * SequenceClassifier.Input).Select(i => MathF.Cos(0.7f * i)).ToArray();
        var probabilities = new float[SequenceClassifier.Output];
        Assert.Equal(SequenceClassifier.Output, model.Probabilities(inputs, probabilities));

        var state = default(SequenceClassifier.State);
        var y = new float[SequenceClassifier.Output];
        for (int t = 0; t < 5; t++)
        {
            model.Step(ref state, inputs.AsSpan(t * SequenceClassifier.Input, SequenceClassifier.Input), y);
        }

        AssertRows(Widen(probabilities), new[] { Widen(y) }, SequenceClassifier.Output, 1e-6);

        // The class Predict picks is the most probable one.
        var classes = new int[1];
        model.Predict(inputs, classes);
        Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), classes[0]);
    }

    [Fact]
    public void ACarriedStateContinuesTheSequenceAndReceivesTheStateAfterIt()
    {
        var model = new SmallModel();
        model.Initialize(12);
        foreach (ref float p in model.Parameters) p *= 5;
        int[] inputs = Tokens(12, SmallModel.Vocab, 12);

        var whole = new float[inputs.Length * SmallModel.Output];
        model.Probabilities(inputs, whole);

        var state = default(SmallModel.State);
        var chunked = new float[whole.Length];
        model.Probabilities(inputs.AsSpan(0, 5), chunked, ref state);
        model.Probabilities(inputs.AsSpan(5), chunked.AsSpan(5 * SmallModel.Output), ref state);
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.True(Math.Abs(whole[i] - chunked[i]) <= 1e-6, $"element {i}: {chunked[i]} chunked, {whole[i]} whole");
        }

        var stepped = default(SmallModel.State);
        var y = new float[SmallModel.Output];
        foreach (int x in inputs) model.Step(ref stepped, x, y);
        for (int i = 0; i < SmallModel.Hidden; i++)
        {
            Assert.True(Math.Abs(stepped.Hidden[i] - state.Hidden[i]) <= 1e-6, $"h[{i}]: {state.Hidden[i]} against {stepped.Hidden[i]}");
        }
    }

    private static long Measure(Action action) => Allocations.Least(action);

    [Fact]
    public void ProbabilitiesAllocateNothing()
    {
        var model = new TutorialModel();
        int[] inputs = Tokens(20, TutorialModel.Vocab, 7);
        float[] destination = new float[20 * TutorialModel.Output];
        var state = default(TutorialModel.State);
        Assert.Equal(0, Measure(() => model.Probabilities(inputs, destination)));
        Assert.Equal(0, Measure(() => model.Probabilities(inputs, destination, ref state)));

        var tagger = new OddTagger();
        int[] tokens = Tokens(9, OddTagger.Vocab, 1);
        double[] rows = new double[9 * OddTagger.Output];
        Assert.Equal(0, Measure(() => tagger.Probabilities(tokens, rows)));
    }

    public delegate void Call(SmallModel model, ref SmallModel.State state);

    public static TheoryData<string, string, Call> BadCalls => new()
    {
        { "destination too short", "destination has room for 49 probabilities, but this model writes 50: Output = 10 probabilities for each of the 5 steps of inputs.",
            (SmallModel m, ref SmallModel.State s) => m.Probabilities(new[] { 1, 2, 3, 4, 5 }, new float[49]) },
        { "destination too short, carried state", "destination has room for 9 probabilities, but this model writes 10: Output = 10 probabilities for the 1 step of inputs.",
            (SmallModel m, ref SmallModel.State s) => m.Probabilities(new[] { 1 }, new float[9], ref s) },
        { "destination empty", "destination is empty, but this model writes 20: Output = 10 probabilities for each of the 2 steps of inputs.",
            (SmallModel m, ref SmallModel.State s) => m.Probabilities(new[] { 1, 2 }, Span<float>.Empty, ref s) },
        { "token out of range", "inputs[1] is 10, but token ids must be 0..9 because this model has Vocab = 10.",
            (SmallModel m, ref SmallModel.State s) => m.Probabilities(new[] { 1, 10 }, new float[20], ref s) },
        { "no inputs", "inputs is empty, but a sequence needs at least one step.",
            (SmallModel m, ref SmallModel.State s) => m.Probabilities(ReadOnlySpan<int>.Empty, new float[20]) },
        { "too many steps", "inputs has 33 steps, but this model takes at most MaxSteps = 32: its buffers are allocated for that many steps. Split the sequence, or declare a larger MaxSteps.",
            (SmallModel m, ref SmallModel.State s) => m.Probabilities(new int[33], new float[330], ref s) },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public void BadCallsThrowAndChangeNothing(string what, string message, Call call)
    {
        var model = new SmallModel();
        var state = default(SmallModel.State);
        model.Step(ref state, 3, new float[SmallModel.Output]);
        float[] hidden = state.Hidden.ToArray(), parameters = model.Parameters.ToArray();

        var e = Assert.ThrowsAny<ArgumentException>(() => call(model, ref state));
        Assert.True(message == ArgumentTests.Message(e), $"{what}: message was \"{ArgumentTests.Message(e)}\"");
        Assert.True(hidden.AsSpan().SequenceEqual(state.Hidden), $"{what}: the state changed");
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters), $"{what}: the parameters changed");
    }

    [Fact]
    public void ASequenceToOneDestinationNeedsOneRow()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new SequenceClassifier().Probabilities(new float[9], new float[1]));
        Assert.Equal("destination has room for 1 probability, but this model writes 2: Output = 2 probabilities for the whole sequence (Outputs.LastStep).", ArgumentTests.Message(e));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(67)]
    public void TheRuntimesSoftmaxMatchesDoublePrecisionAtEveryLength(int length)
    {
        var random = new RnnRandom((ulong)length);
        double[] logits = Enumerable.Range(0, length).Select(_ => random.NextDouble(-30, 30)).ToArray();
        double[] expected = Reference(logits);

        float[] single = SoftmaxOfPaddedRow(logits.Select(v => (float)v).ToArray());
        double[] fromSingle = Reference(logits.Select(v => (double)(float)v).ToArray());
        for (int o = 0; o < length; o++)
        {
            Assert.True(Math.Abs(fromSingle[o] - single[o]) <= 1e-6, $"float, class {o}: {single[o]} against {fromSingle[o]}");
        }

        Assert.All(single[length..], v => Assert.Equal(0f, v));

        double[] twice = SoftmaxOfPaddedRow(logits);
        for (int o = 0; o < length; o++)
        {
            Assert.True(Math.Abs(expected[o] - twice[o]) <= 1e-14, $"double, class {o}: {twice[o]} against {expected[o]}");
        }
    }

    /// <summary>
    /// The runtime's softmax as Predict calls it: in place over a row padded to whole 64-byte vectors with -∞, the
    /// padding lanes becoming 0.
    /// </summary>
    private static T[] SoftmaxOfPaddedRow<T>(T[] logits)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        int lanes = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        T[] row = new T[(logits.Length + lanes - 1) / lanes * lanes];
        row.AsSpan().Fill(T.NegativeInfinity);
        logits.CopyTo(row, 0);
        RnnGen.Runtime.Losses.Softmax(ref row[0], (nuint)row.Length, out _);
        return row;
    }

    [Fact]
    public void ExtremeLogitsGiveProbabilitiesNotNaN()
    {
        float[] logits = Enumerable.Range(0, 20).Select(i => i == 13 ? 1000f : -1000f + i).ToArray();
        float[] probabilities = SoftmaxOfPaddedRow(logits);
        Assert.Equal(1f, probabilities[13]);
        Assert.All(probabilities.Where((_, i) => i != 13), p => Assert.Equal(0f, p));
    }
}
