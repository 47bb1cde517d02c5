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
}
