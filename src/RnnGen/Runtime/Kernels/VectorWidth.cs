using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

/// <summary>
/// One hardware vector width, as static operations on its vector type: kernels are written once, generic over a
/// width, and the JIT compiles one specialised copy per width (the way System.Numerics.Tensors writes its operators).
/// Each kernel's entry point picks the widest accelerated width, a JIT-time constant, so only one copy runs.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <typeparam name="TVector"><see cref="Vector512{T}"/>, <see cref="Vector256{T}"/> or <see cref="Vector128{T}"/>.</typeparam>
/// <remarks>
/// Every operation is the one the generator used to write out per width, so results are bit for bit the same:
/// <see cref="MultiplyAdd"/> is <c>MultiplyAddEstimate</c> (fused where the hardware has FMA), and the
/// transcendental functions are <see cref="VectorMath"/>'s.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IVectorWidth<T, TVector>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVector : struct
{
    /// <summary>Bits per vector: 512, 256 or 128.</summary>
    static abstract int Bits { get; }

    /// <summary>Elements of <typeparamref name="T"/> per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>All lanes 0.</summary>
    static abstract TVector Zero { get; }

    /// <summary>All lanes 1.</summary>
    static abstract TVector One { get; }

    /// <summary>The vector at <c>source[index]</c>.</summary>
    static abstract TVector Load(ref T source, nuint index);

    /// <summary>Writes <paramref name="value"/> at <c>destination[index]</c>.</summary>
    static abstract void Store(TVector value, ref T destination, nuint index);

    /// <summary><paramref name="value"/> in every lane.</summary>
    static abstract TVector Broadcast(T value);

    /// <summary>Lane-wise sum.</summary>
    static abstract TVector Add(TVector left, TVector right);

    /// <summary>Lane-wise difference.</summary>
    static abstract TVector Subtract(TVector left, TVector right);

    /// <summary>Lane-wise product.</summary>
    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>Lane-wise quotient.</summary>
    static abstract TVector Divide(TVector left, TVector right);

    /// <summary>Lane-wise maximum.</summary>
    static abstract TVector Max(TVector left, TVector right);

    /// <summary><c>a · b + addend</c>, fused where the hardware has FMA.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector addend);

    /// <summary>The sum of the lanes.</summary>
    static abstract T Sum(TVector value);

    /// <summary>The largest lane.</summary>
    static abstract T MaxAcross(TVector value);

    /// <summary>e raised to each lane (<see cref="VectorMath"/>).</summary>
    static abstract TVector Exp(TVector x);

    /// <summary>Hyperbolic tangent of each lane (<see cref="VectorMath"/>).</summary>
    static abstract TVector Tanh(TVector x);

    /// <summary>Logistic sigmoid of each lane (<see cref="VectorMath"/>).</summary>
    static abstract TVector Sigmoid(TVector x);

    /// <summary><c>max(x, 0)</c>.</summary>
    static abstract TVector Relu(TVector x);

    /// <summary>The ReLU's gradient read from its output: <paramref name="gradient"/> where <paramref name="output"/> &gt; 0, else 0.</summary>
    static abstract TVector ReluGradient(TVector output, TVector gradient);

    /// <summary>True when every lane is 0 (false for a NaN lane).</summary>
    static abstract bool IsZero(TVector value);

    /// <summary>
    /// Adds the horizontal sums of a 4 × 4 tile of accumulators (<c>sij</c>: row i, column j) to four adjacent outputs in
    /// each of four rows of <paramref name="c"/>, <paramref name="stride"/> apart.
    /// </summary>
    static abstract void AddSums(ref T c, nuint stride,
        TVector s00, TVector s01, TVector s02, TVector s03, TVector s10, TVector s11, TVector s12, TVector s13,
        TVector s20, TVector s21, TVector s22, TVector s23, TVector s30, TVector s31, TVector s32, TVector s33);

    /// <summary>Adds the horizontal sums of four accumulators to four adjacent outputs.</summary>
    static abstract void AddSums(ref T c, TVector s0, TVector s1, TVector s2, TVector s3);
}

/// <summary>The 512-bit width (AVX-512).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Width512<T> : IVectorWidth<T, Vector512<T>>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Bits => 512;

    /// <inheritdoc/>
    public static int Lanes => Vector512<T>.Count;

    /// <inheritdoc/>
    public static Vector512<T> Zero => Vector512<T>.Zero;

    /// <inheritdoc/>
    public static Vector512<T> One => Vector512<T>.One;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nuint index) => Vector512.LoadUnsafe(ref source, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> left, Vector512<T> right) => left - right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> left, Vector512<T> right) => left * right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> left, Vector512<T> right) => left / right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max(Vector512<T> left, Vector512<T> right) => Vector512.Max(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> addend) => typeof(T) == typeof(float)
        ? Vector512.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), addend.AsSingle()).As<float, T>()
        : Vector512.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), addend.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Vector512.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector512<T> value) => typeof(T) == typeof(float)
        ? T.CreateTruncating(VectorMath.MaxAcross(value.AsSingle()))
        : T.CreateTruncating(VectorMath.MaxAcross(value.AsDouble()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Exp(x.AsSingle()).As<float, T>()
        : VectorMath.Exp(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh(Vector512<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Tanh(x.AsSingle()).As<float, T>()
        : VectorMath.Tanh(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sigmoid(Vector512<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Sigmoid(x.AsSingle()).As<float, T>()
        : VectorMath.Sigmoid(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Relu(Vector512<T> x) => Vector512.Max(x, Vector512<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReluGradient(Vector512<T> output, Vector512<T> gradient) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(output, Vector512<T>.Zero), gradient, Vector512<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector512<T> value) => value == Vector512<T>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums(ref T c, nuint stride,
        Vector512<T> s00, Vector512<T> s01, Vector512<T> s02, Vector512<T> s03, Vector512<T> s10, Vector512<T> s11, Vector512<T> s12, Vector512<T> s13,
        Vector512<T> s20, Vector512<T> s21, Vector512<T> s22, Vector512<T> s23, Vector512<T> s30, Vector512<T> s31, Vector512<T> s32, Vector512<T> s33)
    {
        if (typeof(T) == typeof(float))
        {
            // One transposing tree for the sixteen sums; 128-bit block i holds row i's four.
            Vector512<float> sums = VectorMath.SumTile(s00.AsSingle(), s01.AsSingle(), s02.AsSingle(), s03.AsSingle(), s10.AsSingle(), s11.AsSingle(),
                s12.AsSingle(), s13.AsSingle(), s20.AsSingle(), s21.AsSingle(), s22.AsSingle(), s23.AsSingle(), s30.AsSingle(), s31.AsSingle(),
                s32.AsSingle(), s33.AsSingle());
            ref float row = ref Unsafe.As<T, float>(ref c);
            (Vector128.LoadUnsafe(ref row) + sums.GetLower().GetLower()).StoreUnsafe(ref row);
            (Vector128.LoadUnsafe(ref row, stride) + sums.GetLower().GetUpper()).StoreUnsafe(ref row, stride);
            (Vector128.LoadUnsafe(ref row, 2 * stride) + sums.GetUpper().GetLower()).StoreUnsafe(ref row, 2 * stride);
            (Vector128.LoadUnsafe(ref row, 3 * stride) + sums.GetUpper().GetUpper()).StoreUnsafe(ref row, 3 * stride);
            return;
        }

        AddSums(ref c, s00, s01, s02, s03);
        AddSums(ref Unsafe.Add(ref c, stride), s10, s11, s12, s13);
        AddSums(ref Unsafe.Add(ref c, 2 * stride), s20, s21, s22, s23);
        AddSums(ref Unsafe.Add(ref c, 3 * stride), s30, s31, s32, s33);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums(ref T c, Vector512<T> s0, Vector512<T> s1, Vector512<T> s2, Vector512<T> s3)
    {
        c += Vector512.Sum(s0);
        Unsafe.Add(ref c, 1) += Vector512.Sum(s1);
        Unsafe.Add(ref c, 2) += Vector512.Sum(s2);
        Unsafe.Add(ref c, 3) += Vector512.Sum(s3);
    }
}

/// <summary>The 256-bit width (AVX2).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Width256<T> : IVectorWidth<T, Vector256<T>>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Bits => 256;

    /// <inheritdoc/>
    public static int Lanes => Vector256<T>.Count;

    /// <inheritdoc/>
    public static Vector256<T> Zero => Vector256<T>.Zero;

    /// <inheritdoc/>
    public static Vector256<T> One => Vector256<T>.One;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source, nuint index) => Vector256.LoadUnsafe(ref source, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => left - right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => left * right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Divide(Vector256<T> left, Vector256<T> right) => left / right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max(Vector256<T> left, Vector256<T> right) => Vector256.Max(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> addend) => typeof(T) == typeof(float)
        ? Vector256.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), addend.AsSingle()).As<float, T>()
        : Vector256.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), addend.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Vector256.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector256<T> value) => typeof(T) == typeof(float)
        ? T.CreateTruncating(VectorMath.MaxAcross(value.AsSingle()))
        : T.CreateTruncating(VectorMath.MaxAcross(value.AsDouble()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Exp(x.AsSingle()).As<float, T>()
        : VectorMath.Exp(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh(Vector256<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Tanh(x.AsSingle()).As<float, T>()
        : VectorMath.Tanh(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid(Vector256<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Sigmoid(x.AsSingle()).As<float, T>()
        : VectorMath.Sigmoid(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu(Vector256<T> x) => Vector256.Max(x, Vector256<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ReluGradient(Vector256<T> output, Vector256<T> gradient) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(output, Vector256<T>.Zero), gradient, Vector256<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector256<T> value) => value == Vector256<T>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums(ref T c, nuint stride,
        Vector256<T> s00, Vector256<T> s01, Vector256<T> s02, Vector256<T> s03, Vector256<T> s10, Vector256<T> s11, Vector256<T> s12, Vector256<T> s13,
        Vector256<T> s20, Vector256<T> s21, Vector256<T> s22, Vector256<T> s23, Vector256<T> s30, Vector256<T> s31, Vector256<T> s32, Vector256<T> s33)
    {
        AddSums(ref c, s00, s01, s02, s03);
        AddSums(ref Unsafe.Add(ref c, stride), s10, s11, s12, s13);
        AddSums(ref Unsafe.Add(ref c, 2 * stride), s20, s21, s22, s23);
        AddSums(ref Unsafe.Add(ref c, 3 * stride), s30, s31, s32, s33);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums(ref T c, Vector256<T> s0, Vector256<T> s1, Vector256<T> s2, Vector256<T> s3)
    {
        if (typeof(T) == typeof(float))
        {
            ref float at = ref Unsafe.As<T, float>(ref c);
            (Vector128.LoadUnsafe(ref at) + VectorMath.SumRow(s0.AsSingle(), s1.AsSingle(), s2.AsSingle(), s3.AsSingle())).StoreUnsafe(ref at);
            return;
        }

        c += Vector256.Sum(s0);
        Unsafe.Add(ref c, 1) += Vector256.Sum(s1);
        Unsafe.Add(ref c, 2) += Vector256.Sum(s2);
        Unsafe.Add(ref c, 3) += Vector256.Sum(s3);
    }
}

/// <summary>The 128-bit width (SSE, Arm64 AdvSimd), also the portable path: without SIMD hardware it computes the same results in software.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Width128<T> : IVectorWidth<T, Vector128<T>>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static int Bits => 128;

    /// <inheritdoc/>
    public static int Lanes => Vector128<T>.Count;

    /// <inheritdoc/>
    public static Vector128<T> Zero => Vector128<T>.Zero;

    /// <inheritdoc/>
    public static Vector128<T> One => Vector128<T>.One;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref T source, nuint index) => Vector128.LoadUnsafe(ref source, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> left, Vector128<T> right) => left + right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> left, Vector128<T> right) => left - right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> left, Vector128<T> right) => left * right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Divide(Vector128<T> left, Vector128<T> right) => left / right;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Max(Vector128<T> left, Vector128<T> right) => Vector128.Max(left, right);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> addend) => typeof(T) == typeof(float)
        ? Vector128.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), addend.AsSingle()).As<float, T>()
        : Vector128.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), addend.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> value) => Vector128.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MaxAcross(Vector128<T> value) => typeof(T) == typeof(float)
        ? T.CreateTruncating(VectorMath.MaxAcross(value.AsSingle()))
        : T.CreateTruncating(VectorMath.MaxAcross(value.AsDouble()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Exp(x.AsSingle()).As<float, T>()
        : VectorMath.Exp(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Tanh(Vector128<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Tanh(x.AsSingle()).As<float, T>()
        : VectorMath.Tanh(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Sigmoid(Vector128<T> x) => typeof(T) == typeof(float)
        ? VectorMath.Sigmoid(x.AsSingle()).As<float, T>()
        : VectorMath.Sigmoid(x.AsDouble()).As<double, T>();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Relu(Vector128<T> x) => Vector128.Max(x, Vector128<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ReluGradient(Vector128<T> output, Vector128<T> gradient) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(output, Vector128<T>.Zero), gradient, Vector128<T>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector128<T> value) => value == Vector128<T>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums(ref T c, nuint stride,
        Vector128<T> s00, Vector128<T> s01, Vector128<T> s02, Vector128<T> s03, Vector128<T> s10, Vector128<T> s11, Vector128<T> s12, Vector128<T> s13,
        Vector128<T> s20, Vector128<T> s21, Vector128<T> s22, Vector128<T> s23, Vector128<T> s30, Vector128<T> s31, Vector128<T> s32, Vector128<T> s33)
    {
        AddSums(ref c, s00, s01, s02, s03);
        AddSums(ref Unsafe.Add(ref c, stride), s10, s11, s12, s13);
        AddSums(ref Unsafe.Add(ref c, 2 * stride), s20, s21, s22, s23);
        AddSums(ref Unsafe.Add(ref c, 3 * stride), s30, s31, s32, s33);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSums(ref T c, Vector128<T> s0, Vector128<T> s1, Vector128<T> s2, Vector128<T> s3)
    {
        c += Vector128.Sum(s0);
        Unsafe.Add(ref c, 1) += Vector128.Sum(s1);
        Unsafe.Add(ref c, 2) += Vector128.Sum(s2);
        Unsafe.Add(ref c, 3) += Vector128.Sum(s3);
    }
}
