using System;
using System.Diagnostics;
using RnnGen;

// The first call of each model's SgdStep and Step in a fresh process: what the JIT compiling the generated code and
// the kernels it calls costs a user once. Prints one line per model, the total, and the total of the first SgdStep and
// Step calls alone (what the JIT adds; the constructors mostly fill the weights), in milliseconds.
var inputs = new int[20];
var targets = new int[20];
var random = new Random(48);
for (int i = 0; i < 20; i++) (inputs[i], targets[i]) = (random.Next(8000), random.Next(8000));
var dense = new float[20 * 16];
var values = new float[20];
for (int i = 0; i < dense.Length; i++) dense[i] = (float)random.NextDouble();
var output = new float[8000];
double total = 0, calls = 0;

total += Measure("tutorial vanilla", () => new TutorialVanilla(), m => m.SgdStep(inputs, targets, 0.005f), m => { var s = default(TutorialVanilla.State); m.Step(ref s, 17, output); });
total += Measure("tutorial LSTM", () => new TutorialLstm(), m => m.SgdStep(inputs, targets, 0.005f), m => { var s = default(TutorialLstm.State); m.Step(ref s, 17, output); });
total += Measure("tutorial GRU", () => new TutorialGru(), m => m.SgdStep(inputs, targets, 0.005f), m => { var s = default(TutorialGru.State); m.Step(ref s, 17, output); });
total += Measure("stream LSTM 16->16", () => new StreamLstm(), m => m.SgdStep(dense, values.AsSpan(0, 1), 0.005f), m => { var s = default(StreamLstm.State); m.Step(ref s, dense.AsSpan(0, 16), output.AsSpan(0, 1)); });
total += Measure("stacked GRU 2x64", () => new StackedGru(), m => m.SgdStep(dense, values.AsSpan(0, 1), 0.005f), m => { var s = default(StackedGru.State); m.Step(ref s, dense.AsSpan(0, 16), output.AsSpan(0, 1)); });
Console.WriteLine($"total {total:F1} ms");
Console.WriteLine($"calls {calls:F1} ms (first SgdStep and Step only, without the constructors)");

double Measure<TModel>(string name, Func<TModel> construct, Func<TModel, float> sgdStep, Action<TModel> step)
    where TModel : class
{
    long start = Stopwatch.GetTimestamp();
    TModel model = construct();
    double made = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    start = Stopwatch.GetTimestamp();
    sgdStep(model);
    double sgd = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    start = Stopwatch.GetTimestamp();
    step(model);
    double first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    Console.WriteLine($"{name,-20} constructor {made,6:F1} ms, first SgdStep {sgd,7:F1} ms, first Step {first,6:F1} ms");
    calls += sgd + first;
    return made + sgd + first;
}

[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32)] public partial class TutorialVanilla { }
[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32, Cell = CellType.Lstm)] public partial class TutorialLstm { }
[RnnModel(Hidden = 100, Vocab = 8000, Truncate = 4, MaxSteps = 32, Cell = CellType.Gru)] public partial class TutorialGru { }
[RnnModel(Hidden = 16, Input = 16, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 32)] public partial class StreamLstm { }
[RnnModel(Hidden = 64, Input = 16, Output = 1, Cell = CellType.Gru, Layers = 2, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, Truncate = 8, MaxSteps = 32)] public partial class StackedGru { }
