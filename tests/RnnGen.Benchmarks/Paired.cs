using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace RnnGen.Benchmarks;

/// <summary>
/// Figures that survive a shared machine, for the headline table. BenchmarkDotNet times iterations of hundreds of
/// milliseconds, which include any time the thread waits for a core while other work runs; here single calls
/// (a 48-sample streaming block, one training step) are timed and the median taken. It also measures one benchmark
/// after another, so a ratio moves when other work starts between the two; here the two calls alternate and the
/// figure is the median of the per-round ratios. Allocation is counted on this thread alone (in-process,
/// BenchmarkDotNet's count is process-wide).
/// </summary>
internal static class Paired
{
    /// <summary>Median over rounds of time(b) / time(a), with the medians of each side in ns.</summary>
    /// <param name="a">One side.</param>
    /// <param name="b">The other side.</param>
    /// <param name="rounds">Rounds, each timing one call of each side.</param>
    public static (double RatioBOverA, double MedianA, double MedianB) Compare(Func<float> a, Func<float> b, int rounds)
    {
        Warm(a);
        Warm(b);
        var ta = new double[rounds];
        var tb = new double[rounds];
        var ratio = new double[rounds];
        float sink = 0;
        for (int r = 0; r < rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            sink += a();
            long t1 = Stopwatch.GetTimestamp();
            sink += b();
            long t2 = Stopwatch.GetTimestamp();
            ta[r] = (t1 - t0) * 1e9 / Stopwatch.Frequency;
            tb[r] = (t2 - t1) * 1e9 / Stopwatch.Frequency;
            ratio[r] = tb[r] / ta[r];
        }

        GC.KeepAlive(sink);
        return (Median(ratio), Median(ta), Median(tb));
    }

    /// <summary>
    /// Several sides timed in the same rounds, each in stride: one untimed call before its timed one, so that the
    /// timed call follows a call of its own, as in a training loop, and a multithreaded side finds its worker threads
    /// still awake rather than parked while the other sides ran (waking a parked thread costs up to half a
    /// millisecond on these machines). Returns the median time of each side in ns, and in
    /// <paramref name="speedups"/>, for each pair (a, b) of <paramref name="pairs"/>, the median over rounds of
    /// time(a) / time(b): how many times faster b is.
    /// </summary>
    public static double[] CompareInStride(Func<float>[] sides, (int A, int B)[] pairs, int rounds, out double[] speedups)
    {
        foreach (Func<float> side in sides) Warm(side);
        var times = new double[sides.Length][];
        for (int k = 0; k < sides.Length; k++) times[k] = new double[rounds];
        float sink = 0;
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < sides.Length; k++)
            {
                sink += sides[k]();
                long t0 = Stopwatch.GetTimestamp();
                sink += sides[k]();
                times[k][r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency;
            }
        }

        GC.KeepAlive(sink);
        speedups = pairs.Select(p => Median(times[p.A].Zip(times[p.B], (a, b) => a / b).ToArray())).ToArray();
        return times.Select(Median).ToArray();
    }

    /// <summary>Median time of single calls, in ns: a call of a few µs or ms is rarely descheduled, so the median is the code's own speed.</summary>
    public static double MedianCall(Func<float> call, int rounds)
    {
        Warm(call);
        var times = new double[rounds];
        float sink = 0;
        for (int r = 0; r < rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            sink += call();
            times[r] = (Stopwatch.GetTimestamp() - t0) * 1e9 / Stopwatch.Frequency;
        }

        GC.KeepAlive(sink);
        return Median(times);
    }

    /// <summary>Bytes allocated on this thread per call, over 200 calls after warm-up.</summary>
    public static double AllocatedPerCall(Func<float> call)
    {
        Warm(call);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) call();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 200.0;
    }

    // Long enough for tiered compilation to install the optimised code (it recompiles after 30 calls, in the background).
    private static void Warm(Func<float> call)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 50 || watch.ElapsedMilliseconds < 500; i++) call();
    }

    private static double Median(double[] values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>The paired and single-call figures and the allocation counts.</summary>
    public static Dictionary<string, double> Run(bool quick)
    {
        int rounds = quick ? 60 : 400;
        var figures = new Dictionary<string, double>();
        var peak = new PeakGemm();
        peak.Setup();
        var tutorial = new TutorialStep();
        tutorial.Setup();
        foreach (var (name, step) in new (string, Func<float>)[] { ("Vanilla", tutorial.Vanilla), ("Lstm", tutorial.Lstm), ("Gru", tutorial.Gru), ("PlainVanilla", tutorial.PlainVanilla) })
        {
            var (ratio, peakNs, stepNs) = Compare(peak.Kernel, step, rounds);
            // fraction = (output-layer FLOP / peak rate) / step time = (OutputLayerFlops / PeakGemm.Flops) · (peak time / step time)
            figures["fraction." + name] = TutorialStep.OutputLayerFlops / PeakGemm.Flops / ratio;
            figures["peakGflops." + name] = PeakGemm.Flops / peakNs;
            figures["stepMs." + name] = stepNs / 1e6;
            figures["allocated.TutorialStep." + name] = AllocatedPerCall(step);
        }

        using (var batch = new DataParallelStep())
        {
            batch.Setup();
            using var halves = new IndependentHalves(batch.Sequences);
            // All five in the same rounds: the host's share of the second core moves from minute to minute, so the
            // two schedules and the ceiling are only comparable when measured under the same conditions.
            double[] medians = CompareInStride(
                [batch.Serial, batch.ParallelDynamic, batch.Parallel, halves.OneCore, halves.TwoCores],
                [(0, 1), (0, 2), (3, 4)], quick ? 20 : 60, out double[] ratios);
            figures["batch.speedup"] = ratios[0];
            figures["batch.fixedSpeedup"] = ratios[1];
            figures["batch.ceiling"] = ratios[2];
            figures["batch.serialMs"] = medians[0] / 1e6;
            figures["batch.parallelMs"] = medians[1] / 1e6;
            figures["batch.fixedMs"] = medians[2] / 1e6;
            figures["batch.workers"] = batch.Workers;
            figures["allocated.DataParallelStep.Parallel"] = AllocatedPerCall(batch.Parallel);
            figures["allocated.DataParallelStep.ParallelDynamic"] = AllocatedPerCall(batch.ParallelDynamic);
        }

        var dense = new DenseForward();
        dense.Setup();
        var (ortOverRnnGen, rnngenNs, ortNs) = Compare(dense.Generated, dense.OnnxRuntime, rounds);
        figures["dense.ortOverRnnGen"] = ortOverRnnGen;
        figures["dense.rnngenMs"] = rnngenNs / 1e6;
        figures["dense.ortMs"] = ortNs / 1e6;
        figures["allocated.DenseForward.Generated"] = AllocatedPerCall(dense.Generated);
        figures["allocated.DenseForward.OnnxRuntime"] = AllocatedPerCall(dense.OnnxRuntime);
        // Two-thread sides are timed in separate blocks, not alternated: ONNX Runtime's pool threads spin for a
        // while after each run and would take the core RnnGen's partner thread needs (and the reverse).
        double rnngen2Ns = MedianCall(dense.GeneratedTwoThreads, rounds), ort2Ns = MedianCall(dense.OnnxRuntimeTwoThreads, rounds);
        double ort1Ns = MedianCall(dense.OnnxRuntime, rounds);
        figures["dense2.ortOverRnnGen"] = ort2Ns / rnngen2Ns;
        figures["dense2.rnngenMs"] = rnngen2Ns / 1e6;
        figures["dense2.ortMs"] = ort2Ns / 1e6;
        figures["dense21.ortOverRnnGen"] = ort1Ns / rnngen2Ns;
        figures["dense21.ortMs"] = ort1Ns / 1e6;
        figures["allocated.DenseForward.GeneratedTwoThreads"] = AllocatedPerCall(dense.GeneratedTwoThreads);
        dense.Cleanup();

        var streaming = new Streaming();
        streaming.Setup();
        foreach (var (name, block) in new (string, Func<float>)[] { ("Lstm16", streaming.Lstm16), ("Lstm1x24", streaming.Lstm1x24), ("Gru16", streaming.Gru16) })
            figures["streamingNs." + name] = MedianCall(block, quick ? 2000 : 20000) / Streaming.Block;
        figures["allocated.Streaming.Lstm16"] = AllocatedPerCall(streaming.Lstm16);
        figures["allocated.Streaming.Lstm1x24"] = AllocatedPerCall(streaming.Lstm1x24);
        figures["allocated.Streaming.Gru16"] = AllocatedPerCall(streaming.Gru16);

        foreach (string model in Generator.Declarations.Keys)
        {
            var generator = new Generator { Model = model };
            generator.Setup();
            figures["generateMs." + model] = MedianCall(() => generator.Generate(), quick ? 20 : 100) / 1e6;
        }

        var consumer = new Generator { Model = "Streaming" };
        consumer.Setup();
        figures["compileMs"] = MedianCall(() => consumer.Compile(), quick ? 5 : 20) / 1e6;
        return figures;
    }
}
