using System;
using System.Collections.Immutable;
using System.Text;

namespace RnnGen.IO;

/// <summary>
/// One tensor entry of a safetensors header: its name, element type, shape and where its bytes lie in
/// the data buffer. Instances come from <see cref="SafeTensorsHeader"/> and <see cref="SafeTensorsWriter"/>,
/// which have already checked that the shape, the dtype and the byte range agree.
/// </summary>
public sealed class SafeTensorInfo
{
    internal SafeTensorInfo(string name, SafeTensorsDType dtype, ImmutableArray<long> shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's name, e.g. <c>rnn.weight_ih_l0</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafeTensorsDType DType { get; }

    /// <summary>The dimensions, outermost first (row-major); empty for a scalar.</summary>
    public ImmutableArray<long> Shape { get; }

    /// <summary>The product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Offset of the first byte, relative to the start of the data buffer.</summary>
    public long DataBegin { get; }

    /// <summary>Offset just past the last byte, relative to the start of the data buffer.</summary>
    public long DataEnd { get; }

    /// <summary>Number of data bytes: <c>ElementCount * SafeTensorsDTypes.GetSize(DType)</c>.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>For example <c>rnn.bias_ih_l0: F32 [400], bytes 0..1600</c>.</summary>
    public override string ToString() =>
        $"{Name}: {SafeTensorsDTypes.GetName(DType)} {FormatShape(Shape.AsSpan())}, bytes {DataBegin}..{DataEnd}";

    /// <summary>Formats a shape as <c>[100, 8000]</c>, the way error messages show it.</summary>
    internal static string FormatShape(ReadOnlySpan<long> shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(shape[i]);
        }

        return text.Append(']').ToString();
    }
}
