using RnnGen.Generator.Emit.Kernels;

namespace RnnGen.Generator.Emit;

/// <summary>
/// Backpropagation through time, written beside the forward pass it differentiates: the head's
/// gradients for all steps at once, then the recurrence (full or truncated, chosen at generation
/// time), then the cell's parameter gradients for all steps at once.
/// </summary>
internal static class BackwardEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        w.Lines($$"""
            /// <summary>Forward, then adds the gradient of the summed loss into gradients; returns the loss.</summary>
            public static {{T}} Backward({{T}}[] parameters, {{T}}[] gradients, {{T}}[] workspace, ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} g = ref MemoryMarshal.GetArrayDataReference(gradients);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                int steps = inputs.Length;
                Recur(ref p, ref w, inputs);
                Head(ref p, ref w, steps);

                // Loss, and dLoss/dy_t in place of the logits.
                {{T}} loss = 0;
                for (int t = 0; t < steps; t++)
                {
                    loss += SoftmaxCrossEntropy(ref Unsafe.Add(ref w, Logits + t * OutputPadded), targets[t]);
                }

                // Head: dW_out += Σ_t h_t dy_tᵀ, db_out += Σ_t dy_t, dh_t = W_outᵀ dy_t.
                OutputWeightGrads(ref Unsafe.Add(ref w, States + HiddenPadded), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, OutputWeights), steps);
                SumOutputRows(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, OutputBias), steps);
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, HiddenGrads), steps * HiddenPadded).Clear();
                HiddenGradsFromHead(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref w, HiddenGrads), steps);

                // Through time: PreGrads row s = dLoss/dpre_s over every loss that reaches step s.
                Bptt(ref p, ref w, steps);

                // Cell parameters, all steps at once: dW_hh += Σ_s h_{s-1} δ_sᵀ, db_ih = db_hh += Σ_s δ_s, dW_ih[:, x_s] += δ_s.
                RecurrentWeightGrads(ref Unsafe.Add(ref w, States), ref Unsafe.Add(ref w, PreGrads), ref Unsafe.Add(ref g, RecurrentWeights), steps);
                SumGateRows(ref Unsafe.Add(ref w, PreGrads), ref Unsafe.Add(ref g, InputBias), steps);
                SumGateRows(ref Unsafe.Add(ref w, PreGrads), ref Unsafe.Add(ref g, RecurrentBias), steps);
                for (int s = 0; s < steps; s++)
                {
                    AddGateRow(ref Unsafe.Add(ref w, PreGrads + s * GateWidth), ref Unsafe.Add(ref g, InputWeights + inputs[s] * GateWidth));
                }

                return loss;
            }

            """);

        if (ctx.Layout.TruncatedBptt)
        {
            EmitTruncated(w, ctx);
        }
        else
        {
            EmitFull(w, ctx);
        }
    }

    private static void EmitFull(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        w.Lines($$"""
            /// <summary>
            /// Full BPTT: dLoss/dh_s = (head gradient at s) + W_hhᵀ δ_{s+1}, carried back through every step.
            /// </summary>
            private static void Bptt(ref {{T}} p, ref {{T}} w, int steps)
            {
                ref {{T}} recurrentWeights = ref Unsafe.Add(ref p, RecurrentWeights);
                ref {{T}} carry = ref Unsafe.Add(ref w, Carry);
                MemoryMarshal.CreateSpan(ref carry, HiddenPadded).Clear();
                for (int s = steps - 1; s >= 0; s--)
                {
                    ref {{T}} delta = ref Unsafe.Add(ref w, PreGrads + s * GateWidth);
                    AddHidden(ref Unsafe.Add(ref w, HiddenGrads + s * HiddenPadded), ref carry);
                    CellBackward(ref carry, ref Unsafe.Add(ref w, States + (s + 1) * HiddenPadded), ref delta);
                    if (s > 0)
                    {
                        MemoryMarshal.CreateSpan(ref carry, HiddenPadded).Clear();
                        RecurrentBackprop(ref delta, ref recurrentWeights, ref carry, 1);
                    }
                }
            }

            """);
    }

    private static void EmitTruncated(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        w.Lines($$"""
            /// <summary>
            /// Truncated BPTT, exactly the tutorial's bptt_truncate: the loss at step t reaches steps
            /// t, t-1, ..., t-Truncate and the state entering step t-Truncate is a constant. Window t
            /// keeps its own dLoss_t/dh_s in slot t % (Truncate + 1); the parameter gradients need only
            /// the sum over live windows, so δ_s is formed once per step.
            /// </summary>
            private static void Bptt(ref {{T}} p, ref {{T}} w, int steps)
            {
                ref {{T}} recurrentWeights = ref Unsafe.Add(ref p, RecurrentWeights);
                for (int s = steps - 1; s >= 0; s--)
                {
                    ref {{T}} h = ref Unsafe.Add(ref w, States + (s + 1) * HiddenPadded);
                    ref {{T}} delta = ref Unsafe.Add(ref w, PreGrads + s * GateWidth);

                    // Window s opens with the head's gradient at s.
                    CopyHidden(ref Unsafe.Add(ref w, HiddenGrads + s * HiddenPadded), ref Window(ref w, s));

                    // δ_s = (Σ over live windows t = s..s+Truncate of dLoss_t/dh_s) ⊙ act'(h_s).
                    int last = Math.Min(steps - 1, s + Truncate);
                    CopyHidden(ref Window(ref w, s), ref delta);
                    for (int t = s + 1; t <= last; t++)
                    {
                        AddHidden(ref Window(ref w, t), ref delta);
                    }

                    CellBackward(ref delta, ref h, ref delta);
                    if (s == 0)
                    {
                        break;
                    }

                    // Windows t = s..s+Truncate-1 go on to step s - 1; window s + Truncate ends here.
                    int going = Math.Min(steps - 1, s + Truncate - 1) - s + 1;
                    for (int i = 0; i < going; i++)
                    {
                        CellBackward(ref Window(ref w, s + i), ref h, ref Unsafe.Add(ref w, WindowPre + i * GateWidth));
                    }

                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, WindowNext), going * HiddenPadded).Clear();
                    RecurrentBackprop(ref Unsafe.Add(ref w, WindowPre), ref recurrentWeights, ref Unsafe.Add(ref w, WindowNext), going);
                    for (int i = 0; i < going; i++)
                    {
                        CopyHidden(ref Unsafe.Add(ref w, WindowNext + i * HiddenPadded), ref Window(ref w, s + i));
                    }
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static ref {{T}} Window(ref {{T}} w, int t) => ref Unsafe.Add(ref w, Windows + t % (Truncate + 1) * HiddenPadded);

            """);
    }

    public static BroadcastGemm OutputWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "OutputWeightGrads",
        Doc = "dW_out[j, :] += Σ_t h_t[j] · dy_t: a = h rows (A(j, t) = h_t[j]), b = dy rows, c = dW_out (input-major).",
        M = Dim.Const(ctx.Spec.Hidden),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.OutputPadded,
        AStrideM = 1,
        AStrideK = ctx.Layout.HiddenPadded,
        BStride = ctx.Layout.OutputPadded,
        CStride = ctx.Layout.OutputPadded,
    };

    public static DotGemm HiddenGradsFromHeadKernel(EmitContext ctx) => new()
    {
        Name = "HiddenGradsFromHead",
        Doc = "dh_t[j] += Σ_o dy_t[o] · W_out[j, o]: a = dy rows, b = W_out rows, c = dh rows.",
        M = Dim.Runtime("steps"),
        N = ctx.Spec.Hidden,
        K = ctx.Layout.OutputPadded,
        AStride = ctx.Layout.OutputPadded,
        BStride = ctx.Layout.OutputPadded,
        CStride = ctx.Layout.HiddenPadded,
    };

    public static DotGemm RecurrentBackpropKernel(EmitContext ctx) => new()
    {
        Name = "RecurrentBackprop",
        Doc = "dh_{s-1}[j] += Σ_i δ[i] · W_hh[j, i] for rows δ vectors: a = δ rows, b = W_hh rows, c = dh rows.",
        M = Dim.Runtime("rows"),
        N = ctx.Spec.Hidden,
        K = ctx.Layout.GateWidth,
        AStride = ctx.Layout.GateWidth,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.HiddenPadded,
    };

    public static BroadcastGemm RecurrentWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "RecurrentWeightGrads",
        Doc = "dW_hh[j, :] += Σ_s h_{s-1}[j] · δ_s: a = States from row 0 (A(j, s) = h_{s-1}[j]), b = δ rows, c = dW_hh.",
        M = Dim.Const(ctx.Spec.Hidden),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.GateWidth,
        AStrideM = 1,
        AStrideK = ctx.Layout.HiddenPadded,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
    };
}
