using System;
using System.Linq;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>Bad calls throw a clear ArgumentException before anything in the model changes.</summary>
public class ArgumentTests
{
    public delegate void Call(SmallModel model);

    // SmallModel: Vocab = Output = 10, MaxSteps = 32. Each message says what was given, what the model needs, and why.
    public static TheoryData<string, string, Call> Cases => new()
    {
        { "token id out of range", "inputs[2] is 10, but token ids must be 0..9 because this model has Vocab = 10.", m => m.Backward(new[] { 1, 2, 10 }, new[] { 1, 2, 3 }) },
        { "negative token id", "inputs[0] is -1, but token ids must be 0..9 because this model has Vocab = 10.", m => m.SgdStep(new[] { -1 }, new[] { 1 }, 0.1f) },
        { "target out of range", "targets[1] is 12, but class ids must be 0..9 because this model has Output = 10; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss.", m => m.Forward(new[] { 1, 2 }, new[] { 1, 12 }) },
        { "negative target other than -100", "targets[0] is -1, but class ids must be 0..9 because this model has Output = 10; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss.", m => m.Backward(new[] { 1, 2 }, new[] { -1, -100 }) },
        { "too long", "inputs has 33 steps, but this model takes at most MaxSteps = 32: its buffers are allocated for that many steps. Split the sequence, or declare a larger MaxSteps.", m => m.Backward(new int[33], new int[33]) },
        { "empty", "inputs is empty, but a sequence needs at least one step.", m => m.SgdStep(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty, 0.1f) },
        { "length mismatch", "targets has 2 class ids, but this model needs 3: one class id for each of the 3 steps of inputs.", m => m.Backward(new[] { 1, 2, 3 }, new[] { 1, 2 }) },
        { "one step, two targets", "targets has 2 class ids, but this model needs 1: one class id for the 1 step of inputs.", m => m.Forward(new[] { 1 }, new[] { 1, 2 }) },
        { "learning rate not finite", "learningRate is NaN, but it must be a finite number: a NaN or infinite step would make every weight it updates NaN or infinite.", m => m.SgdStep(new[] { 1 }, new[] { 2 }, float.NaN) },
        { "predict destination too small", "classes has room for 2 class ids, but this model writes 3: one class id for each of the 3 steps of inputs.", m => m.Predict(new[] { 1, 2, 3 }, new int[2]) },
        { "predict destination empty", "classes is empty, but this model writes 1: one class id for the 1 step of inputs.", m => m.Predict(new[] { 1 }, Span<int>.Empty) },
        { "predict token out of range", "inputs[0] is 11, but token ids must be 0..9 because this model has Vocab = 10.", m => m.Predict(new[] { 11 }, new int[1]) },
        { "step token out of range", "token is 10, but token ids must be 0..9 because this model has Vocab = 10.", m => { var s = default(SmallModel.State); m.Step(ref s, 10, new float[10]); } },
        { "step output too small", "output has room for 9 values, but this model writes 10: Output = 10 values for one step.", m => { var s = default(SmallModel.State); m.Step(ref s, 1, new float[9]); } },
        { "generate empty prompt", "prompt is empty, but Generate needs at least one token to start from, e.g. the sentence-start token.", m => { var r = new RnnRandom(1); m.Generate(ReadOnlySpan<int>.Empty, new int[3], 1f, ref r); } },
        { "generate negative temperature", "temperature is -1, but it must be >= 0 and finite: 0 always takes the most likely token, and above 0 samples from softmax(y / temperature).", m => { var r = new RnnRandom(1); m.Generate(new[] { 1 }, new int[3], -1f, ref r); } },
        { "generate bad end token", "endToken is 10, but it must be -1 (none) or one of the class ids 0..9, because this model has Output = 10.", m => { var r = new RnnRandom(1); m.Generate(new[] { 1 }, new int[3], 1f, ref r, endToken: 10); } },
        { "generate prompt token", "prompt[1] is 12, but token ids must be 0..9 because this model has Vocab = 10.", m => { var r = new RnnRandom(1); m.Generate(new[] { 1, 12 }, new int[3], 1f, ref r); } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadCallThrowsAndChangesNothing(string what, string message, Call call)
    {
        var model = new SmallModel();
        model.Backward(new[] { 1, 2, 3 }, new[] { 2, 3, 4 }); // some non-zero gradients to protect
        float[] parameters = model.Parameters.ToArray(), gradients = model.Gradients.ToArray();

        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => call(model));
        Assert.True(message == Message(e), $"{what}: message was \"{Message(e)}\"");
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters), $"{what}: parameters changed");
        Assert.True(gradients.AsSpan().SequenceEqual(model.Gradients), $"{what}: gradients changed");
    }

    public delegate void DenseCall(DenseRegressor model);

    // DenseRegressor: Input = 3, Output = 2, squared error, MaxSteps = 5.
    public static TheoryData<string, string, DenseCall> DenseCases => new()
    {
        { "not whole steps", "inputs has 7 values, but this model needs a whole number of steps of Input = 3 values each (laid out [steps, Input]), e.g. 6 for 2 steps or 9 for 3 steps.", m => m.Forward(new float[7], new float[4]) },
        { "less than one step", "inputs has 2 values, but this model needs a whole number of steps of Input = 3 values each (laid out [steps, Input]), e.g. 3 for one step.", m => m.Forward(new float[2], new float[2]) },
        { "too many steps", "inputs has 18 values, 6 steps of Input = 3, but this model takes at most MaxSteps = 5: its buffers are allocated for that many steps. Split the sequence, or declare a larger MaxSteps.", m => m.Backward(new float[18], new float[12]) },
        { "empty", "inputs is empty, but a sequence needs at least one step.", m => m.SgdStep(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 0.1f) },
        { "targets per step", "targets has 5 values, but this model needs 6: Output = 2 values for each of the 3 steps of inputs.", m => m.Backward(new float[9], new float[5]) },
        { "targets of one step", "targets has 3 values, but this model needs 2: Output = 2 values for the 1 step of inputs.", m => m.Backward(new float[3], new float[3]) },
        { "predict destination", "outputs has room for 5 values, but this model writes 6: Output = 2 values for each of the 3 steps of inputs.", m => m.Predict(new float[9], new float[5]) },
        { "step input", "input has 2 values, but this model needs 3: Input = 3 values for one step.", m => { var s = default(DenseRegressor.State); m.Step(ref s, new float[2], new float[2]); } },
        { "step output", "output has room for 1 value, but this model writes 2: Output = 2 values for one step.", m => { var s = default(DenseRegressor.State); m.Step(ref s, new float[3], new float[1]); } },
    };

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void BadDenseCallThrowsAndChangesNothing(string what, string message, DenseCall call)
    {
        var model = new DenseRegressor();
        model.Backward(new float[] { 1, 2, 3, 4, 5, 6 }, new float[] { 1, 2, 3, 4 });
        float[] parameters = model.Parameters.ToArray(), gradients = model.Gradients.ToArray();

        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => call(model));
        Assert.True(message == Message(e), $"{what}: message was \"{Message(e)}\"");
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters), $"{what}: parameters changed");
        Assert.True(gradients.AsSpan().SequenceEqual(model.Gradients), $"{what}: gradients changed");
    }

    [Fact]
    public void SequenceToOneTakesExactlyOneTarget()
    {
        var model = new SequenceClassifier();
        var e = Assert.ThrowsAny<ArgumentException>(() => model.Forward(new float[9], new[] { 0, 1, 0 }));
        Assert.Equal("targets has 3 class ids, but this model needs 1: one class id for the whole sequence (Outputs.LastStep).", Message(e));
        e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => model.Forward(new float[9], new[] { 2 }));
        Assert.Equal("targets[0] is 2, but class ids must be 0..1 because this model has Output = 2; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss.", Message(e));
        e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => model.Forward(new float[9], new[] { -1 }));
        Assert.Equal("targets[0] is -1, but class ids must be 0..1 because this model has Output = 2; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss.", Message(e));
        e = Assert.ThrowsAny<ArgumentException>(() => model.Predict(new float[9], Span<int>.Empty));
        Assert.Equal("classes is empty, but this model writes 1: one class id for the whole sequence (Outputs.LastStep).", Message(e));
        Assert.True(model.Forward(new float[9], new[] { 1 }) > 0);
    }

    [Fact]
    public void SequenceToOneRegressionTakesOutputValues()
    {
        var model = new SequenceRegressor();
        var e = Assert.ThrowsAny<ArgumentException>(() => model.Forward(new float[9], new float[6]));
        Assert.Equal("targets has 6 values, but this model needs 2: Output = 2 values for the whole sequence (Outputs.LastStep).", Message(e));
        e = Assert.ThrowsAny<ArgumentException>(() => model.Predict(new float[9], new float[1]));
        Assert.Equal("outputs has room for 1 value, but this model writes 2: Output = 2 values for the whole sequence (Outputs.LastStep).", Message(e));
        Assert.True(model.Forward(new float[9], new float[2]) >= 0);
    }

    [Fact]
    public void ThreadsAndLayersNameTheValueAndTheRange()
    {
        var e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new SplitVanilla().Threads = 3);
        Assert.Equal("Threads is 3, but it must be 1 (the calling thread alone) or 2 (a partner thread computes half of every step's hidden units).", Message(e));
        e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => { var s = default(DroppedGru.State); _ = s.HiddenOf(3); });
        Assert.Equal("layer is 3, but this model has Layers = 3: its layers are 0 (the bottom) to 2 (the top).", Message(e));
        Assert.Equal("layer", e.ParamName);
        e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => { var s = default(DroppedGru.State); _ = s.HiddenOf(-1); });
        Assert.Equal("layer is -1, but this model has Layers = 3: its layers are 0 (the bottom) to 2 (the top).", Message(e));
    }

    [Fact]
    public void WeightIOSaysWhyTwoMapsCannotShareAName()
    {
        var maps = new[] { RnnGen.Tests.IO.SafeTensorsFiles.Simple[0], RnnGen.Tests.IO.SafeTensorsFiles.Simple[0] };
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            RnnGen.Runtime.WeightIO.Load<float>(new System.IO.MemoryStream(), new float[8], maps, ReadOnlySpan<System.Collections.Generic.KeyValuePair<string, string>>.Empty));
        Assert.Equal("maps has two tensor maps named 'w', but each tensor needs a name of its own: a safetensors file holds one tensor per name.", Message(e));
    }

    /// <summary>The message without the " (Parameter 'x')" that ArgumentException appends, checking that it names the argument.</summary>
    internal static string Message(ArgumentException e)
    {
        string suffix = $" (Parameter '{e.ParamName}')";
        Assert.False(string.IsNullOrEmpty(e.ParamName), $"no ParamName: {e.Message}");
        Assert.EndsWith(suffix, e.Message, StringComparison.Ordinal);
        return e.Message[..^suffix.Length];
    }

    public static TheoryData<string, string, Action> RuntimeCases => new()
    {
        { "scale by NaN", "factor must be a finite number", () => RnnGen.Training.Gradient.Scale<float>(new float[4], float.NaN) },
        { "add scaled by infinity", "factor must be a finite number", () => RnnGen.Training.Gradient.AddScaled<float>(new float[4], new float[4], float.PositiveInfinity) },
        { "add scaled lengths", "The source has 3 elements but the destination 4: AddScaled adds element by element, so both must have the same length", () => RnnGen.Training.Gradient.AddScaled<float>(new float[4], new float[3], 1f) },
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

/// <summary>Sequence-to-one regression, for the argument checks of its Output values.</summary>
[RnnModel(Hidden = 4, Input = 3, Output = 2, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 5)]
public partial class SequenceRegressor { }
