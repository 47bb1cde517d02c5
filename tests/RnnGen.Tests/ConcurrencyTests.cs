using System;
using System.IO;
using System.Linq;
using System.Threading;

namespace RnnGen.Tests;

/// <summary>Small enough to step quickly, with a long MaxSteps so that one Forward keeps the instance busy for a while.</summary>
[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 4096)]
public partial class ServedLstm { }

/// <summary>Batched streams: the other way to serve several callers.</summary>
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 16, Batch = 4)]
public partial class ServedBatchGru { }

/// <summary>Bidirectional: no Step, so its callers share it through Forward and Predict.</summary>
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Gru, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError, MaxSteps = 64)]
public partial class ServedBiGru { }

/// <summary>
/// One call at a time per instance (RnnGen.Runtime.CallGuard): a call that arrives while another is running on the same
/// instance throws InvalidOperationException, changes nothing and leaves the instance usable; instances that share one
/// copy of the parameters (ShareParameters) run on many threads at once and give the single-thread results exactly.
/// No test here waits with a time limit: the overlapping call is held open by a stream that blocks inside LoadWeights
/// until released, or the test repeats until an overlap has happened.
/// </summary>
public class ConcurrencyTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static byte[] Weights(IRnnModel<float, float, float> model)
    {
        var file = new MemoryStream();
        model.SaveWeights(file);
        return file.ToArray();
    }

    /// <summary>A weight file whose first read signals <see cref="Entered"/> and then waits for <see cref="Release"/>.</summary>
    private sealed class HeldStream(byte[] contents) : MemoryStream(contents)
    {
        public readonly ManualResetEventSlim Entered = new(), Release = new();

        private int _reads;

        public override int Read(byte[] buffer, int offset, int count)
        {
            Hold();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            Hold();
            return base.Read(buffer);
        }

        public override int ReadByte()
        {
            Hold();
            return base.ReadByte();
        }

        private void Hold()
        {
            if (_reads++ == 0)
            {
                Entered.Set();
                Release.Wait();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="during"/> on this thread while another thread is inside <paramref name="model"/>'s
    /// LoadWeights (held open by its stream), then lets that call finish; it must succeed.
    /// </summary>
    private static void WhileBusy(IRnnModel<float, float, float> model, Action during)
    {
        var stream = new HeldStream(Weights(model));
        Exception? failure = null;
        var loader = new Thread(() =>
        {
            try
            {
                model.LoadWeights(stream);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                stream.Entered.Set(); // also when LoadWeights failed before reading, so that the test cannot hang
            }
        });
        loader.Start();
        stream.Entered.Wait();
        try
        {
            Assert.Null(failure);
            during();
        }
        finally
        {
            stream.Release.Set();
            loader.Join();
        }

        Assert.Null(failure);
    }

    private static void AssertBusy(string member, Action call)
    {
        var e = Assert.Throws<InvalidOperationException>(call);
        Assert.Contains(member, e.Message);
        Assert.Contains("another call on the same", e.Message);
        Assert.Contains("IRnnModel<T, TInput, TTarget>.ShareParameters", e.Message);
        Assert.Contains("Batch = B", e.Message);
    }

    [Fact]
    public void EveryMemberThrowsWhileAnotherThreadsCallRuns()
    {
        var model = new ServedLstm();
        model.Initialize(3);
        float[] inputs = Values(5 * ServedLstm.Input, 1), targets = Values(5 * ServedLstm.Output, 2), outputs = new float[5];
        float expected = model.Forward(inputs, targets);
        float[] parameters = model.Parameters.ToArray();
        var state = default(ServedLstm.State);
        WhileBusy(model, () =>
        {
            AssertBusy("ServedLstm.Forward", () => model.Forward(inputs, targets));
            AssertBusy("ServedLstm.Forward", () => model.Forward(inputs, targets, ref state));
            AssertBusy("ServedLstm.Backward", () => model.Backward(inputs, targets));
            AssertBusy("ServedLstm.SgdStep", () => model.SgdStep(inputs, targets, 0.1f));
            AssertBusy("ServedLstm.Predict", () => model.Predict(inputs, outputs));
            AssertBusy("ServedLstm.Step", () => model.Step(ref state, inputs.AsSpan(0, ServedLstm.Input), outputs));
            AssertBusy("ServedLstm.Initialize", () => model.Initialize(9));
            AssertBusy("ServedLstm.ZeroGradients", model.ZeroGradients);
            AssertBusy("ServedLstm.LoadWeights", () => model.LoadWeights(new MemoryStream(Weights(new ServedLstm()))));
            AssertBusy("ServedLstm.SaveWeights", () => model.SaveWeights(new MemoryStream()));
            AssertBusy("ServedLstm.SaveGradients", () => model.SaveGradients(new MemoryStream()));
        });

        // Nothing the refused calls would have done happened; the instance works as before.
        Assert.True(model.Parameters.SequenceEqual(parameters));
        Assert.Equal(expected, model.Forward(inputs, targets));
        var fresh = default(ServedLstm.State);
        float[] afterRefusal = new float[1], fromZero = new float[1];
        model.Step(ref state, inputs.AsSpan(0, ServedLstm.Input), afterRefusal);
        model.Step(ref fresh, inputs.AsSpan(0, ServedLstm.Input), fromZero);
        Assert.Equal(fromZero, afterRefusal);
    }

    [Fact]
    public void BatchedStepAndProbabilitiesThrowWhileBusy()
    {
        var model = new ServedBatchGru();
        var states = new ServedBatchGru.State[2];
        float[] inputs = Values(2 * ServedBatchGru.Input, 1), outputs = new float[2 * ServedBatchGru.Output];
        WhileBusy(model, () => AssertBusy("ServedBatchGru.Step", () => model.Step(states, inputs, outputs)));
        model.Step(states, inputs, outputs);
    }

    [Fact]
    public void TokenModelsGenerateAndProbabilitiesThrowWhileBusy()
    {
        var model = new Models.SmallModel();
        var file = new MemoryStream();
        model.SaveWeights(file);
        var stream = new HeldStream(file.ToArray());
        var loader = new Thread(() => model.LoadWeights(stream));
        loader.Start();
        stream.Entered.Wait();
        try
        {
            var random = new RnnRandom(1);
            int[] prompt = { 1 }, destination = new int[4];
            var probabilities = new float[Models.SmallModel.Output];
            Assert.Throws<InvalidOperationException>(() => model.Generate(prompt, destination, 1f, ref random));
            Assert.Throws<InvalidOperationException>(() => model.Probabilities(prompt, probabilities));
        }
        finally
        {
            stream.Release.Set();
            loader.Join();
        }
    }

    [Fact]
    public void TwoThreadsOnOneInstanceThrowAndTheInstanceStillGivesTheSingleThreadResults()
    {
        var model = new ServedLstm();
        var reference = new ServedLstm();
        model.Initialize(5);
        reference.Initialize(5);
        float[] longInputs = Values(ServedLstm.MaxSteps * ServedLstm.Input, 1), longTargets = Values(ServedLstm.MaxSteps, 2);
        float[] inputs = Values(3 * ServedLstm.Input, 3), targets = Values(3, 4);
        var output = new float[1];

        // One thread keeps the instance busy with long Forwards; this one calls Step until a call is refused. The long
        // call occupies the instance nearly all the time, so a refusal comes within a few calls; no clock is involved.
        int refusedHere = 0, refusedThere = 0;
        Exception? unexpected = null;
        var stop = new ManualResetEventSlim();
        var started = new ManualResetEventSlim();
        var busy = new Thread(() =>
        {
            started.Set();
            while (!stop.IsSet)
            {
                try
                {
                    model.Forward(longInputs, longTargets);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refusedThere);
                }
                catch (Exception e)
                {
                    unexpected = e;
                    return;
                }
            }
        });
        busy.Start();
        started.Wait();
        var state = default(ServedLstm.State);
        while (refusedHere == 0 && unexpected is null)
        {
            try
            {
                model.Step(ref state, inputs.AsSpan(0, ServedLstm.Input), output);
            }
            catch (InvalidOperationException e)
            {
                Assert.Contains("ServedLstm.Step", e.Message);
                refusedHere++;
            }
        }

        stop.Set();
        busy.Join();
        Assert.Null(unexpected);
        Assert.Equal(1, refusedHere);

        // The refusals left nothing behind: every member works again and matches an instance never shared.
        Assert.Equal(reference.Forward(inputs, targets), model.Forward(inputs, targets));
        Assert.Equal(reference.Forward(longInputs, longTargets), model.Forward(longInputs, longTargets));
        var expectedState = default(ServedLstm.State);
        var expectedOutput = new float[1];
        state = default;
        for (int t = 0; t < 3; t++)
        {
            reference.Step(ref expectedState, inputs.AsSpan(t * ServedLstm.Input, ServedLstm.Input), expectedOutput);
            model.Step(ref state, inputs.AsSpan(t * ServedLstm.Input, ServedLstm.Input), output);
            Assert.Equal(expectedOutput, output);
        }

        Assert.Equal(reference.SgdStep(inputs, targets, 0.05f), model.SgdStep(inputs, targets, 0.05f));
        Assert.True(model.Parameters.SequenceEqual(reference.Parameters));
    }

    [Fact]
    public void AFailedCallFreesTheInstance()
    {
        var model = new ServedLstm();
        Assert.Throws<ArgumentException>(() => model.Forward(new float[3], new float[1]));
        Assert.Throws<InvalidDataException>(() => model.LoadWeights(new MemoryStream(new byte[] { 1, 2, 3 })));
        Assert.ThrowsAny<ArgumentException>(() => model.SgdStep(Values(ServedLstm.Input, 1), new float[1], float.NaN));
        float[] inputs = Values(2 * ServedLstm.Input, 1), targets = Values(2, 2);
        Assert.Equal(new ServedLstm().Forward(inputs, targets), model.Forward(inputs, targets));
    }

    [Fact]
    public void SharingParametersRestartsThePartnerThreadWithoutTrippingTheGuard()
    {
        // ShareParameters sets Threads itself (a partner on the new array): a call inside a call on the same thread.
        var source = new SplitVanilla();
        source.Initialize(4);
        var model = new SplitVanilla { Threads = 2 };
        try
        {
            Assert.True(((IRnnModel<float, float, float>)model).ShareParameters(source));
            Assert.Equal(2, model.Threads);
            float[] inputs = Values(4 * SplitVanilla.Input, 1), targets = Values(4 * SplitVanilla.Output, 2);
            Assert.Equal(source.Forward(inputs, targets), model.Forward(inputs, targets));
        }
        finally
        {
            model.Threads = 1;
        }
    }

    /// <summary>
    /// Four threads, each with its own instance sharing one copy of the parameters, all stepping and scoring different
    /// streams at once, several times over: every result equals the one a single instance computes alone.
    /// </summary>
    [Fact]
    public void InstancesSharingParametersOnFourThreadsGiveTheSingleThreadResults()
    {
        const int threads = 4, steps = 40, repeats = 25;
        var source = new ServedLstm();
        source.Initialize(11);
        var inputs = new float[threads][];
        var targets = new float[threads][];
        var expectedLoss = new float[threads];
        var expectedSteps = new float[threads][];
        for (int k = 0; k < threads; k++)
        {
            inputs[k] = Values(steps * ServedLstm.Input, 10 + k);
            targets[k] = Values(steps, 20 + k);
            expectedLoss[k] = source.Forward(inputs[k], targets[k]);
            expectedSteps[k] = StepAll(source, inputs[k]);
        }

        var models = Enumerable.Range(0, threads).Select(_ => new ServedLstm()).ToArray();
        foreach (var model in models)
        {
            Assert.True(((IRnnModel<float, float, float>)model).ShareParameters(source));
        }

        var failures = new Exception?[threads];
        var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(k => new Thread(() =>
        {
            try
            {
                for (int r = 0; r < repeats; r++)
                {
                    barrier.SignalAndWait();
                    Assert.Equal(expectedLoss[k], models[k].Forward(inputs[k], targets[k]));
                    Assert.Equal(expectedSteps[k], StepAll(models[k], inputs[k]));
                }
            }
            catch (Exception e)
            {
                failures[k] = e;
                barrier.RemoveParticipant();
            }
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        Assert.All(failures, failure => Assert.Null(failure));
    }

    private static float[] StepAll(ServedLstm model, float[] inputs)
    {
        var state = default(ServedLstm.State);
        var outputs = new float[inputs.Length / ServedLstm.Input];
        for (int t = 0; t < outputs.Length; t++)
        {
            model.Step(ref state, inputs.AsSpan(t * ServedLstm.Input, ServedLstm.Input), outputs.AsSpan(t, 1));
        }

        return outputs;
    }

    /// <summary>Bidirectional models have no Step: their callers share them through Forward and Predict, the same way.</summary>
    [Fact]
    public void BidirectionalInstancesSharingParametersOnFourThreadsGiveTheSingleThreadResults()
    {
        const int threads = 4, steps = 50, repeats = 25;
        var source = new ServedBiGru();
        source.Initialize(12);
        var inputs = new float[threads][];
        var targets = new float[threads][];
        var expectedLoss = new float[threads];
        var expectedOutputs = new float[threads][];
        for (int k = 0; k < threads; k++)
        {
            inputs[k] = Values(steps * ServedBiGru.Input, 30 + k);
            targets[k] = Values(steps * ServedBiGru.Output, 40 + k);
            expectedLoss[k] = source.Forward(inputs[k], targets[k]);
            expectedOutputs[k] = new float[steps * ServedBiGru.Output];
            source.Predict(inputs[k], expectedOutputs[k]);
        }

        WhileBusy(source, () => AssertBusy("ServedBiGru.Forward", () => source.Forward(inputs[0], targets[0])));
        var models = Enumerable.Range(0, threads).Select(_ => new ServedBiGru()).ToArray();
        foreach (var model in models)
        {
            Assert.True(((IRnnModel<float, float, float>)model).ShareParameters(source));
        }

        var failures = new Exception?[threads];
        var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(k => new Thread(() =>
        {
            var outputs = new float[steps * ServedBiGru.Output];
            try
            {
                for (int r = 0; r < repeats; r++)
                {
                    barrier.SignalAndWait();
                    Assert.Equal(expectedLoss[k], models[k].Forward(inputs[k], targets[k]));
                    models[k].Predict(inputs[k], outputs);
                    Assert.Equal(expectedOutputs[k], outputs);
                }
            }
            catch (Exception e)
            {
                failures[k] = e;
                barrier.RemoveParticipant();
            }
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        Assert.All(failures, failure => Assert.Null(failure));
    }
}
