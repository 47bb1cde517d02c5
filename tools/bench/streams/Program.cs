using System;
using System.Diagnostics;
using RnnGen;

// Many streams advanced one step each: one batched Step(states, inputs, outputs) against one Step(ref state, ...)
// per stream, on the same states and inputs, in the same process. The two alternate round by round (21 rounds after
// 3 s of warm-up past tiered compilation, default runtime settings); prints each side's median ns per stream-step
// and the median of the rounds' ratios. dotnet Streams.dll lstm16x16|gru64x16|lstm16x256
// `tagger` times Predict over 32 sentences of 20 tokens (GRU, Vocab 2000, Hidden 64, 8 tags): one padded batch with
// lengths against 32 single calls, alternating, ms per batch; `training [tagger|tutorial]` times a minibatch's Backward the same way; `floor` prints instead what bounds a batched step, which has no dependency chain between streams: this machine's
// throughput of 512-bit multiply-adds and of VectorMath.Exp (eight independent chains each), medians of 21 rounds.
string which = args.Length > 0 ? args[0] : "lstm16x16";
if (which == "floor")
{
    Floor.Print();
    return 0;
}

if (which == "tagger")
{
    Tagging.Print();
    return 0;
}

if (which == "training")
{
    Tagging.PrintTraining(args.Length > 1 ? args[1] : null);
    return 0;
}

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

static class Floor
{
    public static void Print()
    {
        double fma = Median(Fma), exp = Median(Exp);
        Console.WriteLine($"floor: {fma:F3} ns per 512-bit multiply-add, {exp:F2} ns per 512-bit VectorMath.Exp (independent chains; Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated})");
    }

    private static double Median(Func<int, float> kernel)
    {
        long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < until) kernel(10_000);
        var times = new double[21];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            kernel(1_000_000);
            times[i] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / 8e6;
        }

        Array.Sort(times);
        return times[10];
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float Fma(int n)
    {
        var a = System.Runtime.Intrinsics.Vector512.Create(0.999f);
        var b = System.Runtime.Intrinsics.Vector512.Create(0.001f);
        System.Runtime.Intrinsics.Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a;
        for (int i = 0; i < n; i++)
        {
            c0 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c0, a, b);
            c1 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c4, a, b);
            c5 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c6, a, b);
            c7 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(c7, a, b);
        }

        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7)[0];
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float Exp(int n)
    {
        var a = System.Runtime.Intrinsics.Vector512.Create(0.5f);
        var s = System.Runtime.Intrinsics.Vector512.Create(0.1f);
        System.Runtime.Intrinsics.Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a;
        for (int i = 0; i < n; i++)
        {
            c0 = RnnGen.Runtime.VectorMath.Exp(c0) * s;
            c1 = RnnGen.Runtime.VectorMath.Exp(c1) * s;
            c2 = RnnGen.Runtime.VectorMath.Exp(c2) * s;
            c3 = RnnGen.Runtime.VectorMath.Exp(c3) * s;
            c4 = RnnGen.Runtime.VectorMath.Exp(c4) * s;
            c5 = RnnGen.Runtime.VectorMath.Exp(c5) * s;
            c6 = RnnGen.Runtime.VectorMath.Exp(c6) * s;
            c7 = RnnGen.Runtime.VectorMath.Exp(c7) * s;
        }

        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7)[0];
    }
}

[RnnModel(Hidden = 64, Vocab = 2000, Output = 8, Cell = CellType.Gru, MaxSteps = 32, Batch = 32)] public partial class Tagger { }

static class Tagging
{
    public static void Print()
    {
        const int n = 32, steps = 20;
        var model = new Tagger();
        var random = new Random(3);
        var tokens = new int[n * steps];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = random.Next(Tagger.Vocab);
        var lengths = new int[n];
        lengths.AsSpan().Fill(steps);
        var classes = new int[n * steps];
        double Run(bool batched, int rounds)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < rounds; r++)
            {
                if (batched) model.Predict(tokens, lengths, classes);
                else for (int m = 0; m < n; m++) model.Predict(tokens.AsSpan(m * steps, steps), classes.AsSpan(m * steps, steps));
            }

            return Stopwatch.GetElapsedTime(start).TotalMilliseconds / rounds;
        }

        long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
        while (Stopwatch.GetTimestamp() < until) { Run(false, 20); Run(true, 20); }
        var single = new double[21];
        var batch = new double[21];
        var ratios = new double[21];
        for (int i = 0; i < 21; i++) { single[i] = Run(false, 100); batch[i] = Run(true, 100); ratios[i] = single[i] / batch[i]; }
        Array.Sort(single); Array.Sort(batch); Array.Sort(ratios);
        Console.WriteLine($"tagger Predict, 32 sentences of 20 tokens: 32 single calls {single[10]:F3} ms, one padded batch {batch[10]:F3} ms, batched throughput {ratios[10]:F2}x");
    }

    /// <summary>
    /// A minibatch's Backward, 32 sentences of 20 tokens: one padded batch with lengths against 32 single calls, for the
    /// tagger and the tutorial's configuration (vanilla, Vocab 8000, Hidden 100, Truncate 4); ms per sentence.
    /// </summary>
    public static void PrintTraining(string? only)
    {
        var tagger = new Tagger();
        if (only is null or "tagger")
        Compare("tagger Backward (GRU, Vocab 2000, Hidden 64, 8 tags)", Tagger.Vocab, Tagger.Output,
            (x, y, l) => tagger.Backward(x, y, l), (x, y) => tagger.Backward(x, y), tagger.ZeroGradients);
        var tutorial = new Tutorial();
        if (only is null or "tutorial")
        Compare("tutorial Backward (vanilla, Vocab 8000, Hidden 100, Truncate 4)", Tutorial.Vocab, Tutorial.Output,
            (x, y, l) => tutorial.Backward(x, y, l), (x, y) => tutorial.Backward(x, y), tutorial.ZeroGradients);
    }

    private delegate float Batched(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, ReadOnlySpan<int> lengths);

    private delegate float Single(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets);

    private static void Compare(string name, int vocab, int output, Batched batched, Single single, Action zero)
    {
        const int n = 32, steps = 20;
        var random = new Random(4);
        var tokens = new int[n * steps];
        var targets = new int[n * steps];
        for (int i = 0; i < tokens.Length; i++) (tokens[i], targets[i]) = (random.Next(vocab), random.Next(output));
        var lengths = new int[n];
        lengths.AsSpan().Fill(steps);
        double Run(bool many, int rounds)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < rounds; r++)
            {
                zero();
                if (many) batched(tokens, targets, lengths);
                else for (int m = 0; m < n; m++) single(tokens.AsSpan(m * steps, steps), targets.AsSpan(m * steps, steps));
            }

            return Stopwatch.GetElapsedTime(start).TotalMilliseconds / rounds / n;
        }

        long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
        while (Stopwatch.GetTimestamp() < until) { Run(false, 5); Run(true, 5); }
        var one = new double[21];
        var batch = new double[21];
        var ratios = new double[21];
        for (int i = 0; i < 21; i++) { one[i] = Run(false, 20); batch[i] = Run(true, 20); ratios[i] = one[i] / batch[i]; }
        Array.Sort(one); Array.Sort(batch); Array.Sort(ratios);
        Console.WriteLine($"{name}, 32 sentences of 20 tokens: single calls {one[10] * 1000:F1} us, padded batch {batch[10] * 1000:F1} us per sentence, batched throughput {ratios[10]:F2}x");
    }
}

[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32, Batch = 32)] public partial class Tutorial { }
