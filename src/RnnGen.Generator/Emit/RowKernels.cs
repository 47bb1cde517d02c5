namespace RnnGen.Generator.Emit;

/// <summary>
/// Small element-wise kernels over padded rows. Their width argument is always a constant at the
/// call site, and they are inlined, so the JIT sees a constant trip count.
/// </summary>
internal static class RowKernels
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        Method(w, ctx, "destination = source over a padded row.", $"CopyRow(ref {T} source, ref {T} destination, nuint width)",
            v => w.Line($"{v.V}.StoreUnsafe({v.V}.LoadUnsafe(ref source, i), ref destination, i);"));
        Method(w, ctx, "destination += source over a padded row.", $"AddRow(ref {T} source, ref {T} destination, nuint width)",
            v => w.Line($"{v.V}.StoreUnsafe({v.V}.LoadUnsafe(ref destination, i) + {v.V}.LoadUnsafe(ref source, i), ref destination, i);"));

        if (ctx.Dropout)
        {
            Method(w, ctx, "destination *= factor over a padded range.", $"MultiplyRow(ref {T} factor, ref {T} destination, nuint width)",
                v => w.Line($"{v.V}.StoreUnsafe({v.V}.LoadUnsafe(ref destination, i) * {v.V}.LoadUnsafe(ref factor, i), ref destination, i);"));
            Method(w, ctx, "destination += source * factor over a padded row.", $"AddProductRow(ref {T} source, ref {T} factor, ref {T} destination, nuint width)",
                v => w.Line($"{v.V}.StoreUnsafe({v.V}.MultiplyAddEstimate({v.V}.LoadUnsafe(ref source, i), {v.V}.LoadUnsafe(ref factor, i), {v.V}.LoadUnsafe(ref destination, i)), ref destination, i);"));
        }

        w.Line("/// <summary>target += Σ rows[0..count): columns outside, rows inside, so each target vector is written once.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Open($"private static void SumRows(ref {T} rows, ref {T} target, int count, nuint width)"))
        {
            Simd.Loop(w, ctx, "width", v =>
            {
                w.Line($"var sum = {v.V}.LoadUnsafe(ref target, i);");
                using (w.Open("for (nuint r = 0; r < (nuint)count; r++)"))
                {
                    w.Line($"sum += {v.V}.LoadUnsafe(ref rows, r * width + i);");
                }

                w.Line($"{v.V}.StoreUnsafe(sum, ref target, i);");
            });
        }

        w.Line();
        // x - x is 0 for a finite x and NaN for NaN or ±infinity, and NaN survives the sums: one subtraction
        // and one addition per vector, in four independent chains so the adds do not wait on each other.
        w.Line("/// <summary>True when every value of a padded run is finite.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Open($"private static bool AllFinite(ref {T} g, nuint width)"))
        {
            Simd.Branches(w, v =>
            {
                string vt = v.Of(T);
                w.Line($"{vt} a = default, b = default, c = default, d = default;");
                w.Line("nuint i = 0;");
                using (w.Open($"for (; i + 4 * (nuint){vt}.Count <= width; i += 4 * (nuint){vt}.Count)"))
                {
                    w.Line($"var x0 = {v.V}.LoadUnsafe(ref g, i);");
                    w.Line($"var x1 = {v.V}.LoadUnsafe(ref g, i + (nuint){vt}.Count);");
                    w.Line($"var x2 = {v.V}.LoadUnsafe(ref g, i + 2 * (nuint){vt}.Count);");
                    w.Line($"var x3 = {v.V}.LoadUnsafe(ref g, i + 3 * (nuint){vt}.Count);");
                    w.Line("a += x0 - x0;");
                    w.Line("b += x1 - x1;");
                    w.Line("c += x2 - x2;");
                    w.Line("d += x3 - x3;");
                }

                using (w.Open($"for (; i < width; i += (nuint){vt}.Count)"))
                {
                    w.Line($"var x = {v.V}.LoadUnsafe(ref g, i);");
                    w.Line("a += x - x;");
                }

                w.Line($"return (a + b) + (c + d) == {vt}.Zero;");
            });
        }

        w.Line();
        w.Line("/// <summary>p -= learningRate · g over a run of parameters.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Open($"private static void Update(ref {T} p, ref {T} g, {T} learningRate, nuint width)"))
        {
            Simd.Branches(w, v =>
            {
                w.Line($"var rate = {v.V}.Create(-learningRate);");
                using (w.Open($"for (nuint i = 0; i < width; i += (nuint){v.Of(T)}.Count)"))
                {
                    w.Line($"{v.V}.StoreUnsafe({v.V}.MultiplyAddEstimate(rate, {v.V}.LoadUnsafe(ref g, i), {v.V}.LoadUnsafe(ref p, i)), ref p, i);");
                }
            });
        }

        w.Line();
    }

    private static void Method(CodeWriter w, EmitContext ctx, string doc, string signature, System.Action<SimdWidth> body)
    {
        w.Line($"/// <summary>{doc}</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Open($"private static void {signature}"))
        {
            Simd.Loop(w, ctx, "width", body);
        }

        w.Line();
    }
}
