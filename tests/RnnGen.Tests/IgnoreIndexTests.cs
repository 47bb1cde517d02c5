using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Training;

namespace RnnGen.Tests;

// Cross-entropy models of other shapes than TestModels': a projected two-layer LSTM, and a truncated GRU.
[RnnModel(Hidden = 5, Vocab = 6, Output = 4, Cell = CellType.Lstm, Projection = 3, Layers = 2, MaxSteps = 12, Precision = Precision.Double)]
public partial class IgnoringLstm { }

[RnnModel(Hidden = 5, Vocab = 6, Output = 4, Cell = CellType.Gru, Truncate = 2, MaxSteps = 12, Precision = Precision.Double)]
public partial class IgnoringGruT2 { }

/// <summary>
/// Class-id targets of <see cref="CrossEntropy.IgnoreIndex"/> (-100, PyTorch's <c>ignore_index</c>): no loss and no
/// gradient from those rows, the steps themselves still run; every other id outside 0..Output-1 is still refused before
/// anything changes; the trainer's means and accuracy leave ignored targets out. The PyTorch fixtures with ignored
/// targets are in PyTorchParityTests.
/// </summary>
public class IgnoreIndexTests
{
    private const int Ignored = CrossEntropy.IgnoreIndex;

    private delegate int ProbabilitiesCall(ReadOnlySpan<int> inputs, Span<double> destination);

    private sealed record Case(IRnnModel<double, int, int> Model, int Vocab, int Output, ProbabilitiesCall Probabilities);

    private static Case Make(string name) => name switch
    {
        nameof(FullTanh) => Of(new FullTanh(), FullTanh.Vocab, FullTanh.Output, (m, i, d) => m.Probabilities(i, d)),
        nameof(ChunkedFeedback) => Of(new ChunkedFeedback(), ChunkedFeedback.Vocab, ChunkedFeedback.Output, (m, i, d) => m.Probabilities(i, d)),
        nameof(IgnoringLstm) => Of(new IgnoringLstm(), IgnoringLstm.Vocab, IgnoringLstm.Output, (m, i, d) => m.Probabilities(i, d)),
        nameof(IgnoringGruT2) => Of(new IgnoringGruT2(), IgnoringGruT2.Vocab, IgnoringGruT2.Output, (m, i, d) => m.Probabilities(i, d)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private delegate int Probe<TModel>(TModel model, ReadOnlySpan<int> inputs, Span<double> destination);

    private static Case Of<TModel>(TModel model, int vocab, int output, Probe<TModel> probabilities)
        where TModel : IRnnModel<double, int, int>
    {
        model.Initialize(5);
        return new Case(model, vocab, output, (i, d) => probabilities(model, i, d));
    }

    /// <summary>A sequence of 9 steps whose targets at <paramref name="ignored"/> are -100.</summary>
    private static (int[] Inputs, int[] Targets) Sequence(Case c, int[] ignored, ulong seed)
    {
        var random = new RnnRandom(seed);
        int[] inputs = Enumerable.Range(0, 9).Select(_ => random.NextInt32(c.Vocab)).ToArray();
        int[] targets = Enumerable.Range(0, 9).Select(_ => random.NextInt32(c.Output)).ToArray();
        foreach (int t in ignored) targets[t] = Ignored;
        return (inputs, targets);
    }

    /// <summary>Σ -log softmax(y_t)[target_t] over the steps not ignored, from the model's own softmax (which takes no targets).</summary>
    private static double KeptLoss(Case c, int[] inputs, int[] targets)
    {
        var p = new double[inputs.Length * c.Output];
        c.Probabilities(inputs, p);
        double loss = 0;
        for (int t = 0; t < inputs.Length; t++)
        {
            if (targets[t] != Ignored) loss -= Math.Log(p[t * c.Output + targets[t]]);
        }

        return loss;
    }

    public static TheoryData<string> FullBpttModels => new(nameof(FullTanh), nameof(ChunkedFeedback), nameof(IgnoringLstm));

    [Theory]
    [MemberData(nameof(FullBpttModels))]
    public void TheLossAndGradientAreThoseOfTheOtherStepsAlone(string name)
    {
        // Full BPTT: the gradient of the loss over the kept steps is what central differences of that loss give,
        // where the loss is computed from Probabilities, which never sees the targets.
        Case c = Make(name);
        (int[] inputs, int[] targets) = Sequence(c, [0, 3, 4, 8], seed: 9);
        double kept = KeptLoss(c, inputs, targets);
        Assert.Equal(kept, c.Model.Forward(inputs, targets), 1e-12);

        c.Model.ZeroGradients();
        Assert.Equal(kept, c.Model.Backward(inputs, targets), 1e-12);
        double[] analytic = c.Model.Gradients.ToArray();
        Span<double> p = c.Model.Parameters;
        const double eps = 1e-6;
        int compared = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (!c.Model.TryLocateParameter(i, out _, out _, out _)) continue; // padding
            double saved = p[i];
            p[i] = saved + eps;
            double plus = KeptLoss(c, inputs, targets);
            p[i] = saved - eps;
            double minus = KeptLoss(c, inputs, targets);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"{name}: gradient {i} is {analytic[i]:R}, finite differences {numeric:R}");
            compared++;
        }

        Assert.True(compared > 50);
    }

    public static TheoryData<string> AllModels => new(nameof(FullTanh), nameof(ChunkedFeedback), nameof(IgnoringLstm), nameof(IgnoringGruT2));

    [Theory]
    [MemberData(nameof(AllModels))]
    public void IgnoringSomeStepsAndThenTheOthersAddsUpToTheWhole(string name)
    {
        // Loss and gradient are sums over the steps' terms (truncated windows too): the steps kept by one call and those
        // kept by the other add up to all of them, so each call left out exactly what it ignored.
        Case c = Make(name);
        (int[] inputs, int[] all) = Sequence(c, [], seed: 4);
        int[] some = (int[])all.Clone(), others = (int[])all.Clone();
        for (int t = 0; t < all.Length; t++)
        {
            if (t % 3 == 1) some[t] = Ignored; else others[t] = Ignored;
        }

        c.Model.ZeroGradients();
        double whole = c.Model.Backward(inputs, all);
        double[] wholeGradient = c.Model.Gradients.ToArray();
        c.Model.ZeroGradients();
        double parts = c.Model.Backward(inputs, some);
        parts += c.Model.Backward(inputs, others);
        double[] partsGradient = c.Model.Gradients.ToArray();

        Assert.Equal(whole, parts, 1e-12 * whole);
        double scale = wholeGradient.Max(Math.Abs);
        for (int i = 0; i < wholeGradient.Length; i++)
        {
            Assert.True(Math.Abs(wholeGradient[i] - partsGradient[i]) <= 1e-12 * scale, $"{name}: gradient {i} is {partsGradient[i]:R} in parts, {wholeGradient[i]:R} whole");
        }

        Assert.Equal(whole, c.Model.Forward(inputs, some) + c.Model.Forward(inputs, others), 1e-12 * whole);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void EveryTargetIgnoredGivesZeroLossAndZeroGradients(string name)
    {
        Case c = Make(name);
        (int[] inputs, int[] targets) = Sequence(c, Enumerable.Range(0, 9).ToArray(), seed: 2);
        Assert.Equal(0.0, c.Model.Forward(inputs, targets));
        c.Model.ZeroGradients();
        Assert.Equal(0.0, c.Model.Backward(inputs, targets));
        Assert.All(c.Model.Gradients.ToArray(), g => Assert.Equal(0.0, g));

        double[] before = c.Model.Parameters.ToArray();
        Assert.Equal(0.0, c.Model.SgdStep(inputs, targets, 0.5));
        Assert.Equal(before, c.Model.Parameters.ToArray());
    }

    [Fact]
    public void ASequenceToOneModelsIgnoredTargetIsNoLoss()
    {
        var model = new SequenceClassifier();
        float[] inputs = Enumerable.Range(0, 9).Select(i => (i % 4) * 0.3f - 0.5f).ToArray();
        model.Backward(inputs, new[] { 1 }); // gradients that an ignored target must leave as they are
        float[] gradients = model.Gradients.ToArray();
        Assert.Equal(0f, model.Forward(inputs, new[] { Ignored }));
        Assert.Equal(0f, model.Backward(inputs, new[] { Ignored }));
        Assert.Equal(gradients, model.Gradients.ToArray());
    }

    [Fact]
    public void SgdStepWithSomeTargetsIgnoredStepsAsTheirGradientSays()
    {
        var model = new SmallModelFull();
        int[] inputs = { 1, 2, 3, 4, 5, 6 }, targets = { 2, Ignored, 4, Ignored, Ignored, 7 };
        var reference = new SmallModelFull();
        reference.ZeroGradients();
        float expected = reference.Backward(inputs, targets);
        float[] p = reference.Parameters.ToArray(), g = reference.Gradients.ToArray();
        for (int i = 0; i < p.Length; i++) p[i] -= 0.1f * g[i];

        // SgdStep may fuse the head's update with its gradient, rounding differently from this one.
        Assert.Equal(expected, model.SgdStep(inputs, targets, 0.1f), 1e-6f);
        float[] stepped = model.Parameters.ToArray();
        for (int i = 0; i < p.Length; i++)
        {
            Assert.True(Math.Abs(stepped[i] - p[i]) <= 1e-6f, $"parameter {i} is {stepped[i]:R}, expected {p[i]:R}");
        }
    }

    public delegate void Call(SmallModel model, int[] targets);

    // SmallModel: Vocab = Output = 10. -1 and -101 are negative ids that are not -100; 10 is Output itself.
    public static TheoryData<int, string, Call> BadIds
    {
        get
        {
            var data = new TheoryData<int, string, Call>();
            (string Name, Call Call)[] calls =
            [
                ("Forward", (m, t) => m.Forward(new[] { 1, 2, 3 }, t)),
                ("Backward", (m, t) => m.Backward(new[] { 1, 2, 3 }, t)),
                ("SgdStep", (m, t) => m.SgdStep(new[] { 1, 2, 3 }, t, 0.1f)),
                ("SgdStep from a state", (m, t) => { var s = default(SmallModel.State); s.Hidden.Fill(0.25f); m.SgdStep(new[] { 1, 2, 3 }, t, 0.1f, ref s); }),
            ];
            foreach (int id in new[] { -1, -101, 10 })
            {
                foreach ((string name, Call call) in calls)
                {
                    data.Add(id, name, call);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public void OtherIdsOutsideTheClassesStillThrowAndChangeNothing(int id, string what, Call call)
    {
        _ = what;
        var model = new SmallModel();
        model.Backward(new[] { 1, 2, 3 }, new[] { 2, Ignored, 4 });
        float[] parameters = model.Parameters.ToArray(), gradients = model.Gradients.ToArray();

        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => call(model, new[] { Ignored, id, 3 }));
        Assert.Equal("targets", e.ParamName);
        Assert.Equal($"targets[1] is {id}, but class ids must be 0..9 because this model has Output = 10; -100 (CrossEntropy.IgnoreIndex) marks a target that adds no loss.",
            ArgumentTests.Message(e));
        Assert.Equal(parameters, model.Parameters.ToArray());
        Assert.Equal(gradients, model.Gradients.ToArray());
    }

    [Fact]
    public void ACarriedStateIsUnchangedByARefusedCall()
    {
        var model = new SmallModel();
        var state = default(SmallModel.State);
        state.Hidden.Fill(0.25f);
        Assert.ThrowsAny<ArgumentException>(() => model.Backward(new[] { 1, 2 }, new[] { Ignored, -1 }, ref state));
        Assert.All(state.Hidden.ToArray(), h => Assert.Equal(0.25f, h));

        // The same call with -100 in place of -1 runs and moves the state.
        model.Backward(new[] { 1, 2 }, new[] { Ignored, Ignored }, ref state);
        Assert.Contains(state.Hidden.ToArray(), h => h != 0.25f);
    }

    private static List<TrainingSequence<int, int>> Labelled(params (int[] Inputs, int[] Targets)[] sequences) =>
        sequences.Select(s => new TrainingSequence<int, int>(s.Inputs, s.Targets)).ToList();

    private static readonly List<TrainingSequence<int, int>> Data = Labelled(
        ([1, 2, 3, 4, 5], [2, Ignored, 4, 5, Ignored]),
        ([7, 8, 9], [Ignored, Ignored, Ignored]),
        ([0, 1, 2, 3], [1, 2, 3, 4]),
        ([5, 5, 6], [Ignored, 6, 7]));

    [Fact]
    public void TheTrainersMeansAndAccuracyCountOnlyTheTargetsNotIgnored()
    {
        var model = new SmallModelFull();
        model.Initialize(3);
        var trainer = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0f), new TrainerOptions { Epochs = 1, BatchSize = 2, Shuffle = false });

        // By hand: the summed losses over the 9 targets that are not -100, and those of them Predict gets right.
        double loss = 0;
        int right = 0, kept = 0;
        foreach (TrainingSequence<int, int> s in Data)
        {
            loss += model.Forward(s.Inputs.Span, s.Targets.Span);
            var predicted = new int[s.Inputs.Length];
            model.Predict(s.Inputs.Span, predicted);
            for (int t = 0; t < predicted.Length; t++)
            {
                if (s.Targets.Span[t] == Ignored) continue;
                kept++;
                right += predicted[t] == s.Targets.Span[t] ? 1 : 0;
            }
        }

        Assert.Equal(9, kept);
        Assert.Equal(loss / kept, trainer.Evaluate(Data), 1e-6);
        Assert.Equal((double)right / kept, trainer.Accuracy(Data));

        // An epoch with learning rate 0 leaves the parameters as they are: its training loss is the same mean.
        TrainingResult result = trainer.Fit(Data, Data);
        EpochResult epoch = result.History[0];
        Assert.Equal(loss / kept, epoch.TrainingLoss, 1e-6);
        Assert.Equal(loss / kept, epoch.ValidationLoss, 1e-6);
        Assert.Equal((double)right / kept, epoch.ValidationAccuracy);
    }

    [Fact]
    public void TheTrainersMeansCountTheSameInParallel()
    {
        var model = new SmallModelFull();
        model.Initialize(3);
        using var parallel = new DataParallel<float, int, int>(model, () => new SmallModelFull(), 2);
        var trainer = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0f), new TrainerOptions { Epochs = 1, BatchSize = 4, Shuffle = false }) { Parallel = parallel };
        double expected = Data.Sum(s => (double)model.Forward(s.Inputs.Span, s.Targets.Span)) / 9; // 9 targets are not -100
        var losses = new List<double>();
        trainer.Progress = p => losses.Add(p.Loss);
        trainer.Fit(Data);
        Assert.Equal(expected, trainer.History[0].TrainingLoss, 1e-6);
        Assert.Equal(expected, losses.Single(), 1e-6);
    }

    [Fact]
    public void EveryTargetIgnoredMakesTheMeansNaN()
    {
        var model = new SmallModelFull();
        var trainer = new Trainer<float, int, int>(model, new Sgd<float>(model.Parameters.Length, 0.1f), new TrainerOptions { Epochs = 1, Shuffle = false });
        List<TrainingSequence<int, int>> none = Labelled(([1, 2, 3], [Ignored, Ignored, Ignored]), ([4], [Ignored]));
        Assert.True(double.IsNaN(trainer.Evaluate(none)));
        Assert.True(double.IsNaN(trainer.Accuracy(none)));

        // Training on them changes nothing (zero gradients) and reports NaN means, not an error.
        float[] before = model.Parameters.ToArray();
        TrainingResult result = trainer.Fit(none, none);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.True(double.IsNaN(result.History[0].TrainingLoss));
        Assert.True(double.IsNaN(result.History[0].ValidationLoss));
        Assert.True(double.IsNaN(result.History[0].ValidationAccuracy));
    }
}
