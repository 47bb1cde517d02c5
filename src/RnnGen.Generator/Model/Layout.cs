using System;
using System.Collections.Generic;

namespace RnnGen.Generator.Model;

/// <summary>A named region of a flat array: offset and length in elements, and what it holds.</summary>
internal sealed record Segment(string Name, long Offset, long Length, string Comment);

/// <summary>
/// One recurrent layer of the stack: its place, what it reads, and how its constants are named.
/// Layer 0 keeps the plain names (InputWeights, States, ...); layer l &gt; 0 adds "L{l}".
/// </summary>
internal sealed class LayerLayout
{
    public LayerLayout(int index, bool reverse, bool top, int inputWidth, string inputName, bool tokenInput, int stateOffset)
    {
        Index = index;
        Reverse = reverse;
        Top = top;
        InputWidth = inputWidth;
        InputName = inputName;
        TokenInput = tokenInput;
        StateOffset = stateOffset;
    }

    public int Index { get; }

    /// <summary>The reverse direction of a bidirectional layer: it runs from the last step to the first.</summary>
    public bool Reverse { get; }

    public bool First => Index == 0;

    public bool Top { get; }

    /// <summary>Values per step this layer reads: Vocab or Input for layer 0, the layer below's output above it.</summary>
    public int InputWidth { get; }

    /// <summary>The declaration's name for <see cref="InputWidth"/>: Vocab, Input or Hidden.</summary>
    public string InputName { get; }

    /// <summary>Layer 0 of a token model: its input side is a row lookup, not a product.</summary>
    public bool TokenInput { get; }

    /// <summary>Where this layer's h (then c) sit in the streaming state.</summary>
    public int StateOffset { get; }

    public string Suffix => (First ? "" : "L" + Index) + (Reverse ? "Reverse" : "");

    /// <summary>A constant's name for this layer, e.g. States, StatesL1.</summary>
    public string this[string name] => name + Suffix;

    /// <summary>PyTorch's parameter suffix: _l0, _l1, ..., and _reverse for the reverse direction.</summary>
    public string PyTorchSuffix => "_l" + Index + (Reverse ? "_reverse" : "");
}

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
        Projected = spec.Projection > 0;
        Features = Projected ? spec.Projection : spec.Hidden;
        FeaturesPadded = Pad(Features);
        FeedsBackOutput = spec.Recurrence == RecurrenceKind.Output;
        OutputPanel = ElementBytes == 4 && OutputPadded >= OutputPanelFrom && !spec.Bidirectional && !FeedsBackOutput
            ? ChooseOutputPanel(OutputPadded)
            : OutputPadded;
        OutputPanels = OutputPanelled ? new PanelOrder(OutputPanel, OutputPadded / OutputPanel, 1, PartMajor: false) : null;
        RecurrentInputs = FeedsBackOutput ? spec.Output : Features;
        RecurrentPanel = ChoosePanel(RecurrentInputs, GateWidth, ElementBytes, RowElements);
        RecurrentPanels = RecurrentPanelled ? new PanelOrder(RecurrentPanel, GateWidth / RecurrentPanel, Gates, PartMajor: SplitsRecurrence) : null;
        bool lstm = spec.Cell == CellKind.Lstm;
        StateGradientWidth = FeedsBackOutput ? OutputPadded : lstm ? FeaturesPadded + HiddenPadded : FeaturesPadded;
        LayerStateLength = FeaturesPadded + (lstm ? HiddenPadded : 0);
        // A sequence-to-one loss is a single window: it never needs the ring of windows. Truncate >=
        // MaxSteps - 1 reaches every step, which the full schedule computes more cheaply.
        TruncatedBptt = spec.Outputs == OutputsKind.EveryStep && spec.Truncate > 0 && spec.Truncate < spec.MaxSteps - 1;

        int layers = spec.Layers;
        Bidirectional = spec.Bidirectional;
        Directions = Bidirectional ? 2 : 1;
        var stack = new List<LayerLayout>();
        for (int l = 0; l < layers; l++)
        {
            for (int d = 0; d < Directions; d++)
            {
                bool reverse = d == 1;
                stack.Add(l == 0
                    ? new LayerLayout(0, reverse, layers == 1, spec.InputWidth, spec.TokenInput ? "Vocab" : "Input", spec.TokenInput, 0)
                    : new LayerLayout(l, reverse, l == layers - 1, Directions * Features, Projected ? "Projection" : "Hidden", false, l * LayerStateLength));
            }
        }

        Layers = stack;
        StateLength = layers * LayerStateLength + (FeedsBackOutput ? OutputPadded : 0);

        var parameters = new List<(string, long, string)>();
        foreach (LayerLayout layer in stack)
        {
            string p = layer.PyTorchSuffix;
            string recurrentRows = FeedsBackOutput ? "Output" : Projected ? "Projection" : "Hidden";
            parameters.Add((layer["InputWeights"], (long)layer.InputWidth * GateWidth,
                $"[{layer.InputName}][GateWidth]  rnn.weight_ih{p}, transposed: one row per {(layer.TokenInput ? "token" : "input")}"));
            parameters.Add((layer["RecurrentWeights"], (long)RecurrentInputs * GateWidth,
                RecurrentPanelled
                    ? $"[GateWidth / RecurrentPanel][{recurrentRows}][RecurrentPanel]  rnn.weight_hh{p}, transposed, in panels of RecurrentPanel gate columns{(SplitsRecurrence ? "; the first half of every gate's panels first" : "")}"
                    : $"[{recurrentRows}][GateWidth]  rnn.weight_hh{p}, transposed: one row per {(FeedsBackOutput ? "fed-back output" : "previous hidden unit")}"));
            parameters.Add((layer["InputBias"], GateWidth, $"[GateWidth]  rnn.bias_ih{p}"));
            parameters.Add((layer["RecurrentBias"], GateWidth, $"[GateWidth]  rnn.bias_hh{p}"));
            if (Projected)
            {
                parameters.Add((layer["ProjectionWeights"], (long)spec.Hidden * FeaturesPadded, $"[Hidden][FeaturesPadded]  rnn.weight_hr{p}, transposed: one row per cell unit"));
            }
        }

        string headRows = (Bidirectional ? "2 * " : "") + (Projected ? "Projection" : "Hidden");
        parameters.Add(("OutputWeights", (long)Directions * Features * OutputPadded, OutputPanelled
            ? $"[OutputPadded / OutputPanel][{headRows}][OutputPanel]  output.weight, transposed, in panels of OutputPanel classes"
            : $"[{headRows}][OutputPadded]  output.weight, transposed: one row per {(Projected ? "projected" : "hidden")} unit{(Bidirectional ? ", forward then reverse" : "")}"));
        parameters.Add(("OutputBias", OutputPadded, "[OutputPadded]  output.bias"));
        Parameters = Plan(parameters);

        long steps = spec.MaxSteps;
        long k = spec.Truncate;
        var work = new List<(string, long, string)>();
        foreach (LayerLayout layer in stack)
        {
            string of = layers > 1 || Bidirectional ? $" of layer {layer.Index}{(layer.Reverse ? " (reverse)" : "")}" : "";
            string h = Projected ? "FeaturesPadded" : "HiddenPadded";
            work.Add((layer["States"], (steps + 1) * FeaturesPadded, layer.Reverse
                ? $"[MaxSteps + 1][{h}]  h_t{of} at row t; row steps is the zero state entering step steps - 1"
                : $"[MaxSteps + 1][{h}]  h_{{t-1}}{of} at row t; row 0 is the state entering step 0"));
            if (lstm)
            {
                work.Add((layer["Cells"], (steps + 1) * HiddenPadded, layer.Reverse
                    ? $"[MaxSteps + 1][HiddenPadded]  c_t{of} at row t; row steps is the zero state entering step steps - 1"
                    : $"[MaxSteps + 1][HiddenPadded]  c_{{t-1}}{of} at row t; row 0 is the state entering step 0"));
            }

            if (Gates > 1)
            {
                work.Add((layer["Gates"], steps * GateWidth, lstm
                    ? $"[MaxSteps][GateWidth]  activated gates i, f, g, o{of}"
                    : $"[MaxSteps][GateWidth]  activated gates r, z, n{of}"));
            }

            if (spec.Cell == CellKind.Gru)
            {
                work.Add((layer["HiddenPart"], steps * HiddenPadded, $"[MaxSteps][HiddenPadded]  W_hn h_{{t-1}} + b_hn{of}, which r scales"));
            }

            if (Projected)
            {
                work.Add((layer["Unprojected"], steps * HiddenPadded, $"[MaxSteps][HiddenPadded]  o ⊙ tanh(c_t){of}, before the projection W_hr"));
                work.Add((layer["ProjectionGrads"], steps * FeaturesPadded, $"[MaxSteps][FeaturesPadded]  dLoss/dh_t{of} in total, for W_hr's gradient"));
            }

            if (layer.First && !layer.Reverse && SplitsRecurrence)
            {
                work.Add(("InputCopy", steps * spec.Input, "[MaxSteps][Input]  the dense inputs, where the partner thread of a split recurrence can read them"));
            }

            if (!layer.TokenInput)
            {
                work.Add((layer["InputPart"], steps * GateWidth, $"[MaxSteps][GateWidth]  W_ih x_t{of} for every step, one product for the whole sequence"));
            }

            if (!layer.Top && spec.Dropout > 0)
            {
                work.Add((layer["Mask"], steps * FeaturesPadded, $"[MaxSteps][{h}]  the dropout mask on h{of} as the layer above reads it in a training call: 0 or 1 / (1 - Dropout)"));
                work.Add((layer["Dropped"], steps * FeaturesPadded, $"[MaxSteps][{h}]  h{of} times the mask: the layer above's input in a training call; row t is step t"));
            }

            work.Add((layer["HiddenGrads"], steps * FeaturesPadded, layer.Top
                ? $"[MaxSteps][{h}]  dLoss/dh_t through the head"
                : $"[MaxSteps][{h}]  dLoss/dh_t{of} through the layer above"));
            work.Add((layer["InputGrads"], steps * GateWidth, $"[MaxSteps][GateWidth]  dLoss/d(W_ih x_t + b_ih){of}, over every loss that reaches step t"));
            if (spec.Cell == CellKind.Gru)
            {
                work.Add((layer["RecurrentGrads"], steps * GateWidth, $"[MaxSteps][GateWidth]  dLoss/d(W_hh h_{{t-1}} + b_hh){of}; differs from InputGrads in the n gate"));
            }
        }

        if (FeedsBackOutput)
        {
            work.Add(("Feedback", (steps + 1) * OutputPadded, "[MaxSteps + 1][OutputPadded]  y_{t-1} at row t, fed into step t; row 0 is y_{-1}"));
        }

        work.Add(("Logits", steps * OutputPadded, FeedsBackOutput
            ? "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into the total dLoss/dy_t"
            : "[MaxSteps][OutputPadded]  head outputs y_t; Backward turns them into dLoss/dy_t"));

        if (TruncatedBptt)
        {
            long stack1 = (long)layers * StateGradientWidth;
            work.Add(("Windows", (k + 1) * stack1, "[Truncate + 1][Layers][StateGradientWidth]  every layer's state gradient for each live truncation window, slot t % (Truncate + 1)"));
            work.Add(("Total", StateGradientWidth, "[StateGradientWidth]  one layer's sum over the live windows at one step"));
            work.Add(("WindowPre", (k + 1) * GateWidth, "[Truncate + 1][GateWidth]  each live window's input-side pre-activation gradient in one layer"));
            if (spec.Cell == CellKind.Gru)
            {
                work.Add(("WindowRecurrentPre", (k + 1) * GateWidth, "[Truncate + 1][GateWidth]  each live window's hidden-side pre-activation gradient in one layer"));
            }

            work.Add(("WindowNext", k * StateGradientWidth, "[Truncate][StateGradientWidth]  the state gradient one step back of each window that goes on"));
            if (layers > 1)
            {
                work.Add(("WindowDown", (k + 1) * FeaturesPadded, $"[Truncate + 1][{(Projected ? "FeaturesPadded" : "HiddenPadded")}]  each live window's gradient into the layer below"));
            }
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

        if (!spec.TokenInput || layers > 1)
        {
            work.Add(("StepInputPart", GateWidth, "[GateWidth]  scratch of Step: W_ih x for a layer's dense input"));
        }

        if (Projected)
        {
            work.Add(("StepUnprojected", HiddenPadded, "[HiddenPadded]  scratch of Step: o ⊙ tanh(c) before the projection"));
        }

        if (!Bidirectional)
        {
            work.Add(("StepState", StateLength, "[StateLength]  scratch of Step: the new state"));
        }

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

    /// <summary>An LSTM projection (PyTorch proj_size): h has Projection values, c keeps Hidden.</summary>
    public bool Projected { get; }

    /// <summary>Width of h, what a layer outputs: Projection when set, else Hidden.</summary>
    public int Features { get; }

    /// <summary><see cref="Features"/> padded to whole rows.</summary>
    public int FeaturesPadded { get; }

    /// <summary>Recurrence.Output: y_{t-1}, not h_{t-1}, feeds step t.</summary>
    public bool FeedsBackOutput { get; }

    /// <summary>Width of what feeds the recurrence: Hidden, or Output with output recurrence.</summary>
    public int RecurrentInputs { get; }

    /// <summary>
    /// Columns per panel of W_hh (input-major): the matrix is stored as GateWidth / RecurrentPanel panels,
    /// each <c>[RecurrentInputs, RecurrentPanel]</c> row-major, so a step's product streams each panel as one
    /// contiguous block instead of short pieces of long rows. Equal to GateWidth (one panel: plain rows)
    /// when the matrix is small enough to stay in L1 anyway.
    /// </summary>
    public int RecurrentPanel { get; }

    /// <summary>W_hh's panels and their order (each half's panels together when the recurrence splits); null without panels.</summary>
    public PanelOrder? RecurrentPanels { get; }

    /// <summary>
    /// The recurrence can run on two threads (the model's <c>Threads</c> property): each half of the hidden units
    /// owns whole panels of every gate, and its step reads nothing the other half writes until the step ends.
    /// Not with a token input (the partner thread cannot see the caller's span of tokens), a projection (h mixes
    /// every unit), or output recurrence (y does).
    /// </summary>
    public bool SplitsRecurrence => !Spec.TokenInput && !Projected && !FeedsBackOutput && RecurrentPanelled && HiddenPadded % (2 * RecurrentPanel) == 0;

    /// <summary>Hidden units per half of a split recurrence.</summary>
    public int HalfUnits => HiddenPadded / 2;

    /// <summary>
    /// Classes per panel of W_out (input-major): a single-precision head of thousands of classes is stored as
    /// OutputPadded / OutputPanel panels, each <c>[Features, OutputPanel]</c> row-major, so that each of the head's
    /// three products (forward, dh, and dW_out or the fused update) reads one contiguous block per panel instead of
    /// Features short pieces of rows OutputPadded apart (more pages and streams than the prefetchers follow). A panel
    /// is the backward dot products' chunk of classes (the 512-bit path's <c>DotGemm</c> chunks). Equal to
    /// OutputPadded (plain rows) for smaller or bidirectional heads, double precision, and output recurrence.
    /// </summary>
    public int OutputPanel { get; }

    /// <summary>W_out's panels, in column order; null without panels.</summary>
    public PanelOrder? OutputPanels { get; }

    /// <summary>True when W_out is stored as more than one panel.</summary>
    public bool OutputPanelled => OutputPanel < OutputPadded;

    /// <summary>
    /// The preferred width of W_out's panels: 20 vectors of 16 floats (four 5-vector register tiles of the 512-bit
    /// path), so that the dh product's chunk of 20 steps' gradients (25 KB) stays in L1.
    /// </summary>
    public const int OutputPanelWidth = 320;

    /// <summary>The narrowest panel of W_out worth cutting (fewer classes per panel, more passes over the gradients).</summary>
    public const int OutputPanelMin = 240;

    /// <summary>The widest panel of W_out: a chunk of 20 steps' gradients (38 KB) still fits a 48 KB L1.</summary>
    public const int OutputPanelMax = 480;

    /// <summary>Heads from this many classes are stored in panels: where the dh product works in chunks of classes.</summary>
    public const int OutputPanelFrom = 2048;

    /// <summary>True when W_hh is stored as more than one panel.</summary>
    public bool RecurrentPanelled => RecurrentPanel < GateWidth;

    /// <summary>W_hh larger than this many bytes is stored in panels (a typical L1 data cache).</summary>
    public const int PanelThresholdBytes = 32 * 1024;

    /// <summary>W_hh's panel widths in 64-byte vectors, in order of preference (8 vectors divide only where 4 do).</summary>
    private static readonly int[] PanelVectors = { 4, 7, 6, 5 };

    /// <summary>
    /// W_hh's panel: 256 bytes a row (4 cache lines) where that divides <paramref name="width"/>, else the widest of
    /// 448 down to 320 bytes that does; one panel when the matrix is small or none divides it. 256 bytes is one
    /// register tile's row on the 256-bit path (8 vectors: each panel read in one pass, as one contiguous stream) and
    /// half of one on the 512-bit path (4 vectors, the k loop in two chains). Against panels of 512 bytes, which the
    /// 256-bit path had to read in two passes of every row, on a Zen 5 with old and new code alternating: the dense
    /// LSTM / GRU (H 256) forward 0.85–0.91× / 0.84–0.95× on the 256-bit path; level within the host's noise on the
    /// 512-bit path (0.96–1.10×), whose backward is 0.83–0.92× (see performance.md). Two 256-byte panels per
    /// 512-bit tile (two streams 64 KB apart) were 1.2–1.7× slower.
    /// </summary>
    private static int ChoosePanel(int rows, int width, int elementBytes, int rowElements)
    {
        if ((long)rows * width * elementBytes <= PanelThresholdBytes)
        {
            return width;
        }

        foreach (int vectors in PanelVectors)
        {
            int panel = vectors * rowElements;
            if (width % panel == 0 && panel < width)
            {
                return panel;
            }
        }

        return width;
    }

    /// <summary>
    /// The panel width for a head of <paramref name="padded"/> classes: a whole number of 16-float vectors between
    /// <see cref="OutputPanelMin"/> and <see cref="OutputPanelMax"/> that divides it, so every panel is alike (8000 →
    /// 320, 4000 → 400, 2112 → 352); a multiple of 80 first (whole 5-vector tiles), then the nearest to
    /// <see cref="OutputPanelWidth"/>. Plain rows (<paramref name="padded"/>) when no such width divides it (5008 =
    /// 16 · 313).
    /// </summary>
    private static int ChooseOutputPanel(int padded)
    {
        int best = padded;
        int Cost(int width) => (width % 80 == 0 ? 0 : 1000) + Math.Abs(width - OutputPanelWidth);
        for (int width = OutputPanelMin; width <= OutputPanelMax; width += 16)
        {
            if (padded % width == 0 && width < padded && (best == padded || Cost(width) < Cost(best)))
            {
                best = width;
            }
        }

        return best;
    }

    /// <summary>
    /// The row of a unit's States holding h at step expression <paramref name="t"/>: row t + 1 going
    /// forward (row 0 is the initial state), row t in reverse (row steps is the initial state).
    /// </summary>
    public string HiddenRow(LayerLayout unit, string t) => unit.Reverse ? Parenthesised(t) : $"({t} + 1)";

    /// <summary>The row holding the state a step at <paramref name="t"/> starts from.</summary>
    public string PreviousRow(LayerLayout unit, string t) => unit.Reverse ? $"({t} + 1)" : Parenthesised(t);

    /// <summary>An index expression safe to multiply: "steps - 1" becomes "(steps - 1)".</summary>
    private static string Parenthesised(string expression) => expression.IndexOf(' ') >= 0 ? $"({expression})" : expression;

    /// <summary>Width of one layer's state gradient: dh, [dh | dc] for the LSTM, dy with output recurrence.</summary>
    public int StateGradientWidth { get; }

    /// <summary>One layer's part of the streaming state: h, then c (LSTM).</summary>
    public int LayerStateLength { get; }

    /// <summary>Width of the streaming state: every layer's part, then y (output recurrence).</summary>
    public int StateLength { get; }

    /// <summary>True when per-step losses need the ring of truncation windows.</summary>
    public bool TruncatedBptt { get; }

    /// <summary>Bidirectional: each layer has a forward and a reverse direction (PyTorch's _reverse parameters).</summary>
    public bool Bidirectional { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions { get; }

    /// <summary>The recurrent units, bottom to top, each layer's forward direction then its reverse one (state_dict order).</summary>
    public IReadOnlyList<LayerLayout> Layers { get; }

    /// <summary>Number of stacked layers (PyTorch num_layers).</summary>
    public int Depth => Layers.Count / Directions;

    /// <summary>The units of one layer: its forward direction, then its reverse one.</summary>
    public IEnumerable<LayerLayout> UnitsOf(int layer)
    {
        for (int d = 0; d < Directions; d++)
        {
            yield return Layers[layer * Directions + d];
        }
    }

    /// <summary>The forward unit of the top layer: what the head reads (first, with a bidirectional top).</summary>
    public LayerLayout Top => Layers[Layers.Count - Directions];

    public IReadOnlyList<Segment> Parameters { get; }

    /// <summary>
    /// A fingerprint of the flat parameter layout (every segment's place and form, the padded sizes, the panels):
    /// checkpoints, which store the parameters and the optimiser's state as flat arrays, record it and resume only
    /// where it is the same. FNV-1a over a description, so the same layout gives the same text on every machine.
    /// </summary>
    public string Fingerprint
    {
        get
        {
            var text = new System.Text.StringBuilder();
            text.Append(ElementBytes).Append('|').Append(HiddenPadded).Append('|').Append(FeaturesPadded).Append('|').Append(OutputPadded)
                .Append('|').Append(RecurrentPanel).Append('|').Append(OutputPanel);
            if (RecurrentPanels is { } panels)
            {
                text.Append('|').Append(string.Join(",", panels.Slots()));
            }

            foreach (Segment segment in Parameters)
            {
                text.Append('|').Append(segment.Name).Append('@').Append(segment.Offset).Append('+').Append(segment.Length).Append(':').Append(segment.Comment);
            }

            ulong hash = 14695981039346656037UL;
            foreach (char c in text.ToString())
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public IReadOnlyList<Segment> Workspace { get; }

    public long ParameterLength => End(Parameters);

    public long WorkspaceLength => End(Workspace);

    /// <summary>Trainable parameters as PyTorch counts them (no padding).</summary>
    public long ParameterCount
    {
        get
        {
            long g = Gates, h = Spec.Hidden, o = Spec.Output, total = o * Features + o;
            foreach (LayerLayout layer in Layers)
            {
                total += g * h * layer.InputWidth + g * h * RecurrentInputs + 2 * g * h + (Projected ? (long)Features * h : 0);
            }

            return total;
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
