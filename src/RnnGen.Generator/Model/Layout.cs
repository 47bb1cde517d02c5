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
        // Truncate >= MaxSteps - 1 reaches every step: the full schedule gives the same gradient.
        TruncatedBptt = spec.Truncate > 0 && spec.Truncate < spec.MaxSteps - 1;

        long inputRows = spec.InputWidth;
        Parameters = Plan(new[]
        {
            ("InputWeights", inputRows * GateWidth, $"[{(spec.TokenInput ? "Vocab" : "Input")}][GateWidth]  rnn.weight_ih_l0, transposed: one row per {(spec.TokenInput ? "token" : "input")}"),
            ("RecurrentWeights", (long)spec.Hidden * GateWidth, "[Hidden][GateWidth]  rnn.weight_hh_l0, transposed: one row per previous hidden unit"),
            ("InputBias", GateWidth, "[GateWidth]  rnn.bias_ih_l0"),
            ("RecurrentBias", GateWidth, "[GateWidth]  rnn.bias_hh_l0"),
            ("OutputWeights", (long)spec.Hidden * OutputPadded, "[Hidden][OutputPadded]  output.weight, transposed: one row per hidden unit"),
            ("OutputBias", OutputPadded, "[OutputPadded]  output.bias"),
        });

        long steps = spec.MaxSteps;
        var work = new List<(string, long, string)>
        {
            ("States", (steps + 1) * HiddenPadded, "[MaxSteps + 1][HiddenPadded]  h_{t-1} at row t; row 0 is h_{-1} = 0 and is never written"),
            ("Logits", steps * OutputPadded, "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into dLoss/dy_t"),
            ("HiddenGrads", steps * HiddenPadded, "[MaxSteps][HiddenPadded]  dLoss_t/dh_t through the head"),
            ("PreGrads", steps * GateWidth, "[MaxSteps][GateWidth]  dLoss/dpre_t summed over every loss that reaches step t"),
        };
        if (TruncatedBptt)
        {
            work.Add(("Windows", (spec.Truncate + 1L) * HiddenPadded, "[Truncate + 1][HiddenPadded]  dLoss_t/dh_s of each live truncation window, slot t % (Truncate + 1)"));
            work.Add(("WindowPre", (long)spec.Truncate * GateWidth, "[Truncate][GateWidth]  per-window dLoss_t/dpre_s of the windows that go on to step s - 1"));
            work.Add(("WindowNext", (long)spec.Truncate * HiddenPadded, "[Truncate][HiddenPadded]  their dLoss_t/dh_{s-1}"));
        }
        else
        {
            work.Add(("Carry", HiddenPadded, "[HiddenPadded]  dLoss/dh_{s-1} carried back by full BPTT"));
        }

        work.Add(("StepHidden", HiddenPadded, "[HiddenPadded]  scratch of Step: the new hidden state"));
        work.Add(("StepLogits", OutputPadded, "[OutputPadded]  scratch of Step and Generate: head outputs"));
        work.Add(("GenerateState", HiddenPadded, "[HiddenPadded]  hidden state of Generate"));
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

    /// <summary>True when the truncation window is shorter than the longest sequence.</summary>
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
            return g * h * Spec.InputWidth + g * h * h + 2 * g * h + o * h + o;
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
