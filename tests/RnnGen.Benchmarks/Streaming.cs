using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Streaming inference, one sample at a time through <c>Step</c>, as an audio effect runs. Each call to a
/// benchmark method streams a block of 48 samples (one millisecond at 48 kHz); the figure is per sample.
/// </summary>
[MemoryDiagnoser]
public class Streaming
{
    public const int Block = 48, SampleRate = 48_000;

    private float[] _input16 = null!, _input1 = null!;
    private readonly float[] _output = new float[1];
    private StreamLstm16 _lstm16 = null!;
    private StreamLstm1x24 _lstm1x24 = null!;
    private StreamGru16 _gru16 = null!;
    private StreamLstm16.State _lstm16State;
    private StreamLstm1x24.State _lstm1x24State;
    private StreamGru16.State _gru16State;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(48);
        _input16 = new float[Block * 16];
        _input1 = new float[Block];
        for (int i = 0; i < _input16.Length; i++) _input16[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _input1.Length; i++) _input1[i] = (float)(random.NextDouble() * 2 - 1);
        (_lstm16, _lstm1x24, _gru16) = (new StreamLstm16(), new StreamLstm1x24(), new StreamGru16());
    }

    [Benchmark(Description = "Streaming Step LSTM 16->16 + head", OperationsPerInvoke = Block)]
    public float Lstm16()
    {
        for (int i = 0; i < Block; i++) _lstm16.Step(ref _lstm16State, _input16.AsSpan(i * 16, 16), _output);
        return _output[0];
    }

    [Benchmark(Description = "Streaming Step LSTM 1->24 + head", OperationsPerInvoke = Block)]
    public float Lstm1x24()
    {
        for (int i = 0; i < Block; i++) _lstm1x24.Step(ref _lstm1x24State, _input1.AsSpan(i, 1), _output);
        return _output[0];
    }

    [Benchmark(Description = "Streaming Step GRU 16->16 + head", OperationsPerInvoke = Block)]
    public float Gru16()
    {
        for (int i = 0; i < Block; i++) _gru16.Step(ref _gru16State, _input16.AsSpan(i * 16, 16), _output);
        return _output[0];
    }
}
