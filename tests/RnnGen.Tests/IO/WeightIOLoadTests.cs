using System;
using System.Collections.Generic;
using System.IO;
using RnnGen.Runtime;
using static RnnGen.Tests.IO.SafeTensorsFiles;

namespace RnnGen.Tests.IO;

/// <summary>Loading files built by hand, byte by byte, as other writers (PyTorch, safetensors) produce them.</summary>
public class WeightIOLoadTests
{
    [Fact]
    public void Loads_a_hand_built_F32_file()
    {
        float[] values = Sentinels(8);
        WeightIO.Load<float>(new MemoryStream(SimpleFile()), values, Simple, []);

        Assert.Equal([.. SimpleW, .. SimpleB], values);
        Assert.True(float.IsNegative(values[4])); // -0 kept
    }

    [Fact]
    public void Accepts_space_padding_any_key_order_and_any_data_order()
    {
        // "b" first in the JSON and in the data; padding as the reference writer does it.
        const string Json =
            """{ "b": {"shape": [2], "dtype": "F32", "data_offsets": [0, 8]}, "w": {"data_offsets": [8, 32], "dtype": "F32", "shape": [2, 3]} }""";
        byte[] file = File(Json, Concat(F32(SimpleB), F32(SimpleW)), spaces: 5);

        float[] values = Sentinels(8);
        WeightIO.Load<float>(new MemoryStream(file), values, Simple, []);

        Assert.Equal([.. SimpleW, .. SimpleB], values);
    }

    [Fact]
    public void Ignores_unknown_fields_in_an_entry()
    {
        const string Json =
            """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24],"extra":{"a":[1,2]}},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}""";
        float[] values = Sentinels(8);
        WeightIO.Load<float>(new MemoryStream(File(Json, Concat(F32(SimpleW), F32(SimpleB)))), values, Simple, []);
        Assert.Equal([.. SimpleW, .. SimpleB], values);
    }

    public static TheoryData<string, byte[], float[]> ConvertedFiles()
    {
        // F16 bits: 1.5, -2, 65504 (max), 2^-24 (smallest subnormal), 0.333251953125, -0.
        byte[] f16 = U16(0x3E00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x8000, 0x3C00, 0x4000);
        float[] f16Values = [1.5f, -2f, 65504f, MathF.Pow(2, -24), 0.333251953125f, -0f, 1f, 2f];

        // BF16 bits are the top half of a float's.
        ushort[] bf16Bits = [0x3FC0, 0xC000, 0x4049, 0x0001, 0x7F7F, 0x8000, 0x3F80, 0xBF80];
        float[] bf16Values = Array.ConvertAll(bf16Bits, b => BitConverter.UInt32BitsToSingle((uint)b << 16));
        Assert.Equal(3.140625f, bf16Values[2]);

        double[] f64 = [0.1, 1.0 / 3.0, -1e-5, 1e30, -0.0, 2.5, 1e-45, -7.0];
        float[] f64Values = Array.ConvertAll(f64, d => (float)d);

        return new()
        {
            { "F16", f16, f16Values },
            { "BF16", U16(bf16Bits), bf16Values },
            { "F64", F64(f64), f64Values },
        };
    }

    [Theory]
    [MemberData(nameof(ConvertedFiles))]
    public void Converts_other_dtypes_to_float(string dtype, byte[] data, float[] expected)
    {
        float[] values = Sentinels(8);
        WeightIO.Load<float>(new MemoryStream(File(Json(dtype), data)), values, Simple, []);

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected[i]), BitConverter.SingleToUInt32Bits(values[i]));
        }
    }

    [Theory]
    [MemberData(nameof(ConvertedFiles))]
    public void Converts_other_dtypes_to_double(string dtype, byte[] data, float[] expectedAsFloat)
    {
        double[] values = new double[8];
        WeightIO.Load<double>(new MemoryStream(File(Json(dtype), data)), values, Simple, []);

        for (int i = 0; i < 8; i++)
        {
            // F16 and BF16 widen exactly; F64 loads unchanged (its float rounding must then match).
            Assert.Equal(expectedAsFloat[i], (float)values[i]);
            if (dtype != "F64")
            {
                Assert.Equal((double)expectedAsFloat[i], values[i]);
            }
        }

        if (dtype == "F64")
        {
            Assert.Equal(0.1, values[0]);
            Assert.Equal(1.0 / 3.0, values[1]);
        }
    }

    [Fact]
    public void Float_file_widens_exactly_into_a_double_model()
    {
        double[] values = new double[8];
        WeightIO.Load<double>(new MemoryStream(SimpleFile()), values, Simple, []);
        Assert.Equal(Array.ConvertAll([.. SimpleW, .. SimpleB], f => (double)f), values);
    }

    [Fact]
    public void Identity_must_match_only_when_the_file_has_the_key()
    {
        KeyValuePair<string, string>[] identity = [new("Hidden", "2"), new("Cell", "Lstm")];
        byte[] data = Concat(F32(SimpleW), F32(SimpleB));

        // No __metadata__ at all (as PyTorch writes): nothing to match, the file loads.
        float[] values = Sentinels(8);
        WeightIO.Load<float>(new MemoryStream(SimpleFile()), values, Simple, identity);
        Assert.Equal([.. SimpleW, .. SimpleB], values);

        // Metadata with one matching key and one absent (Cell): the absent key is not checked, the file loads.
        values = Sentinels(8);
        string matching = SimpleJson.Insert(1, """ "__metadata__":{"format":"pt","Hidden":"2"},""");
        WeightIO.Load<float>(new MemoryStream(File(matching, data)), values, Simple, identity);
        Assert.Equal([.. SimpleW, .. SimpleB], values);

        // Once the file has the key, it must match: Cell = Gru is refused for an LSTM, and nothing is loaded.
        values = Sentinels(8);
        string other = SimpleJson.Insert(1, """ "__metadata__":{"format":"pt","Hidden":"2","Cell":"Gru"},""");
        var error = Assert.Throws<InvalidDataException>(() => WeightIO.Load<float>(new MemoryStream(File(other, data)), values, Simple, identity));
        Assert.Contains("saved from a model with Cell = Gru, but this model has Cell = Lstm", error.Message);
        Assert.Equal(Sentinels(8), values);
    }

    [Fact]
    public void AllowNonFinite_loads_NaN_and_infinities()
    {
        byte[] data = Concat(F32(1f, float.NaN, 3f, float.PositiveInfinity, 5f, 6f), F32(float.NegativeInfinity, 8f));
        float[] values = new float[8];
        WeightIO.Load<float>(new MemoryStream(File(SimpleJson, data)), values, Simple, [], new WeightLoadOptions { AllowNonFinite = true });

        Assert.True(float.IsNaN(values[1]));
        Assert.Equal(float.PositiveInfinity, values[3]);
        Assert.Equal(float.NegativeInfinity, values[6]);
    }

    [Fact]
    public void AllowNonFinite_lets_an_overflowing_F64_value_become_infinity()
    {
        byte[] data = F64(1, 2, 3, 4, 5, -1e300, 7, 8);
        float[] values = new float[8];
        WeightIO.Load<float>(new MemoryStream(File(Json("F64"), data)), values, Simple, [], new WeightLoadOptions { AllowNonFinite = true });
        Assert.Equal(float.NegativeInfinity, values[5]);
    }

    [Fact]
    public void Default_options_are_strict()
    {
        Assert.False(new WeightLoadOptions().AllowNonFinite);
    }

    [Fact]
    public void Allocates_nothing_large_for_a_huge_tensor_that_does_not_fit_the_model()
    {
        // Claims 4 GB of data, on a stream that cannot tell its length.
        const string Json =
            """{"w":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4000000000,4000000008]}}""";
        var stream = new NonSeekableStream(new MemoryStream(File(Json, new byte[16])));
        float[] values = new float[8];

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => WeightIO.Load<float>(stream, values, Simple, []));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("[1000000000]", error.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Allocates_nothing_large_for_a_lying_header_length_on_a_short_stream()
    {
        byte[] file = new byte[100];
        file[0] = 0x00;
        file[1] = 0xE1;
        file[2] = 0xF5;
        file[3] = 0x05; // 0x05F5E100 = 100,000,000: exactly the cap
        var stream = new NonSeekableStream(new MemoryStream(file));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => WeightIO.Load<float>(stream, new float[8], Simple, []));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated", error.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    internal static string Json(string dtype) => SimpleJson.Replace("F32", dtype, StringComparison.Ordinal)
        .Replace("[0,24]", $"[0,{6 * Size(dtype)}]", StringComparison.Ordinal)
        .Replace("[24,32]", $"[{6 * Size(dtype)},{8 * Size(dtype)}]", StringComparison.Ordinal);

    private static int Size(string dtype) => dtype switch
    {
        "F16" or "BF16" or "I16" or "U16" => 2,
        "F32" or "I32" or "U32" => 4,
        "F64" or "I64" or "U64" => 8,
        _ => 1,
    };
}
