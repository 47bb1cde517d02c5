using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace RnnGen.Benchmarks;

/// <summary>
/// Runs the benchmarks, then prints the figures of issue 5 derived from them (GFLOP/s, fraction of the FLOP limit,
/// ns per sample, real-time factor, ratios), beside PyTorch's when tools/pytorch/bench.py's JSON is given.
/// <code>
/// dotnet run -c Release --project tests/RnnGen.Benchmarks -- [--pytorch pytorch.json] [--build-ms N] [--json out.json] [--table out.md] [--quick] [--no-bdn] [BenchmarkDotNet args]
/// dotnet run -c Release --project tests/RnnGen.Benchmarks -- --check     (the correctness checks only, no timing)
/// </code>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        string? pytorch = null, json = null, markdown = null;
        double? buildMs = null;
        bool quick = false, benchmarkDotNet = true;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--check": return Check();
                case "--pytorch": pytorch = args[++i]; break;
                case "--json": json = args[++i]; break;
                case "--table": markdown = args[++i]; break;
                case "--build-ms": buildMs = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--quick": quick = true; break;
                case "--no-bdn": benchmarkDotNet = false; break;
                default: rest.Add(args[i]); break;
            }
        }

        if (!rest.Contains("--filter")) rest.AddRange(new[] { "--filter", "*" });

        // In process: one build, no generated boilerplate project (which would rebuild the generator on a
        // 2-core machine). Fixed warm-up and iteration counts keep a full run near ten minutes; the warm-up is
        // long enough for tiered compilation to reach its optimised code before measurement.
        Job job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(quick ? 3 : 10)
            .WithIterationCount(quick ? 5 : 25)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(quick ? 150 : 400));
        IConfig config = DefaultConfig.Instance.AddJob(job.AsDefault()).WithOptions(ConfigOptions.JoinSummary);
        Summary[] summaries = benchmarkDotNet ? BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray(), config).ToArray() : Array.Empty<Summary>();

        var medians = new Dictionary<string, (double Ns, long? Bytes)>();
        foreach (Summary summary in summaries)
            foreach (BenchmarkReport report in summary.Reports.Where(r => r.ResultStatistics is not null))
            {
                var bc = report.BenchmarkCase;
                string key = bc.Descriptor.Type.Name + "." + bc.Descriptor.WorkloadMethod.Name
                    + (bc.HasParameters ? "." + string.Join(".", bc.Parameters.Items.Select(p => p.Value)) : "");
                medians[key] = (report.ResultStatistics!.Median, report.GcStats.GetBytesAllocatedPerOperation(bc));
            }

        Console.WriteLine("// paired measurements (alternating calls) and per-thread allocation counts");
        Dictionary<string, double> paired = Paired.Run(quick);
        JsonObject? torch = pytorch is null ? null : JsonNode.Parse(File.ReadAllText(pytorch))!.AsObject();
        string cpu = summaries.FirstOrDefault()?.HostEnvironmentInfo.Cpu.Value.ProcessorName
            ?? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim()
            ?? "unknown CPU";
        Figures figures = new(medians, paired, torch, buildMs, cpu);
        Console.WriteLine();
        string table = figures.Table();
        Console.WriteLine(table);
        if (markdown is not null) File.WriteAllText(markdown, table);
        if (json is not null) File.WriteAllText(json, figures.Json());
        return 0;
    }

    /// <summary>The checks the benchmark setups run, without timing anything.</summary>
    private static int Check()
    {
        new TutorialStep().Setup();
        new DenseForward().Setup();
        foreach (string model in Generator.Declarations.Keys) new Generator { Model = model }.Setup();
        foreach (var (cell, bytes) in Figures.SourceSizes()) Console.WriteLine($"// generated source at Hidden = 1024, {cell}: {bytes / 1024.0:F0} KB");
        Console.WriteLine("checks passed");
        return 0;
    }
}

/// <summary>The derived figures and the side-by-side table.</summary>
internal sealed class Figures
{
    private readonly Dictionary<string, (double Ns, long? Bytes)> _medians;
    private readonly Dictionary<string, double> _paired;
    private readonly JsonObject? _torch;
    private readonly double? _buildMs;
    private readonly string _cpu;
    private readonly List<(string Cell, long Bytes)> _sizes;
    private readonly StringBuilder _table = new();
    private readonly JsonObject _json = new();

    public Figures(Dictionary<string, (double Ns, long? Bytes)> medians, Dictionary<string, double> paired, JsonObject? torch, double? buildMs, string cpu)
    {
        (_medians, _paired, _torch, _buildMs, _cpu) = (medians, paired, torch, buildMs, cpu);
        _sizes = SourceSizes();
    }

    public static List<(string Cell, long Bytes)> SourceSizes() =>
        new[] { "Vanilla", "Lstm", "Gru" }
            .Select(cell => (cell, Generator.GeneratedBytes($"[RnnModel(Hidden = 1024, Vocab = 8000, Truncate = 4, Cell = CellType.{cell})]")))
            .ToList();

    private double? Ns(string key) => _medians.TryGetValue(key, out var m) ? m.Ns : null;

    private double? P(string key) => _paired.TryGetValue(key, out double v) ? v : null;

    private double? Torch(string group, string name) =>
        _torch?[group]?[name] is JsonNode node ? node.GetValue<double>() : null;

    private static string F(double? value, string format) => value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static bool? AtLeast(double? value, double bound) => value is double v ? v >= bound : null;

    private static bool? AtMost(double? value, double bound) => value is double v ? v <= bound : null;

    private static string Met(bool? met) => met switch { true => "met", false => "**missed**", null => "—" };

    private void Row(string figure, string rnngen, string reference, string ratio, string target, bool? met)
    {
        _table.AppendLine($"| {figure} | {rnngen} | {reference} | {ratio} | {target} | {Met(met)} |");
        _json[figure] = new JsonObject { ["rnngen"] = rnngen, ["reference"] = reference, ["ratio"] = ratio, ["target"] = target, ["met"] = met };
    }

    public string Table()
    {
        _table.AppendLine($"CPU: {_cpu} ({(PeakGemm.Wide ? "AVX-512" : "AVX2, no AVX-512")}); {Environment.ProcessorCount} cores; .NET {Environment.Version}" + (_torch is null ? "" : $"; PyTorch {_torch["torch"]} ({_torch["threads"]} thread)"));
        _table.AppendLine("RnnGen, plain C# and ONNX Runtime: medians of single calls, ratios to the peak kernel and to ONNX Runtime from alternating calls (tests/RnnGen.Benchmarks/Paired.cs). PyTorch: medians of single calls (tools/pytorch/bench.py).");
        _table.AppendLine();
        _table.AppendLine("| figure | RnnGen | reference | ratio | target | |");
        _table.AppendLine("| --- | ---: | ---: | ---: | --- | --- |");

        double? peak = P("peakGflops.Vanilla");
        Row($"Peak FP32, {PeakGemm.Description}", $"{F(peak, "F0")} GFLOP/s", PeakGemm.Wide ? "≈ 175 GFLOP/s (issue)" : "≈ 175 GFLOP/s with AVX-512 (issue)", "", "", null);
        Row("Tutorial step FLOP limit: 96 MFLOP at that peak", $"{F(TutorialStep.OutputLayerFlops / peak / 1e6, "F3")} ms", "", "", "", null);

        foreach (var (method, name, torchKey) in new[] { ("Vanilla", "vanilla", "vanilla"), ("Lstm", "LSTM", "lstm"), ("Gru", "GRU", "gru") })
        {
            double? ms = P("stepMs." + method);
            double? torchMs = Torch("tutorial_ms", torchKey);
            Row($"Tutorial SgdStep {name} vs PyTorch", $"{F(ms, "F3")} ms", $"PyTorch {F(torchMs, "F2")} ms", $"{F(torchMs / ms, "F1")}×", "≥ 20×", AtLeast(torchMs / ms, 20));
            double? fraction = P("fraction." + method);
            Row($"Tutorial SgdStep {name}, fraction of the FLOP limit", $"{F(fraction * 100, "F0")} %", "", "", "≥ 50 %", AtLeast(fraction, 0.5));
            double? exact = Torch("tutorial_exact_truncate_ms", torchKey);
            if (exact is not null)
                Row($"Tutorial SgdStep {name} vs PyTorch with Truncate = 4 spelled out (docs/pytorch.md)", $"{F(ms, "F3")} ms", $"PyTorch {F(exact, "F1")} ms", $"{F(exact / ms, "F0")}×", "", null);
        }

        double? plainMs = P("stepMs.PlainVanilla"), vanillaMs = P("stepMs.Vanilla");
        Row("Tutorial SgdStep vanilla vs plain C# (runtime sizes, TensorPrimitives)", $"{F(vanillaMs, "F3")} ms", $"plain C# {F(plainMs, "F2")} ms", $"{F(plainMs / vanillaMs, "F1")}×", "", null);

        foreach (var (method, name, torchKey, budget) in new[] { ("Lstm16", "LSTM 16→16 + head", "lstm16", 150.0), ("Lstm1x24", "LSTM 1→24 + head", "lstm1x24", 250.0), ("Gru16", "GRU 16→16 + head", "gru16", 100.0) })
        {
            double? ns = P("streamingNs." + method);
            double? torchNs = Torch("streaming_ns", torchKey);
            Row($"Streaming Step {name}, per sample", $"{F(ns, "F0")} ns = {F(1e9 / Streaming.SampleRate / ns, "F0")}× real time at 48 kHz", torchNs is null ? "" : $"PyTorch {F(torchNs / 1000, "F1")} µs", torchNs is null ? "" : $"{F(torchNs / ns, "F0")}×", $"≤ {budget:F0} ns", AtMost(ns, budget));
        }

        double? denseMs = P("dense.rnngenMs"), ortMs = P("dense.ortMs"), ortRatio = P("dense.ortOverRnnGen");
        Row("Dense LSTM 64→256, 100 steps, Forward vs ONNX Runtime, both on 1 thread (IOBinding)", $"{F(denseMs, "F3")} ms ({F(DenseForward.Flops / (denseMs * 1e6), "F0")} GFLOP/s)", $"ORT {F(ortMs, "F3")} ms ({F(DenseForward.Flops / (ortMs * 1e6), "F0")} GFLOP/s)", $"{F(ortRatio, "F2")}×", "", null);
        double? dense2Ms = P("dense2.rnngenMs"), ort2Ms = P("dense2.ortMs"), ort2Ratio = P("dense2.ortOverRnnGen");
        Row("Dense LSTM 64→256, 100 steps, Forward vs ONNX Runtime, both on the 2 cores (RnnGen `Threads = 2`, ORT 2 intra-op threads; separate blocks)", $"{F(dense2Ms, "F3")} ms ({F(DenseForward.Flops / (dense2Ms * 1e6), "F0")} GFLOP/s)", $"ORT {F(ort2Ms, "F3")} ms ({F(DenseForward.Flops / (ort2Ms * 1e6), "F0")} GFLOP/s)", $"{F(ort2Ratio, "F2")}×", "≥ 1.5×", AtLeast(ort2Ratio, 1.5));
        double? ort21Ratio = P("dense21.ortOverRnnGen");
        Row("Dense LSTM 64→256, 100 steps, RnnGen `Threads = 2` vs ONNX Runtime on 1 thread (separate blocks)", $"{F(dense2Ms, "F3")} ms", $"ORT {F(P("dense21.ortMs"), "F3")} ms", $"{F(ort21Ratio, "F2")}×", "", null);
        double? torchDense = Torch("dense_ms", "lstm");
        if (torchDense is not null)
            Row("Dense LSTM 64→256, 100 steps, Forward vs PyTorch nn.LSTM", $"{F(denseMs, "F3")} ms", $"PyTorch {F(torchDense, "F2")} ms", $"{F(torchDense / denseMs, "F1")}×", "", null);

        double? speedup = P("batch.speedup");
        Row($"Minibatch of {DataParallelStep.Batch} tutorial sentences (backward + SGD), `DataParallel.Step` on {F(P("batch.workers"), "F0")} cores vs one, sequences claimed one at a time (`deterministic: false`)", $"{F(P("batch.parallelMs"), "F2")} ms", $"one core {F(P("batch.serialMs"), "F2")} ms", $"{F(speedup, "F2")}×", "≥ 1.7× on 2 cores", AtLeast(speedup, 1.7));
        double? fixedSpeedup = P("batch.fixedSpeedup");
        Row($"The same with fixed parts (the default: results identical from run to run)", $"{F(P("batch.fixedMs"), "F2")} ms", $"one core {F(P("batch.serialMs"), "F2")} ms", $"{F(fixedSpeedup, "F2")}×", "", null);
        double? ceiling = P("batch.ceiling");
        Row("Two-core ceiling in the same rounds: the batch's two halves at once on two threads, each on its own model, nothing shared (backward only), vs the whole on one", "", "", $"{F(ceiling, "F2")}×", "", null);

        string[] hot = { "TutorialStep.Vanilla", "TutorialStep.Lstm", "TutorialStep.Gru", "Streaming.Lstm16", "Streaming.Lstm1x24", "Streaming.Gru16", "DenseForward.Generated", "DenseForward.GeneratedTwoThreads", "DataParallelStep.Parallel", "DataParallelStep.ParallelDynamic" };
        double?[] own = hot.Select(k => P("allocated." + k)).ToArray();
        Row("Allocated per call: SgdStep ×3, Step ×3, Forward on 1 and 2 threads, DataParallel.Step fixed and dynamic (this thread, 200 calls)", string.Join(" / ", own.Select(b => $"{F(b, "0.#")} B")), $"ORT Run {F(P("allocated.DenseForward.OnnxRuntime"), "0.#")} B", "", "0 B", own.All(b => b is null) ? null : own.All(b => b is null or 0));

        double? generateMs = P("generateMs.Tutorial"), generateStreamingMs = P("generateMs.Streaming");
        Row("Generator: one model (tutorial / Streaming's declaration)", $"{F(generateMs, "F1")} / {F(generateStreamingMs, "F1")} ms", "", "", "≤ 20 ms", AtMost(Math.Max(generateMs ?? double.NaN, generateStreamingMs ?? double.NaN), 20));
        foreach (var (cell, size) in _sizes)
            Row($"Generated source at Hidden = 1024, {cell}", $"{size / 1024.0:F0} KB", "", "", "≤ 300 KB", size <= 300 * 1024);
        Row("Compile a minimal consumer in-process (generate + emit, Streaming's model)", $"{F(P("compileMs"), "F0")} ms", "", "", "measured", null);
        if (_buildMs is double build)
            Row("`dotnet build samples/Streaming` (that project only, no incremental)", $"{build / 1000:F1} s", "", "", "measured", null);

        if (_medians.Count > 0)
        {
            // BenchmarkDotNet's own figures, for reference: inflated when other work shares the cores.
            _table.AppendLine();
            _table.AppendLine("BenchmarkDotNet, same run (median of iterations; time waiting for a core included):");
            _table.AppendLine();
            _table.AppendLine("| benchmark | median | allocated |");
            _table.AppendLine("| --- | ---: | ---: |");
            foreach (var (key, (ns, bytes)) in _medians)
            {
                string time = ns >= 1e6 ? $"{ns / 1e6:F3} ms" : ns >= 1e3 ? $"{ns / 1e3:F2} µs" : $"{ns:F1} ns";
                string extra = key == "PeakGemm.Kernel" ? $" ({PeakGemm.Flops / ns:F0} GFLOP/s)" : key.StartsWith("Streaming.", StringComparison.Ordinal) ? " per sample" : "";
                _table.AppendLine($"| {key} | {time}{extra} | {(bytes is null ? "—" : bytes + " B")} |");
                _json["bdn." + key] = new JsonObject { ["ns"] = ns, ["bytes"] = bytes };
            }
        }

        return _table.ToString();
    }

    public string Json() => _json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
