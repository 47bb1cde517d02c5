using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace RnnGen.Runtime;

/// <summary>
/// Products of the shape a struct declares (see <see cref="IBroadcastProduct"/>), written once for every
/// vector width and specialised by the JIT for each shape: every size, stride and tile is a constant in its code.
/// In single precision a tile's innermost work (its k loop, a row's start and store) goes through TileSteps.cs, the same
/// operations with the intrinsics written per width, which tier 0 runs without a call per vector operation.
/// </summary>
/// <remarks>
/// <para>
/// A register tile of R rows by C vectors of C stays in registers for the whole sum over k: each k loads C vectors of
/// B's row and broadcasts R elements of A. Accumulators plus B vectors plus one broadcast must fit the register file
/// (32 with AVX-512, else 16), and two FMA pipes of 4 cycles' latency need 8 independent accumulators at the very
/// least: 4 × 4 tiles on the 512-bit path (5 × 5 with <see cref="IBroadcastProduct.WideTiles"/>), 4 × 2 on the
/// others (4 × 3 wide on the 256-bit path), and a single row of up to 8 vectors for a matrix-vector product.
/// </para>
/// <para>
/// A single row's sum over a short constant k is cut into chains (k mod chains), added at the end: a streaming step
/// would otherwise wait on the latency of each multiply-add in turn. The same with two chains for a narrow tile over
/// W_hh's panels, whose k loop is long.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BroadcastProduct
{
    /// <summary>A row's sums are cut into chains while the tile has at most this many multiply-adds.</summary>
    private const int ChainBudget = 64;

    /// <summary>C = start + A · B, with one run-time extent (rows or sum length, whichever the shape leaves at 0).</summary>
    public static void Run<T, S>(ref T a, ref T b, ref T c, int extent = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(0, ref a, ref b, ref c, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), extent, step: false);

    /// <summary>C = row + A · B (<see cref="ProductStart.Row"/>).</summary>
    public static void Run<T, S>(ref T a, ref T b, ref T c, ref T row, int extent = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(0, ref a, ref b, ref c, ref row, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), extent, step: false);

    /// <summary>C = x + b_ih + b_hh + A · B (<see cref="ProductStart.ThreeRows"/>), one row.</summary>
    public static void Run<T, S>(ref T a, ref T b, ref T c, ref T x, ref T inputBias, ref T recurrentBias)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(0, ref a, ref b, ref c, ref x, ref inputBias, ref recurrentBias, 0, step: false);

    /// <summary>One part (0 or 1) of the columns of <see cref="Run{T, S}(ref T, ref T, ref T, int)"/>.</summary>
    public static void RunPart<T, S>(int part, ref T a, ref T b, ref T c, int extent = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(part, ref a, ref b, ref c, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), extent, step: false);

    /// <summary>One part (0 or 1) of the columns of <see cref="Run{T, S}(ref T, ref T, ref T, ref T, int)"/>.</summary>
    public static void RunPart<T, S>(int part, ref T a, ref T b, ref T c, ref T row, int extent = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(part, ref a, ref b, ref c, ref row, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), extent, step: false);

    /// <summary>One part (0 or 1) of the columns of <see cref="Run{T, S}(ref T, ref T, ref T, ref T, ref T, ref T)"/>.</summary>
    public static void RunPart<T, S>(int part, ref T a, ref T b, ref T c, ref T x, ref T inputBias, ref T recurrentBias)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(part, ref a, ref b, ref c, ref x, ref inputBias, ref recurrentBias, 0, step: false);

    /// <summary>
    /// <see cref="Run{T, S}(ref T, ref T, ref T, int)"/> for a streaming Step, whose caller is compiled fully optimised at
    /// its first call: a product of one register tile is then too (<see cref="StepTileNow"/>), so that a real-time
    /// caller's code is final from the first step. The sequence passes' products of the same shape stay tiered.
    /// </summary>
    public static void RunStep<T, S>(ref T a, ref T b, ref T c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(0, ref a, ref b, ref c, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), 0, step: true);

    /// <summary><see cref="Run{T, S}(ref T, ref T, ref T, ref T, int)"/> for a streaming Step (<see cref="RunStep{T, S}(ref T, ref T, ref T)"/>).</summary>
    public static void RunStep<T, S>(ref T a, ref T b, ref T c, ref T row)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(0, ref a, ref b, ref c, ref row, ref Unsafe.NullRef<T>(), ref Unsafe.NullRef<T>(), 0, step: true);

    /// <summary><see cref="Run{T, S}(ref T, ref T, ref T, ref T, ref T, ref T)"/> for a streaming Step (<see cref="RunStep{T, S}(ref T, ref T, ref T)"/>).</summary>
    public static void RunStep<T, S>(ref T a, ref T b, ref T c, ref T x, ref T inputBias, ref T recurrentBias)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct =>
        Core<T, S>(0, ref a, ref b, ref c, ref x, ref inputBias, ref recurrentBias, 0, step: true);

    /// <summary>Picks the widest accelerated width (a JIT-time constant): inlined into the caller, which keeps one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Core<T, S>(int part, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, int extent, bool step)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where S : IBroadcastProduct
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Dispatch<T, Width512<T>, Vector512<T>, S>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, extent, step);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Dispatch<T, Width256<T>, Vector256<T>, S>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, extent, step);
        }
        else
        {
            Dispatch<T, Width128<T>, Vector128<T>, S>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, extent, step);
        }
    }

    /// <summary>
    /// A matrix-vector product of one register tile (a small cell's streaming step) calls its tile directly, as one
    /// call from the caller; anything larger goes through the blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dispatch<T, W, TV, S>(int part, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, int extent, bool step)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
    {
        if (S.PartColumns == 0 && Stored(S.BPanel, S.N) == 0 && Stored(S.CPanel, S.N) == 0 && S.N == TileVectors(S.M, W.Bits, S.WideTiles, S.N / W.Lanes) * W.Lanes)
        {
            // One tile's worth of columns: a matrix-vector product (a small cell's streaming step), or a small head.
            if (S.M == 1 && S.K > 0)
            {
                StepTiles<T, W, TV, S>(step, S.N / W.Lanes, ref a, ref b, ref c, ref s0, ref s1, ref s2);
            }
            else
            {
                Rows<T, W, TV, S>(part, S.N / W.Lanes, ref a, ref b, ref c, ref s0, ref s1, ref s2, 0, 0, extent);
            }
        }
        else
        {
            Blocks<T, W, TV, S>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, extent);
        }
    }

    // The helpers below take the shape's constants as arguments rather than the shape: tier 0 compiles each once for
    // every shape (not once per shape), and tier 1 inlines them with the constants in place.

    /// <summary>Rows per register tile, for a product of <paramref name="m"/> rows (0: known at run time).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TileRows(int m, int bits, bool wide) => m == 1 ? 1 : bits == 512 && wide ? 5 : 4;

    /// <summary>
    /// Vectors per register tile over <paramref name="vectors"/> vectors of columns. At 128 bits, x64 without AVX has 16
    /// vector registers and a tile of 4 × 2 accumulators; Arm64 (AdvSimd) has 32, and 4 × 4 keeps enough multiply-adds
    /// in flight for its wider cores (four FMA pipes on Apple's) with 21 registers live.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TileVectors(int m, int bits, bool wide, int vectors) =>
        Math.Min(m == 1 ? 8 : bits switch { 512 => wide ? 5 : 4, 256 => wide ? 3 : 2, _ => AdvSimd.Arm64.IsSupported ? 4 : 2 }, vectors);

    /// <summary>The panel width when a matrix of <paramref name="n"/> columns is stored in narrower panels, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Stored(int panel, int n) => panel > 0 && panel < n ? panel : 0;

    /// <summary>Distance between the rows a tile reads or writes: a panel's width, or the row stride (0: rows of n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Stride(int panel, int n, int stride) => (nuint)(Stored(panel, n) > 0 ? Stored(panel, n) : stride > 0 ? stride : n);

    /// <summary>
    /// The columns, block after block: all of them, one part of every group's, or panel after panel (a panel found
    /// through its order), each block cut into register tiles.
    /// </summary>
    private static void Blocks<T, W, TV, S>(int part, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, int extent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
    {
        int lanes = W.Lanes, storedB = Stored(S.BPanel, S.N), storedC = Stored(S.CPanel, S.N);
        int block = storedB > 0 ? storedB : storedC > 0 ? storedC : S.PartColumns;
        if (block == 0)
        {
            Columns<T, W, TV, S>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, 0, S.N / lanes, extent);
            return;
        }

        int partVectors = storedB == 0 && storedC == 0 ? TileVectors(S.M, W.Bits, S.WideTiles, S.PartColumns / lanes) : 0;
        if (partVectors > 0 && S.PartColumns % (partVectors * lanes) == 0)
        {
            // A part of plain rows: its columns of every group, as if they were adjacent; no tile straddles two groups.
            int tile = partVectors * lanes;
            for (nuint n0 = 0; n0 < (nuint)(S.N / S.GroupColumns * S.PartColumns); n0 += (nuint)tile)
            {
                nuint column = n0 / (nuint)S.PartColumns * (nuint)S.GroupColumns + (nuint)part * (nuint)S.PartColumns + n0 % (nuint)S.PartColumns;
                Columns<T, W, TV, S>(part, ref a, ref Unsafe.Add(ref b, column), ref Unsafe.Add(ref c, column),
                    ref s0, ref s1, ref s2, column, partVectors, extent);
            }

            return;
        }

        if (storedB > 0 && PanelTiles(S.M, Stored(S.BPanel, S.N), Stored(S.CPanel, S.N), TileVectors(S.M, W.Bits, S.WideTiles, storedB / lanes) * W.Lanes))
        {
            // A matrix-vector product over panels one tile wide: the tile walks the part's panels itself, one call.
            Rows<T, W, TV, S>(part, storedB / lanes, ref a, ref b, ref c, ref s0, ref s1, ref s2, 0, 0, extent);
            return;
        }

        // One block of columns after the other (all, or one part of every group's); within a block, the same tiles.
        nuint first = 0, end = (nuint)(S.N / block), step = 1;
        if (S.PartColumns > 0)
        {
            // Part q's blocks of every group: groups of GroupColumns / block blocks, q's half of each.
            first = (nuint)part * (nuint)(S.PartColumns / block);
            step = (nuint)(S.GroupColumns / block);
        }

        for (nuint group = 0; group < end; group += step)
        {
            nuint partBlocks = S.PartColumns > 0 ? (nuint)(S.PartColumns / block) : 1;
            for (nuint panel = group + first, last = panel + partBlocks; panel < last; panel++)
            {
                nuint column = panel * (nuint)block;
                ref T bp = ref storedB > 0
                    ? ref Unsafe.Add(ref b, PanelOrder.Slot(panel, S.N / storedB, S.BPanelGroups) * (nuint)(S.K * storedB))
                    : ref Unsafe.Add(ref b, column);
                ref T cp = ref storedC > 0
                    ? ref Unsafe.Add(ref c, PanelOrder.Slot(panel, S.N / storedC, S.CPanelGroups) * (nuint)(S.M * storedC))
                    : ref Unsafe.Add(ref c, column);
                Columns<T, W, TV, S>(part, ref a, ref bp, ref cp, ref s0, ref s1, ref s2, column, block / lanes, extent);
            }
        }
    }

    /// <summary>
    /// <paramref name="vectors"/> vectors of columns from b and c (already at the block's first column), in tiles of
    /// full width and one narrower tile for the rest; <paramref name="column"/> is the block's first column in C's row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns<T, W, TV, S>(int part, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, nuint column, int vectors, int extent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
    {
        int cv = TileVectors(S.M, W.Bits, S.WideTiles, vectors), lanes = W.Lanes;
        int full = vectors / cv, rest = vectors % cv;
        for (nuint n0 = 0; n0 < (nuint)(full * cv * lanes); n0 += (nuint)(cv * lanes))
        {
            Rows<T, W, TV, S>(part, cv, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, extent);
        }

        if (rest > 0)
        {
            Rows<T, W, TV, S>(part, rest, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, (nuint)(full * cv * lanes), extent);
        }
    }

    /// <summary>Every row of C for one column tile of <paramref name="vectors"/> vectors: a count the JIT knows by type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows<T, W, TV, S>(int part, int vectors, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, nuint column, nuint n0, int extent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
    {
        if (S.M == 1)
        {
            // A matrix-vector product: one row, straight to its tile.
            switch (vectors)
            {
                case 1: RowTiles<T, W, TV, S, Count1>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                case 2: RowTiles<T, W, TV, S, Count2>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                case 3: RowTiles<T, W, TV, S, Count3>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                case 4: RowTiles<T, W, TV, S, Count4>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                case 5: RowTiles<T, W, TV, S, Count5>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                case 6: RowTiles<T, W, TV, S, Count6>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                case 7: RowTiles<T, W, TV, S, Count7>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
                default: RowTiles<T, W, TV, S, Count8>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, 0, 1, extent); break;
            }

            return;
        }

        switch (vectors)
        {
            case 1: Rows<T, W, TV, S, Count1>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, extent); break;
            case 2: Rows<T, W, TV, S, Count2>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, extent); break;
            case 3: Rows<T, W, TV, S, Count3>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, extent); break;
            case 4: Rows<T, W, TV, S, Count4>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, extent); break;
            default: Rows<T, W, TV, S, Count5>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, extent); break;
        }
    }

    /// <summary>Full tiles of rows, then the rows left over: one tile of them (M constant), or one row at a time.</summary>
    private static void Rows<T, W, TV, S, C>(int part, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, nuint column, nuint n0, int extent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where C : ICount
    {
        int rm = TileRows(S.M, W.Bits, S.WideTiles);
        nuint rows = (nuint)(S.M > 0 ? S.M : extent), full = rows / (nuint)rm * (nuint)rm;
        if (full == 0)
        {
            // Fewer rows than a tile (a streaming step's head): no call for the tiles.
        }
        else if (rm == 5)
        {
            BlockTiles<T, W, TV, S, Count5, C>(ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, full, extent);
        }
        else
        {
            BlockTiles<T, W, TV, S, Count4, C>(ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, full, extent);
        }

        if (S.M == 0 || S.M % rm == 1)
        {
            RowTiles<T, W, TV, S, C>(part, ref a, ref b, ref c, ref s0, ref s1, ref s2, column, n0, full, rows, extent);
        }
        else if (S.M % rm != 0)
        {
            // The rows left over from a constant M: one tile of them, at the end.
            ref T aRest = ref Unsafe.Add(ref a, full * (nuint)S.AStrideM);
            ref T cRest = ref Unsafe.Add(ref c, full * Stride(S.CPanel, S.N, S.CStride));
            switch (S.M % rm)
            {
                case 2: BlockTiles<T, W, TV, S, Count2, C>(ref aRest, ref b, ref cRest, ref s0, ref s1, ref s2, column, n0, 2, extent); break;
                case 3: BlockTiles<T, W, TV, S, Count3, C>(ref aRest, ref b, ref cRest, ref s0, ref s1, ref s2, column, n0, 3, extent); break;
                default: BlockTiles<T, W, TV, S, Count4, C>(ref aRest, ref b, ref cRest, ref s0, ref s1, ref s2, column, n0, 4, extent); break;
            }
        }
    }

    /// <summary>How many chains a single row's sum is cut into (see the remarks of the class).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Chains(int k, int m, int storedB, int vectors)
    {
        if (k > 0 && k * vectors <= ChainBudget)
        {
            return Math.Max(1, Math.Min(Math.Min(4, 8 / vectors), k / 2));
        }

        return storedB > 0 && m == 1 && vectors <= 4 && k > 0 && k % 2 == 0 ? 2 : 1;
    }

    /// <summary>
    /// What the accumulators of one column vector start from, the same for every row of a tile (unused when the
    /// product accumulates into C, whose rows are loaded instead).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Start<T, W, TV>(ProductStart start, ref T s0, ref T s1, ref T s2, nuint at)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct => start switch
        {
            ProductStart.Row => W.Load(ref s0, at),
            ProductStart.ThreeRows => W.Add(W.Add(W.Load(ref s0, at), W.Load(ref s1, at)), W.Load(ref s2, at)),
            _ => W.Zero,
        };

    /// <summary>One accumulator's start: C's own value when the product accumulates, else the column's start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV StartAt<T, W, TV>(ProductStart start, ref T cRow, nuint index, TV value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct => start == ProductStart.Accumulate ? W.Load(ref cRow, index) : value;

    /// <summary>Stores one accumulator after the finish.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<T, W, TV>(ProductFinish finish, TV value, ref T cRow, nuint index)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct =>
        W.Store(Finished<T, W, TV>(finish, value), ref cRow, index);

    /// <summary>acc[v] += x · b[v] for the tile's C vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd<T, W, TV>(int vectors, TV x, ref T bRow, ref TV v0, ref TV v1, ref TV v2, ref TV v3, ref TV v4, ref TV v5, ref TV v6, ref TV v7)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        nuint lanes = (nuint)W.Lanes;
        v0 = W.MultiplyAdd(x, W.Load(ref bRow, 0), v0);
        if (vectors > 1) v1 = W.MultiplyAdd(x, W.Load(ref bRow, lanes), v1);
        if (vectors > 2) v2 = W.MultiplyAdd(x, W.Load(ref bRow, 2 * lanes), v2);
        if (vectors > 3) v3 = W.MultiplyAdd(x, W.Load(ref bRow, 3 * lanes), v3);
        if (vectors > 4) v4 = W.MultiplyAdd(x, W.Load(ref bRow, 4 * lanes), v4);
        if (vectors > 5) v5 = W.MultiplyAdd(x, W.Load(ref bRow, 5 * lanes), v5);
        if (vectors > 6) v6 = W.MultiplyAdd(x, W.Load(ref bRow, 6 * lanes), v6);
        if (vectors > 7) v7 = W.MultiplyAdd(x, W.Load(ref bRow, 7 * lanes), v7);
    }

    /// <summary>A step's product, one row of <paramref name="vectors"/> vectors: the count becomes a type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepTiles<T, W, TV, S>(bool step, int vectors, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
    {
        switch (vectors)
        {
            case 1: StepTile<T, W, TV, S, Count1>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            case 2: StepTile<T, W, TV, S, Count2>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            case 3: StepTile<T, W, TV, S, Count3>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            case 4: StepTile<T, W, TV, S, Count4>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            case 5: StepTile<T, W, TV, S, Count5>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            case 6: StepTile<T, W, TV, S, Count6>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            case 7: StepTile<T, W, TV, S, Count7>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
            default: StepTile<T, W, TV, S, Count8>(step, ref a, ref b, ref c, ref s0, ref s1, ref s2); break;
        }
    }

    /// <summary>
    /// The whole of a step's product (one row, one tile of C vectors, K a constant): <see cref="RowTiles"/> without
    /// its row and panel loops, and with six arguments, all in registers. A streaming step makes three such calls.
    /// The tile is a method of its own, never inlined: with dynamic PGO the JIT inlined a hot one into the model's
    /// Step, where its accumulators went to the stack (LSTM 1→24: 1.5× the time). Two methods share its body, the
    /// sequence passes' (tiered) and the streaming Step's (fully optimised at the first call).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepTile<T, W, TV, S, C>(bool step, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where C : ICount
    {
        if (step)
        {
            StepTileNow<T, W, TV, S, C>(ref a, ref b, ref c, ref s0, ref s1, ref s2);
        }
        else
        {
            StepTileTiered<T, W, TV, S, C>(ref a, ref b, ref c, ref s0, ref s1, ref s2);
        }
    }

    /// <summary>The step tile of a sequence pass: compiled in tiers like the rest of it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepTileTiered<T, W, TV, S, C>(ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where C : ICount =>
        StepTileBody<T, W, TV, S, C>(ref a, ref b, ref c, ref s0, ref s1, ref s2);

    /// <summary>The step tile of a streaming Step (<see cref="RunStep{T, S}(ref T, ref T, ref T)"/>): fully optimised at the first call.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void StepTileNow<T, W, TV, S, C>(ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where C : ICount =>
        StepTileBody<T, W, TV, S, C>(ref a, ref b, ref c, ref s0, ref s1, ref s2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepTileBody<T, W, TV, S, C>(ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where C : ICount
    {
        int vectors = C.Value;
        nuint lanes = (nuint)W.Lanes;
        TV z = W.Zero;
        TV c0 = StartAt<T, W, TV>(S.Start, ref c, 0, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 0));
        TV c1 = vectors > 1 ? StartAt<T, W, TV>(S.Start, ref c, lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, lanes)) : z;
        TV c2 = vectors > 2 ? StartAt<T, W, TV>(S.Start, ref c, 2 * lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 2 * lanes)) : z;
        TV c3 = vectors > 3 ? StartAt<T, W, TV>(S.Start, ref c, 3 * lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 3 * lanes)) : z;
        TV c4 = vectors > 4 ? StartAt<T, W, TV>(S.Start, ref c, 4 * lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 4 * lanes)) : z;
        TV c5 = vectors > 5 ? StartAt<T, W, TV>(S.Start, ref c, 5 * lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 5 * lanes)) : z;
        TV c6 = vectors > 6 ? StartAt<T, W, TV>(S.Start, ref c, 6 * lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 6 * lanes)) : z;
        TV c7 = vectors > 7 ? StartAt<T, W, TV>(S.Start, ref c, 7 * lanes, Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, 7 * lanes)) : z;
        RowSums<T, W, TV, C>(Chains(S.K, 1, Stored(S.BPanel, S.N), vectors), (nuint)S.K, ref a, (nuint)S.AStrideK, ref b, Stride(S.BPanel, S.N, S.BStride),
            ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
        Finish<T, W, TV>(S.Finish, c0, ref c, 0);
        if (vectors > 1) Finish<T, W, TV>(S.Finish, c1, ref c, lanes);
        if (vectors > 2) Finish<T, W, TV>(S.Finish, c2, ref c, 2 * lanes);
        if (vectors > 3) Finish<T, W, TV>(S.Finish, c3, ref c, 3 * lanes);
        if (vectors > 4) Finish<T, W, TV>(S.Finish, c4, ref c, 4 * lanes);
        if (vectors > 5) Finish<T, W, TV>(S.Finish, c5, ref c, 5 * lanes);
        if (vectors > 6) Finish<T, W, TV>(S.Finish, c6, ref c, 6 * lanes);
        if (vectors > 7) Finish<T, W, TV>(S.Finish, c7, ref c, 7 * lanes);
    }

    /// <summary>
    /// Single-row tiles of C vectors for rows [<paramref name="from"/>, <paramref name="to"/>), each sum in chains: at
    /// <paramref name="n0"/> of the caller's block, or, for a matrix-vector product over panels one tile wide (W_hh's),
    /// every panel of the part's columns in turn, so that a step's product is one call.
    /// </summary>
    private static void RowTiles<T, W, TV, S, C>(int part, ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, nuint column, nuint n0, nuint from, nuint to, int extent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where C : ICount
    {
        int vectors = C.Value, storedB = Stored(S.BPanel, S.N);
        nuint lanes = (nuint)W.Lanes, aStrideK = (nuint)S.AStrideK, bStride = Stride(S.BPanel, S.N, S.BStride);
        nuint cStride = S.M == 1 ? 0 : Stride(S.CPanel, S.N, S.CStride); // one row (a step): row 0 is all there is
        int chains = Chains(S.K, S.M, storedB, vectors), depth = S.K > 0 ? S.K : extent;
        bool panels = PanelTiles(S.M, storedB, Stored(S.CPanel, S.N), vectors * W.Lanes);
        nuint panel = (nuint)storedB, blocks = panels ? PartPanels(S.N, S.PartColumns, S.GroupColumns, storedB) : 1;
        TV z = W.Zero;
        for (nuint i = 0; i < blocks; i++)
        {
            nuint at = column + n0;
            ref T bTile = ref Unsafe.Add(ref b, n0);
            ref T cTile = ref Unsafe.Add(ref c, n0);
            if (panels)
            {
                nuint index = PanelOfPart(i, part, S.PartColumns, S.GroupColumns, storedB);
                at = index * panel;
                bTile = ref Unsafe.Add(ref b, PanelOrder.Slot(index, S.N / (int)panel, S.BPanelGroups) * (nuint)S.K * panel);
                cTile = ref Unsafe.Add(ref c, at);
            }

            TV i0 = Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at);
            TV i1 = vectors > 1 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + lanes) : z;
            TV i2 = vectors > 2 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 2 * lanes) : z;
            TV i3 = vectors > 3 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 3 * lanes) : z;
            TV i4 = vectors > 4 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 4 * lanes) : z;
            TV i5 = vectors > 5 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 5 * lanes) : z;
            TV i6 = vectors > 6 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 6 * lanes) : z;
            TV i7 = vectors > 7 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 7 * lanes) : z;
            for (nuint m = from; m < to; m++)
            {
                ref T cRow = ref Unsafe.Add(ref cTile, m * cStride);
                ref T aRow = ref Unsafe.Add(ref a, m * (nuint)S.AStrideM);
                TV c0 = StartAt<T, W, TV>(S.Start, ref cRow, 0, i0);
                TV c1 = vectors > 1 ? StartAt<T, W, TV>(S.Start, ref cRow, lanes, i1) : z;
                TV c2 = vectors > 2 ? StartAt<T, W, TV>(S.Start, ref cRow, 2 * lanes, i2) : z;
                TV c3 = vectors > 3 ? StartAt<T, W, TV>(S.Start, ref cRow, 3 * lanes, i3) : z;
                TV c4 = vectors > 4 ? StartAt<T, W, TV>(S.Start, ref cRow, 4 * lanes, i4) : z;
                TV c5 = vectors > 5 ? StartAt<T, W, TV>(S.Start, ref cRow, 5 * lanes, i5) : z;
                TV c6 = vectors > 6 ? StartAt<T, W, TV>(S.Start, ref cRow, 6 * lanes, i6) : z;
                TV c7 = vectors > 7 ? StartAt<T, W, TV>(S.Start, ref cRow, 7 * lanes, i7) : z;
                RowSums<T, W, TV, C>(chains, (nuint)depth, ref aRow, aStrideK, ref bTile, bStride, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);

                Finish<T, W, TV>(S.Finish, c0, ref cRow, 0);
                if (vectors > 1) Finish<T, W, TV>(S.Finish, c1, ref cRow, lanes);
                if (vectors > 2) Finish<T, W, TV>(S.Finish, c2, ref cRow, 2 * lanes);
                if (vectors > 3) Finish<T, W, TV>(S.Finish, c3, ref cRow, 3 * lanes);
                if (vectors > 4) Finish<T, W, TV>(S.Finish, c4, ref cRow, 4 * lanes);
                if (vectors > 5) Finish<T, W, TV>(S.Finish, c5, ref cRow, 5 * lanes);
                if (vectors > 6) Finish<T, W, TV>(S.Finish, c6, ref cRow, 6 * lanes);
                if (vectors > 7) Finish<T, W, TV>(S.Finish, c7, ref cRow, 7 * lanes);
            }
        }
    }

    /// <summary>
    /// One row's sums over <paramref name="depth"/> k into the accumulators c0..c7 (those beyond C unused), cut into
    /// <paramref name="chains"/> chains (see the remarks of the class). Independent of the shape: tier 0 compiles it once
    /// per count, and the tiles inline it with their constants.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSums<T, W, TV, C>(int chains, nuint depth, ref T aRow, nuint aStrideK, ref T bTile, nuint bStride,
        ref TV c0, ref TV c1, ref TV c2, ref TV c3, ref TV c4, ref TV c5, ref TV c6, ref TV c7)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where C : ICount
    {
        int vectors = C.Value;
        TV z = W.Zero;
        // Chains 1..3 (a chain per k mod chains); chain 0 is c0..c7. At most 8 / C chains, so C · chains <= 8.
        TV d0 = z, d1 = z, d2 = z, d3 = z, e0 = z, e1 = z, e2 = z, e3 = z, f0 = z, f1 = z, f2 = z, f3 = z;
        // aK and bK walk the sum: A's element and B's row of step k.
        ref T aK = ref aRow;
        ref T bK = ref bTile;
        if (chains == 1)
        {
            for (nuint k = 0; k < depth; k++)
            {
                MultiplyAdd<T, W, TV>(vectors, W.Broadcast(aK), ref bK, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                aK = ref Unsafe.Add(ref aK, aStrideK);
                bK = ref Unsafe.Add(ref bK, bStride);
            }
        }
        else
        {
            nuint aStep = (nuint)chains * aStrideK, bStep = (nuint)chains * bStride;
            for (nuint k = 0, whole = depth / (nuint)chains * (nuint)chains; k < whole; k += (nuint)chains)
            {
                MultiplyAdd<T, W, TV>(vectors, W.Broadcast(aK), ref bK, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                MultiplyAdd<T, W, TV>(vectors, W.Broadcast(Unsafe.Add(ref aK, aStrideK)), ref Unsafe.Add(ref bK, bStride), ref d0, ref d1, ref d2, ref d3, ref z, ref z, ref z, ref z);
                if (chains > 2)
                {
                    MultiplyAdd<T, W, TV>(vectors, W.Broadcast(Unsafe.Add(ref aK, 2 * aStrideK)), ref Unsafe.Add(ref bK, 2 * bStride), ref e0, ref e1, ref e2, ref e3, ref z, ref z, ref z, ref z);
                }

                if (chains > 3)
                {
                    MultiplyAdd<T, W, TV>(vectors, W.Broadcast(Unsafe.Add(ref aK, 3 * aStrideK)), ref Unsafe.Add(ref bK, 3 * bStride), ref f0, ref f1, ref f2, ref f3, ref z, ref z, ref z, ref z);
                }

                aK = ref Unsafe.Add(ref aK, aStep);
                bK = ref Unsafe.Add(ref bK, bStep);
            }

            // The steps left over belong to chains 0, 1, 2 in turn.
            if (depth % (nuint)chains > 0)
            {
                MultiplyAdd<T, W, TV>(vectors, W.Broadcast(aK), ref bK, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            }

            if (depth % (nuint)chains > 1)
            {
                MultiplyAdd<T, W, TV>(vectors, W.Broadcast(Unsafe.Add(ref aK, aStrideK)), ref Unsafe.Add(ref bK, bStride), ref d0, ref d1, ref d2, ref d3, ref z, ref z, ref z, ref z);
            }

            if (depth % (nuint)chains > 2)
            {
                MultiplyAdd<T, W, TV>(vectors, W.Broadcast(Unsafe.Add(ref aK, 2 * aStrideK)), ref Unsafe.Add(ref bK, 2 * bStride), ref e0, ref e1, ref e2, ref e3, ref z, ref z, ref z, ref z);
            }

            c0 = Join<T, W, TV>(chains, c0, d0, e0, f0);
            c1 = Join<T, W, TV>(chains, c1, d1, e1, f1);
            c2 = Join<T, W, TV>(chains, c2, d2, e2, f2);
            c3 = Join<T, W, TV>(chains, c3, d3, e3, f3);
        }
    }

    /// <summary>Whether a matrix-vector product over B's panels is one tile <paramref name="width"/> wide per panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PanelTiles(int m, int storedB, int storedC, int width) => m == 1 && storedB > 0 && storedC == 0 && storedB == width;

    /// <summary>The panels one call covers: all of them, or one part's of every group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint PartPanels(int n, int partColumns, int groupColumns, int panel) =>
        (nuint)(partColumns > 0 ? n / groupColumns * (partColumns / panel) : n / panel);

    /// <summary>The <paramref name="i"/>-th panel, in column order, of part <paramref name="part"/>'s columns (or of all).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint PanelOfPart(nuint i, int part, int partColumns, int groupColumns, int panel)
    {
        if (partColumns == 0)
        {
            return i;
        }

        nuint partPanels = (nuint)(partColumns / panel), groupPanels = (nuint)(groupColumns / panel);
        return i / partPanels * groupPanels + (nuint)part * partPanels + i % partPanels;
    }

    /// <summary>A chained sum: c + d, c + (d + e), or c + (d + (e + f)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Join<T, W, TV>(int chains, TV c, TV d, TV e, TV f)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct => chains switch
        {
            2 => W.Add(c, d),
            3 => W.Add(c, W.Add(d, e)),
            _ => W.Add(c, W.Add(d, W.Add(e, f))),
        };

    /// <summary>Tiles of R rows by C vectors for rows [0, <paramref name="rows"/>), a multiple of R.</summary>
    private static void BlockTiles<T, W, TV, S, R, C>(ref T a, ref T b, ref T c, ref T s0, ref T s1, ref T s2, nuint column, nuint n0, nuint rows, int extent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where S : IBroadcastProduct
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)W.Lanes, aStrideM = (nuint)S.AStrideM, aStrideK = (nuint)S.AStrideK, bStride = Stride(S.BPanel, S.N, S.BStride), cStride = Stride(S.CPanel, S.N, S.CStride);
        int depth = S.K > 0 ? S.K : extent;
        nuint at = column + n0;
        ref T bTile = ref Unsafe.Add(ref b, n0);
        TV z = W.Zero;
        TV i0 = Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at);
        TV i1 = C.Value > 1 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + lanes) : z;
        TV i2 = C.Value > 2 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 2 * lanes) : z;
        TV i3 = C.Value > 3 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 3 * lanes) : z;
        TV i4 = C.Value > 4 ? Start<T, W, TV>(S.Start, ref s0, ref s1, ref s2, at + 4 * lanes) : z;
        for (nuint m0 = 0; m0 + (nuint)R.Value <= rows; m0 += (nuint)R.Value)
        {
            ref T r0 = ref Unsafe.Add(ref c, m0 * cStride + n0);
            ref T r1 = ref Unsafe.Add(ref r0, cStride);
            ref T r2 = ref Unsafe.Add(ref r1, cStride);
            ref T r3 = ref Unsafe.Add(ref r2, cStride);
            ref T r4 = ref Unsafe.Add(ref r3, cStride);
            // Accumulator rv: tile row r, vector v. Rows beyond R and vectors beyond C are never used.
            TV a00 = z, a01 = z, a02 = z, a03 = z, a04 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z;
            TV a20 = z, a21 = z, a22 = z, a23 = z, a24 = z, a30 = z, a31 = z, a32 = z, a33 = z, a34 = z;
            TV a40 = z, a41 = z, a42 = z, a43 = z, a44 = z;
            StartRow<T, W, TV, C>(S.Start, ref r0, i0, i1, i2, i3, i4, ref a00, ref a01, ref a02, ref a03, ref a04);
            if (R.Value > 1) StartRow<T, W, TV, C>(S.Start, ref r1, i0, i1, i2, i3, i4, ref a10, ref a11, ref a12, ref a13, ref a14);
            if (R.Value > 2) StartRow<T, W, TV, C>(S.Start, ref r2, i0, i1, i2, i3, i4, ref a20, ref a21, ref a22, ref a23, ref a24);
            if (R.Value > 3) StartRow<T, W, TV, C>(S.Start, ref r3, i0, i1, i2, i3, i4, ref a30, ref a31, ref a32, ref a33, ref a34);
            if (R.Value > 4) StartRow<T, W, TV, C>(S.Start, ref r4, i0, i1, i2, i3, i4, ref a40, ref a41, ref a42, ref a43, ref a44);

            ref T aK = ref Unsafe.Add(ref a, m0 * aStrideM);
            ref T bRow = ref bTile;
            if (typeof(T) == typeof(float))
            {
                // The same sums with the intrinsics in place, for tier 0 (see TileSteps).
                TileSteps.Broadcast<T, TV, R, C>(ref aK, aStrideM, aStrideK, ref bRow, bStride, (nuint)depth,
                    ref a00, ref a01, ref a02, ref a03, ref a04, ref a10, ref a11, ref a12, ref a13, ref a14,
                    ref a20, ref a21, ref a22, ref a23, ref a24, ref a30, ref a31, ref a32, ref a33, ref a34,
                    ref a40, ref a41, ref a42, ref a43, ref a44);
            }
            else
            {
                for (nuint k = 0; k < (nuint)depth; k++)
                {
                    TV b0 = W.Load(ref bRow, 0);
                    TV b1 = C.Value > 1 ? W.Load(ref bRow, lanes) : z;
                    TV b2 = C.Value > 2 ? W.Load(ref bRow, 2 * lanes) : z;
                    TV b3 = C.Value > 3 ? W.Load(ref bRow, 3 * lanes) : z;
                    TV b4 = C.Value > 4 ? W.Load(ref bRow, 4 * lanes) : z;
                    MultiplyRow<T, W, TV, C>(W.Broadcast(aK), b0, b1, b2, b3, b4, ref a00, ref a01, ref a02, ref a03, ref a04);
                    if (R.Value > 1) MultiplyRow<T, W, TV, C>(W.Broadcast(Unsafe.Add(ref aK, aStrideM)), b0, b1, b2, b3, b4, ref a10, ref a11, ref a12, ref a13, ref a14);
                    if (R.Value > 2) MultiplyRow<T, W, TV, C>(W.Broadcast(Unsafe.Add(ref aK, 2 * aStrideM)), b0, b1, b2, b3, b4, ref a20, ref a21, ref a22, ref a23, ref a24);
                    if (R.Value > 3) MultiplyRow<T, W, TV, C>(W.Broadcast(Unsafe.Add(ref aK, 3 * aStrideM)), b0, b1, b2, b3, b4, ref a30, ref a31, ref a32, ref a33, ref a34);
                    if (R.Value > 4) MultiplyRow<T, W, TV, C>(W.Broadcast(Unsafe.Add(ref aK, 4 * aStrideM)), b0, b1, b2, b3, b4, ref a40, ref a41, ref a42, ref a43, ref a44);
                    aK = ref Unsafe.Add(ref aK, aStrideK);
                    bRow = ref Unsafe.Add(ref bRow, bStride);
                }
            }

            if (S.Finish != ProductFinish.None)
            {
                // A batched step's fused activation (the vanilla cell over many streams); the sequence passes' blocks have none.
                FinishRow<T, W, TV, C>(S.Finish, ref a00, ref a01, ref a02, ref a03, ref a04);
                if (R.Value > 1) FinishRow<T, W, TV, C>(S.Finish, ref a10, ref a11, ref a12, ref a13, ref a14);
                if (R.Value > 2) FinishRow<T, W, TV, C>(S.Finish, ref a20, ref a21, ref a22, ref a23, ref a24);
                if (R.Value > 3) FinishRow<T, W, TV, C>(S.Finish, ref a30, ref a31, ref a32, ref a33, ref a34);
                if (R.Value > 4) FinishRow<T, W, TV, C>(S.Finish, ref a40, ref a41, ref a42, ref a43, ref a44);
            }

            StoreRow<T, W, TV, C>(ref r0, a00, a01, a02, a03, a04);
            if (R.Value > 1) StoreRow<T, W, TV, C>(ref r1, a10, a11, a12, a13, a14);
            if (R.Value > 2) StoreRow<T, W, TV, C>(ref r2, a20, a21, a22, a23, a24);
            if (R.Value > 3) StoreRow<T, W, TV, C>(ref r3, a30, a31, a32, a33, a34);
            if (R.Value > 4) StoreRow<T, W, TV, C>(ref r4, a40, a41, a42, a43, a44);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StartRow<T, W, TV, C>(ProductStart start, ref T cRow, TV i0, TV i1, TV i2, TV i3, TV i4, ref TV v0, ref TV v1, ref TV v2, ref TV v3, ref TV v4)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where C : ICount
    {
        if (typeof(T) == typeof(float))
        {
            // For tier 0 (see TileSteps): the row's loads in one call, or its start values copied in place.
            if (start == ProductStart.Accumulate)
            {
                TileSteps.Load<T, TV, C>(ref cRow, ref v0, ref v1, ref v2, ref v3, ref v4);
            }
            else
            {
                v0 = i0;
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1 = i1;
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2 = i2;
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3 = i3;
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4 = i4;
            }

            return;
        }

        nuint lanes = (nuint)W.Lanes;
        v0 = StartAt<T, W, TV>(start, ref cRow, 0, i0);
        if (C.Value > 1) v1 = StartAt<T, W, TV>(start, ref cRow, lanes, i1);
        if (C.Value > 2) v2 = StartAt<T, W, TV>(start, ref cRow, 2 * lanes, i2);
        if (C.Value > 3) v3 = StartAt<T, W, TV>(start, ref cRow, 3 * lanes, i3);
        if (C.Value > 4) v4 = StartAt<T, W, TV>(start, ref cRow, 4 * lanes, i4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyRow<T, W, TV, C>(TV x, TV b0, TV b1, TV b2, TV b3, TV b4, ref TV v0, ref TV v1, ref TV v2, ref TV v3, ref TV v4)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where C : ICount
    {
        v0 = W.MultiplyAdd(x, b0, v0);
        if (C.Value > 1) v1 = W.MultiplyAdd(x, b1, v1);
        if (C.Value > 2) v2 = W.MultiplyAdd(x, b2, v2);
        if (C.Value > 3) v3 = W.MultiplyAdd(x, b3, v3);
        if (C.Value > 4) v4 = W.MultiplyAdd(x, b4, v4);
    }

    /// <summary>Stores one tile row (products of several rows have no finish).</summary>
    /// <summary>The finish (tanh, ReLU) of one tile row's C accumulators, before they are stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow<T, W, TV, C>(ProductFinish finish, ref TV v0, ref TV v1, ref TV v2, ref TV v3, ref TV v4)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where C : ICount
    {
        v0 = Finished<T, W, TV>(finish, v0);
        if (C.Value > 1) v1 = Finished<T, W, TV>(finish, v1);
        if (C.Value > 2) v2 = Finished<T, W, TV>(finish, v2);
        if (C.Value > 3) v3 = Finished<T, W, TV>(finish, v3);
        if (C.Value > 4) v4 = Finished<T, W, TV>(finish, v4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Finished<T, W, TV>(ProductFinish finish, TV value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct => finish switch { ProductFinish.Tanh => W.Tanh(value), ProductFinish.Relu => W.Relu(value), _ => value };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, W, TV, C>(ref T cRow, TV v0, TV v1, TV v2, TV v3, TV v4)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
        where C : ICount
    {
        if (typeof(T) == typeof(float))
        {
            TileSteps.Store<T, TV, C>(ref cRow, v0, v1, v2, v3, v4); // for tier 0: one call (see TileSteps)
            return;
        }

        nuint lanes = (nuint)W.Lanes;
        W.Store(v0, ref cRow, 0);
        if (C.Value > 1) W.Store(v1, ref cRow, lanes);
        if (C.Value > 2) W.Store(v2, ref cRow, 2 * lanes);
        if (C.Value > 3) W.Store(v3, ref cRow, 3 * lanes);
        if (C.Value > 4) W.Store(v4, ref cRow, 4 * lanes);
    }
}
