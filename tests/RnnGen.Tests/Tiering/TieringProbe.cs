using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using RnnGen.Tests.Models;
using RnnGen.Training;

namespace RnnGen.Tests.Tiering;

[RnnModel(Hidden = 24, Vocab = 30, Output = 20, MaxSteps = 12, Truncate = 3, Cell = CellType.Lstm)]
public partial class TieringLstm { }

[RnnModel(Hidden = 24, Vocab = 30, Output = 20, MaxSteps = 12, Cell = CellType.Gru)]
public partial class TieringGru { }

/// <summary>
/// Trains a few models for a few steps, streams a few samples through some, runs the optimisers, clipping and a
/// data-parallel step, and returns one SHA-256 of every loss, gradient, norm, parameter, state and output:
/// <see cref="TieringTests"/> runs this in child processes under different JIT settings and compares the digests.
/// </summary>
public static class TieringProbe
{
    public const string Argument = "--tiering-probe";

    public static string Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new RnnRandom(7);

        Train(new Chunky(), Tokens(random, 12, Chunky.Vocab), Tokens(random, 12, Chunky.Output), 0.05, hash);
        Train(new TutorialModel(), Tokens(random, 20, TutorialModel.Vocab), Tokens(random, 20, TutorialModel.Vocab), 0.005f, hash);
        Train(new WideHead(), Tokens(random, 24, WideHead.Vocab), Tokens(random, 24, WideHead.Output), 0.01f, hash);
        Train(new TieringLstm(), Tokens(random, 12, TieringLstm.Vocab), Tokens(random, 12, TieringLstm.Output), 0.1f, hash);
        Train(new TieringGru(), Tokens(random, 12, TieringGru.Vocab), Tokens(random, 12, TieringGru.Output), 0.1f, hash);
        Train(new ChunkedLstm(), Values<double>(random, 12 * ChunkedLstm.Input), Values<double>(random, 12 * ChunkedLstm.Output), 0.05, hash);
        Train(new DroppedGru(), Tokens(random, 12, DroppedGru.Vocab), Tokens(random, 12, DroppedGru.Output), 0.05, hash);
        Train(new DroppedLstm(), Values<double>(random, 12 * DroppedLstm.Input), Values<double>(random, 12 * DroppedLstm.Output), 0.05, hash);
        Train(new SequenceClassifier(), Values<float>(random, 5 * SequenceClassifier.Input), new[] { 1 }, 0.1f, hash);

        var lstm = new TieringLstm();
        var lstmState = new TieringLstm.State();
        var gru = new TieringGru();
        var gruState = new TieringGru.State();
        var output = new float[TieringLstm.Output];
        for (int t = 0; t < 50; t++)
        {
            lstm.Step(ref lstmState, t % TieringLstm.Vocab, output);
            Append(hash, output.AsSpan());
            gru.Step(ref gruState, t * 7 % TieringGru.Vocab, output);
            Append(hash, output.AsSpan());
        }

        Optimize(random, hash);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Each optimiser, after clipping, over a few data-parallel steps of a fixed two-worker split.</summary>
    private static void Optimize(RnnRandom random, IncrementalHash hash)
    {
        var batch = new TrainingSequence<int, int>[5];
        for (int s = 0; s < batch.Length; s++)
        {
            int steps = 1 + random.NextInt32(Chunky.MaxSteps);
            batch[s] = new(Tokens(random, steps, Chunky.Vocab), Tokens(random, steps, Chunky.Output));
        }

        int length = new Chunky().Parameters.Length;
        Optimizer<double>[] optimizers =
        {
            new Sgd<double>(length, 0.05, momentum: 0.9, nesterov: true),
            new Adam<double>(length, 0.01),
            new Adagrad<double>(length, 0.1),
        };
        Span<double> loss = stackalloc double[1];
        foreach (Optimizer<double> optimizer in optimizers)
        {
            var model = new Chunky();
            using var parallel = new DataParallel<double, int, int>(model, () => new Chunky(), workers: 2);
            for (int round = 0; round < 3; round++)
            {
                model.ZeroGradients();
                loss[0] = parallel.Backward(batch);
                Append(hash, loss);
                loss[0] = Gradient.ClipByNorm<double>(model.Gradients, 1.0); // the norm before clipping
                Append(hash, loss);
                optimizer.Step(model.Parameters, model.Gradients);
                loss[0] = parallel.Step(batch, optimizer);
                Append(hash, loss);
            }

            Append(hash, model.Parameters);
            for (int b = 0; b < optimizer.StateBufferCount; b++) Append(hash, optimizer.GetStateBuffer(b));
        }
    }

    private static void Train<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, TInput[] inputs, TTarget[] targets, T rate, IncrementalHash hash)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TInput : unmanaged where TTarget : unmanaged
    {
        Span<T> loss = stackalloc T[1];
        model.ZeroGradients();
        loss[0] = model.Backward(inputs, targets);
        Append(hash, loss);
        Append(hash, model.Gradients);
        for (int step = 0; step < 3; step++)
        {
            loss[0] = model.SgdStep(inputs, targets, rate);
            Append(hash, loss);
        }

        loss[0] = model.Forward(inputs, targets);
        Append(hash, loss);
        Append(hash, model.Parameters);
    }

    private static void Append<T>(IncrementalHash hash, ReadOnlySpan<T> values) where T : unmanaged =>
        hash.AppendData(MemoryMarshal.AsBytes(values));

    private static void Append<T>(IncrementalHash hash, Span<T> values) where T : unmanaged =>
        Append(hash, (ReadOnlySpan<T>)values);

    private static int[] Tokens(RnnRandom random, int count, int classes)
    {
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = random.NextInt32(classes);
        return tokens;
    }

    private static T[] Values<T>(RnnRandom random, int count) where T : IFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }
}
