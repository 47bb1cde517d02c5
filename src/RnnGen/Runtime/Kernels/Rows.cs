using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

/// <summary>
/// Element-wise operations over padded rows, for generated code. Widths are whole numbers of vectors of every width
/// (rows are padded to 64 bytes), so no loop has a tail. Generated code passes its constants as the widths and the
/// methods are inlined there, so the JIT sees constant trip counts.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Rows
{
    private const MethodImplOptions Inline = MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization;

    /// <summary>destination = source over <paramref name="width"/> elements.</summary>
    [MethodImpl(Inline)]
    public static void Copy<T>(ref T source, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Copy<T, Width512<T>, Vector512<T>>(ref source, ref destination, width);
        else if (Vector256.IsHardwareAccelerated) Copy<T, Width256<T>, Vector256<T>>(ref source, ref destination, width);
        else Copy<T, Width128<T>, Vector128<T>>(ref source, ref destination, width);
    }

    /// <summary>destination += source over <paramref name="width"/> elements.</summary>
    [MethodImpl(Inline)]
    public static void Add<T>(ref T source, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Add<T, Width512<T>, Vector512<T>>(ref source, ref destination, width);
        else if (Vector256.IsHardwareAccelerated) Add<T, Width256<T>, Vector256<T>>(ref source, ref destination, width);
        else Add<T, Width128<T>, Vector128<T>>(ref source, ref destination, width);
    }

    /// <summary>destination *= factor over <paramref name="width"/> elements.</summary>
    [MethodImpl(Inline)]
    public static void Multiply<T>(ref T factor, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Multiply<T, Width512<T>, Vector512<T>>(ref factor, ref destination, width);
        else if (Vector256.IsHardwareAccelerated) Multiply<T, Width256<T>, Vector256<T>>(ref factor, ref destination, width);
        else Multiply<T, Width128<T>, Vector128<T>>(ref factor, ref destination, width);
    }

    /// <summary>destination += source · factor over <paramref name="width"/> elements (fused where the hardware has FMA).</summary>
    [MethodImpl(Inline)]
    public static void AddProduct<T>(ref T source, ref T factor, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) AddProduct<T, Width512<T>, Vector512<T>>(ref source, ref factor, ref destination, width);
        else if (Vector256.IsHardwareAccelerated) AddProduct<T, Width256<T>, Vector256<T>>(ref source, ref factor, ref destination, width);
        else AddProduct<T, Width128<T>, Vector128<T>>(ref source, ref factor, ref destination, width);
    }

    /// <summary>
    /// destination[i, j] = W[j, i] for a weight matrix W of <paramref name="rows"/> × <paramref name="columns"/> stored
    /// input-major in panels of <paramref name="panel"/> columns (each panel <c>[rows, panel]</c> row-major; plain rows
    /// when the panel is all the columns): the matrix turned the other way once per batch, so that products over many
    /// rows can broadcast its rows. Destination entries for j ≥ rows are left as they are.
    /// </summary>
    public static void Transpose<T>(ref T source, int rows, int columns, int panel, ref T destination, nuint destinationStride)
        where T : unmanaged
    {
        for (int first = 0; first < columns; first += panel)
        {
            ref T block = ref Unsafe.Add(ref source, (nuint)first * (nuint)rows);
            for (int j = 0; j < rows; j++)
            {
                ref T row = ref Unsafe.Add(ref block, (nuint)j * (nuint)panel);
                for (int i = 0; i < panel; i++)
                {
                    Unsafe.Add(ref destination, (nuint)(first + i) * destinationStride + (nuint)j) = Unsafe.Add(ref row, i);
                }
            }
        }
    }

    /// <summary>
    /// target += the sum of <paramref name="count"/> rows of <paramref name="width"/> elements: columns outside, rows
    /// inside, so each target vector is written once.
    /// </summary>
    [MethodImpl(Inline)]
    public static void Sum<T>(ref T rows, ref T target, int count, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Sum<T, Width512<T>, Vector512<T>>(ref rows, ref target, count, width);
        else if (Vector256.IsHardwareAccelerated) Sum<T, Width256<T>, Vector256<T>>(ref rows, ref target, count, width);
        else Sum<T, Width128<T>, Vector128<T>>(ref rows, ref target, count, width);
    }

    /// <summary>True when every one of <paramref name="width"/> values is finite.</summary>
    [MethodImpl(Inline)]
    public static bool AllFinite<T>(ref T values, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) return AllFinite<T, Width512<T>, Vector512<T>>(ref values, width);
        if (Vector256.IsHardwareAccelerated) return AllFinite<T, Width256<T>, Vector256<T>>(ref values, width);
        return AllFinite<T, Width128<T>, Vector128<T>>(ref values, width);
    }

    /// <summary>p -= learningRate · g over <paramref name="width"/> parameters (fused where the hardware has FMA).</summary>
    [MethodImpl(Inline)]
    public static void Descend<T>(ref T p, ref T g, T learningRate, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Descend<T, Width512<T>, Vector512<T>>(ref p, ref g, learningRate, width);
        else if (Vector256.IsHardwareAccelerated) Descend<T, Width256<T>, Vector256<T>>(ref p, ref g, learningRate, width);
        else Descend<T, Width128<T>, Vector128<T>>(ref p, ref g, learningRate, width);
    }

    /// <summary>
    /// rows = the <paramref name="width"/> values of <paramref name="state"/> from <paramref name="offset"/>, or zeros when
    /// state is a null ref: how a call starts, from the caller's state or from the zero state.
    /// </summary>
    [MethodImpl(Inline)]
    public static void LoadState<T>(ref T state, nuint offset, ref T rows, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Unsafe.IsNullRef(ref state))
        {
            MemoryMarshal.CreateSpan(ref rows, (int)width).Clear();
        }
        else
        {
            Copy(ref Unsafe.Add(ref state, offset), ref rows, width);
        }
    }

    /// <summary>The <paramref name="width"/> values of <paramref name="state"/> from <paramref name="offset"/> = rows, unless state is a null ref: how a call hands back the state after its last step.</summary>
    [MethodImpl(Inline)]
    public static void StoreState<T>(ref T rows, ref T state, nuint offset, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!Unsafe.IsNullRef(ref state))
        {
            Copy(ref rows, ref Unsafe.Add(ref state, offset), width);
        }
    }

    // A token model's input weights have one row per token, and a training step touches only its sequence's rows:
    // these walk those rows, row tokens[i] of width elements from origin (rows back to back).

    /// <summary>Clears the rows of <paramref name="tokens"/>: their gradients before a step's backward pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ClearRows<T>(ref T origin, ReadOnlySpan<int> tokens, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        foreach (int token in tokens)
        {
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref origin, (nuint)token * width), (int)width).Clear();
        }
    }

    /// <summary>
    /// p -= learningRate · g over the rows of <paramref name="tokens"/>, each gradient row cleared after its update, so
    /// a token that occurs twice has its (summed) gradient applied once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DescendRows<T>(ref T p, ref T g, ReadOnlySpan<int> tokens, T learningRate, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        foreach (int token in tokens)
        {
            nuint start = (nuint)token * width;
            Descend(ref Unsafe.Add(ref p, start), ref Unsafe.Add(ref g, start), learningRate, width);
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, start), (int)width).Clear();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T, W, TV>(ref T source, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            W.Store(W.Load(ref source, i), ref destination, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T, W, TV>(ref T source, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            W.Store(W.Add(W.Load(ref destination, i), W.Load(ref source, i)), ref destination, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply<T, W, TV>(ref T factor, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            W.Store(W.Multiply(W.Load(ref destination, i), W.Load(ref factor, i)), ref destination, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddProduct<T, W, TV>(ref T source, ref T factor, ref T destination, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            W.Store(W.MultiplyAdd(W.Load(ref source, i), W.Load(ref factor, i), W.Load(ref destination, i)), ref destination, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sum<T, W, TV>(ref T rows, ref T target, int count, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            TV sum = W.Load(ref target, i);
            for (nuint r = 0; r < (nuint)count; r++)
            {
                sum = W.Add(sum, W.Load(ref rows, r * width + i));
            }

            W.Store(sum, ref target, i);
        }
    }

    // x - x is 0 for a finite x and NaN for NaN or ±infinity, and NaN survives the sums: one subtraction and one
    // addition per vector, in four independent chains so the adds do not wait on each other.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllFinite<T, W, TV>(ref T values, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        nuint lanes = (nuint)W.Lanes, i = 0;
        TV a = W.Zero, b = W.Zero, c = W.Zero, d = W.Zero;
        for (; i + 4 * lanes <= width; i += 4 * lanes)
        {
            TV x0 = W.Load(ref values, i), x1 = W.Load(ref values, i + lanes), x2 = W.Load(ref values, i + 2 * lanes), x3 = W.Load(ref values, i + 3 * lanes);
            a = W.Add(a, W.Subtract(x0, x0));
            b = W.Add(b, W.Subtract(x1, x1));
            c = W.Add(c, W.Subtract(x2, x2));
            d = W.Add(d, W.Subtract(x3, x3));
        }

        for (; i < width; i += lanes)
        {
            TV x = W.Load(ref values, i);
            a = W.Add(a, W.Subtract(x, x));
        }

        return W.IsZero(W.Add(W.Add(a, b), W.Add(c, d)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Descend<T, W, TV>(ref T p, ref T g, T learningRate, nuint width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        TV rate = W.Broadcast(-learningRate);
        for (nuint i = 0; i < width; i += (nuint)W.Lanes)
        {
            W.Store(W.MultiplyAdd(rate, W.Load(ref g, i), W.Load(ref p, i)), ref p, i);
        }
    }
}
