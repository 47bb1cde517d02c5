using RnnGen.Generator.Emit.Kernels;

namespace RnnGen.Generator.Emit;

/// <summary>The forward pass over a whole sequence: recurrence, head for all steps at once, loss, prediction.</summary>
internal static class ForwardEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        bool padded = ctx.Layout.OutputPadded > ctx.Spec.Output;

        w.Lines($$"""
            /// <summary>Sum of the per-step cross-entropy losses; no gradient work.</summary>
            public static {{T}} Forward({{T}}[] parameters, {{T}}[] workspace, ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                Recur(ref p, ref w, inputs);
                Head(ref p, ref w, inputs.Length);
                {{T}} loss = 0;
                for (int t = 0; t < inputs.Length; t++)
                {
                    loss += CrossEntropy(ref Unsafe.Add(ref w, Logits + t * OutputPadded), targets[t]);
                }

                return loss;
            }

            /// <summary>classes[t] = argmax_o y_t[o].</summary>
            public static void Predict({{T}}[] parameters, {{T}}[] workspace, ReadOnlySpan<int> inputs, Span<int> classes)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                Recur(ref p, ref w, inputs);
                Head(ref p, ref w, inputs.Length);
                for (int t = 0; t < inputs.Length; t++)
                {
                    classes[t] = ArgMax(ref Unsafe.Add(ref w, Logits + t * OutputPadded));
                }
            }

            /// <summary>Runs the recurrence over the inputs: States row t + 1 receives h_t (row 0 is h_{-1} = 0).</summary>
            private static void Recur(ref {{T}} p, ref {{T}} w, ReadOnlySpan<int> inputs)
            {
                ref {{T}} recurrentWeights = ref Unsafe.Add(ref p, RecurrentWeights);
                ref {{T}} inputBias = ref Unsafe.Add(ref p, InputBias);
                ref {{T}} recurrentBias = ref Unsafe.Add(ref p, RecurrentBias);
                for (int t = 0; t < inputs.Length; t++)
                {
                    // One-hot input: W_ih x_t is row x_t of the input-major weights, a lookup.
                    CellStep(
                        ref Unsafe.Add(ref w, States + t * HiddenPadded),
                        ref recurrentWeights,
                        ref Unsafe.Add(ref w, States + (t + 1) * HiddenPadded),
                        ref Unsafe.Add(ref p, InputWeights + inputs[t] * GateWidth),
                        ref inputBias,
                        ref recurrentBias);
                }
            }

            /// <summary>The head for every step at once (the recurrence does not depend on it): Logits row t = b_out + W_out h_t.</summary>
            private static void Head(ref {{T}} p, ref {{T}} w, int steps)
            {
                HeadForward(ref Unsafe.Add(ref w, States + HiddenPadded), ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, OutputBias), steps);
            """);
        if (padded)
        {
            w.Lines($$"""
                    // Padding lanes take no part in the softmax.
                    for (int t = 0; t < steps; t++)
                    {
                        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, Logits + t * OutputPadded + Output), OutputPadded - Output).Fill({{T}}.NegativeInfinity);
                    }
                """);
        }

        w.Line("}");
        w.Line();
    }

    public static BroadcastGemm HeadKernel(EmitContext ctx) => new()
    {
        Name = "HeadForward",
        Doc = "y_t = b_out + Σ_j h_t[j] · W_out[j, :] for steps rows: a = h rows, b = W_out (input-major), c = y rows.",
        M = Dim.Runtime("steps"),
        K = Dim.Const(ctx.Spec.Hidden),
        N = ctx.Layout.OutputPadded,
        AStrideM = ctx.Layout.HiddenPadded,
        AStrideK = 1,
        BStride = ctx.Layout.OutputPadded,
        CStride = ctx.Layout.OutputPadded,
        ExtraParameters = new[] { $"ref {ctx.T} bias" },
        Prologue = (width, _, offset) => $"{width.V}.LoadUnsafe(ref bias, {offset})",
    };
}
