using RnnGen;

namespace Streaming;

/// <summary>
/// One sample in, one sample out: an LSTM small enough for a real-time audio thread. NativeExports also gives it C
/// entry points (effect_create, effect_step, ...): Native/ publishes this file alone as a shared library for a C host.
/// </summary>
[RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 256, NativeExports = "effect")]
internal partial class EffectModel { }
