using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Training;

namespace RnnGen.Tests.Batch;

/// <summary>
/// Trainer and DataParallel hand a model with Batch &gt; 1 its sequences in padded batches: the same training as one
/// call per sequence (the twin model without Batch), in calls of at most Batch sequences, bucketed by length when asked.
/// </summary>
public class BatchTrainingTests
{
    /// <summary>Counting modulo 10 from a random start, 1 to 16 tokens: each token predicts the next, some targets ignored.</summary>
    private static List<TrainingSequence<int, int>> Counting(int count, int seed)
    {
        var random = new Random(seed);
        var sequences = new List<TrainingSequence<int, int>>();
        for (int s = 0; s < count; s++)
        {
            int length = 1 + random.Next(16), start = random.Next(10);
            var tokens = new int[length + 1];
            for (int i = 0; i <= length; i++) tokens[i] = (start + i) % 10;
            int[] targets = tokens[1..];
            if (random.Next(4) == 0) targets[random.Next(length)] = CrossEntropy.IgnoreIndex;
            sequences.Add(new TrainingSequence<int, int>(tokens.AsMemory(0, length), targets));
        }

        return sequences;
    }

    private static TrainerOptions Options(bool bucket = false) => new()
    {
        Epochs = 3, BatchSize = 6, Seed = 5, ClipNorm = 5, BucketByLength = bucket, RestoreBest = false,
    };

    [Fact]
    public void Trainer_trains_in_padded_batches_as_one_sequence_a_call()
    {
        List<TrainingSequence<int, int>> train = Counting(40, 1), heldOut = Counting(11, 2);
        var twin = new OneByOneTagger();
        var alone = new Trainer<double, int, int>(twin, new Adam<double>(twin.Parameters.Length, 0.02), Options());
        TrainingResult expected = alone.Fit(train, heldOut);

        var model = new Counted(new BatchTrainedTagger());
        var trainer = new Trainer<double, int, int>(model, new Adam<double>(model.Parameters.Length, 0.02), Options());
        TrainingResult actual = trainer.Fit(train, heldOut);

        // Every minibatch of 6 goes in two calls (4 + 2; the epoch's last, of 4, in one); nothing one sequence at a time.
        Assert.Equal(3 * (6 * 2 + 1), model.Batches.Count);
        Assert.All(model.Batches, lengths => Assert.InRange(lengths.Length, 1, BatchTrainedTagger.Batch));
        Assert.Equal(0, model.SingleCalls);
        Assert.True(model.BatchedForwards > 0 && model.BatchedPredicts > 0, "the held-out loss and accuracy are computed in batches");
        for (int e = 0; e < 3; e++)
        {
            EpochResult a = trainer.History[e], b = alone.History[e];
            Assert.Equal(b.Loss, a.Loss, 1e-12);
            Assert.Equal(b.ValidationLoss, a.ValidationLoss, 1e-12);
            Assert.Equal(b.ValidationAccuracy, a.ValidationAccuracy);
        }

        Assert.Equal(expected.BestLoss, actual.BestLoss, 1e-12);
        double[] p = twin.Parameters.ToArray(), q = model.Parameters.ToArray();
        for (int i = 0; i < p.Length; i++) Assert.Equal(p[i], q[i], 1e-12);
        Assert.Equal(alone.Evaluate(heldOut), trainer.Evaluate(heldOut), 1e-12);
        Assert.Equal(alone.Accuracy(heldOut), trainer.Accuracy(heldOut));
    }

    [Fact]
    public void Bucketing_fills_each_minibatch_with_similar_lengths()
    {
        List<TrainingSequence<int, int>> train = Counting(48, 3); // 8 minibatches: one window of 16
        var model = new Counted(new BatchTrainedTagger());
        new Trainer<double, int, int>(model, new Sgd<double>(model.Parameters.Length, 0.1), Options(bucket: true)).Fit(train);

        int[] all = train.Select(s => s.Inputs.Length).Order().ToArray();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            // A minibatch is two calls: 4 sequences, then 2.
            int[][] calls = model.Batches.Skip(epoch * 16).Take(16).ToArray();
            Assert.Equal(all, calls.SelectMany(c => c).Order().ToArray()); // each sequence once an epoch
            var ranges = Enumerable.Range(0, 8).Select(b => calls[2 * b].Concat(calls[2 * b + 1]).ToArray()).Select(l => (Min: l.Min(), Max: l.Max())).OrderBy(r => r.Min).ToArray();
            for (int b = 1; b < ranges.Length; b++)
            {
                Assert.True(ranges[b - 1].Max <= ranges[b].Min, $"epoch {epoch + 1}: minibatches of lengths {ranges[b - 1]} and {ranges[b]} overlap");
            }
        }

        // In a random order of minibatches: not shortest first every epoch.
        int[] firsts = Enumerable.Range(0, 3).Select(e => model.Batches[e * 16].Max()).ToArray();
        Assert.False(firsts.All(f => f == all[5]), $"every epoch began with the shortest minibatch ({string.Join(", ", firsts)})");

        // The same seed buckets the same way; the training still learns.
        var again = new Counted(new BatchTrainedTagger());
        new Trainer<double, int, int>(again, new Sgd<double>(again.Parameters.Length, 0.1), Options(bucket: true)).Fit(train);
        Assert.Equal(model.Batches.SelectMany(b => b), again.Batches.SelectMany(b => b));
    }

    [Fact]
    public void Bucketing_trains_a_model_without_batches_too()
    {
        List<TrainingSequence<int, int>> train = Counting(200, 4), heldOut = Counting(30, 5);
        var model = new OneByOneTagger();
        TrainingResult result = new Trainer<double, int, int>(model, new Adam<double>(model.Parameters.Length, 0.05),
            new TrainerOptions { Epochs = 6, BatchSize = 8, BucketByLength = true, Seed = 1 }).Fit(train, heldOut);
        Assert.True(result.BestLoss < 0.5, $"held-out loss per step {result.BestLoss}");
    }

    [Fact]
    public void A_derived_trainers_override_is_called_for_every_sequence()
    {
        List<TrainingSequence<int, int>> train = Counting(10, 6);
        var model = new Counted(new BatchTrainedTagger());
        var trainer = new PerSequence(model);
        trainer.Fit(train, train);
        Assert.Equal(10, trainer.Backwards);
        Assert.Empty(model.Batches);
        Assert.Equal(3, model.BatchedForwards); // Forward is not overridden: the held-out loss goes in batches of 4
        Assert.Equal(10, trainer.Predictions); // ... but Predict is
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DataParallel_hands_each_thread_padded_batches(bool deterministic)
    {
        List<TrainingSequence<int, int>> batch = Counting(13, 7);
        var twin = new OneByOneTagger();
        twin.ZeroGradients();
        double expected = 0;
        foreach (TrainingSequence<int, int> s in batch) expected += twin.Backward(s.Inputs.Span, s.Targets.Span);

        var model = new Counted(new BatchTrainedTagger());
        var replicas = new List<Counted>();
        using var parallel = new DataParallel<double, int, int>(model, () => { var r = new Counted(new BatchTrainedTagger()); replicas.Add(r); return r; }, 2, deterministic);
        model.ZeroGradients();
        double loss = parallel.Backward(batch.ToArray());

        Assert.Equal(expected, loss, 1e-9);
        double[] g = twin.Gradients.ToArray(), h = model.Gradients.ToArray();
        for (int i = 0; i < g.Length; i++) Assert.Equal(g[i], h[i], 1e-12);
        // Batches of up to 4; a batch of one (a claim's remainder) is the sequence's own call.
        int[][] calls = model.Batches.Concat(replicas[0].Batches).ToArray();
        int singles = model.SingleCalls + replicas[0].SingleCalls;
        Assert.Equal(13, calls.Sum(c => c.Length) + singles);
        Assert.All(calls, c => Assert.InRange(c.Length, 2, BatchTrainedTagger.Batch));
        Assert.InRange(singles, 0, 2);
    }

    /// <summary>A trainer that carries nothing but overrides the per-sequence Backward and Predict, counting them.</summary>
    private sealed class PerSequence(IRnnModel<double, int, int> model)
        : Trainer<double, int, int>(model, new Sgd<double>(model.Parameters.Length, 0.1), new TrainerOptions { Epochs = 1, BatchSize = 5 })
    {
        public int Backwards { get; private set; }

        public int Predictions { get; private set; }

        protected override double Backward(in TrainingSequence<int, int> sequence)
        {
            Backwards++;
            return base.Backward(sequence);
        }

        protected override void Predict(in TrainingSequence<int, int> sequence, Span<int> destination)
        {
            Predictions++;
            base.Predict(sequence, destination);
        }
    }

    /// <summary>A batch model that records its batched calls (each Backward's lengths) and counts the one-sequence ones.</summary>
    private sealed class Counted(BatchTrainedTagger inner) : IBatchModel<double, int, int>
    {
        public List<int[]> Batches { get; } = [];

        public int BatchedForwards { get; private set; }

        public int BatchedPredicts { get; private set; }

        public int SingleCalls { get; private set; }

        public int Batch => BatchTrainedTagger.Batch;

        public Span<double> Parameters => inner.Parameters;

        public Span<double> Gradients => inner.Gradients;

        public void Initialize(int seed) => inner.Initialize(seed);

        public void ZeroGradients() => inner.ZeroGradients();

        public double Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
        {
            SingleCalls++;
            return inner.Forward(inputs, targets);
        }

        public double Backward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
        {
            SingleCalls++;
            return inner.Backward(inputs, targets);
        }

        public double SgdStep(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, double learningRate) => inner.SgdStep(inputs, targets, learningRate);

        public int Predict(ReadOnlySpan<int> inputs, Span<int> destination)
        {
            SingleCalls++;
            return inner.Predict(inputs, destination);
        }

        public double Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, ReadOnlySpan<int> lengths)
        {
            BatchedForwards++;
            return inner.Forward(inputs, targets, lengths);
        }

        public double Backward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, ReadOnlySpan<int> lengths)
        {
            Batches.Add(lengths.ToArray());
            return inner.Backward(inputs, targets, lengths);
        }

        public int Predict(ReadOnlySpan<int> inputs, ReadOnlySpan<int> lengths, Span<int> destination)
        {
            BatchedPredicts++;
            return inner.Predict(inputs, lengths, destination);
        }

        public void LoadWeights(Stream safetensors) => inner.LoadWeights(safetensors);

        public void SaveWeights(Stream safetensors) => inner.SaveWeights(safetensors);

        public void SaveGradients(Stream safetensors) => inner.SaveGradients(safetensors);
    }
}
