using System;

namespace RnnGen.Generator.Emit.Kernels;

/// <summary>
/// <c>C[m, n] += Σ_k A[m, k] · B[n, k]</c> with k contiguous in both: dot products, reduced
/// horizontally once per output. Covers the backward products through input-major weights
/// (<c>dh = Wᵀ · δ</c> for the head and the recurrence).
/// </summary>
/// <remarks>
/// Rows of A at <c>a[m * AStride]</c>, rows of B at <c>b[n * BStride]</c>, C at
/// <c>c[m * CStride + n]</c>. K is a padded constant, a whole number of vectors; N is a constant
/// (its remainder tile is chosen at generation time); M may be the run-time sequence length.
/// </remarks>
internal sealed class DotGemm
{
    public required string Name { get; init; }
    public required string Doc { get; init; }
    public required Dim M { get; init; }
    public required int N { get; init; }
    public required int K { get; init; }
    public required int AStride { get; init; }
    public required int BStride { get; init; }
    public required int CStride { get; init; }

    public void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        string extra = M.IsConst ? "" : $", int {M.Parameter}";
        w.Line($"/// <summary>{Doc}</summary>");
        using (w.Open($"private static void {Name}(ref {T} a, ref {T} b, ref {T} c{extra})"))
        {
            Simd.Branches(w, width => EmitWidth(w, ctx, width));
        }

        w.Line();
    }

    private void EmitWidth(CodeWriter w, EmitContext ctx, SimdWidth width)
    {
        // Accumulators plus one vector per A row and per B row must fit the register file.
        int rm = width.Bits == 512 ? 4 : 2, rn = Math.Min(4, N);
        int full = N / rn, rest = N % rn;
        if (full > 0)
        {
            using (w.Open(full == 1 ? "" : $"for (nuint n0 = 0; n0 < {full * rn}; n0 += {rn})"))
            {
                if (full == 1) w.Line("nuint n0 = 0;");
                EmitRows(w, ctx, width, rm, rn);
            }
        }

        if (rest > 0)
        {
            using (w.Open(""))
            {
                w.Line($"nuint n0 = {full * rn};");
                EmitRows(w, ctx, width, rm, rest);
            }
        }
    }

    private void EmitRows(CodeWriter w, EmitContext ctx, SimdWidth width, int rm, int rn)
    {
        if (M.IsConst && M.Value == 1)
        {
            EmitTile(w, ctx, width, 1, rn, "0");
            return;
        }

        w.Line("nuint m0 = 0;");
        if (!M.IsConst || M.Value >= rm)
        {
            using (w.Open($"for (; m0 + {rm} <= {M.Bound}; m0 += {rm})"))
            {
                EmitTile(w, ctx, width, rm, rn, "m0");
            }
        }

        if (!M.IsConst || M.Value % rm != 0)
        {
            using (w.Open($"for (; m0 < {M.Bound}; m0++)"))
            {
                EmitTile(w, ctx, width, 1, rn, "m0");
            }
        }
    }

    private void EmitTile(CodeWriter w, EmitContext ctx, SimdWidth width, int rm, int rn, string m0)
    {
        string V = width.V, VT = width.Of(ctx.T);
        int lanes = ctx.Lanes(width);
        string Row(string m, int i) => i == 0 ? m : m == "0" ? i.ToString() : $"({m} + {i})";

        for (int i = 0; i < rm; i++)
        {
            for (int j = 0; j < rn; j++)
            {
                w.Line($"var s{i}{j} = {VT}.Zero;");
            }
        }

        void Body(string k)
        {
            for (int i = 0; i < rm; i++)
            {
                w.Line($"var a{i} = {V}.LoadUnsafe(ref a, {Row(m0, i)} * {AStride} + {k});");
            }

            for (int j = 0; j < rn; j++)
            {
                w.Line($"var b{j} = {V}.LoadUnsafe(ref b, {Row("n0", j)} * {BStride} + {k});");
                for (int i = 0; i < rm; i++)
                {
                    w.Line($"s{i}{j} = {V}.FusedMultiplyAdd(a{i}, b{j}, s{i}{j});");
                }
            }
        }

        if (K == lanes)
        {
            Body("0");
        }
        else
        {
            using (w.Open($"for (nuint k = 0; k < {K}; k += {lanes})"))
            {
                Body("k");
            }
        }

        for (int i = 0; i < rm; i++)
        {
            for (int j = 0; j < rn; j++)
            {
                w.Line($"Unsafe.Add(ref c, {Row(m0, i)} * {CStride} + {Row("n0", j)}) += {V}.Sum(s{i}{j});");
            }
        }
    }
}
