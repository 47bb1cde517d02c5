using System;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>After construction, the hot calls allocate nothing (SPEC §7).</summary>
public class AllocationTests
{
    private static long Measure(Action action) => Allocations.Least(action);

    [Fact]
    public void HotCallsAllocateNothing()
    {
        var model = new TutorialModel();
        int[] inputs = new int[20], targets = new int[20], classes = new int[20], generated = new int[30];
        for (int i = 0; i < 20; i++) { inputs[i] = i * 397 % 8000; targets[i] = i * 131 % 8000; }
        float[] output = new float[TutorialModel.Output];
        var state = default(TutorialModel.State);
        var random = new RnnRandom(1);

        Assert.Equal(0, Measure(() => model.Forward(inputs, targets)));
        Assert.Equal(0, Measure(() => model.Backward(inputs, targets)));
        Assert.Equal(0, Measure(() => model.SgdStep(inputs, targets, 0.001f)));
        Assert.Equal(0, Measure(() => model.Predict(inputs, classes)));
        Assert.Equal(0, Measure(() => model.Step(ref state, 17, output)));
        Assert.Equal(0, Measure(() => model.ZeroGradients()));
        Assert.Equal(0, Measure(() => model.Generate(inputs.AsSpan(0, 1), generated, 1f, ref random)));
    }

    [Fact]
    public void DoubleModelsAllocateNothingEither()
    {
        var model = new Chunky();
        int[] inputs = { 1, 2, 3, 4, 5, 6, 7 }, targets = { 7, 6, 5, 4, 3, 2, 1 };
        var state = default(Chunky.State);
        double[] output = new double[Chunky.Output];
        Assert.Equal(0, Measure(() => model.Backward(inputs, targets)));
        Assert.Equal(0, Measure(() => model.SgdStep(inputs, targets, 0.01)));
        Assert.Equal(0, Measure(() => model.Step(ref state, 3, output)));
    }
}
