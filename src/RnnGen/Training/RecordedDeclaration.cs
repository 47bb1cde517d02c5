using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// A model's declaration as its own weight file records it (every <c>rnngen.*</c> key: sizes, cell, precision,
/// version), read from the header its <c>SaveWeights</c> writes, so that the training tools learn a model's layout from
/// the model itself.
/// </summary>
internal static class RecordedDeclaration
{
    /// <summary>The <c>rnngen.*</c> entries of the header <paramref name="model"/>'s <c>SaveWeights</c> writes.</summary>
    /// <exception cref="InvalidDataException">SaveWeights wrote no complete safetensors header.</exception>
    public static Dictionary<string, string> Read<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        var header = new HeaderCapture();
        model.SaveWeights(header);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> pair in IO.SafeTensorsHeader.Parse(header.Json).Metadata)
        {
            if (pair.Key.StartsWith("rnngen.", StringComparison.Ordinal))
            {
                metadata.Add(pair.Key, pair.Value);
            }
        }

        return metadata;
    }

    /// <summary>
    /// A stream that keeps the header of the safetensors file written to it and drops the tensors' data, so that a
    /// model's recorded declaration is read without a copy of its weights.
    /// </summary>
    private sealed class HeaderCapture : Stream
    {
        private byte[] _bytes = new byte[8];
        private int _filled;
        private int _needed = 8; // the length prefix, then the prefix and the header it announces
        private long _written;

        public ReadOnlySpan<byte> Json => _needed > 8 && _filled == _needed
            ? _bytes.AsSpan(8)
            : throw new InvalidDataException("The model's SaveWeights wrote no complete safetensors header.");

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _written += buffer.Length;
            while (!buffer.IsEmpty && _filled < _needed)
            {
                int count = Math.Min(buffer.Length, _needed - _filled);
                buffer[..count].CopyTo(_bytes.AsSpan(_filled));
                _filled += count;
                buffer = buffer[count..];
                if (_needed == 8 && _filled == 8)
                {
                    ulong length = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_bytes);
                    if (length is 0 or > IO.SafeTensorsHeader.MaxHeaderLength)
                    {
                        throw new InvalidDataException($"The model's SaveWeights wrote a header length of {length} bytes.");
                    }

                    _needed = 8 + (int)length;
                    Array.Resize(ref _bytes, _needed);
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
