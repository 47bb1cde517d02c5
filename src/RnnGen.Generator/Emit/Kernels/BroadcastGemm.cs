using System;
using System.Collections.Generic;
using static RnnGen.Generator.Emit.Kernels.Blocking;

namespace RnnGen.Generator.Emit.Kernels;

/// <summary>
/// <c>C[m, 0..N) = epilogue(init(m) + Σ_k A(m, k) · B[k, 0..N))</c>: each A element is broadcast
/// and multiplied with a row of B. Covers matrix-vector products with input-major weights
/// (the recurrence, the head), and gradient accumulations (<c>dW += hᵀ · δ</c>).
/// </summary>
/// <remarks>
/// A(m, k) lives at <c>a[m * AStrideM + k * AStrideK]</c>, row k of B at <c>b[k * BStride]</c>,
/// row m of C at <c>c[m * CStride]</c>. N is a padded constant, a whole number of vectors.
/// A register tile of RM rows by CV vectors stays in registers for the whole k loop.
/// </remarks>
internal sealed class BroadcastGemm
{
    public required string Name { get; init; }
    public required string Doc { get; init; }
    public required Dim M { get; init; }
    public required Dim K { get; init; }
    public required int N { get; init; }
    public required int AStrideM { get; init; }
    public required int AStrideK { get; init; }
    public required int BStride { get; init; }
    public required int CStride { get; init; }

    /// <summary>
    /// When positive (and less than N), B is stored as N / BPanel column panels, each <c>[K, BPanel]</c> row-major
    /// (K constant): BStride is then unused. The recurrent weights' layout (Layout.RecurrentPanel).
    /// </summary>
    public int BPanel { get; init; }

    /// <summary>When positive (and less than N), C is stored in panels the same way, each <c>[M, CPanel]</c> (M constant).</summary>
    public int CPanel { get; init; }

    /// <summary>
    /// When positive, the method computes one part of the columns, chosen by a leading <c>int part</c> parameter:
    /// the panels are grouped <see cref="GroupPanels"/> at a time (a gate's panels) and part q takes panels
    /// <c>[q * PartPanels, (q + 1) * PartPanels)</c> of every group. The recurrence split across two threads.
    /// </summary>
    public int PartPanels { get; init; }

    /// <summary>Panels per group when <see cref="PartPanels"/> is set.</summary>
    public int GroupPanels { get; init; }

    /// <summary>The panel width, or 0 when neither B nor C is stored in panels.</summary>
    private int Panel => StoredB > 0 ? StoredB : StoredC;

    /// <summary>B's panel width, 0 when B is plain rows (a panel as wide as N is plain rows).</summary>
    private int StoredB => BPanel > 0 && BPanel < N ? BPanel : 0;

    /// <summary>C's panel width, 0 when C is plain rows.</summary>
    private int StoredC => CPanel > 0 && CPanel < N ? CPanel : 0;

    /// <summary>Extra <c>ref</c> parameters the prologue reads, e.g. <c>ref float bias</c>.</summary>
    public IReadOnlyList<string> ExtraParameters { get; init; } = Array.Empty<string>();

    /// <summary>Initial accumulator for (tile row, column offset expression); null loads C (accumulate).</summary>
    public Func<SimdWidth, int, string, string>? Prologue { get; init; }

    /// <summary>Applied to each accumulator before it is stored; null stores it as is.</summary>
    public Func<SimdWidth, string, string>? Epilogue { get; init; }

    /// <summary>
    /// Fully unroll a constant k loop of a single-row tile when it has at most this many multiply-adds:
    /// a register-sized tile (the streaming step of a small cell) becomes straight-line code, a large one
    /// stays a loop and keeps the source small.
    /// </summary>
    public int UnrollBudget { get; init; } = 64;

    /// <summary>Everything that shapes the emitted body (not the name), to emit identical kernels once.</summary>
    public string Shape(EmitContext ctx)
    {
        string prologue = Prologue is null ? "load" : Prologue(Simd.Widths[0], 0, "o");
        string epilogue = Epilogue is null ? "" : Epilogue(Simd.Widths[0], "v");
        return $"broadcast|{M}|{K}|{N}|{AStrideM}|{AStrideK}|{BStride}|{CStride}|{StoredB}|{StoredC}|{PartPanels}|{GroupPanels}|{string.Join(",", ExtraParameters)}|{prologue}|{epilogue}|{UnrollBudget}";
    }

    /// <summary>The parameter list and the matching argument list.</summary>
    public (string Parameters, string Arguments) Signature(EmitContext ctx)
    {
        var parameters = new List<string> { $"ref {ctx.T} a", $"ref {ctx.T} b", $"ref {ctx.T} c" };
        if (PartPanels > 0) parameters.Insert(0, "int part");
        parameters.AddRange(ExtraParameters);
        if (!M.IsConst) parameters.Add($"int {M.Parameter}");
        if (!K.IsConst) parameters.Add($"int {K.Parameter}");
        var arguments = new List<string>();
        foreach (string parameter in parameters)
        {
            string[] words = parameter.Split(' ');
            arguments.Add(words[0] == "ref" ? "ref " + words[words.Length - 1] : words[words.Length - 1]);
        }

        return (string.Join(", ", parameters), string.Join(", ", arguments));
    }

    public void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        var parameters = new List<string> { $"ref {T} a", $"ref {T} b", $"ref {T} c" };
        if (PartPanels > 0) parameters.Insert(0, "int part");
        parameters.AddRange(ExtraParameters);
        if (!M.IsConst) parameters.Add($"int {M.Parameter}");
        if (!K.IsConst) parameters.Add($"int {K.Parameter}");

        w.Line($"/// <summary>{Doc}</summary>");
        using (w.Open($"private static void {Name}({string.Join(", ", parameters)})"))
        {
            Simd.Branches(w, width =>
            {
                int lanes = ctx.Lanes(width);
                int vectors = N / lanes;
                bool singleRow = M.IsConst && M.Value == 1;
                // Accumulators + B vectors + one broadcast must fit the register file (32 with AVX-512, else 16).
                int rm = singleRow ? 1 : 4;
                int cv = Math.Min(singleRow ? 8 : width.Bits == 512 ? 4 : 2, vectors);
                int panel = Panel;
                if (panel == 0)
                {
                    Blocking.Emit(w, "n0", Dim.Const(vectors), cv, lanes, (columns, n0) =>
                        Blocking.Emit(w, "m0", M, rm, 1, (rows, m0) => EmitTile(w, ctx, width, rows, m0, columns, n0, new Operands("b", BStride, "c", CStride, "0"))));
                    return;
                }

                // One panel after the other (all of them, or one part of every group's); within a panel, the same
                // register tiles over its columns.
                CodeWriter.Block? group = PartPanels > 0 ? w.Open($"for (nuint group = 0; group < {N / (panel * GroupPanels)}; group++)") : null;
                using (w.Open(PartPanels > 0
                    ? $"for (nuint panel = group * {GroupPanels} + (nuint)part * {PartPanels}, end = panel + {PartPanels}; panel < end; panel++)"
                    : $"for (nuint panel = 0; panel < {N / panel}; panel++)"))
                {
                    w.Line($"nuint column = panel * {panel};");
                    w.Line($"ref {ctx.T} bp = ref Unsafe.Add(ref b, {(StoredB > 0 ? $"panel * {K.Value!.Value * panel}" : "column")});");
                    w.Line($"ref {ctx.T} cp = ref Unsafe.Add(ref c, {(StoredC > 0 ? $"panel * {M.Value!.Value * panel}" : "column")});");
                    var operands = new Operands("bp", StoredB > 0 ? panel : BStride, "cp", StoredC > 0 ? panel : CStride, "column");
                    Blocking.Emit(w, "n0", Dim.Const(panel / lanes), Math.Min(cv, panel / lanes), lanes, (columns, n0) =>
                        Blocking.Emit(w, "m0", M, rm, 1, (rows, m0) => EmitTile(w, ctx, width, rows, m0, columns, n0, operands)));
                }

                group?.Dispose();
            });
        }

        w.Line();
    }

    /// <summary>Where a tile reads B and writes C: the panel's bases and row strides, and its first column in the whole row.</summary>
    private sealed record Operands(string B, int BStride, string C, int CStride, string Column);

    private void EmitTile(CodeWriter w, EmitContext ctx, SimdWidth width, int rm, string m0, int cv, string n0, Operands o)
    {
        int BStride = o.BStride, CStride = o.CStride;
        string b = o.B, c = o.C;
        string V = width.V;
        int lanes = ctx.Lanes(width);
        string Acc(int r, int v) => $"c{r}{v}";
        string Row(int r) => Add(m0, r);

        for (int r = 0; r < rm; r++)
        {
            w.Line($"ref {ctx.T} cRow{r} = ref Unsafe.Add(ref {c}, {Sum(Mul(Row(r), CStride), n0)});");
        }

        for (int r = 0; r < rm; r++)
        {
            for (int v = 0; v < cv; v++)
            {
                string init = Prologue?.Invoke(width, r, Sum(o.Column, Add(n0, v * lanes))) ?? $"{V}.LoadUnsafe(ref cRow{r}, {v * lanes})";
                w.Line($"var {Acc(r, v)} = {init};");
            }
        }

        if (K.IsConst && rm == 1 && K.Value * cv <= UnrollBudget)
        {
            // Straight-line: one broadcast and one fused multiply-add per vector for each k.
            for (int k = 0; k < K.Value; k++)
            {
                w.Line($"var a{k} = {V}.Create(Unsafe.Add(ref a, {Sum(Mul(m0, AStrideM), (k * AStrideK).ToString())}));");
                for (int v = 0; v < cv; v++)
                {
                    w.Line($"{Acc(0, v)} = {V}.MultiplyAddEstimate(a{k}, {V}.LoadUnsafe(ref {b}, {Sum((k * BStride).ToString(), Add(n0, v * lanes))}), {Acc(0, v)});");
                }
            }
        }
        else
        {
            using (w.Open($"for (nuint k = 0; k < {K.Bound}; k++)"))
            {
                w.Line($"ref {ctx.T} bRow = ref Unsafe.Add(ref {b}, {Sum(Mul("k", BStride), n0)});");
                for (int v = 0; v < cv; v++)
                {
                    w.Line($"var b{v} = {V}.LoadUnsafe(ref bRow, {v * lanes});");
                }

                for (int r = 0; r < rm; r++)
                {
                    w.Line($"var a{r} = {V}.Create(Unsafe.Add(ref a, {Sum(Mul(Row(r), AStrideM), Mul("k", AStrideK))}));");
                    for (int v = 0; v < cv; v++)
                    {
                        w.Line($"{Acc(r, v)} = {V}.MultiplyAddEstimate(a{r}, b{v}, {Acc(r, v)});");
                    }
                }
            }
        }

        for (int r = 0; r < rm; r++)
        {
            for (int v = 0; v < cv; v++)
            {
                string value = Epilogue?.Invoke(width, Acc(r, v)) ?? Acc(r, v);
                w.Line($"{V}.StoreUnsafe({value}, ref cRow{r}, {v * lanes});");
            }
        }
    }
}
