using RnnGen;

namespace RnnGen.Tests.Parity;

// The declarations of tools/pytorch/make_fixtures.py's TABLE, one per fixture, same names.
[RnnModel(Hidden = 8, Vocab = 12, MaxSteps = 16)] public partial class VanillaTanhTokenCe { }
[RnnModel(Hidden = 8, Vocab = 12, Truncate = 2, MaxSteps = 16)] public partial class VanillaTanhTokenCeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 6, Activation = Activation.Relu, Truncate = 3, MaxSteps = 16)] public partial class VanillaReluTokenCeT3 { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class VanillaTanhDenseSe { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Activation = Activation.Relu, Outputs = Outputs.LastStep, Truncate = 3, MaxSteps = 16)] public partial class VanillaReluDenseCeLastT3 { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Lstm, MaxSteps = 16)] public partial class LstmTokenCe { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Lstm, Truncate = 2, MaxSteps = 16)] public partial class LstmTokenCeT2 { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class LstmDenseSe { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Cell = CellType.Lstm, Outputs = Outputs.LastStep, Truncate = 3, MaxSteps = 16)] public partial class LstmDenseCeLastT3 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class LstmTokenSeLast { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Gru, MaxSteps = 16)] public partial class GruTokenCe { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Gru, Truncate = 2, MaxSteps = 16)] public partial class GruTokenCeT2 { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Gru, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16)] public partial class GruDenseSeT2 { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Cell = CellType.Gru, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class GruDenseCeLast { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Recurrence = Recurrence.Output, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class FeedbackDenseSe { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 6, Recurrence = Recurrence.Output, Truncate = 2, MaxSteps = 16)] public partial class FeedbackTokenCeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Layers = 2, Truncate = 3, MaxSteps = 16)] public partial class VanillaL2TokenCeT3 { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Activation = Activation.Relu, Layers = 3, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class VanillaL3DenseSe { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Lstm, Layers = 2, MaxSteps = 16)] public partial class LstmL2TokenCe { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Layers = 2, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16)] public partial class LstmL2DenseSeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 4, Cell = CellType.Lstm, Layers = 3, Outputs = Outputs.LastStep, Truncate = 3, MaxSteps = 16)] public partial class LstmL3TokenCeLastT3 { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Cell = CellType.Gru, Layers = 2, Truncate = 2, MaxSteps = 16)] public partial class GruL2DenseCeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 3, Cell = CellType.Gru, Layers = 3, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class GruL3TokenSe { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Lstm, Projection = 3, MaxSteps = 16)] public partial class LstmP3TokenCe { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Projection = 5, Layers = 2, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16)] public partial class LstmP5L2DenseSeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 4, Cell = CellType.Lstm, Projection = 3, Layers = 2, Outputs = Outputs.LastStep, Truncate = 3, MaxSteps = 16)] public partial class LstmP3L2TokenCeLastT3 { }
[RnnModel(Hidden = 8, Vocab = 12, Bidirectional = true, MaxSteps = 16)] public partial class BiVanillaTokenCe { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class BiLstmL2DenseSe { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 4, Cell = CellType.Gru, Layers = 2, Bidirectional = true, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class BiGruL2TokenCeLast { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Cell = CellType.Lstm, Projection = 3, Layers = 3, Bidirectional = true, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class BiLstmP3L3DenseCeLast { }
[RnnModel(Hidden = 64, Input = 5, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16)] public partial class LstmPanelDenseSeT2 { }
[RnnModel(Hidden = 64, Vocab = 12, Cell = CellType.Gru, MaxSteps = 16)] public partial class GruPanelTokenCe { }
[RnnModel(Hidden = 128, Input = 5, Output = 4, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class VanillaPanelDenseCeLast { }
[RnnModel(Hidden = 64, Input = 5, Output = 3, Cell = CellType.Lstm, Projection = 48, Bidirectional = true, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class BiLstmP48PanelDenseSe { }
[RnnModel(Hidden = 128, Vocab = 12, Output = 80, Recurrence = Recurrence.Output, Truncate = 2, MaxSteps = 16)] public partial class FeedbackPanelTokenCeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 2560, Cell = CellType.Lstm, Projection = 4, MaxSteps = 16)] public partial class LstmP4PanelHeadTokenCe { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Projection = 3, Layers = 2, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16, Precision = Precision.Double)] public partial class LstmP3L2DenseSeT2Double { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 4, Cell = CellType.Gru, Layers = 2, Bidirectional = true, Outputs = Outputs.LastStep, MaxSteps = 16, Precision = Precision.Double)] public partial class BiGruL2TokenCeLastDouble { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 6, Recurrence = Recurrence.Output, Truncate = 2, MaxSteps = 16, Precision = Precision.Double)] public partial class FeedbackTokenCeT2Double { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Projection = 3, Layers = 3, Dropout = 0.4, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class LstmP3L3DenseSeDrop { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Gru, Layers = 3, Dropout = 0.3, Truncate = 2, MaxSteps = 16)] public partial class GruL3TokenCeT2Drop { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 4, Activation = Activation.Relu, Layers = 2, Bidirectional = true, Dropout = 0.5, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class BiVanillaReluL2TokenCeLastDrop { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Layers = 2, Dropout = 0.25, Loss = Loss.SquaredError, MaxSteps = 16, Precision = Precision.Double)] public partial class LstmL2DenseSeDoubleDrop { }

// An embedding layer (nn.Embedding) before the recurrence.
[RnnModel(Hidden = 8, Vocab = 12, Embedding = 5, Truncate = 2, MaxSteps = 16)] public partial class EmbVanillaTokenCeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Embedding = 6, Cell = CellType.Lstm, MaxSteps = 16)] public partial class EmbLstmTokenCe { }
[RnnModel(Hidden = 8, Vocab = 12, Embedding = 4, Cell = CellType.Gru, Layers = 2, Truncate = 2, MaxSteps = 16)] public partial class EmbGruL2TokenCeT2 { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 4, Embedding = 5, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class EmbBiLstmL2TokenCeLast { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 3, Embedding = 7, Cell = CellType.Lstm, Projection = 3, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, Truncate = 3, MaxSteps = 16)] public partial class EmbLstmP3TokenSeLastT3 { }
[RnnModel(Hidden = 8, Vocab = 12, Embedding = 3, Cell = CellType.Gru, MaxSteps = 16, Precision = Precision.Double)] public partial class EmbGruTokenCeDouble { }

// Ignored targets (-100, PyTorch's ignore_index) among the class ids.
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Lstm, MaxSteps = 16)] public partial class LstmTokenCeIgnore { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Cell = CellType.Gru, Truncate = 2, MaxSteps = 16)] public partial class GruDenseCeT2Ignore { }
[RnnModel(Hidden = 8, Vocab = 12, Truncate = 3, MaxSteps = 16)] public partial class VanillaTanhTokenCeT3Ignore { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Lstm, Projection = 3, Layers = 2, MaxSteps = 16)] public partial class LstmP3L2TokenCeIgnore { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 6, Recurrence = Recurrence.Output, MaxSteps = 16)] public partial class FeedbackTokenCeIgnore { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Gru, Layers = 2, Bidirectional = true, MaxSteps = 16, Precision = Precision.Double)] public partial class BiGruL2TokenCeIgnoreDouble { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Cell = CellType.Lstm, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class LstmDenseCeLastIgnore { }

// The declarations of make_fixtures.py's STEP_TABLE (streaming Step against PyTorch's per-step outputs).
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Projection = 3, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class LstmP3L2DenseStep { }
[RnnModel(Hidden = 8, Vocab = 12, Cell = CellType.Gru, Layers = 2, MaxSteps = 16)] public partial class GruL2TokenStep { }
[RnnModel(Hidden = 8, Input = 5, Output = 4, Activation = Activation.Relu, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class VanillaReluDenseStep { }
[RnnModel(Hidden = 8, Vocab = 12, Output = 6, Recurrence = Recurrence.Output, MaxSteps = 16)] public partial class FeedbackTokenStep { }
[RnnModel(Hidden = 64, Input = 5, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class LstmPanelDenseStep { }
[RnnModel(Hidden = 8, Input = 5, Output = 3, Cell = CellType.Lstm, Projection = 3, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 16, Precision = Precision.Double)] public partial class LstmP3L2DenseStepDouble { }
[RnnModel(Hidden = 8, Vocab = 12, Embedding = 5, Cell = CellType.Lstm, Layers = 2, MaxSteps = 16)] public partial class EmbLstmL2TokenStep { }

// The declarations of make_fixtures.py's COMPOSE_TABLE (gradients through the initial state, the inputs and the outputs).
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class ComposeLstmL2DenseSe { }
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Layers = 2, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16)] public partial class ComposeLstmL2DenseSeT2 { }
[RnnModel(Hidden = 8, Vocab = 10, Cell = CellType.Gru, Truncate = 3, MaxSteps = 16)] public partial class ComposeGruTokenCeT3 { }
[RnnModel(Hidden = 8, Input = 4, Output = 3, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class ComposeVanillaDenseCeLast { }
[RnnModel(Hidden = 8, Vocab = 10, Output = 2, Cell = CellType.Lstm, Projection = 3, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, Truncate = 3, MaxSteps = 16)] public partial class ComposeLstmP3TokenSeLastT3 { }
[RnnModel(Hidden = 8, Vocab = 10, Embedding = 4, Cell = CellType.Gru, Layers = 2, Truncate = 2, MaxSteps = 16)] public partial class ComposeEmbGruL2TokenCeT2 { }
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Gru, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class ComposeGruL2DenseExternal { }
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Truncate = 2, MaxSteps = 16)] public partial class ComposeLstmDenseExternalT2 { }
[RnnModel(Hidden = 8, Input = 3, Output = 2, Cell = CellType.Lstm, Projection = 3, Layers = 2, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 16)] public partial class ComposeLstmP3L2DenseExternalLast { }
[RnnModel(Hidden = 8, Input = 3, Output = 2, Layers = 2, Loss = Loss.SquaredError, MaxSteps = 16, Precision = Precision.Double)] public partial class ComposeVanillaL2DenseExternalDouble { }
[RnnModel(Hidden = 8, Input = 3, Output = 3, Recurrence = Recurrence.Output, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class ComposeFeedbackDenseSe { }
[RnnModel(Hidden = 8, Vocab = 10, Output = 6, Recurrence = Recurrence.Output, Truncate = 2, MaxSteps = 16)] public partial class ComposeFeedbackTokenCeT2 { }
[RnnModel(Hidden = 8, Input = 3, Output = 2, Activation = Activation.Relu, Recurrence = Recurrence.Output, Loss = Loss.SquaredError, MaxSteps = 16)] public partial class ComposeFeedbackDenseExternal { }

// Padded batches with lengths (Fixtures/Batch): PyTorch's batch_first modules over packed sequences.
[RnnModel(Hidden = 8, Vocab = 12, Output = 5, Cell = CellType.Lstm, Layers = 2, MaxSteps = 9, Batch = 6)]
public partial class BatchLstmL2TokenCe { }

[RnnModel(Hidden = 8, Input = 4, Output = 3, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 9, Batch = 4)]
public partial class BatchGruDenseSe { }

[RnnModel(Hidden = 8, Vocab = 10, Output = 4, Activation = Activation.Relu, Outputs = Outputs.LastStep, MaxSteps = 9, Batch = 5)]
public partial class BatchVanillaReluTokenCeLast { }

[RnnModel(Hidden = 6, Vocab = 11, Output = 5, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, MaxSteps = 7, Batch = 4)]
public partial class BatchBiLstmL2TokenCe { }

[RnnModel(Hidden = 7, Input = 3, Output = 2, Cell = CellType.Gru, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 8, Batch = 5)]
public partial class BatchBiGruDenseSeLast { }
