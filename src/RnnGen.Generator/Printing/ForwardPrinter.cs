using System.Collections.Generic;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// The forward pass over a whole sequence, layer after layer: each layer's input side is one product for all steps
/// (dense inputs, or the layer below), then its recurrence; then the head (all steps at once unless the output feeds
/// back), the loss, and prediction.
/// </summary>
internal sealed class ForwardPrinter : Printer
{
    public ForwardPrinter(Network network, CodeWriter writer)
        : base(network, writer)
    {
    }

    public void Print()
    {
        PrintForward();
        PrintPredict();
        PrintRecur();
        if (Sizes.SplitsRecurrence)
        {
            PrintRecurParts();
            PrintPartner();
        }

        PrintHead();
    }

    /// <summary>The summed loss of the head's rows, and for the gradient form dLoss/dy in their place (the runtime loops over the rows).</summary>
    public string Loss(bool gradient)
    {
        string rows = $"{Memory.Logits.At(0).Ref}, targets, {Calls.Int(HeadRows)}";
        return Sizes.CrossEntropy
            ? $"Losses.{(gradient ? "SoftmaxCrossEntropy" : "CrossEntropy")}<{T}>({rows}, OutputPadded)"
            : $"Losses.{(gradient ? "SquaredErrorGradient" : "SquaredError")}<{T}>({rows}, Output, OutputPadded)";
    }

    /// <summary>The statements that run the recurrence and the head of a call.</summary>
    public void RunForward(bool training)
    {
        string dropout = !Sizes.Dropout ? "" : training ? ", ref dropout" : ", ref Unsafe.NullRef<RnnRandom>()";
        W.Line($"Recur(ref p, ref w, inputs, steps, ref state{TeamArgument}{dropout});");
        W.Line("Head(ref p, ref w, steps);");
    }

    private void PrintForward()
    {
        W.Line("/// <summary>The summed loss of a checked sequence; no gradient work.</summary>");
        using (W.Open($"public static {T} Forward({T}[] parameters, {T}[] workspace, ReadOnlySpan<{InputType}> inputs, ReadOnlySpan<{TargetType}> targets, int steps, ref {T} state{TeamParameter})"))
        {
            Origins();
            RunForward(training: false);
            W.Line($"return {Loss(gradient: false)};");
        }

        W.Line();
    }

    private void PrintPredict()
    {
        // Cross-entropy models fill either classes (Predict) or probabilities (Probabilities): one pass serves both.
        string destination = Sizes.CrossEntropy ? $"Span<int> classes, Span<{T}> probabilities" : $"Span<{T}> outputs";
        string what = Sizes.CrossEntropy ? "most likely class, or its softmax into probabilities when given," : "outputs";
        W.Line($"/// <summary>The head's {what} for {(Sizes.LastStep ? "the last step" : "every step")}.</summary>");
        using (W.Open($"public static void Predict({T}[] parameters, {T}[] workspace, ReadOnlySpan<{InputType}> inputs, int steps, {destination}, ref {T} state{TeamParameter})"))
        {
            Origins();
            RunForward(training: false);
            W.Line(Sizes.CrossEntropy
                ? $"Losses.Classify<{T}>({Memory.Logits.At(0).Ref}, {Calls.Int(HeadRows)}, Output, OutputPadded, classes, probabilities);"
                : $"Losses.CopyOutputs<{T}>({Memory.Logits.At(0).Ref}, {Calls.Int(HeadRows)}, Output, OutputPadded, outputs);");
        }

        W.Line();
    }

    /// <summary>The state rows a call starts from and ends with: (workspace rows, offset in the state, width).</summary>
    private IEnumerable<(Buffer Rows, Expr Offset, Expr Width)> StateRows()
    {
        foreach (Unit unit in Memory.Units)
        {
            yield return (unit.States, unit.StateOffset, Sizes.FeaturesPadded);
            if (unit.Cells is not null)
            {
                yield return (unit.Cells, unit.StateOffset + Sizes.StateCell, Sizes.HiddenPadded);
            }
        }

        if (Memory.Feedback is not null)
        {
            yield return (Memory.Feedback, Sizes.StateFeedback, Sizes.OutputPadded);
        }
    }

    private void PrintRecur()
    {
        W.Line("/// <summary>");
        W.Line("/// Runs the recurrence, layer after layer: States row t + 1 receives h_t. Row 0 holds the state entering");
        W.Line("/// step 0: the caller's state (a constant for BPTT, like a detached state in PyTorch), or zero when state");
        W.Line("/// is a null ref; the caller's state then receives the state after the last step.");
        if (Sizes.Dropout)
        {
            W.Line("/// Training calls pass dropout's random source, and each layer above the first then reads its input through a");
            W.Line("/// fresh mask; inference passes a null ref and nothing is dropped.");
        }

        W.Line("/// </summary>");
        using (W.Open($"private static void Recur(ref {T} p, ref {T} w, ReadOnlySpan<{InputType}> inputs, int steps, ref {T} state{TeamParameter}{DropoutParameter})"))
        {
            if (Sizes.Streams)
            {
                W.Line("// From the caller's state, or from zero when it is a null ref.");
                foreach ((Buffer rows, Expr offset, Expr width) in StateRows())
                {
                    W.Line($"Rows.LoadState<{T}>(ref state, {Calls.Width(offset)}, {rows.At(0).Ref}, {Calls.Width(width)});");
                }
            }
            else
            {
                W.Line("// Every direction starts from zero: forward ones at row 0, reverse ones at row steps.");
                foreach (Unit unit in Memory.Units)
                {
                    Expr row = unit.Reverse ? Steps : Expr.Zero;
                    W.Line(Calls.Clear(unit.States.Row(row), Sizes.FeaturesPadded));
                    if (unit.Cells is not null)
                    {
                        W.Line(Calls.Clear(unit.Cells.Row(row), Sizes.HiddenPadded));
                    }
                }
            }

            W.Line();
            if (Sizes.Embedded)
            {
                W.Line("// The embedding layer: x_t is the table's row of token t, which layer 0 reads as dense input.");
                using (W.Open("for (int t = 0; t < steps; t++)"))
                {
                    W.Line(Calls.Copy(Memory.EmbeddingWeights!.Row(new Expr.Var("inputs[t]")), Memory.Embedded!.Row(Time), Sizes.InputStride));
                }

                W.Line();
            }

            for (int layer = 0; layer < Sizes.Depth; layer++)
            {
                PrintLayer(layer);
            }

            if (Sizes.Streams)
            {
                foreach ((Buffer rows, Expr offset, Expr width) in StateRows())
                {
                    W.Line($"Rows.StoreState<{T}>({rows.Row(Steps).Ref}, ref state, {Calls.Width(offset)}, {Calls.Width(width)});");
                }
            }
        }

        W.Line();
    }

    /// <summary>Where a layer reads the layer below (each direction's h rows), by name of the ref local.</summary>
    private static string BelowName(Unit below) => below.Reverse ? "belowReverse" : "below";

    private void PrintLayer(int layer)
    {
        if (Sizes.Stacked || Sizes.Bidirectional)
        {
            W.Line($"// Layer {layer}.");
        }

        using (Scope())
        {
            // What this layer reads: the h rows of the layer below, or in a training call with dropout those rows
            // through a fresh mask.
            var below = new List<Slot>();
            if (layer > 0)
            {
                foreach (Unit unit in Memory.UnitsOf(layer - 1))
                {
                    W.Line($"ref {T} {BelowName(unit)} = ref {unit.Outputs.Print()};");
                    below.Add(Local(BelowName(unit)));
                }

                if (Sizes.Dropout)
                {
                    using (W.Open("if (!Unsafe.IsNullRef(ref dropout))"))
                    {
                        foreach (Unit unit in Memory.UnitsOf(layer - 1))
                        {
                            W.Line($"{BelowName(unit)} = ref DropoutMask.Draw<{T}>(ref {BelowName(unit)}, {unit.Mask!.At(0).Ref}, {unit.Dropped!.At(0).Ref}, steps, {Sizes.Features}, {Sizes.FeaturesPadded}, Dropout, DropScale, ref dropout);");
                        }
                    }
                }
            }

            foreach (Unit unit in Memory.UnitsOf(layer))
            {
                PrintUnit(unit, below);
            }
        }

        W.Line();
    }

    private void PrintUnit(Unit unit, List<Slot> below)
    {
        if (Sizes.Bidirectional)
        {
            W.Line(unit.Reverse ? "// The reverse direction: from the last step to the first." : "// The forward direction.");
        }

        using (Scope())
        {
            UnitWeights weights = DeclareWeights(unit, head: true);
            int index = IndexOf(unit);
            CodeWriter.Block? serial = null;
            if (Sizes.SplitsRecurrence)
            {
                PrintTeamCall(unit, index);
                serial = W.Open("else");
            }

            if (!unit.TokenInput)
            {
                PrintInputSide(unit, below, part: null);
            }

            using (W.Open(StepLoop(unit)))
            {
                Slot input;
                if (unit.TokenInput)
                {
                    W.Line("// One-hot input: W_ih x_t is row x_t of the input-major weights, a lookup.");
                    input = unit.InputWeights.Row(new Expr.Var("inputs[t]"));
                }
                else
                {
                    input = unit.InputPart!.Row(Time);
                }

                StepOperands step = StepAt(unit, weights, input, Time);
                if (Sizes.SplitsRecurrence)
                {
                    if (index == 0)
                    {
                        W.Line("// Both halves, alternating which goes first: the half done last in one step starts the next while its");
                        W.Line("// weights are the most recently cached (W_hh is about the size of a cache when the recurrence splits).");
                    }

                    var first = new Expr.Var("first");
                    W.Line("int first = t & 1;");
                    Lines(Cell.Step(step, first));
                    Lines(Cell.Step(step, 1 - (Expr)first));
                }
                else
                {
                    Lines(Cell.Step(step));
                }

                if (Sizes.FeedsBack)
                {
                    W.Line("// y_t feeds step t + 1, so the head runs inside the recurrence.");
                    Lines(Calls.Product(Network.HeadStep, unit.States.Row(Time + 1), Local("outputWeights"), Memory.Feedback!.Row(Time + 1), 1, Local("outputBias")));
                }
            }

            serial?.Dispose();
        }
    }

    /// <summary>Two threads: each computes its half of the units' columns of the input side, then their half of every step.</summary>
    private void PrintTeamCall(Unit unit, int index)
    {
        using (W.Open("if (team is not null)"))
        {
            if (index == 0)
            {
                W.Line("// Two threads: each computes its half of the units' columns of the input side, then their half of every step.");
            }

            if (unit.First && !unit.Reverse)
            {
                W.Line($"inputs.Slice(0, steps * Input).CopyTo({Calls.Span(Memory.InputCopy!.At(0), Steps * Sizes.InputWidth)});");
            }

            if (ReadsDropped(unit))
            {
                W.Line("bool dropped = !Unsafe.IsNullRef(ref dropout);");
                W.Line($"team.Start({2 * index} + (dropped ? 1 : 0), steps);");
                W.Line($"RecurPart{index}(ref p, ref w, 0, steps, team, dropped);");
            }
            else
            {
                W.Line($"team.Start({2 * index}, steps);");
                W.Line($"RecurPart{index}(ref p, ref w, 0, steps, team);");
            }

            W.Line("team.Join();");
        }
    }

    /// <summary>A unit above the first in a model with dropout: a training call reads the layer below through a mask.</summary>
    private bool ReadsDropped(Unit unit) => Sizes.Dropout && !unit.First;

    /// <summary>
    /// The input side of a dense unit for every step at once, into its InputPart rows: all columns, or with
    /// <paramref name="part"/> (inside RecurPart) the columns of one half of the units.
    /// </summary>
    private void PrintInputSide(Unit unit, List<Slot> below, string? part)
    {
        Slot weights = unit.InputWeights.At(0), rows = unit.InputPart!.At(0);
        if (unit.First)
        {
            if (part is null)
            {
                W.Line("// W_ih x_t for every step at once: the input side does not depend on the recurrence.");
            }

            Slot x = part is null ? DenseInputs : Memory.InputCopy!.At(0);
            Product(Network.InputProjection!, part, x, weights, rows);
            return;
        }

        if (part is null && unit.Layer == 1)
        {
            // Said once, at layer 1: a deep stack would repeat it per layer.
            W.Line(below.Count > 1
                ? "// W_ih [h_fwd; h_rev] of the layer below for every step at once: two products, the second adding."
                : "// W_ih h_t of the layer below for every step at once.");
        }

        Product(Network.LayerInputProjection!, part, below[0], weights, rows);
        if (below.Count > 1)
        {
            Product(Network.LayerInputProjectionAdd!, part, below[1], weights.Plus(Sizes.Features * Sizes.GateWidth), rows);
        }
    }

    private void Product(BroadcastProduct product, string? part, Slot a, Slot b, Slot c)
    {
        if (part is null)
        {
            Lines(Calls.Product(product, a, b, c, Steps));
        }
        else
        {
            W.Line(Calls.ProductPart(product, part, a, b, c, Steps));
        }
    }

    private int IndexOf(Unit unit)
    {
        for (int i = 0; i < Memory.Units.Count; i++)
        {
            if (ReferenceEquals(Memory.Units[i], unit)) return i;
        }

        throw new System.ArgumentException("not a unit of this network", nameof(unit));
    }

    private static string StepLoop(Unit unit) => unit.Reverse ? "for (int t = steps - 1; t >= 0; t--)" : "for (int t = 0; t < steps; t++)";

    /// <summary>
    /// For a recurrence split across two threads: each unit's steps for one half of the hidden units, meeting the
    /// other half after every step.
    /// </summary>
    private void PrintRecurParts()
    {
        for (int index = 0; index < Memory.Units.Count; index++)
        {
            Unit unit = Memory.Units[index];
            bool drops = ReadsDropped(unit);
            string which = Sizes.Stacked || Sizes.Bidirectional ? $"layer {unit.Layer}{(unit.Reverse ? ", reverse direction" : "")}" : "the layer";
            W.Line($"/// <summary>Part <paramref name=\"part\"/> (0 or 1) of {which}: its half of the input side, then its half of the units of every step.</summary>");
            using (W.Open($"private static void RecurPart{index}(ref {T} p, ref {T} w, int part, int steps, RecurrenceTeam team{(drops ? ", bool dropped" : "")})"))
            {
                UnitWeights weights = DeclareWeights(unit);
                var below = new List<Slot>();
                if (!unit.First)
                {
                    foreach (Unit lower in Memory.UnitsOf(unit.Layer - 1))
                    {
                        W.Line(drops
                            ? $"ref {T} {BelowName(lower)} = ref Unsafe.Add(ref w, dropped ? {lower.Dropped!.Start} : {lower.Outputs.Offset.Print()});"
                            : $"ref {T} {BelowName(lower)} = ref {lower.Outputs.Print()};");
                        below.Add(Local(BelowName(lower)));
                    }
                }

                PrintInputSide(unit, below, part: "part");
                using (W.Open(StepLoop(unit)))
                {
                    StepOperands step = StepAt(unit, weights, unit.InputPart!.Row(Time), Time);
                    if (index == 0)
                    {
                        W.Line("// The other half of h_{t-1} was written on the other core: fetch its lines at once.");
                    }

                    W.Line($"RecurrenceTeam.Prefetch(ref Unsafe.Add(ref {step.Previous.Print()}, (nuint)(1 - part) * HalfUnits), HalfUnits);");
                    Lines(Cell.Step(step, new Expr.Var("part")));
                    W.Line("team.Arrive(part);");
                }
            }

            W.Line();
        }
    }

    /// <summary>The partner thread's side of the split recurrence.</summary>
    private void PrintPartner()
    {
        W.Line("/// <summary>The partner thread's side of the split recurrence: part 1 of the unit it is given (2 × its index, plus 1 when it reads the layer below through dropout).</summary>");
        using (W.Open("public sealed class RecurrencePartner : RecurrenceTeam.Job"))
        {
            W.Line($"private readonly {T}[] _parameters, _workspace;");
            W.Line();
            using (W.Open($"public RecurrencePartner({T}[] parameters, {T}[] workspace)"))
            {
                W.Line("_parameters = parameters;");
                W.Line("_workspace = workspace;");
            }

            W.Line();
            using (W.Open("public override void Run(int unit, int steps, RecurrenceTeam team)"))
            {
                W.Line($"ref {T} p = ref AlignedArray.Origin(_parameters);");
                W.Line($"ref {T} w = ref AlignedArray.Origin(_workspace);");
                using (W.Open("switch (unit)"))
                {
                    for (int index = 0; index < Memory.Units.Count; index++)
                    {
                        if (ReadsDropped(Memory.Units[index]))
                        {
                            W.Line($"case {2 * index}: RecurPart{index}(ref p, ref w, 1, steps, team, false); break;");
                            W.Line($"case {2 * index + 1}: RecurPart{index}(ref p, ref w, 1, steps, team, true); break;");
                        }
                        else
                        {
                            W.Line($"case {2 * index}: RecurPart{index}(ref p, ref w, 1, steps, team); break;");
                        }
                    }
                }
            }
        }

        W.Line();
    }

    private void PrintHead()
    {
        W.Line($"/// <summary>Logits rows receive the head's outputs y for {(Sizes.LastStep ? "the last step" : "every step")}.</summary>");
        using (W.Open($"private static void Head(ref {T} p, ref {T} w, int steps)"))
        {
            if (Sizes.FeedsBack)
            {
                W.Line(Sizes.LastStep
                    ? Calls.Copy(Memory.Feedback!.Row(Steps), Memory.Logits.At(0), Sizes.OutputPadded)
                    : $"{Calls.Span(Memory.Feedback!.Row(1), Steps * Sizes.OutputPadded, readOnly: true)}.CopyTo({Calls.Span(Memory.Logits.At(0), Steps * Sizes.OutputPadded)});");
            }
            else
            {
                W.Line(Sizes.LastStep ? "// Sequence-to-one: the head reads only the last state." : "// All steps at once: the recurrence does not depend on the head.");
                foreach ((Unit unit, Slot weights) in DirectionRows(Sizes.Depth - 1, Memory.OutputWeights.At(0), Sizes.OutputPadded))
                {
                    if (!unit.Reverse)
                    {
                        Lines(Calls.Product(Network.HeadForward, HeadInput(unit), weights, Memory.Logits.At(0), HeadRows, Memory.OutputBias.At(0)));
                    }
                    else
                    {
                        W.Line("// The reverse direction's half.");
                        Lines(Calls.Product(Network.HeadForwardAdd!, HeadInput(unit), weights, Memory.Logits.At(0), HeadRows));
                    }
                }
            }

            if (Sizes.CrossEntropy && Sizes.OutputPadded.Value > Sizes.Output.Value)
            {
                W.Line("// Padding lanes take no part in the softmax.");
                W.Line($"Losses.MaskPadding<{T}>({Memory.Logits.At(0).Ref}, {Calls.Int(HeadRows)}, Output, OutputPadded);");
            }
        }

        W.Line();
    }
}
