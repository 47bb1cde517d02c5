using System;
using System.Numerics;
using RnnGen.Tests.Models;

namespace RnnGen.Tests.Batch;

/// <summary>
/// Forward, Predict and Probabilities over a padded batch with lengths give what the same calls give for each sequence
/// alone (the loss summed; rows past a length untouched), whatever the padding holds: out-of-range token ids, NaN
/// values, out-of-range class ids. Cross-entropy targets of -100 add nothing in both.
/// </summary>
public class PaddedBatchTests
{
    private delegate T Loss<X, Y, T>(ReadOnlySpan<X> inputs, ReadOnlySpan<Y> targets);

    private delegate T BatchLoss<X, Y, T>(ReadOnlySpan<X> inputs, ReadOnlySpan<Y> targets, ReadOnlySpan<int> lengths);

    private delegate int Write<X, D>(ReadOnlySpan<X> inputs, Span<D> destination);

    private delegate int BatchWrite<X, D>(ReadOnlySpan<X> inputs, ReadOnlySpan<int> lengths, Span<D> destination);

    [Fact]
    public void GruTokensCrossEntropy()
    {
        var m = new BatchGruTokens();
        m.Initialize(3);
        Check<int, int, double>(BatchGruTokens.Batch, 1, 1, lastStep: false, Token(BatchGruTokens.Vocab), Class(BatchGruTokens.Output), 999, 555,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<int, int>(BatchGruTokens.Batch, 1, 1, false, Token(BatchGruTokens.Vocab), 999, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
        Writes<int, double>(BatchGruTokens.Batch, 1, BatchGruTokens.Output, false, Token(BatchGruTokens.Vocab), 999, (x, d) => m.Probabilities(x, d), (x, l, d) => m.Probabilities(x, l, d));
    }

    [Fact]
    public void ProjectedLstmStack()
    {
        var m = new BatchProjectedStack();
        m.Initialize(5);
        Check<int, int, double>(BatchProjectedStack.Batch, 1, 1, false, Token(BatchProjectedStack.Vocab), Class(BatchProjectedStack.Output), -7, -3,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<int, double>(BatchProjectedStack.Batch, 1, BatchProjectedStack.Output, false, Token(BatchProjectedStack.Vocab), 77, (x, d) => m.Probabilities(x, d), (x, l, d) => m.Probabilities(x, l, d));
    }

    [Fact]
    public void EmbeddingLayer()
    {
        var m = new BatchEmbedded();
        m.Initialize(6);
        Check<int, int, double>(BatchEmbedded.Batch, 1, 1, false, Token(BatchEmbedded.Vocab), Class(BatchEmbedded.Output), 9999, 9999,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<int, int>(BatchEmbedded.Batch, 1, 1, false, Token(BatchEmbedded.Vocab), -1, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
    }

    [Fact]
    public void LstmDenseSquaredError()
    {
        var m = new BatchLstmDense();
        m.Initialize(7);
        Check<float, float, float>(BatchLstmDense.Batch, BatchLstmDense.Input, BatchLstmDense.Output, false, Value<float>, Value<float>, float.NaN, float.NaN,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<float, float>(BatchLstmDense.Batch, BatchLstmDense.Input, BatchLstmDense.Output, false, Value<float>, float.NaN, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
    }

    [Fact]
    public void OutputRecurrence()
    {
        var m = new BatchFeedback();
        m.Initialize(8);
        Check<double, double, double>(BatchFeedback.Batch, BatchFeedback.Input, BatchFeedback.Output, false, Value<double>, Value<double>, double.NaN, 1e300,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<double, double>(BatchFeedback.Batch, BatchFeedback.Input, BatchFeedback.Output, false, Value<double>, double.NaN, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
    }

    [Fact]
    public void VanillaStack()
    {
        var m = new BatchVanillaStack();
        m.Initialize(9);
        Check<float, float, float>(BatchVanillaStack.Batch, BatchVanillaStack.Input, BatchVanillaStack.Output, false, Value<float>, Value<float>, float.PositiveInfinity, float.NaN,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
    }

    [Fact]
    public void LastStepClasses()
    {
        var m = new BatchSentiment();
        m.Initialize(10);
        Check<int, int, double>(BatchSentiment.Batch, 1, 1, true, Token(BatchSentiment.Vocab), Class(BatchSentiment.Output), 12, 3,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<int, int>(BatchSentiment.Batch, 1, 1, true, Token(BatchSentiment.Vocab), 50, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
        Writes<int, double>(BatchSentiment.Batch, 1, BatchSentiment.Output, true, Token(BatchSentiment.Vocab), 50, (x, d) => m.Probabilities(x, d), (x, l, d) => m.Probabilities(x, l, d));
    }

    [Fact]
    public void LastStepValues()
    {
        var m = new BatchLastValue();
        m.Initialize(11);
        Check<float, float, float>(BatchLastValue.Batch, BatchLastValue.Input, BatchLastValue.Output, true, Value<float>, Value<float>, float.NaN, float.NaN,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<float, float>(BatchLastValue.Batch, BatchLastValue.Input, BatchLastValue.Output, true, Value<float>, float.NaN, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
    }

    /// <summary>A bidirectional model has no batched Step: its batch runs sequence by sequence, each reversed over its own steps.</summary>
    [Fact]
    public void BidirectionalSequenceBySequence()
    {
        var m = new BatchBiTagger();
        m.Initialize(12);
        Check<int, int, double>(BatchBiTagger.Batch, 1, 1, false, Token(BatchBiTagger.Vocab), Class(BatchBiTagger.Output), -4, 99,
            (x, y) => m.Forward(x, y), (x, y, l) => m.Forward(x, y, l));
        Writes<int, int>(BatchBiTagger.Batch, 1, 1, false, Token(BatchBiTagger.Vocab), 99, (x, d) => m.Predict(x, d), (x, l, d) => m.Predict(x, l, d));
        Writes<int, double>(BatchBiTagger.Batch, 1, BatchBiTagger.Output, false, Token(BatchBiTagger.Vocab), 99, (x, d) => m.Probabilities(x, d), (x, l, d) => m.Probabilities(x, l, d));
        var v = new BatchBiLastValue();
        v.Initialize(13);
        Check<float, float, float>(BatchBiLastValue.Batch, BatchBiLastValue.Input, BatchBiLastValue.Output, true, Value<float>, Value<float>, float.NaN, float.NaN,
            (x, y) => v.Forward(x, y), (x, y, l) => v.Forward(x, y, l));
        Writes<float, float>(BatchBiLastValue.Batch, BatchBiLastValue.Input, BatchBiLastValue.Output, true, Value<float>, float.NaN, (x, d) => v.Predict(x, d), (x, l, d) => v.Predict(x, l, d));
    }

    /// <summary>
    /// Backward over a padded batch adds what each sequence's Backward adds: in one packed pass where the model has one
    /// (unidirectional layers, full BPTT: GRU, LSTM and vanilla cells, tokens, embedded and dense input, stacks,
    /// W_hh and W_out in panels, the last step), sequence by sequence otherwise (bidirectional, output recurrence, truncation).
    /// </summary>
    [Fact]
    public void BackwardAddsWhatEachSequenceAdds()
    {
        BackwardCheck<BatchGruTokens, int, int>(() => new BatchGruTokens(), BatchGruTokens.Batch, 1, 1, false, Token(BatchGruTokens.Vocab), Class(BatchGruTokens.Output), 999, 555,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchLstmTokens, int, int>(() => new BatchLstmTokens(), BatchLstmTokens.Batch, 1, 1, false, Token(BatchLstmTokens.Vocab), Class(BatchLstmTokens.Output), -1, -7,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchVanillaTokens, int, int>(() => new BatchVanillaTokens(), BatchVanillaTokens.Batch, 1, 1, false, Token(BatchVanillaTokens.Vocab), Class(BatchVanillaTokens.Vocab), 99, 99,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchGruDense, double, double>(() => new BatchGruDense(), BatchGruDense.Batch, BatchGruDense.Input, BatchGruDense.Output, false, Value<double>, Value<double>, double.NaN, double.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchLstmDense, float, float>(() => new BatchLstmDense(), BatchLstmDense.Batch, BatchLstmDense.Input, BatchLstmDense.Output, false, Value<float>, Value<float>, float.NaN, float.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchWideLstm, float, float>(() => new BatchWideLstm(), BatchWideLstm.Batch, BatchWideLstm.Input, BatchWideLstm.Output, false, Value<float>, Value<float>, float.NaN, float.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchLstmStack, int, int>(() => new BatchLstmStack(), BatchLstmStack.Batch, 1, 1, false, Token(BatchLstmStack.Vocab), Class(BatchLstmStack.Output), -1, -7,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchGruStack, float, float>(() => new BatchGruStack(), BatchGruStack.Batch, BatchGruStack.Input, BatchGruStack.Output, false, Value<float>, Value<float>, float.NaN, float.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchVanillaStack, float, float>(() => new BatchVanillaStack(), BatchVanillaStack.Batch, BatchVanillaStack.Input, BatchVanillaStack.Output, false, Value<float>, Value<float>, float.NaN, float.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchEmbedded, int, int>(() => new BatchEmbedded(), BatchEmbedded.Batch, 1, 1, false, Token(BatchEmbedded.Vocab), Class(BatchEmbedded.Output), 9999, 9999,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchTruncatedTokens, int, int>(() => new BatchTruncatedTokens(), BatchTruncatedTokens.Batch, 1, 1, false, Token(BatchTruncatedTokens.Vocab), Class(BatchTruncatedTokens.Vocab), 99, 99,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchTruncatedLstm, double, double>(() => new BatchTruncatedLstm(), BatchTruncatedLstm.Batch, BatchTruncatedLstm.Input, BatchTruncatedLstm.Output, false, Value<double>, Value<double>, double.NaN, double.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchPanelledGru, int, int>(() => new BatchPanelledGru(), BatchPanelledGru.Batch, 1, 1, false, Token(BatchPanelledGru.Vocab), Class(BatchPanelledGru.Output), 99, 99,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchWideHead, int, int>(() => new BatchWideHead(), BatchWideHead.Batch, 1, 1, false, Token(BatchWideHead.Vocab), Class(BatchWideHead.Output), 99, 9999,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchBiTagger, int, int>(() => new BatchBiTagger(), BatchBiTagger.Batch, 1, 1, false, Token(BatchBiTagger.Vocab), Class(BatchBiTagger.Output), -4, 99,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchSentiment, int, int>(() => new BatchSentiment(), BatchSentiment.Batch, 1, 1, true, Token(BatchSentiment.Vocab), Class(BatchSentiment.Output), 12, 3,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchLastValue, float, float>(() => new BatchLastValue(), BatchLastValue.Batch, BatchLastValue.Input, BatchLastValue.Output, true, Value<float>, Value<float>, float.NaN, float.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
        BackwardCheck<BatchFeedback, double, double>(() => new BatchFeedback(), BatchFeedback.Batch, BatchFeedback.Input, BatchFeedback.Output, false, Value<double>, Value<double>, double.NaN, double.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => m.Gradients.ToArray(), 1e-12);
        BackwardCheck<BatchTruncated, float, float>(() => new BatchTruncated(), BatchTruncated.Batch, BatchTruncated.Input, BatchTruncated.Output, false, Value<float>, Value<float>, float.NaN, float.NaN,
            (m, x, y) => m.Backward(x, y), (m, x, y, l) => m.Backward(x, y, l), m => Array.ConvertAll(m.Gradients.ToArray(), v => (double)v), 1e-5);
    }

    [Fact]
    public void BadBatchChangesNoGradient()
    {
        var m = new BatchBiTagger();
        m.Backward(new[] { 1, 2, 3 }, new[] { 0, 1, 2 });
        double[] before = m.Gradients.ToArray();
        // The second sequence's target is out of range: nothing may be added, not even the first sequence's gradients.
        Assert.ThrowsAny<ArgumentException>(() => m.Backward(new[] { 1, 2, 3, 4 }, new[] { 0, 1, 7, 0 }, new[] { 2, 2 }));
        Assert.Equal(before, m.Gradients.ToArray());
    }

    private delegate double OneBackward<M, X, Y>(M model, ReadOnlySpan<X> inputs, ReadOnlySpan<Y> targets);

    private delegate double ManyBackward<M, X, Y>(M model, ReadOnlySpan<X> inputs, ReadOnlySpan<Y> targets, ReadOnlySpan<int> lengths);

    /// <summary>
    /// Two models from the same seed: one gets Backward of a padded batch, the other Backward of each sequence alone; the
    /// losses and the gradients they add must agree (the batch runs the same sequences in the same order).
    /// </summary>
    private static void BackwardCheck<M, X, Y>(Func<M> make, int batch, int width, int perTarget, bool lastStep, Func<Random, X> input, Func<Random, Y> target,
        X inputPadding, Y targetPadding, OneBackward<M, X, Y> one, ManyBackward<M, X, Y> many, Func<M, double[]> gradients, double tolerance)
    {
        var r = new Random(23);
        foreach (int n in new[] { batch, 1, batch - 1 })
        {
            M batched = make(), single = make();
            int steps = 1 + r.Next(8);
            int rows = lastStep ? 1 : steps;
            int[] lengths = Lengths(r, n, steps);
            var x = new X[n * steps * width];
            var y = new Y[n * rows * perTarget];
            double expected = 0;
            for (int m = 0; m < n; m++)
            {
                Pad(r, x.AsSpan(m * steps * width, steps * width), lengths[m] * width, input, inputPadding);
                int valid = lastStep ? perTarget : lengths[m] * perTarget;
                Pad(r, y.AsSpan(m * rows * perTarget, rows * perTarget), valid, target, targetPadding);
                expected += one(single, x.AsSpan(m * steps * width, lengths[m] * width), y.AsSpan(m * rows * perTarget, valid));
            }

            // A batch before this one (the same, whose loss reaches every row) leaves its values in the batched model's
            // buffers, as in training: nothing may depend on them.
            many(batched, x, y, lengths);
            double[] before = gradients(batched);
            double actual = many(batched, x, y, lengths);
            Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{typeof(M).Name}, n = {n}: loss {actual}, the sequences' sum {expected}");
            double[] g = gradients(batched), h = gradients(single);
            for (int i = 0; i < g.Length; i++) g[i] -= before[i]; // what this batch added
            bool scored = false; // some valid target not -100: then something must have been added
            for (int m = 0; m < n; m++)
            {
                foreach (Y t in y.AsSpan(m * rows * perTarget, (lastStep ? 1 : lengths[m]) * perTarget)) scored |= t is not int id || id != CrossEntropy.IgnoreIndex;
            }

            if (scored) Assert.Contains(h, v => v != 0);
            for (int i = 0; i < g.Length; i++)
            {
                Assert.True(Math.Abs(g[i] - h[i]) <= tolerance * Math.Max(1, Math.Abs(h[i])), $"{typeof(M).Name}, n = {n}: gradient {i} is {g[i]}, the sequences add {h[i]}");
            }
        }
    }

    [Fact]
    public void BadShapesAreNamedWithTheirNumbers()
    {
        var m = new BatchGruTokens();
        int[] x = new int[3 * 4], y = new int[3 * 4];
        Assert.Equal("lengths", Assert.ThrowsAny<ArgumentException>(() => m.Forward(x, y, new int[0])).ParamName);
        Assert.Equal("lengths", Assert.ThrowsAny<ArgumentException>(() => m.Forward(new int[9 * 2], new int[9 * 2], new int[9] { 1, 1, 1, 1, 1, 1, 1, 1, 1 })).ParamName);
        Assert.StartsWith("lengths[1] is 5, but each length must be 1 to 4", Assert.ThrowsAny<ArgumentException>(() => m.Forward(x, y, new[] { 4, 5, 1 })).Message);
        Assert.StartsWith("lengths[2] is 0", Assert.ThrowsAny<ArgumentException>(() => m.Forward(x, y, new[] { 4, 1, 0 })).Message);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => m.Forward(new int[11], y, new[] { 1, 1, 1 })).ParamName);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => m.Forward(new int[3 * 9], new int[3 * 9], new[] { 1, 1, 1 })).ParamName); // 9 steps > MaxSteps 8
        Assert.Equal("targets", Assert.ThrowsAny<ArgumentException>(() => m.Forward(x, new int[11], new[] { 4, 1, 1 })).ParamName);
        var error = Assert.ThrowsAny<ArgumentException>(() => m.Forward(new[] { 0, 1, 2, 3, 0, 7, 0, 0, 0, 0, 0, 0 }, y, new[] { 4, 2, 1 }));
        Assert.Equal("inputs", error.ParamName);
        Assert.StartsWith("inputs[5] (sequence 1, step 1) is 7, but ids must be 0 to 6 because this model has Vocab = 7", error.Message);
        error = Assert.ThrowsAny<ArgumentException>(() => m.Forward(x, new[] { 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 }, new[] { 4, 2, 1 }));
        Assert.StartsWith("targets[8] (sequence 2, step 0) is -1, but ids must be 0 to 3 because this model has Output = 4", error.Message);
        Assert.Equal("classes", Assert.ThrowsAny<ArgumentException>(() => m.Predict(x, new[] { 4, 1, 1 }, new int[11])).ParamName);
        Assert.Equal("destination", Assert.ThrowsAny<ArgumentException>(() => m.Probabilities(x, new[] { 4, 1, 1 }, new double[3 * 4 * 4 - 1])).ParamName);
    }

    [Fact]
    public void AllocatesNothing()
    {
        var m = new BatchGruTokens();
        int[] x = new int[5 * 6], y = new int[5 * 6], lengths = { 6, 1, 3, 5, 2 }, classes = new int[5 * 6];
        var probabilities = new double[5 * 6 * BatchGruTokens.Output];
        var bi = new BatchBiTagger();
        var biProbabilities = new double[5 * 6 * BatchBiTagger.Output];
        int[] biLengths = { 6, 1, 3, 2 };
        var dense = new BatchLstmDense();
        float[] dx = new float[3 * 4 * BatchLstmDense.Input], dy = new float[3 * 4 * BatchLstmDense.Output];
        int[] denseLengths = { 4, 2, 3 };
        foreach (Action call in new Action[]
        {
            () => m.Forward(x, y, lengths),
            () => m.Predict(x, lengths, classes),
            () => m.Probabilities(x, lengths, probabilities),
            () => dense.Forward(dx, dy, denseLengths),
            () => dense.Predict(dx, denseLengths, dy),
            () => m.Backward(x, y, lengths),
            () => bi.Forward(x.AsSpan(0, 4 * 6), y.AsSpan(0, 4 * 6), biLengths),
            () => bi.Predict(x.AsSpan(0, 4 * 6), biLengths, classes),
            () => bi.Probabilities(x.AsSpan(0, 4 * 6), biLengths, biProbabilities),
            () => dense.Backward(dx, dy, denseLengths),
        })
        {
            Assert.Equal(0, Allocations.Least(call));
        }
    }

    private static Func<Random, int> Token(int vocab) => r => r.Next(vocab);

    private static Func<Random, int> Class(int output) => r => r.Next(10) == 0 ? CrossEntropy.IgnoreIndex : r.Next(output);

    // System.Random, a class, on purpose: RnnRandom is a struct, and a Func taking it would draw from a copy each time.
    private static T Value<T>(Random r)
        where T : IFloatingPointIeee754<T> => T.CreateTruncating(r.NextDouble() * 2 - 1);

    /// <summary>Random batches of every size up to Batch and mixed lengths: the batch's loss is the sum of the sequences'.</summary>
    private static void Check<X, Y, T>(int batch, int width, int perTarget, bool lastStep, Func<Random, X> input, Func<Random, Y> target, X inputPadding, Y targetPadding,
        Loss<X, Y, T> one, BatchLoss<X, Y, T> many)
        where T : IFloatingPointIeee754<T>
    {
        var r = new Random(21);
        double tolerance = typeof(T) == typeof(float) ? 1e-5 : 1e-12;
        foreach (int n in new[] { batch, 1, batch - 1, 2 })
        {
            int steps = 1 + r.Next(8);
            int rows = lastStep ? 1 : steps;
            int[] lengths = Lengths(r, n, steps);
            var x = new X[n * steps * width];
            var y = new Y[n * rows * perTarget];
            double expected = 0;
            for (int m = 0; m < n; m++)
            {
                Pad(r, x.AsSpan(m * steps * width, steps * width), lengths[m] * width, input, inputPadding);
                int valid = lastStep ? perTarget : lengths[m] * perTarget;
                Pad(r, y.AsSpan(m * rows * perTarget, rows * perTarget), valid, target, targetPadding);
                expected += double.CreateTruncating(one(x.AsSpan(m * steps * width, lengths[m] * width), y.AsSpan(m * rows * perTarget, valid)));
            }

            double actual = double.CreateTruncating(many(x, y, lengths));
            Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Abs(expected)), $"n = {n}, lengths {string.Join(",", lengths)}: the batch's loss is {actual}, the sequences' sum {expected}");
        }
    }

    /// <summary>The batch writes each sequence's rows as the sequence alone does, and leaves the rows past its length as they were.</summary>
    private static void Writes<X, D>(int batch, int width, int perRow, bool lastStep, Func<Random, X> input, X inputPadding, Write<X, D> one, BatchWrite<X, D> many)
        where D : struct
    {
        var r = new Random(22);
        foreach (int n in new[] { batch, 1, batch - 1 })
        {
            int steps = 1 + r.Next(8);
            int rows = lastStep ? 1 : steps;
            int[] lengths = Lengths(r, n, steps);
            var x = new X[n * steps * width];
            var expected = new D[n * rows * perRow + 2];
            var actual = new D[n * rows * perRow + 2];
            D sentinel = (D)Convert.ChangeType(42, typeof(D), System.Globalization.CultureInfo.InvariantCulture);
            expected.AsSpan().Fill(sentinel);
            actual.AsSpan().Fill(sentinel);
            for (int m = 0; m < n; m++)
            {
                Pad(r, x.AsSpan(m * steps * width, steps * width), lengths[m] * width, input, inputPadding);
                one(x.AsSpan(m * steps * width, lengths[m] * width), expected.AsSpan(m * rows * perRow));
            }

            Assert.Equal(n * rows * perRow, many(x, lengths, actual));
            for (int i = 0; i < actual.Length; i++)
            {
                double e = Convert.ToDouble(expected[i], System.Globalization.CultureInfo.InvariantCulture), a = Convert.ToDouble(actual[i], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(e == a || Math.Abs(e - a) <= 1e-5 * Math.Max(1, Math.Abs(e)), $"n = {n}, lengths {string.Join(",", lengths)}: element {i} is {a}, the sequence alone gives {e}");
            }
        }
    }

    /// <summary>One sequence's row of a padded batch: <paramref name="valid"/> values drawn, then padding to the row's end.</summary>
    private static void Pad<X>(Random r, Span<X> row, int valid, Func<Random, X> draw, X padding)
    {
        for (int i = 0; i < row.Length; i++) row[i] = i < valid ? draw(r) : padding;
    }

    private static int[] Lengths(Random r, int n, int steps)
    {
        var lengths = new int[n];
        for (int m = 0; m < n; m++) lengths[m] = 1 + r.Next(steps);
        return lengths;
    }
}
