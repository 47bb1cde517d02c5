using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RnnGen.Runtime;

namespace RnnGen.Tests;

/// <summary>An aligned array's origin is on a cache-line boundary, with the requested length after it, and stays put.</summary>
public class AlignedArrayTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100_000)]
    public void OriginIsAlignedAndLeavesTheRequestedLength(int length)
    {
        Check<float>(length);
        Check<double>(length);
    }

    private static void Check<T>(int length)
        where T : unmanaged
    {
        T[] array = AlignedArray.Allocate<T>(length);
        ref T origin = ref AlignedArray.Origin(array);
        long skippedBytes = Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(array), ref origin);
        Assert.Equal(0, (Marshal.UnsafeAddrOfPinnedArrayElement(array, 0) + (nint)skippedBytes) % 64);
        Assert.InRange(skippedBytes / Unsafe.SizeOf<T>(), 0, array.Length - length);

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.True(Unsafe.AreSame(ref origin, ref AlignedArray.Origin(array)), "a pinned array does not move");
    }
}
