using RnnGen.Generator.Cells;
using RnnGen.Generator.Emit.Kernels;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>
/// Backpropagation through time, written beside the forward pass it differentiates: the losses'
/// gradients, the head's gradients for all steps at once, the walk back through the steps and the
/// layers (full, truncated, or the single window of a sequence-to-one loss, chosen at generation
/// time), and every layer's parameter gradients for all steps at once.
/// </summary>
/// <remarks>
/// Full BPTT walks back one layer at a time and hands each layer's input-side gradients for all steps
/// to the layer below in one product. Truncation needs the windows to stay apart across layers (a
/// window's gradient entering a lower layer may go back only to that window's first step), so the
/// truncated walk visits every layer at each step, with each live window carrying every layer's state
/// gradient. With output recurrence the head is part of the recurrence: the walk carries dy, and the
/// head's gradients follow it, from the total dy of each step.
/// </remarks>
internal static class BackwardEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType;
        Layout l = ctx.Layout;

        w.Line(ctx.FusedHeadUpdate
            ? "/// <summary>Forward, then adds the gradient of the summed loss into gradients (W_out's only when headWeights: SgdStep updates W_out itself); returns the loss.</summary>"
            : "/// <summary>Forward, then adds the gradient of the summed loss into gradients; returns the loss.</summary>");

        string headWeights = ctx.FusedHeadUpdate ? ", bool headWeights = true" : "";
        using (w.Open($"public static {T} Backward({T}[] parameters, {T}[] gradients, {T}[] workspace, ReadOnlySpan<{X}> inputs, ReadOnlySpan<{Y}> targets, int steps, ref {T} state{ctx.TeamParameter}{ctx.DropoutParameter}{headWeights})"))
        {
            w.Lines($$"""
                ref {{T}} p = ref global::RnnGen.Runtime.AlignedArray.Origin(parameters);
                ref {{T}} g = ref global::RnnGen.Runtime.AlignedArray.Origin(gradients);
                ref {{T}} w = ref global::RnnGen.Runtime.AlignedArray.Origin(workspace);
                Recur(ref p, ref w, inputs, steps, ref state{{ctx.TeamArgument}}{{ctx.DropoutArgument}});
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
                w.Line("// Head: dW_out += Σ h dyᵀ, db_out += Σ dy, and dh = W_outᵀ dy at the steps with a loss (zero elsewhere).");
                w.Line($"SumRows(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, OutputBias), {ctx.HeadRows}, OutputPadded);");
                foreach ((LayerLayout unit, string weights) in ctx.DirectionRows(l.Depth - 1, "OutputWeights", "OutputPadded"))
                {
                    string grads = unit["HiddenGrads"];
                    string at = ctx.LastStep ? $"{grads} + (steps - 1) * {ctx.HRow}" : grads;
                    using (w.Open("if (headWeights)"))
                    {
                        w.Line($"OutputWeightGrads(ref Unsafe.Add(ref w, {ForwardEmitter.HeadRows(ctx, unit)}), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref g, {weights}), {ctx.HeadRows});");
                    }

                    w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {grads}), steps * {ctx.HRow}).Clear();");
                    w.Line($"HiddenGradsFromHead(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, {weights}), ref Unsafe.Add(ref w, {at}), {ctx.HeadRows});");
                }

                w.Line();
            }
            else if (ctx.LastStep)
            {
                w.Lines("""
                    // The one dy sits at the last step; the walk back adds every step's row, so the others are zero.
                    CopyRow(ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref w, Logits + (steps - 1) * OutputPadded), OutputPadded);
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, Logits), (steps - 1) * OutputPadded).Clear();

                    """);
            }

            // A sequence-to-one loss is one window: truncation only shortens it.
            string first = ctx.LastStep && ctx.Spec.Truncate > 0 ? "Math.Max(0, steps - 1 - Truncate)" : "0";
            w.Lines($$"""
                // Through time{{(ctx.Stacked ? " and down the layers" : "")}}: InputGrads row s = dLoss/d(input side of step s), over every loss that reaches s.
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

            foreach (LayerLayout layer in l.Layers)
            {
                EmitParameterGradients(w, ctx, layer);
            }

            w.Line("return loss;");
        }

        w.Line();
        if (l.TruncatedBptt)
        {
            EmitTruncated(w, ctx);
        }
        else
        {
            EmitChain(w, ctx);
        }
    }

    private static string RecurrentGrads(EmitContext ctx, LayerLayout layer) => layer[ctx.Cell.SeparateRecurrentGrads ? "RecurrentGrads" : "InputGrads"];

    private static void EmitParameterGradients(CodeWriter w, EmitContext ctx, LayerLayout layer)
    {
        Layout l = ctx.Layout;
        string recurrentInputs = ctx.FeedsBack
            ? "Feedback + first * OutputPadded"
            : $"{layer["States"]} + {l.PreviousRow(layer, "first")} * {ctx.HRow}";
        string recurrentGrads = RecurrentGrads(ctx, layer), inputGrads = layer["InputGrads"];
        string of = ctx.Stacked || l.Bidirectional ? $"Layer {layer.Index}{(layer.Reverse ? " (reverse)" : "")}'s" : "Cell";
        // The sums are said once, at the first layer: repeated for each of a deep stack they would cost source budget.
        string sums = layer.Index == 0 ? ", all steps at once: dW_hh += Σ_s r_{s-1} δ_sᵀ, biases += Σ_s δ_s, dW_ih += Σ_s x_s δ_sᵀ" : ", the same";
        w.Lines($$"""
            // {{of}} parameters{{sums}}.
            RecurrentWeightGrads(ref Unsafe.Add(ref w, {{recurrentInputs}}), ref Unsafe.Add(ref w, {{recurrentGrads}} + first * GateWidth), ref Unsafe.Add(ref g, {{layer["RecurrentWeights"]}}), steps - first);
            SumRows(ref Unsafe.Add(ref w, {{inputGrads}} + first * GateWidth), ref Unsafe.Add(ref g, {{layer["InputBias"]}}), steps - first, GateWidth);
            SumRows(ref Unsafe.Add(ref w, {{recurrentGrads}} + first * GateWidth), ref Unsafe.Add(ref g, {{layer["RecurrentBias"]}}), steps - first, GateWidth);
            """);
        if (l.Projected)
        {
            w.Line($"ProjectionWeightGrads(ref Unsafe.Add(ref w, {layer["Unprojected"]} + first * HiddenPadded), ref Unsafe.Add(ref w, {layer["ProjectionGrads"]} + first * FeaturesPadded), ref Unsafe.Add(ref g, {layer["ProjectionWeights"]}), steps - first);");
        }

        if (layer.TokenInput)
        {
            using (w.Open("for (int s = first; s < steps; s++)"))
            {
                w.Line($"AddRow(ref Unsafe.Add(ref w, {inputGrads} + s * GateWidth), ref Unsafe.Add(ref g, {layer["InputWeights"]} + inputs[s] * GateWidth), GateWidth);");
            }
        }
        else if (layer.First)
        {
            w.Line($"InputWeightGrads(ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), first * Input), ref Unsafe.Add(ref w, {inputGrads} + first * GateWidth), ref Unsafe.Add(ref g, {layer["InputWeights"]}), steps - first);");
        }
        else
        {
            // The layer read the dropped rows (row t is step t) in this training call, or else the h rows below.
            foreach ((LayerLayout below, string weights) in ctx.DirectionRows(layer.Index - 1, layer["InputWeights"], "GateWidth"))
            {
                string rows = ctx.Dropout
                    ? $"{below["Dropped"]} + first * {ctx.HRow}"
                    : $"{below["States"]} + {l.HiddenRow(below, "first")} * {ctx.HRow}";
                w.Line($"LayerInputWeightGrads(ref Unsafe.Add(ref w, {rows}), ref Unsafe.Add(ref w, {inputGrads} + first * GateWidth), ref Unsafe.Add(ref g, {weights}), steps - first);");
            }
        }

        w.Line();
    }

    /// <summary>The head's gradient at step s enters the state gradient here: dh (into its first HiddenPadded entries) or dy.</summary>
    private static (string Row, string Width) IncomingGradient(EmitContext ctx, LayerLayout layer, string s) => ctx.FeedsBack
        ? ($"Logits + {s} * OutputPadded", "OutputPadded")
        : ($"{layer["HiddenGrads"]} + {s} * {ctx.HRow}", ctx.HRow);

    private static BackwardRefs Refs(EmitContext ctx, LayerLayout layer, string s, string state, string inputGrad, string recurrentGrad, string previous, string scratch, bool total = true) => new(
        State: state,
        Gates: $"Unsafe.Add(ref w, {layer["Gates"]} + {s} * GateWidth)",
        HiddenPart: $"Unsafe.Add(ref w, {layer["HiddenPart"]} + {s} * HiddenPadded)",
        Cell: $"Unsafe.Add(ref w, {layer["Cells"]} + {ctx.Layout.HiddenRow(layer, s)} * HiddenPadded)",
        PreviousCell: $"Unsafe.Add(ref w, {layer["Cells"]} + {ctx.Layout.PreviousRow(layer, s)} * HiddenPadded)",
        PreviousHidden: $"Unsafe.Add(ref w, {layer["States"]} + {ctx.Layout.PreviousRow(layer, s)} * {ctx.HRow})",
        Hidden: $"Unsafe.Add(ref w, {layer["States"]} + {ctx.Layout.HiddenRow(layer, s)} * {ctx.HRow})",
        ProjectionGrad: total && ctx.Layout.Projected ? $"Unsafe.Add(ref w, {layer["ProjectionGrads"]} + {s} * FeaturesPadded)" : "",
        Scratch: scratch,
        InputGrad: inputGrad,
        RecurrentGrad: recurrentGrad,
        PreviousState: previous);

    private static void EmitLayerLocals(CodeWriter w, EmitContext ctx, LayerLayout layer)
    {
        w.Line($"ref {ctx.T} recurrentWeights = ref Unsafe.Add(ref p, {layer["RecurrentWeights"]});");
        if (ctx.Layout.Projected)
        {
            w.Line($"ref {ctx.T} projectionWeights = ref Unsafe.Add(ref p, {layer["ProjectionWeights"]});");
        }

        if (ctx.FeedsBack)
        {
            w.Line($"ref {ctx.T} outputWeights = ref Unsafe.Add(ref p, OutputWeights);");
        }
    }

    /// <summary>
    /// One carried state gradient per layer, from the top layer down: full BPTT, or the single window
    /// of a sequence-to-one loss (steps first..steps-1 in every layer).
    /// </summary>
    private static void EmitChain(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        Layout l = ctx.Layout;
        w.Line("/// <summary>");
        w.Line(ctx.LastStep
            ? "/// The one loss at the last step, walked back to step first (all the way, or Truncate steps), layer by layer from the top."
            : "/// Full BPTT, layer by layer from the top: the state gradient at s is the gradient arriving at s plus what the next step sends back.");
        if (l.Bidirectional)
        {
            w.Line("/// A reverse direction's next step is the previous one in time, so its walk runs from the first step to the last.");
        }

        w.Line("/// </summary>");
        using (w.Open($"private static void Bptt(ref {T} p, ref {T} w, int steps, int first)"))
        {
            w.Line($"ref {T} carry = ref Unsafe.Add(ref w, Carry);");
            w.Line($"ref {T} next = ref Unsafe.Add(ref w, CarryNext);");
            for (int i = l.Depth - 1; i >= 0; i--)
            {
                if (ctx.Stacked || l.Bidirectional)
                {
                    w.Line($"// Layer {i}.");
                }

                foreach (LayerLayout layer in l.UnitsOf(i))
                {
                    EmitChainUnit(w, ctx, layer);
                }

                if (i > 0)
                {
                    EmitDown(w, ctx, i);
                }
            }
        }

        w.Line();
    }

    private static void EmitChainUnit(CodeWriter w, EmitContext ctx, LayerLayout layer)
    {
        using (w.Open(""))
        {
            EmitLayerLocals(w, ctx, layer);
            (string row, string width) = IncomingGradient(ctx, layer, "s");
            string recurrentGrads = RecurrentGrads(ctx, layer);
            w.Line("MemoryMarshal.CreateSpan(ref carry, StateGradientWidth).Clear();");
            using (w.Open(layer.Reverse ? "for (int s = first; s < steps; s++)" : "for (int s = steps - 1; s >= first; s--)"))
            {
                w.Line($"AddRow(ref Unsafe.Add(ref w, {row}), ref carry, {width});");
                if (ctx.FeedsBack)
                {
                    w.Line("CopyRow(ref carry, ref Unsafe.Add(ref w, Logits + s * OutputPadded), OutputPadded); // the total dy_s, for the head's gradients");
                }

                w.Line(ctx.Cell.Backward(ctx, Refs(ctx, layer, "s", "carry",
                    inputGrad: $"Unsafe.Add(ref w, {layer["InputGrads"]} + s * GateWidth)",
                    recurrentGrad: $"Unsafe.Add(ref w, {layer["RecurrentGrads"]} + s * GateWidth)",
                    previous: "next",
                    scratch: "Unsafe.Add(ref w, Scratch + GateWidth)")));
                using (w.Open(layer.Reverse ? "if (s < steps - 1)" : "if (s > first)"))
                {
                    w.Line($"RecurrentBackprop(ref Unsafe.Add(ref w, {recurrentGrads} + s * GateWidth), ref recurrentWeights, ref next, 1);");
                    w.Line("CopyRow(ref next, ref carry, StateGradientWidth);");
                }
            }
        }
    }

    /// <summary>dh of every unit below = W_ihᵀ δ of every unit of the layer (its part of W_ih), for all steps in one product each.</summary>
    private static void EmitDown(CodeWriter w, EmitContext ctx, int layerIndex)
    {
        Layout l = ctx.Layout;
        w.Line("// Down to the layer below: dh_s = W_ihᵀ δ_s for every step, one product per pair of directions.");
        foreach (LayerLayout below in l.UnitsOf(layerIndex - 1))
        {
            w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {below["HiddenGrads"]}), steps * {ctx.HRow}).Clear();");
        }

        foreach (LayerLayout unit in l.UnitsOf(layerIndex))
        {
            foreach ((LayerLayout below, string weights) in ctx.DirectionRows(layerIndex - 1, unit["InputWeights"], "GateWidth"))
            {
                w.Line($"LayerBackprop(ref Unsafe.Add(ref w, {unit["InputGrads"]} + first * GateWidth), ref Unsafe.Add(ref p, {weights}), ref Unsafe.Add(ref w, {below["HiddenGrads"]} + first * {ctx.HRow}), steps - first);");
            }
        }

        if (ctx.Dropout)
        {
            w.Line("// Through the dropout masks this call drew.");
            foreach (LayerLayout below in l.UnitsOf(layerIndex - 1))
            {
                w.Line($"MultiplyRow(ref Unsafe.Add(ref w, {below["Mask"]} + first * {ctx.HRow}), ref Unsafe.Add(ref w, {below["HiddenGrads"]} + first * {ctx.HRow}), (nuint)(steps - first) * {ctx.HRow});");
            }
        }
    }

    /// <summary>The ring of truncation windows, for a loss at every step with Truncate shorter than the sequence.</summary>
    private static void EmitTruncated(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        bool separate = ctx.Cell.SeparateRecurrentGrads;
        bool stacked = ctx.Stacked;
        LayerLayout top = ctx.Layout.Top;
        (string headRow, string headWidth) = IncomingGradient(ctx, top, "s");
        w.Lines("""
            /// <summary>
            /// Truncated BPTT, exactly the tutorial's bptt_truncate: the loss at step t reaches steps
            /// t, t-1, ..., t-Truncate in every layer, and the state entering step t-Truncate is a constant.
            /// Window t keeps every layer's state gradient in slot t % (Truncate + 1). A backward step is
            /// linear in it, so the parameter gradients need only the sum over live windows, one call per
            /// layer and step; each window separately goes back in time (while its window lasts) and down.
            /// </summary>
            """);
        using (w.Open($"private static void Bptt(ref {T} p, ref {T} w, int steps, int first)"))
        {
            w.Line($"ref {T} total = ref Unsafe.Add(ref w, Total);");
            using (w.Open("for (int s = steps - 1; s >= first; s--)"))
            {
                w.Line("int live = Math.Min(steps - 1, s + Truncate) - s + 1;    // windows t = s..s+live-1 reach step s");
                w.Line("int going = s == 0 ? 0 : Math.Min(live, Truncate);      // of which t = s..s+going-1 go on to s - 1");
                w.Line();
                w.Line($"// Window s opens: the head's gradient at s{(stacked ? " in the top layer, zero below" : "")}.");
                w.Line($"ref {T} opened = ref Window(ref w, s);");
                if (stacked || ctx.Layout.StateGradientWidth > (ctx.FeedsBack ? ctx.Layout.OutputPadded : ctx.Layout.FeaturesPadded))
                {
                    w.Line("MemoryMarshal.CreateSpan(ref opened, Layers * StateGradientWidth).Clear();");
                }

                string topPart = top.First ? "opened" : $"Unsafe.Add(ref opened, {top.Index} * StateGradientWidth)";
                w.Line($"CopyRow(ref Unsafe.Add(ref w, {headRow}), ref {topPart}, {headWidth});");
                for (int i = ctx.Layout.Layers.Count - 1; i >= 0; i--)
                {
                    EmitTruncatedLayer(w, ctx, ctx.Layout.Layers[i], separate);
                }
            }
        }

        w.Line();
        w.Line("/// <summary>Window t's state gradient in layer 0 (layer l at l * StateGradientWidth further).</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.Line($"private static ref {T} Window(ref {T} w, int t) => ref Unsafe.Add(ref w, Windows + t % (Truncate + 1) * (Layers * StateGradientWidth));");
        w.Line();
    }

    private static void EmitTruncatedLayer(CodeWriter w, EmitContext ctx, LayerLayout layer, bool separate)
    {
        string Part(string window) => layer.First ? window : $"Unsafe.Add(ref {window}, {layer.Index} * StateGradientWidth)";
        string windowAt = $"Window(ref w, s + i)";
        w.Line();
        if (ctx.Stacked)
        {
            w.Line($"// Layer {layer.Index}.");
        }

        using (w.Open(""))
        {
            EmitLayerLocals(w, ctx, layer);
            if (!layer.First)
            {
                w.Line($"ref {ctx.T} inputWeights = ref Unsafe.Add(ref p, {layer["InputWeights"]});");
            }

            if (layer.Index <= 1)
            {
                // Comments said at layers 0 and 1 only: a deep stack would repeat them per layer (the source budget binds there).
                w.Line("// Every live window's state gradient here is complete: their sum goes through the step once, for the parameters.");
            }

            w.Line($"CopyRow(ref {Part("Window(ref w, s)")}, ref total, StateGradientWidth);");
            using (w.Open("for (int i = 1; i < live; i++)"))
            {
                w.Line($"AddRow(ref {Part(windowAt)}, ref total, StateGradientWidth);");
            }

            if (ctx.FeedsBack)
            {
                w.Line("CopyRow(ref total, ref Unsafe.Add(ref w, Logits + s * OutputPadded), OutputPadded); // the total dy_s, for the head's gradients");
            }

            w.Line(ctx.Cell.Backward(ctx, Refs(ctx, layer, "s", "total",
                inputGrad: $"Unsafe.Add(ref w, {layer["InputGrads"]} + s * GateWidth)",
                recurrentGrad: $"Unsafe.Add(ref w, {layer["RecurrentGrads"]} + s * GateWidth)",
                previous: "Unsafe.Add(ref w, Scratch + GateWidth + HiddenPadded)",
                scratch: "Unsafe.Add(ref w, Scratch + GateWidth)")));

            string each = layer.First ? "going" : "live";
            if (layer.Index <= 1)
            {
                w.Line(layer.First
                    ? "// Each window that goes on, separately: back to step s - 1."
                    : "// Each live window separately: back to step s - 1 while its window lasts, and down to the layer below.");
            }

            using (w.Open($"for (int i = 0; i < {each}; i++)"))
            {
                w.Line(ctx.Cell.Backward(ctx, Refs(ctx, layer, "s", Part(windowAt),
                    inputGrad: "Unsafe.Add(ref w, WindowPre + i * GateWidth)",
                    recurrentGrad: separate ? "Unsafe.Add(ref w, WindowRecurrentPre + i * GateWidth)" : "Unsafe.Add(ref w, WindowPre + i * GateWidth)",
                    previous: layer.First ? "Unsafe.Add(ref w, WindowNext + i * StateGradientWidth)" : "Unsafe.Add(ref w, i < going ? WindowNext + i * StateGradientWidth : Scratch + GateWidth + HiddenPadded)",
                    scratch: "Unsafe.Add(ref w, Scratch + GateWidth)",
                    total: false)));
            }

            string recurrentPre = separate ? "WindowRecurrentPre" : "WindowPre";
            w.Line($"RecurrentBackprop(ref Unsafe.Add(ref w, {recurrentPre}), ref recurrentWeights, ref Unsafe.Add(ref w, WindowNext), going);");
            if (!layer.First)
            {
                string below = $"Unsafe.Add(ref Window(ref w, s + i), {layer.Index - 1} * StateGradientWidth)";
                w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, WindowDown), live * {ctx.HRow}).Clear();");
                w.Line("LayerBackprop(ref Unsafe.Add(ref w, WindowPre), ref inputWeights, ref Unsafe.Add(ref w, WindowDown), live);");
                using (w.Open("for (int i = 0; i < live; i++)"))
                {
                    string target = layer.Index - 1 == 0 ? "Window(ref w, s + i)" : below;
                    w.Line(ctx.Dropout
                        ? $"AddProductRow(ref Unsafe.Add(ref w, WindowDown + i * {ctx.HRow}), ref Unsafe.Add(ref w, {ctx.Layout.Layers[layer.Index - 1]["Mask"]} + s * {ctx.HRow}), ref {target}, {ctx.HRow}); // through this call's dropout mask"
                        : $"AddRow(ref Unsafe.Add(ref w, WindowDown + i * {ctx.HRow}), ref {target}, {ctx.HRow});");
                }
            }

            using (w.Open("for (int i = 0; i < going; i++)"))
            {
                w.Line($"CopyRow(ref Unsafe.Add(ref w, WindowNext + i * StateGradientWidth), ref {Part(windowAt)}, StateGradientWidth);");
            }
        }
    }

    public static BroadcastGemm OutputWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "OutputWeightGrads",
        Doc = "dW_out[j, :] += Σ_t h_t[j] · dy_t: a = h rows (A(j, t) = h_t[j]), b = dy rows, c = dW_out (input-major).",
        M = Dim.Const(ctx.Layout.Features),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.OutputPadded,
        AStrideM = 1,
        AStrideK = ctx.Layout.FeaturesPadded,
        BStride = ctx.Layout.OutputPadded,
        CStride = ctx.Layout.OutputPadded,
        CPanels = ctx.Layout.OutputPanels,
        WideTiles = ctx.WideHead,
    };

    public static DotGemm HiddenGradsFromHeadKernel(EmitContext ctx) => new()
    {
        Name = "HiddenGradsFromHead",
        Doc = "dh_t[j] += Σ_o dy_t[o] · W_out[j, o]: a = dy rows, b = W_out rows, c = dh rows.",
        M = Dim.Runtime("steps"),
        N = ctx.Layout.Features,
        K = ctx.Layout.OutputPadded,
        AStride = ctx.Layout.OutputPadded,
        BStride = ctx.Layout.OutputPadded,
        CStride = ctx.Layout.FeaturesPadded,
        BPanels = ctx.Layout.OutputPanels,
        WideTiles = ctx.WideHead,
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
        BPanels = ctx.Layout.RecurrentPanels,
        CStride = ctx.Layout.StateGradientWidth,
    };

    public static DotGemm LayerBackpropKernel(EmitContext ctx) => new()
    {
        Name = "LayerBackprop",
        Doc = "dh_below[j] += Σ_i δ[i] · W_ih[j, i] for rows δ vectors: a = input-side δ rows, b = W_ih rows, c = dh rows of the layer below.",
        M = Dim.Runtime("rows"),
        N = ctx.Layout.Features,
        K = ctx.Layout.GateWidth,
        AStride = ctx.Layout.GateWidth,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.FeaturesPadded,
    };

    public static BroadcastGemm RecurrentWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "RecurrentWeightGrads",
        Doc = "dW_hh[j, :] += Σ_s r_{s-1}[j] · δ_s: a = recurrent inputs from the window's first row, b = δ rows, c = dW_hh.",
        M = Dim.Const(ctx.Layout.RecurrentInputs),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.GateWidth,
        AStrideM = 1,
        AStrideK = ctx.FeedsBack ? ctx.Layout.OutputPadded : ctx.Layout.FeaturesPadded,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
        CPanels = ctx.Layout.RecurrentPanels,
    };

    public static BroadcastGemm ProjectionWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "ProjectionWeightGrads",
        Doc = "dW_hr[j, :] += Σ_s m_s[j] · dh_s: a = o ⊙ tanh(c) rows (A(j, s) = m_s[j]), b = dh rows, c = dW_hr (input-major).",
        M = Dim.Const(ctx.Spec.Hidden),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.FeaturesPadded,
        AStrideM = 1,
        AStrideK = ctx.Layout.HiddenPadded,
        BStride = ctx.Layout.FeaturesPadded,
        CStride = ctx.Layout.FeaturesPadded,
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

    public static BroadcastGemm LayerInputWeightGradsKernel(EmitContext ctx) => new()
    {
        Name = "LayerInputWeightGrads",
        Doc = "dW_ih[j, :] += Σ_s h_s[j] · δ_s for a layer above the first: a = the layer below's h rows, b = δ rows, c = dW_ih.",
        M = Dim.Const(ctx.Layout.Features),
        K = Dim.Runtime("steps"),
        N = ctx.Layout.GateWidth,
        AStrideM = 1,
        AStrideK = ctx.Layout.FeaturesPadded,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
    };
}
