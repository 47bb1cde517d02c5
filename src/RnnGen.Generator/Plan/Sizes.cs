using System;
using RnnGen.Generator.Model;
using static RnnGen.Generator.Plan.Expr;

namespace RnnGen.Generator.Plan;

/// <summary>
/// The sizes of one model and the decisions made from them: padded widths, how large matrices are stored (panels),
/// and which schedules apply. Every size is also a named constant of the network class (<see cref="Named"/>), so the
/// generated code reads <c>HiddenPadded</c>, not 112.
/// </summary>
/// <remarks>
/// Rows are padded to 64 bytes (one cache line, a whole number of vectors of every width), so SIMD loops never need a
/// tail at run time and padding lanes stay exactly zero.
/// </remarks>
internal sealed class Sizes
{
    /// <summary>Bytes every row is padded to.</summary>
    public const int RowBytes = 64;

    /// <summary>W_hh larger than this many bytes is stored in panels (a typical L1 data cache).</summary>
    public const int PanelThresholdBytes = 32 * 1024;

    /// <summary>W_hh's panel widths in 64-byte vectors, in order of preference (8 vectors divide only where 4 do).</summary>
    private static readonly int[] PanelVectors = { 4, 7, 6, 5 };

    /// <summary>Heads from this many classes are stored in panels: where the dh product works in chunks of classes.</summary>
    public const int OutputPanelFrom = 2048;

    /// <summary>
    /// The preferred width of W_out's panels: 20 vectors of 16 floats (four 5-vector register tiles of the 512-bit
    /// path), so that the dh product's chunk of 20 steps' gradients (25 KB) stays in L1.
    /// </summary>
    public const int OutputPanelWidth = 320;

    /// <summary>The narrowest panel of W_out worth cutting (fewer classes per panel, more passes over the gradients).</summary>
    public const int OutputPanelMin = 240;

    /// <summary>The widest panel of W_out: a chunk of 20 steps' gradients (38 KB) still fits a 48 KB L1.</summary>
    public const int OutputPanelMax = 480;

    public Sizes(ModelSpec spec)
    {
        Spec = spec;
        ElementBytes = spec.Precision == PrecisionKind.Double ? 8 : 4;
        RowElements = RowBytes / ElementBytes;
        Gates = spec.Cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        Lstm = spec.Cell == CellKind.Lstm;
        Projected = spec.Projection > 0;
        FeedsBack = spec.Recurrence == RecurrenceKind.Output;
        Bidirectional = spec.Bidirectional;
        Directions = Bidirectional ? 2 : 1;
        Depth = spec.Layers;

        int hiddenPadded = Pad(spec.Hidden), outputPadded = Pad(spec.Output);
        int features = Projected ? spec.Projection : spec.Hidden, featuresPadded = Pad(features);
        int gateWidth = Gates * hiddenPadded;
        int recurrentInputs = FeedsBack ? spec.Output : features;
        int recurrentPanel = ChoosePanel(recurrentInputs, gateWidth);
        int outputPanel = ElementBytes == 4 && outputPadded >= OutputPanelFrom && !Bidirectional && !FeedsBack ? ChooseOutputPanel(outputPadded) : outputPadded;

        Hidden = new Named("Hidden", spec.Hidden);
        HiddenPadded = new Named("HiddenPadded", hiddenPadded);
        GateWidth = new Named("GateWidth", gateWidth);
        Output = new Named("Output", spec.Output);
        OutputPadded = new Named("OutputPadded", outputPadded);
        Features = Projected ? new Named("Features", features) : Hidden;
        FeaturesPadded = Projected ? new Named("FeaturesPadded", featuresPadded) : HiddenPadded;
        Embedded = spec.TokenInput && spec.Embedding > 0;
        InputWidth = Embedded ? new Named("Embedding", spec.Embedding) : spec.TokenInput ? new Named("Vocab", spec.Vocab) : new Named("Input", spec.Input);
        // The user's dense rows are packed; embedding rows (the table's and their gathered copies) are padded.
        InputStride = Embedded ? new Named("EmbeddingPadded", Pad(spec.Embedding)) : InputWidth;
        RecurrentInputs = FeedsBack ? Output : Features;
        RecurrentPanel = new Named("RecurrentPanel", recurrentPanel);
        OutputPanel = new Named("OutputPanel", outputPanel);
        SplitsRecurrence = !spec.TokenInput && !Projected && !FeedsBack && recurrentPanel < gateWidth && hiddenPadded % (2 * recurrentPanel) == 0;
        HalfUnits = new Named("HalfUnits", hiddenPadded / 2);
        StateGradientWidth = new Named("StateGradientWidth", FeedsBack ? outputPadded : Lstm ? featuresPadded + hiddenPadded : featuresPadded);
        LayerStateLength = featuresPadded + (Lstm ? hiddenPadded : 0);
        StateLength = new Named("StateLength", spec.Layers * LayerStateLength + (FeedsBack ? outputPadded : 0));
        StateCell = new Named("StateCell", featuresPadded);
        StateFeedback = new Named("StateFeedback", StateLength.Value - (FeedsBack ? outputPadded : 0));
        // A sequence-to-one loss is a single window: it never needs the ring of windows. Truncate >= MaxSteps - 1
        // reaches every step, which the full schedule computes more cheaply.
        TruncatedBptt = spec.Outputs == OutputsKind.EveryStep && spec.Truncate > 0 && spec.Truncate < spec.MaxSteps - 1;
    }

    public ModelSpec Spec { get; }

    /// <summary>4 (float) or 8 (double).</summary>
    public int ElementBytes { get; }

    /// <summary>Elements per padded row unit (16 floats or 8 doubles).</summary>
    public int RowElements { get; }

    /// <summary>Gate blocks per cell: 1 (vanilla), 4 (LSTM), 3 (GRU).</summary>
    public int Gates { get; }

    public bool Lstm { get; }

    /// <summary>An LSTM projection (PyTorch proj_size): h has Projection values, c keeps Hidden.</summary>
    public bool Projected { get; }

    /// <summary>Recurrence.Output: y_{t-1}, not h_{t-1}, feeds step t.</summary>
    public bool FeedsBack { get; }

    public bool Bidirectional { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions { get; }

    /// <summary>Stacked layers (PyTorch num_layers).</summary>
    public int Depth { get; }

    public bool Stacked => Depth > 1;

    /// <summary>Streaming (Step, Generate, a state carried across calls) needs every direction to run forward in time.</summary>
    public bool Streams => !Bidirectional;

    /// <summary>
    /// Backward can take a downstream gradient of the final state and return the gradient of the initial state (a
    /// decoder's gradient reaching its encoder): every model with a State. With output recurrence the state that feeds
    /// the next step is the fed-back y, whose gradient the walk carries; the state's h feeds nothing.
    /// </summary>
    public bool ComposesState => Streams;

    /// <summary>Dense models that compose also take an external output gradient and give the gradient of their inputs.</summary>
    public bool ComposesInput => ComposesState && !Spec.TokenInput;

    /// <summary>The most streams or sequences one batched call takes (the attribute's Batch).</summary>
    public Named Batch => new("Batch", Spec.Batch);

    /// <summary>A Step over a span of states, advancing up to Batch independent streams at once.</summary>
    public bool StepsBatch => Spec.Batch > 1 && Streams;

    /// <summary>Inverted dropout between layers in training calls (it has nothing to act on with one layer).</summary>
    public bool Dropout => Spec.Dropout > 0 && Stacked;

    public bool CrossEntropy => Spec.Loss == LossKind.CrossEntropy;

    public bool LastStep => Spec.Outputs == OutputsKind.LastStep;

    public bool TokenInput => Spec.TokenInput;

    public Named Hidden { get; }

    public Named HiddenPadded { get; }

    /// <summary><c>Gates * HiddenPadded</c>: one row of pre-activations.</summary>
    public Named GateWidth { get; }

    public Named Output { get; }

    public Named OutputPadded { get; }

    /// <summary>The width of h, what a layer outputs: Projection when set, else Hidden.</summary>
    public Named Features { get; }

    /// <summary>The padded width of an h row.</summary>
    public Named FeaturesPadded { get; }

    /// <summary>Vocab, Input or Embedding: what one step of layer 0 reads.</summary>
    public Named InputWidth { get; }

    /// <summary>An embedding layer: token ids select rows of a trained table, which layer 0 reads as dense input.</summary>
    public bool Embedded { get; }

    /// <summary>The distance between two steps' rows of layer 0's dense input: Input, or EmbeddingPadded.</summary>
    public Named InputStride { get; }

    /// <summary>What feeds the recurrence: Features, or Output with output recurrence.</summary>
    public Named RecurrentInputs { get; }

    /// <summary>
    /// Columns per panel of W_hh (input-major): the matrix is stored as GateWidth / RecurrentPanel panels, each
    /// <c>[RecurrentInputs, RecurrentPanel]</c> row-major, so a step's product streams each panel as one contiguous
    /// block instead of short pieces of long rows. Equal to GateWidth (plain rows) when the matrix stays in L1 anyway.
    /// </summary>
    public Named RecurrentPanel { get; }

    public bool RecurrentPanelled => RecurrentPanel.Value < GateWidth.Value;

    /// <summary>
    /// 0 for W_hh's panels in column order; the gate count when they are stored in halves (the recurrence splits).
    /// </summary>
    public int RecurrentPanelGroups => RecurrentPanelled && SplitsRecurrence ? Gates : 0;

    /// <summary>
    /// Classes per panel of W_out (input-major): a single-precision head of thousands of classes is stored as
    /// OutputPadded / OutputPanel panels, each <c>[Features, OutputPanel]</c>, so each of the head's three products
    /// reads one contiguous block per panel instead of Features short pieces of rows OutputPadded apart. Equal to
    /// OutputPadded (plain rows) for smaller or bidirectional heads, double precision, and output recurrence.
    /// </summary>
    public Named OutputPanel { get; }

    public bool OutputPanelled => OutputPanel.Value < OutputPadded.Value;

    /// <summary>
    /// The recurrence can run on two threads (the model's <c>Threads</c> property): each half of the hidden units owns
    /// whole panels of every gate, and its step reads nothing the other half writes until the step ends. Not with a
    /// token input (the partner thread cannot see the caller's span of tokens), a projection (h mixes every unit), or
    /// output recurrence (y does).
    /// </summary>
    public bool SplitsRecurrence { get; }

    /// <summary>Hidden units per half of a split recurrence.</summary>
    public Named HalfUnits { get; }

    /// <summary>Width of one layer's state gradient: dh, [dh | dc] for the LSTM, dy with output recurrence.</summary>
    public Named StateGradientWidth { get; }

    /// <summary>One layer's part of the streaming state: h, then c (LSTM).</summary>
    public int LayerStateLength { get; }

    /// <summary>Width of the streaming state: every layer's part, then y (output recurrence).</summary>
    public Named StateLength { get; }

    /// <summary>Where c starts within a layer's part of the state (LSTM).</summary>
    public Named StateCell { get; }

    /// <summary>Where y starts in the state (output recurrence).</summary>
    public Named StateFeedback { get; }

    /// <summary>True when per-step losses need the ring of truncation windows.</summary>
    public bool TruncatedBptt { get; }

    /// <summary>The head is a vocabulary (256 columns or more): its products are worth larger register tiles.</summary>
    public bool WideHead => OutputPadded.Value >= 256;

    /// <summary>
    /// SgdStep updates W_out in one pass from dy and h, never storing its gradient: for a vocabulary, where W_out is the
    /// largest matrix and the rows of h and dy are small beside it. A small head (and one that is part of the
    /// recurrence) stores its gradient like every other parameter: that is less work than bounding h and dy, and less code.
    /// </summary>
    public bool FusedHeadUpdate => WideHead && !FeedsBack;

    private int Pad(int n) => (n + RowElements - 1) / RowElements * RowElements;

    /// <summary>
    /// W_hh's panel: 256 bytes a row (4 cache lines) where that divides <paramref name="width"/>, else the widest of
    /// 448 down to 320 bytes that does; one panel when the matrix is small or none divides it. 256 bytes is one
    /// register tile's row on the 256-bit path (each panel read in one pass, as one contiguous stream) and half of one
    /// on the 512-bit path (the k loop in two chains). Against panels of 512 bytes, on a Zen 5: the dense LSTM / GRU
    /// (H 256) forward 0.85–0.91× / 0.84–0.95× on the 256-bit path, level on the 512-bit path, whose backward is
    /// 0.83–0.92×. Two 256-byte panels per 512-bit tile (two streams 64 KB apart) were 1.2–1.7× slower.
    /// </summary>
    private int ChoosePanel(int rows, int width)
    {
        if ((long)rows * width * ElementBytes <= PanelThresholdBytes)
        {
            return width;
        }

        foreach (int vectors in PanelVectors)
        {
            int panel = vectors * RowElements;
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
    /// <see cref="OutputPanelWidth"/>. Plain rows when no such width divides it (5008 = 16 · 313).
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
}
