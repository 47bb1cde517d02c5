using RnnGen.Generator.Cells;
using RnnGen.Generator.Emit.Kernels;

namespace RnnGen.Generator.Emit;

/// <summary>
/// Backpropagation through time, written beside the forward pass it differentiates: the losses'
/// gradients, the head's gradients for all steps at once, the walk back through the steps (full,
/// truncated, or the single window of a sequence-to-one loss, chosen at generation time), and the
/// cell's parameter gradients for all steps at once.
/// </summary>
/// <remarks>
/// With output recurrence the head is part of the recurrence: the walk back carries dy, and the
/// head's gradients follow it, from the total dy of each step.
/// </remarks>
internal static class BackwardEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType;
        string recurrentInputs = ctx.FeedsBack ? "Feedback + first * OutputPadded" : "States + first * HiddenPadded";
        string recurrentGrads = ctx.Cell.SeparateRecurrentGrads ? "RecurrentGrads" : "InputGrads";

        w.Line("/// <summary>Forward, then adds the gradient of the summed loss into gradients; returns the loss.</summary>");
        using (w.Open($"public static {T} Backward({T}[] parameters, {T}[] gradients, {T}[] workspace, ReadOnlySpan<{X}> inputs, ReadOnlySpan<{Y}> targets, int steps, ref {T} state)"))
        {
            w.Lines($$"""
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} g = ref MemoryMarshal.GetArrayDataReference(gradients);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                Recur(ref p, ref w, inputs, steps, ref state);
                Head(ref p, ref w, steps);

                // The loss, and dLoss/dy in place of the head's outputs.
                {{T}} loss = 0;
                for (int r = 0; r < {{ctx.HeadRows}}; r++)
                {
                    loss += {{ForwardEmitter.LossCall(ctx, gradient: true)}};
                }

                """);

            if (!ctx.FeedsBack)
            {
                string h = ctx.LastStep ? "States + steps * HiddenPadded" : "States + HiddenPadded";
                w.Lines($$"""
                    // Head: dW_out += Σ h dyᵀ, db_out += Σ dy, and dh = W_outᵀ dy for the walk back.
                    OutputWeightGrads(ref Unsafe.Add(ref w, {{h}}), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, OutputWeights), {{ctx.HeadRows}});
                    SumRows(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, OutputBias), {{ctx.HeadRows}}, OutputPadded);
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, HiddenGrads), {{ctx.HeadRows}} * HiddenPadded).Clear();
                    HiddenGradsFromHead(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref w, HiddenGrads), {{ctx.HeadRows}});

                    """);
            }

            // A sequence-to-one loss is one window: truncation only shortens it.
            string first = ctx.LastStep && ctx.Spec.Truncate > 0 ? "Math.Max(0, steps - 1 - Truncate)" : "0";
            w.Lines($$"""
                // Through time: InputGrads row s = dLoss/d(input side of step s), over every loss that reaches s.
                int first = {{first}};
                Bptt(ref p, ref w, steps, first);

                """);

            if (ctx.FeedsBack)
            {
                w.Lines("""
                    // Head, from the total dy of every step the walk reached.
                    OutputWeightGrads(ref Unsafe.Add(ref w, States + (first + 1) * HiddenPadded), ref Unsafe.Add(ref w, Logits + first * OutputPadded), ref Unsafe.Add(ref g, OutputWeights), steps - first);
                    SumRows(ref Unsafe.Add(ref w, Logits + first * OutputPadded), ref Unsafe.Add(ref g, OutputBias), steps - first, OutputPadded);

                    """);
            }

            w.Lines($$"""
                // Cell parameters, all steps at once: dW_hh += Σ_s r_{s-1} δ_sᵀ, biases += Σ_s δ_s, dW_ih += Σ_s x_s δ_sᵀ.
                RecurrentWeightGrads(ref Unsafe.Add(ref w, {{recurrentInputs}}), ref Unsafe.Add(ref w, {{recurrentGrads}} + first * GateWidth), ref Unsafe.Add(ref g, RecurrentWeights), steps - first);
                SumRows(ref Unsafe.Add(ref w, InputGrads + first * GateWidth), ref Unsafe.Add(ref g, InputBias), steps - first, GateWidth);
                SumRows(ref Unsafe.Add(ref w, {{recurrentGrads}} + first * GateWidth), ref Unsafe.Add(ref g, RecurrentBias), steps - first, GateWidth);
                """);
            if (ctx.Dense)
            {
                w.Line("InputWeightGrads(ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), first * Input), ref Unsafe.Add(ref w, InputGrads + first * GateWidth), ref Unsafe.Add(ref g, InputWeights), steps - first);");
            }
            else
            {
                using (w.Open("for (int s = first; s < steps; s++)"))
                {
                    w.Line("AddRow(ref Unsafe.Add(ref w, InputGrads + s * GateWidth), ref Unsafe.Add(ref g, InputWeights + inputs[s] * GateWidth), GateWidth);");
                }
            }

            w.Line("return loss;");
        }

        w.Line();
        if (ctx.Layout.TruncatedBptt)
        {
            EmitTruncated(w, ctx);
        }
        else
        {
            EmitChain(w, ctx);
        }
    }

    /// <summary>The head's gradient at step s enters the state gradient here: dh (into its first HiddenPadded entries) or dy.</summary>
    private static (string Row, string Width) HeadGradient(EmitContext ctx, string s) => ctx.FeedsBack
        ? ($"Logits + {s} * OutputPadded", "OutputPadded")
        : ($"HiddenGrads + {s} * HiddenPadded", "HiddenPadded");

    private static BackwardRefs Refs(EmitContext ctx, string s, string state, string inputGrad, string recurrentGrad, string previous, string scratch) => new(
        State: state,
        Gates: $"Unsafe.Add(ref w, Gates + {s} * GateWidth)",
        HiddenPart: $"Unsafe.Add(ref w, HiddenPart + {s} * HiddenPadded)",
        Cell: $"Unsafe.Add(ref w, Cells + ({s} + 1) * HiddenPadded)",
        PreviousCell: $"Unsafe.Add(ref w, Cells + {s} * HiddenPadded)",
        PreviousHidden: $"Unsafe.Add(ref w, States + {s} * HiddenPadded)",
        Hidden: $"Unsafe.Add(ref w, States + ({s} + 1) * HiddenPadded)",
        Scratch: scratch,
        InputGrad: inputGrad,
        RecurrentGrad: recurrentGrad,
        PreviousState: previous);

    private static void EmitLocals(CodeWriter w, EmitContext ctx)
    {
        w.Line($"ref {ctx.T} recurrentWeights = ref Unsafe.Add(ref p, RecurrentWeights);");
        if (ctx.FeedsBack)
        {
            w.Line($"ref {ctx.T} outputWeights = ref Unsafe.Add(ref p, OutputWeights);");
        }
    }

    /// <summary>One carried state gradient: full BPTT, or the single window of a sequence-to-one loss.</summary>
    private static void EmitChain(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        string recurrentGrads = ctx.Cell.SeparateRecurrentGrads ? "RecurrentGrads" : "InputGrads";
        (string headRow, string headWidth) = HeadGradient(ctx, "s");
        w.Line("/// <summary>");
        w.Line(ctx.LastStep
            ? "/// The one loss at the last step, walked back to step first (all the way, or Truncate steps)."
            : "/// Full BPTT: the state gradient at s is the head's gradient at s plus what step s + 1 sends back.");
        w.Line("/// </summary>");
        using (w.Open($"private static void Bptt(ref {T} p, ref {T} w, int steps, int first)"))
        {
            EmitLocals(w, ctx);
            w.Line($"ref {T} carry = ref Unsafe.Add(ref w, Carry);");
            w.Line($"ref {T} next = ref Unsafe.Add(ref w, CarryNext);");
            w.Line("MemoryMarshal.CreateSpan(ref carry, StateGradientWidth).Clear();");
            if (ctx.LastStep)
            {
                (string row0, _) = HeadGradient(ctx, "0");
                w.Line($"CopyRow(ref Unsafe.Add(ref w, {row0}), ref carry, {headWidth});");
            }

            using (w.Open("for (int s = steps - 1; s >= first; s--)"))
            {
                if (!ctx.LastStep)
                {
                    w.Line($"AddRow(ref Unsafe.Add(ref w, {headRow}), ref carry, {headWidth});");
                }

                if (ctx.FeedsBack)
                {
                    w.Line("CopyRow(ref carry, ref Unsafe.Add(ref w, Logits + s * OutputPadded), OutputPadded); // the total dy_s, for the head's gradients");
                }

                w.Line(ctx.Cell.Backward(ctx, Refs(ctx, "s", "carry",
                    inputGrad: "Unsafe.Add(ref w, InputGrads + s * GateWidth)",
                    recurrentGrad: "Unsafe.Add(ref w, RecurrentGrads + s * GateWidth)",
                    previous: "next",
                    scratch: "Unsafe.Add(ref w, Scratch + GateWidth)")));
                using (w.Open("if (s > first)"))
                {
                    w.Line($"RecurrentBackprop(ref Unsafe.Add(ref w, {recurrentGrads} + s * GateWidth), ref recurrentWeights, ref next, 1);");
                    w.Line("CopyRow(ref next, ref carry, StateGradientWidth);");
                }
            }
        }

        w.Line();
    }

    /// <summary>The ring of truncation windows, for a loss at every step with Truncate shorter than the sequence.</summary>
    private static void EmitTruncated(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        bool separate = ctx.Cell.SeparateRecurrentGrads;
        (string headRow, string headWidth) = HeadGradient(ctx, "s");
        w.Lines("""
            /// <summary>
            /// Truncated BPTT, exactly the tutorial's bptt_truncate: the loss at step t reaches steps
            /// t, t-1, ..., t-Truncate, and the state entering step t-Truncate is a constant. Window t
            /// keeps its own state gradient in slot t % (Truncate + 1); a backward step is linear in it,
            /// so the parameter gradients need only the sum over live windows, one call per step.
            /// </summary>
            """);
        using (w.Open($"private static void Bptt(ref {T} p, ref {T} w, int steps, int first)"))
        {
            EmitLocals(w, ctx);
            w.Line($"ref {T} total = ref Unsafe.Add(ref w, Total);");
            using (w.Open("for (int s = steps - 1; s >= first; s--)"))
            {
                w.Line("// Window s opens with the head's gradient at s.");
                w.Line($"ref {T} window = ref Window(ref w, s);");
                if (ctx.Layout.StateGradientWidth > (ctx.FeedsBack ? ctx.Layout.OutputPadded : ctx.Layout.HiddenPadded))
                {
                    // The LSTM's dc part starts at zero: the head reaches c only through h.
                    w.Line("MemoryMarshal.CreateSpan(ref window, StateGradientWidth).Clear();");
                }

                w.Line($"CopyRow(ref Unsafe.Add(ref w, {headRow}), ref window, {headWidth});");
                w.Line();
                w.Line("// The live windows t = s..s+Truncate, summed, go through step s once for the parameters.");
                w.Line("int last = Math.Min(steps - 1, s + Truncate);");
                w.Line("CopyRow(ref window, ref total, StateGradientWidth);");
                using (w.Open("for (int t = s + 1; t <= last; t++)"))
                {
                    w.Line("AddRow(ref Window(ref w, t), ref total, StateGradientWidth);");
                }

                if (ctx.FeedsBack)
                {
                    w.Line("CopyRow(ref total, ref Unsafe.Add(ref w, Logits + s * OutputPadded), OutputPadded); // the total dy_s, for the head's gradients");
                }

                w.Line(ctx.Cell.Backward(ctx, Refs(ctx, "s", "total",
                    inputGrad: "Unsafe.Add(ref w, InputGrads + s * GateWidth)",
                    recurrentGrad: "Unsafe.Add(ref w, RecurrentGrads + s * GateWidth)",
                    previous: "Unsafe.Add(ref w, Scratch + GateWidth + HiddenPadded)",
                    scratch: "Unsafe.Add(ref w, Scratch + GateWidth)")));
                using (w.Open("if (s == 0)"))
                {
                    w.Line("break;");
                }

                w.Line();
                w.Line("// Windows t = s..s+Truncate-1 go on to step s - 1; window s + Truncate ends here.");
                w.Line("int going = Math.Min(steps - 1, s + Truncate - 1) - s + 1;");
                using (w.Open("for (int i = 0; i < going; i++)"))
                {
                    w.Line(ctx.Cell.Backward(ctx, Refs(ctx, "s", "Window(ref w, s + i)",
                        inputGrad: separate ? "Unsafe.Add(ref w, Scratch)" : "Unsafe.Add(ref w, WindowPre + i * GateWidth)",
                        recurrentGrad: "Unsafe.Add(ref w, WindowPre + i * GateWidth)",
                        previous: "Unsafe.Add(ref w, WindowNext + i * StateGradientWidth)",
                        scratch: "Unsafe.Add(ref w, Scratch + GateWidth)")));
                }

                w.Line("RecurrentBackprop(ref Unsafe.Add(ref w, WindowPre), ref recurrentWeights, ref Unsafe.Add(ref w, WindowNext), going);");
                using (w.Open("for (int i = 0; i < going; i++)"))
                {
                    w.Line("CopyRow(ref Unsafe.Add(ref w, WindowNext + i * StateGradientWidth), ref Window(ref w, s + i), StateGradientWidth);");
                }
            }
        }

        w.Line();
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.Line($"private static ref {T} Window(ref {T} w, int t) => ref Unsafe.Add(ref w, Windows + t % (Truncate + 1) * StateGradientWidth);");
        w.Line();
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
        Doc = "dPrev[j] += Σ_i δ[i] · W_hh[j, i] for rows δ vectors: a = δ rows, b = W_hh rows, c = state-gradient rows.",
        M = Dim.Runtime("rows"),
        N = ctx.Layout.RecurrentInputs,
        K = ctx.Layout.GateWidth,
        AStride = ctx.Layout.GateWidth,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.StateGradientWidth,
    };

    public static BroadcastGemm RecurrentWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "RecurrentWeightGrads",
        Doc = "dW_hh[j, :] += Σ_s r_{s-1}[j] · δ_s: a = recurrent inputs from the window's first row, b = δ rows, c = dW_hh.",
        M = Dim.Const(ctx.Layout.RecurrentInputs),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.GateWidth,
        AStrideM = 1,
        AStrideK = ctx.FeedsBack ? ctx.Layout.OutputPadded : ctx.Layout.HiddenPadded,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
    };

    public static BroadcastGemm InputWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "InputWeightGrads",
        Doc = "dW_ih[j, :] += Σ_s x_s[j] · δ_s: a = dense inputs (A(j, s) = x_s[j]), b = δ rows, c = dW_ih (input-major).",
        M = Dim.Const(ctx.Spec.Input),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.GateWidth,
        AStrideM = 1,
        AStrideK = ctx.Spec.Input,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
    };
}
