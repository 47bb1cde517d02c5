using System;
using System.Linq;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>Step, Predict and Generate agree with the whole-sequence forward pass.</summary>
public class StreamingTests
{
    private static SmallModel Trained()
    {
        var model = new SmallModel();
        model.Initialize(5);
        int[] s = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        for (int i = 0; i < 200; i++) model.SgdStep(s.AsSpan(0, 9), s.AsSpan(1), 0.1f);
        return model;
    }

    [Fact]
    public void StepOverASequenceGivesForwardsLoss()
    {
        var model = new OddTagger();
        model.Initialize(2);
        var random = new RnnRandom(3);
        int[] inputs = Enumerable.Range(0, 10).Select(_ => random.NextInt32(OddTagger.Vocab)).ToArray();
        int[] targets = Enumerable.Range(0, 10).Select(_ => random.NextInt32(OddTagger.Output)).ToArray();

        var state = default(OddTagger.State);
        var y = new double[OddTagger.Output];
        double loss = 0;
        for (int t = 0; t < inputs.Length; t++)
        {
            model.Step(ref state, inputs[t], y);
            double max = y.Max();
            loss += Math.Log(y.Sum(v => Math.Exp(v - max))) + max - y[targets[t]];
        }

        Assert.Equal(model.Forward(inputs, targets), loss, 1e-12);
    }

    [Fact]
    public void PredictIsTheArgmaxOfEachStepsOutput()
    {
        SmallModel model = Trained();
        int[] inputs = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
        var classes = new int[inputs.Length];
        model.Predict(inputs, classes);

        var state = default(SmallModel.State);
        var y = new float[SmallModel.Output];
        for (int t = 0; t < inputs.Length; t++)
        {
            model.Step(ref state, inputs[t], y);
            Assert.Equal(Array.IndexOf(y, y.Max()), classes[t]);
        }

        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, classes);
    }

    [Fact]
    public void StateCarriesAcrossCallsAndResets()
    {
        SmallModel model = Trained();
        var state = default(SmallModel.State);
        var y = new float[SmallModel.Output];
        model.Step(ref state, 0, y);
        Assert.Contains(state.Hidden.ToArray(), v => v != 0);
        Assert.Equal(SmallModel.Hidden, state.Hidden.Length);
        state.Reset();
        Assert.All(state.Hidden.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void GenerateGreedyFollowsTheLearnedSequenceAndStopsAtTheEndToken()
    {
        SmallModel model = Trained();
        var random = new RnnRandom(1);
        var tokens = new int[20];
        int written = model.Generate(new[] { 0 }, tokens, 0f, ref random, endToken: 9);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, tokens[..written]);
    }

    [Fact]
    public void GenerateIsDeterministicForASeedAndNeverProducesTheAvoidedToken()
    {
        var model = new SmallModel();
        model.Initialize(8);
        var first = new int[200];
        var second = new int[200];
        var r1 = new RnnRandom(99);
        var r2 = new RnnRandom(99);
        Assert.Equal(200, model.Generate(new[] { 3 }, first, 1f, ref r1, avoidToken: 4));
        Assert.Equal(200, model.Generate(new[] { 3 }, second, 1f, ref r2, avoidToken: 4));
        Assert.Equal(first, second);
        Assert.DoesNotContain(4, first);
        Assert.True(first.Distinct().Count() >= 5, "sampling at temperature 1 from an untrained model should vary");
    }
}
