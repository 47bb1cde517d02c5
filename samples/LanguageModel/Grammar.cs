using System.Collections.Generic;
using RnnGen;

namespace LanguageModel;

/// <summary>
/// A small probabilistic grammar that writes English-like sentences, so the sample needs no
/// download. Word choices are weighted so a few words are common and many are rare, as in real
/// text: the rare ones fall outside the vocabulary and become the unknown token.
/// </summary>
internal sealed class Grammar
{
    private static readonly string[] Determiners = { "the", "the", "the", "a", "a", "every", "this", "my", "your" };
    private static readonly string[] Adjectives = { "small", "big", "old", "young", "happy", "quiet", "red", "clever", "lazy", "tired", "green", "brave", "gentle", "tiny", "ancient" };
    private static readonly string[] Nouns = { "cat", "dog", "bird", "child", "teacher", "farmer", "house", "garden", "river", "tree", "book", "table", "city", "ball", "horse", "king", "queen", "boat", "window", "mountain", "lantern", "violin", "meadow", "pebble" };
    private static readonly string[] Names = { "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter" };
    private static readonly string[] Intransitive = { "sleeps", "runs", "laughs", "sings", "waits", "falls", "smiles", "dances", "wanders", "shivers" };
    private static readonly string[] Transitive = { "sees", "likes", "finds", "chases", "follows", "paints", "reads", "builds", "watches", "carries", "admires", "forgets" };
    private static readonly string[] Prepositions = { "in", "near", "under", "behind", "with", "on", "beside" };

    private RnnRandom _random;

    public Grammar(ulong seed) => _random = new RnnRandom(seed);

    public List<string> Sentence()
    {
        var words = new List<string>();
        NounPhrase(words, depth: 0);
        VerbPhrase(words);
        words.Add(".");
        return words;
    }

    private void NounPhrase(List<string> words, int depth)
    {
        if (Chance(0.2))
        {
            words.Add(Zipf(Names));
            return;
        }

        words.Add(Zipf(Determiners));
        if (Chance(0.4))
        {
            words.Add(Zipf(Adjectives));
        }

        words.Add(Zipf(Nouns));
        if (depth == 0 && Chance(0.15))
        {
            Preposition(words, depth + 1);
        }
    }

    private void VerbPhrase(List<string> words)
    {
        if (Chance(0.35))
        {
            words.Add(Zipf(Intransitive));
        }
        else
        {
            words.Add(Zipf(Transitive));
            NounPhrase(words, depth: 1);
        }

        if (Chance(0.3))
        {
            Preposition(words, depth: 1);
        }
    }

    private void Preposition(List<string> words, int depth)
    {
        words.Add(Zipf(Prepositions));
        NounPhrase(words, depth);
    }

    private bool Chance(double p) => _random.NextDouble() < p;

    /// <summary>Picks item k with probability proportional to 1 / (k + 1).</summary>
    private string Zipf(string[] items)
    {
        double total = 0;
        for (int k = 0; k < items.Length; k++) total += 1.0 / (k + 1);
        double u = _random.NextDouble() * total;
        for (int k = 0; k < items.Length; k++)
        {
            u -= 1.0 / (k + 1);
            if (u < 0) return items[k];
        }

        return items[^1];
    }
}
