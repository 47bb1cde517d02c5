using System;
using System.IO;
using System.Linq;
using System.Text;

namespace RnnGen.Interop.Tests;

/// <summary>RTNeural JSON models, built here as RTNeural's save_model writes them, loaded and run against Keras' equations.</summary>
public class RtNeuralJsonTests
{
    [Fact]
    public void LstmMatchesKerasEquations()
    {
        KerasModel keras = KerasModel.Random("lstm", 1, 4, 1, 1, seed: 1);
        var model = new AudioLstm();
        RtNeuralJson.Load(model, Stream(keras.ToRtNeuralJson()));
        Compare(keras, model.Predict, AudioLstm.Input, 20);
    }

    [Fact]
    public void GruReorderedFromZrhMatchesKerasEquations()
    {
        KerasModel keras = KerasModel.Random("gru", 1, 4, 1, 1, seed: 2);
        var model = new AudioGru();
        RtNeuralJson.Load(model, Stream(keras.ToRtNeuralJson()));
        Compare(keras, model.Predict, AudioGru.Input, 20);
    }

    [Fact]
    public void StackedGruMatchesKerasEquations()
    {
        KerasModel keras = KerasModel.Random("gru", 2, 4, 2, 1, seed: 3);
        var model = new AudioGruStacked();
        RtNeuralJson.Load(model, Stream(keras.ToRtNeuralJson()));
        Compare(keras, model.Predict, AudioGruStacked.Input, 15);
    }

    [Fact]
    public void HandWrittenFileLoadsItsNumbersWhereTheyBelong()
    {
        // One unit, one input: every Keras gate column lands in one PyTorch row, so the file's numbers can be followed by hand.
        const string json = """
            {"in_shape": [null, null, 1], "layers": [
              {"type": "gru", "activation": "tanh", "shape": [null, null, 1],
               "weights": [[[0.1, 0.2, 0.3]], [[0.4, 0.5, 0.6]], [[0.7, 0.8, 0.9], [1.0, 1.1, 1.2]]]},
              {"type": "dense", "activation": "", "shape": [null, null, 1], "weights": [[[1.5]], [-0.5]]}]}
            """;
        var model = new GruOneUnit();
        RtNeuralJson.Load(model, Stream(json));
        // PyTorch rows r, z, n come from Keras columns z, r, h: weight_ih = [0.2, 0.1, 0.3], bias_hh = [1.1, 1.0, 1.2].
        Assert.Equal([0.2, 0.1, 0.3], Saved(model, "rnn.weight_ih_l0"));
        Assert.Equal([0.5, 0.4, 0.6], Saved(model, "rnn.weight_hh_l0"));
        Assert.Equal([0.8, 0.7, 0.9], Saved(model, "rnn.bias_ih_l0"));
        Assert.Equal([1.1, 1.0, 1.2], Saved(model, "rnn.bias_hh_l0"));
        Assert.Equal([1.5], Saved(model, "output.weight"));
        Assert.Equal([-0.5], Saved(model, "output.bias"));
    }

    [Theory]
    [InlineData("conv1d", "layer 0 has type \"conv1d\"")]
    [InlineData("prelu", "layer 0 has type \"prelu\"")]
    public void UnsupportedLayerIsNamed(string type, string expected)
    {
        string json = """{"in_shape": [null, null, 1], "layers": [{"type": "TYPE", "activation": "", "shape": [null, null, 1], "weights": [[[1.0]], [0.0]]}]}""".Replace("TYPE", type);
        AssertRefused(json, expected);
    }

    [Fact]
    public void DenseWithActivationIsRefused() =>
        AssertRefused(KerasModel.Random("lstm", 1, 4, 1, 1, 4).ToRtNeuralJson().Replace("\"dense\", \"activation\": \"\"", "\"dense\", \"activation\": \"tanh\""),
            "layer 1 (dense) has the activation \"tanh\"");

    [Fact]
    public void LayerAfterTheHeadIsNamed()
    {
        string json = KerasModel.Random("lstm", 1, 4, 1, 1, 5).ToRtNeuralJson();
        int last = json.LastIndexOf("{\"type\": \"dense\"", StringComparison.Ordinal);
        string dense = json[last..json.LastIndexOf(']')].TrimEnd();
        json = json.Insert(last, dense + ",\n        ");
        AssertRefused(json, "layer 2 (dense)");
    }

    [Fact]
    public void GruWithoutResetAfterIsRefused()
    {
        KerasModel keras = KerasModel.Random("gru", 1, 4, 1, 1, 6);
        string json = keras.ToRtNeuralJson().Replace(KerasModel.Json(keras.Layers[0].Bias), KerasModel.Json(KerasModel.Row(keras.Layers[0].Bias)));
        AssertRefused(json, "reset_after = False");
    }

    [Fact]
    public void NaNIsRefused() => AssertRefused(FirstNumber(KerasModel.Random("lstm", 1, 4, 1, 1, 7).ToRtNeuralJson(), "NaN"), "not valid JSON");

    [Fact]
    public void OverflowIsRefused() => AssertRefused(FirstNumber(KerasModel.Random("lstm", 1, 4, 1, 1, 8).ToRtNeuralJson(), "1e300"), "too large for a float model");

    [Fact]
    public void InfinityIsRefused() => AssertRefused(FirstNumber(KerasModel.Random("lstm", 1, 4, 1, 1, 8).ToRtNeuralJson(), "1e999"), "non-finite");

    private static string FirstNumber(string json, string replacement)
    {
        int start = json.IndexOf("\"weights\": [[[", StringComparison.Ordinal) + "\"weights\": [[[".Length;
        int end = json.IndexOfAny([',', ']'], start);
        return json[..start] + replacement + json[end..];
    }

    [Fact]
    public void TruncatedFileIsRefused()
    {
        string json = KerasModel.Random("lstm", 1, 4, 1, 1, 9).ToRtNeuralJson();
        AssertRefused(json[..(json.Length / 2)], "not valid JSON");
    }

    [Fact]
    public void RaggedWeightsAreRefused()
    {
        const string json = """
            {"layers": [{"type": "lstm", "activation": "tanh", "weights": [[[0.1, 0.2, 0.3, 0.4], [0.5]], [[0.1]], [0.0]]},
                        {"type": "dense", "activation": "", "weights": [[[1.0]], [0.0]]}]}
            """;
        AssertRefused(json, "not rectangular");
    }

    [Fact]
    public void FileOfAnotherSizeGivesTheFittingDeclaration()
    {
        string json = KerasModel.Random("lstm", 1, 8, 1, 1, 11).ToRtNeuralJson();
        AssertRefused(json, "The file fits [RnnModel(Hidden = 8, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError)]");
    }

    [Fact]
    public void FileOfAnotherCellGivesTheFittingDeclaration()
    {
        var model = new AudioGru();
        byte[] before = Weights(model);
        var e = Assert.Throws<InvalidDataException>(() => RtNeuralJson.Load(model, Stream(KerasModel.Random("lstm", 1, 4, 1, 1, 12).ToRtNeuralJson())));
        Assert.Contains("rnngen.cell = lstm", e.Message);
        Assert.Contains("Cell = CellType.Lstm", e.Message);
        Assert.Equal(before, Weights(model));
    }

    internal static void Compare(KerasModel keras, OnnxExportTests.Run<float, float> predict, int inputs, int steps)
    {
        var random = new Random(steps);
        float[] x = Enumerable.Range(0, steps * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        double[] expected = keras.Run(x, steps);
        var actual = new float[expected.Length];
        Assert.Equal(expected.Length, predict(x, actual));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"element {i}: Keras {expected[i]}, RnnGen {actual[i]}");
        }
    }

    internal static byte[] Weights(IRnnModel<float, float, float> model)
    {
        var stream = new MemoryStream();
        model.SaveWeights(stream);
        return stream.ToArray();
    }

    private static void AssertRefused(string json, string expected, string? alsoNot = null)
    {
        var model = new AudioLstm();
        model.Initialize(3);
        byte[] before = Weights(model);
        var e = Assert.Throws<InvalidDataException>(() => RtNeuralJson.Load(model, Stream(json)));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, Weights(model));
    }

    /// <summary>A tensor as the model saves it (SaveWeights), rounded to float's precision in double for comparing with decimals.</summary>
    internal static double[] Saved(IRnnModel<float, float, float> model, string name)
    {
        var stream = new MemoryStream();
        model.SaveWeights(stream);
        stream.Position = 0;
        var header = RnnGen.IO.SafeTensorsHeader.Read(stream);
        var data = new byte[header.DataLength];
        stream.ReadExactly(data);
        Assert.True(header.TryGetTensor(name, out var info));
        var values = new float[info.ElementCount];
        RnnGen.IO.SafeTensorsConvert.Decode<float>(info.DType, data.AsSpan((int)info.DataBegin, (int)info.ByteLength), values);
        return values.Select(Rounded).ToArray();
    }

    /// <summary>A float as the double of its shortest decimal, as <see cref="Saved"/> gives it.</summary>
    internal static double Rounded(float v) =>
        double.Parse(v.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
