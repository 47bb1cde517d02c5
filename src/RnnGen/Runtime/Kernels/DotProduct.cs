using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace RnnGen.Runtime;

/// <summary>
/// Dot products of the shape a struct declares (see <see cref="IDotProduct"/>): <c>C[m, n] += Σ_k A[m, k] · B[n, k]</c>,
/// written once for every vector width and specialised by the JIT for each shape. In single precision a tile's sums go
/// through TileSteps.cs, the same operations with the intrinsics written per width, for tier 0.
/// </summary>
/// <remarks>
/// <para>
/// A tile of R rows of A by C rows of B keeps R · C accumulators over k, each reduced horizontally once at the end
/// (4 × 4 on the 512-bit path, 2 × 4 on the others, 3 × 4 with <see cref="IDotProduct.WideTiles"/> on the 256-bit
/// path: accumulators plus one vector per A row and one of B must fit the register file).
/// </para>
/// <para>
/// A long K (the head's dh = W_outᵀ dy runs over 8000 classes) is cut into chunks in single precision on the 512-bit
/// path, and on the 256-bit path when B is stored in W_out's panels (a panel is a chunk): a tile over the whole of K
/// streams 4 rows of A and 4 of B (256 KB at K = 8000) from L2 and L3 for every tile, while a chunk of A stays in L1
/// for every column block and each piece of B is read from memory once. Each tile's accumulators are then reduced once
/// per chunk by a transposing tree. Measured on the tutorial's head: 1.4× (from ≈ 105 to ≈ 150 GFLOP/s). The chunks
/// run from the last to the first: the head's forward product has just read W_out from first to last column, so its
/// last columns are still in cache, and the update that follows starts on the columns this pass read last.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DotProduct
{
    /// <summary>K from which a single-precision product works in chunks (where a head's W_out is stored in panels).</summary>
    public const int ChunkFrom = 2048;

    /// <summary>A chunk of K when B is plain rows: 20 vectors of 16 floats, so that a chunk of 20 rows of A stays in L1.</summary>
    public const int PlainChunk = 320;

    /// <summary>The narrowest of W_out's panels, which are chunks; W_hh's narrower panels are not.</summary>
    public const int PanelChunkFrom = 240;

    /// <summary>C += A · Bᵀ; <paramref name="rows"/> is M when the shape leaves it at 0.</summary>
    public static void Run<T, S>(ref T a, ref T b, ref T c, int rows = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IDotProduct
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Blocks<T, Width512<T>, Vector512<T>, S>(ref a, ref b, ref c, rows);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Blocks<T, Width256<T>, Vector256<T>, S>(ref a, ref b, ref c, rows);
        }
        else
        {
            Blocks<T, Width128<T>, Vector128<T>, S>(ref a, ref b, ref c, rows);
        }
    }

    // The helpers below take the shape's constants as arguments rather than the shape: tier 0 compiles each once for
    // every shape, and tier 1 inlines them with the constants in place.

    /// <summary>B's panel width when B is stored in panels narrower than <paramref name="k"/>, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Stored(int panel, int k) => panel > 0 && panel < k ? panel : 0;

    /// <summary>Whether a width of <paramref name="bits"/> works in chunks of K (see the remarks of the class).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Chunked(bool single, int k, int storedB, int bits) =>
        single && k >= ChunkFrom && (storedB == 0 ? bits == 512 : bits >= 256 && storedB >= PanelChunkFrom);

    /// <summary>A row stride, where 0 stands for rows of <paramref name="k"/>, back to back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint RowStride(int stride, int k) => (nuint)(stride > 0 ? stride : k);

    /// <summary>Rows of A per register tile (of 4 columns): at 128 bits, 4 on Arm64, which has 32 vector registers, 2 on x64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TileRows(int bits, bool wide) => bits == 512 ? 4 : bits == 256 && wide ? 3 : bits == 128 && AdvSimd.Arm64.IsSupported ? 4 : 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blocks<T, W, TV, S>(ref T a, ref T b, ref T c, int rows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IDotProduct
    {
        int storedB = Stored(S.BPanel, S.K);
        if (!Chunked(typeof(T) == typeof(float), S.K, storedB, W.Bits))
        {
            Columns<T, W, TV, S>(ref a, ref b, ref c, rows, S.K);
            return;
        }

        // A chunk of K: B's panel when B is stored in panels (W_out's), else PlainChunk. A chunk's A and B start at ac
        // and bc: B's chunk is a panel of its own when B is stored in panels.
        int chunk = storedB > 0 ? storedB : PlainChunk, chunks = (S.K + chunk - 1) / chunk;
        for (nuint index = (nuint)chunks; index-- > 0;)
        {
            nuint k0 = index * (nuint)chunk;
            ref T ac = ref Unsafe.Add(ref a, k0);
            ref T bc = ref storedB > 0
                ? ref Unsafe.Add(ref b, PanelOrder.Slot(index, S.K / chunk, S.BPanelGroups) * (nuint)(S.N * chunk))
                : ref Unsafe.Add(ref b, k0);
            Columns<T, W, TV, S>(ref ac, ref bc, ref c, rows, (int)Math.Min((nuint)chunk, (nuint)S.K - k0));
        }
    }

    /// <summary>Column tiles of up to 4 rows of B, the last one narrower.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns<T, W, TV, S>(ref T a, ref T b, ref T c, int rows, int span)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IDotProduct
    {
        int rn = Math.Min(4, S.N), full = S.N / rn * rn;
        for (nuint n0 = 0; n0 < (nuint)full; n0 += (nuint)rn)
        {
            Rows<T, W, TV, S>(rn, ref a, ref b, ref c, n0, rows, span);
        }

        if (S.N % rn > 0)
        {
            Rows<T, W, TV, S>(S.N % rn, ref a, ref b, ref c, (nuint)full, rows, span);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows<T, W, TV, S>(int columns, ref T a, ref T b, ref T c, nuint n0, int rows, int span)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IDotProduct
    {
        switch (columns)
        {
            case 1: Rows<T, W, TV, S, Count1>(ref a, ref b, ref c, n0, rows, span); break;
            case 2: Rows<T, W, TV, S, Count2>(ref a, ref b, ref c, n0, rows, span); break;
            case 3: Rows<T, W, TV, S, Count3>(ref a, ref b, ref c, n0, rows, span); break;
            default: Rows<T, W, TV, S, Count4>(ref a, ref b, ref c, n0, rows, span); break;
        }
    }

    /// <summary>Full tiles of rows, then the rest: one tile of them (M constant), or one row at a time.</summary>
    private static void Rows<T, W, TV, S, C>(ref T a, ref T b, ref T c, nuint n0, int rows, int span)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IDotProduct
        where C : ICount
    {
        int rm = TileRows(W.Bits, S.WideTiles);
        nuint count = (nuint)(S.M > 0 ? S.M : rows), full = count / (nuint)rm * (nuint)rm;
        switch (rm)
        {
            case 4: Tiles<T, W, TV, S, Count4, C>(ref a, ref b, ref c, n0, 0, full, span); break;
            case 3: Tiles<T, W, TV, S, Count3, C>(ref a, ref b, ref c, n0, 0, full, span); break;
            default: Tiles<T, W, TV, S, Count2, C>(ref a, ref b, ref c, n0, 0, full, span); break;
        }

        if (S.M == 0 || S.M % rm == 1)
        {
            Tiles<T, W, TV, S, Count1, C>(ref a, ref b, ref c, n0, full, count, span);
        }
        else if (S.M % rm == 2)
        {
            Tiles<T, W, TV, S, Count2, C>(ref a, ref b, ref c, n0, full, count, span);
        }
        else if (S.M % rm == 3)
        {
            Tiles<T, W, TV, S, Count3, C>(ref a, ref b, ref c, n0, full, count, span);
        }
    }

    /// <summary>Tiles of R rows of A by C rows of B for rows [from, to) (R divides the count).</summary>
    private static void Tiles<T, W, TV, S, R, C>(ref T a, ref T b, ref T c, nuint n0, nuint from, nuint to, int span)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IDotProduct
        where R : ICount
        where C : ICount
    {
        int panels = Stored(S.BPanel, S.K), chunk = panels > 0 ? panels : PlainChunk;
        bool chunked = Chunked(typeof(T) == typeof(float), S.K, panels, W.Bits);
        int storedB = chunked ? 0 : panels;
        nuint lanes = (nuint)W.Lanes, aStride = RowStride(S.AStride, S.K), cStride = (nuint)S.CStride;
        nuint bStride = panels > 0 ? (nuint)panels : RowStride(S.BStride, S.K);
        // The length each row pair's dot product runs over in one pass: a chunk, a panel, or all of K.
        nuint length = (nuint)(chunked ? (S.K % chunk == 0 ? chunk : span) : storedB > 0 ? storedB : S.K);
        for (nuint m0 = from; m0 < to; m0 += (nuint)R.Value)
        {
            TV z = W.Zero;
            TV s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
            TV s20 = z, s21 = z, s22 = z, s23 = z, s30 = z, s31 = z, s32 = z, s33 = z;
            ref T aRow = ref Unsafe.Add(ref a, m0 * aStride);
            ref T bRow = ref Unsafe.Add(ref b, n0 * bStride);
            nuint passes = storedB > 0 ? (nuint)(S.K / storedB) : 1;
            for (nuint panel = 0; panel < passes; panel++)
            {
                // Across W_hh's panels (not a chunk): each holds the next storedB values of every row.
                ref T ap = ref Unsafe.Add(ref aRow, panel * (nuint)storedB);
                ref T bp = ref storedB > 0 ? ref Unsafe.Add(ref bRow, PanelOrder.Slot(panel, S.K / storedB, S.BPanelGroups) * (nuint)(S.N * storedB)) : ref bRow;
                if (typeof(T) == typeof(float))
                {
                    // The same sums with the intrinsics in place, for tier 0 (see TileSteps).
                    TileSteps.Dot<T, TV, R, C>(ref ap, aStride, ref bp, bStride, length, ref s00, ref s01, ref s02, ref s03,
                        ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
                }
                else if (length <= 4 * lanes)
                {
                    // One to four vectors: straight-line, no loop per panel (full BPTT's step through W_hh's 4-vector
                    // panels at 512 bits: the dense LSTM and GRU's backward 0.81–0.94× the time of a loop).
                    Step<T, W, TV, S, R, C>(ref ap, ref bp, bStride, 0, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13,
                        ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
                    if (length > lanes) Step<T, W, TV, S, R, C>(ref ap, ref bp, bStride, lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
                    if (length > 2 * lanes) Step<T, W, TV, S, R, C>(ref ap, ref bp, bStride, 2 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
                    if (length > 3 * lanes) Step<T, W, TV, S, R, C>(ref ap, ref bp, bStride, 3 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
                }
                else
                {
                    for (nuint k = 0; k < length; k += lanes)
                    {
                        Step<T, W, TV, S, R, C>(ref ap, ref bp, bStride, k, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13,
                            ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
                    }
                }
            }

            ref T cTile = ref Unsafe.Add(ref c, m0 * cStride + n0);
            if (chunked && R.Value == 4 && C.Value == 4)
            {
                W.AddSums(ref cTile, cStride, s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33);
            }
            else if (chunked && W.Bits == 256 && C.Value == 4)
            {
                W.AddSums(ref cTile, s00, s01, s02, s03);
                if (R.Value > 1) W.AddSums(ref Unsafe.Add(ref cTile, cStride), s10, s11, s12, s13);
                if (R.Value > 2) W.AddSums(ref Unsafe.Add(ref cTile, 2 * cStride), s20, s21, s22, s23);
                if (R.Value > 3) W.AddSums(ref Unsafe.Add(ref cTile, 3 * cStride), s30, s31, s32, s33);
            }
            else
            {
                AddRow<T, W, TV, C>(ref cTile, s00, s01, s02, s03);
                if (R.Value > 1) AddRow<T, W, TV, C>(ref Unsafe.Add(ref cTile, cStride), s10, s11, s12, s13);
                if (R.Value > 2) AddRow<T, W, TV, C>(ref Unsafe.Add(ref cTile, 2 * cStride), s20, s21, s22, s23);
                if (R.Value > 3) AddRow<T, W, TV, C>(ref Unsafe.Add(ref cTile, 3 * cStride), s30, s31, s32, s33);
            }
        }
    }

    /// <summary>One vector of k for the whole tile: s_ij += a_i · b_j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T, W, TV, S, R, C>(ref T a, ref T b, nuint bStride, nuint k,
        ref TV s00, ref TV s01, ref TV s02, ref TV s03, ref TV s10, ref TV s11, ref TV s12, ref TV s13,
        ref TV s20, ref TV s21, ref TV s22, ref TV s23, ref TV s30, ref TV s31, ref TV s32, ref TV s33)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IDotProduct
        where R : ICount
        where C : ICount
    {
        nuint aStride = RowStride(S.AStride, S.K);
        TV z = W.Zero;
        TV a0 = W.Load(ref a, k);
        TV a1 = R.Value > 1 ? W.Load(ref a, aStride + k) : z;
        TV a2 = R.Value > 2 ? W.Load(ref a, 2 * aStride + k) : z;
        TV a3 = R.Value > 3 ? W.Load(ref a, 3 * aStride + k) : z;
        Column<T, W, TV, R>(W.Load(ref b, k), a0, a1, a2, a3, ref s00, ref s10, ref s20, ref s30);
        if (C.Value > 1) Column<T, W, TV, R>(W.Load(ref b, bStride + k), a0, a1, a2, a3, ref s01, ref s11, ref s21, ref s31);
        if (C.Value > 2) Column<T, W, TV, R>(W.Load(ref b, 2 * bStride + k), a0, a1, a2, a3, ref s02, ref s12, ref s22, ref s32);
        if (C.Value > 3) Column<T, W, TV, R>(W.Load(ref b, 3 * bStride + k), a0, a1, a2, a3, ref s03, ref s13, ref s23, ref s33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<T, W, TV, R>(TV b, TV a0, TV a1, TV a2, TV a3, ref TV s0, ref TV s1, ref TV s2, ref TV s3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where R : ICount
    {
        s0 = W.MultiplyAdd(a0, b, s0);
        if (R.Value > 1) s1 = W.MultiplyAdd(a1, b, s1);
        if (R.Value > 2) s2 = W.MultiplyAdd(a2, b, s2);
        if (R.Value > 3) s3 = W.MultiplyAdd(a3, b, s3);
    }

    /// <summary>c[j] += the sum of s_j's lanes, for the tile's C outputs of one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T, W, TV, C>(ref T c, TV s0, TV s1, TV s2, TV s3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where C : ICount
    {
        c += W.Sum(s0);
        if (C.Value > 1) Unsafe.Add(ref c, 1) += W.Sum(s1);
        if (C.Value > 2) Unsafe.Add(ref c, 2) += W.Sum(s2);
        if (C.Value > 3) Unsafe.Add(ref c, 3) += W.Sum(s3);
    }
}
