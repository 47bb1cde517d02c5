using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RnnGen.Runtime;

/// <summary>
/// Argument checks for generated models. Every public entry point of a model runs these before it
/// touches any state, so a bad call leaves the model exactly as it was.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Checks that a sequence has 1..<paramref name="maxSteps"/> steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SequenceLength(int steps, int maxSteps, [CallerArgumentExpression(nameof(steps))] string? paramName = null)
    {
        if ((uint)(steps - 1) >= (uint)maxSteps)
        {
            ThrowSequenceLength(steps, maxSteps, paramName);
        }
    }

    /// <summary>
    /// Checks a dense input laid out [steps, <paramref name="width"/>] and returns its step count,
    /// which must be 1..<paramref name="maxSteps"/>.
    /// </summary>
    public static int DenseSteps(int length, int width, int maxSteps, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length % width != 0)
        {
            throw new ArgumentException(
                $"{Name(paramName)} has {length} values, which is not a whole number of steps of Input = {width} values.", paramName);
        }

        int steps = length / width;
        SequenceLength(steps, maxSteps, paramName);
        return steps;
    }

    /// <summary>Checks that every id of <paramref name="ids"/> is in 0..<paramref name="count"/>-1.</summary>
    public static void Ids(ReadOnlySpan<int> ids, int count, string what, [CallerArgumentExpression(nameof(ids))] string? paramName = null)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)count)
            {
                ThrowId(ids[i], i, count, what, paramName);
            }
        }
    }

    /// <summary>Checks a single id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Id(int id, int count, string what, [CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        if ((uint)id >= (uint)count)
        {
            ThrowId(id, -1, count, what, paramName);
        }
    }

    /// <summary>Checks an id that may also be -1, meaning "none".</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OptionalId(int id, int count, string what, [CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        if (id != -1 && (uint)id >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(paramName, id, $"{Name(paramName)} is {id}: use -1 for none, or one of the {what} ids 0..{count - 1}.");
        }
    }

    /// <summary>Checks that targets have exactly the length the inputs require.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TargetLength(int actual, int expected, string rule, [CallerArgumentExpression(nameof(actual))] string? paramName = null)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, rule, paramName);
        }
    }

    /// <summary>Checks that a destination span can hold <paramref name="required"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Destination(int length, int required, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < required)
        {
            ThrowDestination(length, required, paramName);
        }
    }

    /// <summary>Checks that a value is finite and not negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NonNegativeFinite(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            ThrowNonNegativeFinite(value, paramName);
        }
    }

    /// <summary>Checks that a value is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finite(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{Name(paramName)} must be a finite number.");
        }
    }

    private static string Name(string? paramName) => paramName ?? "value";

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSequenceLength(int steps, int maxSteps, string? paramName) =>
        throw new ArgumentException(steps == 0
            ? $"{Name(paramName)} is empty: a sequence needs at least one step."
            : $"{Name(paramName)} has {steps} steps, more than this model's MaxSteps = {maxSteps}. Split the sequence, or declare a larger MaxSteps.", paramName);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowId(int id, int index, int count, string what, string? paramName) =>
        throw new ArgumentOutOfRangeException(paramName, id, index >= 0
            ? $"{Name(paramName)}[{index}] is {id}, outside the {what} ids 0..{count - 1}."
            : $"{Name(paramName)} is {id}, outside the {what} ids 0..{count - 1}.");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int expected, string rule, string? paramName) =>
        throw new ArgumentException($"{Name(paramName)} has length {actual}, but {rule} requires {expected}.", paramName);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestination(int length, int required, string? paramName) =>
        throw new ArgumentException($"{Name(paramName)} has room for {length} elements, but {required} are written.", paramName);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNonNegativeFinite(double value, string? paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{Name(paramName)} must be a finite number >= 0.");
}
