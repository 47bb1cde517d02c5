using System;
using System.ComponentModel;
using System.IO;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// What every generated model offers, for code that trains or evaluates any model: optimisers,
/// training loops, evaluation. Generated classes implement it; their own members are the same
/// methods with the model's concrete types.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <typeparam name="TInput"><see cref="int"/> token ids, or <typeparamref name="T"/> for dense inputs.</typeparam>
/// <typeparam name="TTarget"><see cref="int"/> class ids, or <typeparamref name="T"/> for regression targets.</typeparam>
public interface IRnnModel<T, TInput, TTarget>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    /// <summary>All parameters, flat, in the model's padded layout (padding entries stay zero).</summary>
    Span<T> Parameters { get; }

    /// <summary>The gradients, in the same layout as <see cref="Parameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>Re-initialises the parameters deterministically from <paramref name="seed"/>.</summary>
    void Initialize(int seed);

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>The summed loss of one sequence, without gradient work.</summary>
    T Forward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Forward and backpropagation through time; adds into <see cref="Gradients"/>; returns the summed loss.</summary>
    T Backward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Zero gradients, backward, and <c>p -= learningRate · grad</c>; returns the loss.</summary>
    T SgdStep(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets, T learningRate);

    /// <summary>
    /// The head's prediction for every step (or the last, for <see cref="Outputs.LastStep"/>): the most likely
    /// class id for cross-entropy models, the output values for squared-error models.
    /// </summary>
    /// <param name="inputs">The sequence, in the layout of <see cref="Forward"/>.</param>
    /// <param name="destination">
    /// Receives the predictions, laid out as targets are. A longer span is fine: only the first values are written,
    /// as with <see cref="Span{T}.CopyTo"/>; a shorter one throws <see cref="ArgumentException"/>.
    /// </param>
    /// <returns>The number of elements written to <paramref name="destination"/>.</returns>
    int Predict(ReadOnlySpan<TInput> inputs, Span<TTarget> destination);

    /// <summary>Loads parameters from safetensors with PyTorch's names.</summary>
    void LoadWeights(Stream safetensors);

    /// <summary>Saves parameters as safetensors with PyTorch's names.</summary>
    void SaveWeights(Stream safetensors);

    /// <summary>Saves gradients as safetensors with the names of their parameters.</summary>
    void SaveGradients(Stream safetensors);

    /// <summary>
    /// Where element <paramref name="index"/> of <see cref="Parameters"/> lives in PyTorch's terms: the tensor's
    /// name (e.g. <c>rnn.weight_hh_l0</c>), row and column (-1 for a vector). False for padding or an index
    /// out of range. Used to name the parameter in error messages.
    /// </summary>
    /// <param name="index">An index into <see cref="Parameters"/>.</param>
    /// <param name="name">The tensor's name.</param>
    /// <param name="row">The row in the tensor's shape.</param>
    /// <param name="column">The column, or -1 for a vector.</param>
    bool TryLocateParameter(int index, out string name, out int row, out int column)
    {
        (name, row, column) = ("", -1, -1);
        return false;
    }

    /// <summary>
    /// Makes this model use <paramref name="source"/>'s parameter memory from now on: both read and write the same
    /// parameters, and this model's own values are dropped. For copies of a model that only compute gradients with
    /// its parameters, such as <see cref="Training.DataParallel{T, TInput, TTarget}"/>'s replicas, which then need no
    /// copy of the parameters before each batch. False, changing nothing, when <paramref name="source"/> is this
    /// model or not of its class, or the class does not support it (generated classes do).
    /// </summary>
    /// <param name="source">The model whose parameters to use.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    bool ShareParameters(IRnnModel<T, TInput, TTarget> source) => false;
}
