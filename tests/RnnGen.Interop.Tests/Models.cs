using RnnGen;

namespace RnnGen.Interop.Tests;

// Token input, cross-entropy (logits out of the ONNX graph).
[RnnModel(Hidden = 8, Vocab = 11, Output = 7)]
public partial class TokenVanilla { }

[RnnModel(Hidden = 6, Vocab = 9, Output = 5, Cell = CellType.Lstm, Layers = 2)]
public partial class TokenLstmStacked { }

// An embedding layer (nn.Embedding): a Gather of the table's rows in ONNX.
[RnnModel(Hidden = 6, Vocab = 9, Output = 5, Embedding = 4, Cell = CellType.Lstm, Layers = 2)]
public partial class EmbeddedLstmStacked { }

[RnnModel(Hidden = 5, Vocab = 9, Embedding = 3, Cell = CellType.Gru, Bidirectional = true)]
public partial class EmbeddedGruBidirectional { }

[RnnModel(Hidden = 5, Vocab = 7, Cell = CellType.Gru, Bidirectional = true)]
public partial class TokenGruBidirectional { }

[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Gru, Outputs = Outputs.LastStep, Bidirectional = true)]
public partial class TokenGruLastStep { }

[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Gru, Bidirectional = true)]
public partial class TokenGruEveryStep { }

// Dense input, squared error.
[RnnModel(Hidden = 5, Input = 3, Output = 2, Activation = Activation.Relu, Loss = Loss.SquaredError, Layers = 2)]
public partial class DenseReluStacked { }

[RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Layers = 2, Bidirectional = true)]
public partial class DenseLstmBidirectional { }

[RnnModel(Hidden = 7, Input = 4, Output = 3, Cell = CellType.Gru, Loss = Loss.SquaredError, Layers = 3)]
public partial class DenseGruStacked { }

[RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Outputs = Outputs.LastStep)]
public partial class DenseLstmLastStep { }

[RnnModel(Hidden = 5, Input = 2, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Precision = Precision.Double)]
public partial class DenseLstmDouble { }

[RnnModel(Hidden = 4, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError)]
public partial class AudioLstm { }

[RnnModel(Hidden = 4, Input = 1, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError)]
public partial class AudioGru { }

[RnnModel(Hidden = 4, Input = 2, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, Layers = 2)]
public partial class AudioGruStacked { }

[RnnModel(Hidden = 3, Input = 2, Output = 2, Loss = Loss.SquaredError)]
public partial class DenseVanilla { }

[RnnModel(Hidden = 4, Input = 2, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, Precision = Precision.Double)]
public partial class AudioGruDouble { }

// Keras Bidirectional layers (forward_layer and backward_layer of a .weights.h5 file).
[RnnModel(Hidden = 4, Input = 2, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Bidirectional = true)]
public partial class KerasLstmBidirectional { }

[RnnModel(Hidden = 4, Input = 2, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, Layers = 2, Bidirectional = true)]
public partial class KerasGruBidirectionalStacked { }

// What ONNX cannot express.
[RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Projection = 3)]
public partial class ProjectedLstm { }

[RnnModel(Hidden = 4, Vocab = 5, Recurrence = Recurrence.Output)]
public partial class OutputRecurrence { }

[RnnModel(Hidden = 1, Input = 1, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError)]
public partial class GruOneUnit { }

// The modules of Fixtures/make_fixtures.py, exported by torch.onnx.export.
[RnnModel(Hidden = 5, Vocab = 7, Output = 4, Cell = CellType.Gru, Layers = 2, Bidirectional = true)]
public partial class TorchGruTokens { }

[RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Layers = 2)]
public partial class TorchLstmDense { }

[RnnModel(Hidden = 4, Input = 2, Output = 3, Activation = Activation.Relu, Loss = Loss.SquaredError, Outputs = Outputs.LastStep)]
public partial class TorchReluLastStep { }

[RnnModel(Hidden = 5, Vocab = 8, Output = 3, Embedding = 4, Cell = CellType.Lstm, Layers = 2)]
public partial class TorchLstmEmbedding { }
