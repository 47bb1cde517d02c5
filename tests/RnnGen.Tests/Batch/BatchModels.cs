using RnnGen;

namespace RnnGen.Tests.Models;

// Models with Batch > 1: their batched Step must equal one Step per stream. Between them they cover every cell, token
// (one-hot and embedded) and dense input, stacks, the projection, output recurrence, W_hh in panels on two threads,
// and both precisions.

[RnnModel(Hidden = 5, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 8)]
public partial class BatchLstmDense { }

[RnnModel(Hidden = 5, Vocab = 7, Output = 4, Cell = CellType.Gru, MaxSteps = 8, Batch = 8, Precision = Precision.Double)]
public partial class BatchGruTokens { }

[RnnModel(Hidden = 6, Vocab = 9, Activation = Activation.Relu, MaxSteps = 8, Batch = 5, Precision = Precision.Double)]
public partial class BatchVanillaTokens { }

[RnnModel(Hidden = 5, Input = 2, Output = 3, Recurrence = Recurrence.Output, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 4, Precision = Precision.Double)]
public partial class BatchFeedback { }

[RnnModel(Hidden = 7, Vocab = 6, Output = 5, Cell = CellType.Lstm, Layers = 2, Projection = 4, MaxSteps = 8, Batch = 6, Precision = Precision.Double)]
public partial class BatchProjectedStack { }

[RnnModel(Hidden = 9, Input = 4, Output = 2, Cell = CellType.Gru, Layers = 3, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 7)]
public partial class BatchGruStack { }

[RnnModel(Hidden = 5, Vocab = 20, Embedding = 6, Output = 20, Cell = CellType.Lstm, MaxSteps = 8, Batch = 4, Precision = Precision.Double)]
public partial class BatchEmbedded { }

[RnnModel(Hidden = 10, Input = 3, Output = 2, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 9)]
public partial class BatchVanillaStack { }

/// <summary>W_hh in column panels, split across two threads in the sequence passes; the batched Step runs whole products.</summary>
[RnnModel(Hidden = 256, Input = 8, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 5)]
public partial class BatchWideLstm { }

/// <summary>One class per sequence, at its last valid step.</summary>
[RnnModel(Hidden = 6, Vocab = 12, Output = 3, Cell = CellType.Gru, Outputs = Outputs.LastStep, MaxSteps = 8, Batch = 5, Precision = Precision.Double)]
public partial class BatchSentiment { }

/// <summary>Values at each sequence's last valid step.</summary>
[RnnModel(Hidden = 5, Input = 2, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 8, Batch = 6)]
public partial class BatchLastValue { }

/// <summary>Bidirectional: no Step, but Backward over a padded batch, the reverse direction over each sequence's own steps.</summary>
[RnnModel(Hidden = 5, Vocab = 9, Output = 4, Cell = CellType.Lstm, Bidirectional = true, Layers = 2, MaxSteps = 8, Batch = 4, Precision = Precision.Double)]
public partial class BatchBiTagger { }

/// <summary>Truncated BPTT over a padded batch.</summary>
[RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 8, Batch = 5)]
public partial class BatchTruncated { }

/// <summary>Bidirectional, values at each sequence's last valid step (the reverse direction has seen that one step).</summary>
[RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Gru, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 8, Batch = 5)]
public partial class BatchBiLastValue { }

/// <summary>A tagger the training tools hand padded batches to; <see cref="OneByOneTagger"/> is its twin without them.</summary>
[RnnModel(Hidden = 6, Vocab = 10, Output = 10, Cell = CellType.Gru, MaxSteps = 16, Batch = 4, Precision = Precision.Double)]
public partial class BatchTrainedTagger { }

/// <summary>The same network as <see cref="BatchTrainedTagger"/>, one sequence a call (the parameters are interchangeable).</summary>
[RnnModel(Hidden = 6, Vocab = 10, Output = 10, Cell = CellType.Gru, MaxSteps = 16, Precision = Precision.Double)]
public partial class OneByOneTagger { }

/// <summary>An LSTM on tokens in double: its batched Backward is one packed pass, checked to 1e-12 against the sequences'.</summary>
[RnnModel(Hidden = 5, Vocab = 7, Output = 4, Cell = CellType.Lstm, MaxSteps = 8, Batch = 6, Precision = Precision.Double)]
public partial class BatchLstmTokens { }

/// <summary>A dense GRU in double, squared error: the packed pass's W_ih gradient over every row at once.</summary>
[RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8, Batch = 5, Precision = Precision.Double)]
public partial class BatchGruDense { }

/// <summary>W_hh in panels of 64 columns (one thread): the packed pass turns the panels the other way.</summary>
[RnnModel(Hidden = 64, Vocab = 20, Output = 8, Cell = CellType.Gru, MaxSteps = 8, Batch = 4)]
public partial class BatchPanelledGru { }

/// <summary>W_out in panels of classes (a float head of thousands): the packed pass turns the panels the other way.</summary>
[RnnModel(Hidden = 8, Vocab = 30, Output = 2400, Cell = CellType.Gru, MaxSteps = 8, Batch = 3)]
public partial class BatchWideHead { }

/// <summary>A stack of three LSTM layers on tokens in double: the packed pass hands dh down layer by layer.</summary>
[RnnModel(Hidden = 5, Vocab = 7, Output = 4, Cell = CellType.Lstm, Layers = 3, MaxSteps = 8, Batch = 6, Precision = Precision.Double)]
public partial class BatchLstmStack { }

/// <summary>The tutorial's vanilla network, small, in double: truncated BPTT in the packed pass, checked at 1e-12.</summary>
[RnnModel(Hidden = 6, Vocab = 9, Truncate = 2, MaxSteps = 8, Batch = 5, Precision = Precision.Double)]
public partial class BatchTruncatedTokens { }

/// <summary>A truncated LSTM in double: the windows carry [dh | dc].</summary>
[RnnModel(Hidden = 5, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Truncate = 3, MaxSteps = 8, Batch = 4, Precision = Precision.Double)]
public partial class BatchTruncatedLstm { }
