using System;
using System.Collections.Generic;

namespace RnnGen.Generator.Emit;

/// <summary>One hardware vector width of System.Runtime.Intrinsics.</summary>
internal sealed record SimdWidth(int Bits)
{
    /// <summary>The static class: <c>Vector512</c>, <c>Vector256</c> or <c>Vector128</c>.</summary>
    public string V => "Vector" + Bits;

    /// <summary>The vector type of <paramref name="t"/>, e.g. <c>Vector512&lt;float&gt;</c>.</summary>
    public string Of(string t) => $"{V}<{t}>";
}

/// <summary>
/// Emits the three-way width choice of vectorised code. <c>IsHardwareAccelerated</c> is a JIT-time
/// constant, so only one branch survives in the machine code. Vector128 comes last because it is
/// also the portable path: without SIMD hardware it still computes the same results in software.
/// Every loop bound is a padded constant, a whole number of vectors of every width, so no branch
/// has a tail.
/// </summary>
internal static class Simd
{
    public static readonly IReadOnlyList<SimdWidth> Widths = new[] { new SimdWidth(512), new SimdWidth(256), new SimdWidth(128) };

    public static void Branches(CodeWriter w, Action<SimdWidth> body)
    {
        for (int i = 0; i < Widths.Count; i++)
        {
            SimdWidth width = Widths[i];
            string header = i == 0 ? $"if ({width.V}.IsHardwareAccelerated)"
                : i < Widths.Count - 1 ? $"else if ({width.V}.IsHardwareAccelerated)"
                : "else";
            using (w.Open(header))
            {
                body(width);
            }
        }
    }

    /// <summary>
    /// A loop over <paramref name="count"/> elements (a constant multiple of every vector width) in
    /// steps of one vector; <paramref name="body"/> writes the statements for index <c>i</c>.
    /// </summary>
    public static void Loop(CodeWriter w, EmitContext ctx, string count, Action<SimdWidth> body) =>
        Branches(w, width =>
        {
            using (w.Open($"for (nuint i = 0; i < {count}; i += (nuint){width.Of(ctx.T)}.Count)"))
            {
                body(width);
            }
        });

    /// <summary>An element-wise method: one loop over a padded row.</summary>
    public static void ElementwiseMethod(CodeWriter w, EmitContext ctx, string doc, string signature, string count, Action<SimdWidth> body)
    {
        w.Line($"/// <summary>{doc}</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Open($"private static void {signature}"))
        {
            Loop(w, ctx, count, body);
        }

        w.Line();
    }
}
