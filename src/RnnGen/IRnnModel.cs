using System;
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
    /// <summary>
    /// All parameters as one flat span in the generator's padded layout, for optimisers that work element by element.
    /// Padding entries are zero and must stay zero (their gradients are always zero). Use <see cref="SaveWeights"/> and
    /// <see cref="LoadWeights"/> for named tensors.
    /// </summary>
    Span<T> Parameters { get; }

    /// <summary>The gradients, in the same layout as <see cref="Parameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>
    /// Sets input weights uniform in ±1/sqrt(Vocab or Input), recurrent and output weights uniform in ±1/sqrt(Hidden),
    /// biases to 0 (and reseeds dropout's masks). The same seed always gives the same parameters.
    /// </summary>
    /// <param name="seed">Any value; 0 is what the constructor uses.</param>
    void Initialize(int seed);

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>The summed loss of one sequence (cross-entropy or squared error), from the zero state; no gradient work.</summary>
    /// <param name="inputs">
    /// Token ids 0..Vocab-1, one per step (token models), or Input values per step laid out [steps, Input] row-major
    /// (dense models); 1..MaxSteps steps.
    /// </param>
    /// <param name="targets">
    /// One class id per step (cross-entropy), or Output values per step laid out [steps, Output] (squared error); with
    /// <see cref="Outputs.LastStep"/>, one class id or Output values for the whole sequence. A class id of
    /// <see cref="CrossEntropy.IgnoreIndex"/> (-100) adds no loss and no gradient, as PyTorch's <c>ignore_index</c>.
    /// </param>
    /// <exception cref="ArgumentException">
    /// A length does not fit the declaration, or an id is out of range (a class id other than 0..Output-1 and -100); nothing changes.
    /// </exception>
    T Forward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>
    /// Runs forward from the zero state and backpropagation through time (full, or truncated at Truncate steps), ADDS
    /// the gradient of the summed loss into <see cref="Gradients"/>, and returns the loss.
    /// </summary>
    /// <inheritdoc cref="Forward" path="/param"/>
    /// <inheritdoc cref="Forward" path="/exception"/>
    T Backward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>
    /// One step of stochastic gradient descent: zeroes the gradients, runs <see cref="Backward"/>, then
    /// <c>p -= learningRate · grad</c>. Returns the loss before the update. Afterwards <see cref="Gradients"/> is
    /// unspecified: only what this sequence touches is cleared and updated. A NaN or infinite loss or gradient updates
    /// nothing: it throws <see cref="NonFiniteTrainingException"/>, or with NonFiniteAction = Skip counts a skipped step.
    /// </summary>
    /// <param name="inputs">The sequence, as for <see cref="Forward"/>.</param>
    /// <param name="targets">Its targets, as for <see cref="Forward"/>.</param>
    /// <param name="learningRate">The step size.</param>
    /// <inheritdoc cref="Forward" path="/exception"/>
    T SgdStep(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets, T learningRate);

    /// <summary>
    /// The head's prediction for every step (or the last, for <see cref="Outputs.LastStep"/>): the most likely
    /// class id for cross-entropy models (the first one on ties), the output values for squared-error models.
    /// </summary>
    /// <param name="inputs">The sequence, in the layout of <see cref="Forward"/>.</param>
    /// <param name="destination">
    /// Receives the predictions, laid out as targets are. A longer span is fine: only the first values are written,
    /// as with <see cref="Span{T}.CopyTo"/>; a shorter one throws <see cref="ArgumentException"/>.
    /// </param>
    /// <returns>The number of elements written to <paramref name="destination"/>.</returns>
    int Predict(ReadOnlySpan<TInput> inputs, Span<TTarget> destination);

    /// <summary>
    /// Loads parameters from a safetensors stream with PyTorch's <c>state_dict</c> names and shapes
    /// (<c>rnn.weight_ih_l0</c>, <c>rnn.weight_hh_l0</c>, ..., <c>output.bias</c>). F32, F64, F16 and BF16 are read.
    /// </summary>
    /// <param name="safetensors">The file's contents.</param>
    /// <exception cref="InvalidDataException">
    /// The file is malformed, or a tensor is missing, unexpected, of another shape or not finite; the message names
    /// the tensor and a declaration that fits the file, and the model keeps its previous weights.
    /// </exception>
    void LoadWeights(Stream safetensors);

    /// <summary>Writes the parameters as safetensors with PyTorch's names (F32 or F64), and the declaration in <c>__metadata__</c>.</summary>
    /// <param name="safetensors">Receives the file.</param>
    void SaveWeights(Stream safetensors);

    /// <summary>Writes the gradients as safetensors, under the names of the parameters they belong to.</summary>
    /// <param name="safetensors">Receives the file.</param>
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
    /// copy of the parameters before each batch, and for serving several threads at once: one instance per thread,
    /// each with its own workspace, all sharing one copy of the parameters (an instance runs one call at a time and
    /// throws <see cref="InvalidOperationException"/> on a second concurrent one). False, changing nothing, when
    /// <paramref name="source"/> is this model or not of its class, or the class does not support it (generated
    /// classes do).
    /// </summary>
    /// <param name="source">The model whose parameters to use.</param>
    bool ShareParameters(IRnnModel<T, TInput, TTarget> source) => false;
}
