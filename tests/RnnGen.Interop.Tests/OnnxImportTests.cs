using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnGen.Interop.Onnx;

namespace RnnGen.Interop.Tests;

/// <summary>ONNX import: round trips through Export, files laid out as other exporters write them, and refusals.</summary>
public class OnnxImportTests
{
    [Fact]
    public void RoundTripsGiveIdenticalParameters()
    {
        RoundTrip(new TokenVanilla(), new TokenVanilla());
        RoundTrip(new TokenLstmStacked(), new TokenLstmStacked());
        RoundTrip(new EmbeddedLstmStacked(), new EmbeddedLstmStacked());
        RoundTrip(new EmbeddedGruBidirectional(), new EmbeddedGruBidirectional());
        RoundTrip(new TokenGruBidirectional(), new TokenGruBidirectional());
        RoundTrip(new TokenGruLastStep(), new TokenGruLastStep());
        RoundTrip(new DenseReluStacked(), new DenseReluStacked());
        RoundTrip(new DenseLstmBidirectional(), new DenseLstmBidirectional());
        RoundTrip(new DenseGruStacked(), new DenseGruStacked());
        RoundTrip(new DenseLstmLastStep(), new DenseLstmLastStep());
    }

    [Fact]
    public void GemmHeadWithTransposedWeightAsTorchWritesIt()
    {
        // torch.onnx.export writes nn.Linear on a 2-D input as Gemm(x, weight [O, F], bias, transB = 1).
        var source = new DenseLstmLastStep();
        source.Initialize(41);
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExportTests.Export(source));
        GraphProto graph = proto.Graph;
        TensorProto wt = graph.Initializer.Single(t => t.Name == "output_weight_t");
        float[] m = Floats(wt);
        int f = (int)wt.Dims[0], o = (int)wt.Dims[1];
        var weight = new float[m.Length];
        for (int i = 0; i < f; i++) for (int j = 0; j < o; j++) weight[j * f + i] = m[i * o + j];
        graph.Initializer.Remove(wt);
        graph.Initializer.Add(FloatTensor("onnx::Gemm_17", [o, f], weight));
        NodeProto matmul = graph.Node.Single(n => n.OpType == "MatMul");
        NodeProto add = graph.Node.Single(n => n.OpType == "Add");
        var gemm = new NodeProto { OpType = "Gemm", Name = "/output/Gemm" };
        gemm.Input.Add([matmul.Input[0], "onnx::Gemm_17", add.Input[1]]);
        gemm.Output.Add("output");
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        gemm.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 1 });
        graph.Node.Insert(graph.Node.IndexOf(matmul), gemm);
        graph.Node.Remove(matmul);
        graph.Node.Remove(add);
        byte[] file = proto.ToByteArray();

        var model = new DenseLstmLastStep();
        OnnxModel.Import(model, new MemoryStream(file));
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 2 * 7 * 3).Select(_ => (float)random.NextDouble()).ToArray();
        float[] y = OnnxExportTests.RunOnnx(file, NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x, [2, 7, 3])), out _);
        for (int b = 0; b < 2; b++)
        {
            var p = new float[2];
            model.Predict(x.AsSpan(b * 21, 21), p);
            Assert.True(Math.Abs(p[0] - y[b * 2]) <= 1e-5 && Math.Abs(p[1] - y[b * 2 + 1]) <= 1e-5, $"sequence {b}: ONNX {y[b * 2]}, {y[b * 2 + 1]}; model {p[0]}, {p[1]}");
        }
    }

    [Fact]
    public void FileOfAnotherModelGivesTheFittingDeclaration()
    {
        var other = new TokenLstmStacked();
        var model = new TokenGruBidirectional();
        byte[] before = Weights(model);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(model, new MemoryStream(OnnxExportTests.Export(other))));
        Assert.Contains("The file fits [RnnModel(Hidden = 6, Vocab = 9, Output = 5, Cell = CellType.Lstm, Layers = 2)]", e.Message);
        Assert.Equal(before, Weights(model));
    }

    [Fact]
    public void FileOfAnotherOutputsGivesTheFittingDeclaration()
    {
        // Same tensors, but the file was exported from an Outputs.LastStep model, which its metadata records.
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(new TokenGruEveryStep(), new MemoryStream(OnnxExportTests.Export(new TokenGruLastStep()))));
        Assert.Contains("rnngen.outputs = last_step", e.Message);
        Assert.Contains("Outputs = Outputs.LastStep", e.Message);
    }

    [Fact]
    public void AnEmbeddingLookupLoadsIntoAModelWithAnEmbeddingLayerOnly()
    {
        // A one-hot model's file with an nn.Embedding before it: the declaration that fits says Embedding.
        byte[] embedded = OnnxExportTests.Export(new EmbeddedLstmStacked());
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(new TokenLstmStacked(), new MemoryStream(embedded)));
        Assert.Contains("Embedding = 4", e.Message);

        // Another exporter's name for the table, and its rows into the embedding layer.
        ModelProto proto = ModelProto.Parser.ParseFrom(embedded);
        TensorProto table = proto.Graph.Initializer.Single(t => t.Name == "embedding.weight");
        table.Name = "onnx::Gather_3";
        proto.Graph.Node.Single(n => n.OpType == "Gather").Input[0] = "onnx::Gather_3";
        var model = new EmbeddedLstmStacked();
        model.Initialize(77);
        OnnxModel.Import(model, new MemoryStream(proto.ToByteArray()));
        var expected = new EmbeddedLstmStacked();
        OnnxModel.Import(expected, new MemoryStream(embedded));
        Assert.Equal(expected.Parameters.ToArray(), model.Parameters.ToArray());
    }

    [Fact]
    public void AnEmbeddingThatDoesNotFeedTheFirstLayerIsRefused() => AssertRefused(Edit(g =>
    {
        g.Initializer.Add(FloatTensor("embedding.weight", [9, 4], new float[36]));
        var gather = new NodeProto { OpType = "Gather", Name = "/embedding/Gather" };
        gather.Input.Add(["embedding.weight", "input"]);
        gather.Output.Add("embedded");
        g.Node.Insert(0, gather);
    }), "but the embedding before it gives 4");

    [Fact]
    public void DenseFileIntoTokenModelIsRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(new TokenVanilla(), new MemoryStream(OnnxExportTests.Export(new DenseReluStacked()))));
        Assert.Contains("The file fits [RnnModel(Hidden = 5, Input = 3, Output = 2, Activation = Activation.Relu, Loss = Loss.SquaredError, Layers = 2)]", e.Message);
    }

    [Fact]
    public void TruncatedAndGarbageFilesAreRefused()
    {
        byte[] file = OnnxExportTests.Export(new TokenLstmStacked());
        AssertRefused(file[..(file.Length / 2)], "not a valid ONNX model");
        AssertRefused(file[..(file.Length - 3)], "");
        AssertRefused(Enumerable.Repeat((byte)0xFF, 64).ToArray(), "not a valid ONNX model");
        AssertRefused([], "no graph");
    }

    [Fact]
    public void NaNIsRefused() => AssertRefused(Edit(g =>
    {
        TensorProto r = g.Initializer.Single(t => t.Name == "R_l0");
        byte[] raw = r.RawData.ToByteArray();
        BitConverter.GetBytes(float.NaN).CopyTo(raw, 8);
        r.RawData = ByteString.CopyFrom(raw);
    }), "non-finite");

    [Fact]
    public void DataOfTheWrongLengthIsRefused() => AssertRefused(Edit(g =>
    {
        TensorProto w = g.Initializer.Single(t => t.Name == "W_l1");
        w.RawData = ByteString.CopyFrom(w.RawData.Span[..^4]);
    }), "bytes of data");

    [Fact]
    public void OversizedDimensionsAreRefused() => AssertRefused(Edit(g =>
    {
        TensorProto w = g.Initializer.Single(t => t.Name == "W_l0");
        w.Dims[1] = 1L << 40;
    }), "more than 268435456 elements");

    [Fact]
    public void WrongShapeIsRefused() => AssertRefused(Edit(g =>
    {
        TensorProto w = g.Initializer.Single(t => t.Name == "R_l0");
        w.Dims[2] = 3;
        w.Dims[1] = 48;
    }), "has W [1, 24, 9] and R [1, 48, 3]");

    [Fact]
    public void GruWithoutLinearBeforeResetIsRefused()
    {
        byte[] file = OnnxExportTests.Export(new TokenGruBidirectional());
        ModelProto proto = ModelProto.Parser.ParseFrom(file);
        proto.Graph.Node.Single(n => n.OpType == "GRU").Attribute.Single(a => a.Name == "linear_before_reset").I = 0;
        var model = new TokenGruBidirectional();
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(model, new MemoryStream(proto.ToByteArray())));
        Assert.Contains("linear_before_reset = 0", e.Message);
    }

    [Fact]
    public void ClipAndNonZeroInitialStateAreRefused()
    {
        AssertRefused(Edit(g => g.Node.First(n => n.OpType == "LSTM").Attribute.Add(
            new AttributeProto { Name = "clip", Type = AttributeProto.Types.AttributeType.Float, F = 3 })), "clips its cell");
        AssertRefused(Edit(g =>
        {
            NodeProto lstm = g.Node.First(n => n.OpType == "LSTM");
            g.Initializer.Add(FloatTensor("h0", [1, 1, 6], [0, 0, 0.5f, 0, 0, 0]));
            lstm.Input.Add(["", "h0"]);
        }), "non-zero initial_h");
    }

    [Fact]
    public void GraphWithoutRecurrentNodeIsRefused() =>
        AssertRefused(Edit(g =>
        {
            foreach (NodeProto n in g.Node.Where(n => n.OpType == "LSTM").ToList()) g.Node.Remove(n);
        }), "no RNN, LSTM or GRU node");

    private static void RoundTrip<T, TI, TT>(IRnnModel<T, TI, TT> source, IRnnModel<T, TI, TT> target)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
        where TI : unmanaged
        where TT : unmanaged
    {
        source.Initialize(101);
        target.Initialize(202);
        Assert.NotEqual(source.Parameters.ToArray(), target.Parameters.ToArray());
        OnnxModel.Import(target, new MemoryStream(OnnxExportTests.Export(source)));
        Assert.Equal(source.Parameters.ToArray(), target.Parameters.ToArray());
    }

    /// <summary>The TokenLstmStacked export, changed by <paramref name="edit"/>.</summary>
    private static byte[] Edit(Action<GraphProto> edit)
    {
        var model = new TokenLstmStacked();
        model.Initialize(5);
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExportTests.Export(model));
        edit(proto.Graph);
        return proto.ToByteArray();
    }

    private static void AssertRefused(byte[] file, string expected)
    {
        var model = new TokenLstmStacked();
        model.Initialize(9);
        byte[] before = Weights(model);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Import(model, new MemoryStream(file)));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, Weights(model));
    }

    private static byte[] Weights<T, TI, TT>(IRnnModel<T, TI, TT> model)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
        where TI : unmanaged
        where TT : unmanaged
    {
        var stream = new MemoryStream();
        model.SaveWeights(stream);
        return stream.ToArray();
    }

    private static float[] Floats(TensorProto t) =>
        Enumerable.Range(0, t.RawData.Length / 4).Select(i => BitConverter.ToSingle(t.RawData.Span.Slice(i * 4, 4))).ToArray();

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.Add(dims);
        t.FloatData.Add(values);
        return t;
    }
}
