using System;
using RnnGen;

namespace Streaming;

/// <summary>
/// The effect the model learns to imitate: soft clipping with memory, as in a simple overdrive pedal. A
/// pre-emphasis filter boosts the highs before a tanh clipper (so bright notes clip sooner), and a one-pole
/// low-pass smooths the result. Its output depends on the current sample and on what came before.
/// </summary>
internal struct Effect
{
    private const float Drive = 3f, Emphasis = 0.5f, Smoothing = 0.6f;

    private float _previousInput, _previousOutput;

    public float Process(float x)
    {
        float clipped = MathF.Tanh(Drive * (x - Emphasis * _previousInput));
        _previousInput = x;
        _previousOutput = Smoothing * _previousOutput + (1 - Smoothing) * clipped;
        return _previousOutput;
    }

    public static void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        var effect = default(Effect);
        for (int i = 0; i < input.Length; i++) output[i] = effect.Process(input[i]);
    }
}

/// <summary>Test signals at 48 kHz: plucked notes with harmonics and a decay, at varied loudness, and sweeps.</summary>
internal static class Signals
{
    public const int SampleRate = 48_000;

    /// <summary>A melody of plucked notes, for the demo input.</summary>
    public static float[] Melody(double seconds, ulong seed)
    {
        var random = new RnnRandom(seed);
        var samples = new float[(int)(seconds * SampleRate)];
        int at = 0;
        while (at < samples.Length)
        {
            int length = (int)(SampleRate * random.NextDouble(0.15, 0.5));
            Pluck(samples.AsSpan(at, Math.Min(length, samples.Length - at)), 110 * Math.Pow(2, random.NextInt32(30) / 12.0), random.NextDouble(0.15, 0.9));
            at += length;
        }

        return samples;
    }

    /// <summary>
    /// A window of training signal: a plucked note, a sine sweep or noise, at a random loudness, so the model
    /// sees quiet (nearly linear) and loud (clipped) passages at many frequencies.
    /// </summary>
    public static void TrainingWindow(Span<float> window, ref RnnRandom random)
    {
        double amplitude = random.NextDouble(0.05, 1.0);
        switch (random.NextInt32(3))
        {
            case 0:
                Pluck(window, 55 * Math.Pow(2, random.NextDouble(0, 6)), amplitude, phase: random.NextInt32(SampleRate));
                break;
            case 1:
                double f0 = random.NextDouble(50, 6000), f1 = random.NextDouble(50, 6000), phase = random.NextDouble(0, 2 * Math.PI);
                for (int i = 0; i < window.Length; i++)
                {
                    double f = f0 + (f1 - f0) * i / window.Length;
                    phase += 2 * Math.PI * f / SampleRate;
                    window[i] = (float)(amplitude * Math.Sin(phase));
                }

                break;
            default:
                float smooth = 0;
                double cutoff = random.NextDouble(0.05, 1);
                for (int i = 0; i < window.Length; i++)
                {
                    smooth += (float)(cutoff * (random.NextDouble(-1, 1) * amplitude - smooth));
                    window[i] = smooth;
                }

                break;
        }
    }

    private static void Pluck(Span<float> destination, double frequency, double amplitude, int phase = 0)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            double t = (double)(i + phase) / SampleRate;
            double envelope = amplitude * Math.Exp(-3 * t) * Math.Min(1, i / 48.0);
            double v = 0;
            for (int h = 1; h <= 4; h++) v += Math.Sin(2 * Math.PI * frequency * h * t) / h;
            destination[i] = (float)(envelope * v / 1.6);
        }
    }
}
