using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace LanguageModel;

/// <summary>Turns text into sentences of words: the tutorial's tokenisation, without its NLTK dependency.</summary>
internal static partial class TextCorpus
{
    /// <summary>Sentences end at '.', '!' or '?' followed by white space, or at a blank line.</summary>
    public static List<List<string>> Sentences(string text)
    {
        var sentences = new List<List<string>>();
        foreach (string paragraph in BlankLine().Split(text))
        {
            foreach (string sentence in SentenceEnd().Split(paragraph))
            {
                List<string> words = Words(sentence);
                if (words.Count > 0) sentences.Add(words);
            }
        }

        return sentences;
    }

    /// <summary>Lower-case words (letters with inner apostrophes and hyphens), numbers, and each punctuation mark on its own.</summary>
    public static List<string> Words(string sentence) =>
        Word().Matches(sentence).Select(m => m.Value.ToLowerInvariant()).ToList();

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex BlankLine();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\p{L}[\p{L}\p{M}'’-]*|\p{N}+|[^\s\p{L}\p{N}]")]
    private static partial Regex Word();
}
