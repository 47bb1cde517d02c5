using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using RnnGen.IO;
using static RnnGen.Tests.IO.SafeTensorsFiles;

namespace RnnGen.Tests.IO;

/// <summary>The public low-level reader, writer and conversions in <c>RnnGen.IO</c>.</summary>
public class SafeTensorsApiTests
{
    [Fact]
    public void DType_names_and_sizes_follow_the_format()
    {
        string[] names = ["BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E4M3", "F8_E5M2", "F16", "BF16", "F32", "F64"];
        int[] sizes = [1, 1, 1, 2, 2, 4, 4, 8, 8, 1, 1, 2, 2, 4, 8];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.True(SafeTensorsDTypes.TryParse(names[i], out SafeTensorsDType dtype));
            Assert.Equal(names[i], SafeTensorsDTypes.GetName(dtype));
            Assert.Equal(sizes[i], SafeTensorsDTypes.GetSize(dtype));
        }

        Assert.Equal(15, Enum.GetValues<SafeTensorsDType>().Length);
        Assert.False(SafeTensorsDTypes.TryParse("f32", out _));
        Assert.False(SafeTensorsDTypes.TryParse(null, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafeTensorsDTypes.GetName((SafeTensorsDType)99));
        Assert.True(SafeTensorsDTypes.IsConvertible(SafeTensorsDType.BF16));
        Assert.False(SafeTensorsDTypes.IsConvertible(SafeTensorsDType.I32));
    }

    [Fact]
    public void Read_describes_a_file_and_stops_at_the_data()
    {
        string json = """{"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},"__metadata__":{"format":"pt","note":"h\u00e9"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""";
        var stream = new MemoryStream(File(json, Concat(F32(SimpleW), F32(SimpleB)), spaces: 3));

        SafeTensorsHeader header = SafeTensorsHeader.Read(stream);

        Assert.Equal(header.DataStart, stream.Position);
        Assert.Equal(Encoding.UTF8.GetByteCount(json) + 3, header.HeaderLength);
        Assert.Equal(32, header.DataLength);
        Assert.True(header.HasMetadata);
        Assert.Equal("hé", header.Metadata["note"]);
        Assert.Equal(new[] { "w", "b" }, new[] { header.Tensors[0].Name, header.Tensors[1].Name }); // data order
        Assert.True(header.TryGetTensor("w", out SafeTensorInfo? w));
        Assert.Equal(SafeTensorsDType.F32, w.DType);
        Assert.Equal(new long[] { 2, 3 }, w.Shape.ToArray());
        Assert.Equal(6, w.ElementCount);
        Assert.Equal((0L, 24L, 24L), (w.DataBegin, w.DataEnd, w.ByteLength));
        Assert.Equal("w: F32 [2, 3], bytes 0..24", w.ToString());
        Assert.False(header.TryGetTensor("x", out _));

        byte[] data = new byte[header.DataLength];
        stream.ReadExactly(data);
        float[] decoded = new float[8];
        SafeTensorsConvert.Decode<float>(SafeTensorsDType.F32, data, decoded);
        Assert.Equal([.. SimpleW, .. SimpleB], decoded);
    }

    [Fact]
    public void Parse_accepts_scalars_empty_tensors_and_no_metadata()
    {
        byte[] json = """{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"BOOL","shape":[3,0],"data_offsets":[8,8]},"f":{"dtype":"U8","shape":[0],"data_offsets":[8,8]},"t":{"dtype":"I16","shape":[1],"data_offsets":[8,10]}}"""u8.ToArray();

        SafeTensorsHeader header = SafeTensorsHeader.Parse(json);

        Assert.False(header.HasMetadata);
        Assert.Empty(header.Metadata);
        Assert.Equal(10, header.DataLength);
        Assert.Equal(new[] { "s", "e", "f", "t" }, new[] { header.Tensors[0].Name, header.Tensors[1].Name, header.Tensors[2].Name, header.Tensors[3].Name });
        Assert.Equal(1, header.Tensors[0].ElementCount);
        Assert.Empty(header.Tensors[0].Shape);
        Assert.Equal(0, header.Tensors[1].ElementCount);
    }

    [Fact]
    public void Parse_and_Read_reject_what_the_format_forbids()
    {
        Assert.Throws<InvalidDataException>(() => SafeTensorsHeader.Parse([]));
        Assert.Throws<InvalidDataException>(() => SafeTensorsHeader.Parse("{"u8));
        Assert.Throws<ArgumentNullException>(() => SafeTensorsHeader.Read(null!));

        // Header fine, data buffer longer than the seekable stream.
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsHeader.Read(new MemoryStream(File(SimpleJson, new byte[31]))));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("32 bytes", error.Message);
    }

    [Fact]
    public void Writer_output_reads_back_through_the_reader()
    {
        var stream = new MemoryStream();
        var writer = new SafeTensorsWriter(stream);
        writer.AddMetadata("format", "pt");
        SafeTensorInfo h = writer.AddTensor("h", SafeTensorsDType.F16, [3]);
        writer.AddTensor("empty", SafeTensorsDType.F32, [0, 4]);
        SafeTensorInfo raw = writer.AddTensor("ids", SafeTensorsDType.I32, [2]);
        SafeTensorInfo d = writer.AddTensor("d", SafeTensorsDType.F64, [2, 1]);
        Assert.Equal((0L, 6L), (h.DataBegin, h.DataEnd));
        Assert.Equal((6L, 14L), (raw.DataBegin, raw.DataEnd));
        Assert.Equal(30, writer.DataLength);

        writer.WriteHeader();
        writer.WriteValues<float>([1.5f, -2f, 0.1f]); // F16: 0.1 rounds
        byte[] ids = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(ids, 7);
        BinaryPrimitives.WriteInt32LittleEndian(ids.AsSpan(4), -1);
        writer.WriteData(ids);
        writer.WriteValues<float>([0.1f, 1e-45f]); // F64 widens exactly
        writer.Complete();

        stream.Position = 0;
        SafeTensorsHeader header = SafeTensorsHeader.Read(stream);
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal(new[] { "h", "empty", "ids", "d" }, new[] { header.Tensors[0].Name, header.Tensors[1].Name, header.Tensors[2].Name, header.Tensors[3].Name });
        Assert.Equal(0, header.DataStart % 8);
        byte[] data = new byte[30];
        stream.ReadExactly(data);
        Assert.Equal(stream.Length, stream.Position);

        Assert.Equal((Half)0.1f, BinaryPrimitives.ReadHalfLittleEndian(data.AsSpan(4)));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(10)));
        Assert.Equal((double)0.1f, BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(14)));
        Assert.Equal((double)1e-45f, BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(22)));
    }

    [Fact]
    public void Writer_enforces_its_protocol()
    {
        var writer = new SafeTensorsWriter(new MemoryStream());
        Assert.Throws<InvalidOperationException>(() => writer.WriteData([1]));
        Assert.Throws<InvalidOperationException>(() => writer.Complete());
        writer.AddTensor("a", SafeTensorsDType.F32, [2]);
        writer.AddTensor("n", SafeTensorsDType.U8, [1]);
        Assert.Throws<ArgumentException>(() => writer.AddTensor("a", SafeTensorsDType.F32, [1]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("__metadata__", SafeTensorsDType.F32, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddTensor("neg", SafeTensorsDType.F32, [-1]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("huge", SafeTensorsDType.F64, [long.MaxValue / 4]));
        writer.AddMetadata("k", "v");
        Assert.Throws<ArgumentException>(() => writer.AddMetadata("k", "w"));

        writer.WriteHeader();
        Assert.Throws<InvalidOperationException>(() => writer.WriteHeader());
        Assert.Throws<InvalidOperationException>(() => writer.AddTensor("late", SafeTensorsDType.F32, [1]));
        Assert.Throws<InvalidOperationException>(() => writer.AddMetadata("late", "x"));

        writer.WriteData([0, 0]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteValues<float>([1f])); // mid-element
        writer.WriteData([0, 0]);
        writer.WriteValues<float>([1f]);
        Assert.Throws<InvalidOperationException>(() => writer.Complete()); // 1 byte missing
        Assert.Throws<InvalidOperationException>(() => writer.WriteValues<float>([2f])); // U8 is not a float
        Assert.Throws<InvalidOperationException>(() => writer.WriteData([1, 2])); // too much
        writer.WriteData([9]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteValues<float>([2f])); // nothing left
        writer.Complete();
        Assert.Throws<InvalidOperationException>(() => writer.Complete());

        Assert.Throws<ArgumentNullException>(() => new SafeTensorsWriter(null!));
    }

    [Fact]
    public void BF16_and_F16_encoding_round_to_nearest_even()
    {
        float[] singles = [1f + MathF.Pow(2, -8), 1f + 3 * MathF.Pow(2, -8), -3.140625f, float.MaxValue, float.NaN, float.Epsilon];
        byte[] bytes = new byte[2 * singles.Length];
        SafeTensorsConvert.Encode<float>(singles, SafeTensorsDType.BF16, bytes);
        ushort Bits(int i) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i));
        Assert.Equal(0x3F80, Bits(0)); // tie → even (1.0)
        Assert.Equal(0x3F82, Bits(1)); // tie → even (1.015625)
        Assert.Equal(0xC049, Bits(2)); // exact
        Assert.Equal(0x7F80, Bits(3)); // overflows to +Inf
        Assert.True((Bits(4) & 0x7F80) == 0x7F80 && (Bits(4) & 0x7F) != 0); // still NaN
        Assert.Equal(0x0000, Bits(5)); // underflows to 0

        // A double just above a tie must round up: going through float naively would round down.
        double[] doubles = [1 + Math.Pow(2, -8) + Math.Pow(2, -40), 1 + Math.Pow(2, -8) - Math.Pow(2, -40)];
        SafeTensorsConvert.Encode<double>(doubles, SafeTensorsDType.BF16, bytes);
        Assert.Equal(0x3F81, Bits(0));
        Assert.Equal(0x3F80, Bits(1));

        // F16 from double rounds directly.
        SafeTensorsConvert.Encode<double>([65520.0, 0.1], SafeTensorsDType.F16, bytes);
        Assert.Equal(0x7C00, Bits(0)); // 65520 is the tie above 65504: rounds to +Inf
        Assert.Equal((Half)0.1, BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(2)));
    }

    [Fact]
    public void Conversions_check_their_arguments()
    {
        Assert.Throws<NotSupportedException>(() => SafeTensorsConvert.Decode<float>(SafeTensorsDType.I32, new byte[4], new float[1]));
        Assert.Throws<NotSupportedException>(() => SafeTensorsConvert.Encode<float>([1f], SafeTensorsDType.U8, new byte[1]));
        Assert.Throws<ArgumentException>(() => SafeTensorsConvert.Decode<float>(SafeTensorsDType.F32, new byte[6], new float[2]));
        Assert.Throws<ArgumentException>(() => SafeTensorsConvert.Decode<float>(SafeTensorsDType.F32, new byte[8], new float[1]));
        Assert.Throws<ArgumentException>(() => SafeTensorsConvert.Encode<float>([1f, 2f], SafeTensorsDType.F32, new byte[7]));
    }

    [Fact]
    public void Conversions_return_what_they_wrote_and_leave_the_rest_of_a_longer_destination()
    {
        // The .NET convention for destination spans: longer is fine, and the count says how much was filled.
        byte[] bytes = new byte[10];
        bytes.AsSpan().Fill(0xAB);
        Assert.Equal(4, SafeTensorsConvert.Encode<float>([1.5f, -2f], SafeTensorsDType.BF16, bytes));
        Assert.All(bytes[4..], b => Assert.Equal(0xAB, b));

        float[] values = [9f, 9f, 9f, 9f];
        Assert.Equal(2, SafeTensorsConvert.Decode<float>(SafeTensorsDType.BF16, bytes.AsSpan(0, 4), values));
        Assert.Equal([1.5f, -2f, 9f, 9f], values);

        var error = Assert.Throws<ArgumentException>(() => SafeTensorsConvert.Decode<float>(SafeTensorsDType.F32, new byte[8], new float[1]));
        Assert.StartsWith("The destination has room for 1 elements, but the source holds 2 F32 values: it needs at least 2.", error.Message);
        error = Assert.Throws<ArgumentException>(() => SafeTensorsConvert.Encode<float>([1f, 2f], SafeTensorsDType.F32, new byte[7]));
        Assert.StartsWith("The destination has room for 7 bytes, but 2 values as F32 need 8.", error.Message);
    }
}
