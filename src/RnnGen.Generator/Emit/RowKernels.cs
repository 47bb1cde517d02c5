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

    /// <summary>The plain SGD update over the whole flat parameter array.</summary>
    public static void EmitUpdate(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        w.Line("/// <summary>p -= learningRate · g over every parameter (padding stays zero: its gradient is zero).</summary>");
        using (w.Open($"public static void Update({T}[] parameters, {T}[] gradients, {T} learningRate)"))
        {
            w.Line($"ref {T} p = ref MemoryMarshal.GetArrayDataReference(parameters);");
            w.Line($"ref {T} g = ref MemoryMarshal.GetArrayDataReference(gradients);");
            Simd.Branches(w, v =>
            {
                w.Line($"var rate = {v.V}.Create(-learningRate);");
                using (w.Open($"for (nuint i = 0; i < ParameterLength; i += (nuint){v.Of(T)}.Count)"))
                {
                    w.Line($"{v.V}.StoreUnsafe({v.V}.FusedMultiplyAdd(rate, {v.V}.LoadUnsafe(ref g, i), {v.V}.LoadUnsafe(ref p, i)), ref p, i);");
                }
            });
        }

        w.Line();
    }
}
