using System;
using System.Linq;
using RnnGen;

namespace RnnGen.Tests;

[RnnModel(Hidden = 16, Vocab = 9, Output = 4, Cell = CellType.Lstm, MaxSteps = 16)]
public partial class MemoryLstm { }

[RnnModel(Hidden = 16, Vocab = 9, Output = 4, MaxSteps = 16)]
public partial class MemoryVanilla { }

[RnnModel(Hidden = 16, Input = 1, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, MaxSteps = 32)]
public partial class SineGru { }

[RnnModel(Hidden = 32, Input = 1, Output = 2, Cell = CellType.Gru, Outputs = Outputs.LastStep, MaxSteps = 8)]
public partial class ParityGru { }

[RnnModel(Hidden = 64, Vocab = 500, Cell = CellType.Lstm, Truncate = 4)]
public partial class UntrainedLstm { }

[RnnModel(Hidden = 64, Vocab = 500, Cell = CellType.Gru, Truncate = 4)]
public partial class UntrainedGru { }

/// <summary>Small real tasks per network shape: the numbers a user checks to trust a cell.</summary>
public class LearningTaskTests
{
    private const int Gap = 10;

    /// <summary>A signal 0..3 at step 0, Gap distractors 4..7, then a query token 8; every step's target is the signal.</summary>
    private static (int[] Inputs, int[] Targets) Memory(ref RnnRandom random)
    {
        var inputs = new int[Gap + 2];
        int signal = random.NextInt32(4);
        inputs[0] = signal;
        for (int i = 1; i <= Gap; i++) inputs[i] = 4 + random.NextInt32(4);
        inputs[Gap + 1] = 8;
        return (inputs, Enumerable.Repeat(signal, inputs.Length).ToArray());
    }

    private static double RecallAtTheQuery(IRnnModel<float, int, int> model)
    {
        var random = new RnnRandom(999);
        var classes = new int[Gap + 2];
        int correct = 0;
        for (int i = 0; i < 400; i++)
        {
            (int[] inputs, int[] targets) = Memory(ref random);
            model.Predict(inputs, classes);
            if (classes[^1] == targets[0]) correct++;
        }

        return correct / 400.0;
    }

    [Fact]
    public void LstmRemembersATokenTenStepsBackWhereAVanillaRnnOfTheSameSizeCannot()
    {
        var lstm = new MemoryLstm();
        var vanilla = new MemoryVanilla();
        lstm.Initialize(1);
        vanilla.Initialize(1);
        var random = new RnnRandom(101);
        for (int i = 0; i < 5000; i++)
        {
            (int[] inputs, int[] targets) = Memory(ref random);
            lstm.SgdStep(inputs, targets, 0.1f);
            vanilla.SgdStep(inputs, targets, 0.1f);
        }

        double lstmRecall = RecallAtTheQuery(lstm), vanillaRecall = RecallAtTheQuery(vanilla);
        Assert.True(lstmRecall >= 0.95, $"LSTM recall {lstmRecall:P0}");
        Assert.True(vanillaRecall <= lstmRecall - 0.3, $"vanilla recall {vanillaRecall:P0} vs LSTM {lstmRecall:P0}");
    }

    [Fact]
    public void GruContinuesASineWaveFarBetterThanPersistence()
    {
        const int steps = 30;
        static void Wave(ref RnnRandom random, float[] x, float[] next)
        {
            double frequency = random.NextDouble(0.15, 0.45), phase = random.NextDouble(0, 2 * Math.PI);
            for (int t = 0; t < steps; t++)
            {
                x[t] = (float)Math.Sin(frequency * t + phase);
                next[t] = (float)Math.Sin(frequency * (t + 1) + phase);
            }
        }

        var model = new SineGru();
        model.Initialize(1);
        float[] x = new float[steps], next = new float[steps], predicted = new float[steps];
        var random = new RnnRandom(1);
        for (int i = 0; i < 3000; i++)
        {
            Wave(ref random, x, next);
            model.SgdStep(x, next, 0.005f);
        }

        var test = new RnnRandom(77);
        double model2 = 0, persistence2 = 0;
        for (int i = 0; i < 200; i++)
        {
            Wave(ref test, x, next);
            model.Predict(x, predicted);
            for (int t = 5; t < steps; t++) // after a few steps of context
            {
                model2 += (predicted[t] - next[t]) * (predicted[t] - next[t]);
                persistence2 += (x[t] - next[t]) * (x[t] - next[t]);
            }
        }

        double rmse = Math.Sqrt(model2 / (200 * 25)), naive = Math.Sqrt(persistence2 / (200 * 25));
        Assert.True(rmse < 0.35 * naive, $"RMSE {rmse:F4} against persistence {naive:F4}");
    }

    [Fact]
    public void SequenceToOneClassifierLearnsParity()
    {
        const int bits = 4;
        float[][] strings = Enumerable.Range(0, 1 << bits)
            .Select(v => Enumerable.Range(0, bits).Select(b => ((v >> b) & 1) == 1 ? 1f : -1f).ToArray())
            .ToArray();
        int Parity(float[] s) => s.Count(v => v > 0) % 2;

        var model = new ParityGru();
        model.Initialize(1);
        var random = new RnnRandom(1);
        int[] order = Enumerable.Range(0, strings.Length).ToArray();
        var target = new int[1];
        for (int epoch = 0; epoch < 3000; epoch++)
        {
            random.Shuffle<int>(order);
            foreach (int i in order)
            {
                target[0] = Parity(strings[i]);
                model.SgdStep(strings[i], target, 0.05f);
            }
        }

        var predicted = new int[1];
        foreach (float[] s in strings)
        {
            model.Predict(s, predicted);
            Assert.Equal(Parity(s), predicted[0]);
        }
    }

    [Fact]
    public void UntrainedGatedCellsScoreLnVocab()
    {
        var random = new RnnRandom(3);
        int[] inputs = Enumerable.Range(0, 40).Select(_ => random.NextInt32(500)).ToArray();
        int[] targets = Enumerable.Range(0, 40).Select(_ => random.NextInt32(500)).ToArray();

        var lstm = new UntrainedLstm();
        var lstmState = default(UntrainedLstm.State);
        TrainingTests.AssertUntrainedScore(lstm.Forward(inputs, targets), inputs.Select(token =>
        {
            var y = new float[UntrainedLstm.Output];
            lstm.Step(ref lstmState, token, y);
            return y;
        }).ToArray(), targets, UntrainedLstm.Vocab);

        var gru = new UntrainedGru();
        var gruState = default(UntrainedGru.State);
        TrainingTests.AssertUntrainedScore(gru.Forward(inputs, targets), inputs.Select(token =>
        {
            var y = new float[UntrainedGru.Output];
            gru.Step(ref gruState, token, y);
            return y;
        }).ToArray(), targets, UntrainedGru.Vocab);
    }
}
