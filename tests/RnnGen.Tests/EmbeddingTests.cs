using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Parity;

namespace RnnGen.Tests;

[RnnModel(Hidden = 12, Vocab = 40, Embedding = 6, Cell = CellType.Lstm, Layers = 2, Truncate = 3, MaxSteps = 16)]
public partial class EmbeddedLanguageModel { }

[RnnModel(Hidden = 12, Vocab = 40, Cell = CellType.Lstm, Layers = 2, MaxSteps = 16)]
public partial class OneHotLanguageModel { }

/// <summary>
/// The embedding layer beyond PyTorch parity (Parity/, the Emb* fixtures): SGD touches only the rows of the tokens
/// seen, and exactly as a dense step would; nothing is allocated; a file with an embedding that does not fit names the
/// declaration that does.
/// </summary>
public class EmbeddingTests
{
    private static readonly int[] Inputs = [3, 17, 3, 29, 8, 17, 0, 39], Targets = [17, 3, 29, 8, 17, 0, 39, 5];

    [Fact]
    public void SgdStepMovesOnlyTheRowsOfTheTokensSeenAndEqualsADenseStep()
    {
        var model = new EmbeddedLanguageModel();
        model.Initialize(4);
        float[] before = model.Parameters.ToArray();

        // The dense step, by hand: p -= lr · g over every parameter, from Backward's gradients.
        model.ZeroGradients();
        model.Backward(Inputs, Targets);
        float[] expected = before.ToArray();
        ReadOnlySpan<float> gradients = model.Gradients;
        for (int i = 0; i < expected.Length; i++) expected[i] -= 0.1f * gradients[i];

        model.SgdStep(Inputs, Targets, 0.1f);
        float[] after = model.Parameters.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            // Up to the step's own rounding: SgdStep multiplies and adds in one (fused) operation where the CPU can.
            Assert.True(Math.Abs(after[i] - expected[i]) <= 1e-6f * Math.Max(1, Math.Abs(expected[i])), $"parameter {i}: {after[i]:R}, expected {expected[i]:R}");
        }

        // The embedding table is the first tensor: [Vocab, Embedding] in rows of EmbeddingPadded.
        int stride = (EmbeddedLanguageModel.Embedding + 15) / 16 * 16;
        for (int token = 0; token < EmbeddedLanguageModel.Vocab; token++)
        {
            bool seen = Inputs.Contains(token);
            bool moved = !before.AsSpan(token * stride, stride).SequenceEqual(model.Parameters.Slice(token * stride, stride));
            Assert.True(seen == moved, $"token {token}: seen {seen}, row moved {moved}");
        }
    }

    [Fact]
    public void SavedWeightsHaveTheEmbeddingTableFirstWithPyTorchsShape()
    {
        var model = new EmbeddedLanguageModel();
        var file = new MemoryStream();
        model.SaveWeights(file);
        var header = RnnGen.IO.SafeTensorsHeader.Read(new MemoryStream(file.ToArray()));
        Assert.Equal(["embedding.weight", "rnn.weight_ih_l0"], header.Tensors.Take(2).Select(t => t.Name));
        Assert.Equal([40L, 6L], header.Tensors[0].Shape.ToArray());
        Assert.Equal([48L, 6L], header.Tensors[1].Shape.ToArray());
        // As PyTorch counts: the table, two LSTM layers (the first reading 6 values), the head.
        Assert.Equal(40 * 6 + 4 * 12 * (6 + 12 + 2) + 4 * 12 * (12 + 12 + 2) + 40 * 12 + 40, EmbeddedLanguageModel.ParameterCount);
    }

    [Fact]
    public void HotCallsAllocateNothing()
    {
        var model = new EmbeddedLanguageModel();
        var state = default(EmbeddedLanguageModel.State);
        float[] output = new float[EmbeddedLanguageModel.Output];
        int[] generated = new int[10];
        var random = new RnnRandom(2);
        foreach (Action call in new Action[]
        {
            () => model.Backward(Inputs, Targets),
            () => model.SgdStep(Inputs, Targets, 0.01f),
            () => model.Step(ref state, 7, output),
            () => model.Generate(Inputs.AsSpan(0, 2), generated, 1f, ref random),
        })
        {
            Assert.Equal(0, Allocations.Least(call));
        }
    }

    [Fact]
    public void StepGivesWhatForwardScores()
    {
        var model = new EmbeddedLanguageModel();
        model.Initialize(9);
        var probabilities = new float[Inputs.Length * EmbeddedLanguageModel.Output];
        model.Probabilities(Inputs, probabilities);
        var state = default(EmbeddedLanguageModel.State);
        var logits = new float[EmbeddedLanguageModel.Output];
        for (int t = 0; t < Inputs.Length; t++)
        {
            model.Step(ref state, Inputs[t], logits);
            float max = logits.Max(), sum = logits.Sum(l => MathF.Exp(l - max));
            for (int o = 0; o < logits.Length; o++)
            {
                Assert.Equal(probabilities[t * logits.Length + o], MathF.Exp(logits[o] - max) / sum, 1e-5f);
            }
        }
    }

    [Fact]
    public void AFileWithAnEmbeddingSuggestsTheDeclarationThatLoadsIt()
    {
        var file = new MemoryStream();
        new EmbeddedLanguageModel().SaveWeights(file);
        var e = Assert.Throws<InvalidDataException>(() => new OneHotLanguageModel().LoadWeights(new MemoryStream(file.ToArray())));
        Assert.Contains("The file fits [RnnModel(Hidden = 12, Vocab = 40, Output = 40, Cell = CellType.Lstm, Truncate = 3, MaxSteps = 16, Layers = 2, Embedding = 6)].", e.Message);

        // PyTorch's own file (no RnnGen metadata): read from the tensors' names and shapes.
        byte[] torch = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Parity", "Fixtures", "EmbGruL2TokenCeT2.weights.safetensors"));
        e = Assert.Throws<InvalidDataException>(() => new OneHotLanguageModel().LoadWeights(new MemoryStream(torch)));
        Assert.Contains("The file fits [RnnModel(Hidden = 8, Vocab = 12, Output = 12, Cell = CellType.Gru, Layers = 2, Embedding = 4)].", e.Message);
        _ = new EmbGruL2TokenCeT2(); // the class that does load it (PyTorchParityTests)
    }
}
