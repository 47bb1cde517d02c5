using System;
using System.Numerics;
using System.Runtime.InteropServices;
using RnnGen.Tests.Models;

namespace RnnGen.Tests.Batch;

/// <summary>
/// A Step over many streams is the same as one Step per stream (up to rounding: the batched products sum in another
/// order), for every kind of model, for any number of streams up to Batch, over several steps from varied states.
/// </summary>
public class BatchedStepTests
{
    private delegate void One<M, S, X, T>(M model, ref S state, ReadOnlySpan<X> input, Span<T> output);

    private delegate void Many<M, S, X, T>(M model, Span<S> states, ReadOnlySpan<X> inputs, Span<T> outputs);

    [Fact]
    public void LstmDense() => Check(new BatchLstmDense(), BatchLstmDense.Batch, BatchLstmDense.Input, BatchLstmDense.Output, Value<float>,
        (BatchLstmDense m, ref BatchLstmDense.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void GruTokens() => Check(new BatchGruTokens(), BatchGruTokens.Batch, 1, BatchGruTokens.Output, Token(BatchGruTokens.Vocab),
        (BatchGruTokens m, ref BatchGruTokens.State s, ReadOnlySpan<int> x, Span<double> y) => m.Step(ref s, x[0], y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void VanillaTokens() => Check(new BatchVanillaTokens(), BatchVanillaTokens.Batch, 1, BatchVanillaTokens.Output, Token(BatchVanillaTokens.Vocab),
        (BatchVanillaTokens m, ref BatchVanillaTokens.State s, ReadOnlySpan<int> x, Span<double> y) => m.Step(ref s, x[0], y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void OutputRecurrence() => Check(new BatchFeedback(), BatchFeedback.Batch, BatchFeedback.Input, BatchFeedback.Output, Value<double>,
        (BatchFeedback m, ref BatchFeedback.State s, ReadOnlySpan<double> x, Span<double> y) => m.Step(ref s, x, y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void ProjectedLstmStack() => Check(new BatchProjectedStack(), BatchProjectedStack.Batch, 1, BatchProjectedStack.Output, Token(BatchProjectedStack.Vocab),
        (BatchProjectedStack m, ref BatchProjectedStack.State s, ReadOnlySpan<int> x, Span<double> y) => m.Step(ref s, x[0], y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void GruStack() => Check(new BatchGruStack(), BatchGruStack.Batch, BatchGruStack.Input, BatchGruStack.Output, Value<float>,
        (BatchGruStack m, ref BatchGruStack.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void EmbeddingLayer() => Check(new BatchEmbedded(), BatchEmbedded.Batch, 1, BatchEmbedded.Output, Token(BatchEmbedded.Vocab),
        (BatchEmbedded m, ref BatchEmbedded.State s, ReadOnlySpan<int> x, Span<double> y) => m.Step(ref s, x[0], y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void VanillaStack() => Check(new BatchVanillaStack(), BatchVanillaStack.Batch, BatchVanillaStack.Input, BatchVanillaStack.Output, Value<float>,
        (BatchVanillaStack m, ref BatchVanillaStack.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y), (m, s, x, y) => m.Step(s, x, y));

    [Fact]
    public void WideLstmOnTwoThreads() => Check(new BatchWideLstm { Threads = 2 }, BatchWideLstm.Batch, BatchWideLstm.Input, BatchWideLstm.Output, Value<float>,
        (BatchWideLstm m, ref BatchWideLstm.State s, ReadOnlySpan<float> x, Span<float> y) => m.Step(ref s, x, y), (m, s, x, y) => m.Step(s, x, y));

    // System.Random, a class, on purpose: RnnRandom is a struct, and a Func taking it would draw from a copy each time.
    private static T Value<T>(Random random)
        where T : IFloatingPointIeee754<T> => T.CreateTruncating(random.NextDouble() * 2 - 1);

    private static Func<Random, int> Token(int vocab) => random => random.Next(vocab);

    /// <summary>
    /// Streams warmed up from the zero state by a few single steps each (so they differ), then rounds of one batched Step
    /// over all of them, all but one, one, and none, each against single Steps of copies of the same states.
    /// </summary>
    private static void Check<M, S, X, T>(M model, int batch, int width, int output, Func<Random, X> draw, One<M, S, X, T> one, Many<M, S, X, T> many)
        where S : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(17);
        double tolerance = typeof(T) == typeof(float) ? 1e-5 : 1e-12;
        var states = new S[batch];
        var y = new T[output];
        for (int i = 0; i < batch; i++)
        {
            for (int t = i % 4; t >= 0; t--)
            {
                one(model, ref states[i], Draw(random, draw, width), y);
            }
        }

        foreach (int n in new[] { batch, batch - 1, 1, 0, batch })
        {
            X[] inputs = Draw(random, draw, n * width);
            S[] singles = states.AsSpan(0, n).ToArray();
            var expected = new T[n * output];
            for (int i = 0; i < n; i++)
            {
                one(model, ref singles[i], inputs.AsSpan(i * width, width), expected.AsSpan(i * output, output));
            }

            T sentinel = T.CreateTruncating(12345.0);
            var outputs = new T[n * output + 3];
            outputs.AsSpan().Fill(sentinel);
            many(model, states.AsSpan(0, n), inputs, outputs);

            Close(expected, outputs.AsSpan(0, n * output), tolerance, $"outputs of {n} streams");
            Assert.All(outputs[(n * output)..], v => Assert.Equal(sentinel, v));
            Close(MemoryMarshal.Cast<S, T>(singles.AsSpan()), MemoryMarshal.Cast<S, T>(states.AsSpan(0, n)), tolerance, $"states of {n} streams");
        }
    }

    private static X[] Draw<X>(Random random, Func<Random, X> draw, int count)
    {
        var values = new X[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = draw(random);
        }

        return values;
    }

    private static void Close<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(actual[i]);
            Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)), $"{what}: element {i} is {a}, one stream at a time gives {e}");
        }
    }
}
