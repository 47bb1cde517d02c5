using System;
using BenchmarkDotNet.Attributes;
using RnnGen.Training;

namespace RnnGen.Benchmarks;

/// <summary>
/// One minibatch of 32 tutorial sentences (20 tokens each): zero gradients, backward over the batch, one SGD step.
/// Serial on one core, and split across every core with <see cref="DataParallel{T, TInput, TTarget}"/>: its
/// <c>Step</c>, and its <c>Backward</c> between the caller's <c>ZeroGradients</c> and <c>Sgd.Step</c>.
/// </summary>
[MemoryDiagnoser]
public class DataParallelStep : IDisposable
{
    public const int Batch = 32;

    private readonly TrainingSequence<int, int>[] _batch = new TrainingSequence<int, int>[Batch];
    private TutorialVanilla _serial = null!, _model = null!;
    private Sgd<float> _serialSgd = null!, _sgd = null!;
    private DataParallel<float, int, int> _parallel = null!, _dynamic = null!;
    private TutorialVanilla _dynamicModel = null!;
    private Sgd<float> _dynamicSgd = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(32);
        for (int s = 0; s < Batch; s++)
        {
            int[] tokens = new int[TutorialStep.Steps + 1];
            for (int t = 1; t < tokens.Length; t++) tokens[t] = 1 + random.Next(TutorialStep.Vocab - 1);
            _batch[s] = new TrainingSequence<int, int>(tokens.AsMemory(0, TutorialStep.Steps), tokens.AsMemory(1));
        }

        _serial = new TutorialVanilla();
        _model = new TutorialVanilla();
        _serialSgd = new Sgd<float>(_serial.Parameters.Length, TutorialStep.LearningRate);
        _sgd = new Sgd<float>(_model.Parameters.Length, TutorialStep.LearningRate);
        _parallel = new DataParallel<float, int, int>(_model, () => new TutorialVanilla());
        _dynamicModel = new TutorialVanilla();
        _dynamicSgd = new Sgd<float>(_dynamicModel.Parameters.Length, TutorialStep.LearningRate);
        _dynamic = new DataParallel<float, int, int>(_dynamicModel, () => new TutorialVanilla(), deterministic: false);
    }

    /// <summary>The batch, for <see cref="IndependentHalves"/>.</summary>
    internal TrainingSequence<int, int>[] Sequences => _batch;

    /// <summary>The cores the parallel side uses.</summary>
    public int Workers => _parallel.Workers;

    [Benchmark(Description = "Minibatch of 32 tutorial sentences, one core")]
    public float Serial()
    {
        _serial.ZeroGradients();
        float loss = 0;
        foreach (TrainingSequence<int, int> sequence in _batch)
        {
            loss += _serial.Backward(sequence.Inputs.Span, sequence.Targets.Span);
        }

        _serialSgd.Step(_serial.Parameters, _serial.Gradients);
        return loss;
    }

    /// <summary>DataParallel's one-call step: zeroing, reduction, finite check and update all split across the cores.</summary>
    [Benchmark(Description = "Minibatch of 32 tutorial sentences, DataParallel.Step on every core")]
    public float Parallel() => _parallel.Step(_batch, _sgd);

    /// <summary>The three calls, for comparison: only the backward pass and the reduction are split; the rest runs on the caller.</summary>
    [Benchmark(Description = "Minibatch of 32 tutorial sentences, DataParallel.Backward on every core, then Sgd.Step")]
    public float ParallelBackward()
    {
        _model.ZeroGradients();
        float loss = _parallel.Backward(_batch);
        _sgd.Step(_model.Parameters, _model.Gradients);
        return loss;
    }

    /// <summary>DataParallel.Step with sequences claimed one at a time (deterministic: false).</summary>
    [Benchmark(Description = "Minibatch of 32 tutorial sentences, DataParallel.Step (dynamic) on every core")]
    public float ParallelDynamic() => _dynamic.Step(_batch, _dynamicSgd);

    [GlobalCleanup]
    public void Dispose()
    {
        _parallel?.Dispose();
        _dynamic?.Dispose();
    }
}
