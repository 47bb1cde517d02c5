using System;

namespace RnnGen.Training;

/// <summary>
/// How the learning rate changes from epoch to epoch. A schedule is a pure function of the initial rate and
/// the losses of the epochs completed so far, so a run resumed from a checkpoint (which keeps the loss history)
/// continues with exactly the rate an uninterrupted run would have.
/// </summary>
/// <example>
/// The RNN tutorial's rule, "halve the learning rate when the loss goes up":
/// <code>var options = new TrainerOptions { Schedule = LearningRateSchedule.ReduceWhenLossRises(0.5) };</code>
/// </example>
public abstract class LearningRateSchedule
{
    /// <summary>The initial rate in every epoch.</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>
    /// The learning rate for the next epoch.
    /// </summary>
    /// <param name="initialRate">The rate of the first epoch.</param>
    /// <param name="losses">
    /// One loss per completed epoch, oldest first (the held-out loss when the trainer evaluates one, else the
    /// training loss); empty before the first epoch.
    /// </param>
    public abstract double RateFor(double initialRate, ReadOnlySpan<double> losses);

    /// <summary>Multiplies the rate by <paramref name="factor"/> every <paramref name="epochs"/> epochs (PyTorch's <c>StepLR</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public static LearningRateSchedule StepDecay(int epochs, double factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        CheckFactor(factor);
        return new StepSchedule(epochs, factor);
    }

    /// <summary>Multiplies the rate by <paramref name="gamma"/> after every epoch (PyTorch's <c>ExponentialLR</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is not in (0, 1].</exception>
    public static LearningRateSchedule Exponential(double gamma)
    {
        CheckFactor(gamma);
        return new StepSchedule(1, gamma);
    }

    /// <summary>
    /// Cosine annealing from the initial rate down to <paramref name="minimumRate"/> over <paramref name="epochs"/>
    /// epochs, then constant at the minimum (PyTorch's <c>CosineAnnealingLR</c> without restarts).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public static LearningRateSchedule Cosine(int epochs, double minimumRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        if (!(minimumRate >= 0) || double.IsInfinity(minimumRate))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate must be zero or positive, and finite.");
        }

        return new CosineSchedule(epochs, minimumRate);
    }

    /// <summary>
    /// The RNN tutorial's schedule: multiply the rate by <paramref name="factor"/> (by default halve it) each time
    /// an epoch's loss is higher than the epoch's before.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is not in (0, 1].</exception>
    public static LearningRateSchedule ReduceWhenLossRises(double factor = 0.5)
    {
        CheckFactor(factor);
        return new RiseSchedule(factor);
    }

    private static void CheckFactor(double factor)
    {
        if (!(factor > 0 && factor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be in (0, 1].");
        }
    }

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override double RateFor(double initialRate, ReadOnlySpan<double> losses) => initialRate;

        public override string ToString() => "constant";
    }

    private sealed class StepSchedule(int epochs, double factor) : LearningRateSchedule
    {
        public override double RateFor(double initialRate, ReadOnlySpan<double> losses) =>
            initialRate * Math.Pow(factor, losses.Length / epochs);

        public override string ToString() => epochs == 1 ? $"exponential decay ×{factor} per epoch" : $"×{factor} every {epochs} epochs";
    }

    private sealed class CosineSchedule(int epochs, double minimumRate) : LearningRateSchedule
    {
        public override double RateFor(double initialRate, ReadOnlySpan<double> losses)
        {
            double progress = Math.Min(1.0, (double)losses.Length / epochs);
            return minimumRate + (initialRate - minimumRate) * (1 + Math.Cos(Math.PI * progress)) / 2;
        }

        public override string ToString() => $"cosine over {epochs} epochs down to {minimumRate}";
    }

    private sealed class RiseSchedule(double factor) : LearningRateSchedule
    {
        public override double RateFor(double initialRate, ReadOnlySpan<double> losses)
        {
            double rate = initialRate;
            for (int i = 1; i < losses.Length; i++)
            {
                if (losses[i] > losses[i - 1])
                {
                    rate *= factor;
                }
            }

            return rate;
        }

        public override string ToString() => $"×{factor} when the loss rises";
    }
}
