using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace RnnGen.Interop.Tests;

/// <summary>
/// Every exported file runs in ONNX Runtime and must give what the model itself computes (Predict, Probabilities,
/// Forward, Step), within 1e-5, for batches of several sequences and several sequence lengths.
/// </summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<int> Lengths => new() { 1, 4, 13 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void TokenVanillaMatchesProbabilitiesForwardAndStep(int steps)
    {
        var model = new TokenVanilla();
        model.Initialize(11);
        CheckTokens(model, TokenVanilla.Vocab, TokenVanilla.Output, steps, batch: 3, model.Probabilities, model.Predict, (x, y) => model.Forward(x, y), lastStep: false);
        CheckStep(model, steps, TokenVanilla.Vocab, TokenVanilla.Output, (ref TokenVanilla.State s, int token, Span<float> o) => model.Step(ref s, token, o));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void EmbeddingLayerExportsAsAGatherAndMatches(int steps)
    {
        var model = new EmbeddedLstmStacked();
        model.Initialize(15);
        CheckTokens(model, EmbeddedLstmStacked.Vocab, EmbeddedLstmStacked.Output, steps, batch: 2, model.Probabilities, model.Predict, (x, y) => model.Forward(x, y), lastStep: false);
        CheckStep(model, steps, EmbeddedLstmStacked.Vocab, EmbeddedLstmStacked.Output, (ref EmbeddedLstmStacked.State s, int token, Span<float> o) => model.Step(ref s, token, o));
        var bidirectional = new EmbeddedGruBidirectional();
        bidirectional.Initialize(16);
        CheckTokens(bidirectional, EmbeddedGruBidirectional.Vocab, EmbeddedGruBidirectional.Output, steps, batch: 3, bidirectional.Probabilities, bidirectional.Predict, (x, y) => bidirectional.Forward(x, y), lastStep: false);
        RnnGen.Interop.Onnx.ModelProto proto = RnnGen.Interop.Onnx.ModelProto.Parser.ParseFrom(Export(model));
        Assert.Contains(proto.Graph.Node, n => n.OpType == "Gather");
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "OneHot");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void TokenLstmStackedMatches(int steps)
    {
        var model = new TokenLstmStacked();
        model.Initialize(12);
        CheckTokens(model, TokenLstmStacked.Vocab, TokenLstmStacked.Output, steps, batch: 2, model.Probabilities, model.Predict, (x, y) => model.Forward(x, y), lastStep: false);
        CheckStep(model, steps, TokenLstmStacked.Vocab, TokenLstmStacked.Output, (ref TokenLstmStacked.State s, int token, Span<float> o) => model.Step(ref s, token, o));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void TokenGruBidirectionalMatches(int steps)
    {
        var model = new TokenGruBidirectional();
        model.Initialize(13);
        CheckTokens(model, TokenGruBidirectional.Vocab, TokenGruBidirectional.Output, steps, batch: 4, model.Probabilities, model.Predict, (x, y) => model.Forward(x, y), lastStep: false);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void TokenGruLastStepGivesTheLastStepOnly(int steps)
    {
        var model = new TokenGruLastStep();
        model.Initialize(14);
        CheckTokens(model, TokenGruLastStep.Vocab, TokenGruLastStep.Output, steps, batch: 3, model.Probabilities, model.Predict, (x, y) => model.Forward(x, y), lastStep: true);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void DenseReluStackedMatches(int steps)
    {
        var model = new DenseReluStacked();
        model.Initialize(15);
        CheckDense(model, DenseReluStacked.Input, DenseReluStacked.Output, steps, batch: 3, model.Predict, lastStep: false);
        CheckStep(model, steps, DenseReluStacked.Input, DenseReluStacked.Output, (ref DenseReluStacked.State s, ReadOnlySpan<float> x, Span<float> o) => model.Step(ref s, x, o));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void DenseLstmBidirectionalMatches(int steps)
    {
        var model = new DenseLstmBidirectional();
        model.Initialize(16);
        CheckDense(model, DenseLstmBidirectional.Input, DenseLstmBidirectional.Output, steps, batch: 2, model.Predict, lastStep: false);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void DenseGruStackedMatches(int steps)
    {
        var model = new DenseGruStacked();
        model.Initialize(17);
        CheckDense(model, DenseGruStacked.Input, DenseGruStacked.Output, steps, batch: 3, model.Predict, lastStep: false);
        CheckStep(model, steps, DenseGruStacked.Input, DenseGruStacked.Output, (ref DenseGruStacked.State s, ReadOnlySpan<float> x, Span<float> o) => model.Step(ref s, x, o));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void DenseLstmLastStepGivesTheLastStepOnly(int steps)
    {
        var model = new DenseLstmLastStep();
        model.Initialize(18);
        CheckDense(model, DenseLstmLastStep.Input, DenseLstmLastStep.Output, steps, batch: 2, model.Predict, lastStep: true);
    }

    [Fact]
    public void GraphHasTheDocumentedInterface()
    {
        using var session = new InferenceSession(Export(new TokenLstmStacked()));
        NodeMetadata input = session.InputMetadata["input"];
        Assert.Equal(typeof(long), input.ElementType);
        Assert.Equal([-1, -1], input.Dimensions);
        Assert.Equal(["batch", "steps"], input.SymbolicDimensions);
        NodeMetadata output = session.OutputMetadata["output"];
        Assert.Equal(typeof(float), output.ElementType);
        Assert.Equal([-1, -1, TokenLstmStacked.Output], output.Dimensions);
        Assert.Equal("lstm", session.ModelMetadata.CustomMetadataMap["rnngen.cell"]);
    }

    [Fact]
    public void DoubleModelWritesDoubleTensors()
    {
        var model = new DenseLstmDouble();
        model.Initialize(19);
        byte[] file = Export(model);
        var proto = RnnGen.Interop.Onnx.ModelProto.Parser.ParseFrom(file);
        Assert.All(proto.Graph.Initializer.Where(t => t.Name.StartsWith("W_", StringComparison.Ordinal)), t => Assert.Equal(11, t.DataType));
        var back = new DenseLstmDouble();
        OnnxModel.Import(back, new MemoryStream(file));
        Assert.Equal(model.Parameters.ToArray(), back.Parameters.ToArray());
    }

    [Fact]
    public void ProjectionIsRefusedAndSaysWhy()
    {
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Export(new ProjectedLstm(), new MemoryStream()));
        Assert.Contains("Projection = 3", e.Message);
        Assert.Contains("no projection", e.Message);
    }

    [Fact]
    public void OutputRecurrenceIsRefusedAndSaysWhy()
    {
        var stream = new MemoryStream();
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Export(new OutputRecurrence(), stream));
        Assert.Contains("Recurrence.Output", e.Message);
        Assert.Equal(0, stream.Length);
    }

    internal static byte[] Export<T, TI, TT>(IRnnModel<T, TI, TT> model)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
        where TI : unmanaged
        where TT : unmanaged
    {
        var stream = new MemoryStream();
        OnnxModel.Export(model, stream);
        return stream.ToArray();
    }

    internal delegate int Run<TIn, TOut>(ReadOnlySpan<TIn> inputs, Span<TOut> destination);

    private delegate void TokenStep<TState>(ref TState state, int token, Span<float> output);

    private delegate void DenseStep<TState>(ref TState state, ReadOnlySpan<float> input, Span<float> output);

    private static void CheckTokens(IRnnModel<float, int, int> model, int vocab, int output, int steps, int batch,
        Run<int, float> probabilities, Run<int, int> predict, Func<int[], int[], float> forward, bool lastStep)
    {
        var random = new Random(steps * 31 + batch);
        int[][] sequences = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, steps).Select(_ => random.Next(vocab)).ToArray()).ToArray();
        var ids = new DenseTensor<long>(sequences.SelectMany(s => s.Select(t => (long)t)).ToArray(), [batch, steps]);
        float[] logits = RunOnnx(Export(model), NamedOnnxValue.CreateFromTensor("input", ids), out int[] dims);
        int rows = lastStep ? 1 : steps;
        Assert.Equal(lastStep ? [batch, output] : new[] { batch, steps, output }, dims);

        for (int b = 0; b < batch; b++)
        {
            var expected = new float[rows * output];
            Assert.Equal(expected.Length, probabilities(sequences[b], expected));
            var classes = new int[rows];
            predict(sequences[b], classes);
            double loss = 0;
            int[] targets = Enumerable.Range(0, rows).Select(_ => random.Next(output)).ToArray();
            for (int t = 0; t < rows; t++)
            {
                ReadOnlySpan<float> row = logits.AsSpan((b * rows + t) * output, output);
                double max = double.NegativeInfinity;
                foreach (float v in row) max = Math.Max(max, v);
                double sum = 0;
                foreach (float v in row) sum += Math.Exp(v - max);
                int best = 0;
                for (int o = 0; o < output; o++)
                {
                    Assert.True(Math.Abs(Math.Exp(row[o] - max) / sum - expected[t * output + o]) <= Tolerance,
                        $"sequence {b}, step {t}, class {o}: ONNX {Math.Exp(row[o] - max) / sum}, model {expected[t * output + o]}");
                    best = row[o] > row[best] ? o : best;
                }

                Assert.Equal(classes[t], best);
                loss += max + Math.Log(sum) - row[targets[t]];
            }

            double modelLoss = forward(sequences[b], targets);
            Assert.True(Math.Abs(loss - modelLoss) <= Tolerance * Math.Max(1, Math.Abs(loss)), $"sequence {b}: ONNX loss {loss}, Forward {modelLoss}");
        }
    }

    private static void CheckDense(IRnnModel<float, float, float> model, int input, int output, int steps, int batch, Run<float, float> predict, bool lastStep)
    {
        var random = new Random(steps * 17 + batch);
        float[][] sequences = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, steps * input).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
        var x = new DenseTensor<float>(sequences.SelectMany(s => s).ToArray(), [batch, steps, input]);
        float[] y = RunOnnx(Export(model), NamedOnnxValue.CreateFromTensor("input", x), out int[] dims);
        int rows = lastStep ? 1 : steps;
        Assert.Equal(lastStep ? [batch, output] : new[] { batch, steps, output }, dims);
        for (int b = 0; b < batch; b++)
        {
            var expected = new float[rows * output];
            Assert.Equal(expected.Length, predict(sequences[b], expected));
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(y[b * rows * output + i] - expected[i]) <= Tolerance, $"sequence {b}, element {i}: ONNX {y[b * rows * output + i]}, Predict {expected[i]}");
            }
        }
    }

    private static void CheckStep<TState>(IRnnModel<float, int, int> model, int steps, int vocab, int output, TokenStep<TState> step)
        where TState : struct
    {
        var random = new Random(steps);
        int[] tokens = Enumerable.Range(0, steps).Select(_ => random.Next(vocab)).ToArray();
        float[] logits = RunOnnx(Export(model), NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(tokens.Select(t => (long)t).ToArray(), [1, steps])), out _);
        TState state = default;
        var o = new float[output];
        for (int t = 0; t < steps; t++)
        {
            step(ref state, tokens[t], o);
            for (int k = 0; k < output; k++)
            {
                Assert.True(Math.Abs(logits[t * output + k] - o[k]) <= Tolerance, $"step {t}, output {k}: ONNX {logits[t * output + k]}, Step {o[k]}");
            }
        }
    }

    private static void CheckStep<TState>(IRnnModel<float, float, float> model, int steps, int input, int output, DenseStep<TState> step)
        where TState : struct
    {
        var random = new Random(steps + 5);
        float[] x = Enumerable.Range(0, steps * input).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = RunOnnx(Export(model), NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x, [1, steps, input])), out _);
        TState state = default;
        var o = new float[output];
        for (int t = 0; t < steps; t++)
        {
            step(ref state, x.AsSpan(t * input, input), o);
            for (int k = 0; k < output; k++)
            {
                Assert.True(Math.Abs(y[t * output + k] - o[k]) <= Tolerance, $"step {t}, output {k}: ONNX {y[t * output + k]}, Step {o[k]}");
            }
        }
    }

    internal static float[] RunOnnx(byte[] file, NamedOnnxValue input, out int[] dims)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(file, options);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([input]);
        DisposableNamedOnnxValue result = results.Single(r => r.Name == "output");
        Tensor<float> tensor = result.AsTensor<float>();
        dims = tensor.Dimensions.ToArray();
        return tensor.ToArray();
    }
}
