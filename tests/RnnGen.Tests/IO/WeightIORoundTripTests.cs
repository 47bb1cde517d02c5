using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using RnnGen.Runtime;
using static RnnGen.Tests.IO.SafeTensorsFiles;

namespace RnnGen.Tests.IO;

public class WeightIORoundTripTests
{
    private static readonly KeyValuePair<string, string>[] Identity = [new("Hidden", "3"), new("Cell", "Gru")];

    // Awkward but finite bit patterns: signed zero, subnormals, extremes, and values with full mantissas.
    private static float[] BlockedFloats()
    {
        float[] values = Sentinels(BlockedLength);
        float[] special = [-0f, float.Epsilon, -1e-40f, float.MaxValue, float.MinValue, MathF.PI, 1f / 3f, -2.5f, 1e-30f, 123456.79f, -7f, 0.1f];
        int k = 0;
        foreach (int i in BlockedGIndices)
        {
            values[i] = special[k++];
        }

        foreach (int i in BlockedGbIndices)
        {
            values[i] = -100f - i;
        }

        return values;
    }

    private static double[] BlockedDoubles()
    {
        double[] values = new double[BlockedLength];
        double[] special = [-0.0, double.Epsilon, -1e-310, double.MaxValue, double.MinValue, Math.PI, 1.0 / 3.0, -2.5, 1e-300, 0.1, 1e300, Math.E];
        int k = 0;
        foreach (int i in BlockedGIndices)
        {
            values[i] = special[k++];
        }

        foreach (int i in BlockedGbIndices)
        {
            values[i] = 1.0 / (i + 7);
        }

        return values;
    }

    private static byte[] Save<T>(T[] values, TensorMap[] maps)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var stream = new MemoryStream();
        WeightIO.Save<T>(stream, values, maps, Identity);
        return stream.ToArray();
    }

    [Fact]
    public void Float_round_trips_bit_for_bit_and_leaves_padding_untouched()
    {
        float[] original = BlockedFloats();
        byte[] file = Save(original, Blocked);

        float[] loaded = new float[BlockedLength];
        loaded.AsSpan().Fill(float.NaN); // NaN padding must survive: Load never writes there
        WeightIO.Load<float>(new MemoryStream(file), loaded, Blocked, Identity);

        for (int i = 0; i < BlockedLength; i++)
        {
            if (Array.IndexOf(BlockedPadding, i) >= 0)
            {
                Assert.True(float.IsNaN(loaded[i]), $"padding index {i} was written");
            }
            else
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(original[i]), BitConverter.SingleToUInt32Bits(loaded[i]));
            }
        }
    }

    [Fact]
    public void Double_round_trips_bit_for_bit()
    {
        double[] original = BlockedDoubles();
        byte[] file = Save(original, Blocked);

        double[] loaded = new double[BlockedLength];
        loaded.AsSpan().Fill(-12345.0);
        WeightIO.Load<double>(new MemoryStream(file), loaded, Blocked, Identity);

        for (int i = 0; i < BlockedLength; i++)
        {
            double expected = Array.IndexOf(BlockedPadding, i) >= 0 ? -12345.0 : original[i];
            Assert.Equal(BitConverter.DoubleToUInt64Bits(expected), BitConverter.DoubleToUInt64Bits(loaded[i]));
        }
    }

    [Fact]
    public void Non_finite_values_round_trip_bit_for_bit_when_allowed()
    {
        float[] original = BlockedFloats();
        original[BlockedGIndices[3]] = BitConverter.UInt32BitsToSingle(0x7FC1_2345); // NaN with a payload
        original[BlockedGbIndices[0]] = float.NegativeInfinity;
        byte[] file = Save(original, Blocked);

        float[] loaded = (float[])original.Clone();
        loaded.AsSpan().Clear();
        WeightIO.Load<float>(new MemoryStream(file), loaded, Blocked, Identity, new WeightLoadOptions { AllowNonFinite = true });

        Assert.Equal(0x7FC1_2345u, BitConverter.SingleToUInt32Bits(loaded[BlockedGIndices[3]]));
        Assert.Equal(float.NegativeInfinity, loaded[BlockedGbIndices[0]]);
    }

    [Fact]
    public void Saved_data_is_pytorch_row_major_whatever_the_model_layout()
    {
        float[] values = BlockedFloats();
        byte[] file = Save(values, Blocked);

        (long dataStart, JsonElement root) = ParseIndependently(file);
        long gBegin = root.GetProperty("g").GetProperty("data_offsets")[0].GetInt64();
        long gbBegin = root.GetProperty("gb").GetProperty("data_offsets")[0].GetInt64();
        for (int k = 0; k < BlockedGIndices.Length; k++)
        {
            float stored = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(dataStart + gBegin + 4 * k)));
            Assert.Equal(values[BlockedGIndices[k]], stored);
        }

        for (int k = 0; k < BlockedGbIndices.Length; k++)
        {
            float stored = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(dataStart + gbBegin + 4 * k)));
            Assert.Equal(values[BlockedGbIndices[k]], stored);
        }
    }

    [Fact]
    public void TensorMap_IndexOf_places_blocked_rows_as_documented()
    {
        TensorMap g = Blocked[0];
        int k = 0;
        for (int r = 0; r < g.Rows; r++)
        {
            for (int c = 0; c < g.Columns; c++)
            {
                Assert.Equal(BlockedGIndices[k++], g.IndexOf(r, c));
            }
        }
    }

    [Fact]
    public void TensorMap_IndexOf_finds_panels_through_their_slots()
    {
        // A [4 gates x 2 units, 3] matrix stored transposed in panels of 2 gate columns, the panels of gate
        // columns 0-1, 2-3, 4-5, 6-7 at slots 0, 2, 1, 3: element (r, c) is column r of panel r / 2, row c.
        var map = new TensorMap("w", rows: 8, columns: 3, "[4*Hidden, Input]", offset: 5, blockRows: 8, blockStride: 0, rowStride: 1,
            columnStride: 2, initScale: 0, panelWidth: 2, panelStride: 6, panelSlots: [0, 2, 1, 3]);
        int[] slots = [0, 2, 1, 3];
        for (int r = 0; r < 8; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(5 + slots[r / 2] * 6 + r % 2 + c * 2, map.IndexOf(r, c));
            }
        }
    }

    [Fact]
    public void Float_models_write_F32_and_double_models_F64()
    {
        (_, JsonElement f) = ParseIndependently(Save(BlockedFloats(), Blocked));
        (_, JsonElement d) = ParseIndependently(Save(BlockedDoubles(), Blocked));

        Assert.Equal("F32", f.GetProperty("g").GetProperty("dtype").GetString());
        Assert.Equal("F32", f.GetProperty("gb").GetProperty("dtype").GetString());
        Assert.Equal("F64", d.GetProperty("g").GetProperty("dtype").GetString());
        Assert.Equal(new long[] { 0, 96 }, Offsets(d.GetProperty("g")));
        Assert.Equal(new long[] { 96, 144 }, Offsets(d.GetProperty("gb")));
    }

    [Fact]
    public void Saved_file_matches_the_format_byte_for_byte()
    {
        float[] values = [1f, -2f, 3.5f, 0.25f, -0f, 1e-40f, 7f, -8f];
        var stream = new MemoryStream();
        WeightIO.Save<float>(stream, values, Simple, [new("Hidden", "2"), new("Input", "3")]);
        byte[] file = stream.ToArray();

        const string Json =
            """{"__metadata__":{"format":"pt","Hidden":"2","Input":"3"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}""";
        byte[] header = Encoding.UTF8.GetBytes(Json);
        int padded = (header.Length + 7) / 8 * 8;

        byte[] expected = new byte[8 + padded + 32];
        BinaryPrimitives.WriteUInt64LittleEndian(expected, (ulong)padded);
        header.CopyTo(expected, 8);
        for (int i = 8 + header.Length; i < 8 + padded; i++)
        {
            expected[i] = (byte)' ';
        }

        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(expected.AsSpan(8 + padded + 4 * i), values[i]);
        }

        Assert.Equal(expected, file);
        Assert.Equal(0, (8 + padded) % 8);
    }

    [Fact]
    public void Saved_header_is_valid_json_with_metadata_first()
    {
        (long dataStart, JsonElement root) = ParseIndependently(Save(BlockedFloats(), Blocked));

        Assert.Equal(0, dataStart % 8);
        var names = new List<string>();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            names.Add(property.Name);
        }

        Assert.Equal(["__metadata__", "g", "gb"], names);
        JsonElement metadata = root.GetProperty("__metadata__");
        Assert.Equal("pt", metadata.GetProperty("format").GetString());
        Assert.Equal("3", metadata.GetProperty("Hidden").GetString());
        Assert.Equal("Gru", metadata.GetProperty("Cell").GetString());
        Assert.Equal(new long[] { 6, 2 }, Shape(root.GetProperty("g")));
        Assert.Equal(new long[] { 6 }, Shape(root.GetProperty("gb")));
        Assert.Equal(new long[] { 0, 48 }, Offsets(root.GetProperty("g")));
        Assert.Equal(new long[] { 48, 72 }, Offsets(root.GetProperty("gb")));
    }

    [Fact]
    public void Non_seekable_streams_work_both_ways()
    {
        float[] original = BlockedFloats();
        var sink = new MemoryStream();
        WeightIO.Save<float>(new NonSeekableStream(sink), original, Blocked, Identity);

        float[] loaded = new float[BlockedLength];
        WeightIO.Load<float>(new NonSeekableStream(new MemoryStream(sink.ToArray()), maxRead: 3), loaded, Blocked, Identity);

        foreach (int i in BlockedGIndices)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits(original[i]), BitConverter.SingleToUInt32Bits(loaded[i]));
        }
    }

    [Fact]
    public void Load_stops_at_the_end_of_the_data_and_accepts_a_file_that_starts_mid_stream()
    {
        var stream = new MemoryStream();
        stream.Write("prefix"u8);
        WeightIO.Save<float>(stream, BlockedFloats(), Blocked, Identity);
        stream.Write("trailer"u8);
        stream.Position = 6;

        float[] loaded = new float[BlockedLength];
        WeightIO.Load<float>(stream, loaded, Blocked, Identity);

        Assert.Equal(stream.Length - 7, stream.Position);
    }

    [Fact]
    public void Large_tensors_cross_chunk_boundaries_correctly()
    {
        // 300 x 70 floats = 84,000 bytes: more than one 64 KB read chunk and several 4 KB write chunks.
        var map = new TensorMap("big", 300, 70, "[Rows, Columns]", offset: 5, blockRows: 300, blockStride: 0, rowStride: 71, columnStride: 1, initScale: 0.1);
        float[] values = new float[5 + 300 * 71];
        var random = new Random(1);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble() - 0.5f;
        }

        var stream = new MemoryStream();
        WeightIO.Save<float>(stream, values, [map], []);
        float[] loaded = new float[values.Length];
        stream.Position = 0;
        WeightIO.Load<float>(new NonSeekableStream(stream, maxRead: 10_000), loaded, [map], []);

        for (int r = 0; r < 300; r++)
        {
            for (int c = 0; c < 70; c++)
            {
                Assert.Equal(values[map.IndexOf(r, c)], loaded[map.IndexOf(r, c)]);
            }
        }
    }

    [Fact]
    public void Null_stream_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => WeightIO.Save<float>(null!, new float[8], Simple, []));
        Assert.Throws<ArgumentNullException>(() => WeightIO.Load<float>(null!, new float[8], Simple, []));
    }

    [Fact]
    public void Bad_metadata_is_rejected_before_anything_is_written()
    {
        var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => WeightIO.Save<float>(stream, new float[8], Simple, [new("format", "tf")]));
        Assert.Throws<ArgumentException>(() => WeightIO.Save<float>(stream, new float[8], Simple, [new("Hidden", "2"), new("Hidden", "3")]));
        Assert.Equal(0, stream.Length);
    }

    private static (long DataStart, JsonElement Root) ParseIndependently(byte[] file)
    {
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        using JsonDocument document = JsonDocument.Parse(file.AsMemory(8, (int)length));
        return (8 + (long)length, document.RootElement.Clone());
    }

    private static long[] Offsets(JsonElement entry) => Longs(entry.GetProperty("data_offsets"));

    private static long[] Shape(JsonElement entry) => Longs(entry.GetProperty("shape"));

    private static long[] Longs(JsonElement array)
    {
        var values = new List<long>();
        foreach (JsonElement item in array.EnumerateArray())
        {
            values.Add(item.GetInt64());
        }

        return values.ToArray();
    }
}
