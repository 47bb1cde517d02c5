using System;
using System.Linq;
using System.Text.Json;
using RnnGen.Tests.Parity;
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

    /// <summary>A head stored in panels, under a projected LSTM: its weights go through the weight map and back unchanged.</summary>
    [Fact]
    public void AHeadInPanelsRoundTripsThroughTheWeightMap()
    {
        var model = new PanelledHead();
        model.Initialize(5);
        var copy = new PanelledHead();
        copy.LoadWeights(new System.IO.MemoryStream(TensorFile.Save(model.SaveWeights)));
        Assert.True(copy.Parameters.SequenceEqual(model.Parameters));
    }

    /// <summary>
    /// A head of 2560 classes stored in panels of 320, behind a projected LSTM whose h (4 values) is narrower than its
    /// cell (8), against PyTorch's autograd: the fixture LstmP4PanelHeadTokenCe of tools/pytorch/make_fixtures.py,
    /// whose reference is computed in float64 on the model's own float32 weights. The only rounding left is the
    /// model's, so every gradient, and the loss, must agree within float's rounding.
    /// </summary>
    [Fact]
    public void AHeadInPanelsUnderAProjectedLstmGivesPyTorchsLossAndEveryGradientWithinFloatRounding()
    {
        const string name = nameof(LstmP4PanelHeadTokenCe);

        // The configuration is what this test is about: output.weight is stored in panels of 320 classes, each
        // [Projection][320], so class 320 starts the second panel, Projection * 320 elements after class 0.
        var layout = new LstmP4PanelHeadTokenCe();
        Assert.Equal(LstmP4PanelHeadTokenCe.Projection * 320, IndexOf(layout, "output.weight", 320, 0) - IndexOf(layout, "output.weight", 0, 0));

        using JsonDocument json = JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures", name + ".json")));
        (double loss, byte[] gradients) = PyTorchParityTests.Run(name, json.RootElement, dropoutSeed: null);

        // Float's unit roundoff u = 2^-24. The loss, 9 steps' log-softmax over 2560 classes summed, is positive and
        // its terms are too: within 16 roundings of its size (observed: 0.3).
        const double u = 1.0 / (1 << 24);
        double expectedLoss = json.RootElement.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(loss - expectedLoss) <= 16 * u * expectedLoss, $"loss {loss:R}, PyTorch {expectedLoss:R}");

        // Each gradient is a sum over 9 steps of products whose terms carry float rounding (the softmax over 2560
        // classes, dh = W_out^T dy over 2560 classes, then 9 steps back through the cell): within 64 roundings of the
        // largest gradient of its tensor (3.8e-6; observed: 10 with AVX-512, 17 on the portable path). Entries that cancel to near
        // zero carry their terms' rounding, not their own size, hence the tensor's scale. (The finite differences
        // this replaces checked the 24 largest gradients to 3 %.)
        var ours = TensorFile.Read(gradients);
        var torch = TensorFile.Read(System.IO.File.ReadAllBytes(System.IO.Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures", name + ".grads.safetensors")));
        Assert.Equal(torch.Keys.Order(), ours.Keys.Order());
        foreach ((string tensor, (long[] shape, double[] expected)) in torch)
        {
            Assert.Equal(shape, ours[tensor].Shape);
            double[] actual = ours[tensor].Values;
            double scale = expected.Max(Math.Abs);
            Assert.True(scale > 0, tensor);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 64 * u * scale,
                    $"{tensor}[{i}] = {actual[i]:R}, PyTorch {expected[i]:R} (largest {scale:R})");
            }
        }
    }

    private static int IndexOf(LstmP4PanelHeadTokenCe model, string tensor, int row, int column)
    {
        for (int i = 0; i < model.Parameters.Length; i++)
        {
            if (model.TryLocateParameter(i, out string name, out int r, out int c) && name == tensor && r == row && c == column)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"{tensor}[{row}, {column}] not found");
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
