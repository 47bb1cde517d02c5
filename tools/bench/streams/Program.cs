using System;
using System.Diagnostics;
using RnnGen;

// Many streams advanced one step each: one batched Step(states, inputs, outputs) against one Step(ref state, ...)
// per stream, on the same states and inputs, in the same process. The two alternate round by round (21 rounds after
// 3 s of warm-up past tiered compilation, default runtime settings); prints each side's median ns per stream-step
// and the median of the rounds' ratios. dotnet Streams.dll lstm16x16|gru64x16|lstm16x256
string which = args.Length > 0 ? args[0] : "lstm16x16";
Func<bool, int, double>? run = which switch
{
    "lstm16x16" => Bench<Lstm16x16, Lstm16x16.State>(new Lstm16x16(), Lstm16x16.Batch, Lstm16x16.Input, Lstm16x16.Output,
        (m, s, x, y) => m.Step(s, x, y), (Lstm16x16 m, ref Lstm16x16.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y)),
    "gru64x16" => Bench<Gru64x16, Gru64x16.State>(new Gru64x16(), Gru64x16.Batch, Gru64x16.Input, Gru64x16.Output,
        (m, s, x, y) => m.Step(s, x, y), (Gru64x16 m, ref Gru64x16.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y)),
    "lstm16x256" => Bench<Lstm16x256, Lstm16x256.State>(new Lstm16x256(), Lstm16x256.Batch, Lstm16x256.Input, Lstm16x256.Output,
        (m, s, x, y) => m.Step(s, x, y), (Lstm16x256 m, ref Lstm16x256.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y)),
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine($"unknown model '{which}': lstm16x16, gru64x16 or lstm16x256");
    return 2;
}

long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
while (Stopwatch.GetTimestamp() < until)
{
    run(false, 200);
    run(true, 200);
}

var single = new double[21];
var batched = new double[21];
var ratios = new double[21];
for (int i = 0; i < single.Length; i++)
{
    single[i] = run(false, 2000);
    batched[i] = run(true, 2000);
    ratios[i] = single[i] / batched[i];
}

Array.Sort(single);
Array.Sort(batched);
Array.Sort(ratios);
Console.WriteLine($"{which} single {single[10]:F2} ns, batched {batched[10]:F2} ns per stream-step, batched throughput {ratios[10]:F2}x");
return 0;

// ns per stream-step of `rounds` steps of every stream, batched or one stream at a time.
static Func<bool, int, double> Bench<M, S>(M model, int batch, int input, int output, Many<M, S> many, One<M, S> one)
    where S : struct
{
    var states = new S[batch];
    var inputs = new float[batch * input];
    var outputs = new float[batch * output];
    var random = new Random(1);
    for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
    return (batched, rounds) =>
    {
        long start = Stopwatch.GetTimestamp();
        for (int r = 0; r < rounds; r++)
        {
            if (batched)
            {
                many(model, states, inputs, outputs);
            }
            else
            {
                for (int s = 0; s < batch; s++) one(model, ref states[s], inputs.AsSpan(s * input, input), outputs.AsSpan(s * output, output));
            }
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / ((double)rounds * batch);
    };
}

delegate void Many<M, S>(M model, Span<S> states, ReadOnlySpan<float> inputs, Span<float> outputs);

delegate void One<M, S>(M model, ref S state, ReadOnlySpan<float> input, Span<float> output);

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 16)] public partial class Lstm16x16 { }
[RnnModel(Hidden = 64, Input = 64, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 16)] public partial class Gru64x16 { }
[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 256)] public partial class Lstm16x256 { }
