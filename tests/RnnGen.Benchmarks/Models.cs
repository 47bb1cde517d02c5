using RnnGen;

namespace RnnGen.Benchmarks;

// The tutorial's configuration (Vocab 8000, Hidden 100, BPTT truncated at 4), one per cell.
[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32)]
public partial class TutorialVanilla { }

[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32, Cell = CellType.Lstm)]
public partial class TutorialLstm { }

[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32, Cell = CellType.Gru)]
public partial class TutorialGru { }

// Streaming, one sample at a time (audio-style), each with a 1-unit head.
[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class StreamLstm16 { }

[RnnModel(Hidden = 24, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class StreamLstm1x24 { }

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class StreamGru16 { }

// Dense input, compared with ONNX Runtime's LSTM operator. The 1-unit head is required by a declaration;
// it costs 0.1% of the step (256 multiply-adds against 327,680).
[RnnModel(Hidden = 256, Input = 64, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 100)]
public partial class DenseLstm { }
