using System;
using System.Diagnostics;
using System.Linq;

// Step of an LSTM 16 -> 16 -> 1 (as tools/bench/streaming's lstm16), ns per sample, in five variants of the same
// generated class in one process: Plain (the guard's line removed: the code before the guard), Plain2 (a second copy
// of it, to show what two identical classes differ by), Guarded (as generated: CallGuard's plain flag), Atomic (a
// locked compare-exchange) and Owner (the owning thread's id). Blocks of 48 samples; the variants take turns, in an
// order that rotates each round, after warming up for over a second each; prints each variant's median and the
// median over rounds of its ratio to Plain.   dotnet Guard.dll [ROUNDS]
int rounds = args.Length > 0 ? int.Parse(args[0]) : 31;
var input = new float[48 * 16];
var output = new float[1];
var random = new Random(1);
for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);

var plain = new Plain();
var plain2 = new Plain2();
var guarded = new Guarded();
var atomic = new Atomic();
var owner = new Owner();
var plainState = default(Plain.State);
var plain2State = default(Plain2.State);
var guardedState = default(Guarded.State);
var atomicState = default(Atomic.State);
var ownerState = default(Owner.State);
string[] names = { "Plain", "Plain2", "Guarded", "Atomic", "Owner" };
Func<int, double>[] runs = { PlainRun, Plain2Run, GuardedRun, AtomicRun, OwnerRun };

long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2 * runs.Length;
for (int r = 0; Stopwatch.GetTimestamp() < until; r++) runs[r % runs.Length](2000);
var times = new double[runs.Length][];
for (int v = 0; v < runs.Length; v++) times[v] = new double[rounds];
for (int r = 0; r < rounds; r++)
{
    for (int k = 0; k < runs.Length; k++)
    {
        int v = (r + k) % runs.Length;
        times[v][r] = runs[v](20000);
    }
}

Console.WriteLine($"{rounds} rounds, {Environment.ProcessorCount} cores");
for (int v = 0; v < runs.Length; v++)
{
    double[] ratios = times[v].Select((t, r) => t / times[0][r]).ToArray();
    Console.WriteLine($"{names[v],-8} median {Median(times[v]):F2} ns, ratio to Plain {Median(ratios):F4}");
}

return 0;

static double Median(double[] values)
{
    double[] sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}

double PlainRun(int blocks)
{
    long start = Stopwatch.GetTimestamp();
    for (int b = 0; b < blocks; b++) for (int i = 0; i < 48; i++) plain.Step(ref plainState, input.AsSpan(i * 16, 16), output);
    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (blocks * 48.0);
}

double Plain2Run(int blocks)
{
    long start = Stopwatch.GetTimestamp();
    for (int b = 0; b < blocks; b++) for (int i = 0; i < 48; i++) plain2.Step(ref plain2State, input.AsSpan(i * 16, 16), output);
    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (blocks * 48.0);
}

double GuardedRun(int blocks)
{
    long start = Stopwatch.GetTimestamp();
    for (int b = 0; b < blocks; b++) for (int i = 0; i < 48; i++) guarded.Step(ref guardedState, input.AsSpan(i * 16, 16), output);
    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (blocks * 48.0);
}

double AtomicRun(int blocks)
{
    long start = Stopwatch.GetTimestamp();
    for (int b = 0; b < blocks; b++) for (int i = 0; i < 48; i++) atomic.Step(ref atomicState, input.AsSpan(i * 16, 16), output);
    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (blocks * 48.0);
}

double OwnerRun(int blocks)
{
    long start = Stopwatch.GetTimestamp();
    for (int b = 0; b < blocks; b++) for (int i = 0; i < 48; i++) owner.Step(ref ownerState, input.AsSpan(i * 16, 16), output);
    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (blocks * 48.0);
}
