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
            public static {{T}} Forward({{T}}[] parameters, {{T}}[] workspace, ReadOnlySpan<{{X}}> inputs, ReadOnlySpan<{{Y}}> targets, int steps, ref {{T}} state{{ctx.TeamParameter}})
            {
                ref {{T}} p = ref global::RnnGen.Runtime.AlignedArray.Origin(parameters);
                ref {{T}} w = ref global::RnnGen.Runtime.AlignedArray.Origin(workspace);
                Recur(ref p, ref w, inputs, steps, ref state{{ctx.TeamArgument}}{{(ctx.Dropout ? ", ref Unsafe.NullRef<RnnRandom>()" : "")}});
                Head(ref p, ref w, steps);
                {{T}} loss = 0;
                for (int r = 0; r < {{ctx.HeadRows}}; r++)
                {
                    loss += {{LossCall(ctx, gradient: false)}};
                }

                return loss;
            }

            """);

        // Cross-entropy models fill either classes (Predict) or probabilities (Probabilities): one pass serves both.
        string destination = ctx.CrossEntropy ? $"Span<int> classes, Span<{T}> probabilities" : $"Span<{T}> outputs";
        string what = ctx.CrossEntropy ? "argmax, or its softmax into probabilities when given," : "outputs";
        w.Line($"/// <summary>The head's {what} for {(ctx.LastStep ? "the last step" : "every step")}.</summary>");
        using (w.Open($"public static void Predict({T}[] parameters, {T}[] workspace, ReadOnlySpan<{X}> inputs, int steps, {destination}, ref {T} state{ctx.TeamParameter})"))
        {
            w.Line($"ref {T} p = ref global::RnnGen.Runtime.AlignedArray.Origin(parameters);");
            w.Line($"ref {T} w = ref global::RnnGen.Runtime.AlignedArray.Origin(workspace);");
            w.Line($"Recur(ref p, ref w, inputs, steps, ref state{ctx.TeamArgument}{(ctx.Dropout ? ", ref Unsafe.NullRef<RnnRandom>()" : "")});");
            w.Line("Head(ref p, ref w, steps);");
            using (w.Open($"for (int r = 0; r < {ctx.HeadRows}; r++)"))
            {
                if (!ctx.CrossEntropy)
                {
                    w.Line("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref w, Logits + r * OutputPadded), Output).CopyTo(outputs.Slice(r * Output));");
                }
                else
                {
                    w.Line($"ref {T} y = ref Unsafe.Add(ref w, Logits + r * OutputPadded);");
                    w.Line("if (probabilities.IsEmpty) classes[r] = ArgMax(ref y);");
                    w.Line("else Softmax.Apply(MemoryMarshal.CreateReadOnlySpan(ref y, Output), probabilities.Slice(r * Output));");
                }
            }
        }

        w.Line();
        EmitRecur(w, ctx);
        EmitRecurParts(w, ctx);
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

    /// <summary>The step of one unit at step t, reading and writing that unit's rows (in its direction).</summary>
    public static StepRefs StepAt(EmitContext ctx, LayerLayout layer, string input)
    {
        string previous = ctx.Layout.PreviousRow(layer, "t"), current = ctx.Layout.HiddenRow(layer, "t");
        return new StepRefs(
            Previous: ctx.FeedsBack ? "Unsafe.Add(ref w, Feedback + t * OutputPadded)" : $"Unsafe.Add(ref w, {layer["States"]} + {previous} * {ctx.HRow})",
            PreviousCell: $"Unsafe.Add(ref w, {layer["Cells"]} + {previous} * HiddenPadded)",
            Input: input,
            Gates: $"Unsafe.Add(ref w, {layer["Gates"]} + t * GateWidth)",
            HiddenPart: $"Unsafe.Add(ref w, {layer["HiddenPart"]} + t * HiddenPadded)",
            Cell: $"Unsafe.Add(ref w, {layer["Cells"]} + {current} * HiddenPadded)",
            Hidden: $"Unsafe.Add(ref w, {layer["States"]} + {current} * {ctx.HRow})",
            Unprojected: $"Unsafe.Add(ref w, {layer["Unprojected"]} + t * HiddenPadded)");
    }

    /// <summary>The first row of a unit's h for step 0 onwards: row 1 going forward, row 0 in reverse.</summary>
    public static string OutputRows(EmitContext ctx, LayerLayout unit) => unit.Reverse ? unit["States"] : $"{unit["States"]} + {ctx.HRow}";

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

        using (w.Open($"private static void Recur(ref {T} p, ref {T} w, ReadOnlySpan<{X}> inputs, int steps, ref {T} state{ctx.TeamParameter}{ctx.DropoutParameter})"))
        {
            if (ctx.Streams)
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
            }
            else
            {
                w.Line("// Every direction starts from zero: forward ones at row 0, reverse ones at row steps.");
                foreach (LayerLayout unit in ctx.Layout.Layers)
                {
                    string row = unit.Reverse ? $" + steps * {ctx.HRow}" : "";
                    w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {unit["States"]}{row}), {ctx.HRow}).Clear();");
                    if (ctx.Spec.Cell == CellKind.Lstm)
                    {
                        w.Line($"MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, {unit["Cells"]}{(unit.Reverse ? " + steps * HiddenPadded" : "")}), HiddenPadded).Clear();");
                    }
                }
            }

            w.Line();
            for (int l = 0; l < ctx.Layout.Depth; l++)
            {
                EmitLayer(w, ctx, l);
            }

            if (ctx.Streams)
            {
                using (w.Open("if (carried)"))
                {
                    foreach ((string rows, string offset, string width) in StateRows(ctx))
                    {
                        w.Line($"CopyRow(ref Unsafe.Add(ref w, {rows} + steps * {width}), ref Unsafe.Add(ref state, {offset}), {width});");
                    }
                }
            }
        }

        w.Line();
    }

    private static void EmitLayer(CodeWriter w, EmitContext ctx, int index)
    {
        Layout l = ctx.Layout;
        if (ctx.Stacked || l.Bidirectional)
        {
            w.Line($"// Layer {index}.");
        }

        using (w.Open(""))
        {
            // What this layer reads, from the layer below: its h rows (each direction's, with a bidirectional
            // layer below), or in a training call with dropout, those rows through a fresh mask.
            var below = new System.Collections.Generic.List<string>();
            if (index > 0)
            {
                foreach (LayerLayout unit in l.UnitsOf(index - 1))
                {
                    string name = unit.Reverse ? "belowReverse" : "below";
                    below.Add(name);
                    w.Line($"ref {ctx.T} {name} = ref Unsafe.Add(ref w, {OutputRows(ctx, unit)});");
                }

                if (ctx.Dropout)
                {
                    using (w.Open("if (!Unsafe.IsNullRef(ref dropout))"))
                    {
                        int i = 0;
                        foreach (LayerLayout unit in l.UnitsOf(index - 1))
                        {
                            w.Line($"{below[i]} = ref Drop(ref {below[i]}, ref Unsafe.Add(ref w, {unit["Mask"]}), ref Unsafe.Add(ref w, {unit["Dropped"]}), steps, ref dropout);");
                            i++;
                        }
                    }
                }
            }

            foreach (LayerLayout unit in l.UnitsOf(index))
            {
                EmitUnit(w, ctx, unit, below);
            }
        }

        w.Line();
    }

    private static void EmitUnit(CodeWriter w, EmitContext ctx, LayerLayout unit, System.Collections.Generic.List<string> below)
    {
        if (ctx.Layout.Bidirectional)
        {
            w.Line(unit.Reverse ? "// The reverse direction: from the last step to the first." : "// The forward direction.");
        }

        using (w.Open(""))
        {
            EmitWeightRefs(w, ctx, unit);
            string input = unit.TokenInput
                ? $"Unsafe.Add(ref p, {unit["InputWeights"]} + inputs[t] * GateWidth)"
                : $"Unsafe.Add(ref w, {unit["InputPart"]} + t * GateWidth)";

            CodeWriter.Block? serial = null;
            int index = IndexOf(ctx.Layout, unit);
            if (ctx.Layout.SplitsRecurrence)
            {
                using (w.Open("if (team is not null)"))
                {
                    if (index == 0)
                    {
                        w.Line("// Two threads: each computes its half of the units' columns of the input side, then their half of every step.");
                    }

                    if (unit.First && !unit.Reverse)
                    {
                        w.Line("inputs.Slice(0, steps * Input).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref w, InputCopy), steps * Input));");
                    }

                    if (ReadsDropped(ctx, unit))
                    {
                        w.Line("bool dropped = !Unsafe.IsNullRef(ref dropout);");
                        w.Line($"team.Start({2 * index} + (dropped ? 1 : 0), steps);");
                        w.Line($"RecurPart{index}(ref p, ref w, 0, steps, team, dropped);");
                    }
                    else
                    {
                        w.Line($"team.Start({2 * index}, steps);");
                        w.Line($"RecurPart{index}(ref p, ref w, 0, steps, team);");
                    }

                    w.Line("team.Join();");
                }

                serial = w.Open("else");
            }

            if (!unit.TokenInput)
            {
                EmitInputSide(w, ctx, unit, below, part: false);
            }

            using (w.Open(StepLoop(unit)))
            {
                if (unit.TokenInput)
                {
                    w.Line("// One-hot input: W_ih x_t is row x_t of the input-major weights, a lookup.");
                }

                StepRefs refs = StepAt(ctx, unit, input);
                if (ctx.Layout.SplitsRecurrence)
                {
                    if (index == 0)
                    {
                        w.Line("// Both halves, alternating which goes first: the half done last in one step starts the next while its");
                        w.Line("// weights are the most recently cached (W_hh is about the size of a cache when the recurrence splits).");
                    }

                    w.Line("int first = t & 1;");
                    w.Line(ctx.Cell.StepPart(ctx, refs, "first"));
                    w.Line(ctx.Cell.StepPart(ctx, refs, "1 - first"));
                }
                else
                {
                    w.Line(ctx.Cell.Step(ctx, refs));
                }

                if (ctx.FeedsBack)
                {
                    w.Line("// y_t feeds step t + 1, so the head runs inside the recurrence.");
                    w.Line("HeadForward(ref Unsafe.Add(ref w, States + (t + 1) * HiddenPadded), ref outputWeights, ref Unsafe.Add(ref w, Feedback + (t + 1) * OutputPadded), ref outputBias, 1);");
                }
            }

            serial?.Dispose();
        }
    }

    /// <summary>A unit above the first in a model with dropout: a training call reads the layer below through a mask.</summary>
    private static bool ReadsDropped(EmitContext ctx, LayerLayout unit) => ctx.Dropout && !unit.First;

    /// <summary>
    /// The input side of a dense unit for every step at once, into its InputPart rows: all columns, or with
    /// <paramref name="part"/> (inside RecurPart) the columns of one half of the units. The layer below is read
    /// through the refs named in <paramref name="below"/>.
    /// </summary>
    private static void EmitInputSide(CodeWriter w, EmitContext ctx, LayerLayout unit, System.Collections.Generic.List<string> below, bool part)
    {
        string weights = unit["InputWeights"], rows = unit["InputPart"];
        string suffix = part ? "Part" : "", partArgument = part ? "part, " : "";
        if (unit.First)
        {
            if (!part)
            {
                w.Line("// W_ih x_t for every step at once: the input side does not depend on the recurrence.");
            }

            string x = part ? "ref Unsafe.Add(ref w, InputCopy)" : "ref MemoryMarshal.GetReference(inputs)";
            w.Line($"InputProjection{suffix}({partArgument}{x}, ref Unsafe.Add(ref p, {weights}), ref Unsafe.Add(ref w, {rows}), steps);");
            return;
        }

        if (!part && unit.Index == 1)
        {
            // Said once, at layer 1: a deep stack would repeat it per layer (the source budget binds there).
            w.Line(below.Count > 1
                ? "// W_ih [h_fwd; h_rev] of the layer below for every step at once: two products, the second adding."
                : "// W_ih h_t of the layer below for every step at once.");
        }

        w.Line($"LayerInputProjection{suffix}({partArgument}ref {below[0]}, ref Unsafe.Add(ref p, {weights}), ref Unsafe.Add(ref w, {rows}), steps);");
        if (below.Count > 1)
        {
            string features = ctx.Layout.Projected ? "Features" : "Hidden";
            w.Line($"LayerInputProjectionAdd{suffix}({partArgument}ref {below[1]}, ref Unsafe.Add(ref p, {weights} + {features} * GateWidth), ref Unsafe.Add(ref w, {rows}), steps);");
        }
    }

    private static int IndexOf(Layout layout, LayerLayout unit)
    {
        for (int i = 0; i < layout.Layers.Count; i++)
        {
            if (ReferenceEquals(layout.Layers[i], unit)) return i;
        }

        throw new System.ArgumentException("not a unit of this layout", nameof(unit));
    }

    private static string StepLoop(LayerLayout unit) => unit.Reverse ? "for (int t = steps - 1; t >= 0; t--)" : "for (int t = 0; t < steps; t++)";

    /// <summary>
    /// For a recurrence split across two threads: each unit's steps for one half of the hidden units, meeting the
    /// other half after every step, and the partner thread's entry point.
    /// </summary>
    private static void EmitRecurParts(CodeWriter w, EmitContext ctx)
    {
        if (!ctx.Layout.SplitsRecurrence)
        {
            return;
        }

        string T = ctx.T;
        const string Team = "global::RnnGen.Runtime.RecurrenceTeam";
        for (int index = 0; index < ctx.Layout.Layers.Count; index++)
        {
            LayerLayout unit = ctx.Layout.Layers[index];
            bool drops = ReadsDropped(ctx, unit);
            w.Line($"/// <summary>Part <paramref name=\"part\"/> (0 or 1) of {(ctx.Stacked || ctx.Layout.Bidirectional ? $"layer {unit.Index}{(unit.Reverse ? ", reverse direction" : "")}" : "the layer")}: its half of the input side, then its half of the units of every step.</summary>");
            using (w.Open($"private static void RecurPart{index}(ref {T} p, ref {T} w, int part, int steps, {Team} team{(drops ? ", bool dropped" : "")})"))
            {
                EmitWeightRefs(w, ctx, unit, withHead: false);
                var below = new System.Collections.Generic.List<string>();
                if (!unit.First)
                {
                    foreach (LayerLayout lower in ctx.Layout.UnitsOf(unit.Index - 1))
                    {
                        string name = lower.Reverse ? "belowReverse" : "below";
                        below.Add(name);
                        w.Line(drops
                            ? $"ref {T} {name} = ref Unsafe.Add(ref w, dropped ? {lower["Dropped"]} : {OutputRows(ctx, lower)});"
                            : $"ref {T} {name} = ref Unsafe.Add(ref w, {OutputRows(ctx, lower)});");
                    }
                }

                EmitInputSide(w, ctx, unit, below, part: true);
                using (w.Open(StepLoop(unit)))
                {
                    StepRefs refs = StepAt(ctx, unit, $"Unsafe.Add(ref w, {unit["InputPart"]} + t * GateWidth)");
                    if (index == 0)
                    {
                        w.Line("// The other half of h_{t-1} was written on the other core: fetch its lines at once.");
                    }

                    w.Line($"{Team}.Prefetch(ref Unsafe.Add(ref {refs.Previous}, (nuint)(1 - part) * HalfUnits), HalfUnits);");
                    w.Line(ctx.Cell.StepPart(ctx, refs));
                    w.Line("team.Arrive(part);");
                }
            }

            w.Line();
        }

        w.Line("/// <summary>The partner thread's side of the split recurrence: part 1 of the unit it is given (2 × its index, plus 1 when it reads the layer below through dropout).</summary>");
        using (w.Open($"public sealed class RecurrencePartner : {Team}.Job"))
        {
            w.Line($"private readonly {T}[] _parameters, _workspace;");
            w.Line();
            w.Line($"public RecurrencePartner({T}[] parameters, {T}[] workspace)");
            using (w.Open(""))
            {
                w.Line("_parameters = parameters;");
                w.Line("_workspace = workspace;");
            }

            w.Line();
            using (w.Open($"public override void Run(int unit, int steps, {Team} team)"))
            {
                w.Line($"ref {T} p = ref global::RnnGen.Runtime.AlignedArray.Origin(_parameters);");
                w.Line($"ref {T} w = ref global::RnnGen.Runtime.AlignedArray.Origin(_workspace);");
                using (w.Open("switch (unit)"))
                {
                    for (int index = 0; index < ctx.Layout.Layers.Count; index++)
                    {
                        if (ReadsDropped(ctx, ctx.Layout.Layers[index]))
                        {
                            w.Line($"case {2 * index}: RecurPart{index}(ref p, ref w, 1, steps, team, false); break;");
                            w.Line($"case {2 * index + 1}: RecurPart{index}(ref p, ref w, 1, steps, team, true); break;");
                        }
                        else
                        {
                            w.Line($"case {2 * index}: RecurPart{index}(ref p, ref w, 1, steps, team); break;");
                        }
                    }
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

    /// <summary>The first row a head product reads from a top unit: every step's, or the last step's.</summary>
    public static string HeadRows(EmitContext ctx, LayerLayout unit) => ctx.LastStep
        ? $"{unit["States"]} + {ctx.Layout.HiddenRow(unit, "steps - 1")} * {ctx.HRow}"
        : OutputRows(ctx, unit);

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
                w.Line(ctx.LastStep ? "// Sequence-to-one: the head reads only the last state." : "// All steps at once: the recurrence does not depend on the head.");
                foreach ((LayerLayout unit, string weights) in ctx.DirectionRows(ctx.Layout.Depth - 1, "OutputWeights", "OutputPadded"))
                {
                    w.Line(!unit.Reverse
                        ? $"HeadForward(ref Unsafe.Add(ref w, {HeadRows(ctx, unit)}), ref Unsafe.Add(ref p, {weights}), ref Unsafe.Add(ref w, Logits), ref Unsafe.Add(ref p, OutputBias), {ctx.HeadRows});"
                        : $"HeadForwardAdd(ref Unsafe.Add(ref w, {HeadRows(ctx, unit)}), ref Unsafe.Add(ref p, {weights}), ref Unsafe.Add(ref w, Logits), {ctx.HeadRows}); // the reverse direction's half");
                }
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

    /// <summary>LayerInputProjection that adds into C: the reverse half of a bidirectional layer's input.</summary>
    public static BroadcastGemm LayerInputProjectionAddKernel(EmitContext ctx)
    {
        BroadcastGemm k = LayerInputProjectionKernel(ctx);
        return new BroadcastGemm
        {
            Name = "LayerInputProjectionAdd",
            Doc = "c_t += Σ_j h_t[j] · W_ih[j, :]: the second half of a bidirectional layer's input.",
            M = k.M, K = k.K, N = k.N, AStrideM = k.AStrideM, AStrideK = k.AStrideK, BStride = k.BStride, CStride = k.CStride,
        };
    }

    /// <summary>HeadForward that adds into C: the reverse direction's half of a bidirectional head.</summary>
    public static BroadcastGemm HeadAddKernel(EmitContext ctx)
    {
        BroadcastGemm k = HeadKernel(ctx);
        return new BroadcastGemm
        {
            Name = "HeadForwardAdd",
            Doc = "y_t += Σ_j h_t[j] · W_out[j, :]: the reverse direction's half of a bidirectional head.",
            M = k.M, K = k.K, N = k.N, AStrideM = k.AStrideM, AStrideK = k.AStrideK, BStride = k.BStride, CStride = k.CStride,
            WideTiles = ctx.WideHead,
        };
    }

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
        BPanels = ctx.Layout.OutputPanels,
        ExtraParameters = new[] { $"ref {ctx.T} bias" },
        Prologue = (width, _, offset) => $"{width.V}.LoadUnsafe(ref bias, {offset})",
        WideTiles = ctx.WideHead,
    };
}
