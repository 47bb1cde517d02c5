using System;
using System.Runtime.InteropServices;
using RnnGen.Tests.Models;

namespace RnnGen.Tests.Batch;

/// <summary>
/// Bad arguments of the batched Step throw an ArgumentException that names the argument and the numbers, before any
/// stream's state or any output changes; good calls allocate nothing.
/// </summary>
public class BatchedStepArgumentTests
{
    [Fact]
    public void MoreStreamsThanBatch()
    {
        var model = new BatchLstmDense();
        var error = Throws(model, new BatchLstmDense.State[9], new float[9 * BatchLstmDense.Input], new float[9 * BatchLstmDense.Output]);
        Assert.Equal("states", error.ParamName);
        Assert.StartsWith("states has 9 states, but this model steps at most Batch = 8 streams in one call", error.Message);
    }

    [Theory]
    [InlineData(8, "inputs has 8 values, but this model needs 9: Input = 3 values for each of the 3 streams, stream after stream.")]
    [InlineData(0, "inputs has 0 values, but this model needs 9: Input = 3 values for each of the 3 streams, stream after stream.")]
    [InlineData(12, "inputs has 12 values, but this model needs 9: Input = 3 values for each of the 3 streams, stream after stream.")]
    public void InputsOfTheWrongLength(int length, string message)
    {
        var error = Throws(new BatchLstmDense(), new BatchLstmDense.State[3], new float[length], new float[3 * BatchLstmDense.Output]);
        Assert.Equal("inputs", error.ParamName);
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData(5, "outputs has room for 5 values, but this model writes 6: Output = 2 values for each of the 3 streams, stream after stream.")]
    [InlineData(0, "outputs is empty, but this model writes 6: Output = 2 values for each of the 3 streams, stream after stream.")]
    public void OutputsTooShort(int length, string message)
    {
        var error = Throws(new BatchLstmDense(), new BatchLstmDense.State[3], new float[3 * BatchLstmDense.Input], new float[length]);
        Assert.Equal("outputs", error.ParamName);
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(7)]
    public void TokenOutOfRange(int token)
    {
        var model = new BatchGruTokens();
        model.Initialize(3);
        var states = Warm(model);
        byte[] before = MemoryMarshal.AsBytes(states.AsSpan()).ToArray();
        var outputs = new double[4 * BatchGruTokens.Output];
        outputs.AsSpan().Fill(5);
        var error = Assert.ThrowsAny<ArgumentException>(() => model.Step(states, new[] { 1, 2, token, 3 }, outputs));
        Assert.Equal("inputs", error.ParamName);
        Assert.StartsWith($"inputs[2] is {token}", error.Message);
        Assert.Contains("Vocab = 7", error.Message);
        Assert.Equal(before, MemoryMarshal.AsBytes(states.AsSpan()).ToArray());
        Assert.All(outputs, v => Assert.Equal(5.0, v));
    }

    [Fact]
    public void StreamsLeftAsTheyWereOnBadInput()
    {
        var model = new BatchLstmDense();
        model.Initialize(4);
        var states = new BatchLstmDense.State[3];
        var one = new float[BatchLstmDense.Output];
        for (int i = 0; i < states.Length; i++)
        {
            model.Step(ref states[i], new float[] { 0.5f, -i, 1 }, one);
        }

        byte[] before = MemoryMarshal.AsBytes(states.AsSpan()).ToArray();
        var outputs = new float[3 * BatchLstmDense.Output];
        outputs.AsSpan().Fill(5);
        Assert.Throws<ArgumentException>(() => model.Step(states, new float[8], outputs));
        Assert.Throws<ArgumentException>(() => model.Step(states, new float[9], new float[5]));
        Assert.Equal(before, MemoryMarshal.AsBytes(states.AsSpan()).ToArray());
        Assert.All(outputs, v => Assert.Equal(5f, v));
    }

    [Fact]
    public void AllocatesNothing()
    {
        var dense = new BatchLstmDense();
        var denseStates = new BatchLstmDense.State[BatchLstmDense.Batch];
        var denseInputs = new float[BatchLstmDense.Batch * BatchLstmDense.Input];
        var denseOutputs = new float[BatchLstmDense.Batch * BatchLstmDense.Output];
        var tokens = new BatchEmbedded();
        var tokenStates = new BatchEmbedded.State[3];
        var tokenOutputs = new double[3 * BatchEmbedded.Output];
        int[] tokenInputs = { 1, 19, 4 };
        var wide = new BatchWideLstm { Threads = 2 };
        var wideStates = new BatchWideLstm.State[BatchWideLstm.Batch];
        var wideInputs = new float[BatchWideLstm.Batch * BatchWideLstm.Input];
        var wideOutputs = new float[BatchWideLstm.Batch * BatchWideLstm.Output];
        foreach (Action call in new Action[]
        {
            () => dense.Step(denseStates, denseInputs, denseOutputs),
            () => tokens.Step(tokenStates, tokenInputs, tokenOutputs),
            () => wide.Step(wideStates, wideInputs, wideOutputs),
        })
        {
            Assert.Equal(0, Allocations.Least(call));
        }
    }

    private static BatchGruTokens.State[] Warm(BatchGruTokens model)
    {
        var states = new BatchGruTokens.State[4];
        var outputs = new double[4 * BatchGruTokens.Output];
        model.Step(states, new[] { 0, 6, 2, 4 }, outputs);
        return states;
    }

    private static ArgumentException Throws(BatchLstmDense model, BatchLstmDense.State[] states, float[] inputs, float[] outputs) =>
        Assert.Throws<ArgumentException>(() => model.Step(states, inputs, outputs));
}
