using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Runtime;

/// <summary>
/// Finite-value checks for training steps: the loss and the gradients are checked before any weight
/// is updated, so a NaN or an infinity never reaches the parameters. The scans are vectorised; naming
/// the parameter is done only on the failure path.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TrainingGuard
{
    /// <summary>Returned by checks when the loss and every checked gradient are finite.</summary>
    public const int AllFinite = -1;

    /// <summary>Returned by checks when the loss itself is not finite.</summary>
    public const int LossNotFinite = -2;

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite.</summary>
    public static int FirstNonFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            // x - x is 0 for a finite x and NaN for NaN or ±infinity; a NaN stays NaN through the sums.
            ReadOnlySpan<Vector<T>> vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
            Vector<T> a = Vector<T>.Zero, b = Vector<T>.Zero;
            int v = 0;
            for (; v + 1 < vectors.Length; v += 2)
            {
                a += vectors[v] - vectors[v];
                b += vectors[v + 1] - vectors[v + 1];
            }

            for (; v < vectors.Length; v++)
            {
                a += vectors[v] - vectors[v];
            }

            if (a + b == Vector<T>.Zero)
            {
                i = vectors.Length * Vector<T>.Count; // all vectors finite: only the tail is left
            }
        }

        for (; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// <see cref="AllFinite"/> when the <paramref name="length"/> values from element <paramref name="start"/> of
    /// <paramref name="origin"/> are all finite, else the index from <paramref name="origin"/> of the first that is not:
    /// what a generated SgdStep checks before it applies a run of stored gradients. Lengths are whole padded rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Check<T>(ref T origin, int start, int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T first = ref Unsafe.Add(ref origin, start);
        return Rows.AllFinite(ref first, (nuint)length) ? AllFinite : start + FirstNonFinite<T>(MemoryMarshal.CreateReadOnlySpan(ref first, length));
    }

    /// <summary>
    /// <see cref="Check"/> over the rows of <paramref name="tokens"/> (row tokens[i] of <paramref name="width"/> values
    /// from element <paramref name="start"/>), in order: the input-weight rows a token model's step applies.
    /// </summary>
    public static int CheckRows<T>(ref T origin, int start, ReadOnlySpan<int> tokens, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        foreach (int token in tokens)
        {
            int bad = Check(ref origin, start + token * width, width);
            if (bad != AllFinite)
            {
                return bad;
            }
        }

        return AllFinite;
    }

    /// <summary>
    /// The largest magnitude in <paramref name="values"/>, for finite values (check them first). SgdStep bounds the
    /// head's fused update with it: when rows · max|h| · max|dy| is finite, no sum of products in W_out's gradient
    /// can overflow, so the gradient need not be stored to be known finite.
    /// </summary>
    public static T MaxAbs<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
            Vector<T> m = Vector<T>.Zero;
            foreach (Vector<T> v in vectors)
            {
                m = Vector.Max(m, Vector.Abs(v));
            }

            for (int k = 0; k < Vector<T>.Count; k++)
            {
                max = T.Max(max, m[k]);
            }

            i = vectors.Length * Vector<T>.Count;
        }

        for (; i < values.Length; i++)
        {
            max = T.Max(max, T.Abs(values[i]));
        }

        return max;
    }

    /// <summary>
    /// Acts on a failed check of a training step: with <see cref="NonFiniteAction.Throw"/>, throws
    /// <see cref="NonFiniteTrainingException"/> naming the loss or the parameter (PyTorch name, row, column) of
    /// <paramref name="index"/>; with <see cref="NonFiniteAction.Skip"/>, returns.
    /// </summary>
    /// <param name="action">What to do.</param>
    /// <param name="operation">The step, for the message, e.g. "SgdStep".</param>
    /// <param name="loss">The step's loss.</param>
    /// <param name="index"><see cref="LossNotFinite"/>, or the flat index of the first non-finite gradient.</param>
    /// <param name="gradients">The gradients, to show the offending value.</param>
    /// <param name="maps">The model's tensors, to name the parameter of <paramref name="index"/>.</param>
    /// <param name="skipHint">How to skip such steps instead, for the message.</param>
    public static void Fail<T>(NonFiniteAction action, string operation, T loss, int index, ReadOnlySpan<T> gradients, ReadOnlySpan<TensorMap> maps, string skipHint)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (action == NonFiniteAction.Skip)
        {
            return;
        }

        throw Exception(operation, loss, index, gradients, maps, skipHint);
    }

    /// <summary>The exception <see cref="Fail"/> throws.</summary>
    public static NonFiniteTrainingException Exception<T>(string operation, T loss, int index, ReadOnlySpan<T> gradients, ReadOnlySpan<TensorMap> maps, string skipHint)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const string Advice = "Lower the learning rate, clip gradients, or check the inputs and targets";
        if (index == LossNotFinite || (uint)index >= (uint)gradients.Length)
        {
            return new NonFiniteTrainingException(
                $"{operation} stopped before updating any weight: the loss is {Describe(loss)}. {Advice}; or {skipHint}.", null, -1, -1);
        }

        if (Locate(maps, index, out TensorMap? map, out int row, out int column))
        {
            string element = map.Columns == 0 ? $"element {row}" : $"row {row}, column {column}";
            return new NonFiniteTrainingException(
                $"{operation} stopped before updating any weight: the gradient of '{map.Name}' is {Describe(gradients[index])} at {element} " +
                $"(the loss was {Describe(loss)}). {Advice}; or {skipHint}.", map.Name, row, map.Columns == 0 ? -1 : column);
        }

        return new NonFiniteTrainingException(
            $"{operation} stopped before updating any weight: gradient {index} is {Describe(gradients[index])}. {Advice}; or {skipHint}.", null, -1, -1);
    }

    /// <summary>The tensor, row and column of flat index <paramref name="index"/> (a failure path: a plain search).</summary>
    public static bool Locate(ReadOnlySpan<TensorMap> maps, int index, [NotNullWhen(true)] out TensorMap? map, out int row, out int column)
    {
        foreach (TensorMap candidate in maps)
        {
            int columns = Math.Max(candidate.Columns, 1);
            for (int r = 0; r < candidate.Rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    if (candidate.IndexOf(r, c) == index)
                    {
                        (map, row, column) = (candidate, r, c);
                        return true;
                    }
                }
            }
        }

        (map, row, column) = (null, -1, -1);
        return false;
    }

    private static string Describe<T>(T value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        T.IsNaN(value) ? "NaN" : T.IsPositiveInfinity(value) ? "+Infinity" : T.IsNegativeInfinity(value) ? "-Infinity" : value.ToString(null, System.Globalization.CultureInfo.InvariantCulture);
}
