using System;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests;

/// <summary>
/// Single-precision models whose head is wide (thousands of classes), where the head's backward product works in
/// chunks of the class dimension: their gradients against the tutorial's BPTT in double precision.
/// </summary>
public class WideHeadTests
{
    [Theory]
    [InlineData(nameof(TutorialModel), 20)]
    [InlineData(nameof(TutorialModel), 7)]
    [InlineData(nameof(WideHead), 23)]
    [InlineData(nameof(WideHead), 1)]
    public void FloatGradientsMatchTheTutorialsBpttInDouble(string name, int steps)
    {
        (IRnnModel<float, int, int> model, int hidden, int vocab, int output, int truncate) = name switch
        {
            nameof(TutorialModel) => ((IRnnModel<float, int, int>)new TutorialModel(), TutorialModel.Hidden, TutorialModel.Vocab, TutorialModel.Output, TutorialModel.Truncate),
            _ => (new WideHead(), WideHead.Hidden, WideHead.Vocab, WideHead.Output, WideHead.Truncate),
        };
        model.Initialize(11);
        var random = new RnnRandom(12);
        int[] inputs = Enumerable.Range(0, steps).Select(_ => random.NextInt32(vocab)).ToArray();
        int[] targets = Enumerable.Range(0, steps).Select(_ => random.NextInt32(output)).ToArray();

        var weights = TensorFile.Read(TensorFile.Save(model.SaveWeights));
        var reference = new TutorialRnn(hidden, vocab, output, relu: false)
        {
            U = TensorFile.Matrix(weights["rnn.weight_ih_l0"]),
            W = TensorFile.Matrix(weights["rnn.weight_hh_l0"]),
            BIh = weights["rnn.bias_ih_l0"].Values,
            BHh = weights["rnn.bias_hh_l0"].Values,
            Vo = TensorFile.Matrix(weights["output.weight"]),
            Bo = weights["output.bias"].Values,
        };

        model.ZeroGradients();
        float loss = model.Backward(inputs, targets);
        Assert.Equal(reference.Loss(inputs, targets), loss, 1e-5 * steps * Math.Log(output));

        TutorialRnn.Gradients expected = reference.Bptt(inputs, targets, truncate);
        var actual = TensorFile.Read(TensorFile.Save(model.SaveGradients));
        AssertClose(Flatten(expected.U), actual["rnn.weight_ih_l0"].Values, "rnn.weight_ih_l0");
        AssertClose(Flatten(expected.W), actual["rnn.weight_hh_l0"].Values, "rnn.weight_hh_l0");
        AssertClose(expected.BIh, actual["rnn.bias_ih_l0"].Values, "rnn.bias_ih_l0");
        AssertClose(Flatten(expected.Vo), actual["output.weight"].Values, "output.weight");
        AssertClose(expected.Bo, actual["output.bias"].Values, "output.bias");
    }

    /// <summary>
    /// A head stored in panels, under a projected LSTM: its weights go through the weight map and back unchanged, and
    /// the gradient of each of the parameters with the largest gradients agrees with central differences of Forward.
    /// </summary>
    [Fact]
    public void AHeadInPanelsRoundTripsAndItsGradientsMatchFiniteDifferences()
    {
        var model = new PanelledHead();
        model.Initialize(5);
        var copy = new PanelledHead();
        copy.LoadWeights(new System.IO.MemoryStream(TensorFile.Save(model.SaveWeights)));
        Assert.True(copy.Parameters.SequenceEqual(model.Parameters));

        int[] inputs = { 5, 900, 2000, 17, 2559, 321 }, targets = { 900, 2000, 17, 2559, 321, 640 };
        model.ZeroGradients();
        model.Backward(inputs, targets);
        float[] gradients = model.Gradients.ToArray();
        int[] largest = Enumerable.Range(0, gradients.Length).OrderByDescending(i => Math.Abs(gradients[i])).Take(24).ToArray();
        const float h = 1e-2f;
        foreach (int i in largest)
        {
            float saved = model.Parameters[i];
            model.Parameters[i] = saved + h;
            double up = model.Forward(inputs, targets);
            model.Parameters[i] = saved - h;
            double down = model.Forward(inputs, targets);
            model.Parameters[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradients[i]) <= 0.03 * Math.Abs(gradients[i]) + 2e-3,
                $"parameter {i}: backward {gradients[i]}, central difference {numeric}");
        }
    }

    private static double[] Flatten(double[,] m) => m.Cast<double>().ToArray();

    /// <summary>
    /// Single-precision agreement: every element within 1e-4 of the tensor's largest magnitude (exactly zero where
    /// the whole reference is, as W_hh's after one step from the zero state).
    /// </summary>
    private static void AssertClose(double[] expected, double[] actual, string tensor)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * scale,
                $"{tensor}[{i}]: expected {expected[i]}, got {actual[i]} (largest {scale})");
        }
    }
}
