using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RnnGen.Training;

/// <summary>
/// What a trainer needs to know of a model's declaration to count a sequence's steps and check its lengths: read
/// from the <c>rnngen.*</c> facts the model's <c>SaveWeights</c> records, so that any generated model (or a class
/// that forwards to one) describes itself without the caller restating it.
/// </summary>
internal sealed class SequenceLayout
{
    private SequenceLayout(bool known, bool tokens, int input, int output, bool crossEntropy, bool lastStep, int maxSteps)
    {
        Known = known;
        Tokens = tokens;
        Input = input;
        Output = output;
        CrossEntropy = crossEntropy;
        LastStep = lastStep;
        MaxSteps = maxSteps;
    }

    /// <summary>Whether the model recorded its declaration; if not, only what the type arguments show is known.</summary>
    public bool Known { get; }

    /// <summary>Token inputs (one id per step) rather than dense ones (<see cref="Input"/> values per step).</summary>
    public bool Tokens { get; }

    /// <summary>Values per step of a dense input; 1 for tokens.</summary>
    public int Input { get; }

    /// <summary>The head's width: classes, or values per step.</summary>
    public int Output { get; }

    /// <summary>Cross-entropy over classes (targets are class ids) rather than squared error.</summary>
    public bool CrossEntropy { get; }

    /// <summary>One target per sequence (<c>Outputs.LastStep</c>) rather than one per step.</summary>
    public bool LastStep { get; }

    /// <summary>The longest sequence the model takes.</summary>
    public int MaxSteps { get; }

    /// <summary>Reads the layout from a model's recorded declaration.</summary>
    /// <param name="metadata">The <c>rnngen.*</c> entries of the model's weight file.</param>
    /// <param name="tokens">Whether the model's input element type is <see cref="int"/> (token ids).</param>
    public static SequenceLayout From(IReadOnlyDictionary<string, string> metadata, bool tokens)
    {
        if (!metadata.TryGetValue("rnngen.input", out string? input) ||
            !TryGet(metadata, "rnngen.input_size", out int inputSize) ||
            !TryGet(metadata, "rnngen.output", out int output) ||
            !TryGet(metadata, "rnngen.max_steps", out int maxSteps) ||
            !metadata.TryGetValue("rnngen.loss", out string? loss) ||
            !metadata.TryGetValue("rnngen.outputs", out string? outputs))
        {
            return new SequenceLayout(false, tokens, 1, 0, false, false, int.MaxValue);
        }

        bool dense = input == "dense";
        return new SequenceLayout(true, !dense, dense ? inputSize : 1, output, loss == "cross_entropy", outputs == "last_step", maxSteps);
    }

    /// <summary>The targets a sequence of <paramref name="steps"/> steps needs, and a sentence saying why.</summary>
    public int Targets(int steps, out string rule)
    {
        (int count, rule) = (CrossEntropy, LastStep) switch
        {
            (true, false) => (steps, $"one class id for each of its {steps} steps"),
            (true, true) => (1, "one class id for the whole sequence (Outputs.LastStep)"),
            (false, false) => (steps * Output, $"Output = {Output} values for each of its {steps} steps"),
            (false, true) => (Output, $"Output = {Output} values for the sequence's last step (Outputs.LastStep)"),
        };
        return count;
    }

    /// <summary>The steps of a sequence already checked by <see cref="CheckedSteps"/>.</summary>
    public int Steps<TInput, TTarget>(in TrainingSequence<TInput, TTarget> sequence) =>
        Tokens ? sequence.Inputs.Length : Known ? sequence.Inputs.Length / Input : sequence.Steps;

    /// <summary>The rows of targets (and of predictions) of a sequence of <paramref name="steps"/> steps: one per step, or one for the sequence.</summary>
    public int Rows(int steps) => LastStep ? 1 : steps;

    /// <summary>
    /// The number of loss terms of <paramref name="sequence"/>, of <paramref name="steps"/> steps: what a loss is averaged
    /// over. Class-id targets of <see cref="RnnGen.CrossEntropy.IgnoreIndex"/> add no loss and are not counted, so a
    /// sequence whose targets are all ignored has none.
    /// </summary>
    public int Scored<TInput, TTarget>(in TrainingSequence<TInput, TTarget> sequence, int steps)
        where TTarget : unmanaged
    {
        if (typeof(TTarget) != typeof(int))
        {
            return Rows(steps);
        }

        // Class ids, one a row (checked when the layout is known); the ignored ones are the rows without a loss term.
        ReadOnlySpan<int> ids = MemoryMarshal.Cast<TTarget, int>(sequence.Targets.Span);
        return Rows(steps) - ids.Count(RnnGen.CrossEntropy.IgnoreIndex);
    }

    /// <summary>
    /// The steps of <paramref name="sequence"/>, element <paramref name="index"/> of the argument
    /// <paramref name="paramName"/>, after checking that its lengths fit the model.
    /// </summary>
    /// <exception cref="ArgumentException">They do not; the message names what was given and what the model needs.</exception>
    public int CheckedSteps<TInput, TTarget>(in TrainingSequence<TInput, TTarget> sequence, int index, string paramName)
    {
        string which = string.Create(CultureInfo.InvariantCulture, $"{paramName}[{index}]");
        int length = sequence.Inputs.Length;
        if (length == 0)
        {
            throw new ArgumentException($"{which} has no inputs: a sequence needs at least one step (a default TrainingSequence?).", paramName);
        }

        int steps;
        if (Tokens)
        {
            steps = length;
            if (sequence.Steps != 0 && sequence.Steps != steps)
            {
                throw new ArgumentException($"{which} was given steps = {sequence.Steps}, but it has {length} input tokens, one per step.", paramName);
            }
        }
        else if (!Known)
        {
            steps = sequence.Steps != 0
                ? sequence.Steps
                : throw new ArgumentException(
                    $"{which} does not say how many steps its {length} input values make, and the model does not record its Input size " +
                    "(its SaveWeights writes no rnngen.input_size): give the steps, new TrainingSequence(inputs, targets, steps).", paramName);
        }
        else
        {
            if (length % Input != 0)
            {
                throw new ArgumentException($"{which} has {length} input values, which is not a whole number of steps: this model reads Input = {Input} values per step.", paramName);
            }

            steps = length / Input;
            if (sequence.Steps != 0 && sequence.Steps != steps)
            {
                throw new ArgumentException($"{which} was given steps = {sequence.Steps}, but its {length} input values make {steps} steps of this model's Input = {Input} values each.", paramName);
            }
        }

        if (steps > MaxSteps)
        {
            throw new ArgumentException($"{which} has {steps} steps, more than this model's MaxSteps = {MaxSteps}: split it into shorter sequences, or declare a larger MaxSteps.", paramName);
        }

        if (Known)
        {
            int targets = Targets(steps, out string rule);
            if (sequence.Targets.Length != targets)
            {
                throw new ArgumentException($"{which} has {sequence.Targets.Length} target values, but this model needs {targets}: {rule}.", paramName);
            }
        }

        return steps;
    }

    private static bool TryGet(IReadOnlyDictionary<string, string> metadata, string key, out int value)
    {
        value = 0;
        return metadata.TryGetValue(key, out string? text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
    }
}
