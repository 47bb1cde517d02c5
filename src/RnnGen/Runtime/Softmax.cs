using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

/// <summary>The softmax of a row of logits, for generated models' <c>Probabilities</c>.</summary>
/// <remarks>
/// softmax(y)[o] = exp(y[o] - max) / Σ exp(y - max): shifting by the largest logit keeps every exponential in
/// (0, 1], so no logit a model can produce overflows. The exponentials are <see cref="VectorMath"/>'s (within about
/// one unit in the last place) on the widest accelerated vectors, and the runtime's scalar ones for the last few
/// classes or where no vector is accelerated. Nothing is allocated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Softmax
{
    /// <summary>Writes softmax(<paramref name="logits"/>) into the first <c>logits.Length</c> elements of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="logits"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void Apply<T>(ReadOnlySpan<T> logits, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Softmax is computed in float or double, not {typeof(T).Name}.");
        }

        if (destination.Length < logits.Length)
        {
            throw new ArgumentException(
                $"destination has room for {destination.Length} values, but the softmax of {logits.Length} logits writes {logits.Length}.", nameof(destination));
        }

        if (logits.IsEmpty)
        {
            return;
        }

        ref T x = ref MemoryMarshal.GetReference(logits);
        ref T y = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)logits.Length;
        T max = Max(ref x, n);
        T sum = ExpShifted(ref x, ref y, n, max);
        Scale(ref y, n, T.One / sum);
    }

    private static T Max<T>(ref T x, nuint n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<T>.Count)
        {
            Vector512<T> top = Vector512.Create(T.NegativeInfinity);
            for (; i + (nuint)Vector512<T>.Count <= n; i += (nuint)Vector512<T>.Count)
            {
                top = Vector512.Max(top, Vector512.LoadUnsafe(ref x, i));
            }

            max = Across(Vector256.Max(top.GetLower(), top.GetUpper()));
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<T>.Count)
        {
            Vector256<T> top = Vector256.Create(T.NegativeInfinity);
            for (; i + (nuint)Vector256<T>.Count <= n; i += (nuint)Vector256<T>.Count)
            {
                top = Vector256.Max(top, Vector256.LoadUnsafe(ref x, i));
            }

            max = Across(top);
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<T>.Count)
        {
            Vector128<T> top = Vector128.Create(T.NegativeInfinity);
            for (; i + (nuint)Vector128<T>.Count <= n; i += (nuint)Vector128<T>.Count)
            {
                top = Vector128.Max(top, Vector128.LoadUnsafe(ref x, i));
            }

            max = Across(top);
        }

        for (; i < n; i++)
        {
            max = T.Max(max, Unsafe.Add(ref x, i));
        }

        return max;
    }

    private static T Across<T>(Vector256<T> v)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Across(Vector128.Max(v.GetLower(), v.GetUpper()));

    private static T Across<T>(Vector128<T> v)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = v.GetElement(0);
        for (int i = 1; i < Vector128<T>.Count; i++)
        {
            max = T.Max(max, v.GetElement(i));
        }

        return max;
    }

    /// <summary>y = exp(x - max), element by element; returns the sum of y.</summary>
    private static T ExpShifted<T>(ref T x, ref T y, nuint n, T max)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<T>.Count)
        {
            Vector512<T> shift = Vector512.Create(max), total = Vector512<T>.Zero;
            for (; i + (nuint)Vector512<T>.Count <= n; i += (nuint)Vector512<T>.Count)
            {
                Vector512<T> e = Exp(Vector512.LoadUnsafe(ref x, i) - shift);
                e.StoreUnsafe(ref y, i);
                total += e;
            }

            sum = Vector512.Sum(total);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<T>.Count)
        {
            Vector256<T> shift = Vector256.Create(max), total = Vector256<T>.Zero;
            for (; i + (nuint)Vector256<T>.Count <= n; i += (nuint)Vector256<T>.Count)
            {
                Vector256<T> e = Exp(Vector256.LoadUnsafe(ref x, i) - shift);
                e.StoreUnsafe(ref y, i);
                total += e;
            }

            sum = Vector256.Sum(total);
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<T>.Count)
        {
            Vector128<T> shift = Vector128.Create(max), total = Vector128<T>.Zero;
            for (; i + (nuint)Vector128<T>.Count <= n; i += (nuint)Vector128<T>.Count)
            {
                Vector128<T> e = Exp(Vector128.LoadUnsafe(ref x, i) - shift);
                e.StoreUnsafe(ref y, i);
                total += e;
            }

            sum = Vector128.Sum(total);
        }

        for (; i < n; i++)
        {
            T e = T.Exp(Unsafe.Add(ref x, i) - max);
            Unsafe.Add(ref y, i) = e;
            sum += e;
        }

        return sum;
    }

    private static void Scale<T>(ref T y, nuint n, T factor)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<T> f = Vector256.Create(factor);
            for (; i + (nuint)Vector256<T>.Count <= n; i += (nuint)Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref y, i) * f).StoreUnsafe(ref y, i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<T> f = Vector128.Create(factor);
            for (; i + (nuint)Vector128<T>.Count <= n; i += (nuint)Vector128<T>.Count)
            {
                (Vector128.LoadUnsafe(ref y, i) * f).StoreUnsafe(ref y, i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) *= factor;
        }
    }

    // VectorMath's exponentials by element type; the JIT keeps only the branch of each instantiation.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Exp<T>(Vector512<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? VectorMath.Exp(x.As<T, float>()).As<float, T>() : VectorMath.Exp(x.As<T, double>()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Exp<T>(Vector256<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? VectorMath.Exp(x.As<T, float>()).As<float, T>() : VectorMath.Exp(x.As<T, double>()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Exp<T>(Vector128<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? VectorMath.Exp(x.As<T, float>()).As<float, T>() : VectorMath.Exp(x.As<T, double>()).As<double, T>();
}
