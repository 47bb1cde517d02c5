using System;
using System.Collections.Generic;
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
    [InlineData(2, 9)]
    [InlineData(3, 7)]
    [InlineData(4, 2)] // fewer sequences than workers: some replicas have nothing to do
    public void Loss_and_gradients_are_those_of_a_serial_loop_and_follow_parameter_updates(int workers, int sequences)
    {
        var model = new Chunky();
        var serial = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), workers);
        Assert.Equal(workers, parallel.Workers);

        for (int round = 0; round < 3; round++)
        {
            TrainingSequence<int, int>[] batch = Batch(sequences, (ulong)round + 1);
            model.ZeroGradients();
            serial.ZeroGradients();
            double loss = parallel.Backward(batch);
            double expected = SerialBackward(serial, batch);

            Assert.Equal(expected, loss, 1e-12 * expected);
            AssertClose(serial.Gradients, model.Gradients);

            // An SGD step on the model between calls: the replicas must compute with the new parameters.
            Gradient.AddScaled(model.Parameters, model.Gradients, -0.1);
            Gradient.AddScaled(serial.Parameters, serial.Gradients, -0.1);
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

    [Fact]
    public void A_bad_sequence_on_a_worker_thread_throws_on_the_caller_and_the_next_batch_is_right()
    {
        TrainingSequence<int, int>[] batch = Batch(6, 3);
        var bad = (TrainingSequence<int, int>[])batch.Clone();
        bad[5] = new TrainingSequence<int, int>(new[] { 1, Chunky.Vocab }, new[] { 0, 0 }); // the last part runs on a replica

        var model = new Chunky();
        using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), 2);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => parallel.Backward(bad));
        Assert.Contains("90", error.Message); // the model's own message: the token and the vocabulary size

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

    [Fact]
    public void A_trainer_with_Parallel_trains_as_the_serial_trainer_does()
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

        var options = new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = 2 };
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
    }
}
