using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using RnnGen.IO;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests.Parity;

/// <summary>
/// The generated models against PyTorch 1.13's autograd, on fixtures made by
/// tools/pytorch/make_fixtures.py: PyTorch's state_dict goes in through LoadWeights exactly as a user's
/// would, and the summed loss and every parameter's gradient must agree. Single and double precision; dropout
/// between layers with the masks RnnGen draws for a recorded <c>DropoutRandom</c> seed; class-id targets of -100,
/// which PyTorch's <c>cross_entropy(..., ignore_index=-100, reduction="sum")</c> leaves out.
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
        [nameof(LstmP4PanelHeadTokenCe)] = () => new LstmP4PanelHeadTokenCe(),
        [nameof(LstmP3L2DenseSeT2Double)] = () => new LstmP3L2DenseSeT2Double(),
        [nameof(BiGruL2TokenCeLastDouble)] = () => new BiGruL2TokenCeLastDouble(),
        [nameof(FeedbackTokenCeT2Double)] = () => new FeedbackTokenCeT2Double(),
        [nameof(LstmP3L3DenseSeDrop)] = () => new LstmP3L3DenseSeDrop(),
        [nameof(GruL3TokenCeT2Drop)] = () => new GruL3TokenCeT2Drop(),
        [nameof(BiVanillaReluL2TokenCeLastDrop)] = () => new BiVanillaReluL2TokenCeLastDrop(),
        [nameof(LstmL2DenseSeDoubleDrop)] = () => new LstmL2DenseSeDoubleDrop(),
        [nameof(EmbVanillaTokenCeT2)] = () => new EmbVanillaTokenCeT2(),
        [nameof(EmbLstmTokenCe)] = () => new EmbLstmTokenCe(),
        [nameof(EmbGruL2TokenCeT2)] = () => new EmbGruL2TokenCeT2(),
        [nameof(EmbBiLstmL2TokenCeLast)] = () => new EmbBiLstmL2TokenCeLast(),
        [nameof(EmbLstmP3TokenSeLastT3)] = () => new EmbLstmP3TokenSeLastT3(),
        [nameof(EmbGruTokenCeDouble)] = () => new EmbGruTokenCeDouble(),
        [nameof(LstmTokenCeIgnore)] = () => new LstmTokenCeIgnore(),
        [nameof(GruDenseCeT2Ignore)] = () => new GruDenseCeT2Ignore(),
        [nameof(VanillaTanhTokenCeT3Ignore)] = () => new VanillaTanhTokenCeT3Ignore(),
        [nameof(LstmP3L2TokenCeIgnore)] = () => new LstmP3L2TokenCeIgnore(),
        [nameof(FeedbackTokenCeIgnore)] = () => new FeedbackTokenCeIgnore(),
        [nameof(BiGruL2TokenCeIgnoreDouble)] = () => new BiGruL2TokenCeIgnoreDouble(),
        [nameof(LstmDenseCeLastIgnore)] = () => new LstmDenseCeLastIgnore(),
    };

    /// <summary>
    /// Sets the dropout models' random source. PyTorch cannot draw RnnGen's masks, so the fixture pins them: the
    /// script draws them with a re-implementation of <see cref="RnnRandom"/> from the seed it records, and
    /// <see cref="DropoutFixturesHoldTheMasksRnnRandomDraws"/> checks those draws against RnnRandom itself.
    /// </summary>
    private static readonly Dictionary<string, Action<object, RnnRandom>> DropoutRandoms = new()
    {
        [nameof(LstmP3L3DenseSeDrop)] = (m, random) => ((LstmP3L3DenseSeDrop)m).DropoutRandom = random,
        [nameof(GruL3TokenCeT2Drop)] = (m, random) => ((GruL3TokenCeT2Drop)m).DropoutRandom = random,
        [nameof(BiVanillaReluL2TokenCeLastDrop)] = (m, random) => ((BiVanillaReluL2TokenCeLastDrop)m).DropoutRandom = random,
        [nameof(LstmL2DenseSeDoubleDrop)] = (m, random) => ((LstmL2DenseSeDoubleDrop)m).DropoutRandom = random,
    };

    public static TheoryData<string> Names => new(Models.Keys);

    public static TheoryData<string> DropoutNames => new(DropoutRandoms.Keys);

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
        double expectedLoss = root.GetProperty("loss").GetDouble();
        (double loss, byte[] gradients) = Run(name, root, DropoutSeed(root));

        // Single precision: both sides carry float rounding (most fixtures' reference is PyTorch's own float32
        // computation); observed: losses within 1.8e-7 relative, gradients within 2.9e-5 of the bound's scale below.
        // Double precision: both sides compute in binary64, in different orders; observed within 1.1e-14, and 1e-12
        // fails on any float rounding inside the model (1e-7).
        double tolerance = IsDouble(root) ? 1e-12 : 1e-4;
        Assert.True(Math.Abs(loss - expectedLoss) <= tolerance * Math.Abs(expectedLoss), $"{name}: loss {loss:R}, PyTorch {expectedLoss:R}");

        GradientsMatch(name, gradients, Path.Combine(Fixtures, name + ".grads.safetensors"), tolerance);
    }

    /// <summary>
    /// Our gradients file against autograd's, tensor by tensor, each entry within <paramref name="tolerance"/> of the larger
    /// of its own size and 1 % of its tensor's largest: entries that cancel to near zero carry the rounding of their
    /// terms, not of their own size.
    /// </summary>
    internal static void GradientsMatch(string name, byte[] gradients, string torchFile, double tolerance)
    {
        var ours = TensorFile.Read(gradients);
        var torch = TensorFile.Read(File.ReadAllBytes(torchFile));
        Assert.Equal(torch.Keys.Order(), ours.Keys.Order());
        foreach ((string tensor, (long[] shape, double[] expected)) in torch)
        {
            (long[] ourShape, double[] actual) = ours[tensor];
            Assert.Equal(shape, ourShape);
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(Math.Abs(expected[i]), 0.01 * scale),
                    $"{name}: {tensor}[{i}] = {actual[i]:R}, PyTorch {expected[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(DropoutNames))]
    public void DropoutFixturesHoldTheMasksRnnRandomDraws(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json")));
        JsonElement root = json.RootElement, declaration = root.GetProperty("declaration");
        double p = declaration.GetProperty("dropout").GetDouble();
        int[] kept = Ints(root, "dropout_kept");

        // One draw for each value of h that a layer above the first reads: every direction, every step.
        int features = declaration.GetProperty("projection").GetInt32() is > 0 and int projection ? projection : declaration.GetProperty("hidden").GetInt32();
        int directions = declaration.GetProperty("bidirectional").GetBoolean() ? 2 : 1;
        Assert.Equal((declaration.GetProperty("layers").GetInt32() - 1) * directions * declaration.GetProperty("steps").GetInt32() * features, kept.Length);

        var random = new RnnRandom(DropoutSeed(root)!.Value);
        for (int i = 0; i < kept.Length; i++)
        {
            Assert.Equal(random.NextDouble() >= p ? 1 : 0, kept[i]);
        }

        // Both outcomes occur, so the masks matter to the loss and gradients compared above.
        Assert.Contains(0, kept);
        Assert.Contains(1, kept);
    }

    [Theory]
    [MemberData(nameof(DropoutNames))]
    public void DropoutFixturesFailWithAnotherMask(string name)
    {
        // The fixture pins the mask: with another seed (another mask), what the parity test compares is not
        // PyTorch's. The loss of these small models moves little (0.03 % for one of them), their gradients a lot.
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json")));
        JsonElement root = json.RootElement;
        (double loss, byte[] gradients) = Run(name, root, DropoutSeed(root) + 1);
        double expectedLoss = root.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(loss - expectedLoss) > 1e-4 * Math.Abs(expectedLoss), $"{name}: loss {loss:R} with another mask, PyTorch {expectedLoss:R}");

        var ours = TensorFile.Read(gradients);
        var torch = TensorFile.Read(File.ReadAllBytes(Path.Combine(Fixtures, name + ".grads.safetensors")));
        double largest = torch.Max(t => t.Value.Values.Zip(ours[t.Key].Values, (e, a) => Math.Abs(a - e)).Max() / t.Value.Values.Max(Math.Abs));
        Assert.True(largest > 0.05, $"{name}: with another mask every gradient is within {largest:P1} of its tensor's largest");
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

    /// <summary>Loads the fixture's weights into its model and returns the model's loss and gradients as safetensors.</summary>
    internal static (double Loss, byte[] Gradients) Run(string name, JsonElement root, ulong? dropoutSeed)
    {
        byte[] weights = File.ReadAllBytes(Path.Combine(Fixtures, name + ".weights.safetensors"));
        object model = Models[name]();
        // After the weights are loaded, just before Backward draws the masks.
        Action prepare = dropoutSeed is { } seed ? () => DropoutRandoms[name](model, new RnnRandom(seed)) : () => { };
        return model switch
        {
            IRnnModel<float, int, int> m => Run(m, weights, Ints(root, "inputs"), Ints(root, "targets"), prepare),
            IRnnModel<float, float, int> m => Run(m, weights, Floats(root, "inputs"), Ints(root, "targets"), prepare),
            IRnnModel<float, int, float> m => Run(m, weights, Ints(root, "inputs"), Floats(root, "targets"), prepare),
            IRnnModel<float, float, float> m => Run(m, weights, Floats(root, "inputs"), Floats(root, "targets"), prepare),
            IRnnModel<double, int, int> m => Run(m, weights, Ints(root, "inputs"), Ints(root, "targets"), prepare),
            IRnnModel<double, double, int> m => Run(m, weights, Doubles(root, "inputs"), Ints(root, "targets"), prepare),
            IRnnModel<double, int, double> m => Run(m, weights, Ints(root, "inputs"), Doubles(root, "targets"), prepare),
            IRnnModel<double, double, double> m => Run(m, weights, Doubles(root, "inputs"), Doubles(root, "targets"), prepare),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };
    }

    private static (double Loss, byte[] Gradients) Run<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, byte[] weights, TInput[] inputs, TTarget[] targets, Action prepare)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        model.LoadWeights(new MemoryStream(weights));
        prepare();
        model.ZeroGradients();
        double loss = double.CreateChecked(model.Backward(inputs, targets));
        var stream = new MemoryStream();
        model.SaveGradients(stream);
        return (loss, stream.ToArray());
    }

    private static bool IsDouble(JsonElement root) =>
        root.GetProperty("declaration").TryGetProperty("precision", out JsonElement precision) && precision.GetString() == "double";

    private static ulong? DropoutSeed(JsonElement root) =>
        root.GetProperty("declaration").TryGetProperty("dropout_seed", out JsonElement seed) ? seed.GetUInt64() : null;

    private static double[] Doubles(JsonElement root, string property) =>
        root.GetProperty(property).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static int[] Ints(JsonElement root, string property) =>
        root.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static float[] Floats(JsonElement root, string property) =>
        root.GetProperty(property).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
