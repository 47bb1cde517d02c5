using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using RnnGen.Tests.Models;

namespace RnnGen.Tests.RealTime;

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class RealTimeLstm { }

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class RealTimeGru { }

[RnnModel(Hidden = 8, Input = 1, Output = 1, Cell = CellType.Lstm, Layers = 4, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class RealTimeStack { }

/// <summary>
/// Streams samples through small models between two marker system calls (<c>getppid</c>), on one thread whose id it
/// prints (the last two markers are the ones that count): <see cref="RealTimeTests"/> runs it under strace and checks that this thread made no system call between the
/// markers. Every model is warmed up first and the process given time for background compilation to finish, so that
/// what runs between the markers is the steady state of a real-time caller.
/// </summary>
public static class RealTimeProbe
{
    public const string Argument = "--real-time-probe";

    /// <summary>Steps per model between the markers.</summary>
    public const int Steps = 20_000;

    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int Marker();

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int ThreadId();

    public static int Run()
    {
        var lstm = new RealTimeLstm();
        var gru = new RealTimeGru();
        var stack = new RealTimeStack();
        var vanilla = new TutorialModel();
        var input = new float[16];
        var output = new float[TutorialModel.Output];
        for (int i = 0; i < input.Length; i++) input[i] = MathF.Sin(i);

        // Warm up twice, a pause after each: call counting, tier-1 compilation and code installation happen on other
        // threads, and the pause lets them finish before the measured part.
        for (int round = 0; round < 2; round++)
        {
            Stream(lstm, gru, stack, vanilla, input, output, 40_000);
            Thread.Sleep(500);
        }

        // Measured twice, the test reads the second: the first call of Measured itself binds its calls to the markers.
        int thread = ThreadId();
        Measured(lstm, gru, stack, vanilla, input, output);
        Measured(lstm, gru, stack, vanilla, input, output);
        Console.WriteLine(thread);
        return 0;
    }

    // Fully optimised, so that the loop itself is never recompiled between the markers.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Measured(RealTimeLstm lstm, RealTimeGru gru, RealTimeStack stack, TutorialModel vanilla, float[] input, float[] output)
    {
        Marker();
        Stream(lstm, gru, stack, vanilla, input, output, Steps);
        Marker();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Stream(RealTimeLstm lstm, RealTimeGru gru, RealTimeStack stack, TutorialModel vanilla, float[] input, float[] output, int steps)
    {
        var lstmState = default(RealTimeLstm.State);
        var gruState = default(RealTimeGru.State);
        var stackState = default(RealTimeStack.State);
        var vanillaState = default(TutorialModel.State);
        for (int i = 0; i < steps; i++)
        {
            lstm.Step(ref lstmState, input, output.AsSpan(0, 1));
            gru.Step(ref gruState, input, output.AsSpan(0, 1));
            stack.Step(ref stackState, input.AsSpan(0, 1), output.AsSpan(0, 1));
            if (i % 64 == 0) vanilla.Step(ref vanillaState, i % TutorialModel.Vocab, output);
        }
    }
}
