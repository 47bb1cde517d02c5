using System;

namespace RnnGen.Training;

/// <summary>
/// One training example for a <see cref="Trainer{T, TInput, TTarget}"/>: a sequence's inputs and targets in the
/// layouts the model's <c>Backward</c> takes, as memory (so a large corpus can be sliced without copies).
/// </summary>
/// <remarks>
/// How many time steps a sequence has is a fact of the model: one per token for a token model,
/// <c>inputs.Length / Input</c> for a dense one. The trainer counts them from the model, and refuses a sequence
/// whose inputs or targets do not fit it before any weight changes.
/// </remarks>
/// <typeparam name="TInput"><see cref="int"/> token ids, or the element type for dense inputs laid out <c>[steps, Input]</c>.</typeparam>
/// <typeparam name="TTarget"><see cref="int"/> class ids, or the element type for squared-error targets.</typeparam>
public readonly struct TrainingSequence<TInput, TTarget>
{
    /// <summary>A sequence whose steps the trainer counts from the model.</summary>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> is empty.</exception>
    public TrainingSequence(ReadOnlyMemory<TInput> inputs, ReadOnlyMemory<TTarget> targets)
    {
        if (inputs.IsEmpty)
        {
            throw new ArgumentException("inputs is empty: a sequence needs at least one step.", nameof(inputs));
        }

        Inputs = inputs;
        Targets = targets;
    }

    /// <summary>
    /// A sequence that states its number of steps: the trainer checks it against the model (<c>inputs.Length / Input</c>
    /// for dense inputs) and refuses the sequence when they differ.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is not positive.</exception>
    public TrainingSequence(ReadOnlyMemory<TInput> inputs, ReadOnlyMemory<TTarget> targets, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        Inputs = inputs;
        Targets = targets;
        Steps = steps;
    }

    /// <summary>The inputs, as the model's <c>Backward</c> takes them.</summary>
    public ReadOnlyMemory<TInput> Inputs { get; }

    /// <summary>The targets, as the model's <c>Backward</c> takes them.</summary>
    public ReadOnlyMemory<TTarget> Targets { get; }

    /// <summary>
    /// The number of time steps the sequence was created with, or 0 when it was not given; either way the trainer
    /// counts the steps from the model and reports losses per step and throughput in steps per second.
    /// </summary>
    public int Steps { get; }
}
