using System;
using System.IO;
using System.Linq;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests;

/// <summary>Weights in safetensors with PyTorch's names and shapes (SPEC §5), and the default initialisation.</summary>
public class WeightFileTests
{
    [Fact]
    public void NamesShapesAndOrderArePyTorchs()
    {
        var file = TensorFile.Read(TensorFile.Save(new OddTagger().SaveWeights));
        Assert.Equal(
            new[] { "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "output.weight", "output.bias" },
            file.Keys.ToArray());
        Assert.Equal(new long[] { 19, 11 }, file["rnn.weight_ih_l0"].Shape);
        Assert.Equal(new long[] { 19, 19 }, file["rnn.weight_hh_l0"].Shape);
        Assert.Equal(new long[] { 19 }, file["rnn.bias_ih_l0"].Shape);
        Assert.Equal(new long[] { 19 }, file["rnn.bias_hh_l0"].Shape);
        Assert.Equal(new long[] { 13, 19 }, file["output.weight"].Shape);
        Assert.Equal(new long[] { 13 }, file["output.bias"].Shape);
    }

    [Fact]
    public void DefaultInitialisationIsTheTutorialsUniformScheme()
    {
        var model = new TutorialModel();
        var file = TensorFile.Read(TensorFile.Save(model.SaveWeights));
        AssertUniform(file["rnn.weight_ih_l0"].Values, 1 / Math.Sqrt(8000));
        AssertUniform(file["rnn.weight_hh_l0"].Values, 1 / Math.Sqrt(100));
        AssertUniform(file["output.weight"].Values, 1 / Math.Sqrt(100));
        Assert.All(file["rnn.bias_ih_l0"].Values, v => Assert.Equal(0, v));
        Assert.All(file["output.bias"].Values, v => Assert.Equal(0, v));
        Assert.Equal(TutorialModel.ParameterCount, file.Values.Sum(t => t.Values.Length));
    }

    /// <summary>
    /// Initialize draws from one RnnRandom stream tensor by tensor in state_dict order, row-major within each, whatever
    /// the padded layout: here gate blocks, a projection and a head stored in panels. Each drawn tensor's values are
    /// then the stream's uniforms times one scale.
    /// </summary>
    [Fact]
    public void InitializeDrawsInPyTorchOrderWhateverTheLayout()
    {
        var model = new PanelledHead();
        model.Initialize(5);
        var file = TensorFile.Read(TensorFile.Save(model.SaveWeights));
        var random = new RnnRandom(5);
        int drawn = 0;
        foreach (string name in new[] { "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "rnn.weight_hr_l0", "output.weight", "output.bias" })
        {
            double[] values = file[name].Values;
            if (values.All(v => v == 0))
            {
                continue; // not drawn (zero-initialised biases)
            }

            double scale = double.NaN;
            foreach (double v in values)
            {
                double unit = random.NextDouble(-1, 1); // the same draw as ±scale, before scaling
                if (double.IsNaN(scale) && Math.Abs(unit) > 0.5) scale = v / unit;
                if (!double.IsNaN(scale)) Assert.Equal(unit * scale, v, 1e-6);
            }

            drawn++;
        }

        Assert.True(drawn >= 4, $"{drawn} tensors drawn");
    }

    [Fact]
    public void SaveThenLoadGivesBitIdenticalOutputs()
    {
        var a = new SmallModel();
        a.Initialize(77);
        var b = new SmallModel();
        b.LoadWeights(new MemoryStream(TensorFile.Save(a.SaveWeights)));
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        int[] inputs = { 3, 1, 4, 1, 5, 9, 2, 6 }, targets = { 1, 4, 1, 5, 9, 2, 6, 5 };
        Assert.Equal(BitConverter.SingleToInt32Bits(a.Forward(inputs, targets)), BitConverter.SingleToInt32Bits(b.Forward(inputs, targets)));
    }

    [Fact]
    public void WeightsMoveBetweenDeclarationsThatDifferOnlyInTrainingSettings()
    {
        var truncated = new SmallModel();   // Truncate = 3
        truncated.Initialize(4);
        var full = new SmallModelFull();    // Truncate = 0, same network
        full.LoadWeights(new MemoryStream(TensorFile.Save(truncated.SaveWeights)));
        int[] inputs = { 1, 2, 3 }, targets = { 2, 3, 4 };
        Assert.Equal(truncated.Forward(inputs, targets), full.Forward(inputs, targets));
    }

    [Fact]
    public void WeightsOfAnotherShapeAreRejectedAndTheModelKeepsItsOwn()
    {
        byte[] other = TensorFile.Save(new OddTagger().SaveWeights);
        var model = new FullTanh();
        double[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(new MemoryStream(other)));
        Assert.Contains("rnn", e.Message);
        Assert.True(before.AsSpan().SequenceEqual(model.Parameters));
    }

    [Fact]
    public void AShapeMismatchNamesTheDeclarationThatFitsTheFile()
    {
        // Without RnnGen's metadata (as from PyTorch) the shapes speak for themselves.
        byte[] lstm = StripMetadata(TensorFile.Save(new UntrainedLstm().SaveWeights));
        var e = Assert.Throws<InvalidDataException>(() => new TutorialModel().LoadWeights(new MemoryStream(lstm)));
        Assert.Contains("has shape [256, 500] in the file, but this model expects [100, 8000] ([Hidden, Vocab])", e.Message);
        Assert.Contains("The file fits [RnnModel(Hidden = 64, Vocab = 500, Output = 500, Cell = CellType.Lstm)].", e.Message);

        // With it, the first disagreeing fact is named, and the fitting declaration too.
        e = Assert.Throws<InvalidDataException>(() => new FullTanh().LoadWeights(new MemoryStream(TensorFile.Save(new OddTagger().SaveWeights))));
        Assert.Contains("The file fits [RnnModel(Hidden = 19, Vocab = 11, Output = 13, Truncate = 1, MaxSteps = 10, Precision = Precision.Double)].", e.Message);
    }

    /// <summary>The same file without __metadata__, as PyTorch's safetensors.torch.save_file writes it by default.</summary>
    private static byte[] StripMetadata(byte[] file) => TensorFile.WithMetadata(file, (_, _) => null);

    [Fact]
    public void MetadataRecordsTheDeclaration()
    {
        byte[] bytes = TensorFile.Save(new FullRelu().SaveWeights);
        var header = RnnGen.IO.SafeTensorsHeader.Read(new MemoryStream(bytes));
        Assert.Equal("vanilla", header.Metadata["rnngen.cell"]);
        Assert.Equal("relu", header.Metadata["rnngen.activation"]);
        Assert.Equal("5", header.Metadata["rnngen.hidden"]);
        Assert.Equal("double", header.Metadata["rnngen.precision"]);

        // A tanh model of the same shapes refuses weights trained with ReLU.
        var e = Assert.Throws<InvalidDataException>(() => new FullTanh().LoadWeights(new MemoryStream(bytes)));
        Assert.Contains("rnngen.activation", e.Message);
    }

    private static void AssertUniform(double[] values, double bound)
    {
        Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
        // Uniform in ±b has mean 0 and standard deviation b/√3.
        double mean = values.Average();
        double sd = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.05 * bound, 0.05 * bound);
        Assert.InRange(sd, bound / Math.Sqrt(3) * 0.95, bound / Math.Sqrt(3) * 1.05);
    }
}
