using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace RnnGen.Tests;

/// <summary>
/// The test assembly's entry point (in place of the one the test SDK would generate, which does nothing):
/// <list type="bullet">
/// <item>with <see cref="Tiering.TieringProbe.Argument"/> it prints the probe's digest, for tests that need a fresh process;</item>
/// <item>with <see cref="RealTime.RealTimeProbe.Argument"/> it streams between two marker system calls, for the test that
/// traces it;</item>
/// <item>with <c>--run</c> and class-name fragments it runs the tests of the matching classes in this process, through
/// xUnit's own discoverer and executor. That is how CI runs the numerical tests for linux-arm64: the assembly published
/// self-contained and started under qemu-user, where no test host can be launched.</item>
/// </list>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == Tiering.TieringProbe.Argument)
        {
            Console.WriteLine(Tiering.TieringProbe.Digest());
            return 0;
        }

        if (args.Length == 1 && args[0] == RealTime.RealTimeProbe.Argument)
        {
            return RealTime.RealTimeProbe.Run();
        }

        if (args.Length >= 2 && args[0] == "--run")
        {
            return InProcessRunner.Run(args[1..]);
        }

        Console.Error.WriteLine($"usage: RnnGen.Tests {Tiering.TieringProbe.Argument}");
        Console.Error.WriteLine($"       RnnGen.Tests {RealTime.RealTimeProbe.Argument}");
        Console.Error.WriteLine("       RnnGen.Tests --run ClassNameFragment [ClassNameFragment ...] [!ExcludedFragment ...]");
        return 2;
    }
}

/// <summary>
/// Runs the tests of the classes whose full names contain one of the fragments and none of the fragments written with a
/// leading '!', one at a time; prints failures and a summary, and fails when a test fails or none ran.
/// </summary>
internal static class InProcessRunner
{
    public static int Run(string[] fragments)
    {
        var sink = new Sink();
        var options = new Options();
        options.SetValue("xunit.execution.DisableParallelization", true);
        Assembly assembly = typeof(Program).Assembly;
        using var framework = new XunitTestFramework(sink);
        using (ITestFrameworkDiscoverer discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        {
            discoverer.Find(includeSourceInformation: false, sink, options);
            sink.Discovered.WaitOne();
        }

        var selected = new List<ITestCase>();
        foreach (ITestCase test in sink.TestCases)
        {
            string type = test.TestMethod.TestClass.Class.Name;
            if (Array.Exists(fragments, f => !f.StartsWith('!') && type.Contains(f, StringComparison.Ordinal))
                && !Array.Exists(fragments, f => f.StartsWith('!') && type.Contains(f[1..], StringComparison.Ordinal)))
            {
                selected.Add(test);
            }
        }

        Console.WriteLine($"{selected.Count} of {sink.TestCases.Count} test cases match {string.Join(", ", fragments)} ({System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture})");
        using (ITestFrameworkExecutor executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(selected, sink, options);
            sink.Finished.WaitOne();
        }

        Console.WriteLine($"Passed {sink.Passed}, failed {sink.Failed}, skipped {sink.Skipped}, total {sink.Passed + sink.Failed + sink.Skipped}");
        return sink.Failed == 0 && sink.Passed > 0 ? 0 : 1;
    }

    private sealed class Sink : LongLivedMarshalByRefObject, IMessageSink
    {
        public readonly List<ITestCase> TestCases = new();
        public readonly ManualResetEvent Discovered = new(false), Finished = new(false);
        public int Passed, Failed, Skipped;

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage discovery:
                    TestCases.Add(discovery.TestCase);
                    break;
                case IDiscoveryCompleteMessage:
                    Discovered.Set();
                    break;
                case ITestPassed:
                    Interlocked.Increment(ref Passed);
                    break;
                case ITestSkipped:
                    Interlocked.Increment(ref Skipped);
                    break;
                case ITestFailed failed:
                    Interlocked.Increment(ref Failed);
                    Console.WriteLine($"FAILED {failed.Test.DisplayName}: {string.Join(" | ", failed.Messages)}");
                    Console.WriteLine(string.Join(Environment.NewLine, failed.StackTraces));
                    break;
                case ITestAssemblyFinished:
                    Finished.Set();
                    break;
            }

            return true;
        }
    }

    /// <summary>xUnit's discovery and execution options: a name-value bag.</summary>
    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = new();

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out object? value) && value is TValue typed ? typed : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
