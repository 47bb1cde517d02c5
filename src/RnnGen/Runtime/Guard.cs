using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace RnnGen.Runtime;

/// <summary>
/// Argument checks for generated models. Every public entry point of a model runs these before it
/// touches any state, so a bad call leaves the model exactly as it was.
/// </summary>
/// <remarks>
/// Messages say what was given, what the model needs, and why, in the declaration's terms
/// ("targets has 3 values, but this model needs 4: Output = 2 values for each of the 2 steps of inputs.").
/// Parts that are constants of a model (its widths) arrive as text the generator wrote; only numbers known
/// at the call are formatted here, and only once a check has failed, so a passing check allocates nothing.
/// Units are given in the singular ("value", "class id") and made plural here. Out-of-range values throw
/// <see cref="ArgumentOutOfRangeException"/> without <see cref="ArgumentOutOfRangeException.ActualValue"/>: the message
/// already states the value.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Checks that a sequence of token ids has 1..<paramref name="maxSteps"/> steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SequenceLength(int steps, int maxSteps, [CallerArgumentExpression(nameof(steps))] string? paramName = null)
    {
        if ((uint)(steps - 1) >= (uint)maxSteps)
        {
            ThrowSequenceLength(steps, -1, 0, maxSteps, paramName);
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
            ThrowNotWholeSteps(length, width, paramName);
        }

        int steps = length / width;
        if ((uint)(steps - 1) >= (uint)maxSteps)
        {
            ThrowSequenceLength(steps, length, width, maxSteps, paramName);
        }

        return steps;
    }

    /// <summary>Checks that a span is not empty.</summary>
    /// <param name="length">The span's length.</param>
    /// <param name="why">Why the call needs at least one element, e.g. "Generate needs at least one token to start from".</param>
    /// <param name="paramName">The argument's name.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NotEmpty(int length, string why, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length == 0)
        {
            throw new ArgumentException($"{Name(paramName)} is empty, but {why}.", paramName);
        }
    }

    /// <summary>Checks that every token id is in 0..<paramref name="vocab"/>-1.</summary>
    public static void TokenIds(ReadOnlySpan<int> ids, int vocab, [CallerArgumentExpression(nameof(ids))] string? paramName = null)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                ThrowId(ids[i], i, vocab, "token ids", "Vocab", paramName);
            }
        }
    }

    /// <summary>
    /// Checks that every class-id target is in 0..<paramref name="output"/>-1 or is <see cref="CrossEntropy.IgnoreIndex"/>
    /// (-100, a target that adds no loss); any other negative id is an error, as in PyTorch.
    /// </summary>
    public static void ClassIds(ReadOnlySpan<int> ids, int output, [CallerArgumentExpression(nameof(ids))] string? paramName = null)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)output && ids[i] != CrossEntropy.IgnoreIndex)
            {
                ThrowId(ids[i], i, output, "class ids", "Output", paramName, IgnoreNote);
            }
        }
    }

    /// <summary>What a class-id target's message adds: the one negative id that is allowed.</summary>
    private const string IgnoreNote = "; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss";

    /// <summary>Checks a single token id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TokenId(int id, int vocab, [CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        if ((uint)id >= (uint)vocab)
        {
            ThrowId(id, -1, vocab, "token ids", "Vocab", paramName);
        }
    }

    /// <summary>Checks a class id that may also be -1, meaning "none".</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OptionalClassId(int id, int output, [CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        if (id != -1 && (uint)id >= (uint)output)
        {
            throw new ArgumentOutOfRangeException(paramName,
                $"{Name(paramName)} is {id}, but it must be -1 (none) or one of the class ids {Range(output)}, because this model has Output = {output}.");
        }
    }

    /// <summary>Checks cross-entropy targets: one class id per step, or one for the sequence.</summary>
    /// <param name="length">The targets' length.</param>
    /// <param name="steps">The inputs' step count, or <see cref="LastStep"/> for a model with <c>Outputs.LastStep</c>.</param>
    /// <param name="paramName">The argument's name.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClassTargets(int length, int steps, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length != Rows(steps))
        {
            ThrowLength(length, steps, 1, "class id", null, destination: false, paramName);
        }
    }

    /// <summary>Checks squared-error targets: <paramref name="output"/> values per step, or for the sequence.</summary>
    /// <param name="length">The targets' length.</param>
    /// <param name="steps">The inputs' step count, or <see cref="LastStep"/> for a model with <c>Outputs.LastStep</c>.</param>
    /// <param name="output">The model's Output.</param>
    /// <param name="paramName">The argument's name.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ValueTargets(int length, int steps, int output, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length != Rows(steps) * output)
        {
            ThrowLength(length, steps, output, "value", "Output", destination: false, paramName);
        }
    }

    /// <summary>
    /// Checks that a destination has room for one class id per step (or one for the sequence). A longer one is fine:
    /// only the first elements are written, as with <see cref="Span{T}.CopyTo"/>.
    /// </summary>
    /// <param name="length">The destination's length.</param>
    /// <param name="steps">The inputs' step count, or <see cref="LastStep"/> for a model with <c>Outputs.LastStep</c>.</param>
    /// <param name="paramName">The argument's name.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClassDestination(int length, int steps, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < Rows(steps))
        {
            ThrowLength(length, steps, 1, "class id", null, destination: true, paramName);
        }
    }

    /// <summary>
    /// Checks that a destination has room for <paramref name="output"/> values per step (or for the sequence);
    /// a longer one is fine. The parameters are those of <see cref="ValueTargets"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ValueDestination(int length, int steps, int output, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < Rows(steps) * output)
        {
            ThrowLength(length, steps, output, "value", "Output", destination: true, paramName);
        }
    }

    /// <summary>Checks that a destination has room for <paramref name="input"/> values for each of <paramref name="steps"/> steps: an input gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InputDestination(int length, int steps, int input, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < steps * input)
        {
            ThrowLength(length, steps, input, "value", "Input", destination: true, paramName);
        }
    }

    /// <summary>
    /// Checks that a destination has room for <paramref name="output"/> probabilities per step (or for the sequence);
    /// a longer one is fine. The parameters are those of <see cref="ValueTargets"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ProbabilityDestination(int length, int steps, int output, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < Rows(steps) * output)
        {
            ThrowLength(length, steps, output, "probability", "Output", destination: true, paramName);
        }
    }

    /// <summary>Checks the input of one streaming step of a dense model: exactly <paramref name="input"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StepInput(int length, int input, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length != input)
        {
            ThrowLength(length, OneStep, input, "value", "Input", destination: false, paramName);
        }
    }

    /// <summary>Checks the destination of one streaming step: room for <paramref name="output"/> values (a longer one is fine).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StepOutput(int length, int output, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < output)
        {
            ThrowLength(length, OneStep, output, "value", "Output", destination: true, paramName);
        }
    }

    /// <summary>Checks the number of streams of a batched Step: at most <paramref name="batch"/> (the model's Batch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Streams(int count, int batch, [CallerArgumentExpression(nameof(count))] string? paramName = null)
    {
        if (count > batch)
        {
            ThrowStreams(count, batch, paramName);
        }
    }

    /// <summary>
    /// Checks the inputs of a batched Step: exactly <paramref name="perStream"/> values (1 token id, or Input values)
    /// for each of <paramref name="streams"/> streams, stream after stream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StreamInputs(int length, int streams, int perStream, string unit, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length != streams * perStream)
        {
            ThrowStreamLength(length, streams, perStream, unit, unit == "value" ? "Input" : null, destination: false, paramName);
        }
    }

    /// <summary>Checks the destination of a batched Step: room for <paramref name="output"/> values per stream (a longer one is fine).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StreamOutputs(int length, int streams, int output, [CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        if (length < streams * output)
        {
            ThrowStreamLength(length, streams, output, "value", "Output", destination: true, paramName);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowStreams(int count, int batch, string? paramName) =>
        throw new ArgumentException(
            $"{Name(paramName)} has {count} states, but this model steps at most Batch = {batch} streams in one call: step them in calls of at most {batch}, or declare a larger Batch.", paramName);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowStreamLength(int actual, int streams, int perStream, string unit, string? width, bool destination, string? paramName)
    {
        string given = destination ? (actual == 0 ? "is empty" : $"has room for {Count(actual, unit)}") : $"has {Count(actual, unit)}";
        string each = width is null ? $"one {unit}" : $"{width} = {Count(perStream, unit)}";
        throw new ArgumentException(
            $"{Name(paramName)} {given}, but this model {(destination ? "writes" : "needs")} {streams * perStream}: {each} for each of the {(streams == 1 ? "1 stream" : $"{streams} streams")}, stream after stream.", paramName);
    }

    /// <summary>The <c>steps</c> of a model with <c>Outputs.LastStep</c>: one row of targets or outputs for the whole sequence.</summary>
    public const int LastStep = 0;

    /// <summary>One streaming step (internal to the messages).</summary>
    private const int OneStep = -1;

    private static int Rows(int steps) => steps == LastStep ? 1 : steps;

    /// <summary>Checks a layer index of a stacked model: 0 (the bottom) to <paramref name="layers"/> - 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Layer(int layer, int layers, [CallerArgumentExpression(nameof(layer))] string? paramName = null)
    {
        if ((uint)layer >= (uint)layers)
        {
            throw new ArgumentOutOfRangeException(paramName,
                $"{Name(paramName)} is {layer}, but this model has Layers = {layers}: its layers are 0 (the bottom) to {layers - 1} (the top).");
        }
    }

    /// <summary>Checks a learning rate: a finite number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LearningRate(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!double.IsFinite(value))
        {
            ThrowNotFinite(value, "a finite number", "a NaN or infinite step would make every weight it updates NaN or infinite", paramName);
        }
    }

    /// <summary>Checks a sampling temperature: finite and not negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Temperature(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            ThrowNotFinite(value, ">= 0 and finite", "0 always takes the most likely token, and above 0 samples from softmax(y / temperature)", paramName);
        }
    }

    private static string Name(string? paramName) => paramName ?? "value";

    /// <summary>"0..9", or "0" for a count of one.</summary>
    private static string Range(int count) => count == 1 ? "0" : $"0..{count - 1}";

    /// <summary>"1 value", "3 values", "2 probabilities".</summary>
    private static string Count(int n, string unit) =>
        n == 1 ? $"{n} {unit}" : unit.EndsWith('y') ? $"{n} {unit[..^1]}ies" : $"{n} {unit}s";

    private static string Steps(int steps) => steps == 1 ? "1 step" : $"{steps} steps";

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSequenceLength(int steps, int values, int width, int maxSteps, string? paramName)
    {
        string given = values < 0 ? $"has {Steps(steps)}" : $"has {Count(values, "value")}, {Steps(steps)} of Input = {width}";
        throw new ArgumentException(steps == 0
            ? $"{Name(paramName)} is empty, but a sequence needs at least one step."
            : $"{Name(paramName)} {given}, but this model takes at most MaxSteps = {maxSteps}: its buffers are allocated for that many steps. " +
              "Split the sequence, or declare a larger MaxSteps.", paramName);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotWholeSteps(int length, int width, string? paramName)
    {
        int below = length / width * width;
        string fits = below == 0
            ? $"{width} for one step"
            : $"{below} for {Steps(below / width)} or {below + width} for {Steps(below / width + 1)}";
        throw new ArgumentException(
            $"{Name(paramName)} has {Count(length, "value")}, but this model needs a whole number of steps of Input = {width} values each " +
            $"(laid out [steps, Input]), e.g. {fits}.", paramName);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowId(int id, int index, int count, string what, string declared, string? paramName, string note = "")
    {
        string at = index >= 0 ? $"{Name(paramName)}[{index}]" : Name(paramName);
        throw new ArgumentOutOfRangeException(paramName,
            $"{at} is {id}, but {what} must be {Range(count)} because this model has {declared} = {count}{note}.");
    }

    /// <summary>"targets has 3 values, but this model needs 4: Output = 2 values for each of the 2 steps of inputs."</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int steps, int perStep, string unit, string? width, bool destination, string? paramName)
    {
        int expected = steps == OneStep ? perStep : Rows(steps) * perStep;
        string given = destination ? (actual == 0 ? "is empty" : $"has room for {Count(actual, unit)}") : $"has {Count(actual, unit)}";
        string each = width is null ? $"one {unit}" : $"{width} = {Count(perStep, unit)}";
        string scope = steps switch
        {
            OneStep => "for one step",
            LastStep => "for the whole sequence (Outputs.LastStep)",
            1 => "for the 1 step of inputs",
            _ => $"for each of the {steps} steps of inputs",
        };
        throw new ArgumentException(
            $"{Name(paramName)} {given}, but this model {(destination ? "writes" : "needs")} {expected}: {each} {scope}.", paramName);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotFinite(double value, string rule, string why, string? paramName) =>
        throw new ArgumentOutOfRangeException(paramName,
            $"{Name(paramName)} is {value.ToString(CultureInfo.InvariantCulture)}, but it must be {rule}: {why}.");
}
