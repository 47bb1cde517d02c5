using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// A model that takes padded batches of sequences with their lengths (PyTorch's <c>batch_first</c> layout): what
/// generated models with <c>Batch</c> above 1 implement, so that training tools such as
/// <see cref="Training.Trainer{T, TInput, TTarget}"/> and <see cref="Training.DataParallel{T, TInput, TTarget}"/> hand
/// a minibatch's sequences to one call instead of one call each.
/// </summary>
/// <remarks>
/// A batch holds <c>n</c> sequences (1 to <see cref="Batch"/>), row after row: token ids <c>[n, steps]</c> or dense
/// values <c>[n, steps, Input]</c>, with <c>steps</c> at most <c>MaxSteps</c> and each length in 1..steps. Targets and
/// predictions use the same layout (<c>[n]</c> or <c>[n, Output]</c> rows with <see cref="Outputs.LastStep"/>).
/// Positions past a sequence's length are never read, whatever they hold.
/// </remarks>
/// <inheritdoc cref="IRnnModel{T, TInput, TTarget}" path="/typeparam"/>
public interface IBatchModel<T, TInput, TTarget> : IRnnModel<T, TInput, TTarget>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    /// <summary>The most sequences one batched call takes (the model's <c>Batch</c>).</summary>
    int Batch { get; }

    /// <summary>The loss summed over every valid step of every sequence: what <c>Forward</c> of each sequence alone sums to.</summary>
    /// <param name="inputs">The padded sequences, row after row.</param>
    /// <param name="targets">The targets, in the same layout; positions past a length may hold anything.</param>
    /// <param name="lengths">Each sequence's length; n = lengths.Length.</param>
    /// <exception cref="ArgumentException">A shape, a length or an id does not fit; nothing changes.</exception>
    T Forward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets, ReadOnlySpan<int> lengths);

    /// <summary>
    /// The batch's summed loss, as <see cref="Forward(ReadOnlySpan{TInput}, ReadOnlySpan{TTarget}, ReadOnlySpan{int})"/>,
    /// and ADDS its gradient into <see cref="IRnnModel{T, TInput, TTarget}.Gradients"/>: what <c>Backward</c> of each
    /// sequence alone adds.
    /// </summary>
    /// <inheritdoc cref="Forward(ReadOnlySpan{TInput}, ReadOnlySpan{TTarget}, ReadOnlySpan{int})" path="/param"/>
    /// <inheritdoc cref="Forward(ReadOnlySpan{TInput}, ReadOnlySpan{TTarget}, ReadOnlySpan{int})" path="/exception"/>
    T Backward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets, ReadOnlySpan<int> lengths);

    /// <summary>
    /// Every sequence's predictions at each valid step (class ids, or output values), in the targets' layout; positions
    /// past a length are left as they were.
    /// </summary>
    /// <param name="inputs">The padded sequences, row after row.</param>
    /// <param name="lengths">Each sequence's length; n = lengths.Length.</param>
    /// <param name="destination">Receives the predictions, <c>[n, steps]</c> class ids or <c>[n, steps, Output]</c> values.</param>
    /// <returns>The number of elements the layout spans.</returns>
    /// <exception cref="ArgumentException">A shape, a length or an id does not fit, or the destination is too short; nothing changes.</exception>
    int Predict(ReadOnlySpan<TInput> inputs, ReadOnlySpan<int> lengths, Span<TTarget> destination);
}
