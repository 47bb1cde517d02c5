using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using RnnGen.Runtime;

namespace RnnGen.Tests;

// Wide enough that W_hh is stored in column panels and the recurrence can be split across two threads.
[RnnModel(Hidden = 256, Input = 8, Output = 3, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError, MaxSteps = 12)]
public partial class SplitBiLstm { }

[RnnModel(Hidden = 256, Input = 6, Output = 5, Cell = CellType.Gru, Layers = 2, Dropout = 0.25, Truncate = 3, MaxSteps = 12)]
public partial class SplitGruDropout { }

[RnnModel(Hidden = 128, Input = 4, Output = 2, Activation = Activation.Relu, Loss = Loss.SquaredError, MaxSteps = 12)]
public partial class SplitVanilla { }

[RnnModel(Hidden = 256, Input = 5, Output = 4, Cell = CellType.Lstm, Outputs = Outputs.LastStep, Precision = Precision.Double, MaxSteps = 12)]
public partial class SplitLstmDouble { }

/// <summary>
/// <c>Threads = 2</c> splits each step's hidden units between the calling thread and a partner thread. Each unit's
/// arithmetic is unchanged, so every result must equal one thread's bit for bit, and calls still allocate nothing.
/// </summary>
public class ThreadsTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }


    [Fact]
    public void BidirectionalStackedLstmMatchesOneThreadBitForBit()
    {
        var one = new SplitBiLstm();
        var two = new SplitBiLstm { Threads = 2 };
        float[] inputs = Values(11 * SplitBiLstm.Input, 1), targets = Values(11 * SplitBiLstm.Output, 2);
        try
        {
            Assert.Equal(1, one.Threads);
            Assert.Equal(2, two.Threads);
            Assert.Equal(one.Forward(inputs, targets), two.Forward(inputs, targets));
            float[] p1 = new float[11 * SplitBiLstm.Output], p2 = new float[p1.Length];
            one.Predict(inputs, p1);
            two.Predict(inputs, p2);
            Assert.Equal(p1, p2);
            one.ZeroGradients();
            two.ZeroGradients();
            Assert.Equal(one.Backward(inputs, targets), two.Backward(inputs, targets));
            Assert.True(one.Gradients.SequenceEqual(two.Gradients));
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(one.SgdStep(inputs, targets, 0.01f), two.SgdStep(inputs, targets, 0.01f));
            }

            Assert.True(one.Parameters.SequenceEqual(two.Parameters));
        }
        finally
        {
            two.Threads = 1;
        }
    }

    [Fact]
    public void TruncatedGruWithDropoutMatchesOneThreadBitForBit()
    {
        var one = new SplitGruDropout();
        var two = new SplitGruDropout { Threads = 2 };
        float[] inputs = Values(12 * SplitGruDropout.Input, 3);
        int[] targets = Enumerable.Range(0, 12).Select(i => i * 7 % SplitGruDropout.Output).ToArray();
        try
        {
            var s1 = default(SplitGruDropout.State);
            var s2 = default(SplitGruDropout.State);
            for (int i = 0; i < 3; i++)
            {
                // Training calls draw the same dropout masks: both models start from seed 0.
                Assert.Equal(one.SgdStep(inputs, targets, 0.05f, ref s1), two.SgdStep(inputs, targets, 0.05f, ref s2));
                Assert.Equal(one.Forward(inputs, targets, ref s1), two.Forward(inputs, targets, ref s2));
            }

            Assert.True(one.Parameters.SequenceEqual(two.Parameters));
            Assert.True(s1.Hidden.SequenceEqual(s2.Hidden));
            int[] c1 = new int[12], c2 = new int[12];
            one.Predict(inputs, c1);
            two.Predict(inputs, c2);
            Assert.Equal(c1, c2);
        }
        finally
        {
            two.Threads = 1;
        }
    }

    [Fact]
    public void VanillaAndDoubleLstmMatchOneThreadBitForBit()
    {
        var v1 = new SplitVanilla();
        var v2 = new SplitVanilla { Threads = 2 };
        var d1 = new SplitLstmDouble();
        var d2 = new SplitLstmDouble { Threads = 2 };
        try
        {
            float[] inputs = Values(9 * SplitVanilla.Input, 4), targets = Values(9 * SplitVanilla.Output, 5);
            Assert.Equal(v1.Backward(inputs, targets), v2.Backward(inputs, targets));
            Assert.True(v1.Gradients.SequenceEqual(v2.Gradients));

            double[] x = Values(12 * SplitLstmDouble.Input, 6).Select(v => (double)v).ToArray();
            int[] label = { 3 };
            Assert.Equal(d1.Backward(x, label), d2.Backward(x, label));
            Assert.True(d1.Gradients.SequenceEqual(d2.Gradients));
        }
        finally
        {
            v2.Threads = 1;
            d2.Threads = 1;
        }
    }

    [Fact]
    public void TwoThreadCallsAllocateNothing()
    {
        var model = new SplitBiLstm { Threads = 2 };
        RecurrenceTeam team = TeamOf(model);
        float[] inputs = Values(10 * SplitBiLstm.Input, 7), targets = Values(10 * SplitBiLstm.Output, 8), outputs = new float[targets.Length];
        try
        {
            // Both threads' bytes: the caller's, and the partner's as it counts them itself (waits included); and the
            // partner's jobs, which show it took part in every call.
            // Warm-up runs past tiered compilation: the thread whose call crosses a method's call-count threshold
            // schedules its recompilation, which may allocate once on that thread (the partner's methods included).
            (long Caller, long Partner, bool PartnerInEveryCall) Measure(Action action)
            {
                for (int i = 0; i < 40; i++) action();
                long before = GC.GetAllocatedBytesForCurrentThread(), partner = team.PartnerAllocatedBytes, jobs = team.PartnerJobs;
                for (int i = 0; i < 10; i++) action();
                return (GC.GetAllocatedBytesForCurrentThread() - before, team.PartnerAllocatedBytes - partner, team.PartnerJobs - jobs >= 10);
            }

            Assert.Equal((0L, 0L, true), Measure(() => model.Forward(inputs, targets)));
            Assert.Equal((0L, 0L, true), Measure(() => model.Backward(inputs, targets)));
            Assert.Equal((0L, 0L, true), Measure(() => model.SgdStep(inputs, targets, 0.001f)));
            Assert.Equal((0L, 0L, true), Measure(() => model.Predict(inputs, outputs)));
        }
        finally
        {
            model.Threads = 1;
        }
    }

    [Fact]
    public void ThreadsIsOneOrTwoAndCanBeSwitchedBack()
    {
        var model = new SplitVanilla();
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Threads = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Threads = 3);
        float[] inputs = Values(5 * SplitVanilla.Input, 9), targets = Values(5 * SplitVanilla.Output, 10);
        float expected = model.Forward(inputs, targets);
        model.Threads = 2;
        model.Threads = 2; // no second partner
        Assert.Equal(expected, model.Forward(inputs, targets));
        model.Threads = 1;
        Assert.Equal(1, model.Threads);
        Assert.Equal(expected, model.Forward(inputs, targets));
        model.Threads = 2;
        Assert.Equal(expected, model.Forward(inputs, targets));
        model.Threads = 1;
    }

    [Fact]
    public void ADroppedTwoThreadModelsPartnerEnds()
    {
        (WeakReference model, RecurrenceTeam team, Thread partner) = UseAndDrop();

        // Collections until the model is gone (the first normally suffices: nothing refers to it).
        for (int i = 0; i < 10 && model.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(model.IsAlive, "the model was collected");

        // The idle partner looks for its model every second; it must then end by itself, and say that this is why.
        // The wait is generous: it bounds a failure, it does not race the partner.
        Assert.True(partner.Join(TimeSpan.FromMinutes(2)), "the partner thread ended after its model was collected");
        Assert.True(team.PartnerOutlivedOwner, "the partner ended because its model was collected");
    }

    // Not inlined, so that nothing in the test's own frame keeps the model alive. The team does not refer to its
    // model (only weakly), so holding the team does not keep the model.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Model, RecurrenceTeam Team, Thread Partner) UseAndDrop()
    {
        var model = new SplitVanilla { Threads = 2 };
        model.Forward(Values(5 * SplitVanilla.Input, 11), Values(5 * SplitVanilla.Output, 12));
        RecurrenceTeam team = TeamOf(model);
        var partner = (Thread)typeof(RecurrenceTeam).GetField("_thread", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(team)!;
        Assert.True(partner.IsAlive, "the partner runs while its model lives");
        Assert.False(team.PartnerOutlivedOwner);
        return (new WeakReference(model), team, partner);
    }

    /// <summary>The partner thread's team of a model with <c>Threads = 2</c> (a private field of generated code).</summary>
    private static RecurrenceTeam TeamOf(object model) =>
        (RecurrenceTeam)model.GetType().GetField("_team", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(model)!;
}
