using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using RnnGen.Runtime;

namespace RnnGen.Tests.IO;

/// <summary>Builds safetensors files by hand, independently of the library's writer, and test maps.</summary>
internal static class SafeTensorsFiles
{
    /// <summary>
    /// "w": [2, 3] row-major at 0..5; "b": [2] at 6..7. Values length 8, no padding.
    /// </summary>
    public static TensorMap[] Simple { get; } =
    [
        new TensorMap("w", rows: 2, columns: 3, "[Hidden, Input]", offset: 0, blockRows: 2, blockStride: 0, rowStride: 3, columnStride: 1, initScale: 0.5),
        new TensorMap("b", rows: 2, columns: 0, "[Hidden]", offset: 6, blockRows: 2, blockStride: 0, rowStride: 1, columnStride: 0, initScale: 0),
    ];

    /// <summary>
    /// "g": [6, 2] in two blocks of 3 rows, each padded to 4, stored column-major (column stride 8):
    /// indices 0..2, 4..6 (column 0) and 8..10, 12..14 (column 1); padding at 3, 7, 11, 15.
    /// "gb": [6] in two blocks of 3 padded to 4 at 16..18, 20..22; padding at 19, 23. Values length 24.
    /// </summary>
    public static TensorMap[] Blocked { get; } =
    [
        new TensorMap("g", rows: 6, columns: 2, "[3*Hidden, Input]", offset: 0, blockRows: 3, blockStride: 4, rowStride: 1, columnStride: 8, initScale: 0.5),
        new TensorMap("gb", rows: 6, columns: 0, "[3*Hidden]", offset: 16, blockRows: 3, blockStride: 4, rowStride: 1, columnStride: 0, initScale: 0),
    ];

    public const int BlockedLength = 24;

    /// <summary>Indices of <see cref="Blocked"/> that no map touches.</summary>
    public static int[] BlockedPadding { get; } = [3, 7, 11, 15, 19, 23];

    /// <summary>Where each row-major element of "g" lives, worked out by hand from the layout.</summary>
    public static int[] BlockedGIndices { get; } = [0, 8, 1, 9, 2, 10, 4, 12, 5, 13, 6, 14];

    /// <summary>Where each element of "gb" lives.</summary>
    public static int[] BlockedGbIndices { get; } = [16, 17, 18, 20, 21, 22];

    /// <summary>The JSON header of a valid F32 file for <see cref="Simple"/>.</summary>
    public const string SimpleJson =
        """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}""";

    public static readonly float[] SimpleW = [1f, -2f, 3.5f, 0.25f, -0f, 1e-40f];
    public static readonly float[] SimpleB = [7f, -8f];

    /// <summary>A valid file for <see cref="Simple"/> with <see cref="SimpleW"/> and <see cref="SimpleB"/>.</summary>
    public static byte[] SimpleFile() => File(SimpleJson, Concat(F32(SimpleW), F32(SimpleB)));

    /// <summary>The 8-byte little-endian length, the header (plus <paramref name="spaces"/> spaces), then the data.</summary>
    public static byte[] File(string json, byte[] data, int spaces = 0) =>
        File(Encoding.UTF8.GetBytes(json + new string(' ', spaces)), data);

    public static byte[] File(byte[] header, byte[] data)
    {
        byte[] file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    public static byte[] F32(params float[] values)
    {
        byte[] bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] F64(params double[] values)
    {
        byte[] bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] U16(params ushort[] values)
    {
        byte[] bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var all = new List<byte>();
        foreach (byte[] part in parts)
        {
            all.AddRange(part);
        }

        return all.ToArray();
    }

    /// <summary>Values that are easy to recognise as "not loaded".</summary>
    public static float[] Sentinels(int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = 1000f + i;
        }

        return values;
    }
}

/// <summary>A forward-only view of a stream that also hands out at most <c>maxRead</c> bytes per read.</summary>
internal sealed class NonSeekableStream(Stream inner, int maxRead = int.MaxValue) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, maxRead));
    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, maxRead)]);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
}
