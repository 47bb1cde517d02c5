using System;
using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// Sequence to sequence: an encoder reads a history, its final state starts a decoder, and the decoder emits a horizon
/// one step at a time, reading its own previous prediction (or, while training, the truth: teacher forcing). Encoder
/// and decoder are two instances of one generated class (dense input and output of the same width, squared error), so
/// the encoder's state is the decoder's; training passes the decoder's gradient with respect to its initial state back
/// into the encoder, and both get their parameters' gradients.
/// </summary>
/// <remarks>
/// <para>
/// A step's input is the previous step's values: the history's last row for the first step of the horizon, then the
/// truth (with probability <c>teacherForcing</c>) or the decoder's own prediction. A prediction fed back is a constant for
/// the gradient, as PyTorch seq2seq code usually makes it (<c>.detach()</c>): its gradient reaches the parameters through
/// the step that made it, not through the step that reads it. Lowering <c>teacherForcing</c> over training (scheduled
/// sampling) prepares the decoder for <see cref="Forecast"/>, which always reads its own predictions.
/// </para>
/// <para>Nothing is allocated after construction; an instance is not thread-safe.</para>
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TModel">The generated model class (encoder and decoder).</typeparam>
/// <typeparam name="TState">Its <c>State</c>.</typeparam>
public sealed class Seq2Seq<T, TModel, TState>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TModel : class, IComposableModel<T, TState>
    where TState : struct
{
    private readonly T[] _encoded, _zeros, _inputGradient, _decoderInputs, _predictions;

    /// <summary>Chains <paramref name="encoder"/> and <paramref name="decoder"/>, two distinct instances of one model class.</summary>
    /// <exception cref="ArgumentException">They are the same instance, or the model's input and output widths differ (a prediction is fed back as input).</exception>
    public Seq2Seq(TModel encoder, TModel decoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        if (ReferenceEquals(encoder, decoder))
        {
            throw new ArgumentException("The encoder and the decoder must be two instances: each has its own weights.", nameof(decoder));
        }

        if (TModel.InputWidth != TModel.OutputWidth)
        {
            throw new ArgumentException(
                $"{typeof(TModel).Name} reads {TModel.InputWidth} values per step and predicts {TModel.OutputWidth}: a decoder feeds its prediction back as its next input, so the two must be equal.",
                nameof(decoder));
        }

        Encoder = encoder;
        Decoder = decoder;
        int values = TModel.LongestSequence * Width;
        _encoded = new T[values];
        _zeros = new T[values];
        _inputGradient = new T[values];
        _decoderInputs = new T[values];
        _predictions = new T[values];
    }

    /// <summary>Reads the history; its final state starts the decoder.</summary>
    public TModel Encoder { get; }

    /// <summary>Emits the horizon from the encoder's final state.</summary>
    public TModel Decoder { get; }

    /// <summary>Values per step: the model's input width, which is its output width.</summary>
    public static int Width => TModel.InputWidth;

    /// <summary>
    /// Trains on one window: the summed squared error of the decoder's horizon against <paramref name="future"/>, with
    /// both models' parameter gradients added (call <c>ZeroGradients</c> on both before, and an optimiser on both after).
    /// </summary>
    /// <param name="history">[N, Width], 1 ≤ N ≤ the model's MaxSteps.</param>
    /// <param name="future">[K, Width], the horizon's truth, 1 ≤ K ≤ MaxSteps.</param>
    /// <param name="teacherForcing">The probability, in [0, 1], that a step reads the truth rather than the decoder's previous prediction.</param>
    /// <param name="random">Draws the teacher-forcing choices (not drawn at 0 or 1).</param>
    public T Backward(ReadOnlySpan<T> history, ReadOnlySpan<T> future, double teacherForcing, ref RnnRandom random)
    {
        int steps = Check(history, nameof(history)), horizon = Check(future, nameof(future));
        if (!(teacherForcing >= 0 && teacherForcing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(teacherForcing), $"teacherForcing is {teacherForcing}; it is a probability, in [0, 1].");
        }

        int w = Width;
        TState encoded = default;
        Encoder.Predict(history, _encoded.AsSpan(0, steps * w), ref encoded);

        // The decoder's inputs, chosen step by step: where one is a prediction, it must be made first.
        Span<T> inputs = _decoderInputs.AsSpan(0, horizon * w);
        history.Slice((steps - 1) * w, w).CopyTo(inputs);
        TState running = encoded;
        for (int k = 0; k + 1 < horizon; k++)
        {
            bool truth = teacherForcing >= 1 || (teacherForcing > 0 && random.NextDouble() < teacherForcing);
            Span<T> next = inputs.Slice((k + 1) * w, w);
            if (truth)
            {
                future.Slice(k * w, w).CopyTo(next);
                if (k + 2 < horizon && teacherForcing < 1)
                {
                    Decoder.Step(ref running, inputs.Slice(k * w, w), _predictions.AsSpan(k * w, w)); // keeps the running state for later predictions
                }
            }
            else
            {
                Decoder.Step(ref running, inputs.Slice(k * w, w), next);
            }
        }

        // The decoder from the encoder's final state: its loss, its gradients, and dLoss/d(that state).
        TState start = encoded, stateGradient = default;
        T loss = Decoder.Backward(inputs, future, ref start, ref stateGradient);

        // The encoder: its outputs feed nothing, only its final state does.
        TState encoderStart = default;
        Encoder.Backward(history, _zeros.AsSpan(0, steps * w), _inputGradient.AsSpan(0, steps * w), ref encoderStart, ref stateGradient);
        return loss;
    }

    /// <summary>Forecasts <paramref name="horizon"/>.Length / Width steps after <paramref name="history"/>, each reading the previous prediction.</summary>
    /// <returns>The number of values written.</returns>
    public int Forecast(ReadOnlySpan<T> history, Span<T> horizon)
    {
        int steps = Check(history, nameof(history)), w = Width;
        if (horizon.Length == 0 || horizon.Length % w != 0)
        {
            throw new ArgumentException($"horizon has {horizon.Length} values, but a forecast is whole steps of {w} values (at least one).", nameof(horizon));
        }

        TState state = default;
        Encoder.Predict(history, _encoded.AsSpan(0, steps * w), ref state);
        ReadOnlySpan<T> input = history.Slice((steps - 1) * w, w);
        for (int k = 0; k < horizon.Length / w; k++)
        {
            Span<T> output = horizon.Slice(k * w, w);
            Decoder.Step(ref state, input, output);
            input = output;
        }

        return horizon.Length;
    }

    private static int Check(ReadOnlySpan<T> values, string name)
    {
        int w = Width;
        if (values.Length == 0 || values.Length % w != 0 || values.Length / w > TModel.LongestSequence)
        {
            throw new ArgumentException(
                $"{name} has {values.Length} values, but needs whole steps of {w} values, 1 to {TModel.LongestSequence} of them (the model's MaxSteps).", name);
        }

        return values.Length / w;
    }
}
