using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-trainer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Counting modulo 10 from a random start: each token predicts the next.</summary>
    private static List<TrainingSequence<int, int>> Counting(int count, ulong seed)
    {
        var random = new RnnRandom(seed);
        var sequences = new List<TrainingSequence<int, int>>();
        for (int s = 0; s < count; s++)
        {
            int length = 6 + random.NextInt32(10);
            int start = random.NextInt32(10);
            var tokens = new int[length + 1];
            for (int i = 0; i <= length; i++) tokens[i] = (start + i) % 10;
            sequences.Add(new TrainingSequence<int, int>(tokens.AsMemory(0, length), tokens.AsMemory(1)));
        }

        return sequences;
    }

    [Fact]
    public void A_minibatch_is_the_mean_of_its_gradients_in_one_step()
    {
        List<TrainingSequence<int, int>> data = Counting(4, 1);
        var model = new SmallModel();
        var trainer = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.5f),
            new TrainerOptions { Epochs = 1, BatchSize = 4, Shuffle = false });
        trainer.Fit(data);

        var manual = new SmallModel();
        manual.ZeroGradients();
        foreach (TrainingSequence<int, int> s in data) manual.Backward(s.Inputs.Span, s.Targets.Span);
        Span<float> p = manual.Parameters, g = manual.Gradients;
        for (int i = 0; i < p.Length; i++) p[i] -= 0.5f * (g[i] / 4);

        Assert.Equal(manual.Parameters.ToArray(), model.Parameters.ToArray());
        Assert.Equal(1, trainer.Optimizer.StepCount);
    }

    [Fact]
    public void Loss_falls_on_a_learnable_task()
    {
        var model = new SmallModel();
        var trainer = new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length, 0.02f),
            new TrainerOptions { Epochs = 4, BatchSize = 4, ClipNorm = 5, Seed = 3 });
        var progress = 0;
        trainer.Progress = _ => progress++;
        List<TrainingSequence<int, int>> heldOut = Counting(20, 99);
        double untrained = trainer.Evaluate(heldOut);
        TrainingResult result = trainer.Fit(Counting(200, 2), heldOut);

        Assert.Equal(4, result.Epochs);
        Assert.Equal(4 * 50, progress);
        Assert.True(untrained > 2.0, $"untrained held-out loss per step {untrained} (ln 10 = 2.30)");
        Assert.True(result.BestLoss < 0.1, $"held-out loss per step {result.BestLoss}");
        Assert.Equal(result.BestLoss, trainer.Evaluate(heldOut), 1e-6);
    }

    [Fact]
    public void Training_steps_allocate_nothing()
    {
        var model = new SmallModel();
        var trainer = new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length, 0.01f),
            new TrainerOptions { Epochs = 2, BatchSize = 3, ClipNorm = 1, ClipValue = 0.5 });
        var allocated = new List<long>(200);
        trainer.Progress = p => { if (p.Epoch == 2) allocated.Add(GC.GetAllocatedBytesForCurrentThread()); };
        trainer.Fit(Counting(60, 5));
        Assert.Equal(20, allocated.Count);
        Assert.Equal(allocated[1], allocated[^1]);
    }

    [Fact]
    public void A_resumed_run_ends_exactly_where_an_uninterrupted_one_does()
    {
        List<TrainingSequence<int, int>> train = Counting(40, 11), heldOut = Counting(8, 12);
        TrainerOptions Options(int epochs, string file) => new()
        {
            Epochs = epochs, BatchSize = 4, Seed = 9, Schedule = LearningRateSchedule.ReduceWhenLossRises(),
            CheckpointPath = Path.Combine(_directory, file), RestoreBest = false,
        };

        var straight = new SmallModel();
        new Trainer<float, int, int>(straight, new Adam<float>(straight.Parameters.Length, 0.02f), Options(4, "a.ckpt")).Fit(train, heldOut);

        var first = new SmallModel();
        new Trainer<float, int, int>(first, new Adam<float>(first.Parameters.Length, 0.02f), Options(2, "b.ckpt")).Fit(train, heldOut);

        var resumed = new SmallModel(); // a new process: fresh model, fresh optimiser
        var trainer = new Trainer<float, int, int>(resumed, new Adam<float>(resumed.Parameters.Length, 0.02f), Options(4, "b.ckpt"));
        Assert.True(trainer.TryResume(Path.Combine(_directory, "b.ckpt")));
        Assert.Equal(2, trainer.CompletedEpochs);
        Assert.Equal(first.Parameters.ToArray(), resumed.Parameters.ToArray());
        TrainingResult result = trainer.Fit(train, heldOut);

        Assert.Equal(4, result.Epochs);
        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.False(trainer.TryResume(Path.Combine(_directory, "none.ckpt")));
    }

    [Fact]
    public void A_writer_killed_mid_write_leaves_the_previous_checkpoint_loadable()
    {
        string path = Path.Combine(_directory, "model.ckpt");
        var model = new SmallModel();
        var trainer = new Trainer<float, int, int>(model, new Adagrad<float>(model.Parameters.Length, 0.1f),
            new TrainerOptions { Epochs = 1, CheckpointPath = path });
        trainer.Fit(Counting(10, 4));
        byte[] good = File.ReadAllBytes(path);
        float[] saved = model.Parameters.ToArray();

        // A writer that dies halfway: it has written half a checkpoint (of changed parameters) when it fails.
        model.Parameters[0] += 1;
        using var full = new MemoryStream();
        trainer.SaveCheckpoint(full);
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(full.GetBuffer().AsSpan(0, (int)full.Length / 2));
            stream.Flush();
            throw new IOException("killed");
        }));
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.False(File.Exists(AtomicFile.TemporaryPath(path)));

        // A process killed mid-write leaves its temporary file behind, truncated: the checkpoint is untouched.
        File.WriteAllBytes(AtomicFile.TemporaryPath(path), full.GetBuffer().AsSpan(0, 100).ToArray());
        var fresh = new SmallModel();
        fresh.Initialize(123);
        var reader = new Trainer<float, int, int>(fresh, new Adagrad<float>(fresh.Parameters.Length, 0.1f), new TrainerOptions { Epochs = 2 });
        Assert.True(reader.TryResume(path));
        Assert.Equal(saved, fresh.Parameters.ToArray());
        Assert.Equal(1, reader.CompletedEpochs);
        Assert.Equal(trainer.Optimizer.GetStateBuffer(0).ToArray(), reader.Optimizer.GetStateBuffer(0).ToArray());

        // The next successful write replaces the leftover.
        reader.SaveCheckpoint(path);
        Assert.False(File.Exists(AtomicFile.TemporaryPath(path)));
    }

    [Fact]
    public void A_checkpoint_of_another_declaration_optimiser_or_a_truncated_file_is_refused_and_nothing_changes()
    {
        string path = Path.Combine(_directory, "model.ckpt");
        var model = new SmallModel();
        new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length), new TrainerOptions { Epochs = 1, CheckpointPath = path }).Fit(Counting(5, 1));

        var other = new SmallModelFull(); // the same tensors, but Truncate = 0
        float[] before = other.Parameters.ToArray();
        var wrongModel = new Trainer<float, int, int>(other, new Adam<float>(other.Parameters.Length));
        var error = Assert.Throws<InvalidDataException>(() => wrongModel.TryResume(path));
        Assert.Contains("rnngen.truncate", error.Message);
        Assert.Equal(before, other.Parameters.ToArray());
        Assert.Equal(0, wrongModel.CompletedEpochs);

        var same = new SmallModel();
        error = Assert.Throws<InvalidDataException>(() => new Trainer<float, int, int>(same, new Sgd<float>(same.Parameters.Length, 0.1f)).TryResume(path));
        Assert.Contains("'adam'", error.Message);

        byte[] bytes = File.ReadAllBytes(path);
        using var truncated = new MemoryStream(bytes, 0, bytes.Length - 10);
        var victim = new Trainer<float, int, int>(same, new Adam<float>(same.Parameters.Length));
        before = same.Parameters.ToArray();
        Assert.Throws<InvalidDataException>(() => victim.LoadCheckpoint(truncated));
        Assert.Equal(before, same.Parameters.ToArray());

        using var weights = new MemoryStream();
        same.SaveWeights(weights);
        weights.Position = 0;
        Assert.Contains("Not an RnnGen checkpoint", Assert.Throws<InvalidDataException>(() => victim.LoadCheckpoint(weights)).Message);
    }

    [Fact]
    public void A_checkpoint_of_another_parameter_layout_is_refused_and_nothing_changes()
    {
        // The flat parameters' layout is the generator's (panels, padding): a checkpoint records its fingerprint, so
        // one written by an RnnGen that laid the same declaration out otherwise is refused instead of misread.
        string path = Path.Combine(_directory, "model.ckpt");
        var model = new SmallModel();
        new Trainer<float, int, int>(model, new Adam<float>(model.Parameters.Length), new TrainerOptions { Epochs = 1, CheckpointPath = path }).Fit(Counting(5, 1));
        byte[] file = File.ReadAllBytes(path);
        var header = RnnGen.IO.SafeTensorsHeader.Read(new MemoryStream(file));
        Assert.Matches("^[0-9a-f]{16}$", header.Metadata["rnngen.layout"]);

        var rewritten = new MemoryStream(TensorFile.WithMetadata(file, (key, value) => key == "rnngen.layout" ? "0123456789abcdef" : value));

        var same = new SmallModel();
        float[] before = same.Parameters.ToArray();
        var trainer = new Trainer<float, int, int>(same, new Adam<float>(same.Parameters.Length));
        var error = Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(rewritten));
        Assert.Contains("rnngen.layout", error.Message);
        Assert.Equal(before, same.Parameters.ToArray());
        Assert.Equal(0, trainer.CompletedEpochs);
        Assert.True(new Trainer<float, int, int>(same, new Adam<float>(same.Parameters.Length)).TryResume(path)); // the file itself resumes
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement_and_restores_the_best()
    {
        var model = new SmallModel();
        var trainer = new ScriptedTrainer(model, [3.0, 2.0, 2.5, 2.6, 1.0]);
        var snapshots = new List<float[]>();
        trainer.EpochCompleted = _ => snapshots.Add(model.Parameters.ToArray());
        TrainingResult result = trainer.Fit(Counting(6, 1), [new TrainingSequence<int, int>(new[] { 1, 2, 3, 4, 5, 6, 7 }, new[] { 2, 3, 4, 5, 6, 7, 8 })]);

        Assert.True(result.StoppedEarly);
        Assert.Equal(4, result.Epochs);
        Assert.Equal(2, result.BestEpoch);
        Assert.Equal(2.0 / 7, result.BestLoss, 1e-12); // per step: the held-out sequence has 7
        Assert.Equal([true, true, false, false], result.History.Select(e => e.Improved));
        Assert.Equal(snapshots[1], model.Parameters.ToArray());
        Assert.NotEqual(snapshots[3], model.Parameters.ToArray());

        // Fitting again (as after a resume) trains no further: the decision stands.
        TrainingResult again = trainer.Fit(Counting(6, 1), [new TrainingSequence<int, int>(new[] { 1, 2, 3, 4, 5, 6, 7 }, new[] { 2, 3, 4, 5, 6, 7, 8 })]);
        Assert.True(again.StoppedEarly);
        Assert.Equal(4, again.Epochs);
        Assert.Equal(snapshots[1], model.Parameters.ToArray());
    }

    [Fact]
    public void Options_are_checked()
    {
        var model = new SmallModel();
        Assert.Throws<ArgumentException>(() => new Trainer<float, int, int>(model, new Sgd<float>(5, 0.1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { ClipNorm = -1 }));
        var trainer = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Patience = 2 });
        Assert.Throws<ArgumentException>(() => trainer.Fit(Counting(3, 1)));
        Assert.Throws<ArgumentException>(() => trainer.Fit([], Counting(3, 1)));
    }

    /// <summary>Trains normally but reports a scripted held-out loss per epoch (as the summed loss of the one held-out sequence).</summary>
    private sealed class ScriptedTrainer(SmallModel model, double[] losses)
        : Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Epochs = 5, Patience = 2 })
    {
        private int _evaluations;

        protected override float Forward(in TrainingSequence<int, int> sequence) => (float)losses[_evaluations++];
    }
}
