namespace RnnGen.Generator.Emit;

/// <summary>Small element-wise kernels over padded rows: copies, sums, the SGD update.</summary>
internal static class RowKernels
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        Simd.ElementwiseMethod(w, ctx, "destination = source over one hidden row.", $"CopyHidden(ref {T} source, ref {T} destination)", "HiddenPadded",
            width => w.Line($"{width.V}.StoreUnsafe({width.V}.LoadUnsafe(ref source, i), ref destination, i);"));
        Simd.ElementwiseMethod(w, ctx, "destination += source over one hidden row.", $"AddHidden(ref {T} source, ref {T} destination)", "HiddenPadded",
            width => w.Line($"{width.V}.StoreUnsafe({width.V}.LoadUnsafe(ref destination, i) + {width.V}.LoadUnsafe(ref source, i), ref destination, i);"));
        Simd.ElementwiseMethod(w, ctx, "destination += source over one gate row.", $"AddGateRow(ref {T} source, ref {T} destination)", "GateWidth",
            width => w.Line($"{width.V}.StoreUnsafe({width.V}.LoadUnsafe(ref destination, i) + {width.V}.LoadUnsafe(ref source, i), ref destination, i);"));
        EmitSumRows(w, ctx, "SumGateRows", "GateWidth");
        EmitSumRows(w, ctx, "SumOutputRows", "OutputPadded");
    }

    /// <summary>target += Σ_r rows[r]: columns outside, rows inside, so each target vector is written once.</summary>
    private static void EmitSumRows(CodeWriter w, EmitContext ctx, string name, string width)
    {
        string T = ctx.T;
        w.Line($"/// <summary>target += Σ rows[0..count) over rows of {width}.</summary>");
        using (w.Open($"private static void {name}(ref {T} rows, ref {T} target, int count)"))
        {
            Simd.Loop(w, ctx, width, v =>
            {
                w.Line($"var sum = {v.V}.LoadUnsafe(ref target, i);");
                using (w.Open("for (nuint r = 0; r < (nuint)count; r++)"))
                {
                    w.Line($"sum += {v.V}.LoadUnsafe(ref rows, r * {width} + i);");
                }

                w.Line($"{v.V}.StoreUnsafe(sum, ref target, i);");
            });
        }

        w.Line();
    }

    /// <summary>
    /// SgdStep as one network call. For token models only the input-weight rows of the sequence's
    /// tokens have gradients (one-hot inputs), so those rows are cleared and updated instead of all
    /// Vocab of them; everything from RecurrentWeights on is dense and handled whole.
    /// </summary>
    public static void EmitSgdStep(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        bool sparse = ctx.Spec.TokenInput;
        w.Lines($$"""
            /// <summary>Zero gradients, Backward, then p -= learningRate · g; returns the loss. Gradients are unspecified afterwards.</summary>
            public static {{T}} SgdStep({{T}}[] parameters, {{T}}[] gradients, {{T}}[] workspace, ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, {{T}} learningRate)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} g = ref MemoryMarshal.GetArrayDataReference(gradients);
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, DenseParameters), ParameterLength - DenseParameters).Clear();
            """);
        if (sparse)
        {
            w.Lines("""
                    foreach (int token in inputs)
                    {
                        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, InputWeights + token * GateWidth), GateWidth).Clear();
                    }

                """);
        }

        w.Lines($$"""
                {{T}} loss = Backward(parameters, gradients, workspace, inputs, targets);
                UpdateDense(ref Unsafe.Add(ref p, DenseParameters), ref Unsafe.Add(ref g, DenseParameters), learningRate);
            """);
        if (sparse)
        {
            w.Lines("""
                    foreach (int token in inputs)
                    {
                        // Clearing the row after its update applies a repeated token's gradient once.
                        ref float row = ref Unsafe.Add(ref g, InputWeights + token * GateWidth);
                        UpdateGateRow(ref Unsafe.Add(ref p, InputWeights + token * GateWidth), ref row, learningRate);
                        MemoryMarshal.CreateSpan(ref row, GateWidth).Clear();
                    }
                """.Replace("float", T));
        }

        w.Line("    return loss;");
        w.Line("}");
        w.Line();
        EmitUpdate(w, ctx, "UpdateDense", "ParameterLength - DenseParameters");
        if (sparse)
        {
            EmitUpdate(w, ctx, "UpdateGateRow", "GateWidth");
        }
    }

    private static void EmitUpdate(CodeWriter w, EmitContext ctx, string name, string count)
    {
        string T = ctx.T;
        w.Line($"/// <summary>p -= learningRate · g over {count} elements.</summary>");
        using (w.Open($"private static void {name}(ref {T} p, ref {T} g, {T} learningRate)"))
        {
            Simd.Branches(w, v =>
            {
                w.Line($"var rate = {v.V}.Create(-learningRate);");
                using (w.Open($"for (nuint i = 0; i < {count}; i += (nuint){v.Of(T)}.Count)"))
                {
                    w.Line($"{v.V}.StoreUnsafe({v.V}.FusedMultiplyAdd(rate, {v.V}.LoadUnsafe(ref g, i), {v.V}.LoadUnsafe(ref p, i)), ref p, i);");
                }
            });
        }

        w.Line();
    }
}
