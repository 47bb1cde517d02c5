using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime;
using System.Runtime.InteropServices;
using RnnGen;
using RnnGen.Training;

namespace Streaming;

internal sealed record StreamingOptions
{
    public string? Input { get; init; }
    public string OutputDirectory { get; init; } = Path.Combine("out", "streaming");
    public double Seconds { get; init; } = 4;
    public int Windows { get; init; } = 1500;
    public int Epochs { get; init; } = 10;
    public int Seed { get; init; } = 1;
}

/// <param name="HeldOutLoss">Squared error per sample on held-out windows after training.</param>
/// <param name="SignalToError">How close the model's output is to the real effect on the whole input, in dB.</param>
/// <param name="StepVersusPredict">The largest difference between Step, one sample at a time, and Predict over chunks of the same input.</param>
/// <param name="StepNanoseconds">Mean time of one Step, back to back.</param>
/// <param name="Allocated">Bytes allocated while streaming, one stream at a time and batched.</param>
/// <param name="Channels">Channels of the input: streams of one batched Step per frame.</param>
/// <param name="BatchedVersusSingle">The largest difference between the batched Step (every channel in one call per frame) and one Step per channel.</param>
/// <param name="FrameNanoseconds">Mean time of one batched Step over every channel of a frame, back to back.</param>
/// <param name="WeightsFile">The trained weights (safetensors), which the native host in Native/ loads.</param>
internal sealed record StreamingResult(double UntrainedLoss, double HeldOutLoss, double SignalToError, double StepVersusPredict, double StepNanoseconds, long Allocated, int Channels, double BatchedVersusSingle, double FrameNanoseconds, string InputFile, string OutputFile, string WeightsFile);

internal static class StreamingSample
{
    private const int Window = EffectModel.MaxSteps;

    public static StreamingResult Run(StreamingOptions options, TextWriter output)
    {
        // PublishAot also turns off dynamic code under the JIT (to surface AOT problems early), so ask
        // whether anything was ever JIT-compiled instead: never, in a NativeAOT binary.
        bool aot = JitInfo.GetCompiledMethodCount() == 0;
        output.WriteLine("RnnGen streaming sample: an LSTM imitates an overdrive effect, one sample at a time");
        output.WriteLine($"runtime    {(aot ? "NativeAOT" : "JIT")}, {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.ProcessArchitecture}");
        output.WriteLine($"model      LSTM, Hidden {EffectModel.Hidden}, 1 sample in, 1 out, {EffectModel.ParameterCount:N0} parameters; the effect: pre-emphasis, tanh soft clipping, one-pole low-pass");

        // 1. The input, read first so that a bad file is reported before any training: a WAV file, or a generated
        //    melody written as one.
        Directory.CreateDirectory(options.OutputDirectory);
        string inputFile = options.Input ?? Path.Combine(options.OutputDirectory, "input.wav");
        if (options.Input is not null && !File.Exists(options.Input))
        {
            throw new RnnGen.Samples.SampleArgsException($"--input: there is no file '{options.Input}'.");
        }

        if (options.Input is null)
        {
            // Stereo: two melodies, so that the batched Step below has two streams to carry.
            Wav.Write(inputFile, new Audio([Signals.Melody(options.Seconds, (ulong)options.Seed + 7), Signals.Melody(options.Seconds, (ulong)options.Seed + 8)], Signals.SampleRate));
        }

        Audio input = Wav.Read(inputFile);
        int length = input.Length, channels = input.Channels.Length;
        if (length == 0) throw new InvalidDataException($"'{inputFile}' holds no samples.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"input      {inputFile}: {input.Seconds:F2} s, {channels} channel(s) at {input.SampleRate} Hz{(options.Input is null ? " (generated)" : "")}"));

        // 2. Training on generated windows (notes, sweeps, noise at random loudness) against the real effect.
        var random = new RnnRandom((ulong)options.Seed);
        List<TrainingSequence<float, float>> MakeWindows(int count)
        {
            var windows = new List<TrainingSequence<float, float>>(count);
            for (int w = 0; w < count; w++)
            {
                var x = new float[Window];
                var y = new float[Window];
                Signals.TrainingWindow(x, ref random);
                Effect.Apply(x, y);
                windows.Add(new TrainingSequence<float, float>(x, y));
            }

            return windows;
        }

        List<TrainingSequence<float, float>> train = MakeWindows(options.Windows), heldOut = MakeWindows(Math.Max(10, options.Windows / 10));
        var model = new EffectModel();
        model.Initialize(options.Seed);
        var trainer = new Trainer<float, float, float>(model, new Adam<float>(model.Parameters.Length, 0.01f), new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = 16,
            Seed = (ulong)options.Seed,
            ClipNorm = 1,
            Schedule = LearningRateSchedule.Cosine(options.Epochs, 0.0005),
        });
        double untrained = trainer.Evaluate(heldOut);
        var clock = Stopwatch.StartNew();
        TrainingResult result = trainer.Fit(train, heldOut);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training   {result.Epochs} epochs of Adam over {train.Count:N0} windows of {Window} samples in {clock.Elapsed.TotalSeconds:F1} s: held-out squared error per sample {untrained:G3} -> {result.BestLoss:G3}"));

        // The trained weights, with PyTorch's names: what a native host (Native/stream.c) loads into the same model.
        string weightsFile = Path.Combine(options.OutputDirectory, "effect.safetensors");
        using (FileStream file = File.Create(weightsFile)) model.SaveWeights(file);
        output.WriteLine($"weights    {weightsFile}");

        // 3. Streaming: every channel through Step, one sample at a time, its state in a struct. The first pass times
        //    each step (the two clock reads, some 20-40 ns, included) into a buffer allocated up front; the second runs
        //    back to back for the throughput. Nothing may be allocated in either.
        var processed = new float[channels][];
        for (int c = 0; c < channels; c++) processed[c] = new float[length];
        var ticks = new long[length];
        var states = new EffectModel.State[Math.Min(channels, EffectModel.Batch)];
        var frame = new float[states.Length];
        var frameOut = new float[states.Length];
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int c = 0; c < channels; c++)
        {
            var state = default(EffectModel.State);
            float[] x = input.Channels[c], y = processed[c];
            for (int t = 0; t < length; t++)
            {
                long before = Stopwatch.GetTimestamp();
                model.Step(ref state, x.AsSpan(t, 1), y.AsSpan(t, 1));
                if (c == 0) ticks[t] = Stopwatch.GetTimestamp() - before;
            }
        }

        long start = Stopwatch.GetTimestamp();
        for (int c = 0; c < channels; c++)
        {
            var state = default(EffectModel.State);
            float[] x = input.Channels[c], y = processed[c];
            for (int t = 0; t < length; t++)
            {
                model.Step(ref state, x.AsSpan(t, 1), y.AsSpan(t, 1));
            }
        }

        double stepNanoseconds = Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)length * channels);

        //    Then every channel at once: one batched Step per sample frame advances up to Batch channels' states together,
        //    reading each weight once for all of them. It must give what one Step per channel gave.
        double batchedVersusSingle = 0;
        // Unlike the single Step, the batched one's kernels are compiled in tiers: unoptimised at first, recompiled once
        // they have run for a while (about 30 calls and 100 ms). A host warms it up once, at load, as here on silence.
        long warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        while (Stopwatch.GetTimestamp() < warm) model.Step(states, frame, frameOut);
        start = Stopwatch.GetTimestamp();
        for (int first = 0; first < channels; first += states.Length)
        {
            int group = Math.Min(states.Length, channels - first);
            Span<EffectModel.State> streams = states.AsSpan(0, group);
            streams.Clear();
            for (int t = 0; t < length; t++)
            {
                for (int c = 0; c < group; c++) frame[c] = input.Channels[first + c][t];
                model.Step(streams, frame.AsSpan(0, group), frameOut);
                for (int c = 0; c < group; c++) batchedVersusSingle = Math.Max(batchedVersusSingle, Math.Abs(frameOut[c] - processed[first + c][t]));
            }
        }

        double frameNanoseconds = Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)length * ((channels + states.Length - 1) / states.Length));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        string outputFile = Path.Combine(options.OutputDirectory, "output.wav");
        Wav.Write(outputFile, new Audio(processed, input.SampleRate));

        // 4. Checks: Step gives what Predict computes over whole chunks (the carried-state overload joins them), and
        //    the model's output is close to the real effect's.
        var chunked = new float[length];
        var chunkState = default(EffectModel.State);
        for (int at = 0; at < length; at += Window)
        {
            int n = Math.Min(Window, length - at);
            model.Predict(input.Channels[0].AsSpan(at, n), chunked.AsSpan(at, n), ref chunkState);
        }

        double difference = 0;
        for (int t = 0; t < length; t++) difference = Math.Max(difference, Math.Abs(chunked[t] - processed[0][t]));

        var reference = new float[length];
        Effect.Apply(input.Channels[0], reference);
        double signal = 0, error = 0;
        for (int t = 0; t < length; t++)
        {
            signal += (double)reference[t] * reference[t];
            error += (double)(reference[t] - processed[0][t]) * (reference[t] - processed[0][t]);
        }

        double snr = 10 * Math.Log10(signal / Math.Max(error, 1e-30));
        Array.Sort(ticks);
        double Nanoseconds(long t) => t * 1e9 / Stopwatch.Frequency;
        double secondOfAudio = stepNanoseconds * Signals.SampleRate / 1e6; // milliseconds per second of 48 kHz audio, one channel

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"output     {outputFile}: the model's output is {snr:F1} dB above its difference from the real effect"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check      Step, sample by sample, equals Predict over {Window}-sample chunks with the state carried: largest difference {difference:G2}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency    one Step, timed one by one: median {Nanoseconds(ticks[length / 2]):F0} ns, 99th percentile {Nanoseconds(ticks[(int)(length * 0.99)]):F0} ns, slowest {Nanoseconds(ticks[^1]) / 1000:F1} us"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput {stepNanoseconds:F0} ns per Step back to back: one second of 48 kHz audio in {secondOfAudio:F2} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"real-time  factor {secondOfAudio / 1000:F4} at 48 kHz per channel ({1000 / secondOfAudio:F0}x faster than real time)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batched    {channels} channel(s), one Step(states, frame, outputs) per sample frame: {frameNanoseconds:F0} ns per frame ({frameNanoseconds / Math.Min(channels, EffectModel.Batch):F0} ns per channel); largest difference from one Step per channel {batchedVersusSingle:G2}"));
        output.WriteLine($"allocated  {allocated} bytes while streaming");
        return new StreamingResult(untrained, result.BestLoss, snr, difference, stepNanoseconds, allocated, channels, batchedVersusSingle, frameNanoseconds, inputFile, outputFile, weightsFile);
    }
}
