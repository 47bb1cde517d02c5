using System;

namespace RnnGen.Training;

/// <summary>
/// One training example for a <see cref="Trainer{T, TInput, TTarget}"/>: a sequence's inputs and targets in the
/// layouts the model's <c>Backward</c> takes, as memory (so a large corpus can be sliced without copies).
/// </summary>
/// <typeparam name="TInput"><see cref="int"/> token ids, or the element type for dense inputs laid out <c>[steps, Input]</c>.</typeparam>
/// <typeparam name="TTarget"><see cref="int"/> class ids, or the element type for squared-error targets.</typeparam>
public readonly struct TrainingSequence<TInput, TTarget>
{
    /// <summary>A sequence of token inputs: <see cref="Steps"/> is the number of inputs.</summary>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> is empty.</exception>
    public TrainingSequence(ReadOnlyMemory<TInput> inputs, ReadOnlyMemory<TTarget> targets)
        : this(inputs, targets, inputs.Length == 0 ? throw new ArgumentException("inputs is empty: a sequence needs at least one step.", nameof(inputs)) : inputs.Length)
    {
    }

    /// <summary>A sequence with an explicit step count, for dense inputs (<c>inputs.Length / Input</c> steps).</summary>
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
    /// The number of time steps: the unit in which a trainer reports losses (per step) and throughput (steps per
    /// second). For a language model, the number of tokens predicted.
    /// </summary>
    public int Steps { get; }
}
