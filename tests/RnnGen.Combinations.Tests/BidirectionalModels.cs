using RnnGen;

namespace RnnGen.Combinations.Tests;

// Bidirectional networks (full BPTT only; no streaming): each cell with one and two layers, token and
// dense input, both losses, a target at every step or one per sequence; plus projection and dropout.
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Vanilla, Layers = 1, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiVanillaL1TokenCeLast { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Vanilla, Layers = 1, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiVanillaL1DenseSeEvery { }
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Vanilla, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiVanillaL2TokenSeLast { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Vanilla, Layers = 2, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiVanillaL2DenseCeEvery { }
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Lstm, Layers = 1, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiLstmL1TokenCeLast { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Lstm, Layers = 1, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiLstmL1DenseSeEvery { }
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiLstmL2TokenSeLast { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Lstm, Layers = 2, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiLstmL2DenseCeEvery { }
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Gru, Layers = 1, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiGruL1TokenCeEvery { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Gru, Layers = 1, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiGruL1DenseSeLast { }
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Gru, Layers = 2, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiGruL2TokenSeEvery { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Gru, Layers = 2, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiGruL2DenseCeLast { }
[RnnModel(Hidden = 4, Vocab = 6, Output = 3, Cell = CellType.Lstm, Projection = 2, Layers = 2, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiLstmP2L2TokenCeEvery { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Gru, Layers = 3, Dropout = 0.3, Bidirectional = true, Loss = Loss.SquaredError, Outputs = Outputs.EveryStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiGruL3DropDenseSeEvery { }
[RnnModel(Hidden = 4, Input = 3, Output = 3, Cell = CellType.Lstm, Projection = 3, Layers = 2, Dropout = 0.5, Bidirectional = true, Loss = Loss.CrossEntropy, Outputs = Outputs.LastStep, MaxSteps = 8, Precision = Precision.Double)] public partial class BiLstmP3L2DropDenseCeLast { }

public static partial class BidirectionalCases
{
    public static readonly BidirectionalCase[] All =
    {
        BidirectionalCase.Of<BiVanillaL1TokenCeLast>(new BiVanillaL1TokenCeLast(), BiVanillaL1TokenCeLast.Layers, Outputs.LastStep, null),
        BidirectionalCase.Of<BiVanillaL1DenseSeEvery>(new BiVanillaL1DenseSeEvery(), BiVanillaL1DenseSeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiVanillaL2TokenSeLast>(new BiVanillaL2TokenSeLast(), BiVanillaL2TokenSeLast.Layers, Outputs.LastStep, null),
        BidirectionalCase.Of<BiVanillaL2DenseCeEvery>(new BiVanillaL2DenseCeEvery(), BiVanillaL2DenseCeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiLstmL1TokenCeLast>(new BiLstmL1TokenCeLast(), BiLstmL1TokenCeLast.Layers, Outputs.LastStep, null),
        BidirectionalCase.Of<BiLstmL1DenseSeEvery>(new BiLstmL1DenseSeEvery(), BiLstmL1DenseSeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiLstmL2TokenSeLast>(new BiLstmL2TokenSeLast(), BiLstmL2TokenSeLast.Layers, Outputs.LastStep, null),
        BidirectionalCase.Of<BiLstmL2DenseCeEvery>(new BiLstmL2DenseCeEvery(), BiLstmL2DenseCeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiGruL1TokenCeEvery>(new BiGruL1TokenCeEvery(), BiGruL1TokenCeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiGruL1DenseSeLast>(new BiGruL1DenseSeLast(), BiGruL1DenseSeLast.Layers, Outputs.LastStep, null),
        BidirectionalCase.Of<BiGruL2TokenSeEvery>(new BiGruL2TokenSeEvery(), BiGruL2TokenSeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiGruL2DenseCeLast>(new BiGruL2DenseCeLast(), BiGruL2DenseCeLast.Layers, Outputs.LastStep, null),
        BidirectionalCase.Of<BiLstmP2L2TokenCeEvery>(new BiLstmP2L2TokenCeEvery(), BiLstmP2L2TokenCeEvery.Layers, Outputs.EveryStep, null),
        BidirectionalCase.Of<BiGruL3DropDenseSeEvery>(new BiGruL3DropDenseSeEvery(), BiGruL3DropDenseSeEvery.Layers, Outputs.EveryStep, m => m.DropoutRandom = new RnnRandom(3)),
        BidirectionalCase.Of<BiLstmP3L2DropDenseCeLast>(new BiLstmP3L2DropDenseCeLast(), BiLstmP3L2DropDenseCeLast.Layers, Outputs.LastStep, m => m.DropoutRandom = new RnnRandom(3)),
    };
}
