using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace RnnGen.Benchmarks;

/// <summary>
/// A dense-input LSTM (Input 64, Hidden 256) over 100 steps, batch 1: RnnGen's <c>Forward</c> against ONNX
/// Runtime running PyTorch's export of the same <c>nn.LSTM</c> (one ONNX <c>LSTM</c> node), both from the
/// committed files of tools/pytorch/export_dense_lstm.py. ONNX Runtime runs on one thread with its input and
/// outputs bound once to preallocated buffers, so a call does no tensor allocation.
/// </summary>
[MemoryDiagnoser]
public class DenseForward
{
    public const int Input = 64, Hidden = 256, Steps = 100;

    /// <summary>Multiply-adds of the LSTM per step (4 gates from input and hidden state), as FLOP, over all steps.</summary>
    public const double Flops = 2.0 * Steps * 4 * Hidden * (Input + Hidden);

    private readonly float[] _inputs = new float[Steps * Input], _targets = new float[Steps];
    private DenseLstm _model = null!;
    private InferenceSession _session = null!;
    private OrtIoBinding _binding = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _values = null!;
    private float[] _y = null!, _h = null!, _c = null!;

    public static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(64);
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _targets.Length; i++) _targets[i] = (float)(random.NextDouble() * 2 - 1);

        _model = new DenseLstm();
        using (FileStream file = File.OpenRead(DataPath("dense_lstm.safetensors"))) _model.LoadWeights(file);

        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(DataPath("dense_lstm.onnx"), options);
        _runOptions = new RunOptions();
        _y = new float[Steps * Hidden];
        _h = new float[Hidden];
        _c = new float[Hidden];
        OrtValue x = OrtValue.CreateTensorValueFromMemory(_inputs, new long[] { Steps, 1, Input });
        OrtValue y = OrtValue.CreateTensorValueFromMemory(_y, _session.OutputMetadata["y"].Dimensions.Select(d => (long)d).ToArray());
        OrtValue h = OrtValue.CreateTensorValueFromMemory(_h, new long[] { 1, 1, Hidden });
        OrtValue c = OrtValue.CreateTensorValueFromMemory(_c, new long[] { 1, 1, Hidden });
        _values = new[] { x, y, h, c };
        _binding = _session.CreateIoBinding();
        _binding.BindInput("x", x);
        _binding.BindOutput("y", y);
        _binding.BindOutput("h", h);
        _binding.BindOutput("c", c);
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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _binding.Dispose();
        foreach (OrtValue value in _values) value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    [Benchmark(Description = "Dense LSTM 64->256 x100 Forward, RnnGen")]
    public float Generated() => _model.Forward(_inputs, _targets);

    [Benchmark(Description = "Dense LSTM 64->256 x100, ONNX Runtime 1 thread")]
    public float OnnxRuntime()
    {
        _session.RunWithBinding(_runOptions, _binding);
        return _h[0];
    }
}
