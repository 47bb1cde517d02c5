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

    public static TheoryData<string, string, Action> RuntimeCases => new()
    {
        { "scale by NaN", "factor must be a finite number", () => RnnGen.Training.Gradient.Scale<float>(new float[4], float.NaN) },
        { "add scaled by infinity", "factor must be a finite number", () => RnnGen.Training.Gradient.AddScaled<float>(new float[4], new float[4], float.PositiveInfinity) },
        { "add scaled lengths", "The destination has 4 elements but the source 3", () => RnnGen.Training.Gradient.AddScaled<float>(new float[4], new float[3], 1f) },
        { "clip norm negative", "maximum norm must be positive", () => RnnGen.Training.Gradient.ClipByNorm<float>(new float[4], -1f) },
        { "clip value NaN", "limit must be positive", () => RnnGen.Training.Gradient.ClipByValue<float>(new float[4], float.NaN) },
        { "empty training sequence", "inputs is empty", () => _ = new RnnGen.Training.TrainingSequence<int, int>(Array.Empty<int>(), Array.Empty<int>()) },
        { "random range reversed", "must have finite bounds with low <= high", () => new RnnRandom(1).NextDouble(2, 1) },
        { "random range NaN", "must have finite bounds", () => new RnnRandom(1).NextDouble(double.NaN, 1) },
        { "random bound zero", "maxExclusive", () => new RnnRandom(1).NextInt32(0) },
        { "optimiser length", "created for 10 parameters, but 9 were passed", () => new RnnGen.Training.Sgd<float>(10, 0.1f).Step(new float[9], new float[10]) },
        { "optimiser rate", "learning rate must be zero or positive", () => _ = new RnnGen.Training.Adam<float>(10, float.NaN) },
        { "trainer optimiser length", "create it with model.Parameters.Length", () => _ = new RnnGen.Training.Trainer<float, int, int>(new SmallModel(), new RnnGen.Training.Sgd<float>(3, 0.1f)) },
        { "trainer non-finite action", "NonFiniteAction must be Throw or Skip", () => _ = new RnnGen.Training.Trainer<float, int, int>(new SmallModel(), new RnnGen.Training.Sgd<float>(new SmallModel().Parameters.Length, 0.1f), new RnnGen.Training.TrainerOptions { NonFiniteAction = (NonFiniteAction)5 }) },
        { "load null stream", "safetensors", () => new SmallModel().LoadWeights(null!) },
        { "save null stream", "safetensors", () => new SmallModel().SaveWeights(null!) },
        { "state layer", "layer", () => { var s = default(DroppedGru.State); _ = s.HiddenOf(3); } },
    };

    [Theory]
    [MemberData(nameof(RuntimeCases))]
    public void BadRuntimeCallsThrowAClearArgumentException(string what, string message, Action call)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: message was \"{e.Message}\"");
    }

    [Fact]
    public void ARejectedFactorLeavesTheGradientsAndARejectedRangeLeavesTheRandomState()
    {
        float[] gradients = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        Assert.ThrowsAny<ArgumentException>(() => RnnGen.Training.Gradient.Scale<float>(gradients, float.NaN));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, gradients);

        var random = new RnnRandom(9);
        var copy = random;
        Assert.ThrowsAny<ArgumentException>(() => random.NextDouble(1, 0));
        Assert.Equal(copy.NextUInt64(), random.NextUInt64());
    }
}
