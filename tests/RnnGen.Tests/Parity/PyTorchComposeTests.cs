using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests.Parity;

/// <summary>
/// Gradients that compose, against PyTorch 1.13's autograd (tools/pytorch/make_fixtures.py, COMPOSE_TABLE): Backward
/// from a given initial state, with a gradient of what follows with respect to the final state, must give PyTorch's
/// parameter gradients, the final state, and the gradient with respect to the initial state (<c>h0.grad</c>,
/// <c>c0.grad</c>); for dense models given the caller's dL/dy instead of a loss, also dL/dx (<c>x.grad</c>). Full and
/// truncated BPTT, stacked, projected, sequence-to-one, an embedding layer, single and double precision.
/// </summary>
public class PyTorchComposeTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures", "Compose");

    private delegate TLoss Composed<TState, TLoss>(ref TState state, ref TState stateGradient);

    private delegate Span<T> StatePart<TState, T>(ref TState state, string part);

    /// <summary>One fixture's run: the loss, the gradients file, and what the state, its gradient and the input gradient hold.</summary>
    private sealed record Outcome(double Loss, byte[] Gradients, Dictionary<string, double[]> Final, Dictionary<string, double[]> StateGradient, double[]? InputGradient);

    private static readonly Dictionary<string, Func<string, JsonElement, Outcome>> Models = new()
    {
        [nameof(ComposeLstmL2DenseSe)] = (name, root) =>
        {
            var m = new ComposeLstmL2DenseSe();
            float[] x = Floats(root, "inputs"), y = Floats(root, "targets");
            return Run<ComposeLstmL2DenseSe.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeLstmL2DenseSe.State s, ref ComposeLstmL2DenseSe.State g) => m.Backward(x, y, ref s, ref g),
                (ref ComposeLstmL2DenseSe.State s, string p) => p[0] == 'h' ? s.HiddenOf(p[1] - '0') : s.CellOf(p[1] - '0'));
        },
        [nameof(ComposeLstmL2DenseSeT2)] = (name, root) =>
        {
            var m = new ComposeLstmL2DenseSeT2();
            float[] x = Floats(root, "inputs"), y = Floats(root, "targets");
            return Run<ComposeLstmL2DenseSeT2.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeLstmL2DenseSeT2.State s, ref ComposeLstmL2DenseSeT2.State g) => m.Backward(x, y, ref s, ref g),
                (ref ComposeLstmL2DenseSeT2.State s, string p) => p[0] == 'h' ? s.HiddenOf(p[1] - '0') : s.CellOf(p[1] - '0'));
        },
        [nameof(ComposeGruTokenCeT3)] = (name, root) =>
        {
            var m = new ComposeGruTokenCeT3();
            int[] x = Ints(root, "inputs"), y = Ints(root, "targets");
            return Run<ComposeGruTokenCeT3.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeGruTokenCeT3.State s, ref ComposeGruTokenCeT3.State g) => m.Backward(x, y, ref s, ref g),
                (ref ComposeGruTokenCeT3.State s, string p) => s.Hidden);
        },
        [nameof(ComposeVanillaDenseCeLast)] = (name, root) =>
        {
            var m = new ComposeVanillaDenseCeLast();
            float[] x = Floats(root, "inputs");
            int[] y = Ints(root, "targets");
            return Run<ComposeVanillaDenseCeLast.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeVanillaDenseCeLast.State s, ref ComposeVanillaDenseCeLast.State g) => m.Backward(x, y, ref s, ref g),
                (ref ComposeVanillaDenseCeLast.State s, string p) => s.Hidden);
        },
        [nameof(ComposeLstmP3TokenSeLastT3)] = (name, root) =>
        {
            var m = new ComposeLstmP3TokenSeLastT3();
            int[] x = Ints(root, "inputs");
            float[] y = Floats(root, "targets");
            return Run<ComposeLstmP3TokenSeLastT3.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeLstmP3TokenSeLastT3.State s, ref ComposeLstmP3TokenSeLastT3.State g) => m.Backward(x, y, ref s, ref g),
                (ref ComposeLstmP3TokenSeLastT3.State s, string p) => p[0] == 'h' ? s.Hidden : s.Cell);
        },
        [nameof(ComposeEmbGruL2TokenCeT2)] = (name, root) =>
        {
            var m = new ComposeEmbGruL2TokenCeT2();
            int[] x = Ints(root, "inputs"), y = Ints(root, "targets");
            return Run<ComposeEmbGruL2TokenCeT2.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeEmbGruL2TokenCeT2.State s, ref ComposeEmbGruL2TokenCeT2.State g) => m.Backward(x, y, ref s, ref g),
                (ref ComposeEmbGruL2TokenCeT2.State s, string p) => s.HiddenOf(p[1] - '0'));
        },
        [nameof(ComposeGruL2DenseExternal)] = (name, root) =>
        {
            var m = new ComposeGruL2DenseExternal();
            float[] x = Floats(root, "inputs"), dy = Floats(root, "targets"), dx = new float[x.Length + 2];
            return Run<ComposeGruL2DenseExternal.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeGruL2DenseExternal.State s, ref ComposeGruL2DenseExternal.State g) => { m.Backward(x, dy, dx, ref s, ref g); return 0f; },
                (ref ComposeGruL2DenseExternal.State s, string p) => s.HiddenOf(p[1] - '0'), dx, x.Length);
        },
        [nameof(ComposeLstmDenseExternalT2)] = (name, root) =>
        {
            var m = new ComposeLstmDenseExternalT2();
            float[] x = Floats(root, "inputs"), dy = Floats(root, "targets"), dx = new float[x.Length];
            return Run<ComposeLstmDenseExternalT2.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeLstmDenseExternalT2.State s, ref ComposeLstmDenseExternalT2.State g) => { m.Backward(x, dy, dx, ref s, ref g); return 0f; },
                (ref ComposeLstmDenseExternalT2.State s, string p) => p[0] == 'h' ? s.Hidden : s.Cell, dx, x.Length);
        },
        [nameof(ComposeLstmP3L2DenseExternalLast)] = (name, root) =>
        {
            var m = new ComposeLstmP3L2DenseExternalLast();
            float[] x = Floats(root, "inputs"), dy = Floats(root, "targets"), dx = new float[x.Length];
            return Run<ComposeLstmP3L2DenseExternalLast.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeLstmP3L2DenseExternalLast.State s, ref ComposeLstmP3L2DenseExternalLast.State g) => { m.Backward(x, dy, dx, ref s, ref g); return 0f; },
                (ref ComposeLstmP3L2DenseExternalLast.State s, string p) => p[0] == 'h' ? s.HiddenOf(p[1] - '0') : s.CellOf(p[1] - '0'), dx, x.Length);
        },
        [nameof(ComposeVanillaL2DenseExternalDouble)] = (name, root) =>
        {
            var m = new ComposeVanillaL2DenseExternalDouble();
            double[] x = Doubles(root, "inputs"), dy = Doubles(root, "targets"), dx = new double[x.Length];
            return Run<ComposeVanillaL2DenseExternalDouble.State, double>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeVanillaL2DenseExternalDouble.State s, ref ComposeVanillaL2DenseExternalDouble.State g) => { m.Backward(x, dy, dx, ref s, ref g); return 0d; },
                (ref ComposeVanillaL2DenseExternalDouble.State s, string p) => s.HiddenOf(p[1] - '0'), dx, x.Length);
        },
        [nameof(ComposeFeedbackDenseSe)] = (name, root) =>
        {
            var m = new ComposeFeedbackDenseSe();
            float[] x = Floats(root, "inputs"), y = Floats(root, "targets");
            return Run<ComposeFeedbackDenseSe.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeFeedbackDenseSe.State s, ref ComposeFeedbackDenseSe.State g) => Feedback(m.Backward(x, y, ref s, ref g), g.Hidden),
                (ref ComposeFeedbackDenseSe.State s, string p) => s.Feedback);
        },
        [nameof(ComposeFeedbackTokenCeT2)] = (name, root) =>
        {
            var m = new ComposeFeedbackTokenCeT2();
            int[] x = Ints(root, "inputs"), y = Ints(root, "targets");
            return Run<ComposeFeedbackTokenCeT2.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeFeedbackTokenCeT2.State s, ref ComposeFeedbackTokenCeT2.State g) => Feedback(m.Backward(x, y, ref s, ref g), g.Hidden),
                (ref ComposeFeedbackTokenCeT2.State s, string p) => s.Feedback);
        },
        [nameof(ComposeFeedbackDenseExternal)] = (name, root) =>
        {
            var m = new ComposeFeedbackDenseExternal();
            float[] x = Floats(root, "inputs"), dy = Floats(root, "targets"), dx = new float[x.Length];
            return Run<ComposeFeedbackDenseExternal.State, float>(m.LoadWeights, m.ZeroGradients, m.SaveGradients, name, root,
                (ref ComposeFeedbackDenseExternal.State s, ref ComposeFeedbackDenseExternal.State g) => { m.Backward(x, dy, dx, ref s, ref g); return Feedback(0f, g.Hidden); },
                (ref ComposeFeedbackDenseExternal.State s, string p) => s.Feedback, dx, x.Length);
        },
    };

    /// <summary>With output recurrence the initial h feeds nothing: its part of the returned gradient must be zero.</summary>
    private static float Feedback(float loss, Span<float> hiddenGradient)
    {
        Assert.All(hiddenGradient.ToArray(), v => Assert.Equal(0f, v));
        return loss;
    }

    public static TheoryData<string> Names => new(Models.Keys);

    [Fact]
    public void EveryFixtureHasAModel()
    {
        string[] fixtures = Directory.GetFiles(Fixtures, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToArray();
        Assert.Equal(Models.Keys.Order().ToArray(), fixtures);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientsThroughTheInitialStateTheInputsAndTheParametersMatchPyTorch(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json")));
        JsonElement root = json.RootElement;
        JsonElement declaration = root.GetProperty("declaration");
        bool external = declaration.GetProperty("mode").GetString() == "external";
        // As PyTorchParityTests: float rounding on both sides (within 1e-4 of the scale below), or binary64 on both.
        double tolerance = declaration.TryGetProperty("precision", out JsonElement p) && p.GetString() == "double" ? 1e-12 : 1e-4;
        Outcome outcome = Models[name](name, root);

        if (!external)
        {
            double expectedLoss = root.GetProperty("loss").GetDouble();
            Assert.True(Math.Abs(outcome.Loss - expectedLoss) <= tolerance * Math.Abs(expectedLoss), $"{name}: loss {outcome.Loss:R}, PyTorch {expectedLoss:R}");
        }

        var ours = TensorFile.Read(outcome.Gradients);
        var torch = TensorFile.Read(File.ReadAllBytes(Path.Combine(Fixtures, name + ".grads.safetensors")));
        Assert.Equal(torch.Keys.Order(), ours.Keys.Order());
        foreach ((string tensor, (_, double[] expected)) in torch)
        {
            Close($"{name}: {tensor}", expected, ours[tensor].Values, tolerance);
        }

        foreach ((string part, double[] expected) in Parts(root, "final"))
        {
            Close($"{name}: final state {part}", expected, outcome.Final[part], tolerance);
        }

        // The gradient of the initial state: the one the fixtures exist for. Scaled by every part's largest, as a
        // part that no loss reaches (a late sequence-to-one window) is zero.
        double scale = Parts(root, "initial_state_gradient").Values.SelectMany(v => v).Max(Math.Abs);
        foreach ((string part, double[] expected) in Parts(root, "initial_state_gradient"))
        {
            Close($"{name}: initial state gradient {part}", expected, outcome.StateGradient[part], tolerance, scale);
        }

        if (external)
        {
            Close($"{name}: input gradient", Doubles(root, "input_gradient"), outcome.InputGradient!, tolerance);
        }
    }

    [Fact]
    public void AStateGradientOfZeroAddsNothingToTheParametersGradients()
    {
        // Backward with a zero downstream gradient is the carried Backward (detached state), plus dL/dh0.
        var model = new ComposeLstmL2DenseSeT2();
        model.Initialize(5);
        float[] x = Enumerable.Range(0, 27).Select(i => MathF.Sin(i)).ToArray(), y = Enumerable.Range(0, 18).Select(i => MathF.Cos(i)).ToArray();
        var start = default(ComposeLstmL2DenseSeT2.State);
        start.HiddenOf(1).Fill(0.3f);
        var state = start;
        model.ZeroGradients();
        float loss = model.Backward(x, y, ref state);
        float[] carried = model.Gradients.ToArray();

        var composed = start;
        var gradient = default(ComposeLstmL2DenseSeT2.State);
        model.ZeroGradients();
        Assert.Equal(loss, model.Backward(x, y, ref composed, ref gradient));
        Assert.Equal(carried, model.Gradients.ToArray());
        Assert.Equal(state.HiddenOf(0).ToArray(), composed.HiddenOf(0).ToArray());
        Assert.Contains(gradient.HiddenOf(1).ToArray(), v => v != 0);
    }

    [Fact]
    public void ExternalGradientsAreCheckedBeforeAnythingChanges()
    {
        var model = new ComposeGruL2DenseExternal();
        float[] before = model.Parameters.ToArray();
        var state = default(ComposeGruL2DenseExternal.State);
        var gradient = default(ComposeGruL2DenseExternal.State);
        float[] x = new float[4 * 3];
        var e = Assert.Throws<ArgumentException>(() => model.Backward(x, new float[7], new float[12], ref state, ref gradient));
        Assert.Equal("outputGradient", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => model.Backward(x, new float[8], new float[11], ref state, ref gradient));
        Assert.Equal("inputGradient", e.ParamName);
        Assert.Contains("Input = 3", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.All(model.Gradients.ToArray(), g => Assert.Equal(0, g));
    }

    [Fact]
    public void ComposedBackwardAllocatesNothing()
    {
        var model = new ComposeLstmDenseExternalT2();
        float[] x = new float[8 * 3], dy = new float[8 * 2], dx = new float[8 * 3], targets = new float[8 * 2];
        var state = default(ComposeLstmDenseExternalT2.State);
        var gradient = default(ComposeLstmDenseExternalT2.State);
        foreach (Action call in new Action[] { () => model.Backward(x, dy, dx, ref state, ref gradient), () => model.Backward(x, targets, ref state, ref gradient) })
        {
            Assert.Equal(0, Allocations.Least(call));
        }
    }

    private static Outcome Run<TState, T>(Action<Stream> load, Action zero, Action<Stream> saveGradients, string name, JsonElement root,
        Composed<TState, T> backward, StatePart<TState, T> part, T[]? inputGradient = null, int inputLength = 0)
        where TState : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        load(new MemoryStream(File.ReadAllBytes(Path.Combine(Fixtures, name + ".weights.safetensors"))));
        zero();
        TState state = default, gradient = default;
        foreach ((string key, double[] values) in Parts(root, "state")) Fill(part(ref state, key), values);
        foreach ((string key, double[] values) in Parts(root, "state_gradient")) Fill(part(ref gradient, key), values);
        if (inputGradient is not null)
        {
            inputGradient.AsSpan().Fill(T.CreateChecked(42)); // every value is written; a longer span keeps the rest
        }

        double loss = double.CreateChecked(backward(ref state, ref gradient));
        var gradients = new MemoryStream();
        saveGradients(gradients);
        var final = new Dictionary<string, double[]>();
        var initial = new Dictionary<string, double[]>();
        foreach (string key in Parts(root, "state").Keys)
        {
            final[key] = part(ref state, key).ToArray().Select(double.CreateChecked).ToArray();
            initial[key] = part(ref gradient, key).ToArray().Select(double.CreateChecked).ToArray();
        }

        double[]? dx = null;
        if (inputGradient is not null)
        {
            Assert.All(inputGradient.Skip(inputLength), v => Assert.Equal(T.CreateChecked(42), v));
            dx = inputGradient.Take(inputLength).Select(double.CreateChecked).ToArray();
        }

        return new Outcome(loss, gradients.ToArray(), final, initial, dx);
    }

    private static void Fill<T>(Span<T> destination, double[] values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Assert.Equal(values.Length, destination.Length);
        for (int i = 0; i < values.Length; i++) destination[i] = T.CreateChecked(values[i]);
    }

    /// <summary>Relative to the larger of each value and 1 % of the tensor's largest (or of <paramref name="scale"/>).</summary>
    private static void Close(string what, double[] expected, double[] actual, double tolerance, double? scale = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = scale ?? expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(Math.Abs(expected[i]), 0.01 * largest) + 1e-30,
                $"{what}[{i}] = {actual[i]:R}, PyTorch {expected[i]:R}");
        }
    }

    private static Dictionary<string, double[]> Parts(JsonElement root, string property) =>
        root.GetProperty(property).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetDouble()).ToArray());

    private static double[] Doubles(JsonElement root, string property) => root.GetProperty(property).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static float[] Floats(JsonElement root, string property) => root.GetProperty(property).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static int[] Ints(JsonElement root, string property) => root.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
