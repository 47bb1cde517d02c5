using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace RnnGen.Interop.Tests;

/// <summary>
/// Files written by the tools on the other side (Fixtures/make_fixtures.py): ONNX files from torch.onnx.export
/// (PyTorch 1.13) with PyTorch's outputs, and .weights.h5 files written by h5py in Keras 3's layout with outputs from
/// Keras' equations in numpy. Imported models must give those outputs within 1e-5.
/// </summary>
public class FixtureTests
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void TorchTokenGruBidirectionalStacked()
    {
        var model = new TorchGruTokens();
        (int[] shape, double[] input, double[] expected) = Expected("torch_gru_tokens", out byte[] onnx);
        OnnxModel.Import(model, new MemoryStream(onnx));
        int batch = shape[0], steps = shape[1], output = TorchGruTokens.Output;
        for (int b = 0; b < batch; b++)
        {
            int[] tokens = input.Skip(b * steps).Take(steps).Select(v => (int)v).ToArray();
            var probabilities = new float[steps * output];
            model.Probabilities(tokens, probabilities);
            for (int t = 0; t < steps; t++)
            {
                double[] logits = expected.Skip((b * steps + t) * output).Take(output).ToArray();
                double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
                for (int o = 0; o < output; o++)
                {
                    Assert.True(Math.Abs(Math.Exp(logits[o] - max) / sum - probabilities[t * output + o]) <= Tolerance, $"sequence {b}, step {t}, class {o}");
                }
            }
        }

        // The same file in ONNX Runtime, at a batch size other than the export's, gives PyTorch's outputs too.
        float[] y = OnnxExportTests.RunOnnx(onnx, NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(input.Select(v => (long)v).ToArray(), shape)), out _);
        AssertClose(expected, y);
    }

    [Fact]
    public void TorchEmbeddingBeforeAStackedLstm()
    {
        // nn.Embedding(8, 4) before the LSTM: torch.onnx.export writes a Gather, which loads into Embedding = 4.
        var model = new TorchLstmEmbedding();
        (int[] shape, double[] input, double[] expected) = Expected("torch_lstm_embedding", out byte[] onnx);
        OnnxModel.Import(model, new MemoryStream(onnx));
        int batch = shape[0], steps = shape[1], output = TorchLstmEmbedding.Output;
        for (int b = 0; b < batch; b++)
        {
            var state = default(TorchLstmEmbedding.State);
            var logits = new float[output];
            for (int t = 0; t < steps; t++)
            {
                model.Step(ref state, (int)input[b * steps + t], logits);
                AssertClose(expected.Skip((b * steps + t) * output).Take(output).ToArray(), logits);
            }
        }
    }

    [Fact]
    public void TorchDenseLstmStacked()
    {
        var model = new TorchLstmDense();
        (int[] shape, double[] input, double[] expected) = Expected("torch_lstm_dense", out byte[] onnx);
        OnnxModel.Import(model, new MemoryStream(onnx));
        CheckDense(model.Predict, shape, input, expected, TorchLstmDense.Output, lastStep: false);
    }

    [Fact]
    public void TorchReluLastStepWithGemmHead()
    {
        var model = new TorchReluLastStep();
        (int[] shape, double[] input, double[] expected) = Expected("torch_relu_laststep", out byte[] onnx);
        OnnxModel.Import(model, new MemoryStream(onnx));
        CheckDense(model.Predict, shape, input, expected, TorchReluLastStep.Output, lastStep: true);
    }

    [Fact]
    public void TorchFileIntoAnotherDeclarationGivesTheFittingOne()
    {
        Expected("torch_lstm_dense", out byte[] onnx);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(new DenseGruStacked(), new MemoryStream(onnx)));
        Assert.Contains("The file fits [RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Layers = 2)]", e.Message);
    }

    [Fact]
    public void H5pyWrittenKerasGruStacked()
    {
        var model = new AudioGruStacked();
        (int[] shape, double[] input, double[] expected) = Expected("keras_gru_stacked", out _);
        KerasWeights.Load(model, File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras_gru_stacked.weights.h5")));
        CheckDense(model.Predict, [1, .. shape], input, expected, AudioGruStacked.Output, lastStep: false);
    }

    [Fact]
    public void H5pyWrittenKerasLstm()
    {
        var model = new AudioLstm();
        (int[] shape, double[] input, double[] expected) = Expected("keras_lstm", out _);
        KerasWeights.Load(model, File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras_lstm.weights.h5")));
        CheckDense(model.Predict, [1, .. shape], input, expected, AudioLstm.Output, lastStep: false);
    }

    private static void CheckDense(OnnxExportTests.Run<float, float> predict, int[] shape, double[] input, double[] expected, int output, bool lastStep)
    {
        int batch = shape[0], steps = shape[1], width = shape[2], rows = lastStep ? 1 : steps;
        for (int b = 0; b < batch; b++)
        {
            float[] x = input.Skip(b * steps * width).Take(steps * width).Select(v => (float)v).ToArray();
            var y = new float[rows * output];
            Assert.Equal(y.Length, predict(x, y));
            AssertClose(expected.Skip(b * rows * output).Take(rows * output).ToArray(), y);
        }
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static (int[] Shape, double[] Input, double[] Output) Expected(string name, out byte[] onnx)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        string onnxPath = Path.Combine(folder, name + ".onnx");
        onnx = File.Exists(onnxPath) ? File.ReadAllBytes(onnxPath) : [];
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, name + ".json")));
        JsonElement root = json.RootElement;
        return (root.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("input").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                root.GetProperty("output").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }
}
