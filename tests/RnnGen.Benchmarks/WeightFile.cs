using System;
using System.Collections.Generic;
using System.IO;
using RnnGen.IO;

namespace RnnGen.Benchmarks;

/// <summary>Reads every tensor of a safetensors file as float, for the baselines that do not use RnnGen's loader.</summary>
internal static class WeightFile
{
    public static Dictionary<string, float[]> Read(byte[] file)
    {
        using var stream = new MemoryStream(file);
        SafeTensorsHeader header = SafeTensorsHeader.Read(stream);
        var tensors = new Dictionary<string, float[]>();
        foreach (SafeTensorInfo info in header.Tensors)
        {
            var values = new float[info.ElementCount];
            SafeTensorsConvert.Decode<float>(info.DType, file.AsSpan((int)(header.DataStart + info.DataBegin), (int)info.ByteLength), values);
            tensors[info.Name] = values;
        }

        return tensors;
    }

    public static Dictionary<string, float[]> Read(string path) => Read(File.ReadAllBytes(path));

    public static byte[] Save(Action<Stream> save)
    {
        using var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }
}
