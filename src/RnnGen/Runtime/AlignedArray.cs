using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Runtime;

/// <summary>
/// A generated model's arrays (parameters, gradients, workspace): pinned, and used from their first 64-byte-aligned
/// element. Used by generated models; not meant to be called directly.
/// </summary>
/// <remarks>
/// An array's data starts 16 bytes into its object, so an array used from element 0 puts every vector of 16 floats
/// across two cache lines (every load of a weight panel touches two lines), and with <c>Threads = 2</c> puts the two
/// halves of a state row, each written by its own core every step, on one shared line. Allocated on the pinned
/// heap, an array never moves, so every entry point, and the partner thread, finds the same aligned origin.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AlignedArray
{
    private const int Alignment = 64;

    /// <summary>A pinned array with room for <paramref name="length"/> elements from its aligned origin.</summary>
    public static T[] Allocate<T>(int length)
        where T : unmanaged => GC.AllocateArray<T>(length + Alignment / Unsafe.SizeOf<T>(), pinned: true);

    /// <summary>The first element of <paramref name="array"/> (made by <see cref="Allocate{T}"/>) at a 64-byte boundary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe ref T Origin<T>(T[] array)
        where T : unmanaged
    {
        ref T first = ref MemoryMarshal.GetArrayDataReference(array);
        nint skip = -(nint)Unsafe.AsPointer(ref first) & (Alignment - 1);
        return ref Unsafe.AddByteOffset(ref first, skip);
    }

    /// <summary><paramref name="length"/> elements of <paramref name="array"/> from its aligned origin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> Span<T>(T[] array, int length)
        where T : unmanaged => MemoryMarshal.CreateSpan(ref Origin(array), length);
}
