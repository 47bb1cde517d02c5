using RnnGen;

namespace Streaming;

/// <summary>
/// One sample in, one sample out: an LSTM small enough for a real-time audio thread. NativeExports also gives it C
/// entry points (effect_create, effect_step, ...): Native/ publishes this file alone as a shared library for a C host.
/// Batch = 8: one batched Step carries up to eight channels (a 7.1 mix) a sample frame at a time.
/// </summary>
[RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 256, Batch = 8, NativeExports = "effect")]
internal partial class EffectModel { }
