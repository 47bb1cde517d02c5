using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen.IO;

/// <summary>
/// Writes a safetensors file to a stream, sequentially: declare every tensor (and any metadata), write the
/// header, then write the tensors' data in declaration order, then <see cref="Complete"/>.
/// </summary>
/// <remarks>
/// Tensors are laid out contiguously from offset 0 in the order they are added, as the format requires.
/// The JSON header is padded with spaces so that the data buffer starts at a multiple of 8 bytes, and
/// <c>__metadata__</c>, when present, comes first. The writer checks that exactly the declared number of bytes
/// is written. It never seeks, closes or disposes the stream.
/// </remarks>
/// <example>
/// <code>
/// var writer = new SafeTensorsWriter(stream);
/// writer.AddMetadata("format", "pt");
/// writer.AddTensor("output.bias", SafeTensorsDType.F32, [3]);
/// writer.WriteHeader();
/// writer.WriteValues&lt;float&gt;([0.5f, -1f, 2f]);
/// writer.Complete();
/// </code>
/// </example>
public sealed class SafeTensorsWriter
{
    private const int ChunkBytes = 4096;

    private readonly Stream _stream;
    private readonly List<SafeTensorInfo> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _metadata = [];
    private readonly HashSet<string> _metadataKeys = new(StringComparer.Ordinal);
    private State _state;
    private long _dataLength;
    private long _written;
    private int _current; // index of the tensor that byte _written belongs to

    private enum State
    {
        Declaring,
        WritingData,
        Completed,
    }

    /// <summary>Creates a writer that writes to <paramref name="stream"/>; nothing is written until <see cref="WriteHeader"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public SafeTensorsWriter(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        _stream = stream;
    }

    /// <summary>The tensors declared so far, with their data offsets.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors => _tensors;

    /// <summary>Total bytes of tensor data declared so far.</summary>
    public long DataLength => _dataLength;

    /// <summary>Adds a <c>__metadata__</c> pair. Call before <see cref="WriteHeader"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> was already added.</exception>
    /// <exception cref="InvalidOperationException">The header has been written.</exception>
    public void AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        RequireState(State.Declaring, "Metadata must be added before the header is written.");
        if (!_metadataKeys.Add(key))
        {
            throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        }

        _metadata.Add(new(key, value));
    }

    /// <summary>
    /// Declares the next tensor; its data follows the previous tensor's. Call before <see cref="WriteHeader"/>.
    /// </summary>
    /// <returns>The entry, with its data offsets.</returns>
    /// <exception cref="ArgumentException">
    /// The name is empty, <c>__metadata__</c> or already used; the dtype is undefined; a dimension is negative;
    /// or the size overflows.
    /// </exception>
    /// <exception cref="InvalidOperationException">The header has been written.</exception>
    public SafeTensorInfo AddTensor(string name, SafeTensorsDType dtype, ReadOnlySpan<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RequireState(State.Declaring, "Tensors must be added before the header is written.");
        if (name == "__metadata__")
        {
            throw new ArgumentException("'__metadata__' is reserved for metadata and cannot name a tensor.", nameof(name));
        }

        if (_names.Contains(name))
        {
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        }

        int size = SafeTensorsDTypes.GetSize(dtype);
        long count = 1;
        long end;
        try
        {
            foreach (long dimension in shape)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
                count = checked(count * dimension);
            }

            end = checked(_dataLength + checked(count * size));
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"The size of tensor '{name}' overflows a 64-bit integer.", nameof(shape));
        }

        var tensor = new SafeTensorInfo(name, dtype, ImmutableArray.Create(shape.ToArray()), count, _dataLength, end);
        _names.Add(name);
        _tensors.Add(tensor);
        _dataLength = end;
        return tensor;
    }

    /// <summary>Writes the 8-byte header length and the JSON header. No tensor or metadata can be added afterwards.</summary>
    /// <exception cref="InvalidOperationException">The header has already been written.</exception>
    public void WriteHeader()
    {
        RequireState(State.Declaring, "The header has already been written.");

        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false }))
        {
            writer.WriteStartObject();
            if (_metadata.Count > 0)
            {
                writer.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> pair in _metadata)
                {
                    writer.WriteString(pair.Key, pair.Value);
                }

                writer.WriteEndObject();
            }

            foreach (SafeTensorInfo tensor in _tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", SafeTensorsDTypes.GetName(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(tensor.DataBegin);
                writer.WriteNumberValue(tensor.DataEnd);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        // Pad with spaces so the data buffer starts 8-byte aligned (8 + length is a multiple of 8).
        int padding = (8 - json.WrittenCount % 8) % 8;
        if (json.WrittenCount + padding > SafeTensorsHeader.MaxHeaderLength)
        {
            throw new InvalidOperationException($"The header would be {json.WrittenCount + padding} bytes, more than readers accept ({SafeTensorsHeader.MaxHeaderLength}).");
        }

        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.WrittenCount + padding));
        _stream.Write(prefix);
        _stream.Write(json.WrittenSpan);
        Span<byte> spaces = stackalloc byte[8];
        spaces.Fill((byte)' ');
        _stream.Write(spaces[..padding]);

        _state = State.WritingData;
        Advance();
    }

    /// <summary>Writes raw little-endian data bytes, continuing where the previous write stopped.</summary>
    /// <exception cref="InvalidOperationException">
    /// The header has not been written, or the bytes go beyond the declared data.
    /// </exception>
    public void WriteData(ReadOnlySpan<byte> data)
    {
        RequireState(State.WritingData, "Write the header before the data, and do not write after Complete.");
        if (data.Length > _dataLength - _written)
        {
            throw new InvalidOperationException($"{data.Length} bytes go beyond the declared data: only {_dataLength - _written} of {_dataLength} bytes remain.");
        }

        _stream.Write(data);
        _written += data.Length;
        Advance();
    }

    /// <summary>
    /// Writes values, converting each to the dtype of the tensor it lands in (round to nearest even).
    /// The values may span several tensors; every one of them must have a floating-point dtype
    /// (F16, BF16, F32, F64), and the write must start on an element boundary.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The header has not been written, the values go beyond the declared data, a tensor they land in has a
    /// non-floating-point dtype, or a previous <see cref="WriteData"/> stopped inside an element.
    /// </exception>
    public void WriteValues<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        RequireState(State.WritingData, "Write the header before the data, and do not write after Complete.");
        Span<byte> chunk = stackalloc byte[ChunkBytes];
        while (!values.IsEmpty)
        {
            if (_current >= _tensors.Count)
            {
                throw new InvalidOperationException($"{values.Length} values go beyond the declared data ({_dataLength} bytes).");
            }

            SafeTensorInfo tensor = _tensors[_current];
            if (!SafeTensorsDTypes.IsConvertible(tensor.DType))
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' has dtype {SafeTensorsDTypes.GetName(tensor.DType)}; write its bytes with WriteData.");
            }

            int size = SafeTensorsDTypes.GetSize(tensor.DType);
            long done = _written - tensor.DataBegin;
            if (done % size != 0)
            {
                throw new InvalidOperationException($"The data written so far stops inside an element of tensor '{tensor.Name}'.");
            }

            long left = tensor.ElementCount - done / size;
            int n = (int)Math.Min(Math.Min(left, values.Length), ChunkBytes / size);
            SafeTensorsConvert.Encode(values[..n], tensor.DType, chunk);
            WriteData(chunk[..(n * size)]);
            values = values[n..];
        }
    }

    /// <summary>Checks that all declared data has been written, and flushes the stream.</summary>
    /// <exception cref="InvalidOperationException">Data is missing, or the header has not been written.</exception>
    public void Complete()
    {
        RequireState(State.WritingData, "Write the header and the data before Complete, and call Complete once.");
        if (_written != _dataLength)
        {
            throw new InvalidOperationException($"Only {_written} of the {_dataLength} declared data bytes have been written.");
        }

        _stream.Flush();
        _state = State.Completed;
    }

    // Moves _current past every tensor that is complete (empty tensors are complete from the start).
    private void Advance()
    {
        while (_current < _tensors.Count && _tensors[_current].DataEnd <= _written)
        {
            _current++;
        }
    }

    private void RequireState(State state, string message)
    {
        if (_state != state)
        {
            throw new InvalidOperationException(message);
        }
    }
}
