using System;
using System.Linq;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>
/// The overloads with <c>ref State</c>: a long sequence processed chunk by chunk, the state carried
/// between chunks and treated as a constant by BPTT (a detached hidden state, in PyTorch terms).
/// </summary>
public class CarriedStateTests
{
    private static double[] Values(int count, ulong seed)
    {
        var random = new RnnRandom(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextDouble(-1, 1)).ToArray();
    }

    [Fact]
    public void ChunksWithACarriedStateScoreWhatTheWholeSequenceScores()
    {
        var model = new ChunkedLstm();
        double[] x = Values(10 * 3, 1), y = Values(10 * 2, 2);
        double whole = model.Forward(x, y);

        var state = default(ChunkedLstm.State);
        double chunked = model.Forward(x.AsSpan(0, 4 * 3), y.AsSpan(0, 4 * 2), ref state)
            + model.Forward(x.AsSpan(4 * 3), y.AsSpan(4 * 2), ref state);
        Assert.Equal(whole, chunked, 1e-12);

        // The carried state is the state Step reaches over the same inputs.
        var stepped = default(ChunkedLstm.State);
        var output = new double[2];
        for (int t = 0; t < 10; t++) model.Step(ref stepped, x.AsSpan(t * 3, 3), output);
        Assert.Equal(stepped.Hidden.ToArray(), state.Hidden.ToArray());
        Assert.Equal(stepped.Cell.ToArray(), state.Cell.ToArray());
    }

    [Fact]
    public void BackwardFromACarriedStateIsTheGradientWithThatStateHeldConstant()
    {
        var model = new ChunkedLstm();
        double[] x = Values(9 * 3, 3), y = Values(6 * 2, 4);
        var start = default(ChunkedLstm.State);
        var output = new double[2];
        for (int t = 0; t < 3; t++) model.Step(ref start, x.AsSpan(t * 3, 3), output); // a non-zero state
        ReadOnlySpan<double> chunkX = x.AsSpan(3 * 3), chunkY = y;

        var state = start;
        model.ZeroGradients();
        double loss = model.Backward(chunkX, chunkY, ref state);
        double[] analytic = model.Gradients.ToArray();
        var again = start;
        Assert.Equal(model.Forward(chunkX, chunkY, ref again), loss, 1e-12);

        // Truncate = 2 here, so compare with the truncated objective of the chunk: each loss runs from the
        // state entering its window, frozen at the unperturbed parameters; the first one is the carried state.
        double[] cx = chunkX.ToArray(), cy = chunkY.ToArray();
        ChunkedLstm.State[] frozen = EnteringStates(model, start, cx);
        Span<double> p = model.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            double original = p[i];
            p[i] = original + 1e-6;
            double plus = TruncatedObjective(model, frozen, cx, cy);
            p[i] = original - 1e-6;
            double minus = TruncatedObjective(model, frozen, cx, cy);
            p[i] = original;
            double numeric = (plus - minus) / 2e-6;
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-7 + 1e-6 * Math.Abs(numeric), $"parameter {i}: {analytic[i]:R} vs {numeric:R}");
        }
    }

    private static ChunkedLstm.State[] EnteringStates(ChunkedLstm model, ChunkedLstm.State start, double[] x)
    {
        var states = new ChunkedLstm.State[x.Length / 3 + 1];
        states[0] = start;
        var output = new double[2];
        for (int s = 0; s + 1 < states.Length; s++)
        {
            states[s + 1] = states[s];
            model.Step(ref states[s + 1], x.AsSpan(s * 3, 3), output);
        }

        return states;
    }

    private static double TruncatedObjective(ChunkedLstm model, ChunkedLstm.State[] frozen, double[] x, double[] y)
    {
        var output = new double[2];
        double loss = 0;
        for (int t = 0; t < x.Length / 3; t++)
        {
            int first = Math.Max(0, t - ChunkedLstm.Truncate);
            var state = frozen[first];
            for (int s = first; s <= t; s++) model.Step(ref state, x.AsSpan(s * 3, 3), output);
            for (int o = 0; o < 2; o++) loss += (output[o] - y[t * 2 + o]) * (output[o] - y[t * 2 + o]);
        }

        return loss;
    }

    [Fact]
    public void OutputRecurrenceCarriesTheFedBackOutput()
    {
        var model = new ChunkedFeedback();
        int[] tokens = { 1, 4, 2, 2, 5, 0, 3, 1 }, targets = { 0, 3, 1, 2, 2, 0, 3, 1 };
        double whole = model.Forward(tokens, targets);
        var state = default(ChunkedFeedback.State);
        double chunked = model.Forward(tokens.AsSpan(0, 5), targets.AsSpan(0, 5), ref state)
            + model.Forward(tokens.AsSpan(5), targets.AsSpan(5), ref state);
        Assert.Equal(whole, chunked, 1e-12);

        var classes = new int[3];
        var fresh = default(ChunkedFeedback.State);
        model.Predict(tokens.AsSpan(0, 5), new int[5], ref fresh);
        model.Predict(tokens.AsSpan(5), classes, ref fresh);
        var all = new int[8];
        model.Predict(tokens, all);
        Assert.Equal(all[5..], classes);
        Assert.Equal(state.Feedback.ToArray(), fresh.Feedback.ToArray());
    }

    [Fact]
    public void SgdStepWithAStateTrainsAStreamChunkByChunkAndAllocatesNothing()
    {
        var model = new SmallModel();
        int[] stream = Enumerable.Range(0, 400).Select(i => i % 10).ToArray();
        var state = default(SmallModel.State);
        float first = 0, last = 0;
        for (int epoch = 0; epoch < 30; epoch++)
        {
            state.Reset();
            float total = 0;
            for (int c = 0; c + 11 <= stream.Length; c += 10)
            {
                total += model.SgdStep(stream.AsSpan(c, 10), stream.AsSpan(c + 1, 10), 0.1f, ref state);
            }

            if (epoch == 0) first = total;
            last = total;
        }

        Assert.True(last < 0.05f * first, $"{first} -> {last}");
        long before = GC.GetAllocatedBytesForCurrentThread();
        model.SgdStep(stream.AsSpan(0, 10), stream.AsSpan(1, 10), 0.1f, ref state);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
