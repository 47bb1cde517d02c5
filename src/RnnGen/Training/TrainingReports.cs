using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

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

    /// <summary>Time steps done in this epoch (for a dense model, <c>inputs.Length / Input</c> per sequence).</summary>
    public long StepsDone { get; }

    /// <summary>Time steps in an epoch.</summary>
    public long Steps { get; }

    /// <summary>
    /// The mean training loss per step so far in this epoch (per sequence for a model with <c>Outputs.LastStep</c>), over
    /// the targets that are not <see cref="CrossEntropy.IgnoreIndex"/>; NaN while every target so far was ignored.
    /// </summary>
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
/// with <c>Outputs.LastStep</c>, which has one loss term per sequence. Targets of <see cref="CrossEntropy.IgnoreIndex"/>
/// have no loss term and are not counted; NaN when every target was ignored.
/// </param>
/// <param name="ValidationLoss">
/// The mean held-out loss per step (per sequence for <c>Outputs.LastStep</c>) after the epoch, not counting ignored
/// targets; NaN without a held-out set, or when every held-out target is ignored.
/// </param>
/// <param name="LearningRate">The epoch's learning rate.</param>
/// <param name="Steps">Training time steps in the epoch (for a dense model, <c>inputs.Length / Input</c> per sequence).</param>
/// <param name="Duration">Wall-clock time of the epoch, evaluation included.</param>
/// <param name="Improved">Whether the held-out loss was the lowest so far (the parameters were kept as the best).</param>
/// <param name="ValidationAccuracy">
/// For a cross-entropy model, the fraction of held-out targets (steps, or sequences for <c>Outputs.LastStep</c>) whose
/// class the model's <c>Predict</c> gets right after the epoch, from 0 to 1, leaving out targets of
/// <see cref="CrossEntropy.IgnoreIndex"/>; NaN without a held-out set, for a squared-error model, or when every held-out
/// target is ignored.
/// </param>
public readonly record struct EpochResult(int Epoch, double TrainingLoss, double ValidationLoss, double LearningRate, long Steps, TimeSpan Duration, bool Improved, double ValidationAccuracy = double.NaN)
{
    /// <summary>The held-out loss when there is one, else the training loss: what schedules and early stopping look at.</summary>
    public double Loss => double.IsNaN(ValidationLoss) ? TrainingLoss : ValidationLoss;

    /// <summary>
    /// The epoch as a line of a training log, in the current culture, e.g. <c>epoch 3: training loss 0.5123, held-out loss
    /// 0.4123 (best so far), held-out accuracy 91.2 %, learning rate 0.01, 1234 steps in 0.50 s</c>; what was not measured is left out.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.CurrentCulture, $"epoch {Epoch}: training loss {TrainingLoss:G4}");
        if (!double.IsNaN(ValidationLoss))
        {
            text.Append(CultureInfo.CurrentCulture, $", held-out loss {ValidationLoss:G4}");
            text.Append(Improved ? " (best so far)" : "");
        }

        if (!double.IsNaN(ValidationAccuracy))
        {
            text.Append(CultureInfo.CurrentCulture, $", held-out accuracy {ValidationAccuracy:P1}");
        }

        text.Append(CultureInfo.CurrentCulture, $", learning rate {LearningRate:G4}, {Steps} steps in {Duration.TotalSeconds:F2} s");
        return text.ToString();
    }
}

/// <summary>Which loss a <see cref="TrainingResult"/>'s best epoch was chosen by.</summary>
public enum LossSource
{
    /// <summary>The held-out loss (<see cref="EpochResult.ValidationLoss"/>): the epoch whose parameters generalise best.</summary>
    Validation,

    /// <summary>
    /// The training loss (<see cref="EpochResult.TrainingLoss"/>), when there was no held-out set: it was measured while the
    /// parameters changed, so it says how the epoch went, not how the final parameters score.
    /// </summary>
    Training,
}

/// <summary>What <see cref="Trainer{T, TInput, TTarget}.Fit"/> did.</summary>
/// <param name="Epochs">Epochs completed in all, counting those before a resume.</param>
/// <param name="BestEpoch">
/// The epoch with the lowest held-out loss; without a held-out set, the one with the lowest training loss (see
/// <paramref name="BestLossSource"/>). 0 when no epoch had a finite loss.
/// </param>
/// <param name="BestLoss">That epoch's loss, per step (per sequence for <c>Outputs.LastStep</c>); NaN when there is none.</param>
/// <param name="StoppedEarly">Whether early stopping ended training before <see cref="TrainerOptions.Epochs"/>.</param>
/// <param name="History">Every completed epoch, oldest first.</param>
/// <param name="BestLossSource">Which loss <paramref name="BestEpoch"/> and <paramref name="BestLoss"/> are: held-out or training.</param>
/// <param name="BestAccuracy">The held-out accuracy of <paramref name="BestEpoch"/> (cross-entropy models, from 0 to 1); NaN when not measured.</param>
public sealed record TrainingResult(int Epochs, int BestEpoch, double BestLoss, bool StoppedEarly, IReadOnlyList<EpochResult> History,
    LossSource BestLossSource = LossSource.Validation, double BestAccuracy = double.NaN)
{
    /// <summary>
    /// A one-line summary in the current culture, e.g. <c>12 epochs; best: epoch 9, held-out loss 0.4123, held-out
    /// accuracy 91.2 %; stopped early</c>; every epoch is in <see cref="History"/>.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.CurrentCulture, $"{Epochs} {(Epochs == 1 ? "epoch" : "epochs")}; ");
        if (BestEpoch <= 0)
        {
            text.Append("no epoch had a finite loss");
        }
        else if (BestLossSource == LossSource.Validation)
        {
            text.Append(CultureInfo.CurrentCulture, $"best: epoch {BestEpoch}, held-out loss {BestLoss:G4}");
            if (!double.IsNaN(BestAccuracy))
            {
                text.Append(CultureInfo.CurrentCulture, $", held-out accuracy {BestAccuracy:P1}");
            }
        }
        else
        {
            text.Append(CultureInfo.CurrentCulture, $"best: epoch {BestEpoch}, training loss {BestLoss:G4} (no held-out set)");
        }

        text.Append(StoppedEarly ? "; stopped early" : "");
        return text.ToString();
    }
}
