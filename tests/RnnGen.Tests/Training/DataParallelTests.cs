using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using RnnGen.Tests.Models;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

public class DataParallelTests
{
    /// <summary>Random token sequences of 1..12 steps for <see cref="Chunky"/> (Vocab 90, Output 150).</summary>
    private static TrainingSequence<int, int>[] Batch(int count, ulong seed)
    {
        var random = new RnnRandom(seed);
        var batch = new TrainingSequence<int, int>[count];
        for (int s = 0; s < count; s++)
        {
            int steps = 1 + random.NextInt32(Chunky.MaxSteps);
            var inputs = new int[steps];
            var targets = new int[steps];
            for (int i = 0; i < steps; i++)
            {
                inputs[i] = random.NextInt32(Chunky.Vocab);
                targets[i] = random.NextInt32(Chunky.Output);
            }

            batch[s] = new TrainingSequence<int, int>(inputs, targets);
        }

        return batch;
    }

    private static double SerialBackward(Chunky model, TrainingSequence<int, int>[] batch)
    {
        double loss = 0;
        foreach (TrainingSequence<int, int> s in batch)
        {
            loss += model.Backward(s.Inputs.Span, s.Targets.Span);
        }

        return loss;
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"gradient {i}: {actual[i]} instead of {expected[i]}");
        }
    }

    [Theory]
    [InlineData(2, 9, true)]
    [InlineData(3, 7, true)]
    [InlineData(4, 2, true)] // fewer sequences than workers: some replicas have nothing to do
    [InlineData(2, 9, false)]
    [InlineData(3, 7, false)]
    [InlineData(4, 2, false)]
    public void Loss_and_gradients_are_those_of_a_serial_loop_and_follow_parameter_updates(int workers, int sequences, bool deterministic)
    {
        // Generated models behind a gate that, claiming sequences one at a time, holds the calling thread back until a
        // worker has run one: otherwise the caller could run the whole batch alone and the workers' part go untested.
        var gate = new Gate();
        var model = new Forwarding(gate, caller: true, shares: true);
        var serial = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Forwarding(gate, caller: false, shares: true), workers, deterministic);
        Assert.Equal((workers, deterministic), (parallel.Workers, parallel.Deterministic));

        for (int round = 0; round < 3; round++)
        {
            TrainingSequence<int, int>[] batch = Batch(sequences, (ulong)round + 1);
            model.ZeroGradients();
            serial.ZeroGradients();
            long ranOnWorkers = parallel.SequencesRunByWorkers;
            gate.Arm(deterministic ? 0 : 1);
            double loss = parallel.Backward(batch);
            double expected = SerialBackward(serial, batch);
            Assert.True(parallel.SequencesRunByWorkers > ranOnWorkers, "no sequence of the batch ran on a worker thread");

            Assert.Equal(expected, loss, 1e-12 * expected);
            AssertClose(serial.Gradients, model.Gradients);

            // An SGD step on the model between calls: the replicas must compute with the new parameters.
            Gradient.AddScaled(model.Parameters, model.Gradients, -0.1);
            Gradient.AddScaled(serial.Parameters, serial.Gradients, -0.1);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Replicas_of_a_class_that_cannot_share_parameters_get_a_copy_at_every_call(bool deterministic)
    {
        var gate = new Gate();
        var model = new Forwarding(gate, caller: true);
        var serial = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Forwarding(gate, caller: false), 3, deterministic);
        for (int round = 0; round < 3; round++)
        {
            TrainingSequence<int, int>[] batch = Batch(7, (ulong)round + 20);
            serial.ZeroGradients();
            double expected = SerialBackward(serial, batch);
            long ranOnWorkers = parallel.SequencesRunByWorkers;
            gate.Arm(deterministic ? 0 : 1);
            double loss = parallel.Step(batch, new Sgd<double>(model.Parameters.Length, 0.1));
            Assert.True(parallel.SequencesRunByWorkers > ranOnWorkers, "no sequence of the batch ran on a worker thread, with a copy of the parameters");

            Assert.Equal(expected, loss, 1e-12 * expected);
            AssertClose(serial.Gradients, model.Gradients);
            Gradient.AddScaled(serial.Parameters, serial.Gradients, -0.1);
            AssertClose(serial.Parameters, model.Parameters);
        }
    }

    [Fact]
    public void A_generated_model_shares_parameters_only_with_a_model_of_its_class()
    {
        IRnnModel<double, int, int> model = new Chunky(), replica = new Chunky();
        replica.Initialize(7);
        double own = replica.Parameters[3];
        Assert.False(replica.ShareParameters(replica));
        Assert.False(replica.ShareParameters(new FullTanh()));
        Assert.False(replica.ShareParameters(new Forwarding()));
        Assert.Equal(own, replica.Parameters[3]);

        Assert.True(replica.ShareParameters(model));
        Assert.Equal(model.Parameters[3], replica.Parameters[3]);
        model.Parameters[3] = 0.25; // one memory: a change through either is seen by both
        Assert.Equal(0.25, replica.Parameters[3]);
        TrainingSequence<int, int> sequence = Batch(1, 5)[0];
        Assert.Equal(model.Forward(sequence.Inputs.Span, sequence.Targets.Span), replica.Forward(sequence.Inputs.Span, sequence.Targets.Span));
    }

    [Fact]
    public void A_model_split_across_two_threads_computes_with_the_parameters_it_shares()
    {
        var model = new SplitBiLstm();
        var replica = new SplitBiLstm { Threads = 2 };
        try
        {
            replica.Initialize(9);
            Assert.True(((IRnnModel<float, float, float>)replica).ShareParameters(model));
            Assert.Equal(2, replica.Threads);
            var random = new Random(3);
            float[] inputs = new float[5 * SplitBiLstm.Input], targets = new float[5 * SplitBiLstm.Output];
            foreach (float[] values in new[] { inputs, targets })
            {
                for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            }

            // Both halves of each step (one on the partner thread) must read the model's weights, not the replica's own.
            Assert.Equal(model.Forward(inputs, targets), replica.Forward(inputs, targets));
            model.ZeroGradients();
            replica.ZeroGradients();
            Assert.Equal(model.Backward(inputs, targets), replica.Backward(inputs, targets));
            Assert.True(model.Gradients.SequenceEqual(replica.Gradients));
        }
        finally
        {
            replica.Threads = 1;
        }
    }

    [Fact]
    public void It_adds_to_the_models_gradients_as_Backward_does()
    {
        TrainingSequence<int, int>[] batch = Batch(5, 11);
        var model = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), 2);
        model.ZeroGradients();
        parallel.Backward(batch);
        double[] once = model.Gradients.ToArray();
        parallel.Backward(batch);

        var twice = new double[once.Length];
        for (int i = 0; i < once.Length; i++) twice[i] = 2 * once[i];
        AssertClose(twice, model.Gradients);
    }

    [Fact]
    public void Results_are_identical_bit_for_bit_from_run_to_run()
    {
        TrainingSequence<int, int>[] batch = Batch(8, 5);
        double[] Run()
        {
            var model = new Chunky();
            using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), 3);
            model.ZeroGradients();
            parallel.Backward(batch);
            return model.Gradients.ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_bad_sequence_on_a_worker_thread_throws_on_the_caller_and_the_next_batch_is_right(bool deterministic)
    {
        TrainingSequence<int, int>[] batch = Batch(6, 3);
        var badSequence = new TrainingSequence<int, int>(new[] { 1, Chunky.Vocab }, new[] { 0, 0 });
        TrainingSequence<int, int>[] bad;
        if (deterministic)
        {
            bad = (TrainingSequence<int, int>[])batch.Clone();
            bad[5] = badSequence; // the last part runs on a replica
        }
        else
        {
            bad = [badSequence, badSequence]; // the gate holds the caller back on one until a worker has run the other
        }

        var gate = new Gate();
        var model = new Forwarding(gate, caller: true, shares: true);
        using var parallel = new DataParallel<double, int, int>(model, () => new Forwarding(gate, caller: false, shares: true), 2, deterministic);
        gate.Arm(deterministic ? 0 : 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => parallel.Backward(bad));
        Assert.Contains("90", error.Message); // the model's own message: the token and the vocabulary size
        Assert.True(gate.WorkerThrew, "the bad sequence did not run on a worker thread");

        var serial = new Chunky();
        model.ZeroGradients();
        serial.ZeroGradients();
        parallel.Backward(batch);
        SerialBackward(serial, batch);
        AssertClose(serial.Gradients, model.Gradients);
    }

    [Fact]
    public void Replicas_draw_their_own_dropout_masks()
    {
        // Two copies of one sequence: the model takes one, a replica the other. Had the replica the model's dropout
        // seed, it would draw the same mask and the batch's gradient would be exactly twice the model's alone.
        var sequence = new TrainingSequence<int, int>(new[] { 1, 4, 2, 5, 3 }, new[] { 0, 2, 1, 1, 2 });
        var alone = new DroppedGru();
        alone.ZeroGradients();
        alone.Backward(sequence.Inputs.Span, sequence.Targets.Span);

        var model = new DroppedGru();
        using var parallel = new DataParallel<double, int, int>(model, () => new DroppedGru(), 2);
        model.ZeroGradients();
        parallel.Backward(new[] { sequence, sequence });

        ReadOnlySpan<double> once = alone.Gradients, both = model.Gradients;
        double largest = 0;
        for (int i = 0; i < once.Length; i++) largest = Math.Max(largest, Math.Abs(both[i] - 2 * once[i]));
        Assert.True(largest > 1e-6, $"the batch's gradient is twice one part's (largest difference {largest}): the masks were the same");
    }

    [Fact]
    public void Steady_state_allocates_nothing_on_any_thread()
    {
        TrainingSequence<int, int>[] batch = Batch(6, 7);
        var model = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), 3);
        parallel.Backward(batch);
        parallel.Backward(batch);

        long workers = parallel.AllocatedByWorkers;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            model.ZeroGradients();
            parallel.Backward(batch);
        }

        long caller = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((0L, 0L), (caller, parallel.AllocatedByWorkers - workers));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.05, 0.0)] // a norm this low clips every batch
    [InlineData(0.0, 0.002)]
    [InlineData(0.3, 0.01)]
    public void A_trainer_with_Parallel_trains_as_the_serial_trainer_does(double clipNorm, double clipValue)
    {
        var data = new List<TrainingSequence<int, int>>();
        var random = new RnnRandom(4);
        for (int s = 0; s < 24; s++)
        {
            int length = 4 + random.NextInt32(20);
            int start = random.NextInt32(10);
            var tokens = new int[length + 1];
            for (int i = 0; i <= length; i++) tokens[i] = (start + 3 * i) % 10;
            data.Add(new TrainingSequence<int, int>(tokens.AsMemory(0, length), tokens.AsMemory(1)));
        }

        var options = new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = 2, ClipNorm = clipNorm, ClipValue = clipValue };
        var serialModel = new SmallModel();
        TrainingResult serial = new Trainer<float, int, int>(serialModel, new Adam<float>(serialModel.Parameters.Length, 0.01f), options).Fit(data);

        var model = new SmallModel();
        using var parallel = new DataParallel<float, int, int>(model, () => new SmallModel(), 2);
        var trainer = new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length, 0.01f), options) { Parallel = parallel };
        TrainingResult result = trainer.Fit(data);

        Assert.True(result.History[^1].TrainingLoss < result.History[0].TrainingLoss);
        for (int e = 0; e < 3; e++)
        {
            Assert.Equal(serial.History[e].TrainingLoss, result.History[e].TrainingLoss, 1e-4);
        }

        ReadOnlySpan<float> expected = serialModel.Parameters, actual = model.Parameters;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f, $"parameter {i}: {actual[i]} instead of {expected[i]}");
        }
    }

    /// <summary>An optimiser of the caller's own, which <see cref="DataParallel{T, TInput, TTarget}.Step"/> cannot slice.</summary>
    private sealed class SignSgd(int length, double learningRate) : Optimizer<double>(length, learningRate)
    {
        public override string Name => "signsgd";

        public override int StateBufferCount => 0;

        public override string GetStateBufferName(int index) => throw BadIndex(index, 0);

        public override Span<double> GetStateBuffer(int index) => throw BadIndex(index, 0);

        protected override void Update(Span<double> parameters, ReadOnlySpan<double> gradients)
        {
            for (int i = 0; i < parameters.Length; i++) parameters[i] -= LearningRate * Math.Sign(gradients[i]);
        }
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "momentum", "nesterov", "adagrad", "adam", "signsgd" };

    private static Optimizer<double> Make(string name, int length) => name switch
    {
        "sgd" => new Sgd<double>(length, 0.1),
        "momentum" => new Sgd<double>(length, 0.1, momentum: 0.9),
        "nesterov" => new Sgd<double>(length, 0.1, momentum: 0.9, nesterov: true),
        "adagrad" => new Adagrad<double>(length, 0.1),
        "adam" => new Adam<double>(length, 0.01),
        _ => new SignSgd(length, 0.01),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Step_updates_as_Backward_then_the_optimisers_Step_does(string name)
    {
        // The same split on both sides gives the same gradients, so the update in chunks on every core must leave the
        // parameters and optimiser state of one Step over the whole, to the bit (generated code gives the same bits
        // unoptimised and optimised: TieringTests).
        var model = new Chunky();
        var reference = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), 3);
        using var referenceParallel = new DataParallel<double, int, int>(reference, () => new Chunky(), 3);
        Optimizer<double> optimizer = Make(name, model.Parameters.Length);
        Optimizer<double> referenceOptimizer = Make(name, model.Parameters.Length);

        for (int round = 0; round < 3; round++)
        {
            TrainingSequence<int, int>[] batch = Batch(7, (ulong)round + 20);
            model.Gradients.Fill(1); // Step starts from zero whatever the gradients held
            double loss = parallel.Step(batch, optimizer);

            reference.ZeroGradients();
            double expected = referenceParallel.Backward(batch);
            referenceOptimizer.Step(reference.Parameters, reference.Gradients);

            Assert.Equal(expected, loss);
            Assert.Equal(reference.Gradients.ToArray(), model.Gradients.ToArray());
            Assert.Equal(reference.Parameters.ToArray(), model.Parameters.ToArray());
            Assert.Equal(referenceOptimizer.StepCount, optimizer.StepCount);
            for (int b = 0; b < optimizer.StateBufferCount; b++)
            {
                Assert.Equal(referenceOptimizer.GetStateBuffer(b).ToArray(), optimizer.GetStateBuffer(b).ToArray());
            }
        }

        // And the parameters follow a serial loop's training up to rounding.
        var serial = new Chunky();
        Optimizer<double> serialOptimizer = Make(name, serial.Parameters.Length);
        for (int round = 0; round < 3; round++)
        {
            TrainingSequence<int, int>[] batch = Batch(7, (ulong)round + 20);
            serial.ZeroGradients();
            SerialBackward(serial, batch);
            serialOptimizer.Step(serial.Parameters, serial.Gradients);
        }

        AssertClose(serial.Parameters, model.Parameters);
    }

    [Fact]
    public void Step_with_sequences_claimed_one_at_a_time_trains_as_a_serial_loop_does()
    {
        var gate = new Gate();
        var model = new Forwarding(gate, caller: true, shares: true);
        var serial = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Forwarding(gate, caller: false, shares: true), 3, deterministic: false);
        var optimizer = new Adam<double>(model.Parameters.Length, 0.01);
        var serialOptimizer = new Adam<double>(serial.Parameters.Length, 0.01);
        for (int round = 0; round < 4; round++)
        {
            TrainingSequence<int, int>[] batch = Batch(11, (ulong)round + 40);
            long ranOnWorkers = parallel.SequencesRunByWorkers;
            gate.Arm(2); // two sequences on the worker threads
            double loss = parallel.Step(batch, optimizer);
            Assert.True(parallel.SequencesRunByWorkers >= ranOnWorkers + 2, "fewer than 2 sequences of the batch ran on worker threads");
            serial.ZeroGradients();
            double expected = SerialBackward(serial, batch);
            serialOptimizer.Step(serial.Parameters, serial.Gradients);
            Assert.Equal(expected, loss, 1e-12 * expected);
        }

        AssertClose(serial.Gradients, model.Gradients);
        AssertClose(serial.Parameters, model.Parameters);
    }

    [Theory]
    [InlineData(NonFiniteAction.Throw)]
    [InlineData(NonFiniteAction.Skip)]
    public void Step_with_a_non_finite_gradient_changes_nothing_and_reports_as_the_optimiser_does(NonFiniteAction action)
    {
        TrainingSequence<int, int>[] batch = Batch(6, 8);
        var model = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), 2);
        var optimizer = new Adam<double>(model.Parameters.Length, 0.01) { NonFiniteAction = action };
        parallel.Step(batch, optimizer);

        // A NaN recurrent weight: NaN spreads through every step's state into the gradients.
        for (int i = 0; i < model.Parameters.Length; i++)
        {
            if (model.TryLocateParameter(i, out string tensor, out int row, out int column) && tensor == "rnn.weight_hh_l0" && row == 2 && column == 5)
            {
                model.Parameters[i] = double.NaN;
            }
        }


        double[] parameters = model.Parameters.ToArray();
        double[] m = optimizer.GetStateBuffer(0).ToArray();
        if (action == NonFiniteAction.Throw)
        {
            var error = Assert.Throws<NonFiniteTrainingException>(() => parallel.Step(batch, optimizer));
            int first = RnnGen.Runtime.TrainingGuard.FirstNonFinite<double>(model.Gradients);
            Assert.True(first >= 0);
            Assert.StartsWith($"adam.Step stopped before updating anything: gradients[{first}] is ", error.Message);
        }
        else
        {
            parallel.Step(batch, optimizer);
            Assert.Equal(1, optimizer.SkippedSteps);
        }

        Assert.Equal(1, optimizer.StepCount);
        Assert.Equal(parameters, model.Parameters.ToArray());
        Assert.Equal(m, optimizer.GetStateBuffer(0).ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Step_in_steady_state_allocates_nothing_on_any_thread(bool deterministic)
    {
        TrainingSequence<int, int>[] batch = Batch(6, 7);
        var gate = new Gate();
        var model = new Forwarding(gate, caller: true, shares: true);
        using var parallel = new DataParallel<double, int, int>(model, () => new Forwarding(gate, caller: false, shares: true), 3, deterministic);
        var optimizer = new Adam<double>(model.Parameters.Length, 0.001);
        parallel.Step(batch, optimizer);
        parallel.Step(batch, optimizer);

        long workers = parallel.AllocatedByWorkers, ranOnWorkers = parallel.SequencesRunByWorkers;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            gate.Arm(deterministic ? 0 : 2);
            parallel.Step(batch, optimizer);
        }

        long caller = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((0L, 0L), (caller, parallel.AllocatedByWorkers - workers));
        Assert.True(parallel.SequencesRunByWorkers >= ranOnWorkers + 10 * (deterministic ? 1 : 2), "a call ran too few sequences on worker threads");
    }

    [Fact]
    public void Misuse_is_reported_before_anything_runs()
    {
        var model = new Chunky();
        Assert.Throws<ArgumentException>(() => new DataParallel<double, int, int>(model, () => model, 2));
        Assert.Throws<ArgumentException>(() => new DataParallel<double, int, int>(model, () => new FullTanh(), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel<double, int, int>(model, () => new Chunky(), -1));
        Assert.Throws<ArgumentNullException>(() => new DataParallel<double, int, int>(model, null!, 2));

        var other = new SmallModel();
        using var parallel = new DataParallel<float, int, int>(other, () => new SmallModel(), 2);
        var trainer = new Trainer<float, int, int>(new SmallModel(), new Sgd<float>(other.Parameters.Length, 0.1f)) { Parallel = parallel };
        var data = new[] { new TrainingSequence<int, int>(new[] { 1, 2 }, new[] { 2, 3 }) };
        Assert.Throws<InvalidOperationException>(() => trainer.Fit(data));

        var disposed = new DataParallel<double, int, int>(model, () => new Chunky(), 2);
        disposed.Dispose();
        disposed.Dispose(); // twice is fine
        Assert.Throws<ObjectDisposedException>(() => disposed.Backward(Batch(1, 1)));
        Assert.Throws<ObjectDisposedException>(() => disposed.Step(Batch(1, 1), new Sgd<double>(model.Parameters.Length, 0.1)));

        using var live = new DataParallel<double, int, int>(model, () => new Chunky(), 2);
        var wrong = Assert.Throws<ArgumentException>(() => live.Step(Batch(1, 1), new Sgd<double>(model.Parameters.Length + 1, 0.1)));
        Assert.Equal("optimizer", wrong.ParamName);
        Assert.Throws<ArgumentNullException>(() => live.Step(Batch(1, 1), null!));
    }

    /// <summary>
    /// Holds the calling thread back, when armed, until worker threads have run sequences: a batch claimed one sequence
    /// at a time then cannot be run by the calling thread alone, however the threads are scheduled.
    /// </summary>
    private sealed class Gate
    {
        // A generous bound, so that a broken DataParallel fails the test instead of hanging it; never reached otherwise.
        private static readonly long Patience = Stopwatch.Frequency * 300;
        private int _awaited;
        private volatile bool _workerThrew;

        /// <summary>Whether a sequence run by a worker thread threw.</summary>
        public bool WorkerThrew => _workerThrew;

        /// <summary>From now on the caller's model starts no sequence until worker threads have run <paramref name="sequences"/> (0: no wait).</summary>
        public void Arm(int sequences) => Volatile.Write(ref _awaited, sequences);

        /// <summary>The calling thread, before a sequence: waits, spinning (a blocking wait's first use would allocate).</summary>
        public void BeforeCaller()
        {
            long deadline = Stopwatch.GetTimestamp() + Patience;
            SpinWait spin = default;
            while (Volatile.Read(ref _awaited) > 0)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException("No worker thread ran a sequence of the batch in five minutes while the calling thread waited.");
                }

                spin.SpinOnce();
            }
        }

        /// <summary>A worker thread, after a sequence.</summary>
        public void AfterWorker(bool threw)
        {
            if (threw)
            {
                _workerThrew = true;
            }

            Interlocked.Decrement(ref _awaited);
        }
    }

    /// <summary>
    /// A model class not made by the generator (it forwards to a generated one). Unless told to <c>shares</c> (forwarding
    /// <see cref="IRnnModel{T, TInput, TTarget}.ShareParameters"/> to the generated models), it has no ShareParameters:
    /// DataParallel copies the parameters into its replicas. With a <see cref="Gate"/>, the model of the calling thread
    /// (<c>caller</c>) waits at each sequence as the gate says, and the replicas report each sequence they ran.
    /// </summary>
    private sealed class Forwarding(Gate? gate = null, bool caller = false, bool shares = false) : IRnnModel<double, int, int>
    {
        private readonly Chunky _inner = new();

        public Span<double> Parameters => _inner.Parameters;

        public Span<double> Gradients => _inner.Gradients;

        public void Initialize(int seed) => _inner.Initialize(seed);

        public void ZeroGradients() => _inner.ZeroGradients();

        public double Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets) => _inner.Forward(inputs, targets);

        public double Backward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
        {
            if (gate is null)
            {
                return _inner.Backward(inputs, targets);
            }

            if (caller)
            {
                gate.BeforeCaller();
                return _inner.Backward(inputs, targets);
            }

            bool threw = true;
            try
            {
                double loss = _inner.Backward(inputs, targets);
                threw = false;
                return loss;
            }
            finally
            {
                gate.AfterWorker(threw);
            }
        }

        public double SgdStep(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, double learningRate) => _inner.SgdStep(inputs, targets, learningRate);

        public int Predict(ReadOnlySpan<int> inputs, Span<int> destination) => _inner.Predict(inputs, destination);

        public void LoadWeights(System.IO.Stream safetensors) => _inner.LoadWeights(safetensors);

        public void SaveWeights(System.IO.Stream safetensors) => _inner.SaveWeights(safetensors);

        public void SaveGradients(System.IO.Stream safetensors) => _inner.SaveGradients(safetensors);

        bool IRnnModel<double, int, int>.ShareParameters(IRnnModel<double, int, int> source) =>
            shares && source is Forwarding other && ((IRnnModel<double, int, int>)_inner).ShareParameters(other._inner);
    }
}
