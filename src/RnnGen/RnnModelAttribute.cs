using System;

namespace RnnGen;

/// <summary>
/// Declares a recurrent neural network whose forward pass, backpropagation through time,
/// training step, streaming inference and weight I/O are generated into this partial class
/// at compile time, specialised for the sizes given here.
/// </summary>
/// <example>
/// <code>
/// [RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4)]
/// public partial class WordModel { }
/// </code>
/// </example>
/// <remarks>
/// Every size is a compile-time constant of the generated code. Invalid combinations are
/// reported as <c>RNNG</c> compiler diagnostics; see <c>docs/diagnostics.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnModelAttribute : Attribute
{
    /// <summary>Hidden units per layer (PyTorch <c>hidden_size</c>). Required, 1..4096.</summary>
    public int Hidden { get; set; }

    /// <summary>
    /// Token input: the model reads ids <c>0..Vocab-1</c> with one-hot semantics (a column lookup,
    /// never a multiplication by a one-hot vector). Set exactly one of <see cref="Vocab"/> and <see cref="Input"/>.
    /// </summary>
    public int Vocab { get; set; }

    /// <summary>Dense input width: floats per step. Set exactly one of <see cref="Vocab"/> and <see cref="Input"/>.</summary>
    public int Input { get; set; }

    /// <summary>
    /// Output width: classes for cross-entropy, values for squared error.
    /// Defaults to <see cref="Vocab"/> when that is set; otherwise required.
    /// </summary>
    public int Output { get; set; }

    /// <summary>The recurrent cell. Default <see cref="CellType.Vanilla"/>.</summary>
    public CellType Cell { get; set; } = CellType.Vanilla;

    /// <summary>The vanilla cell's non-linearity. Default <see cref="RnnGen.Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;

    /// <summary>The training loss, summed over steps. Default <see cref="RnnGen.Loss.CrossEntropy"/>.</summary>
    public Loss Loss { get; set; } = Loss.CrossEntropy;

    /// <summary>
    /// Truncated backpropagation through time: the loss at step <c>t</c> sends gradient back
    /// through steps <c>t..t-Truncate</c> only. 0 (the default) is full BPTT.
    /// </summary>
    public int Truncate { get; set; }

    /// <summary>Longest sequence one call accepts; sizes the preallocated buffers. Default 128.</summary>
    public int MaxSteps { get; set; } = 128;

    /// <summary>Where the loss applies: every step, or the last step only (sequence-to-one).</summary>
    public Outputs Outputs { get; set; } = Outputs.EveryStep;

    /// <summary>What feeds step <c>t</c>: the previous hidden state, or the previous head output (vanilla only).</summary>
    public Recurrence Recurrence { get; set; } = Recurrence.Hidden;

    /// <summary>The element type of parameters and arithmetic. Default <see cref="RnnGen.Precision.Single"/>.</summary>
    public Precision Precision { get; set; } = Precision.Single;

    /// <summary>Stacked recurrent layers (PyTorch <c>num_layers</c>). Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Adds a reverse-direction layer beside each forward one (PyTorch <c>bidirectional</c>).</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Inverted dropout between layers in training calls only (PyTorch <c>dropout</c>), in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <summary>LSTM output projection size (PyTorch <c>proj_size</c>); 0 = none.</summary>
    public int Projection { get; set; }

    /// <summary>
    /// An embedding layer before the first recurrent layer (PyTorch <c>nn.Embedding(Vocab, Embedding)</c>, parameter
    /// <c>embedding.weight</c> <c>[Vocab, Embedding]</c>): each token id selects a trained row of <c>Embedding</c> values,
    /// which the first layer reads as dense input (<c>rnn.weight_ih_l0</c> is then <c>[Gates·Hidden, Embedding]</c>).
    /// Token models only; 0 (the default) = none: the first layer reads the token one-hot.
    /// </summary>
    public int Embedding { get; set; }

    /// <summary>
    /// The most sequences or streams one batched call takes. Above 1, streaming models get
    /// <c>Step(Span&lt;State&gt; states, inputs, outputs)</c>, which advances up to <c>Batch</c> independent streams
    /// (audio channels, game characters, sensor feeds) by one step in one call, reading each weight matrix once for all
    /// of them. Every model gets padded batches of up to <c>Batch</c> sequences with their lengths (PyTorch's
    /// <c>batch_first</c> layout) for <c>Forward(inputs, targets, lengths)</c>, <c>Backward(inputs, targets, lengths)</c>,
    /// <c>Predict(inputs, lengths, destination)</c> and <c>Probabilities(inputs, lengths, destination)</c> (a
    /// bidirectional model runs the sequences one after the other), and implements <see cref="IBatchModel{T, TInput, TTarget}"/>,
    /// through which <c>Trainer</c> and <c>DataParallel</c> train in batches. Default 1: no batched members.
    /// </summary>
    public int Batch { get; set; } = 1;

    /// <summary>
    /// Generates C-callable entry points (<c>[UnmanagedCallersOnly]</c>) named with this prefix, e.g. <c>"effect"</c>
    /// gives <c>effect_create</c>, <c>effect_load_file</c>, <c>effect_step</c>, <c>effect_process</c>,
    /// <c>effect_destroy</c>, …, declared by <c>RNNGEN_DECLARE_MODEL</c> in the package's <c>rnngen.h</c>. Publish the
    /// project with NativeAOT as a shared library (<c>-p:NativeLib=Shared</c>) to call the model from C or C++, e.g.
    /// from an audio plugin. A C identifier; null or empty (the default) generates none. Streaming models only (not
    /// <see cref="Bidirectional"/>).
    /// </summary>
    public string? NativeExports { get; set; }
}
