using System;
using RnnGen.Generator.Model;
using static RnnGen.Generator.Emit.Kernels.Blocking;

namespace RnnGen.Generator.Emit.Kernels;

/// <summary>
/// <c>C[m, n] += Σ_k A[m, k] · B[n, k]</c> with k contiguous in both: dot products, reduced
/// horizontally once per output. Covers the backward products through input-major weights
/// (<c>dh = Wᵀ · δ</c> for the head and the recurrence).
/// </summary>
/// <remarks>
/// Rows of A at <c>a[m * AStride]</c>, rows of B at <c>b[n * BStride]</c>, C at
/// <c>c[m * CStride + n]</c>. K is a padded constant, a whole number of vectors; N is a constant;
/// M may be the run-time sequence length.
/// <para>
/// A long K (the head's dh = W_outᵀ dy runs over 8000 classes) is cut into chunks on the 512-bit path: a tile over
/// the whole of K streams 4 rows of A and 4 of B (256 KB at K = 8000) from L2 and L3 for every tile, while a chunk
/// of A stays in L1 for every column block and each piece of B is read from memory once. Each tile's sixteen
/// accumulators are then reduced once per chunk, by one transposing tree (<c>VectorMath.SumTile</c>). Measured on
/// the tutorial's head: 1.4× (from ≈ 105 to ≈ 150 GFLOP/s). The chunks run from the last to the first: the head's
/// forward product has just read W_out from first to last column, so its last columns are still in L2 (W_out's 3.2 MB
/// do not fit the 2 MB L2 of an Intel Xeon and stream from L3), and the update that follows starts on the columns
/// this pass read last.
/// </para>
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

    /// <summary>
    /// When set (and narrower than K), B is stored in these panels, each <c>[N, Width]</c> row-major, so row n of B
    /// is cut into pieces at <c>b[slot * N * Width + n * Width]</c>; BStride is then unused. The recurrent weights'
    /// layout (Layout.RecurrentPanels). The dot products still run over the panels in column order.
    /// </summary>
    public PanelOrder? BPanels { get; init; }

    /// <summary>
    /// Use 3 × 4 tiles on the 256-bit path (12 accumulators + 3 A vectors + 1 B vector, all 16 registers) instead of
    /// 2 × 4: 1.15× faster on the tutorial's head with AVX2 (Zen 3), for a larger body. Set for the head's product.
    /// </summary>
    public bool WideTiles { get; init; }

    /// <summary>K from which the 512-bit path works in chunks of <see cref="KChunk"/> (where a head's W_out is stored in panels of a chunk).</summary>
    private const int ChunkFrom = Layout.OutputPanelFrom;

    /// <summary>
    /// A chunk of K: B's panel when B is stored in panels (W_out's), else 20 vectors, so that a chunk of 20 rows of A
    /// (25 KB) stays in L1.
    /// </summary>
    private int KChunk => StoredB?.Width ?? Layout.OutputPanelWidth;

    /// <summary>B's panels, null when B is plain rows (a panel as wide as K is plain rows).</summary>
    private PanelOrder? StoredB => BPanels is { } o && o.Width < K ? o : null;

    /// <summary>Everything that shapes the emitted body (not the name), to emit identical kernels once.</summary>
    public string Shape(EmitContext ctx) => $"dot|{M}|{N}|{K}|{AStride}|{BStride}|{CStride}|{StoredB}|{WideTiles}";

    /// <summary>The parameter list and the matching argument list.</summary>
    public (string Parameters, string Arguments) Signature(EmitContext ctx) => M.IsConst
        ? ($"ref {ctx.T} a, ref {ctx.T} b, ref {ctx.T} c", "ref a, ref b, ref c")
        : ($"ref {ctx.T} a, ref {ctx.T} b, ref {ctx.T} c, int {M.Parameter}", $"ref a, ref b, ref c, {M.Parameter}");

    public void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        string extra = M.IsConst ? "" : $", int {M.Parameter}";
        w.Line($"/// <summary>{Doc}</summary>");
        using (w.Open($"private static void {Name}(ref {T} a, ref {T} b, ref {T} c{extra})"))
        {
            Simd.Branches(w, width =>
            {
                // Accumulators plus one vector per A row and one of B must fit the register file.
                int rm = width.Bits switch { 512 => 4, 256 when WideTiles => 3, _ => 2 }, rn = Math.Min(4, N);
                if (!Chunked(ctx, width))
                {
                    Blocking.Emit(w, "n0", Dim.Const(N), rn, 1, (columns, n0) =>
                        Blocking.Emit(w, "m0", M, rm, 1, (rows, m0) => EmitTile(w, ctx, width, rows, m0, columns, n0, chunked: false)));
                    return;
                }

                // A chunk's A and B start at ac and bc: B's chunk is a panel of its own when B is stored in panels.
                int chunks = (K + KChunk - 1) / KChunk;
                using (w.Open($"for (nuint chunk = {chunks}; chunk-- > 0;)"))
                {
                    w.Line($"nuint k0 = chunk * {KChunk};");
                    if (K % KChunk != 0)
                    {
                        w.Line($"nuint kEnd = Math.Min(k0 + {KChunk}, {K});");
                    }

                    w.Line($"ref {T} ac = ref Unsafe.Add(ref a, k0);");
                    w.Line(StoredB is { } panels
                        ? $"ref {T} bc = ref Unsafe.Add(ref b, {panels.Slot("chunk")} * {N * KChunk});"
                        : $"ref {T} bc = ref Unsafe.Add(ref b, k0);");

                    Blocking.Emit(w, "n0", Dim.Const(N), rn, 1, (columns, n0) =>
                        Blocking.Emit(w, "m0", M, rm, 1, (rows, m0) => EmitTile(w, ctx, width, rows, m0, columns, n0, chunked: true)));
                }
            });
        }

        w.Line();
    }

    /// <summary>
    /// Whether this width's branch works in chunks of K (single precision, long K): on the 512-bit path with B in plain
    /// rows or in W_out's panels, on the 256-bit path with B in W_out's panels, where a tile over all of K would jump
    /// from panel to panel in every row (plain rows measured no faster chunked there). A panel is a chunk; W_hh's
    /// panels of at most 8 vectors are too narrow to be one.
    /// </summary>
    private bool Chunked(EmitContext ctx, SimdWidth width) => ctx.T == "float" && K >= ChunkFrom && (StoredB is null
        ? width.Bits == 512
        : width.Bits >= 256 && StoredB.Width >= Layout.OutputPanelMin);

    private void EmitTile(CodeWriter w, EmitContext ctx, SimdWidth width, int rm, string m0, int rn, string n0, bool chunked)
    {
        string V = width.V, VT = width.Of(ctx.T);
        int lanes = ctx.Lanes(width);

        for (int i = 0; i < rm; i++)
        {
            for (int j = 0; j < rn; j++)
            {
                w.Line($"var s{i}{j} = {VT}.Zero;");
            }
        }

        // Chunked, the loop runs over one chunk from ac and bc (see Emit); otherwise over the panels, or all of K.
        PanelOrder? panels = chunked ? null : StoredB;
        string aBase = chunked ? "ac" : panels is not null ? "ap" : "a", bBase = chunked ? "bc" : panels is not null ? "bp" : "b";
        int bStride = StoredB?.Width ?? BStride, span = panels?.Width ?? K;

        void Body(string k)
        {
            for (int i = 0; i < rm; i++)
            {
                w.Line($"var a{i} = {V}.LoadUnsafe(ref {aBase}, {Sum(Mul(Add(m0, i), AStride), k)});");
            }

            for (int j = 0; j < rn; j++)
            {
                w.Line($"var b{j} = {V}.LoadUnsafe(ref {bBase}, {Sum(Mul(Add(n0, j), bStride), k)});");
                for (int i = 0; i < rm; i++)
                {
                    w.Line($"s{i}{j} = {V}.MultiplyAddEstimate(a{i}, b{j}, s{i}{j});");
                }
            }
        }

        void Loop()
        {
            if (chunked)
            {
                using (w.Open($"for (nuint k = 0; k < {(K % KChunk == 0 ? KChunk.ToString() : "kEnd - k0")}; k += {lanes})"))
                {
                    Body("k");
                }
            }
            else if (span == lanes || panels is not null && span <= 4 * lanes && rm == 1)
            {
                // One vector, or one row over a narrow panel (full BPTT's step through W_hh's 4-vector panels at 512
                // bits): straight-line, no loop per panel (the dense LSTM and GRU's backward 0.81–0.94× the time).
                // Taller tiles keep the loop: their bodies are four times larger, and the source budget binds.
                for (int k = 0; k < span; k += lanes)
                {
                    // Each vector in its own scope when there are several: they declare the same names.
                    using CodeWriter.Block? scope = span > lanes ? w.Open("") : null;
                    Body(k.ToString());
                }
            }
            else
            {
                using (w.Open($"for (nuint k = 0; k < {span}; k += {lanes})"))
                {
                    Body("k");
                }
            }
        }

        if (panels is not null)
        {
            // The dot products run across the panels: each holds the next Width values of every row.
            using (w.Open($"for (nuint panel = 0; panel < {panels.Count}; panel++)"))
            {
                w.Line($"ref {ctx.T} ap = ref Unsafe.Add(ref a, panel * {panels.Width});");
                w.Line($"ref {ctx.T} bp = ref Unsafe.Add(ref b, {panels.Slot("panel")} * {N * panels.Width});");
                Loop();
            }
        }
        else
        {
            Loop();
        }

        if (chunked && rm == 4 && rn == 4)
        {
            // Row i's four sums are 128-bit block i, added to its four adjacent outputs.
            w.Line("var sums = VectorMath.SumTile(s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33);");
            string[] blocks = { "GetLower().GetLower()", "GetLower().GetUpper()", "GetUpper().GetLower()", "GetUpper().GetUpper()" };
            for (int i = 0; i < rm; i++)
            {
                string at = Sum(Mul(Add(m0, i), CStride), n0);
                w.Line($"(Vector128.LoadUnsafe(ref c, {at}) + sums.{blocks[i]}).StoreUnsafe(ref c, {at});");
            }

            return;
        }

        if (chunked && width.Bits == 256 && rn == 4)
        {
            // Row i's four sums in one 128-bit vector, added to its four adjacent outputs.
            for (int i = 0; i < rm; i++)
            {
                string at = Sum(Mul(Add(m0, i), CStride), n0);
                w.Line($"(Vector128.LoadUnsafe(ref c, {at}) + VectorMath.SumRow(s{i}0, s{i}1, s{i}2, s{i}3)).StoreUnsafe(ref c, {at});");
            }

            return;
        }

        for (int i = 0; i < rm; i++)
        {
            for (int j = 0; j < rn; j++)
            {
                w.Line($"Unsafe.Add(ref c, {Sum(Mul(Add(m0, i), CStride), Add(n0, j))}) += {V}.Sum(s{i}{j});");
            }
        }
    }
}
