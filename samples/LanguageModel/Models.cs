using System;
using RnnGen;

namespace LanguageModel;

/// <summary>What the sample needs from a language model beyond <see cref="IRnnModel{T, TInput, TTarget}"/>: its sizes and <c>Generate</c>.</summary>
internal interface ILanguageModel : IRnnModel<float, int, int>
{
    static abstract int VocabularySize { get; }

    static abstract int LongestSequence { get; }

    static abstract string Description { get; }

    int Generate(ReadOnlySpan<int> prompt, Span<int> destination, float temperature, ref RnnRandom random, int endToken, int avoidToken);
}

/// <summary>The tutorial's word model at the scale of the generated grammar: 80 word ids in and out, 64 hidden units, BPTT truncated at 4.</summary>
[RnnModel(Hidden = 64, Vocab = 80, Truncate = 4, MaxSteps = 40)]
internal partial class WordModel : ILanguageModel
{
    public static int VocabularySize => Vocab;

    public static int LongestSequence => MaxSteps;

    public static string Description => $"vanilla RNN, Hidden {Hidden}, truncated BPTT {Truncate}, {ParameterCount:N0} parameters";
}

/// <summary>The word model for real text (<c>--text</c>): 4,000 words, 100 hidden units, BPTT truncated at 4, as in the tutorial (which used 8,000).</summary>
[RnnModel(Hidden = 100, Vocab = 4000, Truncate = 4, MaxSteps = 40)]
internal partial class TextWordModel : ILanguageModel
{
    public static int VocabularySize => Vocab;

    public static int LongestSequence => MaxSteps;

    public static string Description => $"vanilla RNN, Hidden {Hidden}, truncated BPTT {Truncate}, {ParameterCount:N0} parameters";
}

/// <summary>
/// The word model with an embedding layer (<c>--embedding</c>): each word id selects a trained row of 32 values
/// (PyTorch's <c>nn.Embedding(80, 32)</c>), which the RNN reads instead of the one-hot.
/// </summary>
[RnnModel(Hidden = 64, Vocab = 80, Embedding = 32, Truncate = 4, MaxSteps = 40)]
internal partial class EmbeddedWordModel : ILanguageModel
{
    public static int VocabularySize => Vocab;

    public static int LongestSequence => MaxSteps;

    public static string Description => $"embedding of {Embedding}, vanilla RNN, Hidden {Hidden}, truncated BPTT {Truncate}, {ParameterCount:N0} parameters";
}

/// <summary>The real-text word model with an embedding layer (<c>--text --embedding</c>): 4,000 words embedded in 64 values.</summary>
[RnnModel(Hidden = 100, Vocab = 4000, Embedding = 64, Truncate = 4, MaxSteps = 40)]
internal partial class TextEmbeddedWordModel : ILanguageModel
{
    public static int VocabularySize => Vocab;

    public static int LongestSequence => MaxSteps;

    public static string Description => $"embedding of {Embedding}, vanilla RNN, Hidden {Hidden}, truncated BPTT {Truncate}, {ParameterCount:N0} parameters";
}

/// <summary>
/// The character model: 96 characters in and out, an LSTM with 128 units, full BPTT over 32-character chunks,
/// the state carried from one chunk to the next (min-char-rnn's scheme, with an LSTM cell).
/// </summary>
[RnnModel(Hidden = 128, Vocab = 96, Cell = CellType.Lstm, MaxSteps = 32)]
internal partial class CharModel
{
    public static string Description => $"LSTM, Hidden {Hidden}, full BPTT over {MaxSteps}-character chunks with the state carried across, {ParameterCount:N0} parameters";
}
