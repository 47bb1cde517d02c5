using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>
/// What the trainer reports is what happened: losses per step of the model (not per input value), the step counts
/// and throughput of dense models, a best epoch with or without a held-out set, and sequences that do not fit the
/// model refused before any weight changes.
/// </summary>
public sealed class TrainerReportTests
{
    /// <summary>Dense sequences for <see cref="DenseRegressor"/> (Input 3, Output 2 per step) of the given step counts.</summary>
    private static List<TrainingSequence<float, float>> DenseSequences(ulong seed, params int[] steps)
    {
        var random = new RnnRandom(seed);
        var sequences = new List<TrainingSequence<float, float>>();
        foreach (int n in steps)
        {
            var inputs = new float[n * DenseRegressor.Input];
            var targets = new float[n * DenseRegressor.Output];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble(-1, 1);
            for (int i = 0; i < targets.Length; i++) targets[i] = (float)random.NextDouble(-1, 1);
            sequences.Add(new TrainingSequence<float, float>(inputs, targets));
        }

        return sequences;
    }

    private static double SummedForward<TInput, TTarget>(IRnnModel<float, TInput, TTarget> model, IEnumerable<TrainingSequence<TInput, TTarget>> sequences)
        where TInput : unmanaged
        where TTarget : unmanaged =>
        sequences.Sum(s => (double)model.Forward(s.Inputs.Span, s.Targets.Span));

    [Fact]
    public void A_dense_models_losses_and_throughput_are_per_time_step_not_per_input_value()
    {
        int[] steps = [2, 5, 3, 4, 1, 5];
        List<TrainingSequence<float, float>> train = DenseSequences(1, steps), heldOut = DenseSequences(2, 3, 4);
        var model = new DenseRegressor();

        // A learning rate of 0 leaves the parameters as they are, so the epoch's training loss is the model's
        // Forward sum over the training set, divided by its 20 time steps (not its 60 input values).
        double trainingSum = SummedForward(model, train), heldOutSum = SummedForward(model, heldOut);
        var trainer = new Trainer<float, float, float>(model, new Sgd<float>(model.Parameters.Length, 0f),
            new TrainerOptions { Epochs = 2, BatchSize = 4, Patience = 5 });
        var progress = new List<TrainingProgress>();
        trainer.Progress = progress.Add;

        Assert.Equal(heldOutSum / 7, trainer.Evaluate(heldOut), 1e-6);
        TrainingResult result = trainer.Fit(train, heldOut);

        foreach (EpochResult epoch in result.History)
        {
            Assert.Equal(20, epoch.Steps);
            Assert.Equal(trainingSum / 20, epoch.TrainingLoss, 1e-6);
            Assert.Equal(heldOutSum / 7, epoch.ValidationLoss, 1e-6);
        }

        TrainingProgress last = progress[^1];
        Assert.Equal((20L, 20L), (last.StepsDone, last.Steps));
        Assert.Equal(trainingSum / 20, last.Loss, 1e-6);
        Assert.Equal(new long[] { 2 + 5 + 3 + 4, 20 }, progress.Where(p => p.Epoch == 1).Select(p => p.StepsDone));
        Assert.Equal(heldOutSum / 7, result.BestLoss, 1e-6);
    }

    [Fact]
    public void A_sequence_to_one_models_loss_is_per_sequence_and_its_throughput_in_time_steps()
    {
        // Outputs.LastStep: one class per sequence, so one loss term per sequence, whatever its length.
        var random = new RnnRandom(3);
        var sequences = new List<TrainingSequence<float, int>>();
        foreach (int n in new[] { 4, 1, 5, 2 })
        {
            var inputs = new float[n * SequenceClassifier.Input];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble(-1, 1);
            sequences.Add(new TrainingSequence<float, int>(inputs, new[] { n % 2 }));
        }

        var model = new SequenceClassifier();
        double sum = SummedForward(model, sequences);
        var trainer = new Trainer<float, float, int>(model, new Sgd<float>(model.Parameters.Length, 0f), new TrainerOptions { Epochs = 1 });

        Assert.Equal(sum / 4, trainer.Evaluate(sequences), 1e-6);
        EpochResult epoch = trainer.Fit(sequences).History[0];
        Assert.Equal(12, epoch.Steps);
        Assert.Equal(sum / 4, epoch.TrainingLoss, 1e-6);
    }

    public static TheoryData<string, Func<TrainingSequence<float, float>>, string> Misfits => new()
    {
        {
            "steps stated wrongly", () => new TrainingSequence<float, float>(new float[12], new float[8], 12),
            "training[1] was given steps = 12, but its 12 input values make 4 steps of this model's Input = 3 values each. (Parameter 'training')"
        },
        {
            "inputs not whole steps", () => new TrainingSequence<float, float>(new float[10], new float[8]),
            "training[1] has 10 input values, which is not a whole number of steps: this model reads Input = 3 values per step. (Parameter 'training')"
        },
        {
            "targets for another step count", () => new TrainingSequence<float, float>(new float[12], new float[6]),
            "training[1] has 6 target values, but this model needs 8: Output = 2 values for each of its 4 steps. (Parameter 'training')"
        },
        {
            "more steps than MaxSteps", () => new TrainingSequence<float, float>(new float[18], new float[12]),
            "training[1] has 6 steps, more than this model's MaxSteps = 5: split it into shorter sequences, or declare a larger MaxSteps. (Parameter 'training')"
        },
        {
            "empty", () => default,
            "training[1] has no inputs: a sequence needs at least one step (a default TrainingSequence?). (Parameter 'training')"
        },
    };

    [Theory]
    [MemberData(nameof(Misfits))]
    public void A_sequence_that_does_not_fit_the_model_is_refused_before_any_weight_changes(string what, Func<TrainingSequence<float, float>> misfit, string message)
    {
        List<TrainingSequence<float, float>> train = DenseSequences(4, 3, 2, 2);
        train[1] = misfit();
        var model = new DenseRegressor();
        float[] before = model.Parameters.ToArray();
        var trainer = new Trainer<float, float, float>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Epochs = 1 });

        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(train));
        Assert.Equal(message, error.Message);
        Assert.Equal("training", error.ParamName);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, trainer.CompletedEpochs);

        // The held-out set and Evaluate are checked the same way, under their own names.
        List<TrainingSequence<float, float>> good = DenseSequences(5, 2);
        Assert.Equal(message.Replace("training", "validation"), Assert.Throws<ArgumentException>(() => trainer.Fit(good, train)).Message);
        Assert.Equal(message.Replace("training", "sequences"), Assert.Throws<ArgumentException>(() => trainer.Evaluate(train)).Message);
        Assert.Equal(before, model.Parameters.ToArray());
        _ = what;
    }

    [Fact]
    public void Stated_steps_that_agree_with_the_model_are_accepted()
    {
        var model = new DenseRegressor();
        var trainer = new Trainer<float, float, float>(model, new Sgd<float>(model.Parameters.Length, 0f), new TrainerOptions { Epochs = 1 });
        var sequence = new TrainingSequence<float, float>(new float[12], new float[8], 4);
        Assert.Equal(4, sequence.Steps);
        Assert.Equal(4, trainer.Fit([sequence]).History[0].Steps);
    }

    [Fact]
    public void Without_a_held_out_set_the_best_epoch_is_the_one_with_the_lowest_training_loss()
    {
        var model = new SmallModel();
        var trainer = new ScriptedTraining(model, [3.0, 1.0, 2.0]);
        TrainingResult result = trainer.Fit([new TrainingSequence<int, int>(new[] { 1, 2, 3, 4 }, new[] { 2, 3, 4, 5 })]);

        Assert.Equal([0.75, 0.25, 0.5], result.History.Select(e => e.TrainingLoss));
        Assert.Equal(2, result.BestEpoch);
        Assert.Equal(0.25, result.BestLoss);
        Assert.Equal(LossSource.Training, result.BestLossSource);
        Assert.False(result.StoppedEarly);

        // With a held-out set the held-out loss decides, and the result says so.
        var model2 = new SmallModel();
        TrainingResult heldOut = new ScriptedTraining(model2, [3.0, 1.0, 2.0]).Fit(
            [new TrainingSequence<int, int>(new[] { 1, 2, 3, 4 }, new[] { 2, 3, 4, 5 })],
            [new TrainingSequence<int, int>(new[] { 5, 6, 7 }, new[] { 6, 7, 8 })]);
        Assert.Equal(LossSource.Validation, heldOut.BestLossSource);
        Assert.Equal(heldOut.History.MinBy(e => e.ValidationLoss).Epoch, heldOut.BestEpoch);
        Assert.Equal(heldOut.History[heldOut.BestEpoch - 1].ValidationLoss, heldOut.BestLoss);
    }

    [Fact]
    public void Epoch_and_training_results_read_as_sentences()
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        try
        {
            var held = new EpochResult(3, 0.51234, 0.41234, 0.01, 1234, TimeSpan.FromSeconds(0.5), true, 0.91234);
            var regression = new EpochResult(3, 0.51234, 0.41234, 0.01, 1234, TimeSpan.FromSeconds(0.5), false);
            var plain = new EpochResult(4, 0.3, double.NaN, 0.005, 1234, TimeSpan.FromSeconds(1.25), false);
            Assert.Equal("epoch 3: training loss 0.5123, held-out loss 0.4123 (best so far), held-out accuracy 91.2 %, learning rate 0.01, 1234 steps in 0.50 s", held.ToString());
            Assert.Equal("epoch 3: training loss 0.5123, held-out loss 0.4123, learning rate 0.01, 1234 steps in 0.50 s", regression.ToString());
            Assert.Equal("epoch 4: training loss 0.3, learning rate 0.005, 1234 steps in 1.25 s", plain.ToString());

            Assert.Equal("4 epochs; best: epoch 3, held-out loss 0.4123, held-out accuracy 91.2 %; stopped early",
                new TrainingResult(4, 3, 0.41234, true, [held, held, held, plain], LossSource.Validation, 0.91234).ToString());
            Assert.Equal("1 epoch; best: epoch 1, training loss 0.3 (no held-out set)",
                new TrainingResult(1, 1, 0.3, false, [plain], LossSource.Training).ToString());
            Assert.Equal("2 epochs; no epoch had a finite loss",
                new TrainingResult(2, 0, double.NaN, false, [plain, plain], LossSource.Training).ToString());
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void Held_out_accuracy_of_a_cross_entropy_model_is_reported_per_epoch_beside_the_loss()
    {
        // Counting modulo 10: each token predicts the next. The accuracy reported is the share of held-out steps
        // whose predicted class (the model's Predict) is the target, measured here independently.
        static List<TrainingSequence<int, int>> Counting(int count, ulong seed)
        {
            var random = new RnnRandom(seed);
            var sequences = new List<TrainingSequence<int, int>>();
            for (int s = 0; s < count; s++)
            {
                int length = 3 + random.NextInt32(8), start = random.NextInt32(10);
                int[] tokens = Enumerable.Range(start, length + 1).Select(t => t % 10).ToArray();
                sequences.Add(new TrainingSequence<int, int>(tokens.AsMemory(0, length), tokens.AsMemory(1)));
            }

            return sequences;
        }

        List<TrainingSequence<int, int>> train = Counting(60, 1), heldOut = Counting(10, 2);
        var model = new SmallModel();
        var trainer = new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length, 0.02f),
            new TrainerOptions { Epochs = 3, BatchSize = 4, RestoreBest = false });
        var measured = new List<double>();
        var reported = new List<EpochResult>();
        trainer.EpochCompleted = e =>
        {
            reported.Add(e);
            int right = 0, total = 0;
            foreach (TrainingSequence<int, int> s in heldOut)
            {
                var classes = new int[s.Inputs.Length];
                model.Predict(s.Inputs.Span, classes);
                right += classes.Zip(s.Targets.ToArray()).Count(p => p.First == p.Second);
                total += classes.Length;
            }

            measured.Add((double)right / total);
        };
        TrainingResult result = trainer.Fit(train, heldOut);

        Assert.Equal(measured, reported.Select(e => e.ValidationAccuracy));
        Assert.Equal(measured, result.History.Select(e => e.ValidationAccuracy));
        Assert.True(measured[^1] > 0.5, $"held-out accuracy after 3 epochs {measured[^1]}");
        Assert.Equal(result.History[result.BestEpoch - 1].ValidationAccuracy, result.BestAccuracy);
        Assert.Equal(measured[^1], trainer.Accuracy(heldOut));
        Assert.Contains($"held-out accuracy {measured[^1].ToString("P1", System.Globalization.CultureInfo.CurrentCulture)}", reported[^1].ToString());

        // A checkpoint keeps the accuracies with the rest of the history.
        using var checkpoint = new System.IO.MemoryStream();
        trainer.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;
        var fresh = new SmallModel();
        var resumed = new Trainer<float, int, int>(fresh, new Adam<float>(fresh.Parameters.Length, 0.02f));
        resumed.LoadCheckpoint(checkpoint);
        Assert.Equal(measured, resumed.History.Select(e => e.ValidationAccuracy));
    }

    [Fact]
    public void A_sequence_to_one_models_accuracy_counts_sequences_and_a_regressor_has_none()
    {
        var random = new RnnRandom(6);
        var sequences = new List<TrainingSequence<float, int>>();
        foreach (int n in new[] { 4, 1, 5, 2, 3 })
        {
            var inputs = new float[n * SequenceClassifier.Input];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble(-1, 1);
            sequences.Add(new TrainingSequence<float, int>(inputs, new[] { n % 2 }));
        }

        var model = new SequenceClassifier();
        int right = sequences.Count(s =>
        {
            var predicted = new int[1];
            model.Predict(s.Inputs.Span, predicted);
            return predicted[0] == s.Targets.Span[0];
        });
        var trainer = new Trainer<float, float, int>(model, new Sgd<float>(model.Parameters.Length, 0f), new TrainerOptions { Epochs = 1 });
        Assert.Equal(right / 5.0, trainer.Accuracy(sequences));
        Assert.Equal(right / 5.0, trainer.Fit(sequences, sequences).History[0].ValidationAccuracy);

        var regressor = new DenseRegressor();
        var regression = new Trainer<float, float, float>(regressor, new Sgd<float>(regressor.Parameters.Length, 0f), new TrainerOptions { Epochs = 1 });
        List<TrainingSequence<float, float>> dense = DenseSequences(7, 2, 3);
        Assert.True(double.IsNaN(regression.Fit(dense, dense).History[0].ValidationAccuracy));
        Assert.Equal(
            "Accuracy counts predicted classes, but this model is trained with squared error: its targets are values, not classes.",
            Assert.Throws<InvalidOperationException>(() => regression.Accuracy(dense)).Message);
    }

    [Fact]
    public void A_trainer_that_overrides_Backward_refuses_Parallel_and_calls_its_override_on_one_thread()
    {
        var model = new SmallModel();
        using var parallel = new DataParallel<float, int, int>(model, () => new SmallModel(), 2);
        var error = Assert.Throws<ArgumentException>(() => new CountingTrainer(model) { Parallel = parallel });
        Assert.Equal(
            "Parallel cannot be used with CountingTrainer, which overrides Backward: DataParallel runs the minibatch's sequences at the " +
            "same time on copies of the model, calling their Backward directly, so the override would be skipped and a state it carries " +
            "from one sequence to the next would not be carried. Train this trainer without Parallel. (Parameter 'Parallel')",
            error.Message);

        // Without Parallel the override runs for every training sequence, in order.
        var trainer = new CountingTrainer(model);
        trainer.Fit([new TrainingSequence<int, int>(new[] { 1, 2 }, new[] { 2, 3 }), new TrainingSequence<int, int>(new[] { 3 }, new[] { 4 })]);
        Assert.Equal(2 * 2, trainer.Calls);

        // A trainer that does not override Backward still takes Parallel.
        var plain = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f)) { Parallel = parallel };
        Assert.Same(parallel, plain.Parallel);
    }

    /// <summary>Overrides Backward as a carried-state trainer does, counting its calls.</summary>
    private sealed class CountingTrainer(SmallModel model)
        : Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Epochs = 2, Shuffle = false })
    {
        public int Calls { get; private set; }

        protected override float Backward(in TrainingSequence<int, int> sequence)
        {
            Calls++;
            return base.Backward(sequence);
        }
    }

    /// <summary>Trains normally but reports a scripted loss per sequence in each epoch.</summary>
    private sealed class ScriptedTraining(SmallModel model, double[] losses)
        : Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Epochs = losses.Length })
    {
        private int _epoch;

        protected override void OnEpochStarting(int epoch) => _epoch = epoch;

        protected override float Backward(in TrainingSequence<int, int> sequence)
        {
            base.Backward(sequence);
            return (float)losses[_epoch - 1];
        }
    }
}
