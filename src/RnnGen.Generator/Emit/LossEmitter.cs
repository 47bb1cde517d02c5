namespace RnnGen.Generator.Emit;

/// <summary>
/// The loss of one head row, in a loss-only form (Forward) and a form that also leaves dLoss/dy in
/// the row (Backward). Cross-entropy padding lanes hold -∞, adding exp(-∞) = 0 and getting zero
/// gradient; squared error touches only the Output real lanes, so padding stays zero.
/// </summary>
internal static class LossEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        if (ctx.CrossEntropy)
        {
            EmitCrossEntropy(w, ctx);
        }
        else
        {
            EmitSquaredError(w, ctx);
        }
    }

    private static void EmitSquaredError(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        w.Lines($$"""
            /// <summary>Σ_o (y[o] - target[o])².</summary>
            private static {{T}} SquaredError(ref {{T}} y, ref {{T}} target)
            {
                {{T}} loss = 0;
                for (int o = 0; o < Output; o++)
                {
                    {{T}} d = Unsafe.Add(ref y, o) - Unsafe.Add(ref target, o);
                    loss += d * d;
                }

                return loss;
            }

            /// <summary>Returns Σ_o (y[o] - target[o])² and replaces y by its gradient 2 (y - target).</summary>
            private static {{T}} SquaredErrorGradient(ref {{T}} y, ref {{T}} target)
            {
                {{T}} loss = 0;
                for (int o = 0; o < Output; o++)
                {
                    {{T}} d = Unsafe.Add(ref y, o) - Unsafe.Add(ref target, o);
                    loss += d * d;
                    Unsafe.Add(ref y, o) = 2 * d;
                }

                return loss;
            }

            """);
    }

    private static void EmitCrossEntropy(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, M = ctx.MathClass;

        w.Line("/// <summary>-log softmax(y)[target], computed as log Σ exp(y - max) + max - y[target].</summary>");
        using (w.Open($"private static {T} CrossEntropy(ref {T} y, int target)"))
        {
            w.Line($"{T} max, sum;");
            Simd.Branches(w, v => EmitMaxAndSum(w, ctx, v, store: false));
            w.Line($"return {M}.Log(sum) + max - Unsafe.Add(ref y, target);");
        }

        w.Line();
        w.Line("/// <summary>Returns -log softmax(y)[target] and replaces y by its gradient, softmax(y) - onehot(target).</summary>");
        using (w.Open($"private static {T} SoftmaxCrossEntropy(ref {T} y, int target)"))
        {
            w.Line($"{T} picked = Unsafe.Add(ref y, target);");
            w.Line($"{T} max, sum;");
            Simd.Branches(w, v =>
            {
                EmitMaxAndSum(w, ctx, v, store: true);
                w.Line($"var scale = {v.V}.Create({ctx.Lit(1)} / sum);");
                using (w.Open($"for (nuint i = 0; i < OutputPadded; i += (nuint){v.Of(T)}.Count)"))
                {
                    w.Line($"{v.V}.StoreUnsafe({v.V}.LoadUnsafe(ref y, i) * scale, ref y, i);");
                }
            });
            w.Line($"Unsafe.Add(ref y, target) -= {ctx.Lit(1)};");
            w.Line($"return {M}.Log(sum) + max - picked;");
        }

        w.Line();
        w.Line("/// <summary>The first index of the largest of the Output real logits (PyTorch's argmax tie rule).</summary>");
        using (w.Open($"private static int ArgMax(ref {T} y)"))
        {
            w.Line("int best = 0;");
            w.Line($"{T} max = y;");
            using (w.Open("for (int o = 1; o < Output; o++)"))
            {
                w.Line($"{T} value = Unsafe.Add(ref y, o);");
                using (w.Open("if (value > max)"))
                {
                    w.Line("max = value;");
                    w.Line("best = o;");
                }
            }

            w.Line("return best;");
        }

        w.Line();
    }

    private static void EmitMaxAndSum(CodeWriter w, EmitContext ctx, SimdWidth v, bool store)
    {
        string T = ctx.T, VT = v.Of(T);
        // Up to four running maxima and sums for a long row (8000 classes): one would make each vector wait for the
        // previous one's max or add (four cycles), which bounds such a row more than the loads or the exponentials
        // do (the tutorial step 0.5-3 % faster). A short row keeps one, and the source stays small.
        int vectors = ctx.Layout.OutputPadded / ctx.Lanes(v);
        int ways = !ctx.WideHead ? 1 : vectors % 4 == 0 ? 4 : vectors % 2 == 0 ? 2 : 1;
        string At(int j) => j == 0 ? "i" : $"i + {j} * (nuint){VT}.Count";
        string stride = ways == 1 ? $"(nuint){VT}.Count" : $"{ways} * (nuint){VT}.Count";
        for (int j = 0; j < ways; j++)
        {
            w.Line($"var top{j} = {v.V}.Create({T}.NegativeInfinity);");
        }

        using (w.Open($"for (nuint i = 0; i < OutputPadded; i += {stride})"))
        {
            for (int j = 0; j < ways; j++)
            {
                w.Line($"top{j} = {v.V}.Max(top{j}, {v.V}.LoadUnsafe(ref y, {At(j)}));");
            }
        }

        w.Line(ways switch
        {
            1 => "max = VectorMath.MaxAcross(top0);",
            2 => $"max = VectorMath.MaxAcross({v.V}.Max(top0, top1));",
            _ => $"max = VectorMath.MaxAcross({v.V}.Max({v.V}.Max(top0, top1), {v.V}.Max(top2, top3)));",
        });
        w.Line($"var shift = {v.V}.Create(max);");
        for (int j = 0; j < ways; j++)
        {
            w.Line($"var total{j} = {VT}.Zero;");
        }

        using (w.Open($"for (nuint i = 0; i < OutputPadded; i += {stride})"))
        {
            for (int j = 0; j < ways; j++)
            {
                w.Line($"var e{j} = VectorMath.Exp({v.V}.LoadUnsafe(ref y, {At(j)}) - shift);");
                if (store)
                {
                    w.Line($"{v.V}.StoreUnsafe(e{j}, ref y, {At(j)});");
                }

                w.Line($"total{j} += e{j};");
            }
        }

        w.Line(ways switch
        {
            1 => $"sum = {v.V}.Sum(total0);",
            2 => $"sum = {v.V}.Sum(total0 + total1);",
            _ => $"sum = {v.V}.Sum((total0 + total1) + (total2 + total3));",
        });
    }
}
