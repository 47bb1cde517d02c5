using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text.Json;

namespace RnnGen.Tests.Parity;

/// <summary>
/// Streaming <c>Step</c> against PyTorch 1.13, on fixtures made by tools/pytorch/make_fixtures.py (its STEP_TABLE):
/// the module runs a sequence whole, from the zero state and from a given state; Step, called once per step
/// from the same state, must give the module's output at every step and its final state.
/// </summary>
public class PyTorchStreamingTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures", "Step");

    private delegate void Stepper<TState, T>(ref TState state, int step, Span<T> output);

    /// <summary>The part of a state the fixture names: h0, c0, h1, ... (layer), or y (the fed-back output).</summary>
    private delegate Span<T> StatePart<TState, T>(ref TState state, string part);

    private static readonly Dictionary<string, Action<string, JsonElement, string>> Models = new()
    {
        [nameof(LstmP3L2DenseStep)] = (name, root, start) =>
        {
            var model = new LstmP3L2DenseStep();
            float[] inputs = Values<float>(root.GetProperty("inputs"));
            Check(model.LoadWeights, name, root, start, LstmP3L2DenseStep.Output,
                (ref LstmP3L2DenseStep.State s, int t, Span<float> y) => model.Step(ref s, inputs.AsSpan(t * LstmP3L2DenseStep.Input, LstmP3L2DenseStep.Input), y),
                (ref LstmP3L2DenseStep.State s, string part) => part[0] == 'h' ? s.HiddenOf(part[1] - '0') : s.CellOf(part[1] - '0'));
        },
        [nameof(GruL2TokenStep)] = (name, root, start) =>
        {
            var model = new GruL2TokenStep();
            int[] inputs = Tokens(root);
            Check(model.LoadWeights, name, root, start, GruL2TokenStep.Output,
                (ref GruL2TokenStep.State s, int t, Span<float> y) => model.Step(ref s, inputs[t], y),
                (ref GruL2TokenStep.State s, string part) => s.HiddenOf(part[1] - '0'));
        },
        [nameof(VanillaReluDenseStep)] = (name, root, start) =>
        {
            var model = new VanillaReluDenseStep();
            float[] inputs = Values<float>(root.GetProperty("inputs"));
            Check(model.LoadWeights, name, root, start, VanillaReluDenseStep.Output,
                (ref VanillaReluDenseStep.State s, int t, Span<float> y) => model.Step(ref s, inputs.AsSpan(t * VanillaReluDenseStep.Input, VanillaReluDenseStep.Input), y),
                (ref VanillaReluDenseStep.State s, string part) => s.Hidden);
        },
        [nameof(FeedbackTokenStep)] = (name, root, start) =>
        {
            var model = new FeedbackTokenStep();
            int[] inputs = Tokens(root);
            Check(model.LoadWeights, name, root, start, FeedbackTokenStep.Output,
                (ref FeedbackTokenStep.State s, int t, Span<float> y) => model.Step(ref s, inputs[t], y),
                (ref FeedbackTokenStep.State s, string part) => s.Feedback);
        },
        [nameof(LstmPanelDenseStep)] = (name, root, start) =>
        {
            var model = new LstmPanelDenseStep();
            float[] inputs = Values<float>(root.GetProperty("inputs"));
            Check(model.LoadWeights, name, root, start, LstmPanelDenseStep.Output,
                (ref LstmPanelDenseStep.State s, int t, Span<float> y) => model.Step(ref s, inputs.AsSpan(t * LstmPanelDenseStep.Input, LstmPanelDenseStep.Input), y),
                (ref LstmPanelDenseStep.State s, string part) => part[0] == 'h' ? s.Hidden : s.Cell);
        },
        [nameof(LstmP3L2DenseStepDouble)] = (name, root, start) =>
        {
            var model = new LstmP3L2DenseStepDouble();
            double[] inputs = Values<double>(root.GetProperty("inputs"));
            Check(model.LoadWeights, name, root, start, LstmP3L2DenseStepDouble.Output,
                (ref LstmP3L2DenseStepDouble.State s, int t, Span<double> y) => model.Step(ref s, inputs.AsSpan(t * LstmP3L2DenseStepDouble.Input, LstmP3L2DenseStepDouble.Input), y),
                (ref LstmP3L2DenseStepDouble.State s, string part) => part[0] == 'h' ? s.HiddenOf(part[1] - '0') : s.CellOf(part[1] - '0'));
        },
        [nameof(EmbLstmL2TokenStep)] = (name, root, start) =>
        {
            var model = new EmbLstmL2TokenStep();
            int[] inputs = Tokens(root);
            Check(model.LoadWeights, name, root, start, EmbLstmL2TokenStep.Output,
                (ref EmbLstmL2TokenStep.State s, int t, Span<float> y) => model.Step(ref s, inputs[t], y),
                (ref EmbLstmL2TokenStep.State s, string part) => part[0] == 'h' ? s.HiddenOf(part[1] - '0') : s.CellOf(part[1] - '0'));
        },
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string name in Models.Keys)
        {
            cases.Add(name, "zero");
            cases.Add(name, "given");
        }

        return cases;
    }

    [Fact]
    public void EveryFixtureHasAModel()
    {
        string[] fixtures = Directory.GetFiles(Fixtures, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order().ToArray();
        Assert.Equal(Models.Keys.Order().ToArray(), fixtures);
    }

    /// <param name="name">The fixture and model.</param>
    /// <param name="start">"zero": from <c>default(State)</c>; "given": from the state the fixture gives.</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public void StepByStepGivesPyTorchsOutputsAndFinalState(string name, string start)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json")));
        Models[name](name, json.RootElement, start);
    }

    private static void Check<TState, T>(Action<Stream> load, string name, JsonElement root, string start, int output, Stepper<TState, T> step, StatePart<TState, T> part)
        where TState : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using (FileStream weights = File.OpenRead(Path.Combine(Fixtures, name + ".weights.safetensors")))
        {
            load(weights);
        }

        JsonElement run = root.GetProperty(start);

        // The reference is computed in float64 on the model's own values (its float32 weights and inputs, or its
        // doubles), so what differs is the model's rounding alone. A float model's outputs (of order 0.1 to 1, after
        // 9 steps of products of length 5 to 64) within 2e-6 of the largest output, 34 roundings of 6e-8 (observed
        // with AVX-512: at most 2.2e-7); a double model's within 1e-13 (observed: 2.4e-16).
        double tolerance = typeof(T) == typeof(float) ? 2e-6 : 1e-13;

        TState state = default;
        foreach (JsonProperty given in run.GetProperty("state").EnumerateObject())
        {
            T[] values = Values<T>(given.Value);
            Span<T> destination = part(ref state, given.Name);
            Assert.Equal(values.Length, destination.Length);
            values.CopyTo(destination);
        }

        double[] expected = Values<double>(run.GetProperty("outputs"));
        double scale = expected.Max(Math.Abs);
        var y = new T[output];
        int steps = expected.Length / output;
        for (int t = 0; t < steps; t++)
        {
            step(ref state, t, y);
            for (int j = 0; j < output; j++)
            {
                double actual = double.CreateChecked(y[j]);
                Assert.True(Math.Abs(actual - expected[t * output + j]) <= tolerance * scale,
                    $"{name} from the {start} state: step {t}, output {j} = {actual:R}, PyTorch {expected[t * output + j]:R}");
            }
        }

        // The state after the last step is PyTorch's final state, part by part (each h within the same rounding;
        // an LSTM's c, which sums along the sequence, relative to its own largest value).
        foreach (JsonProperty final in run.GetProperty("final").EnumerateObject())
        {
            double[] values = Values<double>(final.Value);
            Span<T> actual = part(ref state, final.Name);
            Assert.Equal(values.Length, actual.Length);
            double partScale = Math.Max(values.Max(Math.Abs), scale);
            for (int i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(double.CreateChecked(actual[i]) - values[i]) <= tolerance * partScale,
                    $"{name} from the {start} state: final {final.Name}[{i}] = {actual[i]}, PyTorch {values[i]:R}");
            }
        }
    }

    private static int[] Tokens(JsonElement root) => root.GetProperty("inputs").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static T[] Values<T>(JsonElement array)
        where T : IFloatingPointIeee754<T> =>
        array.EnumerateArray().Select(e => T.CreateChecked(e.GetDouble())).ToArray();
}
