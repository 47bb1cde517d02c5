using System.Collections.Generic;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Emit.Kernels;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emit;

/// <summary>
/// The forward pass over a whole sequence, layer after layer: each layer's input side is one product
/// for all steps (dense inputs, or the layer below), then its recurrence; then the head (all steps at
/// once unless the output feeds back), the loss, and prediction.
/// </summary>
internal static class ForwardEmitter
{
    public static void Emit(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType, Y = ctx.TargetType;
        w.Lines($$"""
            /// <summary>The summed loss of a checked sequence; no gradient work.</summary>
            public static {{T}} Forward({{T}}[] parameters, {{T}}[] workspace, ReadOnlySpan<{{X}}> inputs, ReadOnlySpan<{{Y}}> targets, int steps, ref {{T}} state)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                Recur(ref p, ref w, inputs, steps, ref state{{(ctx.Dropout ? ", ref Unsafe.NullRef<RnnRandom>()" : "")}});
                Head(ref p, ref w, steps);
                {{T}} loss = 0;
                for (int r = 0; r < {{ctx.HeadRows}}; r++)
                {
                    loss += {{LossCall(ctx, gradient: false)}};
                }

                return loss;
            }

            """);

        string destination = ctx.CrossEntropy ? "Span<int> classes" : $"Span<{T}> outputs";
        string store = ctx.CrossEntropy
            ? "classes[r] = ArgMax(ref Unsafe.Add(ref w, Logits + r * OutputPadded));"
            : "MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref w, Logits + r * OutputPadded), Output).CopyTo(outputs.Slice(r * Output));";
        w.Lines($$"""
            /// <summary>The head's {{(ctx.CrossEntropy ? "most likely class" : "outputs")}} for {{(ctx.LastStep ? "the last step" : "every step")}}.</summary>
            public static void Predict({{T}}[] parameters, {{T}}[] workspace, ReadOnlySpan<{{X}}> inputs, int steps, {{destination}}, ref {{T}} state)
            {
                ref {{T}} p = ref MemoryMarshal.GetArrayDataReference(parameters);
                ref {{T}} w = ref MemoryMarshal.GetArrayDataReference(workspace);
                Recur(ref p, ref w, inputs, steps, ref state{{(ctx.Dropout ? ", ref Unsafe.NullRef<RnnRandom>()" : "")}});
                Head(ref p, ref w, steps);
                for (int r = 0; r < {{ctx.HeadRows}}; r++)
                {
                    {{store}}
                }
            }

            """);

        EmitRecur(w, ctx);
        EmitDrop(w, ctx);
        EmitHead(w, ctx);
    }

    /// <summary>The loss of head row r (and, for the gradient form, dLoss/dy in its place).</summary>
    public static string LossCall(EmitContext ctx, bool gradient)
    {
        string row = "ref Unsafe.Add(ref w, Logits + r * OutputPadded)";
        if (ctx.CrossEntropy)
        {
            string target = ctx.LastStep ? "targets[0]" : "targets[r]";
            return $"{(gradient ? "SoftmaxCrossEntropy" : "CrossEntropy")}({row}, {target})";
        }

        string values = ctx.LastStep ? "ref MemoryMarshal.GetReference(targets)" : "ref Unsafe.Add(ref MemoryMarshal.GetReference(targets), r * Output)";
        return $"{(gradient ? "SquaredErrorGradient" : "SquaredError")}({row}, {values})";
    }

    /// <summary>Ref locals for the weights every step of a layer reads.</summary>
    public static void EmitWeightRefs(CodeWriter w, EmitContext ctx, LayerLayout layer, bool withHead = true)
    {
        string T = ctx.T;
        w.Line($"ref {T} recurrentWeights = ref Unsafe.Add(ref p, {layer["RecurrentWeights"]});");
        w.Line($"ref {T} inputBias = ref Unsafe.Add(ref p, {layer["InputBias"]});");
        w.Line($"ref {T} recurrentBias = ref Unsafe.Add(ref p, {layer["RecurrentBias"]});");
        if (ctx.Layout.Projected)
        {
            w.Line($"ref {T} projectionWeights = ref Unsafe.Add(ref p, {layer["ProjectionWeights"]});");
        }

        if (ctx.FeedsBack && withHead)
        {
            w.Line($"ref {T} outputWeights = ref Unsafe.Add(ref p, OutputWeights);");
            w.Line($"ref {T} outputBias = ref Unsafe.Add(ref p, OutputBias);");
        }
    }

    /// <summary>The forward step of one layer at step t, reading and writing that layer's rows.</summary>
    public static StepRefs StepAt(EmitContext ctx, LayerLayout layer, string input) => new(
        Previous: ctx.FeedsBack ? "Unsafe.Add(ref w, Feedback + t * OutputPadded)" : $"Unsafe.Add(ref w, {layer["States"]} + t * {ctx.HRow})",
        PreviousCell: $"Unsafe.Add(ref w, {layer["Cells"]} + t * HiddenPadded)",
        Input: input,
        Gates: $"Unsafe.Add(ref w, {layer["Gates"]} + t * GateWidth)",
        HiddenPart: $"Unsafe.Add(ref w, {layer["HiddenPart"]} + t * HiddenPadded)",
        Cell: $"Unsafe.Add(ref w, {layer["Cells"]} + (t + 1) * HiddenPadded)",
        Hidden: $"Unsafe.Add(ref w, {layer["States"]} + (t + 1) * {ctx.HRow})",
        Unprojected: $"Unsafe.Add(ref w, {layer["Unprojected"]} + t * HiddenPadded)");

    /// <summary>The state rows a call starts from and ends with: (workspace rows, offset in the state, width).</summary>
    public static IEnumerable<(string Rows, string Offset, string Width)> StateRows(EmitContext ctx)
    {
        foreach (LayerLayout layer in ctx.Layout.Layers)
        {
            string offset = layer.First ? "0" : layer["State"];
            yield return (layer["States"], offset, ctx.HRow);
            if (ctx.Spec.Cell == CellKind.Lstm)
            {
                yield return (layer["Cells"], layer.First ? "StateCell" : $"{offset} + StateCell", "HiddenPadded");
            }
        }

        if (ctx.FeedsBack)
        {
            yield return ("Feedback", "StateFeedback", "OutputPadded");
        }
    }

    private static void EmitRecur(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType;
        w.Line("/// <summary>");
        w.Line("/// Runs the recurrence, layer after layer: States row t + 1 receives h_t. Row 0 holds the state entering");
        w.Line("/// step 0: the caller's state (a constant for BPTT, like a detached state in PyTorch), or zero when state");
        w.Line("/// is a null ref; the caller's state then receives the state after the last step.");
        w.Line("/// </summary>");
        if (ctx.Dropout)
        {
            w.Line("/// Training calls pass dropout's random source, and each layer above the first then reads its input through a");
            w.Line("/// fresh mask; inference passes a null ref and nothing is dropped.");
        }

        using (w.Open($"private static void Recur(ref {T} p, ref {T} w, ReadOnlySpan<{X}> inputs, int steps, ref {T} state{ctx.DropoutParameter})"))
        {
            w.Line("bool carried = !Unsafe.IsNullRef(ref state);");
            using (w.Open("if (carried)"))
            {
                foreach ((string rows, string offset, string width) in StateRows(ctx))
                {
                    w.Line($"CopyRow(ref Unsafe.Add(ref state, {offset}), ref Unsafe.Add(ref w, {rows}), {width});");
                }
            }

            using (w.Open("else"))
            {
                foreach ((string rows, _, string width) in StateRows(ctx))
                {
                    w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {rows}), {width}).Clear();");
                }
            }

            w.Line();
            foreach (LayerLayout layer in ctx.Layout.Layers)
            {
                EmitLayer(w, ctx, layer);
            }

            using (w.Open("if (carried)"))
            {
                foreach ((string rows, string offset, string width) in StateRows(ctx))
                {
                    w.Line($"CopyRow(ref Unsafe.Add(ref w, {rows} + steps * {width}), ref Unsafe.Add(ref state, {offset}), {width});");
                }
            }
        }

        w.Line();
    }

    private static void EmitLayer(CodeWriter w, EmitContext ctx, LayerLayout layer)
    {
        if (ctx.Layout.Layers.Count > 1)
        {
            w.Line($"// Layer {layer.Index}.");
        }

        using (w.Open(""))
        {
            EmitWeightRefs(w, ctx, layer);
            string input;
            if (layer.TokenInput)
            {
                input = $"Unsafe.Add(ref p, {layer["InputWeights"]} + inputs[t] * GateWidth)";
            }
            else
            {
                string source = layer.First ? "MemoryMarshal.GetReference(inputs)" : "below";
                if (!layer.First)
                {
                    w.Line($"ref {ctx.T} below = ref Unsafe.Add(ref w, {ctx.Layout.Layers[layer.Index - 1]["States"]} + {ctx.HRow});");
                    if (ctx.Dropout)
                    {
                        using (w.Open("if (!Unsafe.IsNullRef(ref dropout))"))
                        {
                            w.Line($"below = ref Drop(ref below, ref Unsafe.Add(ref w, {layer["Mask"]}), ref Unsafe.Add(ref w, {layer["Dropped"]}), steps, ref dropout);");
                        }
                    }
                }

                w.Line(layer.First
                    ? "// W_ih x_t for every step at once: the input side does not depend on the recurrence."
                    : "// W_ih h_t of the layer below for every step at once.");
                w.Line($"{(layer.First ? "InputProjection" : "LayerInputProjection")}(ref {source}, ref Unsafe.Add(ref p, {layer["InputWeights"]}), ref Unsafe.Add(ref w, {layer["InputPart"]}), steps);");
                input = $"Unsafe.Add(ref w, {layer["InputPart"]} + t * GateWidth)";
            }

            using (w.Open("for (int t = 0; t < steps; t++)"))
            {
                if (layer.TokenInput)
                {
                    w.Line("// One-hot input: W_ih x_t is row x_t of the input-major weights, a lookup.");
                }

                w.Line(ctx.Cell.Step(ctx, StepAt(ctx, layer, input)));
                if (ctx.FeedsBack)
                {
                    w.Line("// y_t feeds step t + 1, so the head runs inside the recurrence.");
                    w.Line("HeadForward(ref Unsafe.Add(ref w, States + (t + 1) * HiddenPadded), ref outputWeights, ref Unsafe.Add(ref w, Feedback + (t + 1) * OutputPadded), ref outputBias, 1);");
                }
            }
        }

        w.Line();
    }

    /// <summary>Draws a dropout mask for a layer's input and applies it (training calls only).</summary>
    public static void EmitDrop(CodeWriter w, EmitContext ctx)
    {
        if (!ctx.Dropout)
        {
            return;
        }

        string T = ctx.T;
        w.Lines($$"""
            /// <summary>
            /// Inverted dropout of h rows: each value is kept with probability 1 - Dropout and scaled by
            /// 1 / (1 - Dropout), so its expectation is unchanged. Returns the dropped rows.
            /// </summary>
            private static ref {{T}} Drop(ref {{T}} h, ref {{T}} mask, ref {{T}} dropped, int steps, ref RnnRandom random)
            {
                for (int t = 0; t < steps; t++)
                {
                    for (int j = 0; j < {{(ctx.Layout.Projected ? "Features" : "Hidden")}}; j++)
                    {
                        {{T}} keep = random.NextDouble() >= Dropout ? DropScale : 0;
                        Unsafe.Add(ref mask, t * {{ctx.HRow}} + j) = keep;
                        Unsafe.Add(ref dropped, t * {{ctx.HRow}} + j) = keep * Unsafe.Add(ref h, t * {{ctx.HRow}} + j);
                    }
                }

                return ref dropped;
            }

            """);
    }

    private static void EmitHead(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        string what = ctx.LastStep ? "the last step" : "every step";
        string top = ctx.Layout.Top["States"];
        w.Line($"/// <summary>Logits rows receive the head's outputs y for {what}.</summary>");
        using (w.Open($"private static void Head(ref {T} p, ref {T} w, int steps)"))
        {
            if (ctx.FeedsBack)
            {
                w.Line(ctx.LastStep
                    ? "CopyRow(ref Unsafe.Add(ref w, Feedback + steps * OutputPadded), ref Unsafe.Add(ref w, Logits), OutputPadded);"
                    : "MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref w, Feedback + OutputPadded), steps * OutputPadded).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, Logits), steps * OutputPadded));");
            }
            else
            {
                string h = ctx.LastStep ? $"{top} + steps * {ctx.HRow}" : $"{top} + {ctx.HRow}";
                w.Line(ctx.LastStep ? "// Sequence-to-one: the head reads only the last state." : "// All steps at once: the recurrence does not depend on the head.");
                w.Line($"HeadForward(ref Unsafe.Add(ref w, {h}), ref Unsafe.Add(ref p, OutputWeights), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, OutputBias), {ctx.HeadRows});");
            }

            if (ctx.CrossEntropy && ctx.Layout.OutputPadded > ctx.Spec.Output)
            {
                w.Line("// Padding lanes take no part in the softmax.");
                using (w.Open($"for (int r = 0; r < {ctx.HeadRows}; r++)"))
                {
                    w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, Logits + r * OutputPadded + Output), OutputPadded - Output).Fill({T}.NegativeInfinity);");
                }
            }
        }

        w.Line();
    }

    public static BroadcastGemm InputProjectionKernel(EmitContext ctx) => new()
    {
        Name = "InputProjection",
        Doc = "c_t = Σ_j x_t[j] · W_ih[j, :] for steps rows: a = dense inputs [steps, Input], b = W_ih (input-major), c = rows of GateWidth.",
        M = Dim.Runtime("steps"),
        K = Dim.Const(ctx.Spec.Input),
        N = ctx.Layout.GateWidth,
        AStrideM = ctx.Spec.Input,
        AStrideK = 1,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
        Prologue = (width, _, _) => $"{width.Of(ctx.T)}.Zero",
    };

    public static BroadcastGemm LayerInputProjectionKernel(EmitContext ctx) => new()
    {
        Name = "LayerInputProjection",
        Doc = "c_t = Σ_j h_t[j] · W_ih[j, :] for steps rows: a = the layer below's h rows, b = W_ih (input-major), c = rows of GateWidth.",
        M = Dim.Runtime("steps"),
        K = Dim.Const(ctx.Layout.Features),
        N = ctx.Layout.GateWidth,
        AStrideM = ctx.Layout.FeaturesPadded,
        AStrideK = 1,
        BStride = ctx.Layout.GateWidth,
        CStride = ctx.Layout.GateWidth,
        Prologue = (width, _, _) => $"{width.Of(ctx.T)}.Zero",
    };

    public static BroadcastGemm HeadKernel(EmitContext ctx) => new()
    {
        Name = "HeadForward",
        Doc = "y_t = b_out + Σ_j h_t[j] · W_out[j, :] for steps rows: a = h rows, b = W_out (input-major), c = y rows.",
        M = Dim.Runtime("steps"),
        K = Dim.Const(ctx.Layout.Features),
        N = ctx.Layout.OutputPadded,
        AStrideM = ctx.Layout.FeaturesPadded,
        AStrideK = 1,
        BStride = ctx.Layout.OutputPadded,
        CStride = ctx.Layout.OutputPadded,
        ExtraParameters = new[] { $"ref {ctx.T} bias" },
        Prologue = (width, _, offset) => $"{width.V}.LoadUnsafe(ref bias, {offset})",
    };
}
