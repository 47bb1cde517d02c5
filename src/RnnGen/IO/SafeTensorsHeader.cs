using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace RnnGen.IO;

/// <summary>
/// The header of a safetensors file: the tensors it holds and its optional <c>__metadata__</c>.
/// </summary>
/// <remarks>
/// <para>
/// A safetensors file is an 8-byte little-endian header length <c>N</c>, then <c>N</c> bytes of UTF-8 JSON
/// (possibly right-padded with spaces), then the data buffer. The JSON object maps each tensor name to
/// <c>{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}</c>, offsets being relative to the
/// start of the data buffer; the optional key <c>__metadata__</c> maps to an object of strings.
/// </para>
/// <para>
/// Reading is strict, because the file may come from anywhere: every entry must be well formed, the byte
/// range of each tensor must match its dtype and shape, and the ranges must tile the data buffer from 0
/// without gaps or overlaps. Any violation throws <see cref="InvalidDataException"/> with a message that
/// names the offending tensor. Only the header is read; nothing is allocated in proportion to sizes in the
/// file except the header itself, which is capped at <see cref="MaxHeaderLength"/> bytes.
/// </para>
/// </remarks>
public sealed class SafeTensorsHeader
{
    /// <summary>The longest header accepted: 100,000,000 bytes (the limit of the reference implementation).</summary>
    public const int MaxHeaderLength = 100_000_000;

    private const int InitialHeaderBuffer = 1 << 16;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        // Root object, tensor entry, shape array: 3 levels. A little headroom lets unknown fields nest a bit.
        MaxDepth = 8,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsHeader(long headerLength, List<SafeTensorInfo> tensors, Dictionary<string, SafeTensorInfo> byName, Dictionary<string, string> metadata, bool hasMetadata)
    {
        HeaderLength = headerLength;
        Tensors = tensors.AsReadOnly();
        _byName = byName;
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
        HasMetadata = hasMetadata;
        DataLength = tensors.Count == 0 ? 0 : tensors[^1].DataEnd;
    }

    /// <summary>The tensors, in the order of their data (ascending <see cref="SafeTensorInfo.DataBegin"/>).</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> pairs; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Whether the header has a <c>__metadata__</c> entry (files written by PyTorch usually do not).</summary>
    public bool HasMetadata { get; }

    /// <summary>The length <c>N</c> of the JSON header in bytes, padding included.</summary>
    public long HeaderLength { get; }

    /// <summary>Offset of the data buffer from the start of the file: <c>8 + HeaderLength</c>.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>Length of the data buffer: the end offset of the last tensor.</summary>
    public long DataLength { get; }

    /// <summary>Finds a tensor by name.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeTensorInfo? tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out tensor);
    }

    /// <summary>
    /// Reads the header length and the header from <paramref name="stream"/>, leaving it positioned at the
    /// start of the data buffer. The stream is read sequentially and need not be seekable; when it is, its
    /// length is used to reject a header or a data buffer that cannot fit before reading them.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file.</exception>
    public static SafeTensorsHeader Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long available = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : -1;

        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < prefix.Length)
        {
            throw new InvalidDataException(
                $"Not a safetensors file: it is only {got} bytes long, but a safetensors file starts with an 8-byte header length.");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length == 0)
        {
            throw new InvalidDataException("Not a safetensors file: its header length is 0.");
        }

        if (length > MaxHeaderLength)
        {
            throw new InvalidDataException(
                $"Not a safetensors file: its header length is {length} bytes, more than the limit of {MaxHeaderLength} bytes (100 MB).");
        }

        if (available >= 0 && (long)length > available - 8)
        {
            throw HeaderTruncated((long)length, available - 8);
        }

        byte[] json = ReadHeaderBytes(stream, (int)length);
        SafeTensorsHeader header = ParseCore(json, (long)length);

        if (available >= 0 && header.DataLength > available - header.DataStart)
        {
            throw new InvalidDataException(
                $"The safetensors file is truncated: its header describes {header.DataLength} bytes of tensor data, " +
                $"but only {available - header.DataStart} bytes follow the header.");
        }

        return header;
    }

    /// <summary>
    /// Parses the JSON part of a header (without the 8-byte length prefix). Trailing spaces are allowed.
    /// </summary>
    /// <exception cref="InvalidDataException">The JSON is not a well-formed safetensors header.</exception>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            throw new InvalidDataException("The safetensors header is empty.");
        }

        if (utf8Json.Length > MaxHeaderLength)
        {
            throw new InvalidDataException($"The safetensors header is {utf8Json.Length} bytes long, more than the limit of {MaxHeaderLength} bytes (100 MB).");
        }

        return ParseCore(utf8Json, utf8Json.Length);
    }

    private static InvalidDataException HeaderTruncated(long length, long available) =>
        new($"The safetensors file is truncated or not a safetensors file: its header length is {length} bytes, " +
            $"longer than the {Math.Max(available, 0)} bytes that follow it.");

    // Grows the buffer as bytes actually arrive, so a lying length on a short, non-seekable stream
    // costs at most about twice what the stream really holds.
    private static byte[] ReadHeaderBytes(Stream stream, int length)
    {
        byte[] buffer = new byte[Math.Min(length, InitialHeaderBuffer)];
        int filled = 0;
        while (true)
        {
            filled += stream.ReadAtLeast(buffer.AsSpan(filled), buffer.Length - filled, throwOnEndOfStream: false);
            if (filled < buffer.Length)
            {
                throw HeaderTruncated(length, filled);
            }

            if (filled == length)
            {
                return buffer;
            }

            Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
        }
    }

    private static SafeTensorsHeader ParseCore(ReadOnlySpan<byte> json, long headerLength)
    {
        if (!Utf8.IsValid(json))
        {
            throw new InvalidDataException("The safetensors header is not valid UTF-8 text.");
        }

        var tensors = new List<SafeTensorInfo>();
        var byName = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool hasMetadata = false;

        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidDataException("The safetensors header is not a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                reader.Read();
                if (key == "__metadata__")
                {
                    if (hasMetadata)
                    {
                        throw new InvalidDataException("The safetensors header has '__metadata__' twice.");
                    }

                    hasMetadata = true;
                    ReadMetadata(ref reader, metadata);
                }
                else
                {
                    if (byName.ContainsKey(key))
                    {
                        throw new InvalidDataException($"The safetensors header lists tensor '{key}' twice.");
                    }

                    SafeTensorInfo tensor = ReadEntry(ref reader, key);
                    byName.Add(key, tensor);
                    tensors.Add(tensor);
                }
            }

            // Anything after the root object (other than whitespace) makes the reader throw here.
            if (reader.Read())
            {
                throw new InvalidDataException("The safetensors header has text after its JSON object.");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The safetensors header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString on a string whose escapes do not form valid UTF-16 (a lone surrogate).
            throw new InvalidDataException($"The safetensors header has an invalid string: {e.Message}", e);
        }

        CheckLayout(tensors);
        return new SafeTensorsHeader(headerLength, tensors, byName, metadata, hasMetadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException(
                $"The safetensors '__metadata__' is {Describe(reader.TokenType)}, but it must be an object of strings.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new InvalidDataException(
                    $"The safetensors '__metadata__' entry '{key}' is {Describe(reader.TokenType)}, but metadata values must be strings.");
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw new InvalidDataException($"The safetensors '__metadata__' has key '{key}' twice.");
            }
        }
    }

    private static SafeTensorInfo ReadEntry(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException(
                $"The safetensors header entry for tensor '{name}' is {Describe(reader.TokenType)}, but it must be an object with dtype, shape and data_offsets.");
        }

        string? dtypeName = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    CheckOnce(dtypeName is null, name, field);
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new InvalidDataException($"Tensor '{name}' has a 'dtype' that is {Describe(reader.TokenType)}, but it must be a string such as \"F32\".");
                    }

                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    CheckOnce(shape is null, name, field);
                    shape = ReadIntegers(ref reader, name, field, "dimension");
                    break;
                case "data_offsets":
                    CheckOnce(offsets is null, name, field);
                    offsets = ReadIntegers(ref reader, name, field, "offset");
                    break;
                default:
                    // The format may grow fields; like the reference implementation, ignore them.
                    reader.Skip();
                    break;
            }
        }

        if (dtypeName is null || shape is null || offsets is null)
        {
            string missing = dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new InvalidDataException($"Tensor '{name}' has no '{missing}' in the safetensors header.");
        }

        if (!SafeTensorsDTypes.TryParse(dtypeName, out SafeTensorsDType dtype))
        {
            throw new InvalidDataException(
                $"Tensor '{name}' has unknown dtype '{dtypeName}'; the safetensors dtypes are {SafeTensorsDTypes.KnownNames}.");
        }

        string shapeText = SafeTensorInfo.FormatShape(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shape));
        long count = 1;
        long bytes;
        try
        {
            foreach (long dimension in shape)
            {
                count = checked(count * dimension);
            }

            bytes = checked(count * SafeTensorsDTypes.GetSize(dtype));
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"Tensor '{name}' has shape {shapeText}, whose size overflows a 64-bit integer.");
        }

        if (offsets.Count != 2)
        {
            throw new InvalidDataException(
                $"Tensor '{name}' has {offsets.Count} data_offsets, but it must have exactly 2: [begin, end].");
        }

        long begin = offsets[0], end = offsets[1];
        if (end < begin)
        {
            throw new InvalidDataException($"Tensor '{name}' has data_offsets [{begin}, {end}]: the end is before the begin.");
        }

        if (end - begin != bytes)
        {
            throw new InvalidDataException(
                $"Tensor '{name}' has dtype {dtypeName} and shape {shapeText}, so it needs {bytes} bytes, " +
                $"but its data_offsets [{begin}, {end}] span {end - begin} bytes.");
        }

        return new SafeTensorInfo(name, dtype, [.. shape], count, begin, end);
    }

    private static void CheckOnce(bool first, string name, string field)
    {
        if (!first)
        {
            throw new InvalidDataException($"Tensor '{name}' has '{field}' twice in the safetensors header.");
        }
    }

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string name, string field, string what)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidDataException($"Tensor '{name}' has a '{field}' that is {Describe(reader.TokenType)}, but it must be an array of integers.");
        }

        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw new InvalidDataException($"Tensor '{name}' has a '{field}' containing {Describe(reader.TokenType)}, but it must contain only integers.");
            }

            if (!reader.TryGetInt64(out long value))
            {
                string text = Encoding.UTF8.GetString(reader.ValueSpan);
                throw new InvalidDataException($"Tensor '{name}' has a '{field}' containing {text}, which is not a whole number that fits in 64 bits.");
            }

            if (value < 0)
            {
                throw new InvalidDataException($"Tensor '{name}' has a negative {what} ({value}) in its '{field}'.");
            }

            values.Add(value);
        }

        return values;
    }

    // The format requires the tensors' byte ranges, in order, to cover the data buffer exactly.
    private static void CheckLayout(List<SafeTensorInfo> tensors)
    {
        var order = new int[tensors.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Zero-length tensors may share an offset: sort by (begin, end) and keep header order for ties.
        Array.Sort(order, (a, b) =>
        {
            int c = tensors[a].DataBegin.CompareTo(tensors[b].DataBegin);
            if (c == 0)
            {
                c = tensors[a].DataEnd.CompareTo(tensors[b].DataEnd);
            }

            return c != 0 ? c : a.CompareTo(b);
        });

        var sorted = new SafeTensorInfo[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            sorted[i] = tensors[order[i]];
        }

        long expected = 0;
        string? previous = null;
        foreach (SafeTensorInfo tensor in sorted)
        {
            if (tensor.DataBegin > expected)
            {
                throw new InvalidDataException(previous is null
                    ? $"Tensor '{tensor.Name}' starts at byte {tensor.DataBegin} of the data buffer, but the data must start at byte 0: the safetensors format does not allow gaps."
                    : $"Tensor '{tensor.Name}' starts at byte {tensor.DataBegin} of the data buffer, but the previous tensor '{previous}' ends at byte {expected}: the safetensors format does not allow gaps.");
            }

            if (tensor.DataBegin < expected)
            {
                throw new InvalidDataException(
                    $"Tensor '{tensor.Name}' starts at byte {tensor.DataBegin} of the data buffer, which overlaps tensor '{previous}' (ending at byte {expected}).");
            }

            expected = tensor.DataEnd;
            previous = tensor.Name;
        }

        tensors.Clear();
        tensors.AddRange(sorted);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
