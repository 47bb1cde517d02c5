using System;
using System.IO;
using RnnGen.Training;

namespace RnnGen.Samples;

/// <summary>
/// For the test that kills a sample in the middle of writing a checkpoint. With
/// <c>RNNGEN_SAMPLE_PAUSE_IN_CHECKPOINT=N</c> in the environment, the checkpoint of epoch N is written as the trainer
/// writes every checkpoint (<see cref="AtomicFile.Write"/> of <see cref="Trainer{T, TInput, TTarget}.SaveCheckpoint(Stream)"/>
/// to <see cref="TrainerOptions.CheckpointPath"/>), but the write stops half-way: half the bytes are in the temporary
/// file, the line <c>paused writing the checkpoint of epoch N</c> is printed, and the process waits to be killed (or
/// exits, leaving things as they are, when its standard input closes). Without the variable nothing changes.
/// </summary>
internal static class CheckpointKillPoint
{
    public const string Variable = "RNNGEN_SAMPLE_PAUSE_IN_CHECKPOINT";

    public const string Paused = "paused writing the checkpoint of epoch ";

    /// <summary><paramref name="report"/>, followed in the epoch the environment names by the paused write.</summary>
    public static Action<EpochResult> Around<T, TInput, TTarget>(Trainer<T, TInput, TTarget> trainer, Action<EpochResult> report)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(Variable), out int pauseEpoch) || trainer.Options.CheckpointPath is not { } path)
        {
            return report;
        }

        return epoch =>
        {
            report(epoch);
            if (epoch.Epoch == pauseEpoch)
            {
                using var complete = new MemoryStream();
                trainer.SaveCheckpoint(complete);
                AtomicFile.Write(path, stream => trainer.SaveCheckpoint(new PausingStream(stream, complete.Length / 2, epoch.Epoch)));
            }
        };
    }

    /// <summary>Passes writes on until <c>pauseAt</c> bytes have gone to the file, then pauses for good.</summary>
    private sealed class PausingStream(Stream inner, long pauseAt, int epoch) : Stream
    {
        private long _written;

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
            int count = (int)Math.Min(buffer.Length, pauseAt - _written);
            inner.Write(buffer[..count]);
            _written += count;
            if (_written < pauseAt)
            {
                return;
            }

            inner.Flush(); // the half written so far is in the temporary file, as a kill would find it
            Console.Out.WriteLine(Paused + epoch);
            Console.Out.Flush();
            Console.In.ReadLine(); // blocks until the process is killed; returns only if the test went away
            Environment.Exit(3);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
