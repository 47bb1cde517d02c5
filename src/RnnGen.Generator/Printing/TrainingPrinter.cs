using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// SgdStep as one network call. For token models only the input-weight rows of the sequence's tokens have gradients
/// (one-hot inputs), so those rows are cleared and updated instead of all Vocab of them; everything from
/// DenseParameters on is handled whole. The head's weights, the largest matrix of a language model, take their step
/// straight from dy and h: p += Σ (-lr·h) dyᵀ is the gradient's own product with the update folded in, so W_out's
/// gradient is never stored, cleared or read back. Before any update, the loss and everything the update applies are
/// checked to be finite (for W_out: dy and h, and a bound that rules out overflow in their products); a failed check
/// updates nothing and returns where the problem is, for the model to throw or skip.
/// </summary>
internal sealed class TrainingPrinter : Printer
{
    private static readonly Expr.Named DenseParameters = new("DenseParameters", 0), ParameterLength = new("ParameterLength", 0);

    public TrainingPrinter(Network network, CodeWriter writer)
        : base(network, writer)
    {
    }

    private bool Fused => Sizes.FusedHeadUpdate;

    /// <summary>A token's row of the input weights.</summary>
    private Buffer TokenRows => Sizes.Embedded ? Memory.EmbeddingWeights! : Memory.Units[0].InputWeights;

    private string TokenWidth => Calls.Width(TokenRows.RowWidth);

    /// <summary>The parameters with stored gradients from DenseParameters on: all of them, or all but W_out when its update is fused.</summary>
    private (Expr Start, Expr Length)[] DenseRanges()
    {
        Expr weights = Memory.OutputWeights.Start, bias = Memory.OutputBias.Start;
        return Fused
            ? [(DenseParameters, weights - DenseParameters), (bias, ParameterLength - bias)]
            : [(DenseParameters, ParameterLength - DenseParameters)];
    }

    public void Print()
    {
        W.Line("/// <summary>");
        W.Line("/// Zero gradients, Backward, then p -= learningRate · g; returns the loss. Gradients are unspecified afterwards.");
        W.Line("/// <paramref name=\"nonFinite\"/> is TrainingGuard.AllFinite, or else says what was not finite, and nothing was updated.");
        W.Line("/// </summary>");
        using (W.Open($"public static {T} SgdStep({T}[] parameters, {T}[] gradients, {T}[] workspace, ReadOnlySpan<{InputType}> inputs, ReadOnlySpan<{TargetType}> targets, int steps, {T} learningRate, ref {T} state{TeamParameter}{DropoutParameter}, out int nonFinite)"))
        {
            Origins(gradients: true, workspace: Fused);
            foreach ((Expr start, Expr length) in DenseRanges())
            {
                W.Line(Calls.Clear(new Slot(Base.Gradients, start), length));
            }

            if (Spec.TokenInput)
            {
                W.Line($"Rows.ClearRows<{T}>({TokenRows.Gradient(0).Ref}, inputs, {TokenWidth});");
            }

            W.Line();
            W.Line($"{T} loss = Backward(parameters, gradients, workspace, inputs, targets, steps, ref state{TeamArgument}{DropoutArgument}{UncomposedArguments}{(Fused ? ", headWeights: false" : "")});");
            W.Line($"nonFinite = CheckFinite(loss, gradients{(Spec.TokenInput ? ", inputs" : "")});");
            using (W.Open("if (nonFinite != TrainingGuard.AllFinite)"))
            {
                W.Line("return loss;");
            }

            W.Line();
            if (Fused)
            {
                W.Line("// Rare: dy or h not finite, or large enough that a product might overflow. Then W_out's gradient is");
                W.Line("// stored and checked like the others, and applied from there.");
                W.Line("bool headStored = !HeadBounded(ref w, steps);");
                using (W.Open("if (headStored && (nonFinite = StoreHeadGradient(ref w, gradients, steps)) != TrainingGuard.AllFinite)"))
                {
                    W.Line("return loss;");
                }

                W.Line();
            }

            foreach ((Expr start, Expr length) in DenseRanges())
            {
                W.Line(Calls.Descend(new Slot(Base.Parameters, start), new Slot(Base.Gradients, start), "learningRate", length));
            }

            if (Fused)
            {
                PrintHeadUpdate();
            }

            if (Spec.TokenInput)
            {
                W.Line("// The sequence's rows, each applied once however often its token occurs.");
                W.Line($"Rows.DescendRows<{T}>({TokenRows.At(0).Ref}, {TokenRows.Gradient(0).Ref}, inputs, learningRate, {TokenWidth});");
            }

            W.Line();
            W.Line("return loss;");
        }

        W.Line();
        PrintCheckFinite();
        if (Fused)
        {
            PrintHeadChecks();
        }
    }

    // Backward left dy in Logits and each head input's rows h in place, and computed dh from the old W_out. The scaled
    // rows -lr·h go into that unit's HiddenGrads, free once Backward returns (a descent from zero gives 0 - lr·h).
    private void PrintHeadUpdate()
    {
        using (W.Open("if (headStored)"))
        {
            W.Line(Calls.Descend(Memory.OutputWeights.At(0), Memory.OutputWeights.Gradient(0), "learningRate", Memory.OutputBias.Start - Memory.OutputWeights.Start));
        }

        using (W.Open("else"))
        {
            W.Line("// W_out += Σ (-learningRate · h) dyᵀ: the head's weight gradient and its update in one pass.");
            foreach ((Unit unit, Slot weights) in DirectionRows(Sizes.Depth - 1, Memory.OutputWeights.At(0), Sizes.OutputPadded))
            {
                Slot scaled = unit.HiddenGrads.At(0);
                Expr rows = HeadRows * Sizes.FeaturesPadded;
                W.Line(Calls.Clear(scaled, rows));
                W.Line(Calls.Descend(scaled, HeadInput(unit), "learningRate", rows));
                Lines(Calls.Product(Network.OutputWeightGrads, scaled, Memory.Logits.At(0), weights, HeadRows));
            }
        }
    }

    // The check reads what the update is about to apply, no more: the stored dense gradients and the touched rows.
    private void PrintCheckFinite()
    {
        W.Line("/// <summary>TrainingGuard.AllFinite if the loss and every stored gradient SgdStep applies are finite; else LossNotFinite or the first bad index.</summary>");
        using (W.Open($"private static int CheckFinite({T} loss, {T}[] gradients{(Spec.TokenInput ? ", ReadOnlySpan<int> inputs" : "")})"))
        {
            using (W.Open($"if (!{T}.IsFinite(loss))"))
            {
                W.Line("return TrainingGuard.LossNotFinite;");
            }

            W.Line();
            W.Line($"ref {T} g = ref AlignedArray.Origin(gradients);");
            W.Line("int bad = TrainingGuard.AllFinite;");
            foreach ((Expr start, Expr length) in DenseRanges())
            {
                W.Line($"bad = bad == TrainingGuard.AllFinite ? TrainingGuard.Check(ref g, {start}, {length}) : bad;");
            }

            if (Spec.TokenInput)
            {
                W.Line($"bad = bad == TrainingGuard.AllFinite ? TrainingGuard.CheckRows(ref g, {TokenRows.Start.Print()}, inputs, {Calls.Int(TokenRows.RowWidth)}) : bad;");
            }

            W.Line();
            W.Line("return bad;");
        }

        W.Line();
    }

    // W_out's gradient Σ h dyᵀ is finite when dy and h are and rows · max|h| · max|dy| is: no partial sum can then
    // overflow. The bound is cheap (h is a few rows; dy needs no pass for cross-entropy), so the common step needs no
    // stored gradient.
    private void PrintHeadChecks()
    {
        W.Line("/// <summary>Whether dy and the head's inputs h are finite and small enough that W_out's gradient cannot overflow.</summary>");
        using (W.Open($"private static bool HeadBounded(ref {T} w, int steps)"))
        {
            Expr logits = HeadRows * Sizes.OutputPadded;
            if (Sizes.CrossEntropy)
            {
                // A finite loss (checked first) means every row's maximum was finite, so each softmax lies in [0, 1] and
                // dy = softmax - onehot in [-1, 1] up to rounding: no pass over the rows is needed to bound it.
                W.Line("// After a finite loss, dy = softmax(y) - onehot lies in [-1, 1] up to rounding.");
                W.Line($"{T} dyMax = 2;");
            }
            else
            {
                using (W.Open($"if (!{Calls.AllFinite(Memory.Logits.At(0), logits)})"))
                {
                    W.Line("return false;");
                }

                W.Line();
                W.Line($"{T} dyMax = TrainingGuard.MaxAbs<{T}>({Calls.Span(Memory.Logits.At(0), logits, readOnly: true)});");
            }

            foreach (Unit unit in Memory.UnitsOf(Sizes.Depth - 1))
            {
                Slot h = HeadInput(unit);
                Expr width = HeadRows * Sizes.FeaturesPadded;
                W.Line($"if (!{Calls.AllFinite(h, width)} ||");
                W.Line($"    !({T}.CreateTruncating({HeadRows}) * dyMax * TrainingGuard.MaxAbs<{T}>({Calls.Span(h, width, readOnly: true)}) <= {T}.MaxValue))");
                using (W.Open(""))
                {
                    W.Line("return false;");
                }

                W.Line();
            }

            W.Line("return true;");
        }

        W.Line();
        W.Line("/// <summary>Stores W_out's gradient (SgdStep's rare path) and returns TrainingGuard.AllFinite or the first non-finite index.</summary>");
        using (W.Open($"private static int StoreHeadGradient(ref {T} w, {T}[] gradients, int steps)"))
        {
            Expr length = Memory.OutputBias.Start - Memory.OutputWeights.Start;
            W.Line($"ref {T} g = ref AlignedArray.Origin(gradients);");
            W.Line(Calls.Clear(Memory.OutputWeights.Gradient(0), length));
            foreach ((Unit unit, Slot weights) in DirectionRows(Sizes.Depth - 1, Memory.OutputWeights.At(0), Sizes.OutputPadded))
            {
                Lines(Calls.Product(Network.OutputWeightGrads, HeadInput(unit), Memory.Logits.At(0), weights.Gradient, HeadRows));
            }

            W.Line($"return TrainingGuard.Check(ref g, {Memory.OutputWeights.Start}, {length});");
        }

        W.Line();
    }
}
