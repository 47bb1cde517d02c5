using System.Collections.Generic;
using RnnGen;

namespace PosTagger;

/// <summary>
/// Writes part-of-speech tagged sentences from a small grammar, in English and in Chinese (where 我/nn 吃/v 苹果/nn,
/// the classic example, is one of the patterns). Several English words are both nouns and verbs ("fish", "watch",
/// "saw", "book", "paint", "light"), and "light" and "fast" have a third reading, so a tagger must read the context,
/// not just look words up.
/// </summary>
internal sealed class TaggedCorpus
{
    private static readonly string[] Determiners = ["the", "a", "this", "every", "my", "your", "his", "her"];
    private static readonly string[] Adjectives = ["old", "young", "big", "small", "red", "happy", "quiet", "light", "fast", "clever"];
    private static readonly string[] Nouns = ["man", "woman", "dog", "cat", "fish", "watch", "saw", "book", "paint", "light", "table", "river", "apple", "garden", "teacher", "child", "boat", "house"];
    private static readonly string[] Pronouns = ["he", "she", "they", "we", "i", "you"];
    private static readonly string[] Names = ["alice", "bob", "carol", "dave"];
    private static readonly string[] Transitive = ["sees", "saw", "eats", "likes", "reads", "watch", "paint", "book", "fish", "light", "carries", "finds", "wants"];
    private static readonly string[] Intransitive = ["sleeps", "runs", "swims", "waits", "fish", "laughs", "sings"];
    private static readonly string[] Prepositions = ["in", "on", "near", "with", "under", "behind"];
    private static readonly string[] Adverbs = ["quickly", "slowly", "often", "fast", "today", "again"];
    private static readonly string[] Conjunctions = ["and", "but"];

    private static readonly string[] ChineseNouns = ["我", "你", "他", "她", "我们", "苹果", "米饭", "面条", "书", "猫", "狗", "老师", "学生", "茶"];
    private static readonly string[] ChineseVerbs = ["吃", "喜欢", "看", "买", "有", "喝", "要"];
    private static readonly string[] ChineseAdverbs = ["很", "也", "常常", "都"];
    private static readonly string[] ChineseDeterminers = ["这个", "那个"];

    private RnnRandom _random;

    public TaggedCorpus(ulong seed) => _random = new RnnRandom(seed);

    /// <summary>The classic example itself, which the grammar also produces.</summary>
    public static (string Word, int Tag)[] Classic => [("我", Tags.Nn), ("吃", Tags.V), ("苹果", Tags.Nn)];

    public List<(string Word, int Tag)> Sentence()
    {
        var words = new List<(string, int)>();
        if (Chance(0.25))
        {
            Chinese(words);
            return words;
        }

        Clause(words);
        if (Chance(0.2))
        {
            words.Add((Pick(Conjunctions), Tags.Conj));
            Clause(words);
        }

        words.Add((Chance(0.85) ? "." : "!", Tags.Punct));
        return words;
    }

    private void Clause(List<(string, int)> words)
    {
        Subject(words);
        if (Chance(0.15)) words.Add((Pick(Adverbs), Tags.Adv));
        if (Chance(0.35))
        {
            words.Add((Pick(Intransitive), Tags.V));
        }
        else
        {
            words.Add((Pick(Transitive), Tags.V));
            NounPhrase(words);
        }

        if (Chance(0.3)) words.Add((Pick(Adverbs), Tags.Adv));
        if (Chance(0.3))
        {
            words.Add((Pick(Prepositions), Tags.Prep));
            NounPhrase(words);
        }
    }

    private void Subject(List<(string, int)> words)
    {
        double u = _random.NextDouble();
        if (u < 0.25) words.Add((Pick(Pronouns), Tags.Nn));
        else if (u < 0.4) words.Add((Pick(Names), Tags.Nn));
        else NounPhrase(words);
    }

    private void NounPhrase(List<(string, int)> words)
    {
        if (Chance(0.15))
        {
            words.Add((Pick(Names), Tags.Nn));
            return;
        }

        words.Add((Pick(Determiners), Tags.Det));
        if (Chance(0.4)) words.Add((Pick(Adjectives), Tags.Adj));
        words.Add((Pick(Nouns), Tags.Nn));
    }

    /// <summary>Subject, optional adverb, verb, object: 我/nn 吃/v 苹果/nn, 她/nn 很/adv 喜欢/v 这个/det 老师/nn ...</summary>
    private void Chinese(List<(string, int)> words)
    {
        words.Add((Pick(ChineseNouns), Tags.Nn));
        if (Chance(0.3)) words.Add((Pick(ChineseAdverbs), Tags.Adv));
        words.Add((Pick(ChineseVerbs), Tags.V));
        if (Chance(0.2)) words.Add((Pick(ChineseDeterminers), Tags.Det));
        words.Add((Pick(ChineseNouns), Tags.Nn));
        if (Chance(0.5)) words.Add(("。", Tags.Punct));
    }

    private bool Chance(double p) => _random.NextDouble() < p;

    private string Pick(string[] items) => items[_random.NextInt32(items.Length)];
}
