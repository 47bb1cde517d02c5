using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Runtime;

/// <summary>A generated model's Step over many streams (its network's <c>StepBatch</c>), for the padded-batch members.</summary>
public interface IStreamSteps<T, X>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Advances <paramref name="n"/> streams (states <c>[n][StateLength]</c>) by one step and writes each one's Output values.</summary>
    static abstract void Step(T[] parameters, T[] workspace, ref T states, int n, ReadOnlySpan<X> inputs, Span<T> outputs);
}

/// <summary>
/// A padded batch and the model's rows for it: the caller's inputs and lengths, its shape, and the instance's scratch
/// (every stream's state, gathered step inputs and outputs, one padded row of logits).
/// </summary>
public readonly ref struct Rows<T, X>(ReadOnlySpan<X> inputs, ReadOnlySpan<int> lengths, int steps, int width, int output, bool lastStep,
    Span<T> states, int stateLength, Span<X> gathered, Span<T> outputs, Span<T> padded)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where X : unmanaged
{
    /// <summary>The caller's inputs, <c>[n, steps, width]</c>.</summary>
    public ReadOnlySpan<X> Inputs { get; } = inputs;

    /// <summary>Each sequence's length.</summary>
    public ReadOnlySpan<int> Lengths { get; } = lengths;

    /// <summary>Steps of the layout (the longest length may be fewer).</summary>
    public int Steps { get; } = steps;

    /// <summary>Values per step of one sequence's input: 1 (a token id) or Input.</summary>
    public int Width { get; } = width;

    /// <summary>The model's Output.</summary>
    public int Output { get; } = output;

    /// <summary>Outputs.LastStep: one row per sequence, at its last valid step.</summary>
    public bool LastStep { get; } = lastStep;

    /// <summary>Every stream's state, <c>[Batch][StateLength]</c>.</summary>
    public Span<T> States { get; } = states;

    /// <summary>The model's StateLength.</summary>
    public int StateLength { get; } = stateLength;

    /// <summary>One step's inputs of every sequence, <c>[Batch][width]</c>.</summary>
    public Span<X> Gathered { get; } = gathered;

    /// <summary>One step's outputs of every sequence, <c>[Batch][Output]</c>.</summary>
    public Span<T> Outputs { get; } = outputs;

    /// <summary>A row of OutputPadded for the softmax and cross-entropy kernels (empty for a squared-error model).</summary>
    public Span<T> Padded { get; } = padded;
}

/// <summary>
/// Padded batches in PyTorch's <c>batch_first</c> layout, <c>[n, steps, …]</c> with a length per sequence, run through a
/// model's Step over many streams one time step at a time: each weight is read once per step for every sequence.
/// Positions past a sequence's length are never read: their inputs are replaced by zeros (token 0) before the step, and
/// their outputs go nowhere.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PaddedBatch
{
    /// <summary>
    /// Checks a batch's shape and returns its <c>steps</c>: <paramref name="lengths"/> has 1..<paramref name="batch"/>
    /// entries, <paramref name="inputs"/> holds <c>n × steps × width</c> values with 1 ≤ steps ≤ <paramref name="maxSteps"/>,
    /// and every length is in 1..steps.
    /// </summary>
    public static int Steps(int inputs, ReadOnlySpan<int> lengths, int batch, int maxSteps, int width, string unit)
    {
        int n = lengths.Length;
        if (n == 0 || n > batch)
        {
            throw new ArgumentException(
                $"lengths has {n} entries, but a batch of this model holds 1 to Batch = {batch} sequences: one length per sequence.", nameof(lengths));
        }

        long perStep = (long)n * width;
        if (inputs == 0 || inputs % perStep != 0 || inputs / perStep > maxSteps)
        {
            string each = width == 1 ? $"one {unit}" : $"{width} {unit}s";
            throw new ArgumentException(
                $"inputs has {inputs} {unit}s, but a batch of {n} sequences needs n × steps × {each} per step = a multiple of {perStep}, with 1 to MaxSteps = {maxSteps} steps.", nameof(inputs));
        }

        int steps = (int)(inputs / perStep);
        for (int m = 0; m < n; m++)
        {
            if ((uint)(lengths[m] - 1) >= (uint)steps)
            {
                throw new ArgumentOutOfRangeException(nameof(lengths),
                    $"lengths[{m}] is {lengths[m]}, but each length must be 1 to {steps}, the steps that inputs holds ({inputs} {unit}s for {n} sequences).");
            }
        }

        return steps;
    }

    /// <summary>Checks that the targets hold exactly <c>n × rows × perRow</c> values (rows: steps, or 1 for <c>Outputs.LastStep</c>).</summary>
    public static void Targets(int length, int n, int rows, int perRow, string unit)
    {
        long needed = (long)n * rows * perRow;
        if (length != needed)
        {
            throw new ArgumentException(
                $"targets has {length} {unit}s, but this batch needs {needed}: {n} sequences × {rows} {(rows == 1 ? "row" : "steps")} × {perRow}.", "targets");
        }
    }

    /// <summary>Checks that the destination has room for <c>n × rows × perRow</c> values and returns that count.</summary>
    public static int Destination(int length, int n, int rows, int perRow, string name)
    {
        long needed = (long)n * rows * perRow;
        if (length < needed)
        {
            throw new ArgumentException(
                $"{name} has room for {length} values, but this batch writes {needed}: {n} sequences × {rows} {(rows == 1 ? "row" : "steps")} × {perRow}.", name);
        }

        return (int)needed;
    }

    /// <summary>
    /// Checks the ids at each sequence's valid positions (padding may hold anything): each in 0..count-1, or, when
    /// <paramref name="ignorable"/>, <see cref="RnnGen.CrossEntropy.IgnoreIndex"/>.
    /// </summary>
    public static void Ids(ReadOnlySpan<int> ids, ReadOnlySpan<int> lengths, int rows, bool lastStep, int count, string declared, bool ignorable, string name)
    {
        for (int m = 0; m < lengths.Length; m++)
        {
            int end = lastStep ? 1 : lengths[m];
            for (int t = 0; t < end; t++)
            {
                int id = ids[m * rows + t];
                if ((uint)id >= (uint)count && !(ignorable && id == RnnGen.CrossEntropy.IgnoreIndex))
                {
                    throw new ArgumentOutOfRangeException(name,
                        $"{name}[{m * rows + t}] (sequence {m}, {(lastStep ? "its one row" : $"step {t}")}) is {id}, but ids must be 0 to {count - 1} because this model has {declared} = {count}"
                        + (ignorable ? $"; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss." : "."));
                }
            }
        }
    }

    /// <summary>The summed cross-entropy of class-id targets <c>[n, rows]</c> (rows: steps, or 1 for <c>Outputs.LastStep</c>); -100 adds nothing.</summary>
    public static T CrossEntropy<T, X, S>(T[] parameters, T[] workspace, in Rows<T, X> batch, ReadOnlySpan<int> targets)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where X : unmanaged
        where S : IStreamSteps<T, X> =>
        Run<T, X, S>(parameters, workspace, batch, Action.CrossEntropy, targets, default, default, default);

    /// <summary>The summed squared error against value targets <c>[n, rows, Output]</c>.</summary>
    public static T SquaredError<T, X, S>(T[] parameters, T[] workspace, in Rows<T, X> batch, ReadOnlySpan<T> targets)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where X : unmanaged
        where S : IStreamSteps<T, X> =>
        Run<T, X, S>(parameters, workspace, batch, Action.SquaredError, default, targets, default, default);

    /// <summary>The most likely class of every sequence at each valid row into <c>classes[n, rows]</c>.</summary>
    public static void Classes<T, X, S>(T[] parameters, T[] workspace, in Rows<T, X> batch, Span<int> classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where X : unmanaged
        where S : IStreamSteps<T, X> =>
        Run<T, X, S>(parameters, workspace, batch, Action.Classes, default, default, classes, default);

    /// <summary>The head's outputs, or with <paramref name="softmax"/> their softmax, at each valid row into <c>destination[n, rows, Output]</c>.</summary>
    public static void Values<T, X, S>(T[] parameters, T[] workspace, in Rows<T, X> batch, Span<T> destination, bool softmax)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where X : unmanaged
        where S : IStreamSteps<T, X> =>
        Run<T, X, S>(parameters, workspace, batch, softmax ? Action.Probabilities : Action.Values, default, default, default, destination);

    private enum Action
    {
        CrossEntropy,
        SquaredError,
        Classes,
        Values,
        Probabilities,
    }

    /// <summary>
    /// Runs the batch from the zero state, one time step of every sequence per batched Step, up to its longest sequence,
    /// and does <paramref name="action"/> with each sequence's outputs at each of its valid steps (or at its last one).
    /// </summary>
    private static T Run<T, X, S>(T[] parameters, T[] workspace, in Rows<T, X> batch, Action action,
        ReadOnlySpan<int> classTargets, ReadOnlySpan<T> valueTargets, Span<int> classes, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where X : unmanaged
        where S : IStreamSteps<T, X>
    {
        ReadOnlySpan<int> lengths = batch.Lengths;
        int n = lengths.Length, longest = 0, width = batch.Width, output = batch.Output, steps = batch.Steps;
        int rows = batch.LastStep ? 1 : steps;
        for (int m = 0; m < n; m++) longest = Math.Max(longest, lengths[m]);
        batch.States.Slice(0, n * batch.StateLength).Clear();
        T loss = T.Zero;
        for (int t = 0; t < longest; t++)
        {
            for (int m = 0; m < n; m++)
            {
                Span<X> row = batch.Gathered.Slice(m * width, width);
                if (t < lengths[m]) batch.Inputs.Slice((m * steps + t) * width, width).CopyTo(row);
                else row.Clear(); // past the sequence's end: whatever the caller left there is never read
            }

            S.Step(parameters, workspace, ref MemoryMarshal.GetReference(batch.States), n, batch.Gathered.Slice(0, n * width), batch.Outputs);
            for (int m = 0; m < n; m++)
            {
                if (batch.LastStep ? t != lengths[m] - 1 : t >= lengths[m])
                {
                    continue;
                }

                int at = m * rows + (batch.LastStep ? 0 : t);
                ReadOnlySpan<T> y = batch.Outputs.Slice(m * output, output);
                switch (action)
                {
                    case Action.CrossEntropy:
                        Pad(y, batch.Padded);
                        loss += Losses.CrossEntropy(ref MemoryMarshal.GetReference(batch.Padded), classTargets[at], (nuint)batch.Padded.Length);
                        break;
                    case Action.SquaredError:
                        loss += Losses.SquaredError(ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(valueTargets.Slice(at * output, output)), output);
                        break;
                    case Action.Classes:
                        classes[at] = Losses.ArgMax(ref MemoryMarshal.GetReference(y), output);
                        break;
                    case Action.Values:
                        y.CopyTo(destination.Slice(at * output, output));
                        break;
                    default:
                        Pad(y, batch.Padded);
                        Losses.Softmax(ref MemoryMarshal.GetReference(batch.Padded), (nuint)batch.Padded.Length, out _);
                        batch.Padded.Slice(0, output).CopyTo(destination.Slice(at * output, output));
                        break;
                }
            }
        }

        return loss;
    }

    /// <summary>A row of logits into a padded row whose padding lanes are -∞, as the row kernels read them.</summary>
    private static void Pad<T>(ReadOnlySpan<T> outputs, Span<T> padded)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        outputs.CopyTo(padded);
        padded.Slice(outputs.Length).Fill(T.NegativeInfinity);
    }
}
