using System;
using System.Buffers.Binary;
using System.Numerics;

namespace RnnGen.IO;

/// <summary>
/// Converts between the little-endian bytes of a safetensors data buffer and floating-point values,
/// for the dtypes where <see cref="SafeTensorsDTypes.IsConvertible"/> holds (F16, BF16, F32, F64).
/// </summary>
/// <remarks>
/// Conversions round to nearest, ties to even; values beyond the target's range become infinities, and
/// NaN stays NaN. Converting a type to itself (e.g. <see cref="float"/> to F32) keeps every bit.
/// </remarks>
public static class SafeTensorsConvert
{
    /// <summary>
    /// Decodes <paramref name="source"/> (a whole number of <paramref name="dtype"/> elements) into the first
    /// <c>source.Length / GetSize(dtype)</c> elements of <paramref name="destination"/>.
    /// </summary>
    /// <returns>The number of elements written, <c>source.Length / GetSize(dtype)</c>; the rest of a longer destination is unchanged.</returns>
    /// <exception cref="NotSupportedException"><paramref name="dtype"/> is not F16, BF16, F32 or F64.</exception>
    /// <exception cref="ArgumentException">The source is not a whole number of elements, or the destination is too short; nothing is written.</exception>
    public static int Decode<T>(SafeTensorsDType dtype, ReadOnlySpan<byte> source, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int count = Count(dtype, source.Length, nameof(source));
        if (destination.Length < count)
        {
            throw new ArgumentException($"The destination has room for {destination.Length} elements, but the source holds {count} {dtype} values: it needs at least {count}.", nameof(destination));
        }

        destination = destination[..count];
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]));
                }

                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]));
                }

                break;
            case SafeTensorsDType.F16:
                // Half to float is exact, so rounding happens at most once (float to T).
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating((float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]));
                }

                break;
            default: // BF16
                for (int i = 0; i < destination.Length; i++)
                {
                    uint bits = (uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16;
                    destination[i] = T.CreateTruncating(BitConverter.UInt32BitsToSingle(bits));
                }

                break;
        }

        return count;
    }

    /// <summary>
    /// Encodes <paramref name="source"/> as <paramref name="dtype"/> into the first
    /// <c>source.Length * GetSize(dtype)</c> bytes of <paramref name="destination"/>.
    /// </summary>
    /// <returns>The number of bytes written, <c>source.Length * GetSize(dtype)</c>; the rest of a longer destination is unchanged.</returns>
    /// <exception cref="NotSupportedException"><paramref name="dtype"/> is not F16, BF16, F32 or F64.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short; nothing is written.</exception>
    public static int Encode<T>(ReadOnlySpan<T> source, SafeTensorsDType dtype, Span<byte> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckConvertible(dtype);
        long bytes = (long)source.Length * SafeTensorsDTypes.GetSize(dtype);
        if (destination.Length < bytes)
        {
            throw new ArgumentException($"The destination has room for {destination.Length} bytes, but {source.Length} values as {dtype} need {bytes}.", nameof(destination));
        }

        switch (dtype)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], float.CreateTruncating(source[i]));
                }

                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(destination[(8 * i)..], double.CreateTruncating(source[i]));
                }

                break;
            case SafeTensorsDType.F16:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], Half.CreateTruncating(source[i]));
                }

                break;
            default: // BF16
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], ToBFloat16(source[i]));
                }

                break;
        }

        return (int)bytes;
    }

    private static ushort ToBFloat16<T>(T value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        float single = float.CreateTruncating(value);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(Half) && float.IsFinite(single))
        {
            // Going through float rounds twice. Rounding the first step to odd (truncate, then set the
            // last bit if anything was lost) makes the second rounding give the correctly rounded result.
            double wide = double.CreateTruncating(value);
            if ((double)single != wide)
            {
                uint raw = BitConverter.SingleToUInt32Bits(single);
                if (Math.Abs((double)single) > Math.Abs(wide))
                {
                    raw--; // rounded away from zero: step one ulp back towards it
                }

                single = BitConverter.UInt32BitsToSingle(raw | 1);
            }
        }

        uint bits = BitConverter.SingleToUInt32Bits(single);
        if (float.IsNaN(single))
        {
            return (ushort)((bits >> 16) | 0x0040); // keep sign and payload top, force a quiet NaN
        }

        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    private static int Count(SafeTensorsDType dtype, int byteLength, string paramName)
    {
        CheckConvertible(dtype);
        int size = SafeTensorsDTypes.GetSize(dtype);
        if (byteLength % size != 0)
        {
            throw new ArgumentException($"{byteLength} bytes are not a whole number of {SafeTensorsDTypes.GetName(dtype)} elements ({size} bytes each).", paramName);
        }

        return byteLength / size;
    }

    private static void CheckConvertible(SafeTensorsDType dtype)
    {
        if (!SafeTensorsDTypes.IsConvertible(dtype))
        {
            throw new NotSupportedException(
                $"Values of dtype {SafeTensorsDTypes.GetName(dtype)} cannot be converted to floating point; only F16, BF16, F32 and F64 can.");
        }
    }
}
