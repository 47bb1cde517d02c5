using System.Collections.Generic;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Model;
using static RnnGen.Generator.Plan.Expr;

namespace RnnGen.Generator.Plan;

/// <summary>
/// The typed plan of one model, between its <see cref="ModelSpec"/> and the printed text: sizes, the memory plan, the
/// cell, and every product with its shape. Forward, backward, the training step and streaming are printed as walks over
/// this plan; nothing here is C# text but the names of constants and the documentation of buffers.
/// </summary>
internal sealed class Network
{
    private readonly List<Product> _products = new();
    private readonly Dictionary<string, Product> _byKey = new();

    public Network(ModelSpec spec)
    {
        Spec = spec;
        T = spec.Precision == PrecisionKind.Double ? "double" : "float";
        Sizes = new Sizes(spec);
        Memory = new Memory(Sizes);
        Cell = Cell.For(this);
        Sizes s = Sizes;

        RegisterInputProducts();

        if (s.Stacked)
        {
            var layerInput = new BroadcastProduct("LayerInputProjection", "W_ih h_t of the layer below for every step: a = its h rows, b = W_ih (input-major), c = rows of GateWidth.")
            {
                K = s.Features, N = s.GateWidth, AStrideM = s.FeaturesPadded, AStrideK = 1, BStride = s.GateWidth, CStride = s.GateWidth, Start = ProductStart.Zero,
            };
            LayerInputProjection = Register(InParts(layerInput));
            LayerInputStep = Register(LayerInputProjection with { Name = "LayerInputStep", Doc = "W_ih h of the layer below for one step.", M = 1 });
            if (s.Bidirectional)
            {
                LayerInputProjectionAdd = Register(InParts(layerInput with { Name = "LayerInputProjectionAdd", Doc = "The second half of a bidirectional layer's input: c += W_ih h_t of the reverse direction below.", Start = ProductStart.Accumulate }));
            }

            LayerBackprop = Register(new DotProduct("LayerBackprop", "dh_below[j] += Σ_i δ[i] · W_ih[j, i] for rows δ rows: a = input-side δ rows, b = W_ih rows, c = dh rows of the layer below.")
            {
                N = s.Features, K = s.GateWidth, AStride = s.GateWidth, BStride = s.GateWidth, CStride = s.FeaturesPadded,
            });
            LayerInputWeightGrads = Register(new BroadcastProduct("LayerInputWeightGrads", "dW_ih[j, :] += Σ_s h_s[j] · δ_s for a layer above the first: a = the layer below's h rows, b = δ rows, c = dW_ih.")
            {
                M = s.Features, N = s.GateWidth, AStrideM = 1, AStrideK = s.FeaturesPadded, BStride = s.GateWidth, CStride = s.GateWidth,
            });
        }

        if (s.Projected)
        {
            ProjectionWeightGrads = Register(new BroadcastProduct("ProjectionWeightGrads", "dW_hr[j, :] += Σ_s m_s[j] · dh_s: a = o ⊙ tanh(c) rows, b = dh rows, c = dW_hr (input-major).")
            {
                M = s.Hidden, N = s.FeaturesPadded, AStrideM = 1, AStrideK = s.HiddenPadded, BStride = s.FeaturesPadded, CStride = s.FeaturesPadded,
            });
        }

        var head = new BroadcastProduct("HeadForward", "y_t = b_out + Σ_j h_t[j] · W_out[j, :] for steps rows: a = h rows, b = W_out (input-major), c = y rows.")
        {
            K = s.Features, N = s.OutputPadded, AStrideM = s.FeaturesPadded, AStrideK = 1, BStride = s.OutputPadded, CStride = s.OutputPadded,
            BPanel = s.OutputPanel, Start = ProductStart.Row, WideTiles = s.WideHead,
        };
        HeadForward = Register(head);
        // One row: a streaming step's head. A wide head in panels keeps the many-row product (one summation order).
        HeadStep = s.OutputPanelled ? HeadForward : Register(head with { Name = "HeadStep", Doc = "The head of one step: y = b_out + Σ_j h[j] · W_out[j, :].", M = 1 });
        if (s.Bidirectional)
        {
            HeadForwardAdd = Register(head with { Name = "HeadForwardAdd", Doc = "y_t += Σ_j h_t[j] · W_out[j, :]: the reverse direction's half of a bidirectional head.", Start = ProductStart.Accumulate });
        }

        OutputWeightGrads = Register(new BroadcastProduct("OutputWeightGrads", "dW_out[j, :] += Σ_t h_t[j] · dy_t: a = h rows (A(j, t) = h_t[j]), b = dy rows, c = dW_out (input-major).")
        {
            M = s.Features, N = s.OutputPadded, AStrideM = 1, AStrideK = s.FeaturesPadded, BStride = s.OutputPadded, CStride = s.OutputPadded,
            CPanel = s.OutputPanel, WideTiles = s.WideHead,
        });
        HiddenGradsFromHead = Register(new DotProduct("HiddenGradsFromHead", "dh_t[j] += Σ_o dy_t[o] · W_out[j, o]: a = dy rows, b = W_out rows, c = dh rows.")
        {
            N = s.Features, K = s.OutputPadded, AStride = s.OutputPadded, BStride = s.OutputPadded, CStride = s.FeaturesPadded,
            BPanel = s.OutputPanel, WideTiles = s.WideHead,
        });
        RecurrentBackprop = Register(new DotProduct("RecurrentBackprop", "dPrev[j] += Σ_i δ[i] · W_hh[j, i] for rows δ rows: a = δ rows, b = W_hh rows, c = state-gradient rows.")
        {
            N = s.RecurrentInputs, K = s.GateWidth, AStride = s.GateWidth, BStride = s.GateWidth, CStride = s.StateGradientWidth,
            BPanel = s.RecurrentPanel, BPanelGroups = s.RecurrentPanelGroups,
        });
        RecurrentWeightGrads = Register(new BroadcastProduct("RecurrentWeightGrads", "dW_hh[j, :] += Σ_s r_{s-1}[j] · δ_s: a = recurrent inputs from the window's first row, b = δ rows, c = dW_hh.")
        {
            M = s.RecurrentInputs, N = s.GateWidth, AStrideM = 1, AStrideK = s.FeedsBack ? s.OutputPadded : s.FeaturesPadded, BStride = s.GateWidth, CStride = s.GateWidth,
            CPanel = s.RecurrentPanel, CPanelGroups = s.RecurrentPanelGroups,
        });
        Cell.RegisterProducts(this);
        StreamBatch = s.StepsBatch ? new StreamBatch(this) : null;
        PackedTraining = PackedTraining.For(this);
    }

    /// <summary>The products of a Step over many streams (Batch &gt; 1), or null.</summary>
    public StreamBatch? StreamBatch { get; }

    /// <summary>Backward over a whole batch in one pass (Batch &gt; 1, where built), or null.</summary>
    public PackedTraining? PackedTraining { get; }

    /// <summary>Layer 0's dense input side (dense inputs or embedded rows) and, with an embedding layer, its gradient.</summary>
    private void RegisterInputProducts()
    {
        Sizes s = Sizes;
        if (!Spec.LookupInput)
        {
            string rows = s.Embedded ? "embedded rows [steps, EmbeddingPadded]" : "dense inputs [steps, Input]";
            InputProjection = Register(InParts(new BroadcastProduct("InputProjection", $"W_ih x_t for every step: a = {rows}, b = W_ih (input-major), c = rows of GateWidth.")
            {
                K = s.InputWidth, N = s.GateWidth, AStrideM = s.InputStride, AStrideK = 1, BStride = s.GateWidth, CStride = s.GateWidth, Start = ProductStart.Zero,
            }));
            InputStep = Register(InputProjection with { Name = "InputStep", Doc = "W_ih x for one step.", M = 1 });
            InputWeightGrads = Register(new BroadcastProduct("InputWeightGrads", $"dW_ih[j, :] += Σ_s x_s[j] · δ_s: a = {(s.Embedded ? "embedded rows" : "dense inputs")} (A(j, s) = x_s[j]), b = δ rows, c = dW_ih (input-major).")
            {
                M = s.InputWidth, N = s.GateWidth, AStrideM = 1, AStrideK = s.InputStride, BStride = s.GateWidth, CStride = s.GateWidth,
            });
        }

        if (s.ComposesInput)
        {
            InputBackprop = Register(new DotProduct("InputBackprop", "dx_t[j] += Σ_i δ_t[i] · W_ih[j, i] for rows δ rows: a = layer 0's input-side δ rows, b = W_ih rows, c = the caller's input gradient rows [steps, Input].")
            {
                N = s.InputWidth, K = s.GateWidth, AStride = s.GateWidth, BStride = s.GateWidth, CStride = s.InputWidth,
            });
        }

        if (s.Embedded)
        {
            EmbeddingBackprop = Register(new DotProduct("EmbeddingBackprop", "dx_t[j] += Σ_i δ_t[i] · W_ih[j, i] for rows δ rows: a = layer 0's input-side δ rows, b = W_ih rows, c = dx rows of the embedded inputs.")
            {
                N = s.InputWidth, K = s.GateWidth, AStride = s.GateWidth, BStride = s.GateWidth, CStride = s.InputStride,
            });
        }
    }

    public ModelSpec Spec { get; }

    public Sizes Sizes { get; }

    public Memory Memory { get; }

    public Cell Cell { get; }

    /// <summary>The element type keyword: <c>float</c> or <c>double</c>.</summary>
    public string T { get; }

    /// <summary>Every product's shape, once per distinct shape, in the order they were registered.</summary>
    public IReadOnlyList<Product> Products => _products;

    public BroadcastProduct? InputProjection { get; private set; }
    public BroadcastProduct? InputWeightGrads { get; private set; }

    /// <summary>The gradient of a dense model's inputs, for a Backward that gives it.</summary>
    public DotProduct? InputBackprop { get; private set; }

    /// <summary>The gradient of layer 0's embedded inputs, with an embedding layer.</summary>
    public DotProduct? EmbeddingBackprop { get; private set; }

    /// <summary>The input side of one streaming step (dense inputs); one row, so one register tile where it fits.</summary>
    public BroadcastProduct? InputStep { get; private set; }

    /// <summary>The input side of one streaming step of a layer above the first.</summary>
    public BroadcastProduct? LayerInputStep { get; }
    public BroadcastProduct? LayerInputProjection { get; }
    public BroadcastProduct? LayerInputProjectionAdd { get; }
    public DotProduct? LayerBackprop { get; }
    public BroadcastProduct? LayerInputWeightGrads { get; }
    public BroadcastProduct? ProjectionWeightGrads { get; }
    public BroadcastProduct HeadForward { get; }
    public BroadcastProduct? HeadForwardAdd { get; }

    /// <summary>The head for one row (or <see cref="HeadForward"/> with one row when the head is in panels).</summary>
    public BroadcastProduct HeadStep { get; }
    public BroadcastProduct OutputWeightGrads { get; }
    public DotProduct HiddenGradsFromHead { get; }
    public DotProduct RecurrentBackprop { get; }
    public BroadcastProduct RecurrentWeightGrads { get; }

    /// <summary>Trainable parameters as PyTorch counts them (no padding).</summary>
    public long ParameterCount
    {
        get
        {
            long g = Sizes.Gates, h = Spec.Hidden, o = Spec.Output, features = Sizes.Features.Value;
            long total = o * Sizes.Directions * features + o + (Sizes.Embedded ? (long)Spec.Vocab * Spec.Embedding : 0);
            foreach (Unit unit in Memory.Units)
            {
                total += g * h * unit.InputWidth.Constant + g * h * Sizes.RecurrentInputs.Value + 2 * g * h + (Sizes.Projected ? features * h : 0);
            }

            return total;
        }
    }

    /// <summary>
    /// A fingerprint of the flat parameter layout (the padded sizes, the panels and their order, every parameter's place):
    /// checkpoints, which store the parameters and the optimiser's state as flat arrays, record it and resume only where it
    /// is the same. FNV-1a over the facts, so the same layout gives the same text on every machine.
    /// </summary>
    public string Fingerprint
    {
        get
        {
            var text = new System.Text.StringBuilder();
            text.Append(Sizes.ElementBytes).Append('|').Append(Sizes.HiddenPadded.Value).Append('|').Append(Sizes.FeaturesPadded.Value)
                .Append('|').Append(Sizes.OutputPadded.Value).Append('|').Append(Sizes.RecurrentPanel.Value).Append('|').Append(Sizes.RecurrentPanelGroups)
                .Append('|').Append(Sizes.OutputPanel.Value);
            foreach (Buffer buffer in Memory.Parameters)
            {
                text.Append('|').Append(buffer.Name).Append('@').Append(buffer.Offset).Append('+').Append(buffer.Length);
            }

            ulong hash = 14695981039346656037UL;
            foreach (char c in text.ToString())
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A product over the gate columns, computed in two parts (one per thread) when the recurrence splits.</summary>
    public BroadcastProduct InParts(BroadcastProduct product) => Sizes.SplitsRecurrence
        ? product with { PartColumns = Sizes.HalfUnits, GroupColumns = Sizes.HiddenPadded }
        : product;

    /// <summary>Registers a product; a shape already registered under another name is that product.</summary>
    public TProduct Register<TProduct>(TProduct product)
        where TProduct : Product
    {
        if (_byKey.TryGetValue(product.Key, out Product? same))
        {
            return (TProduct)same;
        }

        _byKey[product.Key] = product;
        _products.Add(product);
        return product;
    }
}
