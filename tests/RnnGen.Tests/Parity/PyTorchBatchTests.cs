using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace RnnGen.Tests.Parity;

/// <summary>
/// Padded batches with lengths against PyTorch 1.13 (tools/pytorch/make_fixtures.py, BATCH_TABLE): nn.LSTM / nn.GRU /
/// nn.RNN(batch_first=True) over a packed sequence, the head at every valid step, and cross_entropy(ignore_index=-100,
/// reduction='sum') or the summed squared error, and autograd's gradients of it. The fixtures' padding holds garbage (out-of-range ids, 1e30) that the
/// batched members must never read.
/// </summary>
public class PyTorchBatchTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures", "Batch");

    [Fact]
    public void LstmStackTokensCrossEntropy() => TokenClassesAtEveryStep(nameof(BatchLstmL2TokenCe), new BatchLstmL2TokenCe());

    [Fact]
    public void GruDenseSquaredError() => DenseValues(nameof(BatchGruDenseSe), new BatchGruDenseSe(), BatchGruDenseSe.Output, lastStep: false);

    [Fact]
    public void VanillaReluTokensLastStep()
    {
        JsonElement root = Load(nameof(BatchVanillaReluTokenCeLast), out Stream weights);
        var model = new BatchVanillaReluTokenCeLast();
        model.LoadWeights(weights);
        int[] inputs = Ints(root, "inputs"), targets = Ints(root, "targets"), lengths = Ints(root, "lengths");
        Close(root.GetProperty("loss").GetDouble(), model.Forward(inputs, targets, lengths), "loss");
        Close(root.GetProperty("loss").GetDouble(), model.Backward(inputs, targets, lengths), "Backward's loss");
        Gradients(nameof(BatchVanillaReluTokenCeLast), model.SaveGradients);
        var classes = new int[lengths.Length];
        Assert.Equal(lengths.Length, model.Predict(inputs, lengths, classes));
        Assert.Equal(Ints(root, "predictions"), classes);
    }

    /// <summary>Bidirectional over packed sequences: each sequence's reverse direction starts at its own last valid step.</summary>
    [Fact]
    public void BidirectionalLstmStackTokens() => TokenClassesAtEveryStep(nameof(BatchBiLstmL2TokenCe), new BatchBiLstmL2TokenCe());

    [Fact]
    public void BidirectionalGruDenseLastStep() => DenseValues(nameof(BatchBiGruDenseSeLast), new BatchBiGruDenseSeLast(), BatchBiGruDenseSeLast.Output, lastStep: true);

    /// <summary>A dense squared-error model: the loss twice (Forward, Backward), the gradients, the outputs at valid positions (all of them at the last step).</summary>
    private static void DenseValues(string name, IBatchModel<float, float, float> model, int output, bool lastStep)
    {
        JsonElement root = Load(name, out Stream weights);
        model.LoadWeights(weights);
        float[] inputs = Floats(root, "inputs"), targets = Floats(root, "targets");
        int[] lengths = Ints(root, "lengths");
        Close(root.GetProperty("loss").GetDouble(), model.Forward(inputs, targets, lengths), "loss");
        Close(root.GetProperty("loss").GetDouble(), model.Backward(inputs, targets, lengths), "Backward's loss");
        Gradients(name, model.SaveGradients);
        var outputs = new float[targets.Length];
        Assert.Equal(outputs.Length, model.Predict(inputs, lengths, outputs));
        bool[] valid = root.GetProperty("valid").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        float[] expected = Floats(root, "predictions");
        for (int i = 0; i < outputs.Length; i++)
        {
            if (lastStep || valid[i / output]) Close(expected[i], outputs[i], $"output {i}");
        }
    }

    /// <summary>A token model with a class at every step: the loss twice (Forward, Backward), the gradients, the valid predictions.</summary>
    private static void TokenClassesAtEveryStep(string name, IBatchModel<float, int, int> model)
    {
        JsonElement root = Load(name, out Stream weights);
        model.LoadWeights(weights);
        int[] inputs = Ints(root, "inputs"), targets = Ints(root, "targets"), lengths = Ints(root, "lengths");
        Close(root.GetProperty("loss").GetDouble(), model.Forward(inputs, targets, lengths), "loss");
        Close(root.GetProperty("loss").GetDouble(), model.Backward(inputs, targets, lengths), "Backward's loss");
        Gradients(name, model.SaveGradients);
        var classes = new int[targets.Length];
        Assert.Equal(classes.Length, model.Predict(inputs, lengths, classes));
        bool[] valid = root.GetProperty("valid").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        int[] expected = Ints(root, "predictions");
        for (int i = 0; i < classes.Length; i++)
        {
            if (valid[i]) Assert.Equal(expected[i], classes[i]);
        }
    }

    /// <summary>The gradients Backward added (from zero: a new model's), against autograd's, bounded as PyTorchParityTests bounds them.</summary>
    private static void Gradients(string name, Action<Stream> save)
    {
        var stream = new MemoryStream();
        save(stream);
        PyTorchParityTests.GradientsMatch(name, stream.ToArray(), Path.Combine(Fixtures, name + ".grads.safetensors"), 1e-4);
    }

    private static JsonElement Load(string name, out Stream weights)
    {
        weights = new MemoryStream(File.ReadAllBytes(Path.Combine(Fixtures, name + ".weights.safetensors")));
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json"))).RootElement;
    }

    private static int[] Ints(JsonElement root, string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static float[] Floats(JsonElement root, string name) => root.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{what}: RnnGen {actual}, PyTorch {expected}");
}
