using System;
using System.Collections.Generic;

namespace RnnGen.Training;

/// <summary>Where training stands after a minibatch, passed to <see cref="Trainer{T, TInput, TTarget}.Progress"/>.</summary>
public readonly struct TrainingProgress
{
    internal TrainingProgress(int epoch, int epochs, int sequencesDone, int sequences, long stepsDone, long steps, double loss, double learningRate, TimeSpan elapsed)
    {
        Epoch = epoch;
        Epochs = epochs;
        SequencesDone = sequencesDone;
        Sequences = sequences;
        StepsDone = stepsDone;
        Steps = steps;
        Loss = loss;
        LearningRate = learningRate;
        Elapsed = elapsed;
    }

    /// <summary>The current epoch, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The last epoch training will reach (<see cref="TrainerOptions.Epochs"/>).</summary>
    public int Epochs { get; }

    /// <summary>Training sequences done in this epoch.</summary>
    public int SequencesDone { get; }

    /// <summary>Training sequences in an epoch.</summary>
    public int Sequences { get; }

    /// <summary>Time steps done in this epoch.</summary>
    public long StepsDone { get; }

    /// <summary>Time steps in an epoch.</summary>
    public long Steps { get; }

    /// <summary>The mean training loss per step so far in this epoch.</summary>
    public double Loss { get; }

    /// <summary>This epoch's learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Time since this epoch started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Throughput of this epoch so far, in time steps (tokens, samples) per second.</summary>
    public double StepsPerSecond => Elapsed > TimeSpan.Zero ? StepsDone / Elapsed.TotalSeconds : 0;
}

/// <summary>One completed epoch, as reported to <see cref="Trainer{T, TInput, TTarget}.EpochCompleted"/> and kept in the history.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainingLoss">
/// The mean training loss per step during the epoch (the parameters changed as it went); per sequence for a model
/// with <c>Outputs.LastStep</c>, which has one loss term per sequence.
/// </param>
/// <param name="ValidationLoss">The mean held-out loss per step (per sequence for <c>Outputs.LastStep</c>) after the epoch; NaN without a held-out set.</param>
/// <param name="LearningRate">The epoch's learning rate.</param>
/// <param name="Steps">Training time steps in the epoch (for a dense model, <c>inputs.Length / Input</c> per sequence).</param>
/// <param name="Duration">Wall-clock time of the epoch, evaluation included.</param>
/// <param name="Improved">Whether the held-out loss was the lowest so far (the parameters were kept as the best).</param>
public readonly record struct EpochResult(int Epoch, double TrainingLoss, double ValidationLoss, double LearningRate, long Steps, TimeSpan Duration, bool Improved)
{
    /// <summary>The held-out loss when there is one, else the training loss: what schedules and early stopping look at.</summary>
    public double Loss => double.IsNaN(ValidationLoss) ? TrainingLoss : ValidationLoss;
}

/// <summary>What <see cref="Trainer{T, TInput, TTarget}.Fit"/> did.</summary>
/// <param name="Epochs">Epochs completed in all, counting those before a resume.</param>
/// <param name="BestEpoch">The epoch with the lowest held-out loss (0 without a held-out set).</param>
/// <param name="BestLoss">That loss (NaN without a held-out set).</param>
/// <param name="StoppedEarly">Whether early stopping ended training before <see cref="TrainerOptions.Epochs"/>.</param>
/// <param name="History">Every completed epoch, oldest first.</param>
public sealed record TrainingResult(int Epochs, int BestEpoch, double BestLoss, bool StoppedEarly, IReadOnlyList<EpochResult> History);
