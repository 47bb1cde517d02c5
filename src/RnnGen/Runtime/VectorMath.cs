using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Runtime;

/// <summary>
/// Element-wise transcendental functions on hardware vectors, for generated code.
/// </summary>
/// <remarks>
/// <para>
/// <c>Exp</c> in single precision is this library's own: <c>exp(x) = 2ⁿ · exp(r)</c> with <c>n = round(x / ln 2)</c>
/// (rounded by adding 1.5 · 2²³, which leaves n in the low bits, so 2ⁿ is an integer add to the exponent field),
/// <c>r = x - n ln 2</c> in two parts (exact with FMA) and a degree-6 polynomial for <c>exp(r)</c> on
/// <c>|r| ≤ ln 2 / 2</c>, fitted for relative error (2.2e-9, far below a float's rounding) and evaluated in
/// Estrin's scheme for a short dependency chain. Error at most 1.2 units in the last place wherever the result is
/// a normal float (tested against <see cref="System.Math.Exp(double)"/> on a dense sweep, at every width); below
/// <c>ln 2⁻¹²⁶</c> ≈ -87.34, where the result would not be a normal float, it returns 0 (the true value is under
/// 1.2e-38), above <c>ln(float.MaxValue)</c> ≈ 88.72 infinity; NaN gives NaN. It is about three times the runtime's vectorised
/// <c>Exp</c> (which computes in double precision) on a 512-bit vector here, with about 60 % of its latency,
/// which is what a softmax over 8000 classes and a streaming step's gate chain wait for. Double precision is
/// this library's own too, for the same bits at every JIT tier (see <see cref="Exp(Vector512{double})"/>).
/// </para>
/// <para>
/// <c>Tanh</c> is computed as <c>copysign((1 - e) / (1 + e), x)</c> with <c>e = exp(-2|x|)</c>: no overflow
/// for any input, absolute error below 2e-7 in single and 4e-16 in double precision (tested against
/// <see cref="System.Math.Tanh(double)"/>). Relative error grows for |x| below about 1e-3 (absolute error
/// is what a hidden state needs). <c>Sigmoid</c> is <c>1 / (1 + exp(-x))</c>, absolute error below 2e-7 in single
/// precision.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorMath
{
    // exp: n = round(x · log2 e) by the 1.5 · 2^23 trick; ln 2 split so that n · Ln2Hi is exact for |n| ≤ 2^8.
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693145751953125f, Ln2Lo = 1.428606765330187045e-06f;
    private const float RoundingShift = 12582912f;
    // Beyond these the result is not a normal float: 0 below, infinity above.
    private const float ExpLow = -87.33654475f, ExpHigh = 88.72283905f;
    // exp(r) ≈ 1 + r + r²(C2 + C3 r + C4 r² + C5 r³ + C6 r⁴) on |r| ≤ ln 2 / 2: a least-maximum-relative-error fit.
    private const float C2 = 0.49999994f, C3 = 0.16666421f, C4 = 0.04166773f, C5 = 0.00837477f, C6 = 0.00138593f;

    // The same in double precision: 1.5 · 2^52 rounds to an integer; ln 2 split as in fdlibm.
    private const double Log2ED = 1.4426950408889634, RoundingShiftD = 6755399441055744.0;
    private const double Ln2HiD = 6.93147180369123816490e-01, Ln2LoD = 1.90821492927058770002e-10;
    private const double ExpLowD = -708.39641853226408, ExpHighD = 709.78271289338397;
    // 1/k! for k = 2..13: the Taylor polynomial's remainder on |r| ≤ ln 2 / 2 is r^14/14! < 4.2e-18.
    private const double D2 = 1.0 / 2, D3 = 1.0 / 6, D4 = 1.0 / 24, D5 = 1.0 / 120, D6 = 1.0 / 720, D7 = 1.0 / 5040,
        D8 = 1.0 / 40320, D9 = 1.0 / 362880, D10 = 1.0 / 3628800, D11 = 1.0 / 39916800, D12 = 1.0 / 479001600,
        D13 = 1.0 / 6227020800;

    /// <summary>e raised to each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> t = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        Vector512<float> n = t - Vector512.Create(RoundingShift);
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        Vector512<float> r2 = r * r;
        Vector512<float> low = Vector512.FusedMultiplyAdd(Vector512.Create(C3), r, Vector512.Create(C2));
        Vector512<float> high = Vector512.FusedMultiplyAdd(Vector512.Create(C5), r, Vector512.Create(C4));
        high = Vector512.FusedMultiplyAdd(Vector512.Create(C6), r2, high);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(high, r2, low), r2, r) + Vector512<float>.One;
        Vector512<float> y = (p.AsInt32() + (t.AsInt32() << 23)).AsSingle();
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpLow)), Vector512<float>.Zero, y);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpHigh)), Vector512.Create(float.PositiveInfinity), y);
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> t = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
        Vector256<float> n = t - Vector256.Create(RoundingShift);
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        Vector256<float> r2 = r * r;
        Vector256<float> low = Vector256.FusedMultiplyAdd(Vector256.Create(C3), r, Vector256.Create(C2));
        Vector256<float> high = Vector256.FusedMultiplyAdd(Vector256.Create(C5), r, Vector256.Create(C4));
        high = Vector256.FusedMultiplyAdd(Vector256.Create(C6), r2, high);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(high, r2, low), r2, r) + Vector256<float>.One;
        Vector256<float> y = (p.AsInt32() + (t.AsInt32() << 23)).AsSingle();
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpLow)), Vector256<float>.Zero, y);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(ExpHigh)), Vector256.Create(float.PositiveInfinity), y);
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> t = Vector128.FusedMultiplyAdd(x, Vector128.Create(Log2E), Vector128.Create(RoundingShift));
        Vector128<float> n = t - Vector128.Create(RoundingShift);
        Vector128<float> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), x);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        Vector128<float> r2 = r * r;
        Vector128<float> low = Vector128.FusedMultiplyAdd(Vector128.Create(C3), r, Vector128.Create(C2));
        Vector128<float> high = Vector128.FusedMultiplyAdd(Vector128.Create(C5), r, Vector128.Create(C4));
        high = Vector128.FusedMultiplyAdd(Vector128.Create(C6), r2, high);
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(high, r2, low), r2, r) + Vector128<float>.One;
        Vector128<float> y = (p.AsInt32() + (t.AsInt32() << 23)).AsSingle();
        y = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(ExpLow)), Vector128<float>.Zero, y);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(ExpHigh)), Vector128.Create(float.PositiveInfinity), y);
    }

    /// <summary>e raised to each lane, in double precision.</summary>
    /// <remarks>
    /// The same scheme as single precision with a degree-13 Taylor polynomial (truncation error 4e-18 relative):
    /// within one unit in the last place of <see cref="System.Math.Exp(double)"/> wherever the result is a normal
    /// double, 0 below ln 2⁻¹⁰²² ≈ -708.40, infinity above ln(double.MaxValue) ≈ 709.78, NaN for NaN. Every step is
    /// an exactly rounded operation, so the bits are the same in the JIT's first, unoptimised code for a method
    /// and in its optimised code: the runtime's vectorised <c>Exp</c> was not (a generated model's gradients
    /// changed in the last bits when its methods were re-compiled), and SPEC §7 promises the same results for the
    /// same seed and data.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        Vector512<double> t = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2ED), Vector512.Create(RoundingShiftD));
        Vector512<double> n = t - Vector512.Create(RoundingShiftD);
        Vector512<double> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2HiD), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2LoD), r);
        Vector512<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector512<double> q01 = Vector512.FusedMultiplyAdd(Vector512.Create(D3), r, Vector512.Create(D2));
        Vector512<double> q23 = Vector512.FusedMultiplyAdd(Vector512.Create(D5), r, Vector512.Create(D4));
        Vector512<double> q45 = Vector512.FusedMultiplyAdd(Vector512.Create(D7), r, Vector512.Create(D6));
        Vector512<double> q67 = Vector512.FusedMultiplyAdd(Vector512.Create(D9), r, Vector512.Create(D8));
        Vector512<double> q89 = Vector512.FusedMultiplyAdd(Vector512.Create(D11), r, Vector512.Create(D10));
        Vector512<double> qAB = Vector512.FusedMultiplyAdd(Vector512.Create(D13), r, Vector512.Create(D12));
        Vector512<double> q = Vector512.FusedMultiplyAdd(q23, r2, q01);
        q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(q67, r2, q45), r4, q);
        q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(qAB, r2, q89), r8, q);
        Vector512<double> p = Vector512.FusedMultiplyAdd(q, r2, r) + Vector512<double>.One;
        Vector512<double> y = (p.AsInt64() + (t.AsInt64() << 52)).AsDouble();
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpLowD)), Vector512<double>.Zero, y);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpHighD)), Vector512.Create(double.PositiveInfinity), y);
    }

    /// <inheritdoc cref="Exp(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        Vector256<double> t = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2ED), Vector256.Create(RoundingShiftD));
        Vector256<double> n = t - Vector256.Create(RoundingShiftD);
        Vector256<double> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2HiD), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2LoD), r);
        Vector256<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector256<double> q01 = Vector256.FusedMultiplyAdd(Vector256.Create(D3), r, Vector256.Create(D2));
        Vector256<double> q23 = Vector256.FusedMultiplyAdd(Vector256.Create(D5), r, Vector256.Create(D4));
        Vector256<double> q45 = Vector256.FusedMultiplyAdd(Vector256.Create(D7), r, Vector256.Create(D6));
        Vector256<double> q67 = Vector256.FusedMultiplyAdd(Vector256.Create(D9), r, Vector256.Create(D8));
        Vector256<double> q89 = Vector256.FusedMultiplyAdd(Vector256.Create(D11), r, Vector256.Create(D10));
        Vector256<double> qAB = Vector256.FusedMultiplyAdd(Vector256.Create(D13), r, Vector256.Create(D12));
        Vector256<double> q = Vector256.FusedMultiplyAdd(q23, r2, q01);
        q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(q67, r2, q45), r4, q);
        q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(qAB, r2, q89), r8, q);
        Vector256<double> p = Vector256.FusedMultiplyAdd(q, r2, r) + Vector256<double>.One;
        Vector256<double> y = (p.AsInt64() + (t.AsInt64() << 52)).AsDouble();
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ExpLowD)), Vector256<double>.Zero, y);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(ExpHighD)), Vector256.Create(double.PositiveInfinity), y);
    }

    /// <inheritdoc cref="Exp(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> x)
    {
        Vector128<double> t = Vector128.FusedMultiplyAdd(x, Vector128.Create(Log2ED), Vector128.Create(RoundingShiftD));
        Vector128<double> n = t - Vector128.Create(RoundingShiftD);
        Vector128<double> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2HiD), x);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2LoD), r);
        Vector128<double> r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        Vector128<double> q01 = Vector128.FusedMultiplyAdd(Vector128.Create(D3), r, Vector128.Create(D2));
        Vector128<double> q23 = Vector128.FusedMultiplyAdd(Vector128.Create(D5), r, Vector128.Create(D4));
        Vector128<double> q45 = Vector128.FusedMultiplyAdd(Vector128.Create(D7), r, Vector128.Create(D6));
        Vector128<double> q67 = Vector128.FusedMultiplyAdd(Vector128.Create(D9), r, Vector128.Create(D8));
        Vector128<double> q89 = Vector128.FusedMultiplyAdd(Vector128.Create(D11), r, Vector128.Create(D10));
        Vector128<double> qAB = Vector128.FusedMultiplyAdd(Vector128.Create(D13), r, Vector128.Create(D12));
        Vector128<double> q = Vector128.FusedMultiplyAdd(q23, r2, q01);
        q = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(q67, r2, q45), r4, q);
        q = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(qAB, r2, q89), r8, q);
        Vector128<double> p = Vector128.FusedMultiplyAdd(q, r2, r) + Vector128<double>.One;
        Vector128<double> y = (p.AsInt64() + (t.AsInt64() << 52)).AsDouble();
        y = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(ExpLowD)), Vector128<double>.Zero, y);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(ExpHighD)), Vector128.Create(double.PositiveInfinity), y);
    }

    /// <summary>Hyperbolic tangent, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> e = Exp(Vector512.Abs(x) * -2f);
        return Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> e = Exp(Vector256.Abs(x) * -2f);
        return Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> e = Exp(Vector128.Abs(x) * -2f);
        return Vector128.CopySign((Vector128<float>.One - e) / (Vector128<float>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Tanh(Vector512<double> x)
    {
        Vector512<double> e = Exp(Vector512.Abs(x) * -2d);
        return Vector512.CopySign((Vector512<double>.One - e) / (Vector512<double>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Tanh(Vector256<double> x)
    {
        Vector256<double> e = Exp(Vector256.Abs(x) * -2d);
        return Vector256.CopySign((Vector256<double>.One - e) / (Vector256<double>.One + e), x);
    }

    /// <inheritdoc cref="Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Tanh(Vector128<double> x)
    {
        Vector128<double> e = Exp(Vector128.Abs(x) * -2d);
        return Vector128.CopySign((Vector128<double>.One - e) / (Vector128<double>.One + e), x);
    }

    /// <summary>Logistic sigmoid <c>1 / (1 + exp(-x))</c>, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> x) => Vector512<double>.One / (Vector512<double>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sigmoid(Vector256<double> x) => Vector256<double>.One / (Vector256<double>.One + Exp(-x));

    /// <inheritdoc cref="Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Sigmoid(Vector128<double> x) => Vector128<double>.One / (Vector128<double>.One + Exp(-x));

    /// <summary>
    /// The sixteen horizontal sums of a 4 × 4 tile of accumulators, in one vector: lane <c>4i + j</c> is the sum of
    /// <c>sij</c>'s lanes, so 128-bit block i holds row i. A transposing tree (30 shuffles, 15 adds) instead of
    /// sixteen separate reductions (about 28 instructions each), for dot products reduced once per chunk of K.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumTile(
        Vector512<float> s00, Vector512<float> s01, Vector512<float> s02, Vector512<float> s03,
        Vector512<float> s10, Vector512<float> s11, Vector512<float> s12, Vector512<float> s13,
        Vector512<float> s20, Vector512<float> s21, Vector512<float> s22, Vector512<float> s23,
        Vector512<float> s30, Vector512<float> s31, Vector512<float> s32, Vector512<float> s33)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector512.Create(
                Vector256.Create(
                    Vector128.Create(Vector512.Sum(s00), Vector512.Sum(s01), Vector512.Sum(s02), Vector512.Sum(s03)),
                    Vector128.Create(Vector512.Sum(s10), Vector512.Sum(s11), Vector512.Sum(s12), Vector512.Sum(s13))),
                Vector256.Create(
                    Vector128.Create(Vector512.Sum(s20), Vector512.Sum(s21), Vector512.Sum(s22), Vector512.Sum(s23)),
                    Vector128.Create(Vector512.Sum(s30), Vector512.Sum(s31), Vector512.Sum(s32), Vector512.Sum(s33))));
        }

        // Each column's four rows folded to one 128-bit block per accumulator (block i: row i's partial sums).
        Vector512<float> c0 = FoldBlocks(FoldHalves(s00, s10), FoldHalves(s20, s30));
        Vector512<float> c1 = FoldBlocks(FoldHalves(s01, s11), FoldHalves(s21, s31));
        Vector512<float> c2 = FoldBlocks(FoldHalves(s02, s12), FoldHalves(s22, s32));
        Vector512<float> c3 = FoldBlocks(FoldHalves(s03, s13), FoldHalves(s23, s33));
        // Within each block, the four partials of columns 0-3 summed and interleaved into lane j.
        Vector512<float> c01 = Avx512F.UnpackLow(c0, c1) + Avx512F.UnpackHigh(c0, c1);
        Vector512<float> c23 = Avx512F.UnpackLow(c2, c3) + Avx512F.UnpackHigh(c2, c3);
        return Avx512F.Shuffle(c01, c23, 0x44) + Avx512F.Shuffle(c01, c23, 0xEE);
    }

    /// <summary>
    /// The four horizontal sums of one row of 256-bit accumulators, in one vector: lane j is the sum of <c>sj</c>'s
    /// lanes. A transposing tree (the halves folded, then two levels of interleaving adds) instead of four separate
    /// reductions, for dot products reduced once per chunk of K on the 256-bit path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumRow(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3)
    {
        Vector128<float> a = s0.GetLower() + s0.GetUpper(), b = s1.GetLower() + s1.GetUpper();
        Vector128<float> c = s2.GetLower() + s2.GetUpper(), d = s3.GetLower() + s3.GetUpper();
        if (!Sse.IsSupported)
        {
            return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
        }

        // (a0 + a2, b0 + b2, a1 + a3, b1 + b3) and the same of c and d; then the low pair of one plus the high pair.
        Vector128<float> ab = Sse.UnpackLow(a, b) + Sse.UnpackHigh(a, b);
        Vector128<float> cd = Sse.UnpackLow(c, d) + Sse.UnpackHigh(c, d);
        return Sse.MoveLowToHigh(ab, cd) + Sse.MoveHighToLow(cd, ab);
    }

    /// <summary>Blocks (a0 + a2, a1 + a3, b0 + b2, b1 + b3) of two vectors' 128-bit blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FoldHalves(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x44) + Avx512F.Shuffle4x128(a, b, 0xEE);

    /// <summary>Blocks (x0 + x1, x2 + x3, y0 + y1, y2 + y3) of two folded vectors: one block per original vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FoldBlocks(Vector512<float> x, Vector512<float> y) =>
        Avx512F.Shuffle4x128(x, y, 0x88) + Avx512F.Shuffle4x128(x, y, 0xDD);

    /// <summary>The largest lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> x) => MaxAcross(Vector256.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> x) => MaxAcross(Vector128.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> x)
    {
        float a = float.Max(x.GetElement(0), x.GetElement(1));
        float b = float.Max(x.GetElement(2), x.GetElement(3));
        return float.Max(a, b);
    }

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector512<double> x) => MaxAcross(Vector256.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector256<double> x) => MaxAcross(Vector128.Max(x.GetLower(), x.GetUpper()));

    /// <inheritdoc cref="MaxAcross(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector128<double> x) => double.Max(x.GetElement(0), x.GetElement(1));
}
