using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>
/// SgdStep as one network call. For token models only the input-weight rows of the sequence's
/// tokens have gradients (one-hot inputs), so those rows are cleared and updated instead of all
/// Vocab of them; everything from DenseParameters on is handled whole. The head's weights, the
/// largest matrix of a language model, take their step straight from dy and h: p += Σ (-lr·h) dyᵀ
/// is the gradient's own product with the update folded in, so W_out's gradient is never stored,
/// cleared or read back. Before any update, the loss and everything the update applies are checked
/// to be finite (for W_out: dy and h, and a bound that rules out overflow in their products); a
/// failed check updates nothing and returns where the problem is, for the model to throw or skip.
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType;
        bool fused = ctx.FusedHeadUpdate;
        w.Lines($$"""
            /// <summary>
            /// Zero gradients, Backward, then p -= learningRate · g; returns the loss. Gradients are unspecified afterwards.
            /// <paramref name="nonFinite"/> is TrainingGuard.AllFinite, or else says what was not finite, and nothing was updated.
            /// </summary>
            public static {{T}} SgdStep({{T}}[] parameters, {{T}}[] gradients, {{T}}[] workspace, ReadOnlySpan<{{X}}> inputs, ReadOnlySpan<{{Y}}> targets, int steps, {{T}} learningRate, ref {{T}} state{{ctx.TeamParameter}}{{ctx.DropoutParameter}}, out int nonFinite)
            {
                ref {{T}} p = ref global::RnnGen.Runtime.AlignedArray.Origin(parameters);
                ref {{T}} g = ref global::RnnGen.Runtime.AlignedArray.Origin(gradients);
            """);
        if (fused)
        {
            w.Line($"    ref {T} w = ref global::RnnGen.Runtime.AlignedArray.Origin(workspace);");
        }

        foreach ((string start, string length) in DenseRanges(fused))
        {
            w.Line($"    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, {start}), {length}).Clear();");
        }

        if (!ctx.Dense)
        {
            w.Lines("""
                    foreach (int token in inputs)
                    {
                        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, InputWeights + token * GateWidth), GateWidth).Clear();
                    }

                """);
        }

        w.Lines($$"""
                {{T}} loss = Backward(parameters, gradients, workspace, inputs, targets, steps, ref state{{ctx.TeamArgument}}{{ctx.DropoutArgument}}{{(fused ? ", headWeights: false" : "")}});
                nonFinite = CheckFinite(loss, gradients{{(ctx.Dense ? "" : ", inputs")}});
                if (nonFinite != TrainingGuard.AllFinite)
                {
                    return loss;
                }

            """);
        if (fused)
        {
            w.Lines("""
                    // Rare: dy or h not finite, or large enough that a product might overflow. Then W_out's gradient is
                    // stored and checked like the others, and applied from there.
                    bool headStored = !HeadBounded(ref w, steps);
                    if (headStored)
                    {
                        nonFinite = StoreHeadGradient(ref w, gradients, steps);
                        if (nonFinite != TrainingGuard.AllFinite)
                        {
                            return loss;
                        }
                    }

                """);
        }

        foreach ((string start, string length) in DenseRanges(fused))
        {
            w.Line($"    Update(ref Unsafe.Add(ref p, {start}), ref Unsafe.Add(ref g, {start}), learningRate, {length});");
        }

        if (fused)
        {
            EmitHeadUpdate(w, ctx);
        }

        if (!ctx.Dense)
        {
            w.Lines($$"""
                    foreach (int token in inputs)
                    {
                        // Clearing the row after its update applies a repeated token's gradient once.
                        ref {{T}} row = ref Unsafe.Add(ref g, InputWeights + token * GateWidth);
                        Update(ref Unsafe.Add(ref p, InputWeights + token * GateWidth), ref row, learningRate, GateWidth);
                        MemoryMarshal.CreateSpan(ref row, GateWidth).Clear();
                    }

                """);
        }

        w.Line("    return loss;");
        w.Line("}");
        w.Line();

        EmitCheckFinite(w, ctx, fused);
        if (fused)
        {
            EmitHeadChecks(w, ctx);
        }
    }

    // The parameters with stored gradients from DenseParameters on: all of them, or all but W_out when its update is fused.
    private static (string Start, string Length)[] DenseRanges(bool fused) => fused
        ? [("DenseParameters", "OutputWeights - DenseParameters"), ("OutputBias", "ParameterLength - OutputBias")]
        : [("DenseParameters", "ParameterLength - DenseParameters")];

    // Backward left dy in Logits and each head input's rows h in place, and computed dh from the old W_out. The scaled
    // rows -lr·h go into that unit's HiddenGrads, free once Backward returns (Update from zero gives 0 - lr·h).
    private static void EmitHeadUpdate(CodeWriter w, EmitContext ctx)
    {
        Layout l = ctx.Layout;
        w.Lines("""
                if (headStored)
                {
                    Update(ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref g, OutputWeights), learningRate, OutputBias - OutputWeights);
                }
                else
                {
                    // W_out += Σ (-learningRate · h) dyᵀ: the head's weight gradient and its update in one pass.
            """);
        foreach ((LayerLayout unit, string weights) in ctx.DirectionRows(l.Depth - 1, "OutputWeights", "OutputPadded"))
        {
            string scaled = unit["HiddenGrads"], rows = $"{ctx.HeadRows} * {ctx.HRow}";
            w.Line($"        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {scaled}), {rows}).Clear();");
            w.Line($"        Update(ref Unsafe.Add(ref w, {scaled}), ref Unsafe.Add(ref w, {ForwardEmitter.HeadRows(ctx, unit)}), learningRate, (nuint)({rows}));");
            w.Line($"        OutputWeightGrads(ref Unsafe.Add(ref w, {scaled}), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, {weights}), {ctx.HeadRows});");
        }

        w.Line("    }");
        w.Line();
    }

    // The check reads what the update is about to apply, no more: the stored dense gradients and the touched rows.
    private static void EmitCheckFinite(CodeWriter w, EmitContext ctx, bool fused)
    {
        string T = ctx.T;
        string tokens = ctx.Dense ? "" : ", ReadOnlySpan<int> inputs";
        w.Lines($$"""
            /// <summary>TrainingGuard.AllFinite if the loss and every stored gradient SgdStep applies are finite; else LossNotFinite or the first bad index.</summary>
            private static int CheckFinite({{T}} loss, {{T}}[] gradients{{tokens}})
            {
                if (!{{T}}.IsFinite(loss))
                {
                    return TrainingGuard.LossNotFinite;
                }

                ref {{T}} g = ref global::RnnGen.Runtime.AlignedArray.Origin(gradients);
            """);
        foreach ((string start, string length) in DenseRanges(fused))
        {
            w.Lines($$"""
                    if (!AllFinite(ref Unsafe.Add(ref g, {{start}}), {{length}}))
                    {
                        return {{start}} + TrainingGuard.FirstNonFinite<{{T}}>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref g, {{start}}), {{length}}));
                    }

                """);
        }

        if (!ctx.Dense)
        {
            w.Lines($$"""
                    foreach (int token in inputs)
                    {
                        if (!AllFinite(ref Unsafe.Add(ref g, InputWeights + token * GateWidth), GateWidth))
                        {
                            return InputWeights + token * GateWidth + TrainingGuard.FirstNonFinite<{{T}}>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref g, InputWeights + token * GateWidth), GateWidth));
                        }
                    }

                """);
        }

        w.Line("    return TrainingGuard.AllFinite;");
        w.Line("}");
        w.Line();
    }

    // W_out's gradient Σ h dyᵀ is finite when dy and h are and rows · max|h| · max|dy| is: no partial sum can then
    // overflow. The bound is cheap (h is a few rows; dy needs no pass for cross-entropy), so the common step needs no
    // stored gradient.
    private static void EmitHeadChecks(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, rows = ctx.HeadRows;
        Layout l = ctx.Layout;
        w.Lines($$"""
            /// <summary>Whether dy and the head's inputs h are finite and small enough that W_out's gradient cannot overflow.</summary>
            private static bool HeadBounded(ref {{T}} w, int steps)
            {
            """);
        if (ctx.CrossEntropy)
        {
            // A finite loss (SgdStep checks it first) means no logit was NaN or +∞ and every row's maximum was finite,
            // so each softmax lies in [0, 1] and dy = softmax - onehot in [-1, 1] up to rounding: no pass over the
            // rows (8000 wide in the tutorial) is needed to bound it.
            w.Line("    // After a finite loss, dy = softmax(y) - onehot lies in [-1, 1] up to rounding.");
            w.Line($"    {T} dyMax = 2;");
        }
        else
        {
            w.Lines($$"""
                    if (!AllFinite(ref Unsafe.Add(ref w, Logits), (nuint)({{rows}} * OutputPadded)))
                    {
                        return false;
                    }

                    {{T}} dyMax = TrainingGuard.MaxAbs<{{T}}>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref w, Logits), {{rows}} * OutputPadded));
                """);
        }

        foreach (LayerLayout unit in l.UnitsOf(l.Depth - 1))
        {
            string h = ForwardEmitter.HeadRows(ctx, unit), width = $"{rows} * {ctx.HRow}";
            w.Lines($$"""
                    if (!AllFinite(ref Unsafe.Add(ref w, {{h}}), (nuint)({{width}})) ||
                        !({{T}}.CreateTruncating({{rows}}) * dyMax * TrainingGuard.MaxAbs<{{T}}>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref w, {{h}}), {{width}})) <= {{T}}.MaxValue))
                    {
                        return false;
                    }

                """);
        }

        w.Lines($$"""
                return true;
            }

            /// <summary>Stores W_out's gradient (SgdStep's rare path) and returns TrainingGuard.AllFinite or the first non-finite index.</summary>
            private static int StoreHeadGradient(ref {{T}} w, {{T}}[] gradients, int steps)
            {
                ref {{T}} g = ref global::RnnGen.Runtime.AlignedArray.Origin(gradients);
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, OutputWeights), OutputBias - OutputWeights).Clear();
            """);
        foreach ((LayerLayout unit, string weights) in ctx.DirectionRows(l.Depth - 1, "OutputWeights", "OutputPadded"))
        {
            w.Line($"    OutputWeightGrads(ref Unsafe.Add(ref w, {ForwardEmitter.HeadRows(ctx, unit)}), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, {weights}), {rows});");
        }

        w.Lines($$"""
                int bad = TrainingGuard.FirstNonFinite<{{T}}>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref g, OutputWeights), OutputBias - OutputWeights));
                return bad < 0 ? TrainingGuard.AllFinite : OutputWeights + bad;
            }

            """);
    }
}
