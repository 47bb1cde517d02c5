using System;
using RnnGen.Runtime;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// The runtime's loops over a head's rows and over a sequence's token rows, which generated code calls instead of
/// writing the loops itself: each against the one-row operation applied row by row, bit for bit.
/// </summary>
public class HeadRowTests
{
    private const int Rows = 3, Count = 5, Stride = 16; // head rows: three steps of five classes, padded to 16

    private static float[] Logits(int seed)
    {
        var random = new Random(seed);
        var y = new float[Rows * Stride];
        for (int r = 0; r < Rows; r++)
        {
            for (int o = 0; o < Stride; o++) y[r * Stride + o] = o < Count ? (float)(random.NextDouble() * 4 - 2) : float.NegativeInfinity;
        }

        return y;
    }

    [Fact]
    public void CrossEntropyRowsSumTheRowLosses()
    {
        int[] targets = { 4, 0, 2 };
        float[] y = Logits(1), rowByRow = Logits(1);
        float expected = 0, expectedGradient = 0;
        for (int r = 0; r < Rows; r++)
        {
            expected += Losses.CrossEntropy(ref y[r * Stride], targets[r], Stride);
            expectedGradient += Losses.SoftmaxCrossEntropy(ref rowByRow[r * Stride], targets[r], Stride);
        }

        Assert.Equal(expected, Losses.CrossEntropy<float>(ref y[0], targets, Rows, Stride));
        float[] gradient = Logits(1);
        Assert.Equal(expectedGradient, Losses.SoftmaxCrossEntropy<float>(ref gradient[0], targets, Rows, Stride));
        Assert.Equal(rowByRow, gradient);
    }

    [Fact]
    public void SquaredErrorRowsReadEachRowsTargets()
    {
        double[] y = { 1, 2, 0, 0, 3, 5, 0, 0 }, targets = { 0, 2, 1, 1 };
        Assert.Equal(1 + 0 + 4 + 16, Losses.SquaredError<double>(ref y[0], targets, 2, 2, 4));
        Assert.Equal(21, Losses.SquaredErrorGradient<double>(ref y[0], targets, 2, 2, 4));
        Assert.Equal(new double[] { 2, 0, 0, 0, 4, 8, 0, 0 }, y);
    }

    [Fact]
    public void ClassifyWritesClassesOrProbabilities()
    {
        float[] y = Logits(2);
        var classes = new int[Rows + 1];
        classes[Rows] = 42;
        Losses.Classify<float>(ref y[0], Rows, Count, Stride, classes, default);
        for (int r = 0; r < Rows; r++) Assert.Equal(Losses.ArgMax(ref y[r * Stride], Count), classes[r]);
        Assert.Equal(42, classes[Rows]);

        var probabilities = new float[Rows * Count + 1];
        probabilities[^1] = 7;
        Losses.Classify<float>(ref y[0], Rows, Count, Stride, default, probabilities);
        float[] expected = Logits(2);
        for (int r = 0; r < Rows; r++)
        {
            Losses.Softmax(ref expected[r * Stride], Stride, out _);
            Assert.Equal(expected.AsSpan(r * Stride, Count).ToArray(), probabilities.AsSpan(r * Count, Count).ToArray());
        }

        Assert.Equal(7, probabilities[^1]);
    }

    [Fact]
    public void CopyOutputsAndMaskPaddingTouchOnlyTheirLanes()
    {
        float[] y = new float[2 * 8];
        for (int i = 0; i < y.Length; i++) y[i] = i;
        var outputs = new float[2 * 3 + 1];
        outputs[^1] = -1;
        Losses.CopyOutputs<float>(ref y[0], 2, 3, 8, outputs);
        Assert.Equal(new float[] { 0, 1, 2, 8, 9, 10, -1 }, outputs);

        Losses.MaskPadding<float>(ref y[0], 2, 3, 8);
        for (int i = 0; i < y.Length; i++) Assert.Equal(i % 8 < 3 ? i : float.NegativeInfinity, y[i]);
    }

    [Fact]
    public void TokenRowsAreClearedUpdatedOnceAndCheckedInOrder()
    {
        const int width = 16;
        float[] p = new float[4 * width], g = new float[4 * width];
        Array.Fill(p, 1f);
        Array.Fill(g, 0.5f);
        int[] tokens = { 2, 0, 2 };

        RnnGen.Runtime.Rows.ClearRows<float>(ref g[0], tokens, width);
        for (int i = 0; i < g.Length; i++) Assert.Equal(i / width is 0 or 2 ? 0f : 0.5f, g[i]);

        Array.Fill(g, 0.5f);
        RnnGen.Runtime.Rows.DescendRows<float>(ref p[0], ref g[0], tokens, 0.1f, width);
        for (int i = 0; i < p.Length; i++)
        {
            bool touched = i / width is 0 or 2;
            Assert.Equal(touched ? 1f - 0.1f * 0.5f : 1f, p[i]); // token 2 occurs twice, its row is applied once
            Assert.Equal(touched ? 0f : 0.5f, g[i]);
        }

        g[2 * width + 3] = float.NaN;
        g[0 * width + 1] = float.PositiveInfinity;
        // The first non-finite value in the order of the tokens, not of the rows: token 2's NaN before token 0's infinity.
        Assert.Equal(2 * width + 3, TrainingGuard.CheckRows(ref g[0], 0, new[] { 1, 2, 0 }, width));
        Assert.Equal(1, TrainingGuard.CheckRows(ref g[0], 0, new[] { 0, 2 }, width));
        Assert.Equal(TrainingGuard.AllFinite, TrainingGuard.CheckRows(ref g[0], 0, new[] { 3, 1 }, width));
    }
}
