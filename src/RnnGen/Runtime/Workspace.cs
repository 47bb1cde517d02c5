using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Runtime;

/// <summary>
/// A generated model's workspace: pinned, and used from its first 64-byte-aligned element. Used by generated
/// models; not meant to be called directly.
/// </summary>
/// <remarks>
/// An array's data starts 16 bytes into its object, so a workspace used from element 0 puts every vector of
/// 16 floats across two cache lines, and with <c>Threads = 2</c> puts the two halves of a state row, each
/// written by its own core every step, on one shared line. Allocated on the pinned heap, the array never moves, so
/// every entry point, and the partner thread, finds the same aligned origin.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Workspace
{
    private const int Alignment = 64;

    /// <summary>A pinned array with room for <paramref name="length"/> elements from its aligned origin.</summary>
    public static T[] Allocate<T>(int length)
        where T : unmanaged => GC.AllocateArray<T>(length + Alignment / Unsafe.SizeOf<T>(), pinned: true);

    /// <summary>The first element of <paramref name="workspace"/> (made by <see cref="Allocate{T}"/>) at a 64-byte boundary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe ref T Origin<T>(T[] workspace)
        where T : unmanaged
    {
        ref T first = ref MemoryMarshal.GetArrayDataReference(workspace);
        nint skip = -(nint)Unsafe.AsPointer(ref first) & (Alignment - 1);
        return ref Unsafe.AddByteOffset(ref first, skip);
    }
}
