using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.IO;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests;

/// <summary>Inverted dropout between layers: training calls only, exact gradients for the mask drawn, unbiased scaling.</summary>
public class DropoutTests
{
    private static double[] Values(int count, ulong seed)
    {
        var random = new RnnRandom(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextDouble(-1, 1)).ToArray();
    }

    [Fact]
    public void WithAPinnedMaskTheGradientIsExactForTheDroppedNetwork()
    {
        var model = new DroppedLstm();
        model.Initialize(2);
        double[] x = Values(8 * 3, 1), y = Values(8 * 2, 2);
        double Loss()
        {
            model.DropoutRandom = new RnnRandom(7); // the same mask at every evaluation
            return model.Backward(x, y);
        }

        model.ZeroGradients();
        Loss();
        double[] analytic = model.Gradients.ToArray();
        Span<double> p = model.Parameters;
        int nonZero = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double original = p[i];
            p[i] = original + 1e-6;
            double plus = Loss();
            p[i] = original - 1e-6;
            double minus = Loss();
            p[i] = original;
            double numeric = (plus - minus) / 2e-6;
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-7 + 1e-6 * Math.Abs(numeric), $"parameter {i}: {analytic[i]:R} vs {numeric:R}");
            if (analytic[i] != 0) nonZero++;
        }

        Assert.True(nonZero > p.Length / 5);
    }

    [Fact]
    public void TheTruncatedWalkAppliesTheSameMaskAsTheFullWalk()
    {
        // Truncate = 7 over 8 steps: every window reaches step 0, so the windowed walk (each window sent down
        // through the mask separately) must give the full walk's gradient, mask for mask.
        var full = new DroppedGru();
        var windows = new DroppedGruWindows();
        full.Initialize(5);
        windows.LoadWeights(new MemoryStream(TensorFile.Save(full.SaveWeights)));
        int[] tokens = { 1, 5, 2, 0, 3, 3, 4, 1 }, targets = { 2, 0, 1, 1, 2, 0, 0, 1 };
        full.DropoutRandom = new RnnRandom(11);
        windows.DropoutRandom = new RnnRandom(11);
        full.ZeroGradients();
        windows.ZeroGradients();
        Assert.Equal(full.Backward(tokens, targets), windows.Backward(tokens, targets), 1e-12);
        double[] a = full.Gradients.ToArray(), b = windows.Gradients.ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-12 * (1 + Math.Abs(a[i])), $"parameter {i}: {a[i]:R} vs {b[i]:R}");
        }

        // And the masks really drop: another mask gives another gradient.
        full.DropoutRandom = new RnnRandom(12);
        full.ZeroGradients();
        full.Backward(tokens, targets);
        Assert.False(a.AsSpan().SequenceEqual(full.Gradients));
    }

    [Fact]
    public void InvertedScalingKeepsTheExpectedInput()
    {
        // Layer 1 passes its (dropped) input straight through: W_ih = I, W_hh = 0, biases 0, ReLU of values
        // that are already >= 0. The head sums them (weights 1, bias 0), and with targets 0 the gradient of
        // output.bias is 2 Σ_t y_t: linear in the dropped inputs, so its mean over masks must be its value
        // without dropout.
        var probe = new DroppedProbe();
        probe.Initialize(3);
        var tensors = TensorFile.Read(TensorFile.Save(probe.SaveWeights));
        int h = DroppedProbe.Hidden;
        tensors["rnn.weight_ih_l1"] = (tensors["rnn.weight_ih_l1"].Shape, Enumerable.Range(0, h * h).Select(i => i / h == i % h ? 1.0 : 0.0).ToArray());
        tensors["rnn.weight_hh_l1"] = (tensors["rnn.weight_hh_l1"].Shape, new double[h * h]);
        tensors["rnn.bias_ih_l1"] = (tensors["rnn.bias_ih_l1"].Shape, new double[h]);
        tensors["rnn.bias_hh_l1"] = (tensors["rnn.bias_hh_l1"].Shape, new double[h]);
        tensors["output.weight"] = (tensors["output.weight"].Shape, Enumerable.Repeat(1.0, h).ToArray());
        tensors["output.bias"] = (tensors["output.bias"].Shape, new double[1]);
        byte[] weights = Write(tensors);
        probe.LoadWeights(new MemoryStream(weights));
        var plain = new UndroppedProbe();
        plain.LoadWeights(new MemoryStream(weights));

        double[] x = Values(6 * 4, 9), zeros = new double[6], y = new double[6];
        plain.Predict(x, y);
        double expected = 2 * y.Sum();

        const int draws = 4000;
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < draws; i++)
        {
            probe.ZeroGradients();
            probe.Backward(x, zeros);
            double bias = TensorFile.Read(TensorFile.Save(probe.SaveGradients))["output.bias"].Values[0];
            sum += bias;
            sumSquares += bias * bias;
        }

        double mean = sum / draws, spread = Math.Sqrt(sumSquares / draws - mean * mean);
        Assert.True(spread > 0.05 * Math.Abs(expected), "the masks should vary");
        Assert.True(Math.Abs(mean - expected) < 4 * spread / Math.Sqrt(draws) + 1e-9, $"mean {mean} vs {expected} (spread {spread})");
    }

    [Fact]
    public void InferenceNeverDrops()
    {
        var dropped = new DroppedProbe();
        var plain = new UndroppedProbe();
        dropped.Initialize(4);
        plain.LoadWeights(new MemoryStream(TensorFile.Save(dropped.SaveWeights)));
        double[] x = Values(5 * 4, 3), targets = Values(5, 4);
        Assert.Equal(plain.Forward(x, targets), dropped.Forward(x, targets));
        double[] a = new double[5], b = new double[5];
        plain.Predict(x, a);
        dropped.Predict(x, b);
        Assert.Equal(a, b);
        var s1 = default(DroppedProbe.State);
        var s2 = default(UndroppedProbe.State);
        double[] o1 = new double[1], o2 = new double[1];
        for (int t = 0; t < 5; t++)
        {
            dropped.Step(ref s1, x.AsSpan(t * 4, 4), o1);
            plain.Step(ref s2, x.AsSpan(t * 4, 4), o2);
            Assert.Equal(o2[0], o1[0]);
        }
    }

    [Fact]
    public void TrainingWithDropoutIsDeterministicForASeedAndAllocatesNothing()
    {
        var a = new DroppedGru();
        var b = new DroppedGru();
        a.Initialize(8);
        b.Initialize(8);
        int[] tokens = { 1, 2, 3, 4, 5, 0 }, targets = { 2, 1, 0, 2, 1, 0 };
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(a.SgdStep(tokens, targets, 0.05), b.SgdStep(tokens, targets, 0.05));
        }

        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        long before = GC.GetAllocatedBytesForCurrentThread();
        a.SgdStep(tokens, targets, 0.05);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] Write(Dictionary<string, (long[] Shape, double[] Values)> tensors)
    {
        var stream = new MemoryStream();
        var writer = new SafeTensorsWriter(stream);
        foreach ((string name, (long[] shape, _)) in tensors) writer.AddTensor(name, SafeTensorsDType.F64, shape);
        writer.WriteHeader();
        foreach ((_, (_, double[] values)) in tensors) writer.WriteValues<double>(values);
        writer.Complete();
        return stream.ToArray();
    }
}
