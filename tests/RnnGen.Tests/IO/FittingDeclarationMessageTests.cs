using System;
using System.IO;
using RnnGen.Tests.Models;
using RnnGen.Tests.Reference;

namespace RnnGen.Tests.IO;

/// <summary>
/// The declaration a LoadWeights message suggests, in the message's exact words (that each one loads its file is shown
/// in the generator tests, by compiling it): the file's own recorded declaration, else what its tensors show with this
/// model's input kind and loss; every kind of mismatch names it; nothing is suggested for tensors of another network.
/// </summary>
public class FittingDeclarationMessageTests
{
    private static byte[] File(Action<Stream> save) => TensorFile.Save(save);

    private static byte[] WithoutMetadata(byte[] file) => TensorFile.WithMetadata(file, (_, _) => null);

    private static string LoadFails(Action<Stream> load, byte[] file) =>
        Assert.Throws<InvalidDataException>(() => load(new MemoryStream(file))).Message;

    [Fact]
    public void ASquaredErrorDenseFileIsNamedWithItsInputAndLoss()
    {
        // The issue: this hint used to be [RnnModel(Hidden = 4, Vocab = 3, Output = 2, Cell = CellType.Lstm)].
        byte[] file = File(new DenseRegressor().SaveWeights);
        Assert.Equal(
            "The file was saved from a model with rnngen.cell = lstm, but this model has rnngen.cell = vanilla. " +
            "The file fits [RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, MaxSteps = 5)].",
            LoadFails(new TutorialModel().LoadWeights, file));

        // Without metadata the shapes tell the sizes and the cell, and this model (dense, squared error) the rest.
        Assert.Equal(
            "Tensor 'rnn.weight_ih_l0' has shape [16, 3] in the file, but this model expects [20, 3] ([4*Hidden, Input]). " +
            "The file fits [RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError)].",
            LoadFails(new ChunkedLstm().LoadWeights, WithoutMetadata(file)));
    }

    [Fact]
    public void MissingAndUnexpectedTensorsNameTheDeclarationToo()
    {
        // Two layers into a model with one of the same sizes: the file has tensors the model does not.
        byte[] deep = WithoutMetadata(File(new Parity.VanillaL2TokenCeT3().SaveWeights));
        Assert.Equal(
            "The file has tensors this model does not have: 'rnn.weight_ih_l1', 'rnn.weight_hh_l1', 'rnn.bias_ih_l1', 'rnn.bias_hh_l1'. " +
            "Check that the file was saved from a model with the same declaration. The file fits [RnnModel(Hidden = 8, Vocab = 12, Output = 12, Layers = 2)].",
            LoadFails(new Parity.VanillaTanhTokenCe().LoadWeights, deep));

        // One layer into a model with two: the model needs tensors the file lacks.
        byte[] shallow = WithoutMetadata(File(new Parity.VanillaTanhTokenCe().SaveWeights));
        Assert.EndsWith(
            ", which this model needs. The file fits [RnnModel(Hidden = 8, Vocab = 12, Output = 12)].",
            LoadFails(new Parity.VanillaL2TokenCeT3().LoadWeights, shallow), StringComparison.Ordinal);
    }

    [Fact]
    public void ABidirectionalProjectedFileIsReadFromItsTensorNames()
    {
        byte[] file = WithoutMetadata(File(new SplitBiLstm().SaveWeights)); // Hidden 256, Input 8, Output 3, LSTM, 2 layers, bidirectional
        string message = LoadFails(new DroppedLstm().LoadWeights, file);       // dense, squared error
        Assert.EndsWith(
            "The file fits [RnnModel(Hidden = 256, Input = 8, Output = 3, Cell = CellType.Lstm, Loss = Loss.SquaredError, Layers = 2, Bidirectional = true)].",
            message, StringComparison.Ordinal);

        file = WithoutMetadata(File(new DroppedLstm().SaveWeights));          // Hidden 5, Projection 3, 2 layers, double
        message = LoadFails(new SplitBiLstm().LoadWeights, file);
        Assert.EndsWith(
            "The file fits [RnnModel(Hidden = 5, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Precision = Precision.Double, Layers = 2, Projection = 3)].",
            message, StringComparison.Ordinal);
    }

    [Fact]
    public void MetadataThatIsNotADeclarationIsNotRepeated()
    {
        // Values that are not a declaration's (a hostile or damaged file) are ignored: the shapes are used instead.
        byte[] file = TensorFile.WithMetadata(File(new DenseRegressor().SaveWeights), (key, value) => key switch
        {
            "rnngen.hidden" => "-4",
            "rnngen.max_steps" => "5)] class X { } [RnnModel(Hidden = 1",
            "rnngen.cell" => "lstm\"",
            _ => value,
        });
        string message = LoadFails(new ChunkedLstm().LoadWeights, file);
        Assert.EndsWith(
            "The file fits [RnnModel(Hidden = 4, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError)].",
            message, StringComparison.Ordinal);
    }
}
