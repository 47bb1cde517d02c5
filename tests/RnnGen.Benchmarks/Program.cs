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
/// dotnet run -c Release --project tests/RnnGen.Benchmarks -- [--pytorch pytorch.json] [--build-ms N] [--json out.json] [--table out.md] [--quick] [BenchmarkDotNet args]
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
        bool quick = false;
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
        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray(), config).ToArray();

        var medians = new Dictionary<string, (double Ns, long? Bytes)>();
        foreach (Summary summary in summaries)
            foreach (BenchmarkReport report in summary.Reports.Where(r => r.ResultStatistics is not null))
            {
                var bc = report.BenchmarkCase;
                string key = bc.Descriptor.Type.Name + "." + bc.Descriptor.WorkloadMethod.Name
                    + (bc.HasParameters ? "." + string.Join(".", bc.Parameters.Items.Select(p => p.Value)) : "");
                medians[key] = (report.ResultStatistics!.Median, report.GcStats.GetBytesAllocatedPerOperation(bc));
            }

        JsonObject? torch = pytorch is null ? null : JsonNode.Parse(File.ReadAllText(pytorch))!.AsObject();
        string cpu = summaries.FirstOrDefault()?.HostEnvironmentInfo.Cpu.Value.ProcessorName ?? "unknown";
        Figures figures = new(medians, torch, buildMs, cpu);
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
    private readonly JsonObject? _torch;
    private readonly double? _buildMs;
    private readonly string _cpu;
    private readonly List<(string Cell, long Bytes)> _sizes;
    private readonly StringBuilder _table = new();
    private readonly JsonObject _json = new();

    public Figures(Dictionary<string, (double Ns, long? Bytes)> medians, JsonObject? torch, double? buildMs, string cpu)
    {
        (_medians, _torch, _buildMs, _cpu) = (medians, torch, buildMs, cpu);
        _sizes = SourceSizes();
    }

    public static List<(string Cell, long Bytes)> SourceSizes() =>
        new[] { "Vanilla", "Lstm", "Gru" }
            .Select(cell => (cell, Generator.GeneratedBytes($"[RnnModel(Hidden = 1024, Vocab = 8000, Truncate = 4, Cell = CellType.{cell})]")))
            .ToList();

    private double? Ns(string key) => _medians.TryGetValue(key, out var m) ? m.Ns : null;

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
        _table.AppendLine($"CPU: {_cpu}; {Environment.ProcessorCount} cores; .NET {Environment.Version}; medians of BenchmarkDotNet iterations" + (_torch is null ? "" : $"; PyTorch {_torch["torch"]} ({_torch["threads"]} thread)"));
        _table.AppendLine();
        _table.AppendLine("| figure | RnnGen | reference | ratio | target | |");
        _table.AppendLine("| --- | ---: | ---: | ---: | --- | --- |");

        double? peakNs = Ns("PeakGemm.Kernel");
        double? peak = peakNs is double p ? PeakGemm.Flops / p : null; // GFLOP/s, as FLOP per ns
        Row("Peak FP32, in-L1 Vector512 GEMM micro-kernel", $"{F(peak, "F0")} GFLOP/s", "≈ 175 GFLOP/s (issue)", "", "", null);
        double? limitMs = peak is double g ? TutorialStep.OutputLayerFlops / g / 1e6 : null;
        Row("Tutorial step FLOP limit: 96 MFLOP at that peak", $"{F(limitMs, "F3")} ms", "", "", "", null);

        foreach (var (method, name, torchKey) in new[] { ("Vanilla", "vanilla", "vanilla"), ("Lstm", "LSTM", "lstm"), ("Gru", "GRU", "gru") })
        {
            double? ms = Ns("TutorialStep." + method) / 1e6;
            double? torchMs = Torch("tutorial_ms", torchKey);
            double? speedup = torchMs / ms;
            Row($"Tutorial SgdStep {name} vs PyTorch", $"{F(ms, "F3")} ms", $"PyTorch {F(torchMs, "F2")} ms", $"{F(speedup, "F1")}×", "≥ 20×", AtLeast(speedup, 20));
            double? fraction = limitMs / ms;
            Row($"Tutorial SgdStep {name}, fraction of FLOP limit", $"{F(fraction * 100, "F0")} %", "", "", "≥ 50 %", AtLeast(fraction, 0.5));
            double? exact = Torch("tutorial_exact_truncate_ms", torchKey);
            if (exact is not null)
                Row($"Tutorial SgdStep {name} vs PyTorch, truncated BPTT spelled out", $"{F(ms, "F3")} ms", $"PyTorch {F(exact, "F2")} ms", $"{F(exact / ms, "F1")}×", "", null);
        }

        double? plainMs = Ns("TutorialStep.PlainVanilla") / 1e6, vanillaMs = Ns("TutorialStep.Vanilla") / 1e6;
        Row("Tutorial SgdStep vanilla vs plain C# (runtime sizes, TensorPrimitives)", $"{F(vanillaMs, "F3")} ms", $"plain C# {F(plainMs, "F2")} ms", $"{F(plainMs / vanillaMs, "F1")}×", "", null);

        foreach (var (method, name, torchKey, budget) in new[] { ("Lstm16", "LSTM 16→16 + head", "lstm16", 150.0), ("Lstm1x24", "LSTM 1→24 + head", "lstm1x24", 250.0), ("Gru16", "GRU 16→16 + head", "gru16", 100.0) })
        {
            double? ns = Ns("Streaming." + method);
            double? torchNs = Torch("streaming_ns", torchKey);
            double? realTime = 1e9 / Streaming.SampleRate / ns;
            Row($"Streaming Step {name}, per sample", $"{F(ns, "F0")} ns ({F(realTime, "F0")}× real time at 48 kHz)", torchNs is null ? "" : $"PyTorch {F(torchNs / 1000, "F1")} µs", torchNs is null ? "" : $"{F(torchNs / ns, "F0")}×", $"≤ {budget:F0} ns", AtMost(ns, budget));
        }

        double? denseMs = Ns("DenseForward.Generated") / 1e6, ortMs = Ns("DenseForward.OnnxRuntime") / 1e6;
        Row("Dense LSTM 64→256, 100 steps, Forward vs ONNX Runtime (1 thread, IOBinding)", $"{F(denseMs, "F3")} ms", $"ORT {F(ortMs, "F3")} ms", $"{F(ortMs / denseMs, "F2")}×", "≥ 1.5×", AtLeast(ortMs / denseMs, 1.5));
        double? torchDense = Torch("dense_ms", "lstm");
        if (torchDense is not null)
            Row("Dense LSTM 64→256, 100 steps, Forward vs PyTorch nn.LSTM", $"{F(denseMs, "F3")} ms", $"PyTorch {F(torchDense, "F3")} ms", $"{F(torchDense / denseMs, "F2")}×", "", null);
        Row("Dense LSTM arithmetic rate", $"{F(DenseForward.Flops / Ns("DenseForward.Generated"), "F1")} GFLOP/s", $"ORT {F(DenseForward.Flops / Ns("DenseForward.OnnxRuntime"), "F1")} GFLOP/s", "", "", null);

        string[] hot = { "TutorialStep.Vanilla", "TutorialStep.Lstm", "TutorialStep.Gru", "Streaming.Lstm16", "Streaming.Lstm1x24", "Streaming.Gru16", "DenseForward.Generated" };
        long?[] bytes = hot.Select(k => _medians.TryGetValue(k, out var m) ? m.Bytes : null).ToArray();
        bool? zero = bytes.All(b => b is null) ? null : bytes.All(b => b is null or 0);
        Row("Allocated per hot call (SgdStep, Step, Forward)", string.Join(" / ", bytes.Select(b => b is null ? "—" : $"{b} B")), _medians.TryGetValue("DenseForward.OnnxRuntime", out var o) ? $"ORT Run {o.Bytes} B" : "", "", "0 B", zero);

        double? generateMs = Ns("Generator.Generate.Tutorial") / 1e6, generateStreamingMs = Ns("Generator.Generate.Streaming") / 1e6;
        Row("Generator: one model (tutorial / Streaming's declaration)", $"{F(generateMs, "F1")} / {F(generateStreamingMs, "F1")} ms", "", "", "≤ 20 ms", generateMs is null ? null : Math.Max(generateMs.Value, generateStreamingMs ?? 0) <= 20);
        foreach (var (cell, size) in _sizes)
            Row($"Generated source at Hidden = 1024, {cell}", $"{size / 1024.0:F0} KB", "", "", "≤ 300 KB", size <= 300 * 1024);
        Row("Compile a minimal consumer in-process (generate + emit, Streaming's model)", $"{F(Ns("Generator.Compile.Streaming") / 1e6, "F0")} ms", "", "", "measured", null);
        if (_buildMs is double build)
            Row("`dotnet build samples/Streaming` (that project only, no incremental)", $"{build / 1000:F1} s", "", "", "measured", null);
        return _table.ToString();
    }

    public string Json() => _json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
