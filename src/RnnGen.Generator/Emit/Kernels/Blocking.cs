using System;

namespace RnnGen.Generator.Emit.Kernels;

/// <summary>
/// Cuts an extent into register-tile blocks, deciding at generation time whatever can be decided:
/// a constant extent becomes full blocks plus one smaller block for the remainder (no loop when
/// there is only one block); a run-time extent (the sequence length) becomes full blocks then
/// single units.
/// </summary>
internal static class Blocking
{
    /// <summary>
    /// Emits the blocks of <paramref name="count"/> units; <paramref name="tile"/> receives the block
    /// size in units and the C# expression of its first index (units times <paramref name="scale"/>).
    /// </summary>
    public static void Emit(CodeWriter w, string index, Dim count, int block, int scale, Action<int, string> tile)
    {
        if (count.IsConst)
        {
            int total = count.Value!.Value;
            int full = total / block, rest = total % block;
            if (full == 1 && rest == 0)
            {
                tile(block, "0");
            }
            else if (full == 1)
            {
                // Its own scope: the remainder block declares the same names.
                using (w.Open(""))
                {
                    tile(block, "0");
                }
            }
            else if (full > 1)
            {
                using (w.Open($"for (nuint {index} = 0; {index} < {full * block * scale}; {index} += {block * scale})"))
                {
                    tile(block, index);
                }
            }

            if (rest > 0)
            {
                using (w.Open(""))
                {
                    tile(rest, (full * block * scale).ToString());
                }
            }

            return;
        }

        if (scale != 1)
        {
            throw new ArgumentException("run-time extents count single elements", nameof(scale));
        }

        w.Line($"nuint {index} = 0;");
        if (block > 1)
        {
            using (w.Open($"for (; {index} + {block} <= {count.Bound}; {index} += {block})"))
            {
                tile(block, index);
            }
        }

        using (w.Open($"for (; {index} < {count.Bound}; {index}++)"))
        {
            tile(1, index);
        }
    }

    /// <summary><c>index + offset</c>, simplified when either is the literal 0 or both are literals.</summary>
    public static string Add(string index, int offset)
    {
        if (offset == 0) return index;
        if (index == "0") return offset.ToString();
        return int.TryParse(index, out int literal) ? (literal + offset).ToString() : $"{index} + {offset}";
    }

    /// <summary><c>index * stride</c>, simplified for 0 and 1.</summary>
    public static string Mul(string index, int stride)
    {
        if (stride == 0 || index == "0") return "0";
        if (stride == 1) return index;
        return int.TryParse(index, out int literal) ? (literal * stride).ToString() : $"{Parenthesise(index)} * {stride}";
    }

    /// <summary>A sum of terms with the zeros left out.</summary>
    public static string Sum(params string[] terms)
    {
        string result = "0";
        foreach (string term in terms)
        {
            if (term != "0")
            {
                result = result == "0" ? term : $"{result} + {term}";
            }
        }

        return result;
    }

    private static string Parenthesise(string expression) => expression.Contains(" ") ? $"({expression})" : expression;
}
