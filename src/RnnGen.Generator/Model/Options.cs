namespace RnnGen.Generator.Model;

// Mirrors of the runtime's public enums, by numeric value. The generator never references the
// runtime assembly (it must load in any compiler); a test keeps the two in step.

internal enum CellKind { Vanilla = 0, Lstm = 1, Gru = 2 }

internal enum ActivationKind { Tanh = 0, Relu = 1 }

internal enum LossKind { CrossEntropy = 0, SquaredError = 1 }

internal enum OutputsKind { EveryStep = 0, LastStep = 1 }

internal enum RecurrenceKind { Hidden = 0, Output = 1 }

internal enum PrecisionKind { Single = 0, Double = 1 }
