using System;
using System.Collections.Generic;
using System.Linq;

namespace LanguageModel;

/// <summary>
/// The tutorial's vocabulary: the most frequent words, plus an unknown-word token for the rest and
/// sentence start and end tokens that let the model learn how sentences begin and end.
/// </summary>
internal sealed class Vocabulary
{
    public const string Unknown = "<unk>", Start = "<s>", End = "</s>";

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _words = new();

    public Vocabulary(IEnumerable<IReadOnlyList<string>> sentences, int size)
    {
        foreach (string special in new[] { Unknown, Start, End })
        {
            Add(special);
        }

        IEnumerable<string> frequent = sentences
            .SelectMany(s => s)
            .GroupBy(w => w, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .Take(size - 3);
        foreach (string word in frequent)
        {
            Add(word);
        }

        DistinctWords = sentences.SelectMany(s => s).Distinct(StringComparer.Ordinal).Count();
    }

    public int Count => _words.Count;

    public int DistinctWords { get; }

    public int UnknownId => _ids[Unknown];

    public int StartId => _ids[Start];

    public int EndId => _ids[End];

    public int Id(string word) => _ids.TryGetValue(word, out int id) ? id : UnknownId;

    public string Word(int id) => _words[id];

    /// <summary>[start] w1 .. wn [end] as ids.</summary>
    public int[] Encode(IReadOnlyList<string> sentence)
    {
        var ids = new int[sentence.Count + 2];
        ids[0] = StartId;
        for (int i = 0; i < sentence.Count; i++) ids[i + 1] = Id(sentence[i]);
        ids[^1] = EndId;
        return ids;
    }

    /// <summary>One word per line, in id order, to check that a resumed run sees the same vocabulary.</summary>
    public string Describe() => string.Join('\n', _words);

    private void Add(string word)
    {
        _ids[word] = _words.Count;
        _words.Add(word);
    }
}
