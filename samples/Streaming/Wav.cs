using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace Streaming;

/// <summary>Audio as floats in [-1, 1], one array per channel, and the sample rate.</summary>
internal sealed record Audio(float[][] Channels, int SampleRate)
{
    public int Length => Channels[0].Length;

    public double Seconds => (double)Length / SampleRate;
}

/// <summary>
/// Reads and writes RIFF/WAVE files: integer PCM of 8, 16, 24 or 32 bits and IEEE float of 32 or 64 bits, any
/// number of channels (WAVE_FORMAT_EXTENSIBLE included); writes 32-bit float, which every audio tool reads.
/// </summary>
internal static class Wav
{
    public static Audio Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> bytes = file;
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"'{path}' is not a WAV file (no RIFF/WAVE header).");
        }

        int format = 0, channels = 0, rate = 0, bits = 0;
        ReadOnlySpan<byte> data = default;
        bool haveData = false;
        int at = 12;
        while (at + 8 <= bytes.Length)
        {
            ReadOnlySpan<byte> id = bytes.Slice(at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 4)..]);
            int body = at + 8;
            int available = (int)Math.Min(size, bytes.Length - body); // a truncated data chunk keeps what is there
            if (id.SequenceEqual("fmt "u8) && available >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[body..]);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 2)..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes[(body + 4)..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 14)..]);
                if (format == 0xFFFE && available >= 26)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 24)..]); // the sub-format GUID starts with the format tag
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                data = bytes.Slice(body, available);
                haveData = true;
            }

            at = body + (int)Math.Min(size + (size & 1), int.MaxValue - body); // chunks are padded to even sizes
        }

        if (channels == 0 || !haveData)
        {
            throw new InvalidDataException($"'{path}' has no {(channels == 0 ? "fmt" : "data")} chunk.");
        }

        if (!(format == 1 && bits is 8 or 16 or 24 or 32) && !(format == 3 && bits is 32 or 64))
        {
            throw new InvalidDataException($"'{path}' holds format {format} with {bits} bits per sample; only PCM (8, 16, 24, 32 bits) and IEEE float (32, 64 bits) are read.");
        }

        int frameBytes = channels * bits / 8;
        int frames = data.Length / frameBytes;
        var audio = new float[channels][];
        for (int c = 0; c < channels; c++) audio[c] = new float[frames];
        for (int f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<byte> s = data.Slice(f * frameBytes + c * bits / 8, bits / 8);
                audio[c][f] = (format, bits) switch
                {
                    (1, 8) => (s[0] - 128) / 128f,
                    (1, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                    (1, 24) => ((s[2] << 24 | s[1] << 16 | s[0] << 8) >> 8) / 8388608f,
                    (1, 32) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
                    (3, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                    _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
                };
            }
        }

        return new Audio(audio, rate);
    }

    public static void Write(string path, Audio audio)
    {
        // 32-bit IEEE float: what the model computes, unrounded, so two runs' files can be compared sample by sample.
        int channels = audio.Channels.Length, frames = audio.Length;
        int dataBytes = frames * channels * 4;
        var bytes = new byte[44 + dataBytes];
        Span<byte> b = bytes;
        Encoding.ASCII.GetBytes("RIFF", b);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], 36 + dataBytes);
        Encoding.ASCII.GetBytes("WAVEfmt ", b[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(b[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(b[20..], 3);
        BinaryPrimitives.WriteInt16LittleEndian(b[22..], (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(b[24..], audio.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(b[28..], audio.SampleRate * channels * 4);
        BinaryPrimitives.WriteInt16LittleEndian(b[32..], (short)(channels * 4));
        BinaryPrimitives.WriteInt16LittleEndian(b[34..], 32);
        Encoding.ASCII.GetBytes("data", b[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(b[40..], dataBytes);
        for (int f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(b[(44 + (f * channels + c) * 4)..], audio.Channels[c][f]);
            }
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllBytes(path, bytes);
    }
}
