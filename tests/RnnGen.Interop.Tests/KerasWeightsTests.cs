using System;
using System.IO;
using System.Linq;
using PureHDF;

namespace RnnGen.Interop.Tests;

/// <summary>
/// Keras 3 .weights.h5 files written here with PureHDF in Keras 3's layout (no file from real Keras was available:
/// PyPI cannot be reached from this machine and Debian has no Keras 3), loaded and run against Keras' equations.
/// </summary>
public class KerasWeightsTests
{
    [Fact]
    public void LstmMatchesKerasEquations()
    {
        KerasModel keras = KerasModel.Random("lstm", 1, 4, 1, 1, seed: 21);
        var model = new AudioLstm();
        KerasWeights.Load(model, File(keras));
        RtNeuralJsonTests.Compare(keras, model.Predict, AudioLstm.Input, 20);
    }

    [Fact]
    public void StackedGruMatchesKerasEquations()
    {
        KerasModel keras = KerasModel.Random("gru", 2, 4, 2, 1, seed: 22);
        var model = new AudioGruStacked();
        KerasWeights.Load(model, File(keras));
        RtNeuralJsonTests.Compare(keras, model.Predict, AudioGruStacked.Input, 15);
    }

    [Fact]
    public void SimpleRnnMatchesKerasEquations()
    {
        KerasModel keras = KerasModel.Random("simple_rnn", 2, 3, 1, 2, seed: 23);
        var model = new DenseVanilla();
        KerasWeights.Load(model, File(keras));
        RtNeuralJsonTests.Compare(keras, model.Predict, DenseVanilla.Input, 12);
    }

    [Fact]
    public void RecurrentVariablesOnTheLayerItselfAreReadToo()
    {
        KerasModel keras = KerasModel.Random("lstm", 1, 4, 1, 1, seed: 33);
        H5File file = Layout(keras);
        var lstm = (H5Group)((H5Group)file["layers"])["lstm"];
        lstm["vars"] = ((H5Group)lstm["cell"])["vars"];
        lstm.Remove("cell");
        var model = new AudioLstm();
        KerasWeights.Load(model, new MemoryStream(Bytes(file)));
        RtNeuralJsonTests.Compare(keras, model.Predict, AudioLstm.Input, 10);
    }

    [Fact]
    public void DoubleModelLoadsFloat32File()
    {
        KerasModel keras = KerasModel.Random("gru", 2, 4, 1, 1, seed: 24);
        var model = new AudioGruDouble();
        KerasWeights.Load(model, File(keras));
        var random = new Random(5);
        double[] x = Enumerable.Range(0, 20).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] expected = keras.Run(x.Select(v => (float)v).ToArray(), 10);
        var actual = new double[expected.Length];
        model.Predict(x.Select(v => (double)(float)v).ToArray(), actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"element {i}: Keras {expected[i]}, RnnGen {actual[i]}");
        }
    }

    [Fact]
    public void BidirectionalLstmMatchesKerasEquations()
    {
        // Keras 3.6 and later name the cell on its vars group; the kind is read from that name.
        KerasModel keras = KerasModel.Random("lstm", 2, 4, 1, 2, seed: 40, bidirectional: true);
        var model = new KerasLstmBidirectional();
        KerasWeights.Load(model, File(keras));
        RtNeuralJsonTests.Compare(keras, model.Predict, KerasLstmBidirectional.Input, 12);
    }

    [Fact]
    public void StackedBidirectionalGruMatchesKerasEquations()
    {
        // Without the cell's name (Keras before 3.6) the kind comes from the recurrent kernel [4, 12]: three gates, a GRU.
        KerasModel keras = KerasModel.Random("gru", 2, 4, 2, 1, seed: 41, bidirectional: true);
        var model = new KerasGruBidirectionalStacked();
        KerasWeights.Load(model, new MemoryStream(Bytes(Layout(keras, cellNames: false))));
        RtNeuralJsonTests.Compare(keras, model.Predict, KerasGruBidirectionalStacked.Input, 15);
    }

    [Fact]
    public void BidirectionalDirectionsLandInPyTorchsNames()
    {
        // The forward layer becomes rnn.*_l0 and the backward layer rnn.*_l0_reverse; the head reads [forward; backward].
        KerasModel keras = KerasModel.Random("lstm", 2, 4, 1, 2, seed: 42, bidirectional: true);
        var model = new KerasLstmBidirectional();
        KerasWeights.Load(model, File(keras));
        Assert.Equal(Transposed(keras.Layers[0].Recurrent), RtNeuralJsonTests.Saved(model, "rnn.weight_hh_l0"));
        Assert.Equal(Transposed(keras.Backward![0].Recurrent), RtNeuralJsonTests.Saved(model, "rnn.weight_hh_l0_reverse"));
        Assert.Equal(Transposed(keras.DenseKernel), RtNeuralJsonTests.Saved(model, "output.weight"));
    }

    [Fact]
    public void BidirectionalFileIntoUnidirectionalModelGivesTheFittingDeclaration() =>
        AssertRefused(
            Layout(KerasModel.Random("lstm", 1, 4, 1, 1, seed: 43, bidirectional: true)),
            "The file fits [RnnModel(Hidden = 4, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, Bidirectional = true)]");

    [Fact]
    public void BidirectionalLayerWithoutBackwardLayerIsRefused()
    {
        H5File file = Layout(KerasModel.Random("lstm", 2, 4, 1, 2, seed: 44, bidirectional: true));
        ((H5Group)((H5Group)file["layers"])["bidirectional"]).Remove("backward_layer");
        AssertRefused(new KerasLstmBidirectional(), Bytes(file), "the Bidirectional layer 'layers/bidirectional' has no 'layers/bidirectional/backward_layer' group");
    }

    [Fact]
    public void BidirectionalDirectionsOfDifferentSizesAreRefused()
    {
        KerasModel keras = KerasModel.Random("lstm", 2, 4, 1, 2, seed: 45, bidirectional: true);
        KerasModel wider = KerasModel.Random("lstm", 2, 5, 1, 2, seed: 46, bidirectional: true);
        H5File file = Layout(keras);
        var bidirectional = (H5Group)((H5Group)file["layers"])["bidirectional"];
        bidirectional["backward_layer"] = ((H5Group)((H5Group)Layout(wider)["layers"])["bidirectional"])["backward_layer"];
        AssertRefused(
            new KerasLstmBidirectional(),
            Bytes(file),
            "layers/bidirectional/backward_layer has 5 units reading 2 inputs, but layers/bidirectional/forward_layer has 4 units reading 2 inputs");
    }

    [Fact]
    public void BidirectionalMergeModeOtherThanConcatIsRefusedByItsHead()
    {
        // merge_mode "sum" (or "mul", "ave") gives the Dense layer one direction's 4 values, not 8.
        KerasModel keras = KerasModel.Random("lstm", 2, 4, 1, 2, seed: 49, bidirectional: true);
        H5File file = Layout(keras);
        ((H5Group)((H5Group)((H5Group)file["layers"])["dense"])["vars"])["0"] = Data(new double[4, 2]);
        AssertRefused(new KerasLstmBidirectional(), Bytes(file), "has a kernel [4, 2], but it follows 8 values (2·4 units, forward and backward), so it needs [8, outputs] (reading one direction's width: a Bidirectional merge_mode of sum");
    }

    [Fact]
    public void BidirectionalAndPlainLayersAreNotMixed()
    {
        KerasModel keras = KerasModel.Random("gru", 2, 4, 2, 1, seed: 47, bidirectional: true);
        H5File file = Layout(keras);
        var layers = (H5Group)file["layers"];
        layers["gru"] = ((H5Group)layers["bidirectional"])["forward_layer"];
        layers.Remove("bidirectional");
        AssertRefused(new KerasGruBidirectionalStacked(), Bytes(file), "layer 1, layers/bidirectional_1/forward_layer, is bidirectional but layer 0, layers/gru, is not");
    }

    [Fact]
    public void BidirectionalOfAnotherCellIsRefusedByName()
    {
        H5File file = Layout(KerasModel.Random("lstm", 2, 4, 1, 2, seed: 48, bidirectional: true));
        var forward = (H5Group)((H5Group)((H5Group)file["layers"])["bidirectional"])["forward_layer"];
        ((H5Group)((H5Group)forward["cell"])["vars"]).Attributes = new() { ["name"] = "conv_lstm_cell" };
        AssertRefused(new KerasLstmBidirectional(), Bytes(file), "'layers/bidirectional/forward_layer/cell/vars' is named 'conv_lstm_cell'");
    }

    [Fact]
    public void SecondDenseIsRefusedByName()
    {
        KerasModel keras = KerasModel.Random("lstm", 1, 4, 1, 1, seed: 26);
        H5File file = Layout(keras);
        ((H5Group)file["layers"])["dense_1"] = new H5Group { ["vars"] = new H5Group { ["0"] = Data(new double[1, 1]), ["1"] = new H5Dataset(new float[1], fileDims: [1]) } };
        AssertRefused(file, "layers/dense_1 (dense)");
    }

    [Fact]
    public void GruWithoutResetAfterIsRefused()
    {
        KerasModel keras = KerasModel.Random("gru", 1, 4, 1, 1, seed: 27);
        H5File file = Layout(keras);
        var vars = (H5Group)((H5Group)((H5Group)((H5Group)file["layers"])["gru"])["cell"])["vars"];
        vars["2"] = new H5Dataset(KerasModel.Row(keras.Layers[0].Bias).Select(v => (float)v).ToArray(), fileDims: [12]);
        AssertRefused(file, "reset_after = False");
    }

    [Fact]
    public void NaNIsRefused()
    {
        KerasModel keras = KerasModel.Random("lstm", 1, 4, 1, 1, seed: 28);
        keras.Layers[0].Recurrent[1, 2] = double.NaN;
        AssertRefused(Layout(keras), "non-finite");
    }

    [Fact]
    public void WrongShapeIsRefused()
    {
        KerasModel keras = KerasModel.Random("lstm", 1, 4, 1, 1, seed: 29);
        H5File file = Layout(keras);
        var vars = (H5Group)((H5Group)((H5Group)((H5Group)file["layers"])["lstm"])["cell"])["vars"];
        vars["1"] = Data(new double[4, 12]);
        AssertRefused(file, "recurrent kernel [4, 12]");
    }

    [Fact]
    public void OversizedDimensionsAreRefusedBeforeReading()
    {
        // The recurrent kernel [4, 16] of a 4-unit LSTM; its dataspace's dimensions, two little-endian 64-bit sizes,
        // are changed to [2^40, 16] in the file's bytes, with the data left as it was.
        KerasModel keras = KerasModel.Random("lstm", 3, 4, 1, 1, seed: 32);
        byte[] file = Bytes(Layout(keras));
        byte[] dims = new byte[16];
        BitConverter.GetBytes(4UL).CopyTo(dims, 0);
        BitConverter.GetBytes(16UL).CopyTo(dims, 8);
        int at = file.AsSpan().IndexOf(dims);
        Assert.True(at >= 0, "the dataspace of [4, 16] is in the file");
        BitConverter.GetBytes(1UL << 40).CopyTo(file, at);
        AssertRefused(file, "more than 268435456 elements");
    }

    [Fact]
    public void NotKerasLayoutIsRefused() => AssertRefused(new H5File { ["model_weights"] = new H5Group() }, "no 'layers' group");

    [Fact]
    public void TruncatedAndGarbageFilesAreRefused()
    {
        byte[] file = File(KerasModel.Random("lstm", 1, 4, 1, 1, seed: 30)).ToArray();
        AssertRefused(file[..(file.Length / 2)], "HDF5");
        AssertRefused(file[..100], "HDF5");
        AssertRefused(new byte[5000], "HDF5");
    }

    [Fact]
    public void FileOfAnotherSizeGivesTheFittingDeclaration() =>
        AssertRefused(Layout(KerasModel.Random("lstm", 1, 6, 1, 1, seed: 31)), "The file fits [RnnModel(Hidden = 6, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError)]");

    /// <summary>
    /// Keras 3's layout for a Sequential model: layers/&lt;class&gt;[_n]/cell/vars/0..2, layers/dense/vars/0..1; a
    /// Bidirectional layer as layers/bidirectional[_n]/{forward_layer, backward_layer}/cell/vars/0..2, with the wrapped
    /// original, never built, under layer. With <paramref name="cellNames"/>, the vars groups carry the name attribute
    /// Keras 3.6 and later write (the layer's or cell's name).
    /// </summary>
    internal static H5File Layout(KerasModel keras, bool cellNames = true)
    {
        string cellName = keras.Kind + "_cell";
        H5Group Vars(string name, H5Group? vars = null)
        {
            vars ??= new H5Group();
            if (cellNames)
            {
                vars.Attributes = new() { ["name"] = name };
            }

            return vars;
        }

        H5Group Recurrent((double[,] Kernel, double[,] Recurrent, double[,] Bias) layer, string name)
        {
            (double[,] kernel, double[,] recurrent, double[,] bias) = layer;
            object b = keras.Kind == "gru" ? Data(bias) : new H5Dataset(KerasModel.Row(bias).Select(v => (float)v).ToArray(), fileDims: [(ulong)bias.GetLength(1)]);
            return new H5Group
            {
                ["vars"] = Vars(name),
                ["cell"] = new H5Group { ["vars"] = Vars(cellName, new H5Group { ["0"] = Data(kernel), ["1"] = Data(recurrent), ["2"] = b }) },
            };
        }

        var layers = new H5Group();
        for (int k = 0; k < keras.Layers.Count; k++)
        {
            string name = k == 0 ? keras.Kind : $"{keras.Kind}_{k}";
            if (keras.Backward is null)
            {
                layers[name] = Recurrent(keras.Layers[k], name);
                continue;
            }

            string bidirectional = k == 0 ? "bidirectional" : $"bidirectional_{k}";
            layers[bidirectional] = new H5Group
            {
                ["vars"] = Vars(bidirectional),
                ["backward_layer"] = Recurrent(keras.Backward[k], "backward_" + name),
                ["forward_layer"] = Recurrent(keras.Layers[k], "forward_" + name),
                ["layer"] = new H5Group { ["vars"] = Vars(name), ["cell"] = new H5Group { ["vars"] = Vars(cellName) } },
            };
        }

        layers["input_layer"] = new H5Group { ["vars"] = new H5Group() };
        layers["dense"] = new H5Group
        {
            ["vars"] = new H5Group
            {
                ["0"] = Data(keras.DenseKernel),
                ["1"] = new H5Dataset(keras.DenseBias.Select(v => (float)v).ToArray(), fileDims: [(ulong)keras.DenseBias.Length]),
            },
        };
        return new H5File
        {
            ["layers"] = layers,
            ["optimizer"] = new H5Group { ["vars"] = new H5Group() },
            ["vars"] = new H5Group(),
        };
    }

    private static H5Dataset Data(double[,] m)
    {
        float[] flat = new float[m.Length];
        for (int i = 0; i < m.GetLength(0); i++)
        {
            for (int j = 0; j < m.GetLength(1); j++)
            {
                flat[i * m.GetLength(1) + j] = (float)m[i, j];
            }
        }

        return new H5Dataset(flat, fileDims: [(ulong)m.GetLength(0), (ulong)m.GetLength(1)]);
    }

    private static double[] Transposed(double[,] m) =>
        Enumerable.Range(0, m.GetLength(1)).SelectMany(j => Enumerable.Range(0, m.GetLength(0)).Select(i => RtNeuralJsonTests.Rounded((float)m[i, j]))).ToArray();

    private static MemoryStream File(KerasModel keras) => new(Bytes(Layout(keras)));

    private static byte[] Bytes(H5File file)
    {
        var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    private static void AssertRefused(H5File file, string expected) => AssertRefused(Bytes(file), expected);

    private static void AssertRefused(byte[] file, string expected) => AssertRefused(new AudioLstm(), file, expected);

    private static void AssertRefused(IRnnModel<float, float, float> model, byte[] file, string expected)
    {
        model.Initialize(3);
        byte[] before = RtNeuralJsonTests.Weights(model);
        var e = Assert.Throws<InvalidDataException>(() => KerasWeights.Load(model, new MemoryStream(file)));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, RtNeuralJsonTests.Weights(model));
    }
}
