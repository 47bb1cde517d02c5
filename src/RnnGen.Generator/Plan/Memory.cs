using System.Collections.Generic;
using RnnGen.Generator.Model;
using static RnnGen.Generator.Plan.Expr;

namespace RnnGen.Generator.Plan;

/// <summary>
/// The memory plan of one model: every parameter and workspace buffer with its constant offset, in the order they are
/// laid out, and the units of the stack with their buffers. Offsets are computed once, here.
/// </summary>
internal sealed class Memory
{
    /// <summary>The largest .NET array length (<c>Array.MaxLength</c>): the parameters and the workspace must each fit one array.</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;

    private readonly List<Buffer> _parameters = new(), _workspace = new();

    public Memory(Sizes sizes)
    {
        ModelSpec spec = sizes.Spec;
        var units = new List<Unit>();
        for (int l = 0; l < spec.Layers; l++)
        {
            for (int d = 0; d < sizes.Directions; d++)
            {
                units.Add(l == 0
                    ? new Unit(0, d == 1, spec.Layers == 1, sizes.InputWidth, sizes.InputWidth.Name, spec.LookupInput)
                    : new Unit(l, d == 1, l == spec.Layers - 1, sizes.Directions * (Expr)sizes.Features,
                        sizes.Projected ? "Projection" : "Hidden", false));
            }
        }

        Units = units;
        if (sizes.Embedded)
        {
            // First, as in PyTorch's state_dict, and before DenseParameters: only the rows of a sequence's tokens get gradients.
            EmbeddingWeights = Add(_parameters, "EmbeddingWeights", Space.Parameters, (long)spec.Vocab * sizes.InputStride.Value, sizes.InputStride,
                "[Vocab][EmbeddingPadded]  embedding.weight: one row per token");
        }

        foreach (Unit unit in units)
        {
            unit.StateOffsetValue = (long)unit.Layer * sizes.LayerStateLength;
            AddParameters(sizes, unit);
        }

        string headRows = (sizes.Bidirectional ? "2 * " : "") + (sizes.Projected ? "Projection" : "Hidden");
        OutputWeights = Add(_parameters, "OutputWeights", Space.Parameters, (long)sizes.Directions * sizes.Features.Value * sizes.OutputPadded.Value, sizes.OutputPadded, sizes.OutputPanelled
            ? $"[OutputPadded / OutputPanel][{headRows}][OutputPanel]  output.weight, transposed, in panels of OutputPanel classes"
            : $"[{headRows}][OutputPadded]  output.weight, transposed: one row per {(sizes.Projected ? "projected" : "hidden")} unit{(sizes.Bidirectional ? ", forward then reverse" : "")}");
        OutputBias = Add(_parameters, "OutputBias", Space.Parameters, sizes.OutputPadded.Value, sizes.OutputPadded, "[OutputPadded]  output.bias");

        foreach (Unit unit in units)
        {
            AddWorkspace(sizes, unit);
        }

        AddSharedWorkspace(sizes);
    }

    /// <summary>The units, bottom to top, each layer's forward direction then its reverse one (state_dict order).</summary>
    public IReadOnlyList<Unit> Units { get; }

    /// <summary>Every parameter buffer, in layout order.</summary>
    public IReadOnlyList<Buffer> Parameters => _parameters;

    /// <summary>Every workspace buffer, in layout order.</summary>
    public IReadOnlyList<Buffer> Workspace => _workspace;

    public Buffer OutputWeights { get; }

    public Buffer OutputBias { get; }

    /// <summary>y_{t-1} at row t (output recurrence).</summary>
    public Buffer? Feedback { get; private set; }

    /// <summary>Head outputs y_t; Backward turns them into dLoss/dy_t.</summary>
    public Buffer Logits { get; private set; } = null!;

    // Truncated BPTT's ring of windows, or full BPTT's carried state gradient.
    public Buffer? Windows { get; private set; }
    public Buffer? Total { get; private set; }
    public Buffer? WindowPre { get; private set; }
    public Buffer? WindowRecurrentPre { get; private set; }
    public Buffer? WindowNext { get; private set; }
    public Buffer? WindowDown { get; private set; }
    public Buffer? Carry { get; private set; }
    public Buffer? CarryNext { get; private set; }

    /// <summary>Results a backward call does not keep.</summary>
    public Buffer Scratch { get; private set; } = null!;

    // Scratch of Step.
    public Buffer? StepGates { get; private set; }
    public Buffer? StepHiddenPart { get; private set; }
    public Buffer? StepInputPart { get; private set; }
    public Buffer? StepUnprojected { get; private set; }
    public Buffer? StepState { get; private set; }
    public Buffer StepLogits { get; private set; } = null!;

    // Scratch of the batched Step (Batch > 1): row m belongs to stream m.
    public Buffer? BatchNext { get; private set; }
    public Buffer? BatchGates { get; private set; }
    public Buffer? BatchInput { get; private set; }
    public Buffer? BatchBias { get; private set; }
    public Buffer? BatchEmbedded { get; private set; }
    public Buffer? BatchUnprojected { get; private set; }
    public Buffer? BatchLogits { get; private set; }

    /// <summary>The dense inputs, where the partner thread of a split recurrence can read them.</summary>
    public Buffer? InputCopy { get; private set; }

    /// <summary>The embedding table (PyTorch's nn.Embedding), with Embedding set.</summary>
    public Buffer? EmbeddingWeights { get; private set; }

    /// <summary>The embedding rows of a sequence's tokens, gathered: layer 0's dense input.</summary>
    public Buffer? Embedded { get; private set; }

    /// <summary>dLoss/dx_t for the embedded rows, before they are added into the rows of their tokens.</summary>
    public Buffer? EmbeddedGrads { get; private set; }

    public long ParameterLength => End(_parameters);

    public long WorkspaceLength => End(_workspace);

    /// <summary>The units of one layer: its forward direction, then its reverse one.</summary>
    public IEnumerable<Unit> UnitsOf(int layer)
    {
        foreach (Unit unit in Units)
        {
            if (unit.Layer == layer)
            {
                yield return unit;
            }
        }
    }

    /// <summary>The forward unit of the top layer: what the head reads (first, with a bidirectional top).</summary>
    public Unit Top => Units[Units.Count - (Units[Units.Count - 1].Reverse ? 2 : 1)];

    private void AddParameters(Sizes sizes, Unit unit)
    {
        string p = unit.PyTorchSuffix, s = unit.Suffix;
        string recurrentRows = sizes.FeedsBack ? "Output" : sizes.Projected ? "Projection" : "Hidden";
        unit.InputWeights = Add(_parameters, "InputWeights" + s, Space.Parameters, unit.InputWidth.Constant * sizes.GateWidth.Value, sizes.GateWidth,
            $"[{unit.InputName}][GateWidth]  rnn.weight_ih{p}, transposed: one row per {(unit.TokenInput ? "token" : "input")}");
        unit.RecurrentWeights = Add(_parameters, "RecurrentWeights" + s, Space.Parameters, sizes.RecurrentInputs.Value * sizes.GateWidth.Value, sizes.GateWidth,
            sizes.RecurrentPanelled
                ? $"[GateWidth / RecurrentPanel][{recurrentRows}][RecurrentPanel]  rnn.weight_hh{p}, transposed, in panels of RecurrentPanel gate columns{(sizes.SplitsRecurrence ? "; the first half of every gate's panels first" : "")}"
                : $"[{recurrentRows}][GateWidth]  rnn.weight_hh{p}, transposed: one row per {(sizes.FeedsBack ? "fed-back output" : "previous hidden unit")}");
        unit.InputBias = Add(_parameters, "InputBias" + s, Space.Parameters, sizes.GateWidth.Value, sizes.GateWidth, $"[GateWidth]  rnn.bias_ih{p}");
        unit.RecurrentBias = Add(_parameters, "RecurrentBias" + s, Space.Parameters, sizes.GateWidth.Value, sizes.GateWidth, $"[GateWidth]  rnn.bias_hh{p}");
        if (sizes.Projected)
        {
            unit.ProjectionWeights = Add(_parameters, "ProjectionWeights" + s, Space.Parameters, sizes.Hidden.Value * sizes.FeaturesPadded.Value, sizes.FeaturesPadded,
                $"[Hidden][FeaturesPadded]  rnn.weight_hr{p}, transposed: one row per cell unit");
        }
    }

    private void AddWorkspace(Sizes sizes, Unit unit)
    {
        ModelSpec spec = sizes.Spec;
        long steps = spec.MaxSteps;
        string s = unit.Suffix, h = sizes.FeaturesPadded.Name;
        string of = spec.Layers > 1 || sizes.Bidirectional ? $" of layer {unit.Layer}{(unit.Reverse ? " (reverse)" : "")}" : "";
        Named gates = sizes.GateWidth, hidden = sizes.HiddenPadded, features = sizes.FeaturesPadded;
        unit.States = Add(_workspace, "States" + s, Space.Workspace, (steps + 1) * features.Value, features, unit.Reverse
            ? $"[MaxSteps + 1][{h}]  h_t{of} at row t; row steps is the zero state entering step steps - 1"
            : $"[MaxSteps + 1][{h}]  h_{{t-1}}{of} at row t; row 0 is the state entering step 0");
        if (sizes.Lstm)
        {
            unit.Cells = Add(_workspace, "Cells" + s, Space.Workspace, (steps + 1) * hidden.Value, hidden, unit.Reverse
                ? $"[MaxSteps + 1][HiddenPadded]  c_t{of} at row t; row steps is the zero state entering step steps - 1"
                : $"[MaxSteps + 1][HiddenPadded]  c_{{t-1}}{of} at row t; row 0 is the state entering step 0");
        }

        if (sizes.Gates > 1)
        {
            unit.Gates = Add(_workspace, "Gates" + s, Space.Workspace, steps * gates.Value, gates, sizes.Lstm
                ? $"[MaxSteps][GateWidth]  activated gates i, f, g, o{of}"
                : $"[MaxSteps][GateWidth]  activated gates r, z, n{of}");
        }

        if (spec.Cell == CellKind.Gru)
        {
            unit.HiddenPart = Add(_workspace, "HiddenPart" + s, Space.Workspace, steps * hidden.Value, hidden, $"[MaxSteps][HiddenPadded]  W_hn h_{{t-1}} + b_hn{of}, which r scales");
        }

        if (sizes.Projected)
        {
            unit.Unprojected = Add(_workspace, "Unprojected" + s, Space.Workspace, steps * hidden.Value, hidden, $"[MaxSteps][HiddenPadded]  o ⊙ tanh(c_t){of}, before the projection W_hr");
            unit.ProjectionGrads = Add(_workspace, "ProjectionGrads" + s, Space.Workspace, steps * features.Value, features, $"[MaxSteps][FeaturesPadded]  dLoss/dh_t{of} in total, for W_hr's gradient");
        }

        if (unit.First && !unit.Reverse && sizes.SplitsRecurrence)
        {
            InputCopy = Add(_workspace, "InputCopy", Space.Workspace, steps * spec.Input, sizes.InputWidth, "[MaxSteps][Input]  the dense inputs, where the partner thread of a split recurrence can read them");
        }

        if (!unit.TokenInput)
        {
            unit.InputPart = Add(_workspace, "InputPart" + s, Space.Workspace, steps * gates.Value, gates, $"[MaxSteps][GateWidth]  W_ih x_t{of} for every step, one product for the whole sequence");
        }

        if (!unit.Top && spec.Dropout > 0)
        {
            unit.Mask = Add(_workspace, "Mask" + s, Space.Workspace, steps * features.Value, features, $"[MaxSteps][{h}]  the dropout mask on h{of} as the layer above reads it in a training call: 0 or 1 / (1 - Dropout)");
            unit.Dropped = Add(_workspace, "Dropped" + s, Space.Workspace, steps * features.Value, features, $"[MaxSteps][{h}]  h{of} times the mask: the layer above's input in a training call; row t is step t");
        }

        unit.HiddenGrads = Add(_workspace, "HiddenGrads" + s, Space.Workspace, steps * features.Value, features, unit.Top
            ? $"[MaxSteps][{h}]  dLoss/dh_t through the head"
            : $"[MaxSteps][{h}]  dLoss/dh_t{of} through the layer above");
        unit.InputGrads = Add(_workspace, "InputGrads" + s, Space.Workspace, steps * gates.Value, gates, $"[MaxSteps][GateWidth]  dLoss/d(W_ih x_t + b_ih){of}, over every loss that reaches step t");
        if (spec.Cell == CellKind.Gru)
        {
            unit.RecurrentGrads = Add(_workspace, "RecurrentGrads" + s, Space.Workspace, steps * gates.Value, gates, $"[MaxSteps][GateWidth]  dLoss/d(W_hh h_{{t-1}} + b_hh){of}; differs from InputGrads in the n gate");
        }
    }

    private void AddSharedWorkspace(Sizes sizes)
    {
        ModelSpec spec = sizes.Spec;
        long steps = spec.MaxSteps, k = spec.Truncate;
        Named gates = sizes.GateWidth, hidden = sizes.HiddenPadded, output = sizes.OutputPadded, stateGradient = sizes.StateGradientWidth;
        if (sizes.FeedsBack)
        {
            Feedback = Add(_workspace, "Feedback", Space.Workspace, (steps + 1) * output.Value, output, "[MaxSteps + 1][OutputPadded]  y_{t-1} at row t, fed into step t; row 0 is y_{-1}");
        }

        Logits = Add(_workspace, "Logits", Space.Workspace, steps * output.Value, output, sizes.FeedsBack
            ? "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into the total dLoss/dy_t"
            : "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into dLoss/dy_t");
        if (sizes.TruncatedBptt)
        {
            long stack = (long)spec.Layers * stateGradient.Value;
            Windows = Add(_workspace, "Windows", Space.Workspace, (k + 1) * stack, stateGradient, "[Truncate + 1][Layers][StateGradientWidth]  every layer's state gradient for each live truncation window, slot t % (Truncate + 1)");
            Total = Add(_workspace, "Total", Space.Workspace, stateGradient.Value, stateGradient, "[StateGradientWidth]  one layer's sum over the live windows at one step");
            WindowPre = Add(_workspace, "WindowPre", Space.Workspace, (k + 1) * gates.Value, gates, "[Truncate + 1][GateWidth]  each live window's input-side pre-activation gradient in one layer");
            if (spec.Cell == CellKind.Gru)
            {
                WindowRecurrentPre = Add(_workspace, "WindowRecurrentPre", Space.Workspace, (k + 1) * gates.Value, gates, "[Truncate + 1][GateWidth]  each live window's hidden-side pre-activation gradient in one layer");
            }

            WindowNext = Add(_workspace, "WindowNext", Space.Workspace, k * stateGradient.Value, stateGradient, "[Truncate][StateGradientWidth]  the state gradient one step back of each window that goes on");
            if (spec.Layers > 1)
            {
                WindowDown = Add(_workspace, "WindowDown", Space.Workspace, (k + 1) * sizes.FeaturesPadded.Value, sizes.FeaturesPadded, $"[Truncate + 1][{sizes.FeaturesPadded.Name}]  each live window's gradient into the layer below");
            }
        }
        else
        {
            Carry = Add(_workspace, "Carry", Space.Workspace, stateGradient.Value, stateGradient, "[StateGradientWidth]  state gradient carried back through the steps");
            CarryNext = Add(_workspace, "CarryNext", Space.Workspace, stateGradient.Value, stateGradient, "[StateGradientWidth]  the same, one step further back");
        }

        Scratch = Add(_workspace, "Scratch", Space.Workspace, gates.Value + hidden.Value + stateGradient.Value, gates, "[GateWidth + HiddenPadded + StateGradientWidth]  results a backward call does not keep");
        if (sizes.Gates > 1)
        {
            StepGates = Add(_workspace, "StepGates", Space.Workspace, gates.Value, gates, "[GateWidth]  scratch of Step: the gates");
        }

        if (spec.Cell == CellKind.Gru)
        {
            StepHiddenPart = Add(_workspace, "StepHiddenPart", Space.Workspace, hidden.Value, hidden, "[HiddenPadded]  scratch of Step: the GRU's hidden part");
        }

        if (sizes.Embedded)
        {
            Embedded = Add(_workspace, "Embedded", Space.Workspace, steps * sizes.InputStride.Value, sizes.InputStride, "[MaxSteps][EmbeddingPadded]  x_t, the embedding row of token t: layer 0's input");
            EmbeddedGrads = Add(_workspace, "EmbeddedGrads", Space.Workspace, steps * sizes.InputStride.Value, sizes.InputStride, "[MaxSteps][EmbeddingPadded]  dLoss/dx_t, added into the row of token t");
        }

        if (!spec.LookupInput || spec.Layers > 1)
        {
            StepInputPart = Add(_workspace, "StepInputPart", Space.Workspace, gates.Value, gates, "[GateWidth]  scratch of Step: W_ih x for a layer's dense input");
        }

        if (sizes.Projected)
        {
            StepUnprojected = Add(_workspace, "StepUnprojected", Space.Workspace, hidden.Value, hidden, "[HiddenPadded]  scratch of Step: o ⊙ tanh(c) before the projection");
        }

        if (!sizes.Bidirectional)
        {
            StepState = Add(_workspace, "StepState", Space.Workspace, sizes.StateLength.Value, sizes.StateLength, "[StateLength]  scratch of Step: the new state");
        }

        StepLogits = Add(_workspace, "StepLogits", Space.Workspace, output.Value, output, "[OutputPadded]  scratch of Step and Generate: head outputs");
        if (sizes.StepsBatch)
        {
            AddBatchWorkspace(sizes);
        }
    }

    /// <summary>The rows of a Step over many streams: one per stream, Batch of each (nothing else uses them).</summary>
    private void AddBatchWorkspace(Sizes sizes)
    {
        ModelSpec spec = sizes.Spec;
        long batch = spec.Batch;
        Named gates = sizes.GateWidth;
        BatchNext = Add(_workspace, "BatchNext", Space.Workspace, batch * sizes.StateLength.Value, sizes.StateLength, "[Batch][StateLength]  scratch of the batched Step: each stream's new state");
        if (spec.Cell == CellKind.Gru)
        {
            BatchGates = Add(_workspace, "BatchGates", Space.Workspace, batch * gates.Value, gates, "[Batch][GateWidth]  scratch of the batched Step: each stream's hidden-side gates");
            if (!spec.LookupInput || spec.Layers > 1)
            {
                BatchInput = Add(_workspace, "BatchInput", Space.Workspace, batch * gates.Value, gates, "[Batch][GateWidth]  scratch of the batched Step: each stream's W_ih x");
            }
        }
        else
        {
            if (sizes.Gates > 1)
            {
                BatchGates = Add(_workspace, "BatchGates", Space.Workspace, batch * gates.Value, gates, "[Batch][GateWidth]  scratch of the batched Step: each stream's gates");
            }

            BatchBias = Add(_workspace, "BatchBias", Space.Workspace, spec.Layers * gates.Value, gates, "[Layers][GateWidth]  scratch of the batched Step: b_ih + b_hh of each layer, where every stream's sums start");
        }

        if (sizes.Embedded)
        {
            BatchEmbedded = Add(_workspace, "BatchEmbedded", Space.Workspace, batch * sizes.InputStride.Value, sizes.InputStride, "[Batch][EmbeddingPadded]  scratch of the batched Step: each stream's embedding row");
        }

        if (sizes.Projected)
        {
            BatchUnprojected = Add(_workspace, "BatchUnprojected", Space.Workspace, batch * sizes.HiddenPadded.Value, sizes.HiddenPadded, "[Batch][HiddenPadded]  scratch of the batched Step: o ⊙ tanh(c) before the projection");
        }

        if (!sizes.FeedsBack)
        {
            BatchLogits = Add(_workspace, "BatchLogits", Space.Workspace, batch * sizes.OutputPadded.Value, sizes.OutputPadded, "[Batch][OutputPadded]  scratch of the batched Step: each stream's head outputs");
        }
    }

    private static Buffer Add(List<Buffer> list, string name, Space space, long length, Expr rowWidth, string comment)
    {
        var buffer = new Buffer(name, space, End(list), length, rowWidth, comment);
        list.Add(buffer);
        return buffer;
    }

    private static long End(List<Buffer> list) => list.Count == 0 ? 0 : list[list.Count - 1].End;
}
