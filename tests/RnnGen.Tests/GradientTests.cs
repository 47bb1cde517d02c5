using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests;

/// <summary>
/// Backpropagation through time, checked in double precision: against finite differences of the
/// exact objective (full BPTT), against finite differences of the truncated objective (each loss
/// sees the state entering its window as a constant), and against an independent plain
/// implementation of the tutorial's bptt.
/// </summary>
public class GradientTests
{
    public static TheoryData<string> AllModels => new(Handle.All);

    /// <summary>
    /// The objective whose exact gradient truncated BPTT computes: Σ_t loss_t, where loss_t runs steps
    /// t-k..t from the hidden state h_{t-k-1} computed with the unperturbed parameters and held fixed.
    /// With k = 0 (full BPTT) this is the plain summed loss from h_{-1} = 0.
    /// </summary>
    private static double TruncatedObjective(Handle m, int[] inputs, int[] targets, double[][] frozenStates)
    {
        double loss = 0;
        for (int t = 0; t < inputs.Length; t++)
        {
            int start = m.Truncate > 0 ? Math.Max(0, t - m.Truncate) : 0;
            double[] y = m.StepsFrom(frozenStates[start], inputs[start..(t + 1)]).Output;
            double max = y.Max();
            loss += Math.Log(y.Sum(v => Math.Exp(v - max))) + max - y[targets[t]];
        }

        return loss;
    }

    /// <summary>frozen[s] = h_{s-1}: the state entering step s, from a run with the current parameters.</summary>
    private static double[][] States(Handle m, int[] inputs)
    {
        var states = new double[inputs.Length + 1][];
        states[0] = new double[m.Hidden];
        for (int s = 0; s < inputs.Length; s++)
        {
            states[s + 1] = m.StepsFrom(states[s], new[] { inputs[s] }).Hidden;
        }

        return states;
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void GradientMatchesFiniteDifferencesOfItsObjective(string name)
    {
        Handle m = Handle.For(name);
        m.Model.Initialize(7);
        (int[] inputs, int[] targets) = m.Sequence(9, seed: 11);
        double[][] frozen = States(m, inputs);

        // The objective evaluated through Step agrees with Forward when nothing is truncated.
        if (m.Truncate == 0)
        {
            Assert.Equal(m.Model.Forward(inputs, targets), TruncatedObjective(m, inputs, targets, frozen), 1e-10);
        }

        m.Model.ZeroGradients();
        double loss = m.Model.Backward(inputs, targets);
        Assert.Equal(TruncatedObjective(m, inputs, targets, frozen), loss, 1e-9);
        double[] analytic = m.Model.Gradients.ToArray();

        Span<double> p = m.Model.Parameters;
        const double eps = 1e-6;
        int checkedCount = 0;
        // Every entry of small models; a fixed random sample of 1,500 entries of larger ones.
        var picker = new RnnRandom(17);
        int length = p.Length;
        int[] indices = length <= 1500
            ? Enumerable.Range(0, length).ToArray()
            : Enumerable.Range(0, 1500).Select(_ => picker.NextInt32(length)).Distinct().ToArray();
        foreach (int i in indices)
        {
            double original = p[i];
            p[i] = original + eps;
            double plus = TruncatedObjective(m, inputs, targets, frozen);
            p[i] = original - eps;
            double minus = TruncatedObjective(m, inputs, targets, frozen);
            p[i] = original;
            double numeric = (plus - minus) / (2 * eps);
            double tolerance = 1e-7 + 1e-6 * Math.Abs(numeric);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance,
                $"{name}: parameter {i}: backward {analytic[i]:R}, finite difference {numeric:R}");
            if (analytic[i] != 0) checkedCount++;
        }

        Assert.True(checkedCount > indices.Length / 5, $"only {checkedCount} of {indices.Length} checked gradients are non-zero: not a meaningful check");
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void GradientEqualsTheTutorialsBptt(string name)
    {
        Handle m = Handle.For(name);
        m.Model.Initialize(3);
        (int[] inputs, int[] targets) = m.Sequence(10, seed: 5);

        // Load the generated model's weights, by PyTorch name, into the reference.
        var weights = TensorFile.Read(TensorFile.Save(m.Model.SaveWeights));
        var reference = new TutorialRnn(m.Hidden, m.Vocab, m.Output, m.Relu)
        {
            U = TensorFile.Matrix(weights["rnn.weight_ih_l0"]),
            W = TensorFile.Matrix(weights["rnn.weight_hh_l0"]),
            BIh = weights["rnn.bias_ih_l0"].Values,
            BHh = weights["rnn.bias_hh_l0"].Values,
            Vo = TensorFile.Matrix(weights["output.weight"]),
            Bo = weights["output.bias"].Values,
        };

        m.Model.ZeroGradients();
        double loss = m.Model.Backward(inputs, targets);
        TutorialRnn.Gradients expected = reference.Bptt(inputs, targets, m.Truncate);
        Assert.Equal(reference.Loss(inputs, targets), loss, 1e-10);

        var actual = TensorFile.Read(TensorFile.Save(m.Model.SaveGradients));
        AssertClose(expected.U, actual["rnn.weight_ih_l0"], "rnn.weight_ih_l0");
        AssertClose(expected.W, actual["rnn.weight_hh_l0"], "rnn.weight_hh_l0");
        AssertClose(expected.BIh, actual["rnn.bias_ih_l0"], "rnn.bias_ih_l0");
        AssertClose(expected.BHh, actual["rnn.bias_hh_l0"], "rnn.bias_hh_l0");
        AssertClose(expected.Vo, actual["output.weight"], "output.weight");
        AssertClose(expected.Bo, actual["output.bias"], "output.bias");
    }

    [Fact]
    public void BackwardAddsIntoGradients()
    {
        Handle m = Handle.For(nameof(RnnGen.Tests.Models.TruncatedTanh));
        (int[] inputs, int[] targets) = m.Sequence(8, seed: 1);
        m.Model.ZeroGradients();
        m.Model.Backward(inputs, targets);
        double[] once = m.Model.Gradients.ToArray();
        m.Model.Backward(inputs, targets);
        double[] twice = m.Model.Gradients.ToArray();
        for (int i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], twice[i], 1e-12);
        }
    }

    [Fact]
    public void TruncationLongerThanTheSequenceIsFullBptt()
    {
        Handle truncated = Handle.For(nameof(RnnGen.Tests.Models.TruncatedTanh)); // Truncate = 2
        Handle full = Handle.For(nameof(RnnGen.Tests.Models.FullTanh));
        truncated.Model.Initialize(9);
        full.Model.LoadWeights(new System.IO.MemoryStream(TensorFile.Save(truncated.Model.SaveWeights)));
        (int[] inputs, int[] targets) = truncated.Sequence(3, seed: 2); // 3 steps: every window reaches step 0
        truncated.Model.ZeroGradients();
        full.Model.ZeroGradients();
        Assert.Equal(full.Model.Backward(inputs, targets), truncated.Model.Backward(inputs, targets), 1e-12);
        double[] a = full.Model.Gradients.ToArray(), b = truncated.Model.Gradients.ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 1e-12);
        }
    }

    private static void AssertClose(double[,] expected, (long[] Shape, double[] Values) actual, string name)
    {
        Assert.Equal(new long[] { expected.GetLength(0), expected.GetLength(1) }, actual.Shape);
        AssertClose(expected.Cast<double>().ToArray(), actual, name);
    }

    private static void AssertClose(double[] expected, (long[] Shape, double[] Values) actual, string name)
    {
        Assert.Equal(expected.Length, actual.Values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual.Values[i]) <= 1e-10 * (1 + Math.Abs(expected[i])),
                $"{name}[{i}]: expected {expected[i]:R}, generated {actual.Values[i]:R}");
        }
    }
}
