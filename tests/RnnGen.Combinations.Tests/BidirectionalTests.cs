using System;
using System.IO;
using System.Linq;
using RnnGen;

namespace RnnGen.Combinations.Tests;

public delegate Span<double> SpanOf();

/// <summary>A bidirectional model of the table with a fixed 7-step sequence prepared for it.</summary>
public sealed class BidirectionalCase
{
    private BidirectionalCase(string name, int layers)
    {
        Name = name;
        Layers = layers;
    }

    public string Name { get; }
    public int Layers { get; }
    public required Func<double> Forward { get; init; }
    /// <summary>Backward with the dropout mask pinned (the same mask at every call), when the model has dropout.</summary>
    public required Func<double> Backward { get; init; }
    /// <summary>SgdStep with the same pinned dropout mask as <see cref="Backward"/>.</summary>
    public required Func<double, double> SgdStep { get; init; }
    public required Func<byte[]> SaveWeights { get; init; }
    public required Action<int> Initialize { get; init; }
    public required Action ZeroGradients { get; init; }
    public required SpanOf Parameters { get; init; }
    public required SpanOf Gradients { get; init; }
    public override string ToString() => Name;

    public static BidirectionalCase Of<TModel>(TModel model, int layers, Outputs outputs, Action<TModel>? pin)
        where TModel : class
    {
        var random = new RnnRandom(17);
        const int steps = 7, width = Case.Width;
        int rows = outputs == Outputs.LastStep ? 1 : steps;
        int[] tokens = Enumerable.Range(0, steps).Select(_ => random.NextInt32(Case.Vocabulary)).ToArray();
        double[] dense = Enumerable.Range(0, steps * width).Select(_ => random.NextDouble(-1, 1)).ToArray();
        int[] classes = Enumerable.Range(0, rows).Select(_ => random.NextInt32(width)).ToArray();
        double[] values = Enumerable.Range(0, rows * width).Select(_ => random.NextDouble(-1, 1)).ToArray();
        return model switch
        {
            IRnnModel<double, int, int> m => Make(m, tokens, classes),
            IRnnModel<double, int, double> m => Make(m, tokens, values),
            IRnnModel<double, double, int> m => Make(m, dense, classes),
            IRnnModel<double, double, double> m => Make(m, dense, values),
            _ => throw new ArgumentException(typeof(TModel).Name),
        };

        BidirectionalCase Make<TIn, TTgt>(IRnnModel<double, TIn, TTgt> m, TIn[] x, TTgt[] y) where TIn : unmanaged where TTgt : unmanaged =>
            new(typeof(TModel).Name, layers)
            {
                Forward = () => m.Forward(x, y),
                Backward = () =>
                {
                    pin?.Invoke(model);
                    return m.Backward(x, y);
                },
                SgdStep = rate =>
                {
                    pin?.Invoke(model);
                    return m.SgdStep(x, y, rate);
                },
                SaveWeights = () =>
                {
                    var stream = new MemoryStream();
                    m.SaveWeights(stream);
                    return stream.ToArray();
                },
                Initialize = m.Initialize,
                ZeroGradients = m.ZeroGradients,
                Parameters = () => m.Parameters,
                Gradients = () => m.Gradients,
            };
    }
}

/// <summary>
/// Bidirectional networks train with full BPTT, so their objective is the plain summed loss: the gradient
/// must match its finite differences (through the same pinned dropout mask when there is one).
/// </summary>
public class BidirectionalTests
{
    public static TheoryData<string> Names => new(BidirectionalCases.All.Select(c => c.Name));

    private static BidirectionalCase Get(string name) => BidirectionalCases.All.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientMatchesFiniteDifferencesOfTheLoss(string name)
    {
        BidirectionalCase c = Get(name);
        c.Initialize(5);
        c.ZeroGradients();
        double loss = c.Backward();
        if (!name.Contains("Drop", StringComparison.Ordinal))
        {
            Assert.Equal(c.Forward(), loss, 1e-12);
        }

        double[] analytic = c.Gradients().ToArray();
        int nonZero = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            Span<double> p = c.Parameters();
            double original = p[i];
            p[i] = original + 1e-6;
            double plus = c.Backward();
            c.Parameters()[i] = original - 1e-6;
            double minus = c.Backward();
            c.Parameters()[i] = original;
            double numeric = (plus - minus) / 2e-6;
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-7 + 1e-6 * Math.Abs(numeric), $"{name}: parameter {i}: {analytic[i]:R} vs {numeric:R}");
            if (analytic[i] != 0) nonZero++;
        }

        Assert.True(nonZero > analytic.Length / 5, $"{name}: only {nonZero} non-zero gradients");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SgdStepIsZeroGradientsBackwardThenUpdate(string name)
    {
        BidirectionalCase c = Get(name);
        SgdStepCheck.AssertZeroBackwardThenUpdate(name, c.Initialize, c.ZeroGradients, c.Backward, c.SgdStep, c.Parameters, c.Gradients);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void WeightsHavePyTorchsBidirectionalNamesAndShapes(string name)
    {
        BidirectionalCase c = Get(name);
        var header = RnnGen.IO.SafeTensorsHeader.Read(new MemoryStream(c.SaveWeights()));
        bool projected = name.Contains("P2", StringComparison.Ordinal) || name.Contains("P3", StringComparison.Ordinal);
        int features = name.Contains("P2", StringComparison.Ordinal) ? 2 : name.Contains("P3", StringComparison.Ordinal) ? 3 : 4;
        int gates = name.StartsWith("BiLstm", StringComparison.Ordinal) ? 4 : name.StartsWith("BiGru", StringComparison.Ordinal) ? 3 : 1;
        Assert.Equal(c.Layers * 2 * (projected ? 5 : 4) + 2, header.Tensors.Count);
        for (int l = 0; l < c.Layers; l++)
        {
            foreach (string direction in new[] { "", "_reverse" })
            {
                Assert.True(header.TryGetTensor($"rnn.weight_hh_l{l}{direction}", out var hh));
                Assert.Equal(new long[] { gates * 4, features }, hh!.Shape);
                if (l > 0)
                {
                    Assert.True(header.TryGetTensor($"rnn.weight_ih_l{l}{direction}", out var ih));
                    Assert.Equal(new long[] { gates * 4, 2 * features }, ih!.Shape);
                }
            }
        }

        Assert.True(header.TryGetTensor("output.weight", out var head));
        Assert.Equal(new long[] { 3, 2 * features }, head!.Shape);
    }
}
