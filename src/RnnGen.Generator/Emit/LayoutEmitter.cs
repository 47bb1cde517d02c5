using System.Globalization;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>Sizes, the flat-array layout, and the PyTorch tensor map, as constants of the network class.</summary>
internal static class LayoutEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        ModelSpec s = ctx.Spec;
        Layout l = ctx.Layout;

        w.Line("// Sizes. Padded widths are whole 64-byte rows, so no SIMD loop has a tail.");
        w.Line($"public const int Hidden = {s.Hidden};");
        w.Line($"public const int HiddenPadded = {l.HiddenPadded};");
        w.Line($"public const int GateWidth = {l.GateWidth}; // {l.Gates} gate(s) x HiddenPadded");
        if (l.RecurrentPanelled)
        {
            w.Line($"public const int RecurrentPanel = {l.RecurrentPanel}; // W_hh is stored as GateWidth / RecurrentPanel contiguous panels of this many columns");
            if (l.SplitsRecurrence)
            {
                w.Line($"public const int HalfUnits = {l.HalfUnits}; // hidden units per thread when the recurrence runs on two");
            }
        }
        if (l.OutputPanelled)
        {
            w.Line($"public const int OutputPanel = {l.OutputPanel}; // W_out is stored as OutputPadded / OutputPanel contiguous panels of this many classes");
        }

        if (l.Projected)
        {
            w.Line($"public const int Features = {l.Features}; // the width of h: the projection (PyTorch proj_size)");
            w.Line($"public const int FeaturesPadded = {l.FeaturesPadded};");
        }

        w.Line(s.TokenInput ? $"public const int Vocab = {s.Vocab};" : $"public const int Input = {s.Input};");
        w.Line($"public const int Output = {s.Output};");
        w.Line($"public const int OutputPadded = {l.OutputPadded};");
        w.Line($"public const int Layers = {s.Layers};");
        w.Line($"public const int MaxSteps = {s.MaxSteps};");
        if (ctx.Dropout)
        {
            w.Line($"public const double Dropout = {s.Dropout.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; // probability of dropping a layer's input in training");
            w.Line($"public const {ctx.T} DropScale = {ctx.Lit(1 / (1 - s.Dropout))}; // 1 / (1 - Dropout): inverted dropout keeps the expected input");
        }

        w.Line($"public const int Truncate = {s.Truncate};");
        w.Line($"public const int StateGradientWidth = {l.StateGradientWidth}; // {(l.FeedsBackOutput ? "dy" : s.Cell == CellKind.Lstm ? "[dh | dc]" : "dh")}");
        string part = s.Cell == CellKind.Lstm ? "h, c" : "h";
        w.Line($"public const int StateLength = {l.StateLength}; // the streaming state: {(s.Layers > 1 ? $"[{part}] per layer" : part)}{(l.FeedsBackOutput ? ", y" : "")}");
        if (s.Cell == CellKind.Lstm)
        {
            w.Line($"public const int StateCell = {ctx.HRow}; // c within a layer's part of the state");
        }

        foreach (LayerLayout layer in l.Layers)
        {
            if (!layer.First && ctx.Streams)
            {
                w.Line($"public const int {layer["State"]} = {layer.StateOffset}; // layer {layer.Index}'s part of the state");
            }
        }

        if (l.FeedsBackOutput)
        {
            w.Line($"public const int StateFeedback = {l.StateLength - l.OutputPadded};");
        }
        w.Line();
        w.Line("// Parameters (and gradients, same layout): one flat array; padding entries stay zero.");
        EmitSegments(w, l.Parameters);
        w.Line($"public const int ParameterLength = {l.ParameterLength};");
        w.Line(s.TokenInput
            ? "public const int DenseParameters = RecurrentWeights; // before it, one input-weight row per token: only the rows of a sequence's tokens get gradients"
            : "public const int DenseParameters = 0; // every parameter gets a gradient from every sequence");
        w.Line($"public const int ParameterCount = {l.ParameterCount}; // as PyTorch counts them, without padding");
        w.Line();
        w.Line("// Workspace: every buffer a call needs, allocated once with the model.");
        EmitSegments(w, l.Workspace);
        w.Line($"public const int WorkspaceLength = {l.WorkspaceLength};");
        w.Line();
        EmitTensors(w, ctx);
    }

    private static void EmitSegments(CodeWriter w, System.Collections.Generic.IReadOnlyList<Segment> segments)
    {
        foreach (Segment segment in segments)
        {
            w.Line($"public const int {segment.Name} = {segment.Offset}; // {segment.Comment}");
        }
    }

    private static void EmitTensors(CodeWriter w, EmitContext ctx)
    {
        ModelSpec s = ctx.Spec;
        Layout l = ctx.Layout;
        string gateRows = l.Gates == 1 ? "Hidden" : $"{l.Gates} * Hidden";
        string gateShape = l.Gates == 1 ? "Hidden" : $"{l.Gates}*Hidden";
        string recurrent = l.FeedsBackOutput ? "Output" : l.Projected ? "Projection" : "Hidden";
        string recurrentSize = recurrent == "Projection" ? "Features" : recurrent;
        string features = (l.Bidirectional ? "2*" : "") + (l.Projected ? "Projection" : "Hidden");
        string featureCount = (l.Bidirectional ? "2 * " : "") + (l.Projected ? "Features" : "Hidden");

        w.Line("/// <summary>PyTorch state_dict tensors, in state_dict order, and where each lives in the flat parameters.</summary>");
        using (w.Open("public static readonly TensorMap[] Tensors =", "};"))
        {
            w.Line($"// name, rows, columns, shape, offset, block rows, block stride, row stride, column stride, init scale (uniform ±scale)[, panel width, panel stride{(l.RecurrentPanels is { PartMajor: true } ? "[, the slot of each panel]" : "")}]");
            foreach (LayerLayout layer in l.Layers)
            {
                string p = layer.PyTorchSuffix, input = layer.First ? layer.InputName : featureCount;
                string inputShape = layer.First ? input : features;
                w.Line($"new(\"rnn.weight_ih{p}\", {gateRows}, {input}, \"[{gateShape}, {inputShape}]\", {layer["InputWeights"]}, Hidden, HiddenPadded, 1, GateWidth, 1.0 / Math.Sqrt({input})),");
                string slots = l.RecurrentPanels is { PartMajor: true } panels ? $", new[] {{ {string.Join(", ", panels.Slots())} }}" : "";
                w.Line(l.RecurrentPanelled
                    ? $"new(\"rnn.weight_hh{p}\", {gateRows}, {recurrentSize}, \"[{gateShape}, {recurrent}]\", {layer["RecurrentWeights"]}, Hidden, HiddenPadded, 1, RecurrentPanel, 1.0 / Math.Sqrt(Hidden), RecurrentPanel, {recurrentSize} * RecurrentPanel{slots}),"
                    : $"new(\"rnn.weight_hh{p}\", {gateRows}, {recurrentSize}, \"[{gateShape}, {recurrent}]\", {layer["RecurrentWeights"]}, Hidden, HiddenPadded, 1, GateWidth, 1.0 / Math.Sqrt(Hidden)),");
                w.Line($"new(\"rnn.bias_ih{p}\", {gateRows}, 0, \"[{gateShape}]\", {layer["InputBias"]}, Hidden, HiddenPadded, 1, 0, 0),");
                w.Line($"new(\"rnn.bias_hh{p}\", {gateRows}, 0, \"[{gateShape}]\", {layer["RecurrentBias"]}, Hidden, HiddenPadded, 1, 0, 0),");
                if (l.Projected)
                {
                    w.Line($"new(\"rnn.weight_hr{p}\", Features, Hidden, \"[Projection, Hidden]\", {layer["ProjectionWeights"]}, Features, 0, 1, FeaturesPadded, 1.0 / Math.Sqrt(Hidden)),");
                }
            }

            w.Line(l.OutputPanelled
                ? $"new(\"output.weight\", Output, {featureCount}, \"[Output, {features}]\", OutputWeights, Output, 0, 1, OutputPanel, 1.0 / Math.Sqrt(Hidden), OutputPanel, {featureCount} * OutputPanel),"
                : $"new(\"output.weight\", Output, {featureCount}, \"[Output, {features}]\", OutputWeights, Output, 0, 1, OutputPadded, 1.0 / Math.Sqrt(Hidden)),");
            w.Line("new(\"output.bias\", Output, 0, \"[Output]\", OutputBias, Output, 0, 1, 0, 0),");
        }

        w.Line();
        // What a file must agree on to load (sizes are checked through shapes as well); training-only
        // settings (truncation, MaxSteps, precision) may differ.
        var identity = new (string Key, string Value)[]
        {
            ("rnngen.cell", s.Cell.ToString().ToLowerInvariant()),
            ("rnngen.activation", s.Activation.ToString().ToLowerInvariant()),
            ("rnngen.input", s.TokenInput ? "vocab" : "dense"),
            ("rnngen.input_size", s.InputWidth.ToString(CultureInfo.InvariantCulture)),
            ("rnngen.hidden", s.Hidden.ToString(CultureInfo.InvariantCulture)),
            ("rnngen.output", s.Output.ToString(CultureInfo.InvariantCulture)),
            ("rnngen.loss", s.Loss == LossKind.CrossEntropy ? "cross_entropy" : "squared_error"),
            ("rnngen.outputs", s.Outputs == OutputsKind.EveryStep ? "every_step" : "last_step"),
            ("rnngen.recurrence", s.Recurrence.ToString().ToLowerInvariant()),
            ("rnngen.layers", s.Layers.ToString(CultureInfo.InvariantCulture)),
            ("rnngen.bidirectional", s.Bidirectional ? "true" : "false"),
            ("rnngen.projection", s.Projection.ToString(CultureInfo.InvariantCulture)),
        };
        var training = new (string Key, string Value)[]
        {
            ("rnngen.truncate", s.Truncate.ToString(CultureInfo.InvariantCulture)),
            ("rnngen.max_steps", s.MaxSteps.ToString(CultureInfo.InvariantCulture)),
            ("rnngen.precision", s.Precision == PrecisionKind.Double ? "double" : "single"),
        };

        w.Line("/// <summary>Declaration facts a weight file must agree with when it records them.</summary>");
        using (w.Open("public static readonly KeyValuePair<string, string>[] Identity =", "};"))
        {
            foreach ((string key, string value) in identity)
            {
                w.Line($"new(\"{key}\", \"{value}\"),");
            }
        }

        w.Line();
        w.Line("/// <summary>Everything SaveWeights records in __metadata__.</summary>");
        using (w.Open("public static readonly KeyValuePair<string, string>[] Metadata =", "};"))
        {
            w.Line($"new(\"rnngen.version\", \"{EmitContext.GeneratorVersion}\"),");
            w.Line($"new(\"rnngen.layout\", \"{l.Fingerprint}\"), // the flat parameters' layout: a checkpoint resumes only the same");
            foreach ((string key, string value) in identity)
            {
                w.Line($"new(\"{key}\", \"{value}\"),");
            }

            foreach ((string key, string value) in training)
            {
                w.Line($"new(\"{key}\", \"{value}\"),");
            }
        }

        w.Line();
    }
}
