using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnGen.IO;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests.Parity;

/// <summary>
/// The generated models against PyTorch 1.13's autograd, on fixtures made by
/// tools/pytorch/make_fixtures.py: PyTorch's state_dict goes in through LoadWeights exactly as a user's
/// would, and the summed loss and every parameter's gradient must agree.
/// </summary>
public class PyTorchParityTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures");

    private static readonly Dictionary<string, Func<object>> Models = new()
    {
        [nameof(VanillaTanhTokenCe)] = () => new VanillaTanhTokenCe(),
        [nameof(VanillaTanhTokenCeT2)] = () => new VanillaTanhTokenCeT2(),
        [nameof(VanillaReluTokenCeT3)] = () => new VanillaReluTokenCeT3(),
        [nameof(VanillaTanhDenseSe)] = () => new VanillaTanhDenseSe(),
        [nameof(VanillaReluDenseCeLastT3)] = () => new VanillaReluDenseCeLastT3(),
        [nameof(LstmTokenCe)] = () => new LstmTokenCe(),
        [nameof(LstmTokenCeT2)] = () => new LstmTokenCeT2(),
        [nameof(LstmDenseSe)] = () => new LstmDenseSe(),
        [nameof(LstmDenseCeLastT3)] = () => new LstmDenseCeLastT3(),
        [nameof(LstmTokenSeLast)] = () => new LstmTokenSeLast(),
        [nameof(GruTokenCe)] = () => new GruTokenCe(),
        [nameof(GruTokenCeT2)] = () => new GruTokenCeT2(),
        [nameof(GruDenseSeT2)] = () => new GruDenseSeT2(),
        [nameof(GruDenseCeLast)] = () => new GruDenseCeLast(),
        [nameof(FeedbackDenseSe)] = () => new FeedbackDenseSe(),
        [nameof(FeedbackTokenCeT2)] = () => new FeedbackTokenCeT2(),
        [nameof(VanillaL2TokenCeT3)] = () => new VanillaL2TokenCeT3(),
        [nameof(VanillaL3DenseSe)] = () => new VanillaL3DenseSe(),
        [nameof(LstmL2TokenCe)] = () => new LstmL2TokenCe(),
        [nameof(LstmL2DenseSeT2)] = () => new LstmL2DenseSeT2(),
        [nameof(LstmL3TokenCeLastT3)] = () => new LstmL3TokenCeLastT3(),
        [nameof(GruL2DenseCeT2)] = () => new GruL2DenseCeT2(),
        [nameof(GruL3TokenSe)] = () => new GruL3TokenSe(),
        [nameof(LstmP3TokenCe)] = () => new LstmP3TokenCe(),
        [nameof(LstmP5L2DenseSeT2)] = () => new LstmP5L2DenseSeT2(),
        [nameof(LstmP3L2TokenCeLastT3)] = () => new LstmP3L2TokenCeLastT3(),
        [nameof(BiVanillaTokenCe)] = () => new BiVanillaTokenCe(),
        [nameof(BiLstmL2DenseSe)] = () => new BiLstmL2DenseSe(),
        [nameof(BiGruL2TokenCeLast)] = () => new BiGruL2TokenCeLast(),
        [nameof(BiLstmP3L3DenseCeLast)] = () => new BiLstmP3L3DenseCeLast(),
        [nameof(LstmPanelDenseSeT2)] = () => new LstmPanelDenseSeT2(),
        [nameof(GruPanelTokenCe)] = () => new GruPanelTokenCe(),
        [nameof(VanillaPanelDenseCeLast)] = () => new VanillaPanelDenseCeLast(),
        [nameof(BiLstmP48PanelDenseSe)] = () => new BiLstmP48PanelDenseSe(),
        [nameof(FeedbackPanelTokenCeT2)] = () => new FeedbackPanelTokenCeT2(),
    };

    public static TheoryData<string> Names => new(Models.Keys);

    [Fact]
    public void EveryFixtureHasAModel()
    {
        string[] fixtures = Directory.GetFiles(Fixtures, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToArray();
        Assert.Equal(Models.Keys.Order().ToArray(), fixtures);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void LossAndEveryGradientMatchPyTorch(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json")));
        JsonElement root = json.RootElement;
        byte[] weights = File.ReadAllBytes(Path.Combine(Fixtures, name + ".weights.safetensors"));
        double expectedLoss = root.GetProperty("loss").GetDouble();

        (double loss, byte[] gradients) = Models[name]() switch
        {
            IRnnModel<float, int, int> m => Run(m, weights, Ints(root, "inputs"), Ints(root, "targets")),
            IRnnModel<float, float, int> m => Run(m, weights, Floats(root, "inputs"), Ints(root, "targets")),
            IRnnModel<float, int, float> m => Run(m, weights, Ints(root, "inputs"), Floats(root, "targets")),
            IRnnModel<float, float, float> m => Run(m, weights, Floats(root, "inputs"), Floats(root, "targets")),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-4 * Math.Abs(expectedLoss), $"{name}: loss {loss:R}, PyTorch {expectedLoss:R}");

        var ours = TensorFile.Read(gradients);
        var torch = TensorFile.Read(File.ReadAllBytes(Path.Combine(Fixtures, name + ".grads.safetensors")));
        Assert.Equal(torch.Keys.Order(), ours.Keys.Order());
        foreach ((string tensor, (long[] shape, double[] expected)) in torch)
        {
            (long[] ourShape, double[] actual) = ours[tensor];
            Assert.Equal(shape, ourShape);
            // Relative to the tensor's largest gradient: entries that cancel to near zero carry the
            // rounding of their terms, not of their own size.
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * Math.Max(Math.Abs(expected[i]), 0.01 * scale),
                    $"{name}: {tensor}[{i}] = {actual[i]:R}, PyTorch {expected[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PyTorchWeightsSaveAndLoadBackBitForBit(string name)
    {
        byte[] weights = File.ReadAllBytes(Path.Combine(Fixtures, name + ".weights.safetensors"));
        var model = (dynamic)Models[name]();
        model.LoadWeights(new MemoryStream(weights));
        var saved = new MemoryStream();
        model.SaveWeights(saved);

        // Exactly PyTorch's tensors come back: the same names (nothing missing, nothing added), shapes, element
        // type (F32 from a float model, F64 from a double one) and values.
        SafeTensorsHeader originalHeader = SafeTensorsHeader.Read(new MemoryStream(weights));
        SafeTensorsHeader savedHeader = SafeTensorsHeader.Read(new MemoryStream(saved.ToArray()));
        Assert.Equal(
            originalHeader.Tensors.Select(t => $"{t.Name} {t.DType} [{string.Join(", ", t.Shape.ToArray())}]").Order(),
            savedHeader.Tensors.Select(t => $"{t.Name} {t.DType} [{string.Join(", ", t.Shape.ToArray())}]").Order());
        var original = TensorFile.Read(weights);
        var again = TensorFile.Read(saved.ToArray());
        foreach ((string tensor, (long[] shape, double[] values)) in original)
        {
            Assert.Equal(shape, again[tensor].Shape);
            Assert.Equal(values, again[tensor].Values);
        }
    }

    private static (double Loss, byte[] Gradients) Run<TInput, TTarget>(IRnnModel<float, TInput, TTarget> model, byte[] weights, TInput[] inputs, TTarget[] targets)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        model.LoadWeights(new MemoryStream(weights));
        model.ZeroGradients();
        double loss = model.Backward(inputs, targets);
        var stream = new MemoryStream();
        model.SaveGradients(stream);
        return (loss, stream.ToArray());
    }

    private static int[] Ints(JsonElement root, string property) =>
        root.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static float[] Floats(JsonElement root, string property) =>
        root.GetProperty(property).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
