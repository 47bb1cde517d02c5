using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using RnnGen;

// The latency of each streaming Step, one sample at a time as an audio callback calls it, over 10 million calls while
// another thread allocates (short-lived garbage and a slowly replaced set of survivors, so gen 0, 1 and 2 collections
// all happen). Prints the first call alone, then p50, p99, p99.99 and the maximum, with the number of collections.
//   dotnet Latency.dll [lstm16|gru16] [calls] [quiet]   (tools/bench/latency.sh runs the three configurations)
// "quiet" leaves the other thread out: what remains is Step's own spread and the operating system's.
string which = args.Length > 0 ? args[0] : "lstm16";
long calls = args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
bool quiet = args.Length > 2 && args[2] == "quiet";
var input = new float[16];
var output = new float[1];
var random = new Random(1);
for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
var lstm = new Lstm16();
var gru = new Gru16();
var lstmState = default(Lstm16.State);
var gruState = default(Gru16.State);

// The first call: what the JIT (or nothing, under NativeAOT) costs the caller once.
long start = Stopwatch.GetTimestamp();
Call();
double firstMicroseconds = Stopwatch.GetElapsedTime(start).TotalMicroseconds;

// The clock's own cost: two timestamps with nothing between them.
var clock = new long[1001];
for (int i = 0; i < 1_000_000; i++)
{
    long a = Stopwatch.GetTimestamp();
    long b = Stopwatch.GetTimestamp();
    clock[Math.Min(b - a, 1000)]++;
}

var stop = false;
var churn = new Thread(() =>
{
    // Ordinary garbage: many small short-lived arrays, and every 64th kept for a while in a ring of 20 000.
    var survivors = new object[20_000];
    long n = 0;
    while (!Volatile.Read(ref stop))
    {
        var garbage = new byte[64 + (int)(n % 4096)];
        if ((n & 63) == 0) survivors[(n >> 6) % survivors.Length] = garbage;
        n++;
    }
})
{ IsBackground = true, Name = "churn" };

int gcBefore = GC.CollectionCount(0), gc2Before = GC.CollectionCount(2);
if (!quiet) churn.Start();

// Nanosecond buckets up to 100 µs; anything slower is kept exactly.
const int Buckets = 100_000;
var histogram = new long[Buckets];
var slow = new List<long>(10_000);
double nsPerTick = 1e9 / Stopwatch.Frequency;
for (long i = 0; i < calls; i++)
{
    long a = Stopwatch.GetTimestamp();
    Call();
    long ticks = Stopwatch.GetTimestamp() - a;
    long ns = (long)(ticks * nsPerTick);
    if (ns < Buckets) histogram[ns]++;
    else if (slow.Count < slow.Capacity) slow.Add(ns);
}

Volatile.Write(ref stop, true);
if (!quiet) churn.Join();
int gen0 = GC.CollectionCount(0) - gcBefore, gen2 = GC.CollectionCount(2) - gc2Before;
slow.Sort();
Console.WriteLine(
    $"{which}{(quiet ? " quiet" : "")} first call {firstMicroseconds:F0} us; {calls:N0} calls: p50 {Percentile(0.5)} ns, p99 {Percentile(0.99)} ns, " +
    $"p99.99 {Percentile(0.9999)} ns, max {(slow.Count > 0 ? slow[^1] : Percentile(1.0))} ns; clock pair p50 {ClockMedian():F0} ns; " +
    $"{gen0} collections ({gen2} gen 2) on the other thread; calls over 100 us: {slow.Count}");
return 0;

void Call()
{
    if (which == "gru16") gru.Step(ref gruState, input, output);
    else lstm.Step(ref lstmState, input, output);
}

long Percentile(double p)
{
    long rank = (long)Math.Ceiling(p * calls), seen = 0;
    for (int ns = 0; ns < Buckets; ns++)
    {
        seen += histogram[ns];
        if (seen >= rank) return ns;
    }

    int index = (int)Math.Min(rank - seen - 1, slow.Count - 1);
    return slow[Math.Max(index, 0)];
}

double ClockMedian()
{
    long seen = 0;
    for (int t = 0; t < clock.Length; t++)
    {
        seen += clock[t];
        if (seen >= 500_000) return t * nsPerTick;
    }

    return double.NaN;
}

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Lstm16 { }
[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Gru16 { }
