using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace RnnGen.Tests.RealTime;

/// <summary>
/// What a real-time audio thread needs from <c>Step</c> beyond allocating nothing: no system call (so no lock that
/// waits in the kernel, no page fault handled by a call, no I/O) once warmed up. Measured, not claimed: the probe runs
/// under strace, and every system call its streaming thread made between two markers is a failure.
/// </summary>
public class RealTimeTests
{
    [Fact]
    public async Task StepMakesNoSystemCall()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // system calls are traced with strace, on Linux only
        }

        string trace = Path.Combine(Path.GetTempPath(), $"rnngen-strace-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            var start = new ProcessStartInfo("strace")
            {
                ArgumentList = { "-f", "-qq", "-o", trace, "dotnet", typeof(RealTimeProbe).Assembly.Location, RealTimeProbe.Argument },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("strace is needed for this test (Debian: apt-get install strace); .ci/run installs it", e);
            }

            using (process)
            {
                Task<string> error = process.StandardError.ReadToEndAsync();
                string output = (await process.StandardOutput.ReadToEndAsync()).Trim();
                await process.WaitForExitAsync();
                Assert.True(process.ExitCode == 0, $"the probe under strace failed ({process.ExitCode}):\n{await error}");
                int thread = int.Parse(output, System.Globalization.CultureInfo.InvariantCulture);
                IReadOnlyList<string> calls = CallsBetweenMarkers(File.ReadAllLines(trace), thread);
                Assert.True(calls.Count == 0, $"Step made {calls.Count} system calls on its thread:\n{string.Join('\n', calls.Take(20))}");
            }
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>
    /// An uncontended lock makes no system call, so the trace above cannot see it: the step's code, read from its IL
    /// (generated and runtime, every generic instantiation it reaches), calls nothing in System.Threading and nothing
    /// native, for each cell, a stack and a token model.
    /// </summary>
    [Theory]
    [InlineData(typeof(RealTimeLstm))]
    [InlineData(typeof(RealTimeGru))]
    [InlineData(typeof(RealTimeStack))]
    [InlineData(typeof(Models.TutorialModel))]
    public void StepTakesNoLockAndCallsNoNativeCode(Type model)
    {
        MethodInfo step = model.GetMethods().Single(m => m.Name == "Step" && m.DeclaringType == model);
        var (followed, outside) = StepCallGraph.Walk(step, model.Assembly, typeof(RnnModelAttribute).Assembly);

        Assert.Contains(followed, m => m.Name == "StepTileNow" || m.Name == "StepUpdate" || m.DeclaringType?.Name == "BroadcastProduct");
        string[] locks = outside.Concat(followed)
            .Where(m => m.DeclaringType?.Namespace?.StartsWith("System.Threading", StringComparison.Ordinal) == true)
            .Select(m => $"{m.DeclaringType}.{m.Name}").Distinct().ToArray();
        Assert.True(locks.Length == 0, $"{model.Name}.Step reaches {string.Join(", ", locks)}");
        string[] native = followed.Concat(outside).Where(StepCallGraph.IsPlatformInvoke).Select(m => $"{m.DeclaringType}.{m.Name}").ToArray();
        Assert.True(native.Length == 0, $"{model.Name}.Step reaches native code: {string.Join(", ", native)}");
    }

    /// <summary>
    /// The system calls of <paramref name="thread"/> between its last two <c>getppid</c> markers. A signal the runtime
    /// sends the thread (to suspend it for another thread's work) and the return from its handler are the runtime's,
    /// not Step's: they are left out, and the test fails only on calls the thread made itself.
    /// </summary>
    internal static IReadOnlyList<string> CallsBetweenMarkers(string[] lines, int thread)
    {
        var own = lines.Where(l => Regex.IsMatch(l, $@"^{thread}\s")).Select(l => Regex.Replace(l, $@"^{thread}\s+", "")).ToList();
        var markers = own.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("getppid(", StringComparison.Ordinal)).Select(x => x.i).ToList();
        Assert.True(markers.Count >= 2, $"the trace of thread {thread} has {markers.Count} markers; its last lines:\n{string.Join('\n', own.TakeLast(10))}");
        int first = markers[^2], last = markers[^1];
        return own.Skip(first + 1).Take(last - first - 1)
            .Where(l => !l.StartsWith("---", StringComparison.Ordinal) && !l.StartsWith("rt_sigreturn(", StringComparison.Ordinal))
            .ToList();
    }
}
