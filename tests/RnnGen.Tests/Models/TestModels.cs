using RnnGen;

namespace RnnGen.Tests.Models;

// Declared exactly as users declare them: the generator runs on this project as an analyzer.

/// <summary>Double precision, full BPTT, tanh: gradients checked by finite differences.</summary>
[RnnModel(Hidden = 5, Vocab = 7, MaxSteps = 12, Precision = Precision.Double)]
public partial class FullTanh { }

[RnnModel(Hidden = 5, Vocab = 7, MaxSteps = 12, Precision = Precision.Double, Activation = Activation.Relu)]
public partial class FullRelu { }

[RnnModel(Hidden = 5, Vocab = 7, MaxSteps = 12, Truncate = 2, Precision = Precision.Double)]
public partial class TruncatedTanh { }

[RnnModel(Hidden = 5, Vocab = 7, MaxSteps = 12, Truncate = 3, Precision = Precision.Double, Activation = Activation.Relu)]
public partial class TruncatedRelu { }

/// <summary>Odd sizes (padding in every row), a tagger's Output ≠ Vocab, truncation 1.</summary>
[RnnModel(Hidden = 19, Vocab = 11, Output = 13, MaxSteps = 10, Truncate = 1, Precision = Precision.Double)]
public partial class OddTagger { }

/// <summary>Sizes that need several column chunks and row tiles in every kernel.</summary>
[RnnModel(Hidden = 70, Vocab = 90, Output = 150, MaxSteps = 12, Truncate = 4, Precision = Precision.Double)]
public partial class Chunky { }

/// <summary>The tutorial's configuration.</summary>
[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4)]
public partial class TutorialModel { }

/// <summary>
/// A single-precision head too wide for one pass of the head's backward product (Output 2100: chunks of K with a
/// shorter last one) over an odd Hidden (column blocks with an edge).
/// </summary>
[RnnModel(Hidden = 30, Vocab = 40, Output = 2100, MaxSteps = 24, Truncate = 3)]
public partial class WideHead { }

/// <summary>
/// A single-precision head stored in panels of 320 classes (Vocab 2560), behind a projected LSTM with full BPTT:
/// the panelled head's products and weight map under another cell and a head narrower than Hidden.
/// </summary>
[RnnModel(Hidden = 24, Vocab = 2560, Cell = CellType.Lstm, Projection = 16, MaxSteps = 8)]
public partial class PanelledHead { }

/// <summary>A small single-precision language model for training, streaming and argument tests.</summary>
[RnnModel(Hidden = 16, Vocab = 10, MaxSteps = 32, Truncate = 3)]
public partial class SmallModel { }

/// <summary>The same network as <see cref="SmallModel"/> with full BPTT (weights are interchangeable).</summary>
[RnnModel(Hidden = 16, Vocab = 10, MaxSteps = 32)]
public partial class SmallModelFull { }

/// <summary>Dense inputs and squared error, for argument checks of those layouts.</summary>
[RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 5)]
public partial class DenseRegressor { }

/// <summary>Sequence-to-one classification, for argument checks of its one target.</summary>
[RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Gru, Outputs = Outputs.LastStep, MaxSteps = 5)]
public partial class SequenceClassifier { }

/// <summary>For carried-state (chunked) training: an LSTM, whose state includes c.</summary>
[RnnModel(Hidden = 5, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 12, Precision = Precision.Double)]
public partial class ChunkedLstm { }

/// <summary>For carried-state training with output recurrence, whose state includes y.</summary>
[RnnModel(Hidden = 5, Vocab = 6, Output = 4, Recurrence = Recurrence.Output, MaxSteps = 12, Precision = Precision.Double)]
public partial class ChunkedFeedback { }

/// <summary>Dropout between two LSTM layers with a projection (the dropped rows are h's 3 values), full BPTT.</summary>
[RnnModel(Hidden = 5, Input = 3, Output = 2, Cell = CellType.Lstm, Projection = 3, Layers = 2, Dropout = 0.4, Loss = Loss.SquaredError, MaxSteps = 12, Precision = Precision.Double)]
public partial class DroppedLstm { }

/// <summary>Three GRU layers with dropout, full BPTT, and the same network with truncation wide enough to cover 8 steps.</summary>
[RnnModel(Hidden = 5, Vocab = 6, Output = 3, Cell = CellType.Gru, Layers = 3, Dropout = 0.3, MaxSteps = 12, Precision = Precision.Double)]
public partial class DroppedGru { }

[RnnModel(Hidden = 5, Vocab = 6, Output = 3, Cell = CellType.Gru, Layers = 3, Dropout = 0.3, Truncate = 7, MaxSteps = 12, Precision = Precision.Double)]
public partial class DroppedGruWindows { }

/// <summary>For the scaling test: two ReLU layers, one output value.</summary>
[RnnModel(Hidden = 32, Input = 4, Output = 1, Activation = Activation.Relu, Layers = 2, Dropout = 0.5, Loss = Loss.SquaredError, MaxSteps = 8, Precision = Precision.Double)]
public partial class DroppedProbe { }

/// <summary>The same network without dropout.</summary>
[RnnModel(Hidden = 32, Input = 4, Output = 1, Activation = Activation.Relu, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 8, Precision = Precision.Double)]
public partial class UndroppedProbe { }

/// <summary>For the finite checks of SgdStep's head: ReLU lets h reach 1e38 while the loss stays finite. A small head stores its gradient.</summary>
[RnnModel(Hidden = 4, Input = 1, Output = 1, Activation = Activation.Relu, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class HugeActivations { }

/// <summary>The same with a head of 256 outputs, whose update SgdStep fuses with its gradient (never stored).</summary>
[RnnModel(Hidden = 4, Input = 1, Output = 256, Activation = Activation.Relu, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class HugeActivationsWideHead { }
