using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// One SGD step on a 20-token sentence in the RNN tutorial's configuration (Vocab 8000, Hidden 100, Truncate 4),
/// for each generated cell and for the plain C# baseline. The output layer dominates: three GEMMs of
/// 20 × 100 × 8000 per step (forward, ∂W_out, ∂h), 96 MFLOP.
/// </summary>
[MemoryDiagnoser]
public class TutorialStep
{
    public const int Vocab = 8000, Hidden = 100, Truncate = 4, Steps = 20;
    public const float LearningRate = 0.005f;

    /// <summary>The output layer's floating-point operations per step, the arithmetic limit of the step.</summary>
    public const double OutputLayerFlops = 3 * 2.0 * Steps * Hidden * Vocab;

    private readonly int[] _inputs = new int[Steps], _targets = new int[Steps];
    private TutorialVanilla _vanilla = null!;
    private TutorialLstm _lstm = null!;
    private TutorialGru _gru = null!;
    private PlainRnn _plain = null!;

    [GlobalSetup]
    public void Setup()
    {
        Sentence(_inputs, _targets);
        _vanilla = new TutorialVanilla();
        _lstm = new TutorialLstm();
        _gru = new TutorialGru();
        _plain = new PlainRnn(Vocab, Hidden, Vocab, Truncate, maxSteps: 32);
        _plain.Load(WeightFile.Read(WeightFile.Save(_vanilla.SaveWeights)));
        CheckPlainAgrees(_vanilla, _plain, _inputs, _targets);
    }

    /// <summary>A 20-token sentence: inputs are tokens 0..19 of a random sequence, targets are tokens 1..20.</summary>
    public static void Sentence(int[] inputs, int[] targets)
    {
        var random = new Random(20);
        int previous = 0; // <s>
        for (int t = 0; t < inputs.Length; t++)
        {
            inputs[t] = previous;
            targets[t] = previous = 1 + random.Next(Vocab - 1);
        }
    }

    /// <summary>
    /// The baseline computes the same thing: the same loss on the same weights, and again after an update
    /// (so its gradients and SGD agree too). Throws otherwise, so no figure is printed for a wrong baseline.
    /// </summary>
    public static void CheckPlainAgrees(TutorialVanilla model, PlainRnn plain, int[] inputs, int[] targets)
    {
        for (int round = 0; round < 3; round++)
        {
            float expected = model.SgdStep(inputs, targets, LearningRate);
            float actual = plain.SgdStep(inputs, targets, LearningRate);
            double error = Math.Abs(expected - actual) / Math.Abs(expected);
            if (!(error <= 1e-4))
                throw new InvalidOperationException($"plain C# baseline disagrees with the generated model at step {round}: loss {actual} against {expected}");
            Console.WriteLine($"// check: plain C# and generated vanilla, step {round}: loss {actual:G7} and {expected:G7} (relative difference {error:E1})");
        }
    }

    [Benchmark(Description = "Tutorial SgdStep vanilla")]
    public float Vanilla() => _vanilla.SgdStep(_inputs, _targets, LearningRate);

    [Benchmark(Description = "Tutorial SgdStep LSTM")]
    public float Lstm() => _lstm.SgdStep(_inputs, _targets, LearningRate);

    [Benchmark(Description = "Tutorial SgdStep GRU")]
    public float Gru() => _gru.SgdStep(_inputs, _targets, LearningRate);

    [Benchmark(Description = "Tutorial SgdStep vanilla, plain C# baseline")]
    public float PlainVanilla() => _plain.SgdStep(_inputs, _targets, LearningRate);
}
