using System;

namespace RnnGen.Training;

/// <summary>How a <see cref="Trainer{T, TInput, TTarget}"/> trains: epochs, minibatches, order, schedule, clipping, early stopping, checkpoints.</summary>
public sealed class TrainerOptions
{
    /// <summary>The number of passes over the training set (in total, counting epochs done before a resume). Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Sequences per optimiser step. Their gradients are accumulated (the model's <c>Backward</c> adds) and
    /// averaged, so the learning rate means the same for every batch size. Default 1.
    /// </summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>
    /// Visit the training sequences in a new random order every epoch (default <see langword="true"/>). The order of
    /// epoch <c>e</c> depends only on <see cref="Seed"/> and <c>e</c>, so a resumed run sees the same orders as an
    /// uninterrupted one. Turn it off when consecutive sequences continue one another (a carried state).
    /// </summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Group sequences of about the same length into each minibatch (default <see langword="false"/>): after the epoch's
    /// shuffle, every window of <see cref="BucketBatches"/> minibatches is sorted by length and its minibatches are then
    /// visited in a random order. For a model with <c>Batch</c> above 1, whose padded batches run as long as their
    /// longest sequence, it saves the steps spent on padding; the order still depends only on <see cref="Seed"/>, the
    /// epoch and the lengths.
    /// </summary>
    public bool BucketByLength { get; init; }

    /// <summary>The minibatches that <see cref="BucketByLength"/> sorts together: 16.</summary>
    public const int BucketBatches = 16;

    /// <summary>The seed of the shuffling. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>How the learning rate changes between epochs; default <see cref="LearningRateSchedule.Constant"/>.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>When positive, the batch's gradient is clipped to this global L2 norm before each step. Default 0 (off).</summary>
    public double ClipNorm { get; init; }

    /// <summary>When positive, every gradient is clipped to ±this value before each step (after <see cref="ClipNorm"/>). Default 0 (off).</summary>
    public double ClipValue { get; init; }

    /// <summary>
    /// Early stopping: stop when the held-out loss has not improved for this many epochs. 0 (the default) never
    /// stops early. Needs a held-out set.
    /// </summary>
    public int Patience { get; init; }

    /// <summary>
    /// At the end of training, put back the parameters of the epoch with the lowest held-out loss (default
    /// <see langword="true"/>). Without a held-out set the last parameters are kept.
    /// </summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>
    /// When set, a checkpoint is written here after every epoch, atomically (see <see cref="AtomicFile"/>), so
    /// killing the process at any moment leaves the previous checkpoint intact. <see langword="null"/> by default.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// What training does when a minibatch's loss or a gradient is NaN or infinite: throw
    /// <see cref="NonFiniteTrainingException"/> naming the parameter (the default), or skip the minibatch.
    /// Either way that minibatch updates no weight.
    /// </summary>
    public NonFiniteAction NonFiniteAction { get; init; }

    internal void Validate()
    {
        if (!Enum.IsDefined(NonFiniteAction))
        {
            throw new ArgumentOutOfRangeException(nameof(NonFiniteAction), NonFiniteAction, "NonFiniteAction must be Throw or Skip.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(Patience, nameof(Patience));
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        if (!(ClipNorm >= 0) || double.IsInfinity(ClipNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipNorm), ClipNorm, "ClipNorm must be zero (off) or positive, and finite.");
        }

        if (!(ClipValue >= 0) || double.IsInfinity(ClipValue))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipValue), ClipValue, "ClipValue must be zero (off) or positive, and finite.");
        }
    }
}
