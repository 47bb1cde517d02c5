using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Training;

/// <summary>
/// Operations on a model's flat <see cref="IRnnModel{T, TInput, TTarget}.Gradients"/> between backward passes
/// and an optimiser step: clipping (the usual cure for exploding gradients in recurrent networks), the global
/// norm, scaling (to average a minibatch), and <c>destination += factor · source</c>. None of them allocates.
/// </summary>
public static class Gradient
{
    /// <summary>The Euclidean (L2) norm of all <paramref name="gradients"/> together.</summary>
    public static T Norm<T>(ReadOnlySpan<T> gradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = SumOfSquares(gradients);

        // Squares of large finite single-precision gradients can overflow where their norm does not: again in double.
        return T.IsPositiveInfinity(sum) ? T.CreateSaturating(Math.Sqrt(SumOfSquaresInDouble(gradients))) : T.Sqrt(sum);
    }

    /// <summary>Σ g², vectorised, in T (NaN if a value is NaN; infinity if one is, or if the sum overflows T).</summary>
    internal static T SumOfSquares<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<T>> v = MemoryMarshal.Cast<T, Vector<T>>(values);
            Vector<T> lanes = Vector<T>.Zero;
            for (int k = 0; k < v.Length; k++)
            {
                lanes += v[k] * v[k];
            }

            sum = Vector.Sum(lanes);
            i = v.Length * Vector<T>.Count;
        }

        for (; i < values.Length; i++)
        {
            sum += values[i] * values[i];
        }

        return sum;
    }

    /// <summary>Σ g² in double, one element at a time: the slow path when the sum in T overflowed.</summary>
    internal static double SumOfSquaresInDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double wide = 0;
        foreach (T g in values)
        {
            double d = double.CreateChecked(g);
            wide += d * d;
        }

        return wide;
    }

    /// <summary>
    /// Clips by global norm, as PyTorch's <c>clip_grad_norm_</c>: when the L2 norm of all gradients together
    /// exceeds <paramref name="maxNorm"/>, scales them all by <c>maxNorm / norm</c>, keeping their direction.
    /// </summary>
    /// <param name="gradients">The gradients, scaled in place.</param>
    /// <param name="maxNorm">The largest norm let through; positive.</param>
    /// <returns>The norm before clipping (NaN or infinity if a gradient was: the caller can skip the step).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive.</exception>
    public static T ClipByNorm<T>(Span<T> gradients, T maxNorm)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!(maxNorm > T.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum norm must be positive.");
        }

        T norm = Norm<T>(gradients);
        if (norm > maxNorm && T.IsFinite(norm))
        {
            Scale(gradients, maxNorm / norm);
        }

        return norm;
    }

    /// <summary>
    /// Clips every gradient to [-<paramref name="limit"/>, <paramref name="limit"/>], as <c>min-char-rnn</c>'s
    /// <c>np.clip(dparam, -5, 5)</c> and PyTorch's <c>clip_grad_value_</c>. NaN stays NaN.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public static void ClipByValue<T>(Span<T> gradients, T limit)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!(limit > T.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be positive.");
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> g = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            var high = new Vector<T>(limit);
            Vector<T> low = -high;
            for (int k = 0; k < g.Length; k++)
            {
                g[k] = Vector.Clamp(g[k], low, high);
            }

            i = g.Length * Vector<T>.Count;
        }

        for (; i < gradients.Length; i++)
        {
            T value = gradients[i];
            gradients[i] = value > limit ? limit : value < -limit ? -limit : value;
        }
    }

    /// <summary>Multiplies every gradient by <paramref name="factor"/>, e.g. <c>1 / batchSize</c> to average a minibatch.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is NaN or infinite; nothing changes.</exception>
    public static void Scale<T>(Span<T> gradients, T factor)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckFinite(factor, nameof(factor));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> g = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            var f = new Vector<T>(factor);
            for (int k = 0; k < g.Length; k++)
            {
                g[k] *= f;
            }

            i = g.Length * Vector<T>.Count;
        }

        for (; i < gradients.Length; i++)
        {
            gradients[i] *= factor;
        }
    }

    /// <summary><c>destination += factor · source</c>, element by element (SGD is <c>AddScaled(p, g, -lr)</c>).</summary>
    /// <exception cref="ArgumentException">The spans have different lengths, or <paramref name="factor"/> is NaN or infinite; nothing changes.</exception>
    public static void AddScaled<T>(Span<T> destination, ReadOnlySpan<T> source, T factor)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckFinite(factor, nameof(factor));
        if (destination.Length != source.Length)
        {
            throw new ArgumentException($"The source has {source.Length} elements but the destination {destination.Length}: AddScaled adds element by element, so both must have the same length.", nameof(source));
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> d = MemoryMarshal.Cast<T, Vector<T>>(destination);
            ReadOnlySpan<Vector<T>> s = MemoryMarshal.Cast<T, Vector<T>>(source);
            var f = new Vector<T>(factor);
            for (int k = 0; k < d.Length; k++)
            {
                // A zero source vector leaves its destination unwritten (d + f·0 is d but for the sign of a zero d): most
                // rows of an input-weight gradient are zero, and a line that is not written is not written back (SGD).
                if (Vector.AsVectorByte(s[k]) != Vector<byte>.Zero)
                {
                    d[k] += f * s[k];
                }
            }

            i = d.Length * Vector<T>.Count;
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += factor * source[i];
        }
    }

    // A NaN or infinite factor would turn every gradient non-finite in one call.
    private static void CheckFinite<T>(T factor, string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!T.IsFinite(factor))
        {
            throw new ArgumentOutOfRangeException(name, factor, $"The {name} must be a finite number.");
        }
    }
}
