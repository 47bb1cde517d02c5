using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace RnnGen.Benchmarks;

/// <summary>
/// A dense-input LSTM (Input 64, Hidden 256) over 100 steps, batch 1: RnnGen's <c>Forward</c> against ONNX
/// Runtime running PyTorch's export of the same <c>nn.LSTM</c> (one ONNX <c>LSTM</c> node), both from the
/// committed files of tools/pytorch/export_dense_lstm.py, each on one thread and on two: RnnGen with
/// <c>Threads = 2</c> (the recurrence split across two cores), ONNX Runtime with two intra-op threads. ONNX Runtime
/// has its input and outputs bound once to preallocated buffers, so a call does no tensor allocation.
/// </summary>
[MemoryDiagnoser]
public class DenseForward
{
    public const int Input = 64, Hidden = 256, Steps = 100;

    /// <summary>Multiply-adds of the LSTM per step (4 gates from input and hidden state), as FLOP, over all steps.</summary>
    public const double Flops = 2.0 * Steps * 4 * Hidden * (Input + Hidden);

    private readonly float[] _inputs = new float[Steps * Input], _targets = new float[Steps];
    private DenseLstm _model = null!, _model2 = null!;
    private Ort _ort = null!, _ort2 = null!;
    private float[] _y = null!, _h = null!, _c = null!;

    /// <summary>One ONNX Runtime session with its input and outputs bound to preallocated buffers.</summary>
    private sealed class Ort : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly OrtIoBinding _binding;
        private readonly RunOptions _runOptions = new();
        private readonly OrtValue[] _values;

        public Ort(int threads, float[] inputs, float[] y, float[] h, float[] c)
        {
            var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(DataPath("dense_lstm.onnx"), options);
            OrtValue x = OrtValue.CreateTensorValueFromMemory(inputs, new long[] { Steps, 1, Input });
            OrtValue yv = OrtValue.CreateTensorValueFromMemory(y, _session.OutputMetadata["y"].Dimensions.Select(d => (long)d).ToArray());
            OrtValue hv = OrtValue.CreateTensorValueFromMemory(h, new long[] { 1, 1, Hidden });
            OrtValue cv = OrtValue.CreateTensorValueFromMemory(c, new long[] { 1, 1, Hidden });
            _values = new[] { x, yv, hv, cv };
            _binding = _session.CreateIoBinding();
            _binding.BindInput("x", x);
            _binding.BindOutput("y", yv);
            _binding.BindOutput("h", hv);
            _binding.BindOutput("c", cv);
        }

        public void Run() => _session.RunWithBinding(_runOptions, _binding);

        public void Dispose()
        {
            _binding.Dispose();
            foreach (OrtValue value in _values) value.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
        }
    }

    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(64);
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _targets.Length; i++) _targets[i] = (float)(random.NextDouble() * 2 - 1);

        _model = new DenseLstm();
        _model2 = new DenseLstm();
        using (FileStream file = File.OpenRead(DataPath("dense_lstm.safetensors"))) _model.LoadWeights(file);
        _model.Parameters.CopyTo(_model2.Parameters);
        _model2.Threads = 2;

        _y = new float[Steps * Hidden];
        _h = new float[Hidden];
        _c = new float[Hidden];
        _ort = new Ort(1, _inputs, _y, _h, _c);
        _ort2 = new Ort(2, _inputs, _y, _h, _c);
        CheckSameOutputs();
    }

    /// <summary>
    /// Both compute the same function on the same weights before anything is timed: the final h and c, and the
    /// head applied to every step's h, agree within 1e-4. Throws otherwise.
    /// </summary>
    private void CheckSameOutputs()
    {
        OnnxRuntime();
        var state = default(DenseLstm.State);
        _model.Forward(_inputs, _targets, ref state);
        var predicted = new float[Steps];
        _model.Predict(_inputs, predicted);

        var tensors = WeightFile.Read(DataPath("dense_lstm.safetensors"));
        float[] w = tensors["output.weight"], b = tensors["output.bias"];
        double worst = 0;
        for (int t = 0; t < Steps; t++)
        {
            float head = b[0];
            for (int i = 0; i < Hidden; i++) head += w[i] * _y[t * Hidden + i];
            worst = Math.Max(worst, Math.Abs(head - predicted[t]));
        }

        for (int i = 0; i < Hidden; i++)
        {
            worst = Math.Max(worst, Math.Abs(_h[i] - state.Hidden[i]));
            worst = Math.Max(worst, Math.Abs(_c[i] - state.Cell[i]));
        }

        if (!(worst <= 1e-4)) throw new InvalidOperationException($"RnnGen and ONNX Runtime disagree: largest difference {worst:E2}");
        Console.WriteLine($"// check: RnnGen and ONNX Runtime agree on h, c and every step's head output within {worst:E1}");

        // Two threads compute exactly what one does.
        var state2 = default(DenseLstm.State);
        _model2.Forward(_inputs, _targets, ref state2);
        var predicted2 = new float[Steps];
        _model2.Predict(_inputs, predicted2);
        if (!predicted2.AsSpan().SequenceEqual(predicted) || !state2.Hidden.SequenceEqual(state.Hidden) || !state2.Cell.SequenceEqual(state.Cell))
            throw new InvalidOperationException("RnnGen with Threads = 2 differs from one thread");
        Console.WriteLine("// check: RnnGen with Threads = 2 gives bit for bit the outputs of one thread");
        float h0 = _h[0];
        OnnxRuntimeTwoThreads();
        if (Math.Abs(_h[0] - h0) > 1e-6) throw new InvalidOperationException("ONNX Runtime with two threads differs from one");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort.Dispose();
        _ort2.Dispose();
        _model2.Threads = 1;
    }

    [Benchmark(Description = "Dense LSTM 64->256 x100 Forward, RnnGen")]
    public float Generated() => _model.Forward(_inputs, _targets);

    [Benchmark(Description = "Dense LSTM 64->256 x100, ONNX Runtime 1 thread")]
    public float OnnxRuntime()
    {
        _ort.Run();
        return _h[0];
    }

    [Benchmark(Description = "Dense LSTM 64->256 x100 Forward, RnnGen Threads = 2")]
    public float GeneratedTwoThreads() => _model2.Forward(_inputs, _targets);

    [Benchmark(Description = "Dense LSTM 64->256 x100, ONNX Runtime 2 intra-op threads")]
    public float OnnxRuntimeTwoThreads()
    {
        _ort2.Run();
        return _h[0];
    }
}
