using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

/// <summary>
/// The losses of one head row, and what inference reads from a row: a loss-only form (Forward), a form that also leaves
/// dLoss/dy in the row (Backward), the most likely class, a sampled class. Cross-entropy rows are padded with -∞,
/// which adds exp(-∞) = 0 and gets zero gradient; squared error reads only the real outputs, so padding stays zero.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Losses
{
    /// <summary>
    /// Rows from this width keep up to four running maxima and sums: one would make each vector wait for the previous
    /// one's max or add (four cycles), which bounds a long row (8000 classes) more than the loads or the exponentials.
    /// </summary>
    private const int SplitFrom = 256;

    /// <summary>
    /// -log softmax(y)[target] over a row of <paramref name="width"/> (padded) logits: log Σ exp(y - max) + max - y[target];
    /// zero for <see cref="RnnGen.CrossEntropy.IgnoreIndex"/>.
    /// </summary>
    public static T CrossEntropy<T>(ref T y, int target, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (target == RnnGen.CrossEntropy.IgnoreIndex)
        {
            return T.Zero; // before y[target] is read: -100 is no lane of the row
        }

        (T max, T sum) = Vector512.IsHardwareAccelerated ? MaxAndSum<T, Width512<T>, Vector512<T>>(ref y, width, store: false)
            : Vector256.IsHardwareAccelerated ? MaxAndSum<T, Width256<T>, Vector256<T>>(ref y, width, store: false)
            : MaxAndSum<T, Width128<T>, Vector128<T>>(ref y, width, store: false);
        return T.Log(sum) + max - Unsafe.Add(ref y, target);
    }

    /// <summary>
    /// Returns -log softmax(y)[target] and replaces y by its gradient, softmax(y) - onehot(target); for
    /// <see cref="RnnGen.CrossEntropy.IgnoreIndex"/> returns zero and replaces y by zeros, so backward adds nothing.
    /// </summary>
    public static T SoftmaxCrossEntropy<T>(ref T y, int target, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (target == RnnGen.CrossEntropy.IgnoreIndex)
        {
            // The whole padded row, padding lanes too: every row's gradient is read as wide as it is stored.
            MemoryMarshal.CreateSpan(ref y, (int)width).Clear();
            return T.Zero;
        }

        T picked = Unsafe.Add(ref y, target);
        T max = Softmax(ref y, width, out T sum);
        Unsafe.Add(ref y, target) -= T.One;
        return T.Log(sum) + max - picked;
    }

    /// <summary>Replaces a row of logits by its softmax (padding lanes, at -∞, become 0); returns the row's maximum.</summary>
    public static T Softmax<T>(ref T y, nuint width, out T sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) return Softmax<T, Width512<T>, Vector512<T>>(ref y, width, out sum);
        if (Vector256.IsHardwareAccelerated) return Softmax<T, Width256<T>, Vector256<T>>(ref y, width, out sum);
        return Softmax<T, Width128<T>, Vector128<T>>(ref y, width, out sum);
    }

    /// <summary>Σ_o (y[o] - target[o])² over the <paramref name="count"/> real outputs.</summary>
    public static T SquaredError<T>(ref T y, ref T target, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int o = 0; o < count; o++)
        {
            T d = Unsafe.Add(ref y, o) - Unsafe.Add(ref target, o);
            loss += d * d;
        }

        return loss;
    }

    /// <summary>Returns Σ_o (y[o] - target[o])² and replaces y by its gradient 2 (y - target).</summary>
    public static T SquaredErrorGradient<T>(ref T y, ref T target, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero, two = T.One + T.One;
        for (int o = 0; o < count; o++)
        {
            T d = Unsafe.Add(ref y, o) - Unsafe.Add(ref target, o);
            loss += d * d;
            Unsafe.Add(ref y, o) = two * d;
        }

        return loss;
    }

    // The head's rows, each call a loop over them that every model would otherwise repeat: rows of stride (padded)
    // values from y, row r's target targets[r] (a class, or CrossEntropy.IgnoreIndex for a row that adds nothing) or
    // targets[r * count ..] (values); one row reads targets[0].

    /// <summary>The summed cross-entropy of <paramref name="rows"/> rows of logits.</summary>
    public static T CrossEntropy<T>(ref T y, ReadOnlySpan<int> targets, int rows, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            loss += CrossEntropy(ref Unsafe.Add(ref y, (nuint)r * stride), targets[r], stride);
        }

        return loss;
    }

    /// <summary>The summed cross-entropy of <paramref name="rows"/> rows of logits, each row replaced by its gradient.</summary>
    public static T SoftmaxCrossEntropy<T>(ref T y, ReadOnlySpan<int> targets, int rows, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            loss += SoftmaxCrossEntropy(ref Unsafe.Add(ref y, (nuint)r * stride), targets[r], stride);
        }

        return loss;
    }

    /// <summary>The summed squared error of <paramref name="rows"/> rows of <paramref name="count"/> outputs.</summary>
    public static T SquaredError<T>(ref T y, ReadOnlySpan<T> targets, int rows, int count, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        ref T target = ref MemoryMarshal.GetReference(targets);
        for (int r = 0; r < rows; r++)
        {
            loss += SquaredError(ref Unsafe.Add(ref y, (nuint)r * stride), ref Unsafe.Add(ref target, r * count), count);
        }

        return loss;
    }

    /// <summary>
    /// Replaces <paramref name="rows"/> rows of outputs by a caller's gradient of them (<paramref name="count"/> values a
    /// row, packed), padding lanes zero, and returns zero: Backward with an external gradient instead of a loss.
    /// </summary>
    public static T OutputGradient<T>(ref T y, ReadOnlySpan<T> gradient, int rows, int count, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            Span<T> row = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, (nuint)r * stride), (int)stride);
            gradient.Slice(r * count, count).CopyTo(row);
            row.Slice(count).Clear();
        }

        return T.Zero;
    }

    /// <summary>The summed squared error of <paramref name="rows"/> rows of <paramref name="count"/> outputs, each row replaced by its gradient.</summary>
    public static T SquaredErrorGradient<T>(ref T y, ReadOnlySpan<T> targets, int rows, int count, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        ref T target = ref MemoryMarshal.GetReference(targets);
        for (int r = 0; r < rows; r++)
        {
            loss += SquaredErrorGradient(ref Unsafe.Add(ref y, (nuint)r * stride), ref Unsafe.Add(ref target, r * count), count);
        }

        return loss;
    }

    /// <summary>
    /// Row r's most likely class into classes[r] or, when <paramref name="probabilities"/> is not empty, its softmax
    /// (computed in place: the padding lanes are -∞) into probabilities[r * count ..]; the first form of Predict, the second
    /// of Probabilities.
    /// </summary>
    public static void Classify<T>(ref T y, int rows, int count, nuint stride, Span<int> classes, Span<T> probabilities)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref y, (nuint)r * stride);
            if (probabilities.IsEmpty)
            {
                classes[r] = ArgMax(ref row, count);
            }
            else
            {
                Softmax(ref row, stride, out _);
                MemoryMarshal.CreateReadOnlySpan(ref row, count).CopyTo(probabilities.Slice(r * count));
            }
        }
    }

    /// <summary>Row r's <paramref name="count"/> outputs into destination[r * count ..]: Predict of a model without classes.</summary>
    public static void CopyOutputs<T>(ref T y, int rows, int count, nuint stride, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref y, (nuint)r * stride), count).CopyTo(destination.Slice(r * count));
        }
    }

    /// <summary>Sets lanes <paramref name="count"/>..stride of each row to -∞, so they take no part in a softmax.</summary>
    public static void MaskPadding<T>(ref T y, int rows, int count, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y, (nuint)r * stride + (nuint)count), (int)stride - count).Fill(T.NegativeInfinity);
        }
    }

    /// <summary>The first index of the largest of <paramref name="count"/> logits (PyTorch's argmax tie rule).</summary>
    public static int ArgMax<T>(ref T y, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int best = 0;
        T max = y;
        for (int o = 1; o < count; o++)
        {
            T value = Unsafe.Add(ref y, o);
            if (value > max)
            {
                max = value;
                best = o;
            }
        }

        return best;
    }

    /// <summary>
    /// A class drawn from softmax(y / temperature) over <paramref name="count"/> logits, or the argmax when temperature
    /// is 0. The avoided class gets probability 0, which is the distribution of the tutorial's "resample until it is not
    /// the unknown token". Overwrites the row.
    /// </summary>
    public static int Sample<T>(ref T y, int count, T temperature, ref RnnRandom random, int avoid)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if ((uint)avoid < (uint)count && count > 1)
        {
            Unsafe.Add(ref y, avoid) = T.NegativeInfinity;
        }

        if (temperature == T.Zero)
        {
            return ArgMax(ref y, count);
        }

        T max = T.NegativeInfinity;
        for (int o = 0; o < count; o++)
        {
            max = T.Max(max, Unsafe.Add(ref y, o));
        }

        T inverse = T.One / temperature;
        double sum = 0;
        for (int o = 0; o < count; o++)
        {
            T e = T.Exp((Unsafe.Add(ref y, o) - max) * inverse);
            Unsafe.Add(ref y, o) = e;
            sum += double.CreateTruncating(e);
        }

        double u = random.NextDouble() * sum;
        for (int o = 0; o < count; o++)
        {
            u -= double.CreateTruncating(Unsafe.Add(ref y, o));
            if (u < 0)
            {
                return o;
            }
        }

        // Rounding can leave u just above zero after the last class: take the last class with mass.
        for (int o = count - 1; o > 0; o--)
        {
            if (Unsafe.Add(ref y, o) > T.Zero)
            {
                return o;
            }
        }

        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Softmax<T, W, TV>(ref T y, nuint width, out T sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        (T max, sum) = MaxAndSum<T, W, TV>(ref y, width, store: true);
        TV scale = W.Broadcast(T.One / sum);
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            W.Store(W.Multiply(W.Load(ref y, i), scale), ref y, i);
        }

        return max;
    }

    /// <summary>The row's maximum and Σ exp(y - max), storing the exponentials in place when <paramref name="store"/> is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Max, T Sum) MaxAndSum<T, W, TV>(ref T y, nuint width, bool store)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        nuint lanes = (nuint)W.Lanes, vectors = width / lanes;
        int ways = width < SplitFrom ? 1 : vectors % 4 == 0 ? 4 : vectors % 2 == 0 ? 2 : 1;
        nuint step = (nuint)ways * lanes;
        TV top0 = W.Broadcast(T.NegativeInfinity), top1 = top0, top2 = top0, top3 = top0;
        for (nuint i = 0; i < width; i += step)
        {
            top0 = W.Max(top0, W.Load(ref y, i));
            if (ways > 1) top1 = W.Max(top1, W.Load(ref y, i + lanes));
            if (ways > 2) top2 = W.Max(top2, W.Load(ref y, i + 2 * lanes));
            if (ways > 2) top3 = W.Max(top3, W.Load(ref y, i + 3 * lanes));
        }

        T max = W.MaxAcross(ways switch { 1 => top0, 2 => W.Max(top0, top1), _ => W.Max(W.Max(top0, top1), W.Max(top2, top3)) });
        TV shift = W.Broadcast(max), z = W.Zero, total0 = z, total1 = z, total2 = z, total3 = z;
        for (nuint i = 0; i < width; i += step)
        {
            total0 = W.Add(total0, Exp<T, W, TV>(ref y, i, shift, store));
            if (ways > 1) total1 = W.Add(total1, Exp<T, W, TV>(ref y, i + lanes, shift, store));
            if (ways > 2) total2 = W.Add(total2, Exp<T, W, TV>(ref y, i + 2 * lanes, shift, store));
            if (ways > 2) total3 = W.Add(total3, Exp<T, W, TV>(ref y, i + 3 * lanes, shift, store));
        }

        T sum = W.Sum(ways switch { 1 => total0, 2 => W.Add(total0, total1), _ => W.Add(W.Add(total0, total1), W.Add(total2, total3)) });
        return (max, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exp<T, W, TV>(ref T y, nuint i, TV shift, bool store)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        TV e = W.Exp(W.Subtract(W.Load(ref y, i), shift));
        if (store)
        {
            W.Store(e, ref y, i);
        }

        return e;
    }
}

/// <summary>Inverted dropout between layers, for generated models' training calls.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropoutMask
{
    /// <summary>
    /// Draws a fresh mask for <paramref name="steps"/> rows of <paramref name="count"/> values (rows
    /// <paramref name="stride"/> apart): each value is kept with probability 1 - <paramref name="probability"/> and
    /// scaled by <paramref name="scale"/> = 1 / (1 - probability), so its expectation is unchanged. Writes the mask and
    /// the dropped rows, and returns the dropped rows.
    /// </summary>
    public static ref T Draw<T>(ref T h, ref T mask, ref T dropped, int steps, int count, nuint stride, double probability, T scale, ref RnnRandom random)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (nuint t = 0; t < (nuint)steps; t++)
        {
            for (nuint j = 0; j < (nuint)count; j++)
            {
                T keep = random.NextDouble() >= probability ? scale : T.Zero;
                Unsafe.Add(ref mask, t * stride + j) = keep;
                Unsafe.Add(ref dropped, t * stride + j) = keep * Unsafe.Add(ref h, t * stride + j);
            }
        }

        return ref dropped;
    }
}
