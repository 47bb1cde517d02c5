using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using RnnGen.Runtime;
using static RnnGen.Tests.IO.SafeTensorsFiles;

namespace RnnGen.Tests.IO;

/// <summary>
/// Every kind of malformed or mismatched file gives an <see cref="InvalidDataException"/> that says what is
/// wrong, and leaves the model's values exactly as they were, whether or not the stream can seek.
/// </summary>
public class WeightIOErrorTests
{
    private static readonly byte[] Data = Concat(F32(SimpleW), F32(SimpleB));

    private static byte[] Entries(string entries, byte[]? data = null) => File("{" + entries + "}", data ?? Data);

    private const string W = """ "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}""";
    private const string B = """ "b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}""";

    private static byte[] Prefix(ulong length, int following)
    {
        byte[] file = new byte[8 + following];
        BinaryPrimitives.WriteUInt64LittleEndian(file, length);
        file.AsSpan(8).Fill((byte)' ');
        return file;
    }

    public static TheoryData<string, byte[], string[]> MalformedFiles() => new()
    {
        // The 8-byte prefix.
        { "empty file", [], ["only 0 bytes", "8-byte header length"] },
        { "shorter than 8 bytes", [1, 0, 0, 0, 0], ["only 5 bytes"] },
        { "header length 0", Prefix(0, 40), ["header length is 0"] },
        { "header length above 100 MB", Prefix(100_000_001, 40), ["100000001", "100 MB"] },
        { "header length 2^64-1", Prefix(ulong.MaxValue, 40), ["100 MB"] },
        { "header longer than the file", Prefix(1000, 40), ["1000", "truncated"] },

        // The JSON text.
        { "invalid UTF-8", File(Poke(Encoding.UTF8.GetBytes("""{"wx":{}}"""), 3, 0xFF), Data), ["UTF-8"] },
        { "invalid JSON", File("""{"w":{"dtype":"F32",""", Data), ["not valid JSON"] },
        { "trailing comma", File("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},}""", Data), ["not valid JSON"] },
        { "text after the object", File(SimpleJson + " {}", Data), ["not valid JSON"] },
        { "NUL padding", File(SimpleJson + "\0\0\0", Data), ["not valid JSON"] },
        { "JSON array", File("[1, 2]", Data), ["not a JSON object"] },
        { "JSON string", File("\"w\"", Data), ["not a JSON object"] },
        { "nesting too deep", Entries(W.Replace("]}", "],\"x\":[[[[[[[[[[1]]]]]]]]]]}", StringComparison.Ordinal) + "," + B), ["not valid JSON"] },
        { "lone surrogate in a name", Entries("""  "\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", F32(1, 2)), ["invalid string"] },

        // Entries.
        { "entry not an object", Entries("\"w\":[0,24]," + B), ["'w'", "is an array", "must be an object"] },
        { "missing dtype", Entries(""" "w":{"shape":[2,3],"data_offsets":[0,24]},""" + B), ["'w'", "no 'dtype'"] },
        { "missing shape", Entries(""" "w":{"dtype":"F32","data_offsets":[0,24]},""" + B), ["'w'", "no 'shape'"] },
        { "missing data_offsets", Entries(""" "w":{"dtype":"F32","shape":[2,3]},""" + B), ["'w'", "no 'data_offsets'"] },
        { "dtype not a string", Entries(""" "w":{"dtype":32,"shape":[2,3],"data_offsets":[0,24]},""" + B), ["'w'", "'dtype'", "a number", "must be a string"] },
        { "shape not an array", Entries(""" "w":{"dtype":"F32","shape":"2x3","data_offsets":[0,24]},""" + B), ["'w'", "'shape'", "array of integers"] },
        { "shape with a fraction", Entries(""" "w":{"dtype":"F32","shape":[2,3.5],"data_offsets":[0,24]},""" + B), ["'w'", "3.5", "not a whole number"] },
        { "shape with a string", Entries(""" "w":{"dtype":"F32","shape":[2,"3"],"data_offsets":[0,24]},""" + B), ["'w'", "a string", "only integers"] },
        { "offsets not an array", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":24},""" + B), ["'w'", "'data_offsets'", "array of integers"] },
        { "three offsets", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12,24]},""" + B), ["'w'", "exactly 2"] },
        { "offset too big for 64 bits", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,99999999999999999999]},""" + B), ["'w'", "99999999999999999999"] },
        { "field given twice", Entries(""" "w":{"dtype":"F32","dtype":"F32","shape":[2,3],"data_offsets":[0,24]},""" + B), ["'w'", "'dtype' twice"] },
        { "tensor given twice", Entries(W + "," + B + "," + W), ["'w'", "twice"] },
        { "unknown dtype", Entries(""" "w":{"dtype":"F128","shape":[2,3],"data_offsets":[0,24]},""" + B), ["'w'", "unknown dtype 'F128'"] },
        { "lower-case dtype", Entries(""" "w":{"dtype":"f32","shape":[2,3],"data_offsets":[0,24]},""" + B), ["'w'", "unknown dtype 'f32'"] },
        { "unsupported dtype", File(WeightIOLoadTests.Json("I32"), Data), ["'w'", "I32", "unsupported"] },
        { "unsupported 8-bit float", File(WeightIOLoadTests.Json("F8_E4M3"), new byte[8]), ["'w'", "F8_E4M3", "unsupported"] },
        { "negative dimension", Entries(""" "w":{"dtype":"F32","shape":[-2,-3],"data_offsets":[0,24]},""" + B), ["'w'", "negative dimension"] },
        { "negative offset", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":[-24,0]},""" + B), ["'w'", "negative offset"] },
        { "element count overflows", Entries(""" "w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,24]},""" + B), ["'w'", "[4294967296, 4294967296]", "overflows"] },
        { "byte count overflows", Entries(""" "w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,24]},""" + B), ["'w'", "overflows"] },
        { "end before begin", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]},""" + B), ["'w'", "end is before the begin"] },
        { "byte length not numel * size", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]},""" + B), ["'w'", "needs 24 bytes", "span 20 bytes"] },

        // Layout of the data buffer.
        { "data not starting at 0", Entries(""" "w":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]},"b":{"dtype":"F32","shape":[2],"data_offsets":[28,36]}""", Concat(Data, new byte[4])), ["'w'", "start at byte 0", "gaps"] },
        { "gap between tensors", Entries(W + ""","b":{"dtype":"F32","shape":[2],"data_offsets":[28,36]}""", Concat(Data, new byte[4])), ["'b'", "'w'", "gaps"] },
        { "overlapping tensors", Entries(W + ""","b":{"dtype":"F32","shape":[2],"data_offsets":[20,28]}"""), ["'b'", "overlaps", "'w'"] },
        { "data truncated", Entries(W + "," + B, Data[..30]), ["truncated"] },
        { "data missing entirely", Entries(W + "," + B, []), ["truncated"] },

        // Fit to the model.
        { "missing tensor", Entries(W, Data[..24]), ["The file has no tensor 'b' (shape [Hidden]), which this model needs."] },
        { "all tensors missing", File("{}", []), ["no tensors 'w' (shape [Hidden, Input]), 'b' (shape [Hidden])"] },
        { "unexpected tensor", Entries(W + "," + B + ""","x":{"dtype":"F32","shape":[1],"data_offsets":[32,36]}""", Concat(Data, F32(9))), ["'x'", "does not have"] },
        { "unexpected empty tensor", Entries(W + "," + B + ""","x":{"dtype":"F32","shape":[0],"data_offsets":[32,32]}"""), ["'x'", "does not have"] },
        { "2-D shape swapped", Entries(""" "w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},""" + B), ["Tensor 'w' has shape [3, 2] in the file, but this model expects [2, 3] ([Hidden, Input])."] },
        { "1-D map, 2-D tensor", Entries(W + ""","b":{"dtype":"F32","shape":[2,1],"data_offsets":[24,32]}"""), ["Tensor 'b' has shape [2, 1] in the file, but this model expects [2] ([Hidden])."] },
        { "2-D map, 1-D tensor", Entries(""" "w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},""" + B), ["Tensor 'w' has shape [6] in the file, but this model expects [2, 3] ([Hidden, Input])."] },

        // Values.
        { "NaN", File(SimpleJson, Concat(F32(1, 2, 3, 4, float.NaN, 6), F32(SimpleB))), ["'w'", "NaN", "element 4 (row 1, column 1)", "AllowNonFinite"] },
        { "+Infinity in a vector", File(SimpleJson, Concat(F32(SimpleW), F32(0, float.PositiveInfinity))), ["'b'", "+Infinity", "element 1"] },
        { "F16 -Infinity", File(WeightIOLoadTests.Json("F16"), U16(0x3C00, 0xFC00, 0, 0, 0, 0, 0, 0)), ["'w'", "-Infinity", "element 1 (row 0, column 1)"] },
        { "F64 too large for float", File(WeightIOLoadTests.Json("F64"), F64(1, 2, 3, 4, 5, 6, 7, 1e300)), ["'b'", "+Infinity", "element 1", "1E+300", "too large for float"] },

        // Metadata.
        { "identity mismatch", File(SimpleJson.Insert(1, """ "__metadata__":{"format":"pt","Hidden":"3"},"""), Data), ["The file was saved from a model with Hidden = 3, but this model has Hidden = 2."] },
        { "metadata not an object", File(SimpleJson.Insert(1, """ "__metadata__":["format","pt"],"""), Data), ["'__metadata__'", "an array", "object of strings"] },
        { "metadata null", File(SimpleJson.Insert(1, """ "__metadata__":null,"""), Data), ["'__metadata__'", "null"] },
        { "metadata value not a string", File(SimpleJson.Insert(1, """ "__metadata__":{"Hidden":2},"""), Data), ["'Hidden'", "a number", "must be strings"] },
        { "metadata key twice", File(SimpleJson.Insert(1, """ "__metadata__":{"a":"1","a":"1"},"""), Data), ["'a' twice"] },
        { "metadata twice", File(SimpleJson.Insert(1, """ "__metadata__":{},"__metadata__":{},"""), Data), ["'__metadata__' twice"] },
    };

    private static readonly KeyValuePair<string, string>[] Identity = [new("Hidden", "2"), new("Input", "3")];

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_file_is_rejected_and_values_stay_unchanged(string @case, byte[] file, string[] words)
    {
        foreach (bool seekable in new[] { true, false })
        {
            float[] values = Sentinels(8);
            float[] before = (float[])values.Clone();
            Stream stream = seekable ? new MemoryStream(file) : new NonSeekableStream(new MemoryStream(file), maxRead: 7);

            var error = Assert.Throws<InvalidDataException>(() => WeightIO.Load<float>(stream, values, Simple, Identity));

            foreach (string word in words)
            {
                Assert.True(error.Message.Contains(word, StringComparison.Ordinal),
                    $"{@case} ({(seekable ? "seekable" : "non-seekable")}): expected '{word}' in: {error.Message}");
            }

            Assert.Equal(before, values);
        }
    }

    [Fact]
    public void Double_model_rejects_NaN_and_keeps_its_values()
    {
        byte[] file = File(WeightIOLoadTests.Json("F64"), F64(1, 2, 3, 4, 5, 6, double.NaN, 8));
        double[] values = [9, 9, 9, 9, 9, 9, 9, 9];
        var error = Assert.Throws<InvalidDataException>(() => WeightIO.Load<double>(new MemoryStream(file), values, Simple, []));
        Assert.Contains("'b'", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.DoesNotContain("too large", error.Message);
        Assert.Equal([9, 9, 9, 9, 9, 9, 9, 9], values);
    }

    [Fact]
    public void A_value_rejected_late_in_the_file_still_leaves_earlier_tensors_unloaded()
    {
        // "w" is fine and read first; "b" fails. Nothing may reach the model.
        byte[] file = File(SimpleJson, Concat(F32(SimpleW), F32(1, float.NaN)));
        float[] values = Sentinels(8);
        Assert.Throws<InvalidDataException>(() => WeightIO.Load<float>(new MemoryStream(file), values, Simple, []));
        Assert.Equal(Sentinels(8), values);
    }

    [Fact]
    public void Many_unexpected_tensors_are_summarised()
    {
        var entries = new StringBuilder(W + "," + B);
        for (int i = 0; i < 20; i++)
        {
            entries.Append($$""","x{{i}}":{"dtype":"F32","shape":[0],"data_offsets":[32,32]}""");
        }

        var error = Assert.Throws<InvalidDataException>(() => WeightIO.Load<float>(new MemoryStream(Entries(entries.ToString())), new float[8], Simple, []));
        Assert.Contains("'x0'", error.Message);
        Assert.Contains("and 15 more", error.Message);
    }

    [Fact]
    public void Duplicate_map_names_are_a_programming_error()
    {
        TensorMap[] maps = [Simple[0], Simple[0]];
        Assert.Throws<ArgumentException>(() => WeightIO.Load<float>(new MemoryStream(SimpleFile()), new float[8], maps, []));
    }

    private static byte[] Poke(byte[] bytes, int index, byte value)
    {
        bytes[index] = value;
        return bytes;
    }
}
