using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>
/// SgdStep as one network call. For token models only the input-weight rows of the sequence's
/// tokens have gradients (one-hot inputs), so those rows are cleared and updated instead of all
/// Vocab of them; everything from DenseParameters on is handled whole. The head's weights, the
/// largest matrix of a language model, take their step straight from dy and h: p += Σ (-lr·h) dyᵀ
/// is the gradient's own product with the update folded in, so W_out's gradient is never stored,
/// cleared or read back.
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType;
        bool fused = ctx.FusedHeadUpdate;
        w.Lines($$"""
            /// <summary>Zero gradients, Backward, then p -= learningRate · g; returns the loss. Gradients are unspecified afterwards.</summary>
            public static {{T}} SgdStep({{T}}[] parameters, {{T}}[] gradients, {{T}}[] workspace, ReadOnlySpan<{{X}}> inputs, ReadOnlySpan<{{Y}}> targets, int steps, {{T}} learningRate, ref {{T}} state{{ctx.DropoutParameter}})
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} g = ref MemoryMarshal.GetArrayDataReference(gradients);
            """);
        if (fused)
        {
            w.Line($"    ref {T} w = ref MemoryMarshal.GetArrayDataReference(workspace);");
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

        w.Line($"    {T} loss = Backward(parameters, gradients, workspace, inputs, targets, steps, ref state{ctx.DropoutArgument}{(fused ? ", headWeights: false" : "")});");
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
        w.Line("    // W_out += Σ (-learningRate · h) dyᵀ: the head's weight gradient and its update in one pass.");
        int part = 0;
        foreach (LayerLayout unit in l.UnitsOf(l.Depth - 1))
        {
            string scaled = unit["HiddenGrads"], rows = $"{ctx.HeadRows} * {ctx.HRow}";
            w.Line($"    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {scaled}), {rows}).Clear();");
            w.Line($"    Update(ref Unsafe.Add(ref w, {scaled}), ref Unsafe.Add(ref w, {ForwardEmitter.HeadRows(ctx, unit)}), learningRate, (nuint)({rows}));");
            w.Line($"    OutputWeightGrads(ref Unsafe.Add(ref w, {scaled}), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, {BackwardEmitter.HeadWeights(ctx, part)}), {ctx.HeadRows});");
            part++;
        }

        w.Line();
    }
}
