// Streaming inference, the way an audio or sensor pipeline runs a recurrent model: one sample in,
// one prediction out, the recurrent state carried in a struct between calls, nothing allocated.
//
// A small model learns to predict the next value of a noisy two-tone signal quantised to 16 levels
// (1,500 SGD steps on random windows, well under a second), then runs over a fresh stretch of the
// signal with Step. The sample is meant to be published with NativeAOT:
//
//   dotnet publish samples/Streaming -c Release -o out/streaming && out/streaming/Streaming
//   dotnet run -c Release --project samples/Streaming [-- --train 1500 --samples 200000 --seed 1]   (JIT)

using System;
using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using RnnGen;

int trainSteps = Option(args, "--train", 1500);
int samples = Option(args, "--samples", 200_000);
int seed = Option(args, "--seed", 1);

Console.WriteLine("RnnGen streaming sample");
// PublishAot also turns off dynamic code under the JIT (to surface AOT problems early), so ask
// whether anything was ever JIT-compiled instead: never, in a NativeAOT binary.
bool aot = JitInfo.GetCompiledMethodCount() == 0;
Console.WriteLine($"runtime    {(aot ? "NativeAOT" : "JIT")}, {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.ProcessArchitecture}");
Console.WriteLine($"model      vanilla RNN, {SignalModel.Vocab} levels in and out, Hidden {SignalModel.Hidden}, truncated BPTT {SignalModel.Truncate}, {SignalModel.ParameterCount:N0} parameters");

// 1. Training: windows of Window + 1 samples; each position predicts the next level.
const int Window = 48;
var model = new SignalModel();
model.Initialize(seed);
var random = new RnnRandom((ulong)seed);
var window = new int[Window + 1];
var clock = Stopwatch.StartNew();
double firstLoss = 0, recentLoss = 0;
for (int step = 1; step <= trainSteps; step++)
{
    var signal = new Signal(ref random);
    signal.Fill(window, start: random.NextInt32(10_000));
    float loss = model.SgdStep(window.AsSpan(0, Window), window.AsSpan(1), learningRate: 0.005f) / Window;
    if (step <= 20) firstLoss += loss / 20;
    if (step > trainSteps - 20) recentLoss += loss / Math.Min(20, trainSteps);
}

Console.WriteLine($"training   {trainSteps} SGD steps on {Window}-sample windows in {clock.Elapsed.TotalMilliseconds:F0} ms: " +
    $"loss/sample {firstLoss:F3} (first 20) -> {recentLoss:F3} (last 20); ln({SignalModel.Vocab}) = {Math.Log(SignalModel.Vocab):F3}");

// 2. Streaming: feed a fresh signal one sample at a time and predict the next one. Each step is
//    timed on its own (the two clock reads, some 20-40 ns, are included) into buffers allocated
//    up front; then the same stream runs again untimed per step for the throughput.
var stream = new Signal(ref random);
var levels = new int[samples + 1];
stream.Fill(levels, start: 0);
var state = default(SignalModel.State);
var logits = new float[SignalModel.Output];
var ticks = new long[samples];
int exact = 0, withinOne = 0;
long allocated = GC.GetAllocatedBytesForCurrentThread();
for (int t = 0; t < samples; t++)
{
    long before = Stopwatch.GetTimestamp();
    model.Step(ref state, levels[t], logits);
    int predicted = ArgMax(logits);
    ticks[t] = Stopwatch.GetTimestamp() - before;

    exact += predicted == levels[t + 1] ? 1 : 0;
    withinOne += Math.Abs(predicted - levels[t + 1]) <= 1 ? 1 : 0;
}

state.Reset();
long start = Stopwatch.GetTimestamp();
for (int t = 0; t < samples; t++)
{
    model.Step(ref state, levels[t], logits);
}

double throughput = Stopwatch.GetElapsedTime(start).TotalNanoseconds / samples;
allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
Array.Sort(ticks);
double Nanoseconds(long t) => t * 1e9 / Stopwatch.Frequency;

Console.WriteLine($"streaming  {samples:N0} samples through Step: next level exact {100.0 * exact / samples:F1}%, within one level {100.0 * withinOne / samples:F1}% (chance {100.0 / SignalModel.Vocab:F1}%)");
Console.WriteLine($"latency    Step + argmax, timed one by one: median {Nanoseconds(ticks[samples / 2]):F0} ns, 99th percentile {Nanoseconds(ticks[(int)(samples * 0.99)]):F0} ns, slowest {Nanoseconds(ticks[^1]) / 1000:F1} us");
Console.WriteLine($"throughput Step alone, back to back: {throughput:F0} ns per step ({1e3 / throughput:F1} million samples/s)");
Console.WriteLine($"allocated  {allocated} bytes while streaming");
return 0;

static int ArgMax(ReadOnlySpan<float> values)
{
    int best = 0;
    for (int i = 1; i < values.Length; i++)
    {
        if (values[i] > values[best]) best = i;
    }

    return best;
}

static int Option(string[] args, string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    if (i < 0) return fallback;
    if (i + 1 < args.Length && int.TryParse(args[i + 1], out int value) && value > 0) return value;
    Console.Error.WriteLine($"{name} needs a positive whole number");
    Environment.Exit(2);
    return fallback;
}

/// <summary>Two tones with random phases plus a little noise, quantised to the model's levels.</summary>
internal readonly struct Signal
{
    private readonly double _phase1, _phase2;
    private readonly ulong _noiseSeed;

    public Signal(ref RnnRandom random)
    {
        _phase1 = random.NextDouble(0, 2 * Math.PI);
        _phase2 = random.NextDouble(0, 2 * Math.PI);
        _noiseSeed = random.NextUInt64();
    }

    public int Level(int t)
    {
        // Noise from a hash of (seed, t): any sample can be computed on its own, in any order.
        var noise = new RnnRandom(_noiseSeed ^ (ulong)t * 0x9E3779B97F4A7C15UL);
        double x = 0.6 * Math.Sin(2 * Math.PI * t / 29 + _phase1) + 0.3 * Math.Sin(2 * Math.PI * t / 7 + _phase2)
            + noise.NextDouble(-0.05, 0.05);
        return Math.Clamp((int)((x + 1) / 2 * SignalModel.Vocab), 0, SignalModel.Vocab - 1);
    }

    public void Fill(Span<int> destination, int start)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = Level(start + i);
    }
}

/// <summary>16 signal levels in, a distribution over the next level out; 32 hidden units, BPTT truncated at 8.</summary>
[RnnModel(Hidden = 32, Vocab = 16, MaxSteps = 64, Truncate = 8)]
internal partial class SignalModel { }
