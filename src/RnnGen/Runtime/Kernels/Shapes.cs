using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace RnnGen.Runtime;

/// <summary>What a broadcast product's accumulators start from, before the sum.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum ProductStart
{
    /// <summary>C's own values: the product is added to C.</summary>
    Accumulate = 0,

    /// <summary>Zero: C receives the product.</summary>
    Zero = 1,

    /// <summary>A row (a bias) at the column: C receives row + product.</summary>
    Row = 2,

    /// <summary>The sum of three rows at the column (x + b_ih + b_hh): a recurrent step's gates.</summary>
    ThreeRows = 3,
}

/// <summary>What is applied to a broadcast product's accumulators before they are stored.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum ProductFinish
{
    /// <summary>Stored as they are.</summary>
    None = 0,

    /// <summary>Hyperbolic tangent (a vanilla cell's activation, fused into its product).</summary>
    Tanh = 1,

    /// <summary>ReLU (a vanilla cell's activation, fused into its product).</summary>
    Relu = 2,
}

/// <summary>
/// The constant shape of one product <c>C[m, 0..N) = finish(start(m) + Σ_k A(m, k) · B[k, 0..N))</c>, where every
/// element of A is broadcast and multiplied with a row of B: matrix-vector products with input-major weights (a
/// recurrent step, the head) and gradient accumulations (<c>dW += hᵀ · δ</c>). A generated model declares one small
/// struct per product; <see cref="BroadcastProduct"/> is compiled once per struct, so every size is a JIT constant.
/// </summary>
/// <remarks>
/// A(m, k) lives at <c>a[m * AStrideM + k * AStrideK]</c>, row k of B at <c>b[k * BStride]</c>, row m of C at
/// <c>c[m * CStride]</c>. N is a padded constant, a whole number of vectors of every width. At most one of M and K is
/// known only at run time (the sequence length): it is then 0 here and passed to the call as its extent.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IBroadcastProduct
{
    /// <summary>Rows of C, or 0 when the call passes them.</summary>
    static abstract int M { get; }

    /// <summary>The length of the sums, or 0 when the call passes it.</summary>
    static abstract int K { get; }

    /// <summary>Columns of C (padded).</summary>
    static abstract int N { get; }

    /// <summary>Distance between rows of A.</summary>
    static abstract int AStrideM { get; }

    /// <summary>Distance between consecutive k of A: 1 (the default) when they are adjacent.</summary>
    static virtual int AStrideK => 1;

    /// <summary>Distance between rows of B; 0 (the default) for N, rows back to back. Unused when B is stored in panels.</summary>
    static virtual int BStride => 0;

    /// <summary>Distance between rows of C; 0 (the default) for N, rows back to back. Unused when C is stored in panels.</summary>
    static virtual int CStride => 0;

    /// <summary>
    /// When narrower than N, B is stored in column panels of this width, each <c>[K, BPanel]</c> row-major, in the
    /// order <see cref="BPanelGroups"/> gives (see <see cref="PanelOrder"/>); 0 or N for plain rows.
    /// </summary>
    static virtual int BPanel => 0;

    /// <summary>0 for panels in column order; else the number of gates whose panels are stored in halves.</summary>
    static virtual int BPanelGroups => 0;

    /// <summary>When narrower than N, C is stored in column panels of this width, each <c>[M, CPanel]</c>.</summary>
    static virtual int CPanel => 0;

    /// <summary>C's panel order, as <see cref="BPanelGroups"/>.</summary>
    static virtual int CPanelGroups => 0;

    /// <summary>
    /// When positive, a call computes one part (0 or 1) of the columns: they come in groups of
    /// <see cref="GroupColumns"/> (a gate's), and part q computes columns <c>[q * PartColumns, (q + 1) * PartColumns)</c>
    /// of every group. A recurrence split across two threads.
    /// </summary>
    static virtual int PartColumns => 0;

    /// <summary>Columns per group when <see cref="PartColumns"/> is set.</summary>
    static virtual int GroupColumns => 0;

    /// <summary>What the accumulators start from.</summary>
    static virtual ProductStart Start => ProductStart.Accumulate;

    /// <summary>What is applied before the store.</summary>
    static virtual ProductFinish Finish => ProductFinish.None;

    /// <summary>
    /// Larger register tiles for a wide head, which dominates a large vocabulary's step: 5 × 5 on the 512-bit path
    /// (25 accumulators + 5 B vectors + 1 broadcast of 32 registers) instead of 4 × 4, for fewer loads per
    /// multiply-add (1.15× with B in L2 and 1.05× with B streaming from L3 on an Intel Xeon), and 4 × 3 on the
    /// 256-bit path (all 16 registers) instead of 4 × 2 (1.3× on a Zen 3).
    /// </summary>
    static virtual bool WideTiles => false;
}

/// <summary>
/// The constant shape of one product <c>C[m, n] += Σ_k A[m, k] · B[n, k]</c> with k contiguous in both: dot products,
/// reduced horizontally once per output. The backward products through input-major weights (<c>dh = Wᵀ · δ</c>).
/// </summary>
/// <remarks>
/// Rows of A at <c>a[m * AStride]</c>, rows of B at <c>b[n * BStride]</c>, C at <c>c[m * CStride + n]</c>. K is a
/// padded constant, a whole number of vectors; N is a constant; M is a constant or, when 0 here, passed to the call.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IDotProduct
{
    /// <summary>Rows of A and C, or 0 when the call passes them.</summary>
    static abstract int M { get; }

    /// <summary>Rows of B: outputs per row of C.</summary>
    static abstract int N { get; }

    /// <summary>The length of the dot products (padded).</summary>
    static abstract int K { get; }

    /// <summary>Distance between rows of A; 0 (the default) for K, rows back to back.</summary>
    static virtual int AStride => 0;

    /// <summary>Distance between rows of B; 0 (the default) for K, rows back to back. Unused when B is stored in panels.</summary>
    static virtual int BStride => 0;

    /// <summary>Distance between rows of C.</summary>
    static abstract int CStride { get; }

    /// <summary>
    /// When narrower than K, B is stored in panels of this width, each <c>[N, BPanel]</c> row-major, so row n of B is
    /// cut into pieces; the dot products still run over the panels in column order.
    /// </summary>
    static virtual int BPanel => 0;

    /// <summary>0 for panels in column order; else the number of gates whose panels are stored in halves.</summary>
    static virtual int BPanelGroups => 0;

    /// <summary>3 × 4 tiles on the 256-bit path instead of 2 × 4 (1.15× on the tutorial's head with AVX2).</summary>
    static virtual bool WideTiles => false;
}

/// <summary>
/// The order of a matrix's column panels in memory: panel p (columns <c>[p * width, (p + 1) * width)</c>) is stored at
/// slot <see cref="Slot"/>. Column order, unless the panels come in <c>groups</c> (a gate's columns each) stored in
/// halves: the first half of every group's panels first, then the second halves, so each half of a recurrence split
/// across two threads reads one contiguous block (measured on Zen 5: a thread streams 512 KB from its L2 at
/// ≈ 190 GB/s as one block, ≈ 110 GB/s as four blocks with gaps).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PanelOrder
{
    /// <summary>Where panel <paramref name="panel"/> of <paramref name="count"/> is stored, in panels from the first.</summary>
    /// <param name="panel">The panel, in column order.</param>
    /// <param name="count">The number of panels.</param>
    /// <param name="groups">0 for column order; else the number of groups stored in halves.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Slot(nuint panel, int count, int groups)
    {
        if (groups == 0)
        {
            return panel;
        }

        nuint groupPanels = (nuint)(count / groups), partPanels = groupPanels / 2;
        return panel / partPanels % 2 * (nuint)(count / 2) + panel / groupPanels * partPanels + panel % partPanels;
    }
}

/// <summary>A count known to the JIT through a type: kernels are compiled once per register tile.</summary>
internal interface ICount
{
    static abstract int Value { get; }
}

// "The count is above n" as a type test, typeof(IAbove2).IsAssignableFrom(typeof(C)): unlike C.Value > 2, a call at
// tier 0, the JIT folds it there too (TileSteps).

/// <summary>Implemented by the counts above 1.</summary>
internal interface IAbove1;

/// <summary>Implemented by the counts above 2.</summary>
internal interface IAbove2 : IAbove1;

/// <summary>Implemented by the counts above 3.</summary>
internal interface IAbove3 : IAbove2;

/// <summary>Implemented by the counts above 4.</summary>
internal interface IAbove4 : IAbove3;

internal readonly struct Count1 : ICount { public static int Value => 1; }

internal readonly struct Count2 : ICount, IAbove1 { public static int Value => 2; }

internal readonly struct Count3 : ICount, IAbove2 { public static int Value => 3; }

internal readonly struct Count4 : ICount, IAbove3 { public static int Value => 4; }

internal readonly struct Count5 : ICount, IAbove4 { public static int Value => 5; }

internal readonly struct Count6 : ICount, IAbove4 { public static int Value => 6; }

internal readonly struct Count7 : ICount, IAbove4 { public static int Value => 7; }

internal readonly struct Count8 : ICount, IAbove4 { public static int Value => 8; }
