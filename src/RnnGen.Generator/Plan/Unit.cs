using static RnnGen.Generator.Plan.Expr;

namespace RnnGen.Generator.Plan;

/// <summary>
/// One recurrent unit of the stack: a layer's forward direction, or its reverse direction when bidirectional. Its
/// parameters and workspace buffers are typed handles; layer 0's constants keep the plain names (States, ...), a
/// layer l &gt; 0 adds "L{l}", and a reverse direction "Reverse".
/// </summary>
internal sealed class Unit
{
    public Unit(int layer, bool reverse, bool top, Expr inputWidth, string inputName, bool tokenInput)
    {
        Layer = layer;
        Reverse = reverse;
        Top = top;
        InputWidth = inputWidth;
        InputName = inputName;
        TokenInput = tokenInput;
    }

    /// <summary>The layer, 0 (the bottom) to Layers - 1.</summary>
    public int Layer { get; }

    /// <summary>The reverse direction of a bidirectional layer: it runs from the last step to the first.</summary>
    public bool Reverse { get; }

    /// <summary>The top layer, which the head reads.</summary>
    public bool Top { get; }

    public bool First => Layer == 0;

    /// <summary>Values per step this unit reads: Vocab or Input for layer 0, the layer below's output above it.</summary>
    public Expr InputWidth { get; }

    /// <summary>The declaration's name for <see cref="InputWidth"/>, for comments: Vocab, Input, Hidden or Projection.</summary>
    public string InputName { get; }

    /// <summary>Layer 0 of a token model: its input side is a row lookup, not a product.</summary>
    public bool TokenInput { get; }

    /// <summary>The suffix of this unit's constants: "", "L1", "Reverse", "L1Reverse".</summary>
    public string Suffix => (First ? "" : "L" + Layer) + (Reverse ? "Reverse" : "");

    /// <summary>PyTorch's parameter suffix: _l0, _l1, ..., and _reverse for the reverse direction.</summary>
    public string PyTorchSuffix => "_l" + Layer + (Reverse ? "_reverse" : "");

    /// <summary>Where this layer's h (then c) start in the streaming state: 0 for layer 0, else a constant State{Suffix}.</summary>
    public Expr StateOffset => First ? Zero : new Named("State" + Suffix, StateOffsetValue);

    /// <summary>The value of <see cref="StateOffset"/>.</summary>
    public long StateOffsetValue { get; set; }

    // Parameters.
    public Buffer InputWeights { get; set; } = null!;
    public Buffer RecurrentWeights { get; set; } = null!;
    public Buffer InputBias { get; set; } = null!;
    public Buffer RecurrentBias { get; set; } = null!;
    public Buffer? ProjectionWeights { get; set; }

    // Workspace.
    public Buffer States { get; set; } = null!;
    public Buffer? Cells { get; set; }
    public Buffer? Gates { get; set; }
    public Buffer? HiddenPart { get; set; }
    public Buffer? Unprojected { get; set; }
    public Buffer? ProjectionGrads { get; set; }
    public Buffer? InputPart { get; set; }
    public Buffer? Mask { get; set; }
    public Buffer? Dropped { get; set; }
    public Buffer HiddenGrads { get; set; } = null!;
    public Buffer InputGrads { get; set; } = null!;
    public Buffer? RecurrentGrads { get; set; }

    /// <summary>dLoss/d(W_hh r + b_hh) rows: their own rows where they differ from the input side's (GRU).</summary>
    public Buffer RecurrentSideGrads => RecurrentGrads ?? InputGrads;

    /// <summary>The row of <see cref="States"/> holding h at step <paramref name="t"/>: t + 1 going forward (row 0 is the initial state), t in reverse.</summary>
    public Expr HiddenRow(Expr t) => Reverse ? t : t + 1;

    /// <summary>The row holding the state a step at <paramref name="t"/> starts from.</summary>
    public Expr PreviousRow(Expr t) => Reverse ? t + 1 : t;

    /// <summary>The first row of h for step 0 onwards: row 1 going forward, row 0 in reverse.</summary>
    public Slot Outputs => States.Row(Reverse ? 0 : 1);

    public override string ToString() => "layer " + Layer + (Reverse ? " (reverse)" : "");
}
