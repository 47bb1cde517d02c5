using System;
using System.Linq;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>
/// Destination spans follow .NET's convention (<c>CopyTo</c>, <c>TryFormat</c>): too short throws, longer is fine and
/// only the written prefix changes; methods that fill a destination return how many elements they wrote.
/// </summary>
public class DestinationTests
{
    private const int Untouched = -7;
    private const float UntouchedValue = 12345.5f;

    private static T[] Filled<T>(int length, T value) => Enumerable.Repeat(value, length).ToArray();

    [Fact]
    public void PredictOfClassesPerStepReturnsTheStepCountAndWritesOnlyThat()
    {
        var model = new SmallModel();
        model.Initialize(3);
        int[] inputs = { 3, 1, 4, 1, 5 };
        var exact = new int[inputs.Length];
        Assert.Equal(inputs.Length, model.Predict(inputs, exact));

        int[] longer = Filled(inputs.Length + 4, Untouched);
        Assert.Equal(5, model.Predict(inputs, longer));
        Assert.Equal(exact, longer[..5]);
        Assert.All(longer[5..], v => Assert.Equal(Untouched, v));

        // Through the interface, as a training loop sees the model.
        IRnnModel<float, int, int> any = model;
        Assert.Equal(5, any.Predict(inputs, Filled(8, Untouched)));
    }

    [Fact]
    public void PredictWithACarriedStateReturnsTheStepCountAndWritesOnlyThat()
    {
        var model = new SmallModel();
        model.Initialize(4);
        int[] first = { 1, 2, 3 }, second = { 4, 5 };
        var exactState = default(SmallModel.State);
        var exact = new int[2];
        model.Predict(first, new int[3], ref exactState);
        Assert.Equal(2, model.Predict(second, exact, ref exactState));

        var state = default(SmallModel.State);
        model.Predict(first, Filled(10, Untouched), ref state);
        int[] longer = Filled(6, Untouched);
        Assert.Equal(2, model.Predict(second, longer, ref state));
        Assert.Equal(exact, longer[..2]);
        Assert.All(longer[2..], v => Assert.Equal(Untouched, v));
        Assert.True(exactState.Hidden.SequenceEqual(state.Hidden));
    }

    [Fact]
    public void PredictOfValuesPerStepReturnsStepsTimesOutput()
    {
        var model = new DenseRegressor(); // Input = 3, Output = 2
        float[] inputs = Enumerable.Range(0, 9).Select(i => i * 0.1f).ToArray(); // 3 steps
        var exact = new float[3 * DenseRegressor.Output];
        Assert.Equal(6, model.Predict(inputs, exact));

        float[] longer = Filled(11, UntouchedValue);
        Assert.Equal(6, model.Predict(inputs, longer));
        Assert.Equal(exact, longer[..6]);
        Assert.All(longer[6..], v => Assert.Equal(UntouchedValue, v));
    }

    [Fact]
    public void PredictOfASequenceClassReturnsOne()
    {
        var model = new SequenceClassifier(); // Outputs.LastStep, Output = 2 classes
        float[] inputs = Enumerable.Range(0, 12).Select(i => i * 0.05f).ToArray(); // 4 steps
        var exact = new int[1];
        Assert.Equal(1, model.Predict(inputs, exact));

        int[] longer = Filled(4, Untouched);
        Assert.Equal(1, model.Predict(inputs, longer));
        Assert.Equal(exact[0], longer[0]);
        Assert.All(longer[1..], v => Assert.Equal(Untouched, v));
    }

    [Fact]
    public void PredictOfSequenceValuesReturnsOutput()
    {
        var model = new SequenceRegressor(); // Outputs.LastStep, Output = 2 values
        float[] inputs = Enumerable.Range(0, 12).Select(i => i * 0.05f).ToArray();
        var exact = new float[SequenceRegressor.Output];
        Assert.Equal(2, model.Predict(inputs, exact));

        float[] longer = Filled(5, UntouchedValue);
        Assert.Equal(2, model.Predict(inputs, longer));
        Assert.Equal(exact, longer[..2]);
        Assert.All(longer[2..], v => Assert.Equal(UntouchedValue, v));
    }

    [Fact]
    public void PredictOfABidirectionalModelReturnsStepsTimesOutput()
    {
        var model = new SplitBiLstm(); // Input = 8, Output = 3, no streaming
        float[] inputs = Enumerable.Range(0, 4 * SplitBiLstm.Input).Select(i => MathF.Sin(i)).ToArray();
        var exact = new float[4 * SplitBiLstm.Output];
        Assert.Equal(12, model.Predict(inputs, exact));

        float[] longer = Filled(20, UntouchedValue);
        Assert.Equal(12, model.Predict(inputs, longer));
        Assert.Equal(exact, longer[..12]);
        Assert.All(longer[12..], v => Assert.Equal(UntouchedValue, v));
    }

    [Fact]
    public void ProbabilitiesReturnStepsTimesOutputOrOutput()
    {
        var model = new SmallModel();
        int[] inputs = { 3, 1, 4, 1, 5 };
        var exact = new float[5 * SmallModel.Output];
        Assert.Equal(50, model.Probabilities(inputs, exact));
        float[] longer = Filled(57, UntouchedValue);
        Assert.Equal(50, model.Probabilities(inputs, longer));
        Assert.Equal(exact, longer[..50]);
        Assert.All(longer[50..], v => Assert.Equal(UntouchedValue, v));

        var state = default(SmallModel.State);
        Assert.Equal(30, model.Probabilities(inputs.AsSpan(0, 3), Filled(31, UntouchedValue), ref state));

        var sequence = new SequenceClassifier();
        float[] dense = Enumerable.Range(0, 12).Select(i => i * 0.05f).ToArray();
        float[] one = Filled(SequenceClassifier.Output + 3, UntouchedValue);
        Assert.Equal(SequenceClassifier.Output, sequence.Probabilities(dense, one));
        Assert.All(one[SequenceClassifier.Output..], v => Assert.Equal(UntouchedValue, v));
    }

    [Fact]
    public void StepWritesExactlyOutputValuesIntoALongerSpan()
    {
        var model = new SmallModel();
        model.Initialize(8);
        var a = default(SmallModel.State);
        var b = default(SmallModel.State);
        var exact = new float[SmallModel.Output];
        float[] longer = Filled(SmallModel.Output + 5, UntouchedValue);
        foreach (int token in new[] { 2, 7, 1 })
        {
            model.Step(ref a, token, exact);
            model.Step(ref b, token, longer);
            Assert.Equal(exact, longer[..SmallModel.Output]);
            Assert.All(longer[SmallModel.Output..], v => Assert.Equal(UntouchedValue, v));
        }
    }

    [Fact]
    public void ADestinationOneTooShortThrowsAndWritesNothing()
    {
        var model = new DenseRegressor();
        float[] inputs = new float[9];
        float[] shorter = Filled(5, UntouchedValue);
        Assert.ThrowsAny<ArgumentException>(() => model.Predict(inputs, shorter));
        Assert.All(shorter, v => Assert.Equal(UntouchedValue, v));

        var small = new SmallModel();
        float[] probabilities = Filled(29, UntouchedValue);
        Assert.ThrowsAny<ArgumentException>(() => small.Probabilities(new[] { 1, 2, 3 }, probabilities));
        Assert.All(probabilities, v => Assert.Equal(UntouchedValue, v));
    }
}
