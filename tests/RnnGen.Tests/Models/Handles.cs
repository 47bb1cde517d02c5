using System;
using RnnGen.Tests.Models;

namespace RnnGen.Tests;

/// <summary>Runs Step from a given hidden state over tokens; returns the final state and the last head outputs.</summary>
public delegate (double[] Hidden, double[] Output) StepsFrom(double[] initialHidden, int[] tokens);

/// <summary>A double-precision token model under test, with the facts tests need about its declaration.</summary>
public sealed class Handle
{
    public required string Name { get; init; }
    public required IRnnModel<double, int, int> Model { get; init; }
    public required int Hidden { get; init; }
    public required int Vocab { get; init; }
    public required int Output { get; init; }
    public required int Truncate { get; init; }
    public required bool Relu { get; init; }
    public required StepsFrom StepsFrom { get; init; }

    public override string ToString() => Name;

    public static Handle For(string name) => name switch
    {
        nameof(FullTanh) => Make(new FullTanh(), FullTanh.Hidden, FullTanh.Vocab, FullTanh.Output, FullTanh.Truncate, relu: false,
            static (m, h0, tokens) => { var s = new FullTanh.State(); h0.CopyTo(s.Hidden); var y = new double[FullTanh.Output]; foreach (int x in tokens) m.Step(ref s, x, y); return (s.Hidden.ToArray(), y); }),
        nameof(FullRelu) => Make(new FullRelu(), FullRelu.Hidden, FullRelu.Vocab, FullRelu.Output, FullRelu.Truncate, relu: true,
            static (m, h0, tokens) => { var s = new FullRelu.State(); h0.CopyTo(s.Hidden); var y = new double[FullRelu.Output]; foreach (int x in tokens) m.Step(ref s, x, y); return (s.Hidden.ToArray(), y); }),
        nameof(TruncatedTanh) => Make(new TruncatedTanh(), TruncatedTanh.Hidden, TruncatedTanh.Vocab, TruncatedTanh.Output, TruncatedTanh.Truncate, relu: false,
            static (m, h0, tokens) => { var s = new TruncatedTanh.State(); h0.CopyTo(s.Hidden); var y = new double[TruncatedTanh.Output]; foreach (int x in tokens) m.Step(ref s, x, y); return (s.Hidden.ToArray(), y); }),
        nameof(TruncatedRelu) => Make(new TruncatedRelu(), TruncatedRelu.Hidden, TruncatedRelu.Vocab, TruncatedRelu.Output, TruncatedRelu.Truncate, relu: true,
            static (m, h0, tokens) => { var s = new TruncatedRelu.State(); h0.CopyTo(s.Hidden); var y = new double[TruncatedRelu.Output]; foreach (int x in tokens) m.Step(ref s, x, y); return (s.Hidden.ToArray(), y); }),
        nameof(OddTagger) => Make(new OddTagger(), OddTagger.Hidden, OddTagger.Vocab, OddTagger.Output, OddTagger.Truncate, relu: false,
            static (m, h0, tokens) => { var s = new OddTagger.State(); h0.CopyTo(s.Hidden); var y = new double[OddTagger.Output]; foreach (int x in tokens) m.Step(ref s, x, y); return (s.Hidden.ToArray(), y); }),
        nameof(Chunky) => Make(new Chunky(), Chunky.Hidden, Chunky.Vocab, Chunky.Output, Chunky.Truncate, relu: false,
            static (m, h0, tokens) => { var s = new Chunky.State(); h0.CopyTo(s.Hidden); var y = new double[Chunky.Output]; foreach (int x in tokens) m.Step(ref s, x, y); return (s.Hidden.ToArray(), y); }),
        _ => throw new ArgumentException(name),
    };

    private static Handle Make<TModel>(TModel model, int hidden, int vocab, int output, int truncate, bool relu, Func<TModel, double[], int[], (double[], double[])> steps)
        where TModel : IRnnModel<double, int, int> => new()
    {
        Name = typeof(TModel).Name,
        Model = model,
        Hidden = hidden,
        Vocab = vocab,
        Output = output,
        Truncate = truncate,
        Relu = relu,
        StepsFrom = (h0, tokens) => steps(model, h0, tokens),
    };

    public static readonly string[] All = { nameof(FullTanh), nameof(FullRelu), nameof(TruncatedTanh), nameof(TruncatedRelu), nameof(OddTagger), nameof(Chunky) };

    /// <summary>A random sequence and its targets, deterministic for a seed.</summary>
    public (int[] Inputs, int[] Targets) Sequence(int steps, ulong seed)
    {
        var random = new RnnRandom(seed);
        var inputs = new int[steps];
        var targets = new int[steps];
        for (int t = 0; t < steps; t++)
        {
            inputs[t] = random.NextInt32(Vocab);
            targets[t] = random.NextInt32(Output);
        }

        return (inputs, targets);
    }
}
