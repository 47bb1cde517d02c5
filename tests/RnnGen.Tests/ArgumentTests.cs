using System;
using System.Linq;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>Bad calls throw a clear ArgumentException before anything in the model changes.</summary>
public class ArgumentTests
{
    public delegate void Call(SmallModel model);

    public static TheoryData<string, string, Call> Cases => new()
    {
        { "token id out of range", "inputs[2] is 10, outside the vocabulary ids 0..9", m => m.Backward(new[] { 1, 2, 10 }, new[] { 1, 2, 3 }) },
        { "negative token id", "inputs[0] is -1", m => m.SgdStep(new[] { -1 }, new[] { 1 }, 0.1f) },
        { "target out of range", "targets[1] is 12, outside the output class ids 0..9", m => m.Forward(new[] { 1, 2 }, new[] { 1, 12 }) },
        { "too long", "has 33 steps, more than this model's MaxSteps = 32", m => m.Backward(new int[33], new int[33]) },
        { "empty", "is empty", m => m.SgdStep(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty, 0.1f) },
        { "length mismatch", "targets has length 2, but one target per step requires 3", m => m.Backward(new[] { 1, 2, 3 }, new[] { 1, 2 }) },
        { "learning rate not finite", "learningRate must be a finite number", m => m.SgdStep(new[] { 1 }, new[] { 2 }, float.NaN) },
        { "predict destination too small", "classes has room for 2 elements, but 3 are written", m => m.Predict(new[] { 1, 2, 3 }, new int[2]) },
        { "predict token out of range", "inputs[0] is 11", m => m.Predict(new[] { 11 }, new int[1]) },
        { "step token out of range", "token is 10", m => { var s = default(SmallModel.State); m.Step(ref s, 10, new float[10]); } },
        { "step output too small", "output has room for 9 elements, but 10 are written", m => { var s = default(SmallModel.State); m.Step(ref s, 1, new float[9]); } },
        { "generate empty prompt", "prompt is empty", m => { var r = new RnnRandom(1); m.Generate(ReadOnlySpan<int>.Empty, new int[3], 1f, ref r); } },
        { "generate negative temperature", "temperature must be a finite number >= 0", m => { var r = new RnnRandom(1); m.Generate(new[] { 1 }, new int[3], -1f, ref r); } },
        { "generate bad end token", "endToken is 10: use -1 for none", m => { var r = new RnnRandom(1); m.Generate(new[] { 1 }, new int[3], 1f, ref r, endToken: 10); } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadCallThrowsAndChangesNothing(string what, string message, Call call)
    {
        var model = new SmallModel();
        model.Backward(new[] { 1, 2, 3 }, new[] { 2, 3, 4 }); // some non-zero gradients to protect
        float[] parameters = model.Parameters.ToArray(), gradients = model.Gradients.ToArray();

        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => call(model));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: message was \"{e.Message}\"");
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters), $"{what}: parameters changed");
        Assert.True(gradients.AsSpan().SequenceEqual(model.Gradients), $"{what}: gradients changed");
    }

    public delegate void DenseCall(DenseRegressor model);

    public static TheoryData<string, string, DenseCall> DenseCases => new()
    {
        { "not whole steps", "inputs has 7 values, which is not a whole number of steps of Input = 3 values", m => m.Forward(new float[7], new float[4]) },
        { "too many steps", "has 6 steps, more than this model's MaxSteps = 5", m => m.Backward(new float[18], new float[12]) },
        { "empty", "is empty", m => m.SgdStep(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 0.1f) },
        { "targets per step", "targets has length 5, but Output values per step requires 6", m => m.Backward(new float[9], new float[5]) },
        { "predict destination", "outputs has room for 5 elements, but 6 are written", m => m.Predict(new float[9], new float[5]) },
        { "step input", "input has length 2, but one step requires 3", m => { var s = default(DenseRegressor.State); m.Step(ref s, new float[2], new float[2]); } },
    };

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void BadDenseCallThrowsAndChangesNothing(string what, string message, DenseCall call)
    {
        var model = new DenseRegressor();
        model.Backward(new float[] { 1, 2, 3, 4, 5, 6 }, new float[] { 1, 2, 3, 4 });
        float[] parameters = model.Parameters.ToArray(), gradients = model.Gradients.ToArray();

        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => call(model));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: message was \"{e.Message}\"");
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters), $"{what}: parameters changed");
        Assert.True(gradients.AsSpan().SequenceEqual(model.Gradients), $"{what}: gradients changed");
    }

    [Fact]
    public void SequenceToOneTakesExactlyOneTarget()
    {
        var model = new SequenceClassifier();
        var e = Assert.ThrowsAny<ArgumentException>(() => model.Forward(new float[9], new[] { 0, 1, 0 }));
        Assert.Contains("targets has length 3, but one target per sequence (Outputs.LastStep) requires 1", e.Message);
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => model.Forward(new float[9], new[] { 2 }));
        Assert.True(model.Forward(new float[9], new[] { 1 }) > 0);
    }
}
