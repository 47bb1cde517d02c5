using System;
using System.Diagnostics;
using RnnGen;

// Streaming Step, ns per sample: blocks of 48 samples as in tests/RnnGen.Benchmarks/Streaming.cs, the median of 21
// batches after 3 s of warm-up past tiered compilation, default runtime settings. One model per process, so that
// old and new builds can alternate process by process: dotnet Streaming.dll lstm16|gru16|lstm1x24|lstm4x8|gru4x8
// (the 4x8 stacks are RTNeural's own test models: 1 input, four layers of 8 units; tools/bench/rtneural.sh).
string which = args.Length > 0 ? args[0] : "lstm16";
var input16 = new float[48 * 16];
var input1 = new float[48];
var output = new float[1];
var random = new Random(1);
for (int i = 0; i < input16.Length; i++) input16[i] = (float)(random.NextDouble() * 2 - 1);
for (int i = 0; i < input1.Length; i++) input1[i] = (float)(random.NextDouble() * 2 - 1);
var lstm16 = new Lstm16();
var gru16 = new Gru16();
var lstm1x24 = new Lstm1x24();
var lstm4x8 = new Lstm4x8();
var gru4x8 = new Gru4x8();
var lstm16State = default(Lstm16.State);
var gru16State = default(Gru16.State);
var lstm1x24State = default(Lstm1x24.State);
var lstm4x8State = default(Lstm4x8.State);
var gru4x8State = default(Gru4x8.State);
if (which is not ("lstm16" or "gru16" or "lstm1x24" or "lstm4x8" or "gru4x8"))
{
    Console.Error.WriteLine($"unknown model '{which}': lstm16, gru16, lstm1x24, lstm4x8 or gru4x8");
    return 2;
}

long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
while (Stopwatch.GetTimestamp() < until) Batch(2000);
var times = new double[21];
for (int i = 0; i < times.Length; i++) times[i] = Batch(20000);
Array.Sort(times);
Console.WriteLine($"{which} {times[times.Length / 2]:F2}");
return 0;

double Batch(int blocks)
{
    long start = Stopwatch.GetTimestamp();
    for (int b = 0; b < blocks; b++)
    {
        switch (which)
        {
            case "lstm16": for (int i = 0; i < 48; i++) lstm16.Step(ref lstm16State, input16.AsSpan(i * 16, 16), output); break;
            case "gru16": for (int i = 0; i < 48; i++) gru16.Step(ref gru16State, input16.AsSpan(i * 16, 16), output); break;
            case "lstm1x24": for (int i = 0; i < 48; i++) lstm1x24.Step(ref lstm1x24State, input1.AsSpan(i, 1), output); break;
            case "lstm4x8": for (int i = 0; i < 48; i++) lstm4x8.Step(ref lstm4x8State, input1.AsSpan(i, 1), output); break;
            default: for (int i = 0; i < 48; i++) gru4x8.Step(ref gru4x8State, input1.AsSpan(i, 1), output); break;
        }
    }

    return Stopwatch.GetElapsedTime(start).TotalNanoseconds / (blocks * 48.0);
}

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Lstm16 { }
[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Gru16 { }
[RnnModel(Hidden = 24, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Lstm1x24 { }
[RnnModel(Hidden = 8, Input = 1, Output = 1, Layers = 4, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Lstm4x8 { }
[RnnModel(Hidden = 8, Input = 1, Output = 1, Layers = 4, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8)] public partial class Gru4x8 { }
