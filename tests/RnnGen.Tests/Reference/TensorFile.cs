using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.IO;

namespace RnnGen.Tests.Reference;

/// <summary>Reads a safetensors file into named double arrays (row-major), for comparisons by name.</summary>
internal static class TensorFile
{
    public static Dictionary<string, (long[] Shape, double[] Values)> Read(byte[] file)
    {
        SafeTensorsHeader header = SafeTensorsHeader.Read(new MemoryStream(file));
        var result = new Dictionary<string, (long[], double[])>();
        foreach (SafeTensorInfo tensor in header.Tensors)
        {
            var values = new double[tensor.ElementCount];
            var bytes = new System.ReadOnlySpan<byte>(file, (int)(header.DataStart + tensor.DataBegin), (int)tensor.ByteLength);
            SafeTensorsConvert.Decode<double>(tensor.DType, bytes, values);
            result[tensor.Name] = (tensor.Shape.ToArray(), values);
        }

        return result;
    }

    /// <summary>
    /// The same file with its <c>__metadata__</c> rewritten: each entry kept, replaced or dropped (null) by
    /// <paramref name="value"/>; the tensors and their bytes unchanged.
    /// </summary>
    public static byte[] WithMetadata(byte[] file, System.Func<string, string, string?> value)
    {
        SafeTensorsHeader header = SafeTensorsHeader.Read(new MemoryStream(file));
        var output = new MemoryStream();
        var writer = new SafeTensorsWriter(output);
        foreach (KeyValuePair<string, string> pair in header.Metadata)
        {
            if (value(pair.Key, pair.Value) is { } kept)
            {
                writer.AddMetadata(pair.Key, kept);
            }
        }

        foreach (SafeTensorInfo tensor in header.Tensors) writer.AddTensor(tensor.Name, tensor.DType, tensor.Shape.AsSpan());
        writer.WriteHeader();
        foreach (SafeTensorInfo tensor in header.Tensors) writer.WriteData(new System.ReadOnlySpan<byte>(file, (int)(header.DataStart + tensor.DataBegin), (int)tensor.ByteLength));
        writer.Complete();
        return output.ToArray();
    }

    public static byte[] Save(System.Action<Stream> save)
    {
        var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    public static double[,] Matrix((long[] Shape, double[] Values) tensor)
    {
        int rows = (int)tensor.Shape[0], columns = (int)tensor.Shape[1];
        var m = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) m[r, c] = tensor.Values[r * columns + c];
        }

        return m;
    }
}
