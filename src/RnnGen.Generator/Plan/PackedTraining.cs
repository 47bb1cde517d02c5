using System.Collections.Generic;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Model;
using static RnnGen.Generator.Plan.Expr;

namespace RnnGen.Generator.Plan;

/// <summary>
/// Backward over a batch of sequences in one pass (Batch &gt; 1), in PyTorch's packed-sequence order: the sequences
/// sorted by length, longest first, and their steps time-major, so step t of the batch is the first n_t sequences, one
/// row each, right after step t - 1's rows. Every per-step product then runs over n_t rows (each weight matrix read
/// once per step for the whole batch), and the head, the loss and the input side run over all rows at once.
/// </summary>
/// <remarks>
/// The rows live in a workspace of their own (allocated at the first batched Backward), Batch × MaxSteps rows of each
/// buffer. Built for unidirectional layers with full BPTT (or one layer with truncated BPTT), token, embedded or dense
/// input, and none of projection, output recurrence or dropout; other models run each sequence's own Backward.
/// </remarks>
internal sealed class PackedTraining
{
    private readonly List<Buffer> _buffers = new();

    private PackedTraining(Network network)
    {
        Sizes s = network.Sizes;
        ModelSpec spec = network.Spec;
        long batch = spec.Batch, rows = batch * spec.MaxSteps;
        Cell cell = network.Cell;
        JoinsInput = cell.Recurrent.Start == ProductStart.ThreeRows;
        WritesState = cell is VanillaCell;
        Named features = s.FeaturesPadded, gates = s.GateWidth, hidden = s.HiddenPadded;
        var layers = new List<PackedLayer>();
        for (int l = 0; l < spec.Layers; l++)
        {
            layers.Add(AddLayer(network, l));
        }

        Layers = layers;
        if (s.Embedded)
        {
            Embedded = Add("PackedEmbedded", rows * s.InputStride.Value, s.InputStride, "[Batch × MaxSteps][EmbeddingPadded]  the embedding row of each row's token: layer 0's input");
            EmbeddedGrads = Add("PackedEmbeddedGrads", rows * s.InputStride.Value, s.InputStride, "[Batch × MaxSteps][EmbeddingPadded]  dLoss/dx of each row, added into its token's embedding row");
        }

        if (JoinsInput)
        {
            Bias = Add("PackedBias", gates.Value, gates, "[GateWidth]  b_ih + b_hh of the layer being run, where every row's sums start");
        }

        if (s.LastStep)
        {
            Last = Add("PackedLast", batch * features.Value, features, "[Batch][FeaturesPadded]  each sequence's h at its last step, what the head reads; then dLoss/dh there");
        }

        // The head runs over chunks of rows whose logits stay in the caches (about 256 KB, at least 20 rows: what the
        // sequence passes' head products are tuned for), not over every row at once.
        HeadChunk = (int)System.Math.Min(rows, System.Math.Max(20, (256 * 1024) / (s.OutputPadded.Value * s.ElementBytes)));
        long headRows = s.LastStep ? batch : HeadChunk;
        Logits = Add("PackedLogits", headRows * s.OutputPadded.Value, s.OutputPadded, s.LastStep
            ? "[Batch][OutputPadded]  the head outputs y of each sequence's last step; then dLoss/dy"
            : $"[{HeadChunk}][OutputPadded]  head outputs y of a chunk of rows; then dLoss/dy");
        Carry = Add("PackedCarry", batch * s.StateGradientWidth.Value, s.StateGradientWidth, "[Batch][StateGradientWidth]  each sequence's state gradient carried back through the steps");
        CarryNext = Add("PackedCarryNext", batch * s.StateGradientWidth.Value, s.StateGradientWidth, "[Batch][StateGradientWidth]  the same, one step further back");
        Scratch = Add("PackedScratch", hidden.Value, hidden, "[HiddenPadded]  scratch of a backward step");
        if (s.TruncatedBptt)
        {
            long k = spec.Truncate;
            Windows = Add("PackedWindows", (k + 1) * batch * s.StateGradientWidth.Value, s.StateGradientWidth, "[Truncate + 1][Batch][StateGradientWidth]  truncated BPTT: window t's state gradient of every sequence in slot t % (Truncate + 1)");
            WindowPre = Add("PackedWindowPre", batch * gates.Value, gates, "[Batch][GateWidth]  one window's input-side pre-activation gradient of every sequence");
            if (cell is GruCell)
            {
                WindowRecurrentPre = Add("PackedWindowRecurrentPre", batch * gates.Value, gates, "[Batch][GateWidth]  one window's hidden-side pre-activation gradient of every sequence");
            }
        }

        // With W_hh and W_out turned the other way once per call, the backward products over many rows broadcast weight
        // rows like the forward ones, instead of a horizontal sum per element. (Not W_hh stored in halves for two threads.)
        if (s.RecurrentPanelGroups == 0)
        {
            RecurrentTransposed = Add("PackedRecurrentTransposed", gates.Value * features.Value, features, "[GateWidth][FeaturesPadded]  W_hh, one row per gate column (PyTorch's layout, padded)");
            RecurrentBackprop = network.Register(new BroadcastProduct("PackedRecurrentBackprop", "dPrev += Σ_i δ[i] · W_hh[:, i] for the rows of one step: a = δ rows, b = W_hh transposed, c = state-gradient rows.")
            {
                M = Zero, K = gates, N = features, AStrideM = gates, AStrideK = 1, BStride = features, CStride = s.StateGradientWidth, Start = ProductStart.Accumulate,
            });
        }

        // A head of thousands of classes keeps the sequence passes' dot products, tuned for its panels.
        if (!s.OutputPanelled)
        {
            OutputTransposed = Add("PackedOutputTransposed", s.OutputPadded.Value * features.Value, features, "[OutputPadded][FeaturesPadded]  W_out, one row per class (PyTorch's layout, padded)");
            HiddenGradsFromHead = network.Register(new BroadcastProduct("PackedHiddenGradsFromHead", "dh = Σ_o dy[o] · W_out[:, o] for every row: a = dy rows, b = W_out transposed, c = dh rows.")
            {
                M = Zero, K = s.OutputPadded, N = features, AStrideM = s.OutputPadded, AStrideK = 1, BStride = features, CStride = features, Start = ProductStart.Zero,
            });
        }

        RegisterStepProducts(network);
    }

    /// <summary>The products of a step over its rows, and the input sides over every row, with this workspace's row strides.</summary>
    private void RegisterStepProducts(Network network)
    {
        Cell cell = network.Cell;
        Named features = network.Sizes.FeaturesPadded, gates = network.Sizes.GateWidth;
        Expr rowStride = WritesState ? features : gates;
        Recurrent = network.Register(cell.Recurrent with
        {
            Name = "Packed" + cell.Recurrent.Name, Doc = "The recurrent product of one step of a packed batch: a = the h rows of the step before, one per sequence.",
            M = Zero, AStrideM = features, CStride = rowStride, PartColumns = null, GroupColumns = null,
            Start = JoinsInput ? ProductStart.Accumulate : cell.Recurrent.Start,
        });
        if (network.LayerInputProjection is { } layerInput)
        {
            LayerInput = network.Register(layerInput with
            {
                Name = "PackedLayerInput", Doc = "W_ih h of the layer below (+ b_ih + b_hh where the cell's sums start there) of every row of a packed batch.",
                CStride = rowStride, PartColumns = null, GroupColumns = null, Start = JoinsInput ? ProductStart.Row : ProductStart.Zero,
            });
        }

        if (network.InputProjection is { } input)
        {
            InputProjection = network.Register(input with
            {
                Name = "PackedInputProjection", Doc = "W_ih x (+ b_ih + b_hh where the cell's sums start there) of every row of a packed batch.",
                CStride = rowStride, PartColumns = null, GroupColumns = null, Start = JoinsInput ? ProductStart.Row : ProductStart.Zero,
            });
        }
    }

    /// <summary>The packed pass for <paramref name="network"/>, or null where its options are not built yet or its rows would not fit one array.</summary>
    public static PackedTraining? For(Network network)
    {
        Sizes s = network.Sizes;
        ModelSpec spec = network.Spec;
        if (spec.Batch < 2 || !s.Streams || s.Dropout || s.FeedsBack || s.Projected || (s.TruncatedBptt && s.Stacked))
        {
            return null;
        }

        var packed = new PackedTraining(network);
        return packed.Length <= Memory.MaxArrayLength ? packed : null;
    }

    /// <summary>The cell's sums start from the input side (LSTM, vanilla): it is written first, from b_ih + b_hh.</summary>
    public bool JoinsInput { get; }

    /// <summary>The recurrent product writes h itself (vanilla: its activation is the product's store).</summary>
    public bool WritesState { get; }

    /// <summary>Every buffer of the packed workspace, in layout order.</summary>
    public IReadOnlyList<Buffer> Buffers => _buffers;

    /// <summary>The packed workspace's length.</summary>
    public long Length => _buffers[_buffers.Count - 1].End;

    /// <summary>Each layer's rows, bottom to top.</summary>
    public IReadOnlyList<PackedLayer> Layers { get; }

    /// <summary>The top layer: what the head reads.</summary>
    public PackedLayer Top => Layers[Layers.Count - 1];

    public Buffer? Bias { get; }

    /// <summary>With an embedding layer: each row's embedding row, gathered, and its gradient.</summary>
    public Buffer? Embedded { get; }

    public Buffer? EmbeddedGrads { get; }

    /// <summary>Outputs.LastStep: the h rows the head reads, gathered, then their gradients.</summary>
    public Buffer? Last { get; }

    public Buffer Logits { get; }

    /// <summary>Rows per chunk of the head (a loss at every step).</summary>
    public int HeadChunk { get; }
    /// <summary>Truncated BPTT's windows (slot t % (Truncate + 1), a row per sequence), or null for full BPTT.</summary>
    public Buffer? Windows { get; }

    public Buffer? WindowPre { get; }

    public Buffer? WindowRecurrentPre { get; }

    /// <summary>Full BPTT's carried state gradients; with truncation, the sum of every live window.</summary>
    public Buffer Carry { get; }
    public Buffer CarryNext { get; }
    public Buffer Scratch { get; }

    /// <summary>
    /// W_hh turned the other way (each layer's in turn, before its walk back), or null where it is stored in halves (the
    /// backward step then takes dot products).
    /// </summary>
    public Buffer? RecurrentTransposed { get; }

    /// <summary>W_out turned the other way, or null for a head in panels.</summary>
    public Buffer? OutputTransposed { get; }

    /// <summary>dh_{t-1} += δ W_hh over a step's rows, broadcasting rows of <see cref="RecurrentTransposed"/>.</summary>
    public BroadcastProduct? RecurrentBackprop { get; }

    /// <summary>dh = dy W_out over every row, broadcasting rows of <see cref="OutputTransposed"/>, or null for a head in panels.</summary>
    public BroadcastProduct? HiddenGradsFromHead { get; }

    public BroadcastProduct Recurrent { get; private set; } = null!;

    /// <summary>Dense input's W_ih x for all rows at once, or null for one-hot tokens (a row of W_ih each).</summary>
    public BroadcastProduct? InputProjection { get; private set; }

    /// <summary>W_ih h of the layer below for all rows at once (stacks).</summary>
    public BroadcastProduct? LayerInput { get; private set; }

    /// <summary>Layer <paramref name="l"/>'s rows: Batch × MaxSteps of each of its buffers (its states Batch more).</summary>
    private PackedLayer AddLayer(Network network, int l)
    {
        Sizes s = network.Sizes;
        ModelSpec spec = network.Spec;
        Cell cell = network.Cell;
        long batch = spec.Batch, rows = batch * spec.MaxSteps;
        Named features = s.FeaturesPadded, gates = s.GateWidth, hidden = s.HiddenPadded;

        // Layer 0's names are the plain ones; the layers above add their number.
        string n = l == 0 ? "" : l.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string of = spec.Layers > 1 ? $" of layer {l}" : "";
    return new PackedLayer
        {
            States = Add("PackedStates" + n, (batch + rows) * features.Value, features, $"[Batch + Batch × MaxSteps][FeaturesPadded]  rows 0..Batch-1: the zero state; then h_t{of} of every sequence, step after step"),
            Cells = s.Lstm ? Add("PackedCells" + n, (batch + rows) * hidden.Value, hidden, $"[Batch + Batch × MaxSteps][HiddenPadded]  c_t{of}, laid out as PackedStates") : null,
            Gates = WritesState ? null : Add("PackedGates" + n, rows * gates.Value, gates, $"[Batch × MaxSteps][GateWidth]  each row's activated gates{of} (its sums first; the GRU's hidden side)"),
            HiddenPart = cell is GruCell ? Add("PackedHiddenPart" + n, rows * hidden.Value, hidden, $"[Batch × MaxSteps][HiddenPadded]  W_hn h_{{t-1}} + b_hn of each row{of}, which r scales") : null,
            Input = cell is GruCell && (l > 0 || !spec.LookupInput) ? Add("PackedInput" + n, rows * gates.Value, gates, $"[Batch × MaxSteps][GateWidth]  W_ih x of each row{of}") : null,
            HiddenGrads = Add("PackedHiddenGrads" + n, rows * features.Value, features, l == spec.Layers - 1
                ? "[Batch × MaxSteps][FeaturesPadded]  dLoss/dh of each row through the head"
                : $"[Batch × MaxSteps][FeaturesPadded]  dLoss/dh of each row{of} through the layer above"),
            InputGrads = Add("PackedInputGrads" + n, rows * gates.Value, gates, $"[Batch × MaxSteps][GateWidth]  dLoss/d(W_ih x + b_ih) of each row{of}"),
            RecurrentGrads = cell is GruCell ? Add("PackedRecurrentGrads" + n, rows * gates.Value, gates, $"[Batch × MaxSteps][GateWidth]  dLoss/d(W_hh h_{{t-1}} + b_hh) of each row{of}") : null,
        };
    }

    private Buffer Add(string name, long length, Expr rowWidth, string comment)
    {
        var buffer = new Buffer(name, Space.Workspace, _buffers.Count == 0 ? 0 : _buffers[_buffers.Count - 1].End, length, rowWidth, comment);
        _buffers.Add(buffer);
        return buffer;
    }
}

/// <summary>One layer's rows of a packed batch.</summary>
internal sealed class PackedLayer
{
    /// <summary>Rows 0..Batch-1 the zero state, then h_t of every row (row Batch + r for packed row r).</summary>
    public Buffer States { get; init; } = null!;

    /// <summary>c_t, laid out as <see cref="States"/> (LSTM).</summary>
    public Buffer? Cells { get; init; }

    /// <summary>Each row's gates (LSTM, GRU).</summary>
    public Buffer? Gates { get; init; }

    /// <summary>Each row's W_hn h_{t-1} + b_hn (GRU).</summary>
    public Buffer? HiddenPart { get; init; }

    /// <summary>Each row's W_ih x (GRU, but for one-hot tokens, whose rows of W_ih are read where they are).</summary>
    public Buffer? Input { get; init; }

    public Buffer HiddenGrads { get; init; } = null!;

    public Buffer InputGrads { get; init; } = null!;

    public Buffer? RecurrentGrads { get; init; }

    /// <summary>The δ rows the recurrent side's gradients come from: the GRU's own, or the input side's (they are equal).</summary>
    public Buffer RecurrentSideGrads => RecurrentGrads ?? InputGrads;
}
