using System.Collections.Generic;

namespace RnnGen.Generator.Model;

/// <summary>A named region of a flat array: offset and length in elements, and what it holds.</summary>
internal sealed record Segment(string Name, long Offset, long Length, string Comment);

/// <summary>
/// The memory plan of one model: padded widths and the constant offset of every parameter and
/// buffer. Rows are padded to 64 bytes (one cache line, a whole number of vectors of every width),
/// so SIMD loops never need a tail at run time and padding lanes stay exactly zero.
/// </summary>
internal sealed class Layout
{
    /// <summary>Bytes every row is padded to.</summary>
    public const int RowBytes = 64;

    /// <summary>The largest .NET array length (<c>Array.MaxLength</c>).</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;

    public Layout(ModelSpec spec)
    {
        Spec = spec;
        ElementBytes = spec.Precision == PrecisionKind.Double ? 8 : 4;
        RowElements = RowBytes / ElementBytes;
        Gates = spec.Cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        HiddenPadded = Pad(spec.Hidden);
        GateWidth = Gates * HiddenPadded;
        OutputPadded = Pad(spec.Output);
        FeedsBackOutput = spec.Recurrence == RecurrenceKind.Output;
        RecurrentInputs = FeedsBackOutput ? spec.Output : spec.Hidden;
        StateGradientWidth = FeedsBackOutput ? OutputPadded : spec.Cell == CellKind.Lstm ? 2 * HiddenPadded : HiddenPadded;
        StateLength = HiddenPadded + (spec.Cell == CellKind.Lstm ? HiddenPadded : 0) + (FeedsBackOutput ? OutputPadded : 0);
        // A sequence-to-one loss is a single window: it never needs the ring of windows. Truncate >=
        // MaxSteps - 1 reaches every step, which the full schedule computes more cheaply.
        TruncatedBptt = spec.Outputs == OutputsKind.EveryStep && spec.Truncate > 0 && spec.Truncate < spec.MaxSteps - 1;

        long inputRows = spec.InputWidth;
        string recurrentRows = FeedsBackOutput ? "Output" : "Hidden";
        Parameters = Plan(new[]
        {
            ("InputWeights", inputRows * GateWidth, $"[{(spec.TokenInput ? "Vocab" : "Input")}][GateWidth]  rnn.weight_ih_l0, transposed: one row per {(spec.TokenInput ? "token" : "input")}"),
            ("RecurrentWeights", (long)RecurrentInputs * GateWidth, $"[{recurrentRows}][GateWidth]  rnn.weight_hh_l0, transposed: one row per {(FeedsBackOutput ? "fed-back output" : "previous hidden unit")}"),
            ("InputBias", GateWidth, "[GateWidth]  rnn.bias_ih_l0"),
            ("RecurrentBias", GateWidth, "[GateWidth]  rnn.bias_hh_l0"),
            ("OutputWeights", (long)spec.Hidden * OutputPadded, "[Hidden][OutputPadded]  output.weight, transposed: one row per hidden unit"),
            ("OutputBias", OutputPadded, "[OutputPadded]  output.bias"),
        });

        long steps = spec.MaxSteps;
        long k = spec.Truncate;
        var work = new List<(string, long, string)>
        {
            ("States", (steps + 1) * HiddenPadded, "[MaxSteps + 1][HiddenPadded]  h_{t-1} at row t; row 0 is h_{-1} = 0 and is never written"),
        };
        if (spec.Cell == CellKind.Lstm)
        {
            work.Add(("Cells", (steps + 1) * HiddenPadded, "[MaxSteps + 1][HiddenPadded]  c_{t-1} at row t; row 0 is c_{-1} = 0"));
        }

        if (Gates > 1)
        {
            work.Add(("Gates", steps * GateWidth, spec.Cell == CellKind.Lstm
                ? "[MaxSteps][GateWidth]  activated gates i, f, g, o of step t"
                : "[MaxSteps][GateWidth]  activated gates r, z, n of step t"));
        }

        if (spec.Cell == CellKind.Gru)
        {
            work.Add(("HiddenPart", steps * HiddenPadded, "[MaxSteps][HiddenPadded]  W_hn h_{t-1} + b_hn of step t, which r scales"));
        }

        if (!spec.TokenInput)
        {
            work.Add(("InputPart", steps * GateWidth, "[MaxSteps][GateWidth]  W_ih x_t for every step, one product for the whole sequence"));
        }

        if (FeedsBackOutput)
        {
            work.Add(("Feedback", (steps + 1) * OutputPadded, "[MaxSteps + 1][OutputPadded]  y_{t-1} at row t, fed into step t; row 0 is y_{-1} = 0"));
        }

        work.Add(("Logits", steps * OutputPadded, FeedsBackOutput
            ? "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into the total dLoss/dy_t"
            : "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into dLoss/dy_t"));
        work.Add(("HiddenGrads", steps * HiddenPadded, "[MaxSteps][HiddenPadded]  dLoss/dh_t through the head"));
        work.Add(("InputGrads", steps * GateWidth, "[MaxSteps][GateWidth]  dLoss/d(W_ih x_t + b_ih), summed over every loss that reaches step t"));
        if (spec.Cell == CellKind.Gru)
        {
            work.Add(("RecurrentGrads", steps * GateWidth, "[MaxSteps][GateWidth]  dLoss/d(W_hh h_{t-1} + b_hh); differs from InputGrads in the n gate"));
        }

        if (TruncatedBptt)
        {
            work.Add(("Windows", (k + 1) * StateGradientWidth, "[Truncate + 1][StateGradientWidth]  state gradient of each live truncation window, slot t % (Truncate + 1)"));
            work.Add(("Total", StateGradientWidth, "[StateGradientWidth]  sum over the live windows at one step"));
            work.Add(("WindowPre", k * GateWidth, "[Truncate][GateWidth]  recurrent pre-activation gradient of each window that goes on"));
            work.Add(("WindowNext", k * StateGradientWidth, "[Truncate][StateGradientWidth]  their state gradient one step back"));
        }
        else
        {
            work.Add(("Carry", StateGradientWidth, "[StateGradientWidth]  state gradient carried back through the steps"));
            work.Add(("CarryNext", StateGradientWidth, "[StateGradientWidth]  the same, one step further back"));
        }

        work.Add(("Scratch", GateWidth + HiddenPadded + StateGradientWidth, "[GateWidth + HiddenPadded + StateGradientWidth]  results a backward call does not keep"));
        if (Gates > 1)
        {
            work.Add(("StepGates", GateWidth, "[GateWidth]  scratch of Step: the gates"));
        }

        if (spec.Cell == CellKind.Gru)
        {
            work.Add(("StepHiddenPart", HiddenPadded, "[HiddenPadded]  scratch of Step: the GRU's hidden part"));
        }

        if (!spec.TokenInput)
        {
            work.Add(("StepInputPart", GateWidth, "[GateWidth]  scratch of Step: W_ih x for a dense input"));
        }

        work.Add(("StepState", StateLength, "[StateLength]  scratch of Step: the new state"));
        work.Add(("StepLogits", OutputPadded, "[OutputPadded]  scratch of Step and Generate: head outputs"));
        Workspace = Plan(work);
    }

    public ModelSpec Spec { get; }

    /// <summary>4 (float) or 8 (double).</summary>
    public int ElementBytes { get; }

    /// <summary>Elements per padded row unit (16 floats or 8 doubles).</summary>
    public int RowElements { get; }

    /// <summary>Gate blocks per cell: 1 (vanilla), 4 (LSTM), 3 (GRU).</summary>
    public int Gates { get; }

    public int HiddenPadded { get; }

    /// <summary><c>Gates * HiddenPadded</c>: one row of pre-activations.</summary>
    public int GateWidth { get; }

    public int OutputPadded { get; }

    /// <summary>Recurrence.Output: y_{t-1}, not h_{t-1}, feeds step t.</summary>
    public bool FeedsBackOutput { get; }

    /// <summary>Width of what feeds the recurrence: Hidden, or Output with output recurrence.</summary>
    public int RecurrentInputs { get; }

    /// <summary>Width of a state gradient: dh, [dh | dc] for the LSTM, dy with output recurrence.</summary>
    public int StateGradientWidth { get; }

    /// <summary>Width of the streaming state: h, then c (LSTM), then y (output recurrence).</summary>
    public int StateLength { get; }

    /// <summary>True when per-step losses need the ring of truncation windows.</summary>
    public bool TruncatedBptt { get; }

    public IReadOnlyList<Segment> Parameters { get; }

    public IReadOnlyList<Segment> Workspace { get; }

    public long ParameterLength => End(Parameters);

    public long WorkspaceLength => End(Workspace);

    /// <summary>Trainable parameters as PyTorch counts them (no padding).</summary>
    public long ParameterCount
    {
        get
        {
            long g = Gates, h = Spec.Hidden, o = Spec.Output;
            return g * h * Spec.InputWidth + g * h * RecurrentInputs + 2 * g * h + o * h + o;
        }
    }

    private int Pad(int n) => (n + RowElements - 1) / RowElements * RowElements;

    private static long End(IReadOnlyList<Segment> segments) =>
        segments.Count == 0 ? 0 : segments[segments.Count - 1].Offset + segments[segments.Count - 1].Length;

    private static List<Segment> Plan(IEnumerable<(string Name, long Length, string Comment)> regions)
    {
        var list = new List<Segment>();
        long offset = 0;
        foreach ((string name, long length, string comment) in regions)
        {
            list.Add(new Segment(name, offset, length, comment));
            offset += length;
        }

        return list;
    }
}
