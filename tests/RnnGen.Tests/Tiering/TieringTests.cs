using System;
using System.Diagnostics;
using System.Linq;

namespace RnnGen.Tests.Tiering;

/// <summary>
/// SPEC §7 promises the same results for the same seed and data. The JIT compiles a method first without
/// optimisation and again, optimised, once it is hot, so one run mixes the two: generated code must give the same
/// bits in both, and calls from unoptimised code reach the framework's precompiled (ReadyToRun) code, which is
/// compiled for a baseline instruction set and can round differently from the JIT's. Runs
/// <see cref="TieringProbe"/> in child processes that keep every method's first code, that compile everything
/// unoptimised, and that compile everything optimised, and in this process, and compares the digests.
/// </summary>
public class TieringTests
{
    [Fact]
    public void Unoptimised_and_optimised_machine_code_give_the_same_bits()
    {
        string optimised = RunProbe(("DOTNET_TieredCompilation", "0"), ("DOTNET_ReadyToRun", "0"));
        Assert.Equal(optimised, RunProbe(("DOTNET_TC_CallCounting", "0")));
        Assert.Equal(optimised, RunProbe(("DOTNET_JITMinOpts", "1"), ("DOTNET_ReadyToRun", "0")));
        Assert.Equal(optimised, TieringProbe.Digest());
    }

    private static string RunProbe(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(TieringProbe).Assembly.Location, TieringProbe.Argument },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"probe with {string.Join(' ', environment.Select(e => $"{e.Name}={e.Value}"))} failed:\n{error.Result}");
        Assert.Matches("^[0-9A-F]{64}$", output);
        return output;
    }
}
