namespace PosTagger;

/// <summary>The tag set: the model's <c>Output</c> classes, in class-id order.</summary>
internal static class Tags
{
    public const int Det = 0, Adj = 1, Nn = 2, V = 3, Prep = 4, Adv = 5, Conj = 6, Punct = 7;

    public static readonly string[] Names = ["det", "adj", "nn", "v", "prep", "adv", "conj", "punct"];
}
