using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

// The innermost work of the products' register tiles in single precision, once per width with the hardware intrinsics
// written in place: a broadcast tile's sums over k, a dot tile's sums over its length, a tile row's start and store.
// The generic tiles (BroadcastProduct.BlockTiles, DotProduct.Tiles) do the same through a width struct and call these
// for float. They exist for tier 0, which inlines no call: there every width-struct operation and every C.Value test is
// a call of its own, and a tutorial model's first SgdStep (16 M multiply-adds in its head) ran two to three times as
// long as with the intrinsics, which tier 0 expands in place. Counts are type tests (IAbove1..4), which tier 0 folds.
// The entry points depend on no shape, so they are AggressiveOptimization as well as AggressiveInlining: called from
// tier-0 code, each (rows, columns) is compiled fully optimised once per process, for every model; inlined into a
// tier-1 tile, they give the instructions the generic code gives (disassembly compared, docs/architecture.md). Their
// helpers mirror the generic code's shape (a row's broadcast, a column's B vector passed to a call) for that reason.
// The three classes are the same text but for the width; KernelSourceTests keeps them so.

/// <summary>Single-precision tile steps at 512 bits (see the file's header).</summary>
internal static class TileSteps512
{
    /// <summary>
    /// The sums of a broadcast tile of R rows by C vectors over k: acc[r, v] += Σ_k a[r, k] · b[k, v], a[r, k] at
    /// <paramref name="aK"/> + r · <paramref name="aStrideM"/> + k · <paramref name="aStrideK"/>, b[k] the row of B
    /// <paramref name="bStride"/> · k after <paramref name="bRow"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Broadcast<R, C>(ref float aK, nuint aStrideM, nuint aStrideK, ref float bRow, nuint bStride, nuint depth,
        ref Vector512<float> a00, ref Vector512<float> a01, ref Vector512<float> a02, ref Vector512<float> a03, ref Vector512<float> a04,
        ref Vector512<float> a10, ref Vector512<float> a11, ref Vector512<float> a12, ref Vector512<float> a13, ref Vector512<float> a14,
        ref Vector512<float> a20, ref Vector512<float> a21, ref Vector512<float> a22, ref Vector512<float> a23, ref Vector512<float> a24,
        ref Vector512<float> a30, ref Vector512<float> a31, ref Vector512<float> a32, ref Vector512<float> a33, ref Vector512<float> a34,
        ref Vector512<float> a40, ref Vector512<float> a41, ref Vector512<float> a42, ref Vector512<float> a43, ref Vector512<float> a44)
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)Vector512<float>.Count;
        Vector512<float> z = Vector512<float>.Zero;
        for (nuint k = 0; k < depth; k++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bRow, 0);
            Vector512<float> b1 = typeof(IAbove1).IsAssignableFrom(typeof(C)) ? Vector512.LoadUnsafe(ref bRow, lanes) : z;
            Vector512<float> b2 = typeof(IAbove2).IsAssignableFrom(typeof(C)) ? Vector512.LoadUnsafe(ref bRow, 2 * lanes) : z;
            Vector512<float> b3 = typeof(IAbove3).IsAssignableFrom(typeof(C)) ? Vector512.LoadUnsafe(ref bRow, 3 * lanes) : z;
            Vector512<float> b4 = typeof(IAbove4).IsAssignableFrom(typeof(C)) ? Vector512.LoadUnsafe(ref bRow, 4 * lanes) : z;
            Vector512<float> x = Vector512.Create(aK);
            a00 = Vector512.MultiplyAddEstimate(x, b0, a00);
            if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a01 = Vector512.MultiplyAddEstimate(x, b1, a01);
            if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a02 = Vector512.MultiplyAddEstimate(x, b2, a02);
            if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a03 = Vector512.MultiplyAddEstimate(x, b3, a03);
            if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a04 = Vector512.MultiplyAddEstimate(x, b4, a04);

            if (typeof(IAbove1).IsAssignableFrom(typeof(R)))
            {
                x = Vector512.Create(Unsafe.Add(ref aK, aStrideM));
                a10 = Vector512.MultiplyAddEstimate(x, b0, a10);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a11 = Vector512.MultiplyAddEstimate(x, b1, a11);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a12 = Vector512.MultiplyAddEstimate(x, b2, a12);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a13 = Vector512.MultiplyAddEstimate(x, b3, a13);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a14 = Vector512.MultiplyAddEstimate(x, b4, a14);
            }

            if (typeof(IAbove2).IsAssignableFrom(typeof(R)))
            {
                x = Vector512.Create(Unsafe.Add(ref aK, 2 * aStrideM));
                a20 = Vector512.MultiplyAddEstimate(x, b0, a20);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a21 = Vector512.MultiplyAddEstimate(x, b1, a21);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a22 = Vector512.MultiplyAddEstimate(x, b2, a22);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a23 = Vector512.MultiplyAddEstimate(x, b3, a23);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a24 = Vector512.MultiplyAddEstimate(x, b4, a24);
            }

            if (typeof(IAbove3).IsAssignableFrom(typeof(R)))
            {
                x = Vector512.Create(Unsafe.Add(ref aK, 3 * aStrideM));
                a30 = Vector512.MultiplyAddEstimate(x, b0, a30);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a31 = Vector512.MultiplyAddEstimate(x, b1, a31);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a32 = Vector512.MultiplyAddEstimate(x, b2, a32);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a33 = Vector512.MultiplyAddEstimate(x, b3, a33);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a34 = Vector512.MultiplyAddEstimate(x, b4, a34);
            }

            if (typeof(IAbove4).IsAssignableFrom(typeof(R)))
            {
                x = Vector512.Create(Unsafe.Add(ref aK, 4 * aStrideM));
                a40 = Vector512.MultiplyAddEstimate(x, b0, a40);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a41 = Vector512.MultiplyAddEstimate(x, b1, a41);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a42 = Vector512.MultiplyAddEstimate(x, b2, a42);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a43 = Vector512.MultiplyAddEstimate(x, b3, a43);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a44 = Vector512.MultiplyAddEstimate(x, b4, a44);
            }

            aK = ref Unsafe.Add(ref aK, aStrideK);
            bRow = ref Unsafe.Add(ref bRow, bStride);
        }
    }

    /// <summary>The C vectors of a tile row at <paramref name="row"/>: a broadcast product that accumulates into C starts from them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load<C>(ref float row, ref Vector512<float> v0, ref Vector512<float> v1, ref Vector512<float> v2, ref Vector512<float> v3, ref Vector512<float> v4)
        where C : ICount
    {
        nuint lanes = (nuint)Vector512<float>.Count;
        v0 = Vector512.LoadUnsafe(ref row, 0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1 = Vector512.LoadUnsafe(ref row, lanes);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2 = Vector512.LoadUnsafe(ref row, 2 * lanes);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3 = Vector512.LoadUnsafe(ref row, 3 * lanes);
        if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4 = Vector512.LoadUnsafe(ref row, 4 * lanes);
    }

    /// <summary>Stores the C vectors of a tile row at <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<C>(ref float row, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, Vector512<float> v4)
        where C : ICount
    {
        nuint lanes = (nuint)Vector512<float>.Count;
        v0.StoreUnsafe(ref row, 0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1.StoreUnsafe(ref row, lanes);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2.StoreUnsafe(ref row, 2 * lanes);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3.StoreUnsafe(ref row, 3 * lanes);
        if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4.StoreUnsafe(ref row, 4 * lanes);
    }

    /// <summary>
    /// The sums of a dot tile of R rows of A by C rows of B over <paramref name="length"/> values, lane by lane:
    /// s[i, j] += a_i · b_j; one to four vectors straight-line, more in a loop, as DotProduct.Tiles does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Dot<R, C>(ref float a, nuint aStride, ref float b, nuint bStride, nuint length,
        ref Vector512<float> s00, ref Vector512<float> s01, ref Vector512<float> s02, ref Vector512<float> s03,
        ref Vector512<float> s10, ref Vector512<float> s11, ref Vector512<float> s12, ref Vector512<float> s13,
        ref Vector512<float> s20, ref Vector512<float> s21, ref Vector512<float> s22, ref Vector512<float> s23,
        ref Vector512<float> s30, ref Vector512<float> s31, ref Vector512<float> s32, ref Vector512<float> s33)
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)Vector512<float>.Count;
        if (length <= 4 * lanes)
        {
            DotStep<R, C>(ref a, aStride, ref b, bStride, 0, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > 2 * lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, 2 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > 3 * lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, 3 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
        }
        else
        {
            for (nuint k = 0; k < length; k += lanes)
            {
                DotStep<R, C>(ref a, aStride, ref b, bStride, k, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            }
        }
    }

    /// <summary>One vector of k of a dot tile: s[i, j] += a_i · b_j over the lanes at <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotStep<R, C>(ref float a, nuint aStride, ref float b, nuint bStride, nuint k,
        ref Vector512<float> s00, ref Vector512<float> s01, ref Vector512<float> s02, ref Vector512<float> s03,
        ref Vector512<float> s10, ref Vector512<float> s11, ref Vector512<float> s12, ref Vector512<float> s13,
        ref Vector512<float> s20, ref Vector512<float> s21, ref Vector512<float> s22, ref Vector512<float> s23,
        ref Vector512<float> s30, ref Vector512<float> s31, ref Vector512<float> s32, ref Vector512<float> s33)
        where R : ICount
        where C : ICount
    {
        Vector512<float> z = Vector512<float>.Zero;
        Vector512<float> a0 = Vector512.LoadUnsafe(ref a, k);
        Vector512<float> a1 = typeof(IAbove1).IsAssignableFrom(typeof(R)) ? Vector512.LoadUnsafe(ref a, aStride + k) : z;
        Vector512<float> a2 = typeof(IAbove2).IsAssignableFrom(typeof(R)) ? Vector512.LoadUnsafe(ref a, 2 * aStride + k) : z;
        Vector512<float> a3 = typeof(IAbove3).IsAssignableFrom(typeof(R)) ? Vector512.LoadUnsafe(ref a, 3 * aStride + k) : z;
        Column<R>(Vector512.LoadUnsafe(ref b, k), a0, a1, a2, a3, ref s00, ref s10, ref s20, ref s30);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) Column<R>(Vector512.LoadUnsafe(ref b, bStride + k), a0, a1, a2, a3, ref s01, ref s11, ref s21, ref s31);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) Column<R>(Vector512.LoadUnsafe(ref b, 2 * bStride + k), a0, a1, a2, a3, ref s02, ref s12, ref s22, ref s32);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) Column<R>(Vector512.LoadUnsafe(ref b, 3 * bStride + k), a0, a1, a2, a3, ref s03, ref s13, ref s23, ref s33);
    }

    /// <summary>One column of a dot tile: s[i] += a_i · b (B's vector passed in, as DotProduct.Column has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<R>(Vector512<float> b, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, ref Vector512<float> s0, ref Vector512<float> s1, ref Vector512<float> s2, ref Vector512<float> s3)
        where R : ICount
    {
        s0 = Vector512.MultiplyAddEstimate(a0, b, s0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(R))) s1 = Vector512.MultiplyAddEstimate(a1, b, s1);
        if (typeof(IAbove2).IsAssignableFrom(typeof(R))) s2 = Vector512.MultiplyAddEstimate(a2, b, s2);
        if (typeof(IAbove3).IsAssignableFrom(typeof(R))) s3 = Vector512.MultiplyAddEstimate(a3, b, s3);
    }
}

/// <summary>Single-precision tile steps at 256 bits (see the file's header).</summary>
internal static class TileSteps256
{
    /// <summary>
    /// The sums of a broadcast tile of R rows by C vectors over k: acc[r, v] += Σ_k a[r, k] · b[k, v], a[r, k] at
    /// <paramref name="aK"/> + r · <paramref name="aStrideM"/> + k · <paramref name="aStrideK"/>, b[k] the row of B
    /// <paramref name="bStride"/> · k after <paramref name="bRow"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Broadcast<R, C>(ref float aK, nuint aStrideM, nuint aStrideK, ref float bRow, nuint bStride, nuint depth,
        ref Vector256<float> a00, ref Vector256<float> a01, ref Vector256<float> a02, ref Vector256<float> a03, ref Vector256<float> a04,
        ref Vector256<float> a10, ref Vector256<float> a11, ref Vector256<float> a12, ref Vector256<float> a13, ref Vector256<float> a14,
        ref Vector256<float> a20, ref Vector256<float> a21, ref Vector256<float> a22, ref Vector256<float> a23, ref Vector256<float> a24,
        ref Vector256<float> a30, ref Vector256<float> a31, ref Vector256<float> a32, ref Vector256<float> a33, ref Vector256<float> a34,
        ref Vector256<float> a40, ref Vector256<float> a41, ref Vector256<float> a42, ref Vector256<float> a43, ref Vector256<float> a44)
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)Vector256<float>.Count;
        Vector256<float> z = Vector256<float>.Zero;
        for (nuint k = 0; k < depth; k++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref bRow, 0);
            Vector256<float> b1 = typeof(IAbove1).IsAssignableFrom(typeof(C)) ? Vector256.LoadUnsafe(ref bRow, lanes) : z;
            Vector256<float> b2 = typeof(IAbove2).IsAssignableFrom(typeof(C)) ? Vector256.LoadUnsafe(ref bRow, 2 * lanes) : z;
            Vector256<float> b3 = typeof(IAbove3).IsAssignableFrom(typeof(C)) ? Vector256.LoadUnsafe(ref bRow, 3 * lanes) : z;
            Vector256<float> b4 = typeof(IAbove4).IsAssignableFrom(typeof(C)) ? Vector256.LoadUnsafe(ref bRow, 4 * lanes) : z;
            Vector256<float> x = Vector256.Create(aK);
            a00 = Vector256.MultiplyAddEstimate(x, b0, a00);
            if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a01 = Vector256.MultiplyAddEstimate(x, b1, a01);
            if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a02 = Vector256.MultiplyAddEstimate(x, b2, a02);
            if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a03 = Vector256.MultiplyAddEstimate(x, b3, a03);
            if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a04 = Vector256.MultiplyAddEstimate(x, b4, a04);

            if (typeof(IAbove1).IsAssignableFrom(typeof(R)))
            {
                x = Vector256.Create(Unsafe.Add(ref aK, aStrideM));
                a10 = Vector256.MultiplyAddEstimate(x, b0, a10);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a11 = Vector256.MultiplyAddEstimate(x, b1, a11);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a12 = Vector256.MultiplyAddEstimate(x, b2, a12);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a13 = Vector256.MultiplyAddEstimate(x, b3, a13);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a14 = Vector256.MultiplyAddEstimate(x, b4, a14);
            }

            if (typeof(IAbove2).IsAssignableFrom(typeof(R)))
            {
                x = Vector256.Create(Unsafe.Add(ref aK, 2 * aStrideM));
                a20 = Vector256.MultiplyAddEstimate(x, b0, a20);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a21 = Vector256.MultiplyAddEstimate(x, b1, a21);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a22 = Vector256.MultiplyAddEstimate(x, b2, a22);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a23 = Vector256.MultiplyAddEstimate(x, b3, a23);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a24 = Vector256.MultiplyAddEstimate(x, b4, a24);
            }

            if (typeof(IAbove3).IsAssignableFrom(typeof(R)))
            {
                x = Vector256.Create(Unsafe.Add(ref aK, 3 * aStrideM));
                a30 = Vector256.MultiplyAddEstimate(x, b0, a30);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a31 = Vector256.MultiplyAddEstimate(x, b1, a31);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a32 = Vector256.MultiplyAddEstimate(x, b2, a32);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a33 = Vector256.MultiplyAddEstimate(x, b3, a33);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a34 = Vector256.MultiplyAddEstimate(x, b4, a34);
            }

            if (typeof(IAbove4).IsAssignableFrom(typeof(R)))
            {
                x = Vector256.Create(Unsafe.Add(ref aK, 4 * aStrideM));
                a40 = Vector256.MultiplyAddEstimate(x, b0, a40);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a41 = Vector256.MultiplyAddEstimate(x, b1, a41);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a42 = Vector256.MultiplyAddEstimate(x, b2, a42);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a43 = Vector256.MultiplyAddEstimate(x, b3, a43);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a44 = Vector256.MultiplyAddEstimate(x, b4, a44);
            }

            aK = ref Unsafe.Add(ref aK, aStrideK);
            bRow = ref Unsafe.Add(ref bRow, bStride);
        }
    }

    /// <summary>The C vectors of a tile row at <paramref name="row"/>: a broadcast product that accumulates into C starts from them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load<C>(ref float row, ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3, ref Vector256<float> v4)
        where C : ICount
    {
        nuint lanes = (nuint)Vector256<float>.Count;
        v0 = Vector256.LoadUnsafe(ref row, 0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1 = Vector256.LoadUnsafe(ref row, lanes);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2 = Vector256.LoadUnsafe(ref row, 2 * lanes);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3 = Vector256.LoadUnsafe(ref row, 3 * lanes);
        if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4 = Vector256.LoadUnsafe(ref row, 4 * lanes);
    }

    /// <summary>Stores the C vectors of a tile row at <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<C>(ref float row, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3, Vector256<float> v4)
        where C : ICount
    {
        nuint lanes = (nuint)Vector256<float>.Count;
        v0.StoreUnsafe(ref row, 0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1.StoreUnsafe(ref row, lanes);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2.StoreUnsafe(ref row, 2 * lanes);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3.StoreUnsafe(ref row, 3 * lanes);
        if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4.StoreUnsafe(ref row, 4 * lanes);
    }

    /// <summary>
    /// The sums of a dot tile of R rows of A by C rows of B over <paramref name="length"/> values, lane by lane:
    /// s[i, j] += a_i · b_j; one to four vectors straight-line, more in a loop, as DotProduct.Tiles does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Dot<R, C>(ref float a, nuint aStride, ref float b, nuint bStride, nuint length,
        ref Vector256<float> s00, ref Vector256<float> s01, ref Vector256<float> s02, ref Vector256<float> s03,
        ref Vector256<float> s10, ref Vector256<float> s11, ref Vector256<float> s12, ref Vector256<float> s13,
        ref Vector256<float> s20, ref Vector256<float> s21, ref Vector256<float> s22, ref Vector256<float> s23,
        ref Vector256<float> s30, ref Vector256<float> s31, ref Vector256<float> s32, ref Vector256<float> s33)
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)Vector256<float>.Count;
        if (length <= 4 * lanes)
        {
            DotStep<R, C>(ref a, aStride, ref b, bStride, 0, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > 2 * lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, 2 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > 3 * lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, 3 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
        }
        else
        {
            for (nuint k = 0; k < length; k += lanes)
            {
                DotStep<R, C>(ref a, aStride, ref b, bStride, k, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            }
        }
    }

    /// <summary>One vector of k of a dot tile: s[i, j] += a_i · b_j over the lanes at <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotStep<R, C>(ref float a, nuint aStride, ref float b, nuint bStride, nuint k,
        ref Vector256<float> s00, ref Vector256<float> s01, ref Vector256<float> s02, ref Vector256<float> s03,
        ref Vector256<float> s10, ref Vector256<float> s11, ref Vector256<float> s12, ref Vector256<float> s13,
        ref Vector256<float> s20, ref Vector256<float> s21, ref Vector256<float> s22, ref Vector256<float> s23,
        ref Vector256<float> s30, ref Vector256<float> s31, ref Vector256<float> s32, ref Vector256<float> s33)
        where R : ICount
        where C : ICount
    {
        Vector256<float> z = Vector256<float>.Zero;
        Vector256<float> a0 = Vector256.LoadUnsafe(ref a, k);
        Vector256<float> a1 = typeof(IAbove1).IsAssignableFrom(typeof(R)) ? Vector256.LoadUnsafe(ref a, aStride + k) : z;
        Vector256<float> a2 = typeof(IAbove2).IsAssignableFrom(typeof(R)) ? Vector256.LoadUnsafe(ref a, 2 * aStride + k) : z;
        Vector256<float> a3 = typeof(IAbove3).IsAssignableFrom(typeof(R)) ? Vector256.LoadUnsafe(ref a, 3 * aStride + k) : z;
        Column<R>(Vector256.LoadUnsafe(ref b, k), a0, a1, a2, a3, ref s00, ref s10, ref s20, ref s30);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) Column<R>(Vector256.LoadUnsafe(ref b, bStride + k), a0, a1, a2, a3, ref s01, ref s11, ref s21, ref s31);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) Column<R>(Vector256.LoadUnsafe(ref b, 2 * bStride + k), a0, a1, a2, a3, ref s02, ref s12, ref s22, ref s32);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) Column<R>(Vector256.LoadUnsafe(ref b, 3 * bStride + k), a0, a1, a2, a3, ref s03, ref s13, ref s23, ref s33);
    }

    /// <summary>One column of a dot tile: s[i] += a_i · b (B's vector passed in, as DotProduct.Column has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<R>(Vector256<float> b, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3, ref Vector256<float> s0, ref Vector256<float> s1, ref Vector256<float> s2, ref Vector256<float> s3)
        where R : ICount
    {
        s0 = Vector256.MultiplyAddEstimate(a0, b, s0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(R))) s1 = Vector256.MultiplyAddEstimate(a1, b, s1);
        if (typeof(IAbove2).IsAssignableFrom(typeof(R))) s2 = Vector256.MultiplyAddEstimate(a2, b, s2);
        if (typeof(IAbove3).IsAssignableFrom(typeof(R))) s3 = Vector256.MultiplyAddEstimate(a3, b, s3);
    }
}

/// <summary>Single-precision tile steps at 128 bits (see the file's header).</summary>
internal static class TileSteps128
{
    /// <summary>
    /// The sums of a broadcast tile of R rows by C vectors over k: acc[r, v] += Σ_k a[r, k] · b[k, v], a[r, k] at
    /// <paramref name="aK"/> + r · <paramref name="aStrideM"/> + k · <paramref name="aStrideK"/>, b[k] the row of B
    /// <paramref name="bStride"/> · k after <paramref name="bRow"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Broadcast<R, C>(ref float aK, nuint aStrideM, nuint aStrideK, ref float bRow, nuint bStride, nuint depth,
        ref Vector128<float> a00, ref Vector128<float> a01, ref Vector128<float> a02, ref Vector128<float> a03, ref Vector128<float> a04,
        ref Vector128<float> a10, ref Vector128<float> a11, ref Vector128<float> a12, ref Vector128<float> a13, ref Vector128<float> a14,
        ref Vector128<float> a20, ref Vector128<float> a21, ref Vector128<float> a22, ref Vector128<float> a23, ref Vector128<float> a24,
        ref Vector128<float> a30, ref Vector128<float> a31, ref Vector128<float> a32, ref Vector128<float> a33, ref Vector128<float> a34,
        ref Vector128<float> a40, ref Vector128<float> a41, ref Vector128<float> a42, ref Vector128<float> a43, ref Vector128<float> a44)
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)Vector128<float>.Count;
        Vector128<float> z = Vector128<float>.Zero;
        for (nuint k = 0; k < depth; k++)
        {
            Vector128<float> b0 = Vector128.LoadUnsafe(ref bRow, 0);
            Vector128<float> b1 = typeof(IAbove1).IsAssignableFrom(typeof(C)) ? Vector128.LoadUnsafe(ref bRow, lanes) : z;
            Vector128<float> b2 = typeof(IAbove2).IsAssignableFrom(typeof(C)) ? Vector128.LoadUnsafe(ref bRow, 2 * lanes) : z;
            Vector128<float> b3 = typeof(IAbove3).IsAssignableFrom(typeof(C)) ? Vector128.LoadUnsafe(ref bRow, 3 * lanes) : z;
            Vector128<float> b4 = typeof(IAbove4).IsAssignableFrom(typeof(C)) ? Vector128.LoadUnsafe(ref bRow, 4 * lanes) : z;
            Vector128<float> x = Vector128.Create(aK);
            a00 = Vector128.MultiplyAddEstimate(x, b0, a00);
            if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a01 = Vector128.MultiplyAddEstimate(x, b1, a01);
            if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a02 = Vector128.MultiplyAddEstimate(x, b2, a02);
            if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a03 = Vector128.MultiplyAddEstimate(x, b3, a03);
            if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a04 = Vector128.MultiplyAddEstimate(x, b4, a04);

            if (typeof(IAbove1).IsAssignableFrom(typeof(R)))
            {
                x = Vector128.Create(Unsafe.Add(ref aK, aStrideM));
                a10 = Vector128.MultiplyAddEstimate(x, b0, a10);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a11 = Vector128.MultiplyAddEstimate(x, b1, a11);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a12 = Vector128.MultiplyAddEstimate(x, b2, a12);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a13 = Vector128.MultiplyAddEstimate(x, b3, a13);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a14 = Vector128.MultiplyAddEstimate(x, b4, a14);
            }

            if (typeof(IAbove2).IsAssignableFrom(typeof(R)))
            {
                x = Vector128.Create(Unsafe.Add(ref aK, 2 * aStrideM));
                a20 = Vector128.MultiplyAddEstimate(x, b0, a20);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a21 = Vector128.MultiplyAddEstimate(x, b1, a21);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a22 = Vector128.MultiplyAddEstimate(x, b2, a22);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a23 = Vector128.MultiplyAddEstimate(x, b3, a23);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a24 = Vector128.MultiplyAddEstimate(x, b4, a24);
            }

            if (typeof(IAbove3).IsAssignableFrom(typeof(R)))
            {
                x = Vector128.Create(Unsafe.Add(ref aK, 3 * aStrideM));
                a30 = Vector128.MultiplyAddEstimate(x, b0, a30);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a31 = Vector128.MultiplyAddEstimate(x, b1, a31);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a32 = Vector128.MultiplyAddEstimate(x, b2, a32);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a33 = Vector128.MultiplyAddEstimate(x, b3, a33);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a34 = Vector128.MultiplyAddEstimate(x, b4, a34);
            }

            if (typeof(IAbove4).IsAssignableFrom(typeof(R)))
            {
                x = Vector128.Create(Unsafe.Add(ref aK, 4 * aStrideM));
                a40 = Vector128.MultiplyAddEstimate(x, b0, a40);
                if (typeof(IAbove1).IsAssignableFrom(typeof(C))) a41 = Vector128.MultiplyAddEstimate(x, b1, a41);
                if (typeof(IAbove2).IsAssignableFrom(typeof(C))) a42 = Vector128.MultiplyAddEstimate(x, b2, a42);
                if (typeof(IAbove3).IsAssignableFrom(typeof(C))) a43 = Vector128.MultiplyAddEstimate(x, b3, a43);
                if (typeof(IAbove4).IsAssignableFrom(typeof(C))) a44 = Vector128.MultiplyAddEstimate(x, b4, a44);
            }

            aK = ref Unsafe.Add(ref aK, aStrideK);
            bRow = ref Unsafe.Add(ref bRow, bStride);
        }
    }

    /// <summary>The C vectors of a tile row at <paramref name="row"/>: a broadcast product that accumulates into C starts from them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load<C>(ref float row, ref Vector128<float> v0, ref Vector128<float> v1, ref Vector128<float> v2, ref Vector128<float> v3, ref Vector128<float> v4)
        where C : ICount
    {
        nuint lanes = (nuint)Vector128<float>.Count;
        v0 = Vector128.LoadUnsafe(ref row, 0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1 = Vector128.LoadUnsafe(ref row, lanes);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2 = Vector128.LoadUnsafe(ref row, 2 * lanes);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3 = Vector128.LoadUnsafe(ref row, 3 * lanes);
        if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4 = Vector128.LoadUnsafe(ref row, 4 * lanes);
    }

    /// <summary>Stores the C vectors of a tile row at <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<C>(ref float row, Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3, Vector128<float> v4)
        where C : ICount
    {
        nuint lanes = (nuint)Vector128<float>.Count;
        v0.StoreUnsafe(ref row, 0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) v1.StoreUnsafe(ref row, lanes);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) v2.StoreUnsafe(ref row, 2 * lanes);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) v3.StoreUnsafe(ref row, 3 * lanes);
        if (typeof(IAbove4).IsAssignableFrom(typeof(C))) v4.StoreUnsafe(ref row, 4 * lanes);
    }

    /// <summary>
    /// The sums of a dot tile of R rows of A by C rows of B over <paramref name="length"/> values, lane by lane:
    /// s[i, j] += a_i · b_j; one to four vectors straight-line, more in a loop, as DotProduct.Tiles does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Dot<R, C>(ref float a, nuint aStride, ref float b, nuint bStride, nuint length,
        ref Vector128<float> s00, ref Vector128<float> s01, ref Vector128<float> s02, ref Vector128<float> s03,
        ref Vector128<float> s10, ref Vector128<float> s11, ref Vector128<float> s12, ref Vector128<float> s13,
        ref Vector128<float> s20, ref Vector128<float> s21, ref Vector128<float> s22, ref Vector128<float> s23,
        ref Vector128<float> s30, ref Vector128<float> s31, ref Vector128<float> s32, ref Vector128<float> s33)
        where R : ICount
        where C : ICount
    {
        nuint lanes = (nuint)Vector128<float>.Count;
        if (length <= 4 * lanes)
        {
            DotStep<R, C>(ref a, aStride, ref b, bStride, 0, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > 2 * lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, 2 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            if (length > 3 * lanes) DotStep<R, C>(ref a, aStride, ref b, bStride, 3 * lanes, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
        }
        else
        {
            for (nuint k = 0; k < length; k += lanes)
            {
                DotStep<R, C>(ref a, aStride, ref b, bStride, k, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13, ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
            }
        }
    }

    /// <summary>One vector of k of a dot tile: s[i, j] += a_i · b_j over the lanes at <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotStep<R, C>(ref float a, nuint aStride, ref float b, nuint bStride, nuint k,
        ref Vector128<float> s00, ref Vector128<float> s01, ref Vector128<float> s02, ref Vector128<float> s03,
        ref Vector128<float> s10, ref Vector128<float> s11, ref Vector128<float> s12, ref Vector128<float> s13,
        ref Vector128<float> s20, ref Vector128<float> s21, ref Vector128<float> s22, ref Vector128<float> s23,
        ref Vector128<float> s30, ref Vector128<float> s31, ref Vector128<float> s32, ref Vector128<float> s33)
        where R : ICount
        where C : ICount
    {
        Vector128<float> z = Vector128<float>.Zero;
        Vector128<float> a0 = Vector128.LoadUnsafe(ref a, k);
        Vector128<float> a1 = typeof(IAbove1).IsAssignableFrom(typeof(R)) ? Vector128.LoadUnsafe(ref a, aStride + k) : z;
        Vector128<float> a2 = typeof(IAbove2).IsAssignableFrom(typeof(R)) ? Vector128.LoadUnsafe(ref a, 2 * aStride + k) : z;
        Vector128<float> a3 = typeof(IAbove3).IsAssignableFrom(typeof(R)) ? Vector128.LoadUnsafe(ref a, 3 * aStride + k) : z;
        Column<R>(Vector128.LoadUnsafe(ref b, k), a0, a1, a2, a3, ref s00, ref s10, ref s20, ref s30);
        if (typeof(IAbove1).IsAssignableFrom(typeof(C))) Column<R>(Vector128.LoadUnsafe(ref b, bStride + k), a0, a1, a2, a3, ref s01, ref s11, ref s21, ref s31);
        if (typeof(IAbove2).IsAssignableFrom(typeof(C))) Column<R>(Vector128.LoadUnsafe(ref b, 2 * bStride + k), a0, a1, a2, a3, ref s02, ref s12, ref s22, ref s32);
        if (typeof(IAbove3).IsAssignableFrom(typeof(C))) Column<R>(Vector128.LoadUnsafe(ref b, 3 * bStride + k), a0, a1, a2, a3, ref s03, ref s13, ref s23, ref s33);
    }

    /// <summary>One column of a dot tile: s[i] += a_i · b (B's vector passed in, as DotProduct.Column has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<R>(Vector128<float> b, Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3, ref Vector128<float> s0, ref Vector128<float> s1, ref Vector128<float> s2, ref Vector128<float> s3)
        where R : ICount
    {
        s0 = Vector128.MultiplyAddEstimate(a0, b, s0);
        if (typeof(IAbove1).IsAssignableFrom(typeof(R))) s1 = Vector128.MultiplyAddEstimate(a1, b, s1);
        if (typeof(IAbove2).IsAssignableFrom(typeof(R))) s2 = Vector128.MultiplyAddEstimate(a2, b, s2);
        if (typeof(IAbove3).IsAssignableFrom(typeof(R))) s3 = Vector128.MultiplyAddEstimate(a3, b, s3);
    }
}

/// <summary>
/// The steps of <see cref="TileSteps512"/>, <see cref="TileSteps256"/> and <see cref="TileSteps128"/> for a generic kernel
/// in single precision (the caller tests), at the width of its vector type: a JIT-time constant, at tier 0 too.
/// </summary>
internal static class TileSteps
{
    /// <summary>See <see cref="TileSteps512.Load"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Load<T, TV, C>(ref T row, ref TV v0, ref TV v1, ref TV v2, ref TV v3, ref TV v4)
        where T : unmanaged
        where TV : struct
        where C : ICount
    {
        if (typeof(TV) == typeof(Vector512<float>))
        {
            TileSteps512.Load<C>(ref Unsafe.As<T, float>(ref row), ref Unsafe.As<TV, Vector512<float>>(ref v0), ref Unsafe.As<TV, Vector512<float>>(ref v1), ref Unsafe.As<TV, Vector512<float>>(ref v2), ref Unsafe.As<TV, Vector512<float>>(ref v3), ref Unsafe.As<TV, Vector512<float>>(ref v4));
        }
        else if (typeof(TV) == typeof(Vector256<float>))
        {
            TileSteps256.Load<C>(ref Unsafe.As<T, float>(ref row), ref Unsafe.As<TV, Vector256<float>>(ref v0), ref Unsafe.As<TV, Vector256<float>>(ref v1), ref Unsafe.As<TV, Vector256<float>>(ref v2), ref Unsafe.As<TV, Vector256<float>>(ref v3), ref Unsafe.As<TV, Vector256<float>>(ref v4));
        }
        else if (typeof(TV) == typeof(Vector128<float>))
        {
            TileSteps128.Load<C>(ref Unsafe.As<T, float>(ref row), ref Unsafe.As<TV, Vector128<float>>(ref v0), ref Unsafe.As<TV, Vector128<float>>(ref v1), ref Unsafe.As<TV, Vector128<float>>(ref v2), ref Unsafe.As<TV, Vector128<float>>(ref v3), ref Unsafe.As<TV, Vector128<float>>(ref v4));
        }
    }

    /// <summary>See <see cref="TileSteps512.Store"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Store<T, TV, C>(ref T row, TV v0, TV v1, TV v2, TV v3, TV v4)
        where T : unmanaged
        where TV : struct
        where C : ICount
    {
        if (typeof(TV) == typeof(Vector512<float>))
        {
            TileSteps512.Store<C>(ref Unsafe.As<T, float>(ref row), Unsafe.BitCast<TV, Vector512<float>>(v0), Unsafe.BitCast<TV, Vector512<float>>(v1), Unsafe.BitCast<TV, Vector512<float>>(v2), Unsafe.BitCast<TV, Vector512<float>>(v3), Unsafe.BitCast<TV, Vector512<float>>(v4));
        }
        else if (typeof(TV) == typeof(Vector256<float>))
        {
            TileSteps256.Store<C>(ref Unsafe.As<T, float>(ref row), Unsafe.BitCast<TV, Vector256<float>>(v0), Unsafe.BitCast<TV, Vector256<float>>(v1), Unsafe.BitCast<TV, Vector256<float>>(v2), Unsafe.BitCast<TV, Vector256<float>>(v3), Unsafe.BitCast<TV, Vector256<float>>(v4));
        }
        else if (typeof(TV) == typeof(Vector128<float>))
        {
            TileSteps128.Store<C>(ref Unsafe.As<T, float>(ref row), Unsafe.BitCast<TV, Vector128<float>>(v0), Unsafe.BitCast<TV, Vector128<float>>(v1), Unsafe.BitCast<TV, Vector128<float>>(v2), Unsafe.BitCast<TV, Vector128<float>>(v3), Unsafe.BitCast<TV, Vector128<float>>(v4));
        }
    }

    /// <summary>See <see cref="TileSteps512.Broadcast"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Broadcast<T, TV, R, C>(ref T aK, nuint aStrideM, nuint aStrideK, ref T bRow, nuint bStride, nuint depth,
        ref TV a00, ref TV a01, ref TV a02, ref TV a03, ref TV a04,
        ref TV a10, ref TV a11, ref TV a12, ref TV a13, ref TV a14,
        ref TV a20, ref TV a21, ref TV a22, ref TV a23, ref TV a24,
        ref TV a30, ref TV a31, ref TV a32, ref TV a33, ref TV a34,
        ref TV a40, ref TV a41, ref TV a42, ref TV a43, ref TV a44)
        where T : unmanaged
        where TV : struct
        where R : ICount
        where C : ICount
    {
        if (typeof(TV) == typeof(Vector512<float>))
        {
            TileSteps512.Broadcast<R, C>(ref Unsafe.As<T, float>(ref aK), aStrideM, aStrideK, ref Unsafe.As<T, float>(ref bRow), bStride, depth,
                ref Unsafe.As<TV, Vector512<float>>(ref a00), ref Unsafe.As<TV, Vector512<float>>(ref a01), ref Unsafe.As<TV, Vector512<float>>(ref a02), ref Unsafe.As<TV, Vector512<float>>(ref a03), ref Unsafe.As<TV, Vector512<float>>(ref a04),
                ref Unsafe.As<TV, Vector512<float>>(ref a10), ref Unsafe.As<TV, Vector512<float>>(ref a11), ref Unsafe.As<TV, Vector512<float>>(ref a12), ref Unsafe.As<TV, Vector512<float>>(ref a13), ref Unsafe.As<TV, Vector512<float>>(ref a14),
                ref Unsafe.As<TV, Vector512<float>>(ref a20), ref Unsafe.As<TV, Vector512<float>>(ref a21), ref Unsafe.As<TV, Vector512<float>>(ref a22), ref Unsafe.As<TV, Vector512<float>>(ref a23), ref Unsafe.As<TV, Vector512<float>>(ref a24),
                ref Unsafe.As<TV, Vector512<float>>(ref a30), ref Unsafe.As<TV, Vector512<float>>(ref a31), ref Unsafe.As<TV, Vector512<float>>(ref a32), ref Unsafe.As<TV, Vector512<float>>(ref a33), ref Unsafe.As<TV, Vector512<float>>(ref a34),
                ref Unsafe.As<TV, Vector512<float>>(ref a40), ref Unsafe.As<TV, Vector512<float>>(ref a41), ref Unsafe.As<TV, Vector512<float>>(ref a42), ref Unsafe.As<TV, Vector512<float>>(ref a43), ref Unsafe.As<TV, Vector512<float>>(ref a44));
        }
        else if (typeof(TV) == typeof(Vector256<float>))
        {
            TileSteps256.Broadcast<R, C>(ref Unsafe.As<T, float>(ref aK), aStrideM, aStrideK, ref Unsafe.As<T, float>(ref bRow), bStride, depth,
                ref Unsafe.As<TV, Vector256<float>>(ref a00), ref Unsafe.As<TV, Vector256<float>>(ref a01), ref Unsafe.As<TV, Vector256<float>>(ref a02), ref Unsafe.As<TV, Vector256<float>>(ref a03), ref Unsafe.As<TV, Vector256<float>>(ref a04),
                ref Unsafe.As<TV, Vector256<float>>(ref a10), ref Unsafe.As<TV, Vector256<float>>(ref a11), ref Unsafe.As<TV, Vector256<float>>(ref a12), ref Unsafe.As<TV, Vector256<float>>(ref a13), ref Unsafe.As<TV, Vector256<float>>(ref a14),
                ref Unsafe.As<TV, Vector256<float>>(ref a20), ref Unsafe.As<TV, Vector256<float>>(ref a21), ref Unsafe.As<TV, Vector256<float>>(ref a22), ref Unsafe.As<TV, Vector256<float>>(ref a23), ref Unsafe.As<TV, Vector256<float>>(ref a24),
                ref Unsafe.As<TV, Vector256<float>>(ref a30), ref Unsafe.As<TV, Vector256<float>>(ref a31), ref Unsafe.As<TV, Vector256<float>>(ref a32), ref Unsafe.As<TV, Vector256<float>>(ref a33), ref Unsafe.As<TV, Vector256<float>>(ref a34),
                ref Unsafe.As<TV, Vector256<float>>(ref a40), ref Unsafe.As<TV, Vector256<float>>(ref a41), ref Unsafe.As<TV, Vector256<float>>(ref a42), ref Unsafe.As<TV, Vector256<float>>(ref a43), ref Unsafe.As<TV, Vector256<float>>(ref a44));
        }
        else if (typeof(TV) == typeof(Vector128<float>))
        {
            TileSteps128.Broadcast<R, C>(ref Unsafe.As<T, float>(ref aK), aStrideM, aStrideK, ref Unsafe.As<T, float>(ref bRow), bStride, depth,
                ref Unsafe.As<TV, Vector128<float>>(ref a00), ref Unsafe.As<TV, Vector128<float>>(ref a01), ref Unsafe.As<TV, Vector128<float>>(ref a02), ref Unsafe.As<TV, Vector128<float>>(ref a03), ref Unsafe.As<TV, Vector128<float>>(ref a04),
                ref Unsafe.As<TV, Vector128<float>>(ref a10), ref Unsafe.As<TV, Vector128<float>>(ref a11), ref Unsafe.As<TV, Vector128<float>>(ref a12), ref Unsafe.As<TV, Vector128<float>>(ref a13), ref Unsafe.As<TV, Vector128<float>>(ref a14),
                ref Unsafe.As<TV, Vector128<float>>(ref a20), ref Unsafe.As<TV, Vector128<float>>(ref a21), ref Unsafe.As<TV, Vector128<float>>(ref a22), ref Unsafe.As<TV, Vector128<float>>(ref a23), ref Unsafe.As<TV, Vector128<float>>(ref a24),
                ref Unsafe.As<TV, Vector128<float>>(ref a30), ref Unsafe.As<TV, Vector128<float>>(ref a31), ref Unsafe.As<TV, Vector128<float>>(ref a32), ref Unsafe.As<TV, Vector128<float>>(ref a33), ref Unsafe.As<TV, Vector128<float>>(ref a34),
                ref Unsafe.As<TV, Vector128<float>>(ref a40), ref Unsafe.As<TV, Vector128<float>>(ref a41), ref Unsafe.As<TV, Vector128<float>>(ref a42), ref Unsafe.As<TV, Vector128<float>>(ref a43), ref Unsafe.As<TV, Vector128<float>>(ref a44));
        }
    }

    /// <summary>See <see cref="TileSteps512.Dot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Dot<T, TV, R, C>(ref T a, nuint aStride, ref T b, nuint bStride, nuint length,
        ref TV s00, ref TV s01, ref TV s02, ref TV s03,
        ref TV s10, ref TV s11, ref TV s12, ref TV s13,
        ref TV s20, ref TV s21, ref TV s22, ref TV s23,
        ref TV s30, ref TV s31, ref TV s32, ref TV s33)
        where T : unmanaged
        where TV : struct
        where R : ICount
        where C : ICount
    {
        if (typeof(TV) == typeof(Vector512<float>))
        {
            TileSteps512.Dot<R, C>(ref Unsafe.As<T, float>(ref a), aStride, ref Unsafe.As<T, float>(ref b), bStride, length,
                ref Unsafe.As<TV, Vector512<float>>(ref s00), ref Unsafe.As<TV, Vector512<float>>(ref s01), ref Unsafe.As<TV, Vector512<float>>(ref s02), ref Unsafe.As<TV, Vector512<float>>(ref s03),
                ref Unsafe.As<TV, Vector512<float>>(ref s10), ref Unsafe.As<TV, Vector512<float>>(ref s11), ref Unsafe.As<TV, Vector512<float>>(ref s12), ref Unsafe.As<TV, Vector512<float>>(ref s13),
                ref Unsafe.As<TV, Vector512<float>>(ref s20), ref Unsafe.As<TV, Vector512<float>>(ref s21), ref Unsafe.As<TV, Vector512<float>>(ref s22), ref Unsafe.As<TV, Vector512<float>>(ref s23),
                ref Unsafe.As<TV, Vector512<float>>(ref s30), ref Unsafe.As<TV, Vector512<float>>(ref s31), ref Unsafe.As<TV, Vector512<float>>(ref s32), ref Unsafe.As<TV, Vector512<float>>(ref s33));
        }
        else if (typeof(TV) == typeof(Vector256<float>))
        {
            TileSteps256.Dot<R, C>(ref Unsafe.As<T, float>(ref a), aStride, ref Unsafe.As<T, float>(ref b), bStride, length,
                ref Unsafe.As<TV, Vector256<float>>(ref s00), ref Unsafe.As<TV, Vector256<float>>(ref s01), ref Unsafe.As<TV, Vector256<float>>(ref s02), ref Unsafe.As<TV, Vector256<float>>(ref s03),
                ref Unsafe.As<TV, Vector256<float>>(ref s10), ref Unsafe.As<TV, Vector256<float>>(ref s11), ref Unsafe.As<TV, Vector256<float>>(ref s12), ref Unsafe.As<TV, Vector256<float>>(ref s13),
                ref Unsafe.As<TV, Vector256<float>>(ref s20), ref Unsafe.As<TV, Vector256<float>>(ref s21), ref Unsafe.As<TV, Vector256<float>>(ref s22), ref Unsafe.As<TV, Vector256<float>>(ref s23),
                ref Unsafe.As<TV, Vector256<float>>(ref s30), ref Unsafe.As<TV, Vector256<float>>(ref s31), ref Unsafe.As<TV, Vector256<float>>(ref s32), ref Unsafe.As<TV, Vector256<float>>(ref s33));
        }
        else if (typeof(TV) == typeof(Vector128<float>))
        {
            TileSteps128.Dot<R, C>(ref Unsafe.As<T, float>(ref a), aStride, ref Unsafe.As<T, float>(ref b), bStride, length,
                ref Unsafe.As<TV, Vector128<float>>(ref s00), ref Unsafe.As<TV, Vector128<float>>(ref s01), ref Unsafe.As<TV, Vector128<float>>(ref s02), ref Unsafe.As<TV, Vector128<float>>(ref s03),
                ref Unsafe.As<TV, Vector128<float>>(ref s10), ref Unsafe.As<TV, Vector128<float>>(ref s11), ref Unsafe.As<TV, Vector128<float>>(ref s12), ref Unsafe.As<TV, Vector128<float>>(ref s13),
                ref Unsafe.As<TV, Vector128<float>>(ref s20), ref Unsafe.As<TV, Vector128<float>>(ref s21), ref Unsafe.As<TV, Vector128<float>>(ref s22), ref Unsafe.As<TV, Vector128<float>>(ref s23),
                ref Unsafe.As<TV, Vector128<float>>(ref s30), ref Unsafe.As<TV, Vector128<float>>(ref s31), ref Unsafe.As<TV, Vector128<float>>(ref s32), ref Unsafe.As<TV, Vector128<float>>(ref s33));
        }
    }
}
