using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.IO;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests;

// A recurrence that splits across two threads stores W_hh with each half of the units' panels together (slots
// 0, 4, 1, 5, ... of the gate columns' panels), so PyTorch's names and indices reach it through a permutation.
[RnnModel(Hidden = 256, Input = 5, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class SplitLayoutLstm { }

[RnnModel(Hidden = 256, Input = 5, Output = 3, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class SplitLayoutGru { }

/// <summary>
/// Models whose W_hh is stored in the split recurrence's panel order read and write PyTorch's tensors exactly:
/// the outputs are those of a plain implementation of PyTorch's equations on the saved state_dict, and each
/// saved gradient entry is the derivative with respect to that PyTorch entry.
/// </summary>
public class SplitLayoutTests
{
    private const int Steps = 6;

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LstmOutputsAreThoseOfPyTorchsEquationsOnTheSavedWeights(int threads)
    {
        var model = new SplitLayoutLstm { Threads = threads };
        try
        {
            float[] inputs = Values(Steps * SplitLayoutLstm.Input, 3);
            var outputs = new float[Steps * SplitLayoutLstm.Output];
            model.Predict(inputs, outputs);
            double[] expected = Reference(TensorFile.Read(TensorFile.Save(model.SaveWeights)), inputs, SplitLayoutLstm.Input, SplitLayoutLstm.Hidden, lstm: true);
            AssertClose(expected, outputs);
        }
        finally
        {
            model.Threads = 1;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void GruOutputsAreThoseOfPyTorchsEquationsOnTheSavedWeights(int threads)
    {
        var model = new SplitLayoutGru { Threads = threads };
        try
        {
            float[] inputs = Values(Steps * SplitLayoutGru.Input, 4);
            var outputs = new float[Steps * SplitLayoutGru.Output];
            model.Predict(inputs, outputs);
            double[] expected = Reference(TensorFile.Read(TensorFile.Save(model.SaveWeights)), inputs, SplitLayoutGru.Input, SplitLayoutGru.Hidden, lstm: false);
            AssertClose(expected, outputs);
        }
        finally
        {
            model.Threads = 1;
        }
    }

    [Fact]
    public void EachSavedGradientIsTheDerivativeByThatPyTorchEntry()
    {
        // Double precision, so that central differences resolve the derivative; two threads, so that the split
        // input side and recurrence run too.
        var model = new SplitLstmDouble { Threads = 2 };
        try
        {
            double[] inputs = Values(Steps * SplitLstmDouble.Input, 5).Select(v => (double)v).ToArray();
            int[] target = { 2 };
            model.ZeroGradients();
            model.Backward(inputs, target);
            var gradients = TensorFile.Read(TensorFile.Save(model.SaveGradients));
            byte[] weights = TensorFile.Save(model.SaveWeights);

            var random = new Random(6);
            foreach (string name in new[] { "rnn.weight_hh_l0", "rnn.weight_ih_l0" })
            {
                (long[] shape, double[] analytic) = gradients[name];
                for (int sample = 0; sample < 16; sample++)
                {
                    // One entry in each gate block, spread over the columns: every panel of W_hh is reached.
                    int row = sample % 4 * SplitLstmDouble.Hidden + random.Next(SplitLstmDouble.Hidden);
                    int column = random.Next((int)shape[1]);
                    int index = row * (int)shape[1] + column;
                    const double eps = 1e-6;
                    double plus = LossWith(model, weights, name, index, eps, inputs, target);
                    double minus = LossWith(model, weights, name, index, -eps, inputs, target);
                    double numeric = (plus - minus) / (2 * eps);
                    Assert.True(Math.Abs(numeric - analytic[index]) <= 1e-7 + 1e-5 * Math.Abs(numeric),
                        $"{name}[{row}, {column}]: saved gradient {analytic[index]:R}, finite difference {numeric:R}");
                }
            }
        }
        finally
        {
            model.Threads = 1;
        }
    }

    /// <summary>The loss with one PyTorch entry of the saved weights moved by <paramref name="delta"/>, loaded as a user would.</summary>
    private static double LossWith(SplitLstmDouble model, byte[] weights, string name, int index, double delta, double[] inputs, int[] target)
    {
        byte[] file = (byte[])weights.Clone();
        SafeTensorsHeader header = SafeTensorsHeader.Read(new MemoryStream(file));
        Assert.True(header.TryGetTensor(name, out SafeTensorInfo? tensor));
        int size = SafeTensorsDTypes.GetSize(tensor.DType);
        Span<byte> bytes = file.AsSpan((int)(header.DataStart + tensor.DataBegin) + index * size, size);
        var value = new double[1];
        SafeTensorsConvert.Decode<double>(tensor.DType, bytes, value);
        value[0] += delta;
        SafeTensorsConvert.Encode<double>(value, tensor.DType, bytes);
        model.LoadWeights(new MemoryStream(file));
        return model.Forward(inputs, target);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(scale, 1), $"output {i}: {actual[i]:R}, reference {expected[i]:R}");
        }
    }

    /// <summary>
    /// PyTorch's nn.LSTM or nn.GRU (one layer, zero initial state) then nn.Linear, in double precision, from the
    /// state_dict by name: every step's head output, row-major.
    /// </summary>
    private static double[] Reference(Dictionary<string, (long[] Shape, double[] Values)> t, float[] inputs, int inputWidth, int hidden, bool lstm)
    {
        double[,] wih = TensorFile.Matrix(t["rnn.weight_ih_l0"]), whh = TensorFile.Matrix(t["rnn.weight_hh_l0"]), wout = TensorFile.Matrix(t["output.weight"]);
        double[] bih = t["rnn.bias_ih_l0"].Values, bhh = t["rnn.bias_hh_l0"].Values, bout = t["output.bias"].Values;
        int gates = wih.GetLength(0), outputs = wout.GetLength(0);
        var h = new double[hidden];
        var c = new double[hidden];
        var result = new List<double>();
        for (int s = 0; s < inputs.Length / inputWidth; s++)
        {
            var fromInput = new double[gates];
            var fromHidden = new double[gates];
            for (int g = 0; g < gates; g++)
            {
                fromInput[g] = bih[g];
                for (int j = 0; j < inputWidth; j++) fromInput[g] += wih[g, j] * inputs[s * inputWidth + j];
                fromHidden[g] = bhh[g];
                for (int j = 0; j < hidden; j++) fromHidden[g] += whh[g, j] * h[j];
            }

            var next = new double[hidden];
            for (int u = 0; u < hidden; u++)
            {
                if (lstm)
                {
                    double Gate(int k) => fromInput[k * hidden + u] + fromHidden[k * hidden + u];
                    double i = Sigmoid(Gate(0)), f = Sigmoid(Gate(1)), g = Math.Tanh(Gate(2)), o = Sigmoid(Gate(3));
                    c[u] = f * c[u] + i * g;
                    next[u] = o * Math.Tanh(c[u]);
                }
                else
                {
                    double r = Sigmoid(fromInput[u] + fromHidden[u]);
                    double z = Sigmoid(fromInput[hidden + u] + fromHidden[hidden + u]);
                    double n = Math.Tanh(fromInput[2 * hidden + u] + r * fromHidden[2 * hidden + u]);
                    next[u] = (1 - z) * n + z * h[u];
                }
            }

            h = next;
            for (int k = 0; k < outputs; k++)
            {
                double y = bout[k];
                for (int j = 0; j < hidden; j++) y += wout[k, j] * h[j];
                result.Add(y);
            }
        }

        return result.ToArray();
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
