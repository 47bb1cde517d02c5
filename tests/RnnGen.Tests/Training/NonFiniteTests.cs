using System;
using System.Linq;
using System.Runtime.InteropServices;
using RnnGen.Runtime;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>
/// A NaN or infinite loss or gradient stops SgdStep, the optimisers and the trainer before any weight
/// changes, with an exception naming the parameter; or, when asked, the step is skipped and counted.
/// </summary>
public class NonFiniteTests
{
    private static readonly int[] Inputs = { 1, 2, 3, 4, 5 }, Targets = { 2, 3, 4, 5, 6 };

    /// <summary>
    /// An infinite recurrent weight. Entering from a non-zero state (<see cref="Warm"/>), tanh keeps h and the
    /// loss finite, but backpropagation multiplies the infinity by tanh's zero slope: NaN gradients.
    /// </summary>
    private static SmallModel PoisonedRecurrentWeight()
    {
        var model = new SmallModel();
        model.Initialize(3);
        var probe = new SmallModel();
        // Find where rnn.weight_hh_l0 (row 2, column 5) lives in the layout, through the model's own map.
        for (int i = 0; i < probe.Parameters.Length; i++)
        {
            if (probe.TryLocateParameter(i, out string name, out int row, out int column) && name == "rnn.weight_hh_l0" && row == 2 && column == 5)
            {
                model.Parameters[i] = float.PositiveInfinity;
                return model;
            }
        }

        throw new InvalidOperationException("rnn.weight_hh_l0 not found");
    }

    private static SmallModel.State Warm()
    {
        var state = default(SmallModel.State);
        state.Hidden.Fill(0.5f);
        return state;
    }

    [Fact]
    public void ANonFiniteGradientStopsSgdStepNamingTheParameterAndNothingChanges()
    {
        SmallModel model = PoisonedRecurrentWeight();
        SmallModel.State state = Warm();
        Assert.True(float.IsFinite(model.Forward(Inputs, Targets, ref state)), "the setup needs a finite loss");
        byte[] before = MemoryMarshal.AsBytes(model.Parameters).ToArray();

        NonFiniteTrainingException e = Assert.Throws<NonFiniteTrainingException>(() =>
        {
            SmallModel.State s = Warm();
            model.SgdStep(Inputs, Targets, 0.1f, ref s);
        });

        Assert.Equal(before, MemoryMarshal.AsBytes(model.Parameters).ToArray());
        Assert.NotNull(e.TensorName);
        Assert.StartsWith($"SgdStep stopped before updating any weight: the gradient of '{e.TensorName}' is ", e.Message, StringComparison.Ordinal);
        Assert.Contains("NonFiniteAction.Skip", e.Message, StringComparison.Ordinal);

        // The named element really is non-finite: the gradients, saved under PyTorch's names, say so.
        var gradients = TensorFile.Read(TensorFile.Save(model.SaveGradients));
        (long[] shape, double[] values) = gradients[e.TensorName!];
        long at = shape.Length == 1 ? e.Row : e.Row * shape[1] + e.Column;
        Assert.False(double.IsFinite(values[at]), $"{e.TensorName}[{e.Row}, {e.Column}] = {values[at]}");
        Assert.Equal(0, model.SkippedSteps);
    }

    /// <summary>
    /// h = 1e38 at each of 4 steps and dy = 2: the loss (4) and h and dy are finite, but output.weight's gradient
    /// Σ_t dy_t h_t = 8e38 overflows. A wide head's SgdStep updates W_out without storing its gradient, so it must see
    /// this coming; a small head's stores and checks it like any other.
    /// </summary>
    private static TModel Overflowing<TModel>()
        where TModel : IRnnModel<float, float, float>, new()
    {
        var model = new TModel();
        model.Parameters.Clear();
        var probe = new TModel();
        for (int i = 0; i < probe.Parameters.Length; i++)
        {
            if (probe.TryLocateParameter(i, out string name, out int row, out int column) && row == 0 && column == 0)
            {
                if (name == "rnn.weight_ih_l0") model.Parameters[i] = 1e38f;
                if (name == "output.weight") model.Parameters[i] = 1e-38f;
            }
        }

        return model;
    }

    [Fact]
    public void AnOverflowingFusedHeadGradientStopsSgdStepThoughLossAndActivationsAreFinite() =>
        OverflowingHeadGradientStopsSgdStep<HugeActivationsWideHead>(HugeActivationsWideHead.Output, m => m.NonFiniteAction = NonFiniteAction.Skip, m => m.SkippedSteps);

    [Fact]
    public void AnOverflowingStoredHeadGradientStopsSgdStepThoughLossAndActivationsAreFinite() =>
        OverflowingHeadGradientStopsSgdStep<HugeActivations>(HugeActivations.Output, m => m.NonFiniteAction = NonFiniteAction.Skip, m => m.SkippedSteps);

    private static void OverflowingHeadGradientStopsSgdStep<TModel>(int outputs, Action<TModel> skip, Func<TModel, long> skipped)
        where TModel : IRnnModel<float, float, float>, new()
    {
        TModel model = Overflowing<TModel>();
        float[] inputs = { 1, 1, 1, 1 }, targets = new float[4 * outputs];
        Assert.Equal(4f, model.Forward(inputs, targets), 1e-5f);
        byte[] before = MemoryMarshal.AsBytes(model.Parameters).ToArray();

        NonFiniteTrainingException e = Assert.Throws<NonFiniteTrainingException>(() => model.SgdStep(inputs, targets, 0.1f));
        Assert.Equal("output.weight", e.TensorName);
        Assert.Equal((0, 0), (e.Row, e.Column));
        Assert.Equal(before, MemoryMarshal.AsBytes(model.Parameters).ToArray());

        skip(model);
        model.SgdStep(inputs, targets, 0.1f);
        Assert.Equal(1, skipped(model));
        Assert.Equal(before, MemoryMarshal.AsBytes(model.Parameters).ToArray());

        // Smaller activations (h = 1e37: the gradient is 8e37) pass the checks (for a wide head, the fused path) and the step happens.
        for (int i = 0; i < model.Parameters.Length; i++)
        {
            if (model.Parameters[i] == 1e38f) model.Parameters[i] = 1e37f;
            if (model.Parameters[i] == 1e-38f) model.Parameters[i] = 1e-37f;
        }

        float[] weights = model.Parameters.ToArray();
        model.SgdStep(inputs, targets, 1e-38f);
        Assert.Equal(1, skipped(model));
        Assert.NotEqual(weights, model.Parameters.ToArray());
        Assert.All(model.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));
    }

    [Fact]
    public void ANonFiniteLossStopsSgdStepAndSaysSo()
    {
        var model = new DenseRegressor();
        float[] parameters = model.Parameters.ToArray();
        float[] inputs = { 1, 2, float.NaN, 0, 0, 0 }, targets = { 1, 1, 1, 1 };
        NonFiniteTrainingException e = Assert.Throws<NonFiniteTrainingException>(() => model.SgdStep(inputs, targets, 0.1f));
        Assert.Null(e.TensorName);
        Assert.StartsWith("SgdStep stopped before updating any weight: the loss is NaN.", e.Message, StringComparison.Ordinal);
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters));
    }

    [Fact]
    public void SkipLeavesTheWeightsCountsTheStepAndTrainingGoesOn()
    {
        SmallModel model = PoisonedRecurrentWeight();
        model.NonFiniteAction = NonFiniteAction.Skip;
        byte[] before = MemoryMarshal.AsBytes(model.Parameters).ToArray();

        SmallModel.State state = Warm();
        float loss = model.SgdStep(Inputs, Targets, 0.1f, ref state);
        Assert.True(float.IsFinite(loss));
        Assert.Equal(before, MemoryMarshal.AsBytes(model.Parameters).ToArray());
        Assert.Equal(1, model.SkippedSteps);

        // A healthy model in Skip mode trains as usual.
        var healthy = new SmallModel { NonFiniteAction = NonFiniteAction.Skip };
        float first = healthy.SgdStep(Inputs, Targets, 0.5f);
        for (int i = 0; i < 20; i++)
        {
            healthy.SgdStep(Inputs, Targets, 0.5f);
        }

        Assert.True(healthy.Forward(Inputs, Targets) < first);
        Assert.Equal(0, healthy.SkippedSteps);
    }

    [Fact]
    public void TheGuardedSgdStepStillAllocatesNothing()
    {
        var model = new SmallModel();
        model.SgdStep(Inputs, Targets, 0.1f);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            model.SgdStep(Inputs, Targets, 0.1f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void OptimisersRefuseNonFiniteGradientsOrSkipThem(float bad)
    {
        foreach (Optimizer<float> optimizer in new Optimizer<float>[] { new Sgd<float>(40, 0.1f, momentum: 0.9f), new Adam<float>(40, 0.1f), new Adagrad<float>(40, 0.1f) })
        {
            float[] parameters = Enumerable.Range(0, 40).Select(i => i * 0.5f).ToArray(), gradients = Enumerable.Repeat(0.25f, 40).ToArray();
            optimizer.Step(parameters, gradients); // some state to protect
            float[] p = (float[])parameters.Clone();
            float[][] state = Enumerable.Range(0, optimizer.StateBufferCount).Select(i => optimizer.GetStateBuffer(i).ToArray()).ToArray();
            gradients[37] = bad;

            NonFiniteTrainingException e = Assert.Throws<NonFiniteTrainingException>(() => optimizer.Step(parameters, gradients));
            Assert.Contains("gradients[37]", e.Message, StringComparison.Ordinal);
            optimizer.NonFiniteAction = NonFiniteAction.Skip;
            optimizer.Step(parameters, gradients);

            Assert.Equal(p, parameters);
            Assert.Equal(1, optimizer.StepCount);
            Assert.Equal(1, optimizer.SkippedSteps);
            for (int i = 0; i < state.Length; i++)
            {
                Assert.Equal(state[i], optimizer.GetStateBuffer(i).ToArray());
            }
        }
    }

    [Fact]
    public void FirstNonFiniteFindsTheFirstBadValueAtEveryPosition()
    {
        for (int length = 0; length < 70; length++)
        {
            double[] values = Enumerable.Range(0, length).Select(i => i * 1e300).ToArray(); // large but finite
            Assert.Equal(-1, TrainingGuard.FirstNonFinite<double>(values));
            for (int at = 0; at < length; at++)
            {
                double[] copy = (double[])values.Clone();
                copy[at] = at % 2 == 0 ? double.NaN : double.NegativeInfinity;
                if (at + 3 < length)
                {
                    copy[at + 3] = double.PositiveInfinity;
                }

                Assert.Equal(at, TrainingGuard.FirstNonFinite<double>(copy));
            }
        }
    }

    [Fact]
    public void TheTrainerStopsNamingTheParameterOrSkipsTheMinibatch()
    {
        var data = new[] { new TrainingSequence<int, int>(Inputs, Targets), new TrainingSequence<int, int>(new[] { 7, 8 }, new[] { 8, 9 }) };

        SmallModel model = PoisonedRecurrentWeight();
        byte[] before = MemoryMarshal.AsBytes(model.Parameters).ToArray();
        var trainer = new WarmTrainer(model, new Adam<float>(model.Parameters.Length, 0.01f),
            new TrainerOptions { Epochs = 1, BatchSize = 2, Shuffle = false, ClipNorm = 1 });
        NonFiniteTrainingException e = Assert.Throws<NonFiniteTrainingException>(() => trainer.Fit(data));
        Assert.StartsWith($"Training stopped in epoch 1, minibatch 0, before updating any weight: the gradient of '{e.TensorName}' is NaN at ", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("rnn.", e.TensorName, StringComparison.Ordinal);
        Assert.Equal(before, MemoryMarshal.AsBytes(model.Parameters).ToArray());

        // From the zero state the same weight makes the loss itself NaN (infinity times h_0 = 0).
        var cold = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Epochs = 1, Shuffle = false });
        Assert.StartsWith("Training stopped in epoch 1, minibatch 0, before updating any weight: the loss is NaN.",
            Assert.Throws<NonFiniteTrainingException>(() => cold.Fit(data)).Message, StringComparison.Ordinal);

        SmallModel skipping = PoisonedRecurrentWeight();
        var skipper = new WarmTrainer(skipping, new Sgd<float>(skipping.Parameters.Length, 0.1f),
            new TrainerOptions { Epochs = 2, BatchSize = 1, Shuffle = false, NonFiniteAction = NonFiniteAction.Skip });
        skipper.Fit(data);
        Assert.Equal(4, skipper.SkippedBatches);
        Assert.Equal(before, MemoryMarshal.AsBytes(skipping.Parameters).ToArray());
    }

    /// <summary>Trains from a non-zero state, so the poisoned weight gives NaN gradients with a finite loss.</summary>
    private sealed class WarmTrainer(SmallModel model, Optimizer<float> optimizer, TrainerOptions options)
        : Trainer<float, int, int>(model, optimizer, options)
    {
        protected override float Backward(in TrainingSequence<int, int> sequence)
        {
            SmallModel.State state = Warm();
            return model.Backward(sequence.Inputs.Span, sequence.Targets.Span, ref state);
        }
    }
}
