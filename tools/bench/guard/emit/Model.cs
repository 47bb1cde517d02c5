using RnnGen;

[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 8)]
public partial class Guarded { }
