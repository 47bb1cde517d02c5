using System;
using System.Collections.Generic;
using RnnGen.Generator.Model;
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
    /// When set (and narrower than N), B is stored in these column panels, each <c>[K, Width]</c> row-major (K constant):
    /// BStride is then unused. The recurrent weights' layout (Layout.RecurrentPanels).
    /// </summary>
    public PanelOrder? BPanels { get; init; }

    /// <summary>When set (and narrower than N), C is stored in panels the same way, each <c>[M, Width]</c> (M constant).</summary>
    public PanelOrder? CPanels { get; init; }

    /// <summary>
    /// When positive, the method computes one part of the columns, chosen by a leading <c>int part</c> parameter: the
    /// columns come in groups of <see cref="GroupColumns"/> (a gate's), and part q computes columns
    /// <c>[q * PartColumns, (q + 1) * PartColumns)</c> of every group. The recurrence split across two threads.
    /// </summary>
    public int PartColumns { get; init; }

    /// <summary>Columns per group when <see cref="PartColumns"/> is set.</summary>
    public int GroupColumns { get; init; }

    /// <summary>B's panels, null when B is plain rows (a panel as wide as N is plain rows).</summary>
    private PanelOrder? StoredB => BPanels is { } o && o.Width < N ? o : null;

    /// <summary>C's panels, null when C is plain rows.</summary>
    private PanelOrder? StoredC => CPanels is { } o && o.Width < N ? o : null;

    /// <summary>
    /// Columns per pass of the outer column loop: the panel width, or a part's columns when nothing is stored in
    /// panels; 0 when there is no such loop.
    /// </summary>
    private int Block => (StoredB ?? StoredC)?.Width ?? PartColumns;

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

    /// <summary>
    /// Use 4 × 3 tiles on the 256-bit path (12 accumulators + 3 B vectors + 1 broadcast, all 16 registers) instead of
    /// 4 × 2: 1.3× faster on the tutorial's head with AVX2 (Zen 3); and 5 × 5 tiles on the 512-bit path (25 + 5 + 1
    /// of 32 registers) instead of 4 × 4, for fewer loads per multiply-add: 1.15× with B in L2 and 1.05× with B
    /// streaming from L3, in a standalone head product on an Intel Xeon (Emerald Rapids). A larger body, and
    /// remainder tiles where 3 or 5 does not divide. Set for the head's products, which dominate a large vocabulary's
    /// step.
    /// </summary>
    public bool WideTiles { get; init; }

    /// <summary>This product for one part of the columns (see <see cref="PartColumns"/>), named with "Part".</summary>
    public BroadcastGemm Part(int partColumns, int groupColumns) => new()
    {
        Name = Name + "Part",
        Doc = Doc + " One half of the units' columns.",
        M = M, K = K, N = N, AStrideM = AStrideM, AStrideK = AStrideK, BStride = BStride, CStride = CStride,
        BPanels = BPanels, CPanels = CPanels, PartColumns = partColumns, GroupColumns = groupColumns,
        ExtraParameters = ExtraParameters, Prologue = Prologue, Epilogue = Epilogue, UnrollBudget = UnrollBudget, WideTiles = WideTiles,
    };

    /// <summary>
    /// Emits this product as its two parts one after the other (<paramref name="part"/> is <see cref="Part"/> of it,
    /// emitted separately): the same sums in the same order as the whole product, so a model whose recurrence splits
    /// across two threads carries one body for one thread and for two.
    /// </summary>
    public void EmitAsParts(CodeWriter w, EmitContext ctx, BroadcastGemm part)
    {
        (string parameters, string arguments) = Signature(ctx);
        w.Line($"/// <summary>{Doc} Both halves of the units.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Open($"private static void {Name}({parameters})"))
        {
            w.Line($"{part.Name}(0, {arguments});");
            w.Line($"{part.Name}(1, {arguments});");
        }

        w.Line();
    }

    /// <summary>Everything that shapes the emitted body (not the name), to emit identical kernels once.</summary>
    public string Shape(EmitContext ctx)
    {
        string prologue = Prologue is null ? "load" : Prologue(Simd.Widths[0], 0, "o");
        string epilogue = Epilogue is null ? "" : Epilogue(Simd.Widths[0], "v");
        return $"broadcast|{M}|{K}|{N}|{AStrideM}|{AStrideK}|{BStride}|{CStride}|{StoredB}|{StoredC}|{PartColumns}|{GroupColumns}|{string.Join(",", ExtraParameters)}|{prologue}|{epilogue}|{UnrollBudget}|{WideTiles}";
    }

    /// <summary>The parameter list and the matching argument list.</summary>
    public (string Parameters, string Arguments) Signature(EmitContext ctx)
    {
        var parameters = new List<string> { $"ref {ctx.T} a", $"ref {ctx.T} b", $"ref {ctx.T} c" };
        if (PartColumns > 0) parameters.Insert(0, "int part");
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
        if (PartColumns > 0) parameters.Insert(0, "int part");
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
                // Accumulators + B vectors + one broadcast must fit the register file (32 with AVX-512, else 16), and
                // two FMA pipes of 4 cycles' latency need 8 independent accumulators at the very least.
                int rm = singleRow ? 1 : width.Bits == 512 && WideTiles ? 5 : 4;
                int Columns(int count) => Math.Min(singleRow ? 8 : width.Bits switch
                {
                    512 when WideTiles => 5,
                    512 => 4,
                    256 when WideTiles => 3,
                    _ => 2,
                }, count);
                int block = Block;
                if (block == 0)
                {
                    Blocking.Emit(w, "n0", Dim.Const(vectors), Columns(vectors), lanes, (columns, n0) =>
                        Blocking.Emit(w, "m0", M, rm, 1, (rows, m0) => EmitTile(w, ctx, width, rows, m0, columns, n0, new Operands("b", BStride, "c", CStride, "0"))));
                    return;
                }

                // Without panels, the block is a part's columns (PartColumns > 0).
                int partCv = StoredB is null && StoredC is null ? Columns(PartColumns / lanes) : 0;
                if (partCv > 0 && PartColumns % (partCv * lanes) == 0)
                {
                    // A part of plain rows: one loop over the part's columns of every group, as if they were adjacent;
                    // no tile straddles two groups.
                    Blocking.Emit(w, "n0", Dim.Const(N / GroupColumns * PartColumns / lanes), partCv, lanes, (columns, n0) =>
                    {
                        w.Line($"nuint column = {n0} / {PartColumns} * {GroupColumns} + (nuint)part * {PartColumns} + {n0} % {PartColumns};");
                        Blocking.Emit(w, "m0", M, rm, 1, (rows, m0) => EmitTile(w, ctx, width, rows, m0, columns, "column", new Operands("b", BStride, "c", CStride, "0")));
                    });
                    return;
                }

                // One block of columns after the other (all of them, or one part of every group's); within a block, the
                // same register tiles over its columns. A block stored as a panel is found through the panel order.
                // A part of one block per group needs no loop over blocks within the group.
                bool blockPerPart = PartColumns == block;
                CodeWriter.Block? group = PartColumns > 0 && !blockPerPart ? w.Open($"for (nuint group = 0; group < {N / GroupColumns}; group++)") : null;
                using (w.Open(PartColumns == 0 ? $"for (nuint panel = 0; panel < {N / block}; panel++)"
                    : blockPerPart ? $"for (nuint group = 0; group < {N / GroupColumns}; group++)"
                    : $"for (nuint panel = group * {GroupColumns / block} + (nuint)part * {PartColumns / block}, end = panel + {PartColumns / block}; panel < end; panel++)"))
                {
                    if (blockPerPart)
                    {
                        w.Line($"nuint panel = group * {GroupColumns / block} + (nuint)part;");
                    }

                    w.Line($"nuint column = panel * {block};");
                    w.Line($"ref {ctx.T} bp = ref Unsafe.Add(ref b, {(StoredB is { } bPanels ? $"{bPanels.Slot("panel")} * {K.Value!.Value * block}" : "column")});");
                    w.Line($"ref {ctx.T} cp = ref Unsafe.Add(ref c, {(StoredC is { } cPanels ? $"{cPanels.Slot("panel")} * {M.Value!.Value * block}" : "column")});");
                    var operands = new Operands("bp", StoredB is not null ? block : BStride, "cp", StoredC is not null ? block : CStride, "column");
                    Blocking.Emit(w, "n0", Dim.Const(block / lanes), Columns(block / lanes), lanes, (columns, n0) =>
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
            // Straight-line: one broadcast and one fused multiply-add per vector for each k. A small tile's sums are
            // cut into chains (k mod chains), summed at the end: two FMA pipes of four cycles' latency need eight
            // multiply-adds in flight, and one chain per vector would make a streaming step wait on its k latencies.
            int chains = Math.Max(1, Math.Min(Math.Min(4, 8 / cv), K.Value!.Value / 2));
            string Chain(int v, int j) => j == 0 ? Acc(0, v) : $"{Acc(0, v)}_{j}";
            for (int j = 1; j < chains; j++)
            {
                for (int v = 0; v < cv; v++)
                {
                    w.Line($"var {Chain(v, j)} = {width.Of(ctx.T)}.Zero;");
                }
            }

            for (int k = 0; k < K.Value; k++)
            {
                w.Line($"var a{k} = {V}.Create(Unsafe.Add(ref a, {Sum(Mul(m0, AStrideM), (k * AStrideK).ToString())}));");
                for (int v = 0; v < cv; v++)
                {
                    string acc = Chain(v, k % chains);
                    w.Line($"{acc} = {V}.MultiplyAddEstimate(a{k}, {V}.LoadUnsafe(ref {b}, {Sum((k * BStride).ToString(), Add(n0, v * lanes))}), {acc});");
                }
            }

            for (int v = 0; v < cv && chains > 1; v++)
            {
                w.Line(chains switch
                {
                    2 => $"{Acc(0, v)} += {Chain(v, 1)};",
                    3 => $"{Acc(0, v)} += {Chain(v, 1)} + {Chain(v, 2)};",
                    _ => $"{Acc(0, v)} += {Chain(v, 1)} + ({Chain(v, 2)} + {Chain(v, 3)});",
                });
            }
        }
        else if (StoredB is not null && M.IsConst && M.Value == 1 && cv <= 4 && K.IsConst && K.Value % 2 == 0)
        {
            // A narrow single-row tile over a long k loop: two chains (even and odd k), summed at the end, so that
            // eight multiply-adds are in flight rather than cv dependent ones (W_hh's panels of 4 vectors at 512 bits).
            for (int v = 0; v < cv; v++)
            {
                w.Line($"var {Acc(0, v)}_1 = {width.Of(ctx.T)}.Zero;");
            }

            using (w.Open($"for (nuint k = 0; k < {K.Bound}; k += 2)"))
            {
                for (int j = 0; j < 2; j++)
                {
                    string k = j == 0 ? "k" : "k + 1";
                    w.Line($"ref {ctx.T} bRow{j} = ref Unsafe.Add(ref {b}, {Sum(Mul(k, BStride), n0)});");
                    w.Line($"var a{j} = {V}.Create(Unsafe.Add(ref a, {Sum(Mul(m0, AStrideM), Mul(k, AStrideK))}));");
                    for (int v = 0; v < cv; v++)
                    {
                        string acc = j == 0 ? Acc(0, v) : Acc(0, v) + "_1";
                        w.Line($"{acc} = {V}.MultiplyAddEstimate(a{j}, {V}.LoadUnsafe(ref bRow{j}, {v * lanes}), {acc});");
                    }
                }
            }

            for (int v = 0; v < cv; v++)
            {
                w.Line($"{Acc(0, v)} += {Acc(0, v)}_1;");
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
