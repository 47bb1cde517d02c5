namespace RnnGen.Generator.Emit;

/// <summary>One step at a time on a caller-held state: <c>Step</c>, and <c>Generate</c> for language models.</summary>
internal static class StreamingEmitter
{
    /// <summary>Generate exists for language models: tokens in, a distribution over the same tokens out.</summary>
    public static bool HasGenerate(EmitContext ctx) => ctx.Spec.TokenInput && ctx.Spec.Output == ctx.Spec.Vocab;

    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, M = ctx.MathClass;
        w.Lines($$"""
            /// <summary>h = cell(x, h) on a caller-held hidden row.</summary>
            private static void StepCore(ref {{T}} p, ref {{T}} w, ref {{T}} h, int token)
            {
                ref {{T}} next = ref Unsafe.Add(ref w, StepHidden);
                CellStep(ref h, ref Unsafe.Add(ref p, RecurrentWeights), ref next, ref Unsafe.Add(ref p, InputWeights + token * GateWidth), ref Unsafe.Add(ref p, InputBias), ref Unsafe.Add(ref p, RecurrentBias));
                CopyHidden(ref next, ref h);
            }

            /// <summary>Advances the state by one token and writes the head's Output values.</summary>
            public static void Step({{T}}[] parameters, {{T}}[] workspace, ref {{T}} h, int token, Span<{{T}}> output)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                StepCore(ref p, ref w, ref h, token);
                ref {{T}} logits = ref Unsafe.Add(ref w, StepLogits);
                HeadForward(ref h, ref Unsafe.Add(ref p, OutputWeights), ref logits, ref Unsafe.Add(ref p, OutputBias), 1);
                MemoryMarshal.CreateReadOnlySpan(ref logits, Output).CopyTo(output);
            }

            """);

        if (!HasGenerate(ctx))
        {
            return;
        }

        w.Lines($$"""
            /// <summary>Feeds the prompt, then samples and feeds back one token at a time.</summary>
            public static int Generate({{T}}[] parameters, {{T}}[] workspace, ReadOnlySpan<int> prompt, Span<int> destination, {{T}} temperature, ref RnnRandom random, int endToken, int avoidToken)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                ref {{T}} h = ref Unsafe.Add(ref w, GenerateState);
                MemoryMarshal.CreateSpan(ref h, HiddenPadded).Clear();
                foreach (int token in prompt)
                {
                    StepCore(ref p, ref w, ref h, token);
                }

                ref {{T}} logits = ref Unsafe.Add(ref w, StepLogits);
                int written = 0;
                while (written < destination.Length)
                {
                    HeadForward(ref h, ref Unsafe.Add(ref p, OutputWeights), ref logits, ref Unsafe.Add(ref p, OutputBias), 1);
                    int next = SampleToken(ref logits, temperature, ref random, avoidToken);
                    destination[written++] = next;
                    if (next == endToken)
                    {
                        break;
                    }

                    StepCore(ref p, ref w, ref h, next);
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
