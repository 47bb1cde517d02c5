using RnnGen.Generator.Cells;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>
/// One step at a time on a caller-held state, the same equations as the sequence pass: Step, and
/// Generate for language models. The state row holds h, then c (LSTM), then y (output recurrence).
/// </summary>
internal static class StreamingEmitter
{
    /// <summary>Generate exists for language models: tokens in, a distribution over the same tokens out at every step.</summary>
    public static bool HasGenerate(EmitContext ctx) =>
        ctx.Streams && ctx.Spec.TokenInput && ctx.CrossEntropy && !ctx.LastStep && ctx.Spec.Output == ctx.Spec.Vocab;

    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        if (!ctx.Streams)
        {
            return;
        }

        string T = ctx.T;
        w.Line("/// <summary>state = cell(x, state) through every layer, where x is layer 0's W_ih x_t (a GateWidth row).</summary>");
        using (w.Open($"private static void StepCore(ref {T} p, ref {T} w, ref {T} state, ref {T} x)"))
        {
            w.Line($"ref {T} next = ref Unsafe.Add(ref w, StepState);");
            foreach (LayerLayout layer in ctx.Layout.Layers)
            {
                string prev = Part("state", layer), made = Part("next", layer);
                if (ctx.Stacked)
                {
                    w.Line($"// Layer {layer.Index}{(layer.First ? "" : ": its input is the new h of the layer below")}.");
                }

                using (w.Open(""))
                {
                    ForwardEmitter.EmitWeightRefs(w, ctx, layer, withHead: false);
                    string source = "x";
                    if (!layer.First)
                    {
                        w.Line($"LayerInputProjection(ref {Part("next", ctx.Layout.Layers[layer.Index - 1])}, ref Unsafe.Add(ref p, {layer["InputWeights"]}), ref Unsafe.Add(ref w, StepInputPart), 1);");
                        source = "Unsafe.Add(ref w, StepInputPart)";
                    }

                    w.Line(ctx.Cell.Step(ctx, new StepRefs(
                        Previous: ctx.FeedsBack ? "Unsafe.Add(ref state, StateFeedback)" : prev,
                        PreviousCell: $"Unsafe.Add(ref {prev}, StateCell)",
                        Input: source,
                        Gates: "Unsafe.Add(ref w, StepGates)",
                        HiddenPart: "Unsafe.Add(ref w, StepHiddenPart)",
                        Cell: $"Unsafe.Add(ref {made}, StateCell)",
                        Hidden: made,
                        Unprojected: "Unsafe.Add(ref w, StepUnprojected)")));
                }
            }

            if (ctx.FeedsBack)
            {
                w.Line("HeadForward(ref next, ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref next, StateFeedback), ref Unsafe.Add(ref p, OutputBias), 1);");
            }

            w.Line("CopyRow(ref next, ref state, StateLength);");
        }

        w.Line();
        w.Line("/// <summary>StepLogits = the head's outputs y for the current state.</summary>");
        using (w.Open($"private static void StepOutputs(ref {T} p, ref {T} w, ref {T} state)"))
        {
            w.Line(ctx.FeedsBack
                ? "CopyRow(ref Unsafe.Add(ref state, StateFeedback), ref Unsafe.Add(ref w, StepLogits), OutputPadded);"
                : $"HeadForward(ref {Part("state", ctx.Layout.Top)}, ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref w, StepLogits), ref Unsafe.Add(ref p, OutputBias), 1);");
        }

        w.Line();
        string input = ctx.Dense ? $"ReadOnlySpan<{T}> input" : "int token";
        w.Line("/// <summary>Advances the state by one input and writes the head's Output values.</summary>");
        using (w.Open($"public static void Step({T}[] parameters, {T}[] workspace, ref {T} state, {input}, Span<{T}> output)"))
        {
            w.Line($"ref {T} p = ref global::RnnGen.Runtime.AlignedArray.Origin(parameters);");
            w.Line($"ref {T} w = ref global::RnnGen.Runtime.AlignedArray.Origin(workspace);");
            if (ctx.Dense)
            {
                w.Line($"ref {T} x = ref Unsafe.Add(ref w, StepInputPart);");
                w.Line("InputProjection(ref MemoryMarshal.GetReference(input), ref Unsafe.Add(ref p, InputWeights), ref x, 1);");
                w.Line("StepCore(ref p, ref w, ref state, ref x);");
            }
            else
            {
                w.Line("StepCore(ref p, ref w, ref state, ref Unsafe.Add(ref p, InputWeights + token * GateWidth));");
            }

            w.Line("StepOutputs(ref p, ref w, ref state);");
            w.Line("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref w, StepLogits), Output).CopyTo(output);");
        }

        w.Line();
        if (HasGenerate(ctx))
        {
            EmitGenerate(w, ctx);
        }
    }

    /// <summary>A layer's part of a state row: the row itself for layer 0.</summary>
    private static string Part(string row, LayerLayout layer) => layer.First ? row : $"Unsafe.Add(ref {row}, {layer["State"]})";

    private static void EmitGenerate(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, M = ctx.MathClass;
        w.Lines($$"""
            /// <summary>Feeds the prompt, then samples and feeds back one token at a time.</summary>
            public static int Generate({{T}}[] parameters, {{T}}[] workspace, ref {{T}} state, ReadOnlySpan<int> prompt, Span<int> destination, {{T}} temperature, ref RnnRandom random, int endToken, int avoidToken)
            {
                ref {{T}} p = ref global::RnnGen.Runtime.AlignedArray.Origin(parameters);
                ref {{T}} w = ref global::RnnGen.Runtime.AlignedArray.Origin(workspace);
                foreach (int token in prompt)
                {
                    StepCore(ref p, ref w, ref state, ref Unsafe.Add(ref p, InputWeights + token * GateWidth));
                }

                ref {{T}} logits = ref Unsafe.Add(ref w, StepLogits);
                int written = 0;
                while (written < destination.Length)
                {
                    StepOutputs(ref p, ref w, ref state);
                    int next = SampleToken(ref logits, temperature, ref random, avoidToken);
                    destination[written++] = next;
                    if (next == endToken)
                    {
                        break;
                    }

                    StepCore(ref p, ref w, ref state, ref Unsafe.Add(ref p, InputWeights + next * GateWidth));
                }

                return written;
            }

            /// <summary>
            /// A class drawn from softmax(y / temperature), or the argmax when temperature is 0. The avoided
            /// class gets probability 0, which is the distribution of the tutorial's "resample until it is
            /// not the unknown token".
            /// </summary>
            private static int SampleToken(ref {{T}} y, {{T}} temperature, ref RnnRandom random, int avoidToken)
            {
                if ((uint)avoidToken < Output && Output > 1)
                {
                    Unsafe.Add(ref y, avoidToken) = {{T}}.NegativeInfinity;
                }

                if (temperature == 0)
                {
                    return ArgMax(ref y);
                }

                {{T}} max = {{T}}.NegativeInfinity;
                for (int o = 0; o < Output; o++)
                {
                    max = {{M}}.Max(max, Unsafe.Add(ref y, o));
                }

                {{T}} inverse = 1 / temperature;
                double sum = 0;
                for (int o = 0; o < Output; o++)
                {
                    {{T}} e = {{M}}.Exp((Unsafe.Add(ref y, o) - max) * inverse);
                    Unsafe.Add(ref y, o) = e;
                    sum += e;
                }

                double u = random.NextDouble() * sum;
                for (int o = 0; o < Output; o++)
                {
                    u -= Unsafe.Add(ref y, o);
                    if (u < 0)
                    {
                        return o;
                    }
                }

                // Rounding can leave u just above zero after the last class: take the last class with mass.
                for (int o = Output - 1; o > 0; o--)
                {
                    if (Unsafe.Add(ref y, o) > 0)
                    {
                        return o;
                    }
                }

                return 0;
            }

            """);
    }
}
