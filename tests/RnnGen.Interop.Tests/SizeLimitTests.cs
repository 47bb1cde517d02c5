using System;
using System.IO;

namespace RnnGen.Interop.Tests;

/// <summary>Every import refuses a file over its size limit before reading it, and leaves the model untouched.</summary>
public class SizeLimitTests
{
    [Fact]
    public void OnnxOverTheLimitIsRefusedBeforeReading() =>
        Refused(s => OnnxModel.Import(new TokenVanilla(), s), OnnxModel.MaxImportBytes);

    [Fact]
    public void RtNeuralJsonOverTheLimitIsRefusedBeforeReading() =>
        Refused(s => RtNeuralJson.Load(new AudioLstm(), s), RtNeuralJson.MaxBytes);

    [Fact]
    public void KerasWeightsOverTheLimitIsRefusedBeforeReading() =>
        Refused(s => KerasWeights.Load(new AudioLstm(), s), KerasWeights.MaxBytes);

    [Fact]
    public void UnseekableStreamIsCutAtTheLimit()
    {
        var stream = new HugeStream(RtNeuralJson.MaxBytes + 1, seekable: false);
        var e = Assert.Throws<InvalidDataException>(() => RtNeuralJson.Load(new AudioLstm(), stream));
        Assert.Contains($"limit of {RtNeuralJson.MaxBytes} bytes", e.Message);
        Assert.True(stream.Position <= RtNeuralJson.MaxBytes + 81920, $"read {stream.Position} bytes");
    }

    private static void Refused(Action<Stream> load, long limit)
    {
        var stream = new HugeStream(limit + 1, seekable: true);
        var e = Assert.Throws<InvalidDataException>(() => load(stream));
        Assert.Contains($"limit of {limit} bytes", e.Message);
        Assert.Equal(0, stream.Position);
    }

    /// <summary>A stream of zeros that claims a length it never allocates.</summary>
    private sealed class HugeStream(long length, bool seekable) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => seekable;

        public override bool CanWrite => false;

        public override long Length => seekable ? length : throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
