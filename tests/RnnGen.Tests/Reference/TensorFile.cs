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
