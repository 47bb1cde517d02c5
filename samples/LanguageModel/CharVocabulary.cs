using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace LanguageModel;

/// <summary>The character-level vocabulary: the most frequent characters (Unicode scalar values) and one id for all others.</summary>
internal sealed class CharVocabulary
{
    public const int UnknownId = 0;

    private readonly Dictionary<Rune, int> _ids = [];
    private readonly List<Rune> _runes = [new Rune('?')];

    public CharVocabulary(string text, int size)
    {
        IEnumerable<Rune> frequent = text.EnumerateRunes()
            .GroupBy(r => r)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key.Value)
            .Select(g => g.Key)
            .Take(size - 1);
        foreach (Rune rune in frequent)
        {
            _ids[rune] = _runes.Count;
            _runes.Add(rune);
        }

        DistinctCharacters = text.EnumerateRunes().Distinct().Count();
    }

    public int Count => _runes.Count;

    public int DistinctCharacters { get; }

    public int Id(Rune rune) => _ids.TryGetValue(rune, out int id) ? id : UnknownId;

    public int[] Encode(string text) => text.EnumerateRunes().Select(Id).ToArray();

    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids) text.Append(_runes[id].ToString());
        return text.ToString();
    }

    /// <summary>One line per id (code points in hex), to check that a resumed run sees the same vocabulary.</summary>
    public string Describe() => string.Join('\n', _runes.Select(r => r.Value.ToString("X")));
}
