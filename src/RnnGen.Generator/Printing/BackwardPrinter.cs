using RnnGen.Generator.Cells;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// Backpropagation through time, printed beside the forward pass it differentiates: the losses' gradients, the head's
/// gradients for all steps at once, the walk back through the steps and the layers (full, truncated, or the single
/// window of a sequence-to-one loss, chosen at generation time), and every layer's parameter gradients for all steps
/// at once.
/// </summary>
/// <remarks>
/// Full BPTT walks back one layer at a time and hands each layer's input-side gradients for all steps to the layer below
/// in one product. Truncation needs the windows to stay apart across layers (a window's gradient entering a lower layer
/// may go back only to that window's first step), so the truncated walk visits every layer at each step, with each live
/// window carrying every layer's state gradient. With output recurrence the head is part of the recurrence: the walk
/// carries dy, and the head's gradients follow it, from the total dy of each step.
/// </remarks>
internal sealed class BackwardPrinter : Printer
{
    private static readonly Expr Window = new Expr.Var("i");

    private readonly ForwardPrinter _forward;

    public BackwardPrinter(Network network, CodeWriter writer, ForwardPrinter forward)
        : base(network, writer) => _forward = forward;

    public void Print()
    {
        PrintBackward();
        if (Sizes.TruncatedBptt)
        {
            PrintTruncated();
        }
        else
        {
            PrintChain();
        }
    }

    private void PrintBackward()
    {
        W.Line(Sizes.FusedHeadUpdate
            ? "/// <summary>Forward, then adds the gradient of the summed loss into gradients (W_out's only when headWeights: SgdStep updates W_out itself); returns the loss.</summary>"
            : "/// <summary>Forward, then adds the gradient of the summed loss into gradients; returns the loss.</summary>");
        if (Sizes.ComposesState)
        {
            W.Line("/// stateGradient (a null ref: none) holds the gradient of what follows with respect to the final state, and receives");
            W.Line($"/// the gradient with respect to the state entering step 0{(Sizes.ComposesInput ? "; outputGradient, when not empty, replaces the loss by the caller's dL/dy, and inputGradient, when not empty, receives dL/dx" : "")}.");
        }

        string headWeights = Sizes.FusedHeadUpdate ? ", bool headWeights = true" : "";
        using (W.Open($"public static {T} Backward({T}[] parameters, {T}[] gradients, {T}[] workspace, ReadOnlySpan<{InputType}> inputs, ReadOnlySpan<{TargetType}> targets, int steps, ref {T} state{TeamParameter}{DropoutParameter}{ComposedParameters}{headWeights})"))
        {
            Origins(gradients: true);
            _forward.RunForward(training: true);
            W.Line();
            string loss = _forward.Loss(gradient: true);
            if (Sizes.ComposesInput)
            {
                W.Line("// The loss, and dLoss/dy in place of the head's outputs; or no loss, and the caller's dL/dy there.");
                loss = $"outputGradient.IsEmpty ? {loss} : Losses.OutputGradient<{T}>({Memory.Logits.At(0).Ref}, outputGradient, {Calls.Int(HeadRows)}, Output, OutputPadded)";
            }
            else
            {
                W.Line("// The loss, and dLoss/dy in place of the head's outputs.");
            }

            W.Line($"{T} loss = {loss};");

            W.Line();
            PrintHeadGradients();
            W.Line($"// Through time{(Sizes.Stacked ? " and down the layers" : "")}: InputGrads row s = dLoss/d(input side of step s), over every loss that reaches s.");
            // A sequence-to-one loss is one window: truncation only shortens it.
            W.Line($"int first = {(Sizes.LastStep && Spec.Truncate > 0 ? "Math.Max(0, steps - 1 - Truncate)" : "0")};");
            W.Line($"Bptt(ref p, ref w, steps, first{(Sizes.ComposesState ? ", ref stateGradient" : "")});");
            W.Line();
            if (Sizes.FeedsBack)
            {
                W.Line("// Head, from the total dy of every step the walk reached.");
                Lines(Calls.Product(Network.OutputWeightGrads, Memory.Units[0].States.Row(First + 1), Memory.Logits.Row(First), Memory.OutputWeights.Gradient(0), Steps - First));
                W.Line(Calls.SumRows(Memory.Logits.Row(First), Memory.OutputBias.Gradient(0), Steps - First, Sizes.OutputPadded));
                W.Line();
            }

            foreach (Unit unit in Memory.Units)
            {
                PrintParameterGradients(unit);
            }

            if (Sizes.Embedded)
            {
                PrintEmbeddingGradients();
            }

            if (Sizes.ComposesInput)
            {
                PrintInputGradient();
            }

            W.Line("return loss;");
        }

        W.Line();
    }

    private void PrintHeadGradients()
    {
        if (!Sizes.FeedsBack)
        {
            W.Line("// Head: dW_out += Σ h dyᵀ, db_out += Σ dy, and dh = W_outᵀ dy at the steps with a loss (zero elsewhere).");
            W.Line(Calls.SumRows(Memory.Logits.At(0), Memory.OutputBias.Gradient(0), HeadRows, Sizes.OutputPadded));
            foreach ((Unit unit, Slot weights) in DirectionRows(Sizes.Depth - 1, Memory.OutputWeights.At(0), Sizes.OutputPadded))
            {
                if (Sizes.FusedHeadUpdate)
                {
                    using (W.Open("if (headWeights)"))
                    {
                        Lines(Calls.Product(Network.OutputWeightGrads, HeadInput(unit), Memory.Logits.At(0), weights.Gradient, HeadRows));
                    }
                }
                else
                {
                    Lines(Calls.Product(Network.OutputWeightGrads, HeadInput(unit), Memory.Logits.At(0), weights.Gradient, HeadRows));
                }

                W.Line(Calls.Clear(unit.HiddenGrads.At(0), Steps * Sizes.FeaturesPadded));
                W.Line(Calls.Dot(Network.HiddenGradsFromHead, Memory.Logits.At(0), weights, unit.HiddenGrads.Row(Sizes.LastStep ? Steps - 1 : Expr.Zero), HeadRows));
            }

            W.Line();
        }
        else if (Sizes.LastStep)
        {
            W.Line("// The one dy sits at the last step; the walk back adds every step's row, so the others are zero.");
            W.Line(Calls.Copy(Memory.Logits.At(0), Memory.Logits.Row(Steps - 1), Sizes.OutputPadded));
            W.Line(Calls.Clear(Memory.Logits.At(0), (Steps - 1) * Sizes.OutputPadded));
            W.Line();
        }
    }

    private void PrintParameterGradients(Unit unit)
    {
        Slot recurrentInputs = Sizes.FeedsBack ? Memory.Feedback!.Row(First) : unit.States.Row(unit.PreviousRow(First));
        Buffer inputGrads = unit.InputGrads, recurrentGrads = unit.RecurrentSideGrads;
        Expr count = Steps - First;
        string of = Sizes.Stacked || Sizes.Bidirectional ? $"Layer {unit.Layer}{(unit.Reverse ? " (reverse)" : "")}'s" : "Cell";
        // The sums are said once, at the first layer.
        W.Line($"// {of} parameters{(unit.Layer == 0 ? ", all steps at once: dW_hh += Σ_s r_{s-1} δ_sᵀ, biases += Σ_s δ_s, dW_ih += Σ_s x_s δ_sᵀ" : ", the same")}.");
        Lines(Calls.Product(Network.RecurrentWeightGrads, recurrentInputs, recurrentGrads.Row(First), unit.RecurrentWeights.Gradient(0), count));
        W.Line(Calls.SumRows(inputGrads.Row(First), unit.InputBias.Gradient(0), count, Sizes.GateWidth));
        W.Line(Calls.SumRows(recurrentGrads.Row(First), unit.RecurrentBias.Gradient(0), count, Sizes.GateWidth));
        if (unit.ProjectionWeights is not null)
        {
            Lines(Calls.Product(Network.ProjectionWeightGrads!, unit.Unprojected!.Row(First), unit.ProjectionGrads!.Row(First), unit.ProjectionWeights.Gradient(0), count));
        }

        if (unit.TokenInput)
        {
            using (W.Open("for (int s = first; s < steps; s++)"))
            {
                W.Line(Calls.Add(inputGrads.Row(BackTime), unit.InputWeights.GradientRow(new Expr.Var("inputs[s]")), Sizes.GateWidth));
            }
        }
        else if (unit.First)
        {
            Lines(Calls.Product(Network.InputWeightGrads!, DenseInputs.Plus(First * Sizes.InputStride), inputGrads.Row(First), unit.InputWeights.Gradient(0), count));
        }
        else
        {
            // The layer read the dropped rows (row t is step t) in this training call, or else the h rows below.
            foreach ((Unit below, Slot weights) in DirectionRows(unit.Layer - 1, unit.InputWeights.At(0), Sizes.GateWidth))
            {
                Slot rows = Sizes.Dropout ? below.Dropped!.Row(First) : below.States.Row(below.HiddenRow(First));
                Lines(Calls.Product(Network.LayerInputWeightGrads!, rows, inputGrads.Row(First), weights.Gradient, count));
            }
        }

        W.Line();
    }

    /// <summary>
    /// Where a unit's carried state gradient sits in the state: its layer's [h | c], or with output recurrence the fed-back
    /// y, which is what step t reads of the state (h is kept for the caller, and feeds nothing).
    /// </summary>
    private Expr CarriedPart(Unit unit) => Sizes.FeedsBack ? Sizes.StateFeedback : unit.StateOffset;

    /// <summary>The caller's gradient of the initial state, from the walk's gradient of the state entering step 0.</summary>
    private void ReturnStateGradient(Slot gradient, Unit unit)
    {
        W.Line(Calls.Copy(gradient, Local("stateGradient").Plus(CarriedPart(unit)), Sizes.StateGradientWidth));
        if (Sizes.FeedsBack)
        {
            W.Line("// The initial h feeds nothing (step 0 reads the fed-back y): its gradient is zero.");
            W.Line(Calls.Clear(Local("stateGradient").Plus(unit.StateOffset), Sizes.FeaturesPadded));
        }
    }

    /// <summary>The caller's input gradient, when asked for: dx_t = W_ihᵀ δ_t of layer 0 (one direction: a model that composes streams).</summary>
    private void PrintInputGradient()
    {
        Unit first = Memory.Units[0];
        using (W.Open("if (!inputGradient.IsEmpty)"))
        {
            W.Line("// The caller's dL/dx_t = W_ihᵀ δ_t, [steps, Input]; zero before the first step a loss reaches.");
            W.Line("inputGradient.Slice(0, steps * Input).Clear();");
            var rows = new Slot(new Base("MemoryMarshal.GetReference(inputGradient)"), Expr.Zero);
            W.Line(Calls.Dot(Network.InputBackprop!, first.InputGrads.Row(First), first.InputWeights.At(0), rows.Plus(First * Sizes.InputWidth), Steps - First));
        }

        W.Line();
    }

    /// <summary>The embedding layer's gradient: dx_t from every direction of layer 0, added into the row of token t.</summary>
    private void PrintEmbeddingGradients()
    {
        W.Line("// Embedding: dx_t = W_ihᵀ δ_t (summed over layer 0's directions), added into the row of token t; other rows get none.");
        Buffer grads = Memory.EmbeddedGrads!;
        W.Line(Calls.Clear(grads.Row(First), (Steps - First) * Sizes.InputStride));
        foreach (Unit unit in Memory.UnitsOf(0))
        {
            W.Line(Calls.Dot(Network.EmbeddingBackprop!, unit.InputGrads.Row(First), unit.InputWeights.At(0), grads.Row(First), Steps - First));
        }

        using (W.Open("for (int s = first; s < steps; s++)"))
        {
            W.Line(Calls.Add(grads.Row(BackTime), Memory.EmbeddingWeights!.GradientRow(new Expr.Var("inputs[s]")), Sizes.InputStride));
        }

        W.Line();
    }

    /// <summary>The head's gradient at step s enters the state gradient here: dh (into its first entries) or dy.</summary>
    private (Slot Row, Expr Width) Incoming(Unit unit, Expr s) => Sizes.FeedsBack
        ? (Memory.Logits.Row(s), Sizes.OutputPadded)
        : (unit.HiddenGrads.Row(s), Sizes.FeaturesPadded);

    /// <summary>Declares the weights a backward step reads.</summary>
    private UnitWeights DeclareBackwardWeights(Unit unit)
    {
        W.Line($"ref {T} recurrentWeights = ref {unit.RecurrentWeights.At(0).Print()};");
        Slot? projection = null;
        if (unit.ProjectionWeights is not null)
        {
            W.Line($"ref {T} projectionWeights = ref {unit.ProjectionWeights.At(0).Print()};");
            projection = Local("projectionWeights");
        }

        if (Sizes.FeedsBack)
        {
            W.Line($"ref {T} outputWeights = ref {Memory.OutputWeights.At(0).Print()};");
        }

        return new UnitWeights(Local("recurrentWeights"), null, null, projection);
    }

    private BackwardOperands Operands(UnitWeights weights, Unit unit, Expr s, Slot state, Slot inputGrad, Slot recurrentGrad, Slot previous, bool total = true) => new(
        weights,
        State: state,
        Gates: unit.Gates?.Row(s),
        HiddenPart: unit.HiddenPart?.Row(s),
        Cell: unit.Cells?.Row(unit.HiddenRow(s)),
        PreviousCell: unit.Cells?.Row(unit.PreviousRow(s)),
        PreviousHidden: unit.States.Row(unit.PreviousRow(s)),
        Hidden: unit.States.Row(unit.HiddenRow(s)),
        Scratch: Memory.Scratch.At(Sizes.GateWidth),
        InputGrad: inputGrad,
        RecurrentGrad: recurrentGrad,
        PreviousState: previous,
        ProjectionGrad: total ? unit.ProjectionGrads?.Row(s) : null,
        OutputWeights: Sizes.FeedsBack ? Local("outputWeights") : null);

    /// <summary>
    /// One carried state gradient per layer, from the top layer down: full BPTT, or the single window of a
    /// sequence-to-one loss (steps first..steps-1 in every layer).
    /// </summary>
    private void PrintChain()
    {
        W.Line("/// <summary>");
        W.Line(Sizes.LastStep
            ? "/// The one loss at the last step, walked back to step first (all the way, or Truncate steps), layer by layer from the top."
            : "/// Full BPTT, layer by layer from the top: the state gradient at s is the gradient arriving at s plus what the next step sends back.");
        if (Sizes.Bidirectional)
        {
            W.Line("/// A reverse direction's next step is the previous one in time, so its walk runs from the first step to the last.");
        }

        W.Line("/// </summary>");
        using (W.Open($"private static void Bptt(ref {T} p, ref {T} w, int steps, int first{StateGradientParameter})"))
        {
            W.Line($"ref {T} carry = ref {Memory.Carry!.At(0).Print()};");
            W.Line($"ref {T} next = ref {Memory.CarryNext!.At(0).Print()};");
            for (int layer = Sizes.Depth - 1; layer >= 0; layer--)
            {
                if (Sizes.Stacked || Sizes.Bidirectional)
                {
                    W.Line($"// Layer {layer}.");
                }

                foreach (Unit unit in Memory.UnitsOf(layer))
                {
                    PrintChainUnit(unit);
                }

                if (layer > 0)
                {
                    PrintDown(layer);
                }
            }
        }

        W.Line();
    }

    private void PrintChainUnit(Unit unit)
    {
        using (Scope())
        {
            UnitWeights weights = DeclareBackwardWeights(unit);
            (Slot row, Expr width) = Incoming(unit, BackTime);
            Slot carry = Local("carry"), next = Local("next");
            if (Sizes.ComposesState)
            {
                W.Line("// From the caller's gradient of the final state, or zero when it is a null ref.");
                W.Line($"Rows.LoadState<{T}>(ref stateGradient, {Calls.Width(CarriedPart(unit))}, {carry.Ref}, {Calls.Width(Sizes.StateGradientWidth)});");
            }
            else
            {
                W.Line(Calls.Clear(carry, Sizes.StateGradientWidth));
            }

            using (W.Open(unit.Reverse ? "for (int s = first; s < steps; s++)" : "for (int s = steps - 1; s >= first; s--)"))
            {
                W.Line(Calls.Add(row, carry, width));
                if (Sizes.FeedsBack)
                {
                    W.Line("// The total dy_s, for the head's gradients.");
                    W.Line(Calls.Copy(carry, Memory.Logits.Row(BackTime), Sizes.OutputPadded));
                }

                Lines(Cell.Backward(Operands(weights, unit, BackTime, carry, unit.InputGrads.Row(BackTime), unit.RecurrentSideGrads.Row(BackTime), next)));
                using (W.Open(unit.Reverse ? "if (s < steps - 1)" : "if (s > first)"))
                {
                    W.Line(Calls.Dot(Network.RecurrentBackprop, unit.RecurrentSideGrads.Row(BackTime), weights.Recurrent, next, 1));
                    W.Line(Calls.Copy(next, carry, Sizes.StateGradientWidth));
                }
            }

            if (Sizes.ComposesState)
            {
                W.Line("// For the caller: the gradient of the state entering step 0, which the walk reaches when first is 0.");
                using (W.Open("if (!Unsafe.IsNullRef(ref stateGradient))"))
                {
                    using (W.Open("if (first == 0)"))
                    {
                        W.Line(Calls.Dot(Network.RecurrentBackprop, unit.RecurrentSideGrads.Row(First), weights.Recurrent, next, 1));
                    }

                    using (W.Open("else"))
                    {
                        W.Line(Calls.Clear(next, Sizes.StateGradientWidth));
                    }

                    ReturnStateGradient(next, unit);
                }
            }
        }
    }

    /// <summary>dh of every unit below = W_ihᵀ δ of every unit of the layer (its part of W_ih), for all steps in one product each.</summary>
    private void PrintDown(int layer)
    {
        W.Line("// Down to the layer below: dh_s = W_ihᵀ δ_s for every step, one product per pair of directions.");
        foreach (Unit below in Memory.UnitsOf(layer - 1))
        {
            W.Line(Calls.Clear(below.HiddenGrads.At(0), Steps * Sizes.FeaturesPadded));
        }

        foreach (Unit unit in Memory.UnitsOf(layer))
        {
            foreach ((Unit below, Slot weights) in DirectionRows(layer - 1, unit.InputWeights.At(0), Sizes.GateWidth))
            {
                W.Line(Calls.Dot(Network.LayerBackprop!, unit.InputGrads.Row(First), weights, below.HiddenGrads.Row(First), Steps - First));
            }
        }

        if (Sizes.Dropout)
        {
            W.Line("// Through the dropout masks this call drew.");
            foreach (Unit below in Memory.UnitsOf(layer - 1))
            {
                W.Line(Calls.Multiply(below.Mask!.Row(First), below.HiddenGrads.Row(First), (Steps - First) * Sizes.FeaturesPadded));
            }
        }
    }

    /// <summary>The ring of truncation windows, for a loss at every step with Truncate shorter than the sequence.</summary>
    private void PrintTruncated()
    {
        Unit top = Memory.Top;
        (Slot headRow, Expr headWidth) = Incoming(top, BackTime);
        W.Lines("""
            /// <summary>
            /// Truncated BPTT, exactly the tutorial's bptt_truncate: the loss at step t reaches steps
            /// t, t-1, ..., t-Truncate in every layer, and the state entering step t-Truncate is a constant.
            /// Window t keeps every layer's state gradient in slot t % (Truncate + 1). A backward step is
            /// linear in it, so the parameter gradients need only the sum over live windows, one call per
            /// layer and step; each window separately goes back in time (while its window lasts) and down.
            /// </summary>
            """);
        using (W.Open($"private static void Bptt(ref {T} p, ref {T} w, int steps, int first{StateGradientParameter})"))
        {
            W.Line($"ref {T} total = ref {Memory.Total!.At(0).Print()};");
            using (W.Open("for (int s = steps - 1; s >= first; s--)"))
            {
                W.Line("int live = Math.Min(steps - 1, s + Truncate) - s + 1;    // windows t = s..s+live-1 reach step s");
                W.Line("int going = s == 0 ? 0 : Math.Min(live, Truncate);      // of which t = s..s+going-1 go on to s - 1");
                W.Line();
                W.Line($"// Window s opens: the head's gradient at s{(Sizes.Stacked ? " in the top layer, zero below" : "")}.");
                W.Line($"ref {T} opened = ref Window(ref w, s);");
                Slot opened = Local("opened");
                if (Sizes.Stacked || Sizes.StateGradientWidth.Value > (Sizes.FeedsBack ? Sizes.OutputPadded : Sizes.FeaturesPadded).Value)
                {
                    W.Line(Calls.Clear(opened, Sizes.Depth * (Expr)Sizes.StateGradientWidth));
                }

                W.Line(Calls.Copy(headRow, LayerPart(opened, top), headWidth));
                if (Sizes.ComposesState)
                {
                    using (W.Open("if (s == steps - 1 && !Unsafe.IsNullRef(ref stateGradient))"))
                    {
                        W.Line("// The caller's gradient of the final state enters with the last step's window, as a loss there would.");
                        foreach (Unit unit in Memory.Units)
                        {
                            W.Line(Calls.Add(Local("stateGradient").Plus(CarriedPart(unit)), LayerPart(opened, unit), Sizes.StateGradientWidth));
                        }
                    }
                }

                for (int i = Memory.Units.Count - 1; i >= 0; i--)
                {
                    PrintTruncatedLayer(Memory.Units[i]);
                }
            }
        }

        W.Line();
        W.Line("/// <summary>Window t's state gradient in layer 0 (layer l at l * StateGradientWidth further).</summary>");
        W.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        W.Line($"private static ref {T} Window(ref {T} w, int t) => ref Unsafe.Add(ref w, {Memory.Windows!.Start} + t % (Truncate + 1) * (Layers * StateGradientWidth));");
        W.Line();
    }

    /// <summary>A unit's part of a window's state gradients (every layer's, StateGradientWidth apart).</summary>
    private Slot LayerPart(Slot window, Unit unit) => window.Plus(unit.Layer * (Expr)Sizes.StateGradientWidth);

    private static Slot WindowOf(string t) => new(new Base($"Window(ref w, {t})"), Expr.Zero);

    private void PrintTruncatedLayer(Unit unit)
    {
        Slot live = LayerPart(WindowOf("s + i"), unit), scratchState = Memory.Scratch.At(Sizes.GateWidth + Sizes.HiddenPadded);
        W.Line();
        if (Sizes.Stacked)
        {
            W.Line($"// Layer {unit.Layer}.");
        }

        using (Scope())
        {
            UnitWeights weights = DeclareBackwardWeights(unit);
            if (!unit.First)
            {
                W.Line($"ref {T} inputWeights = ref {unit.InputWeights.At(0).Print()};");
            }

            if (unit.Layer <= 1)
            {
                // Said at layers 0 and 1 only: a deep stack would repeat them per layer.
                W.Line("// Every live window's state gradient here is complete: their sum goes through the step once, for the parameters.");
            }

            Slot total = Local("total");
            W.Line(Calls.Copy(LayerPart(WindowOf("s"), unit), total, Sizes.StateGradientWidth));
            using (W.Open("for (int i = 1; i < live; i++)"))
            {
                W.Line(Calls.Add(live, total, Sizes.StateGradientWidth));
            }

            if (Sizes.FeedsBack)
            {
                W.Line("// The total dy_s, for the head's gradients.");
                W.Line(Calls.Copy(total, Memory.Logits.Row(BackTime), Sizes.OutputPadded));
            }

            Lines(Cell.Backward(Operands(weights, unit, BackTime, total, unit.InputGrads.Row(BackTime), unit.RecurrentSideGrads.Row(BackTime), scratchState)));
            if (Sizes.ComposesState)
            {
                using (W.Open("if (s == 0 && !Unsafe.IsNullRef(ref stateGradient))"))
                {
                    W.Line("// Every window live at step 0 reaches the state entering it: their sum's gradient of that state, for the caller.");
                    W.Line(Calls.Dot(Network.RecurrentBackprop, unit.RecurrentSideGrads.Row(BackTime), weights.Recurrent, scratchState, 1));
                    ReturnStateGradient(scratchState, unit);
                }
            }

            if (unit.Layer <= 1)
            {
                W.Line(unit.First
                    ? "// Each window that goes on, separately: back to step s - 1."
                    : "// Each live window separately: back to step s - 1 while its window lasts, and down to the layer below.");
            }

            Buffer recurrentPre = Memory.WindowRecurrentPre ?? Memory.WindowPre!;
            Slot previous = unit.First
                ? Memory.WindowNext!.Row(Window)
                : new Slot(Base.Workspace, new Expr.Choice("i < going", Memory.WindowNext!.Row(Window).Offset, scratchState.Offset));
            using (W.Open($"for (int i = 0; i < {(unit.First ? "going" : "live")}; i++)"))
            {
                Lines(Cell.Backward(Operands(weights, unit, BackTime, live, Memory.WindowPre!.Row(Window), recurrentPre.Row(Window), previous, total: false)));
            }

            W.Line(Calls.Dot(Network.RecurrentBackprop, recurrentPre.At(0), weights.Recurrent, Memory.WindowNext.At(0), new Expr.Var("going")));
            if (!unit.First)
            {
                PrintTruncatedDown(unit);
            }

            using (W.Open("for (int i = 0; i < going; i++)"))
            {
                W.Line(Calls.Copy(Memory.WindowNext.Row(Window), live, Sizes.StateGradientWidth));
            }
        }
    }

    /// <summary>Each live window's gradient into the layer below (through this call's dropout mask).</summary>
    private void PrintTruncatedDown(Unit unit)
    {
        Unit below = Memory.Units[unit.Layer - 1];
        W.Line(Calls.Clear(Memory.WindowDown!.At(0), new Expr.Var("live") * Sizes.FeaturesPadded));
        W.Line(Calls.Dot(Network.LayerBackprop!, Memory.WindowPre!.At(0), Local("inputWeights"), Memory.WindowDown.At(0), new Expr.Var("live")));
        using (W.Open("for (int i = 0; i < live; i++)"))
        {
            Slot target = LayerPart(WindowOf("s + i"), below);
            W.Line(Sizes.Dropout
                ? Calls.AddProduct(Memory.WindowDown.Row(Window), below.Mask!.Row(BackTime), target, Sizes.FeaturesPadded) + " // through this call's dropout mask"
                : Calls.Add(Memory.WindowDown.Row(Window), target, Sizes.FeaturesPadded));
        }
    }
}
