using RnnGen.Generator.Cells;
using RnnGen.Generator.Emit.Kernels;

namespace RnnGen.Generator.Emit;

/// <summary>
/// The forward pass over a whole sequence: the input projection (one product for all steps when
/// inputs are dense), the recurrence, the head (all steps at once unless the output feeds back),
/// the loss, and prediction.
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
                Recur(ref p, ref w, inputs, steps, ref state);
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
                Recur(ref p, ref w, inputs, steps, ref state);
                Head(ref p, ref w, steps);
                for (int r = 0; r < {{ctx.HeadRows}}; r++)
                {
                    {{store}}
                }
            }

            """);

        EmitRecur(w, ctx);
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

    /// <summary>Ref locals for the weights every step reads.</summary>
    public static void EmitWeightRefs(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        w.Line($"ref {T} recurrentWeights = ref Unsafe.Add(ref p, RecurrentWeights);");
        w.Line($"ref {T} inputBias = ref Unsafe.Add(ref p, InputBias);");
        w.Line($"ref {T} recurrentBias = ref Unsafe.Add(ref p, RecurrentBias);");
        if (ctx.FeedsBack)
        {
            w.Line($"ref {T} outputWeights = ref Unsafe.Add(ref p, OutputWeights);");
            w.Line($"ref {T} outputBias = ref Unsafe.Add(ref p, OutputBias);");
        }
    }

    private static void EmitRecur(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T, X = ctx.InputType;
        w.Line("/// <summary>");
        w.Line("/// Runs the recurrence: States row t + 1 receives h_t. Row 0 holds the state entering step 0: the");
        w.Line("/// caller's state (a constant for BPTT, like a detached state in PyTorch), or zero when state is a null ref;");
        w.Line("/// the caller's state then receives the state after the last step.");
        w.Line("/// </summary>");
        using (w.Open($"private static void Recur(ref {T} p, ref {T} w, ReadOnlySpan<{X}> inputs, int steps, ref {T} state)"))
        {
            EmitWeightRefs(w, ctx);
            w.Line("bool carried = !Unsafe.IsNullRef(ref state);");
            using (w.Open("if (carried)"))
            {
                foreach ((string rows, string offset, string width) in InitialStateRows(ctx))
                {
                    w.Line($"CopyRow(ref Unsafe.Add(ref state, {offset}), ref Unsafe.Add(ref w, {rows}), {width});");
                }
            }

            using (w.Open("else"))
            {
                foreach ((string rows, _, string width) in InitialStateRows(ctx))
                {
                    w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {rows}), {width}).Clear();");
                }
            }


            if (ctx.Dense)
            {
                w.Line("// W_ih x_t for every step at once: the input side does not depend on the recurrence.");
                w.Line("InputProjection(ref MemoryMarshal.GetReference(inputs), ref Unsafe.Add(ref p, InputWeights), ref Unsafe.Add(ref w, InputPart), steps);");
            }

            using (w.Open("for (int t = 0; t < steps; t++)"))
            {
                if (!ctx.Dense)
                {
                    w.Line("// One-hot input: W_ih x_t is row x_t of the input-major weights, a lookup.");
                }

                w.Line(ctx.Cell.Step(ctx, new StepRefs(
                    Previous: ctx.FeedsBack ? "Unsafe.Add(ref w, Feedback + t * OutputPadded)" : "Unsafe.Add(ref w, States + t * HiddenPadded)",
                    PreviousCell: "Unsafe.Add(ref w, Cells + t * HiddenPadded)",
                    Input: ctx.Dense ? "Unsafe.Add(ref w, InputPart + t * GateWidth)" : "Unsafe.Add(ref p, InputWeights + inputs[t] * GateWidth)",
                    Gates: "Unsafe.Add(ref w, Gates + t * GateWidth)",
                    HiddenPart: "Unsafe.Add(ref w, HiddenPart + t * HiddenPadded)",
                    Cell: "Unsafe.Add(ref w, Cells + (t + 1) * HiddenPadded)",
                    Hidden: "Unsafe.Add(ref w, States + (t + 1) * HiddenPadded)")));
                if (ctx.FeedsBack)
                {
                    w.Line("// y_t feeds step t + 1, so the head runs inside the recurrence.");
                    w.Line("HeadForward(ref Unsafe.Add(ref w, States + (t + 1) * HiddenPadded), ref outputWeights, ref Unsafe.Add(ref w, Feedback + (t + 1) * OutputPadded), ref outputBias, 1);");
                }
            }

            using (w.Open("if (carried)"))
            {
                foreach ((string rows, string offset, string width) in InitialStateRows(ctx))
                {
                    w.Line($"CopyRow(ref Unsafe.Add(ref w, {rows} + steps * {width}), ref Unsafe.Add(ref state, {offset}), {width});");
                }
            }
        }

        w.Line();
    }

    /// <summary>The parts of the streaming state and the workspace rows that hold them: (rows, offset in the state, width).</summary>
    private static (string Rows, string Offset, string Width)[] InitialStateRows(EmitContext ctx)
    {
        var rows = new System.Collections.Generic.List<(string, string, string)> { ("States", "0", "HiddenPadded") };
        if (ctx.Spec.Cell == Model.CellKind.Lstm)
        {
            rows.Add(("Cells", "StateCell", "HiddenPadded"));
        }

        if (ctx.FeedsBack)
        {
            rows.Add(("Feedback", "StateFeedback", "OutputPadded"));
        }

        return rows.ToArray();
    }

    private static void EmitHead(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        string what = ctx.LastStep ? "the last step" : "every step";
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
                string h = ctx.LastStep ? "States + steps * HiddenPadded" : "States + HiddenPadded";
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
