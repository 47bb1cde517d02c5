using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// A dense regression model whose gradients compose: it starts from a given state, hands its final state on, and passes
/// gradients back through both its inputs and its initial state. Generated models with dense input, squared error and
/// a carried hidden state implement it (unidirectional, without <c>Recurrence.Output</c>), so that code such as
/// <see cref="Training.Seq2Seq{T, TModel, TState}"/> can chain two of them: an encoder's final state starts a decoder,
/// and the decoder's gradient reaches the encoder.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <typeparam name="TState">The model's <c>State</c>: every layer's h (and c), fixed size.</typeparam>
public interface IComposableModel<T, TState> : IRnnModel<T, T, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TState : struct
{
    /// <summary>Values per input step (the model's <c>Input</c>).</summary>
    static abstract int InputWidth { get; }

    /// <summary>Values per output step (the model's <c>Output</c>).</summary>
    static abstract int OutputWidth { get; }

    /// <summary>The longest sequence one call accepts (the model's <c>MaxSteps</c>).</summary>
    static abstract int LongestSequence { get; }

    /// <summary>Advances <paramref name="state"/> by one step of <see cref="InputWidth"/> values and writes the outputs for it.</summary>
    void Step(ref TState state, ReadOnlySpan<T> input, Span<T> output);

    /// <summary>The head's outputs at every step, continuing from <paramref name="state"/>, which then receives the final state.</summary>
    int Predict(ReadOnlySpan<T> inputs, Span<T> outputs, ref TState state);

    /// <summary>
    /// Backward from <paramref name="state"/> (which receives the final state) with the gradient of what follows with
    /// respect to the final state in <paramref name="stateGradient"/>, which receives the gradient with respect to the
    /// initial state; returns the summed loss and adds the parameters' gradients.
    /// </summary>
    T Backward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ref TState state, ref TState stateGradient);

    /// <summary>
    /// Backward from the caller's gradient of the outputs (no built-in loss), giving the gradients with respect to the inputs
    /// and the initial state; adds the parameters' gradients.
    /// </summary>
    void Backward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, ref TState state, ref TState stateGradient);
}
