using System;
using System.Diagnostics.CodeAnalysis;

namespace RnnGen.IO;

/// <summary>
/// The element types of the safetensors format. RnnGen converts <see cref="F16"/>, <see cref="BF16"/>,
/// <see cref="F32"/> and <see cref="F64"/> to and from a model's element type; the others are recognised
/// (so a file holding them can be inspected and a clear error given), but their values cannot be converted.
/// </summary>
/// <remarks>The file spells each member as shown in its documentation, e.g. <c>"F8_E4M3"</c>.</remarks>
public enum SafeTensorsDType
{
    /// <summary><c>BOOL</c>: one byte per element.</summary>
    Bool = 0,
    /// <summary><c>U8</c>: unsigned 8-bit integer.</summary>
    U8 = 1,
    /// <summary><c>I8</c>: signed 8-bit integer.</summary>
    I8 = 2,
    /// <summary><c>I16</c>: signed 16-bit integer.</summary>
    I16 = 3,
    /// <summary><c>U16</c>: unsigned 16-bit integer.</summary>
    U16 = 4,
    /// <summary><c>I32</c>: signed 32-bit integer.</summary>
    I32 = 5,
    /// <summary><c>U32</c>: unsigned 32-bit integer.</summary>
    U32 = 6,
    /// <summary><c>I64</c>: signed 64-bit integer.</summary>
    I64 = 7,
    /// <summary><c>U64</c>: unsigned 64-bit integer.</summary>
    U64 = 8,
    /// <summary><c>F8_E4M3</c>: 8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8E4M3 = 9,
    /// <summary><c>F8_E5M2</c>: 8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8E5M2 = 10,
    /// <summary><c>F16</c>: IEEE 754 half precision (<see cref="Half"/>).</summary>
    F16 = 11,
    /// <summary><c>BF16</c>: bfloat16, the upper 16 bits of a <see cref="float"/>.</summary>
    BF16 = 12,
    /// <summary><c>F32</c>: IEEE 754 single precision (<see cref="float"/>).</summary>
    F32 = 13,
    /// <summary><c>F64</c>: IEEE 754 double precision (<see cref="double"/>).</summary>
    F64 = 14,
}

/// <summary>Names, sizes and capabilities of <see cref="SafeTensorsDType"/> values.</summary>
public static class SafeTensorsDTypes
{
    private static readonly string[] Names =
        ["BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E4M3", "F8_E5M2", "F16", "BF16", "F32", "F64"];

    private static readonly byte[] Sizes = [1, 1, 1, 2, 2, 4, 4, 8, 8, 1, 1, 2, 2, 4, 8];

    /// <summary>All names the safetensors format defines that this library knows, comma-separated, for messages.</summary>
    internal static string KnownNames => string.Join(", ", Names);

    /// <summary>The name the file uses, e.g. <c>"F32"</c> or <c>"F8_E4M3"</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not a defined member.</exception>
    public static string GetName(SafeTensorsDType dtype) => Names[Index(dtype)];

    /// <summary>Bytes per element.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not a defined member.</exception>
    public static int GetSize(SafeTensorsDType dtype) => Sizes[Index(dtype)];

    /// <summary>
    /// Whether values of this type can be converted to and from floating-point numbers by
    /// <see cref="SafeTensorsConvert"/> (and so loaded into a model): F16, BF16, F32 and F64.
    /// </summary>
    public static bool IsConvertible(SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F32 or SafeTensorsDType.F64;

    /// <summary>Looks up a dtype by the exact (case-sensitive) name the file uses, e.g. <c>"BF16"</c>.</summary>
    /// <returns><see langword="true"/> when <paramref name="name"/> is a known safetensors dtype.</returns>
    public static bool TryParse([NotNullWhen(true)] string? name, out SafeTensorsDType dtype)
    {
        int index = Array.IndexOf(Names, name);
        dtype = (SafeTensorsDType)Math.Max(index, 0);
        return index >= 0;
    }

    private static int Index(SafeTensorsDType dtype)
    {
        if ((uint)dtype >= (uint)Names.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a defined safetensors dtype.");
        }

        return (int)dtype;
    }
}
