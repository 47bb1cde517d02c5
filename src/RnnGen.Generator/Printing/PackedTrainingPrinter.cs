using RnnGen.Generator.Cells;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// Backward over a packed batch (<see cref="PackedTraining"/>): each layer's forward pass step by step over each step's
/// rows, the head and the loss over chunks of rows, then layer by layer from the top BPTT back through the steps (full,
/// each sequence carrying its own state gradient, or truncated, in windows), and the parameters' gradients (per step
/// for W_hh, all rows at once for the rest), handing dh down to the layer below.
/// </summary>
internal sealed class PackedTrainingPrinter : Printer
{
    private static readonly Expr Row = new Expr.Var("r"), Stream = new Expr.Var("m"), Count = new Expr.Var("n"), Rows = new Expr.Var("rows"),
        Offset = new Expr.Var("offset"), Previous = new Expr.Var("previous");

    public PackedTrainingPrinter(Network network, CodeWriter writer)
        : base(network, writer)
    {
    }

    private PackedTraining Packed => Network.PackedTraining!;

    public void Print()
    {
        if (Network.PackedTraining is null)
        {
            return;
        }

        W.Line("// The packed workspace of BackwardBatch, allocated at the first batched Backward: Batch × MaxSteps rows of each.");
        foreach (Buffer buffer in Packed.Buffers)
        {
            W.Line($"public const int {buffer.Name} = {buffer.Offset}; // {buffer.Comment}");
        }

        W.Line($"public const int PackedWorkspaceLength = {Packed.Length};");
        W.Line();
        W.Line("/// <summary>");
        W.Line("/// Backward over a packed batch (PackedBatch.Pack): rows are every sequence's steps, step after step, the sequences");
        W.Line(Sizes.LastStep
            ? "/// longest first, sizes[t] of them at step t; inputs in the same order, and one target and last row per sequence. Adds the gradients; returns the loss."
            : "/// longest first, sizes[t] of them at step t; inputs and targets are in the same order. Adds the gradients; returns the loss.");
        W.Line("/// </summary>");
        using (W.Open($"public static {T} BackwardBatch({T}[] parameters, {T}[] gradients, {T}[] workspace, ReadOnlySpan<{InputType}> inputs, ReadOnlySpan<{TargetType}> targets, ReadOnlySpan<int> sizes, {(Sizes.LastStep ? "ReadOnlySpan<int> last, " : "")}int steps, int rows)"))
        {
            Origins(gradients: true);
            W.Line("int offset, previous;");
            for (int layer = 0; layer < Packed.Layers.Count; layer++)
            {
                PrintForward(layer);
            }

            PrintHead();
            for (int layer = Packed.Layers.Count - 1; layer >= 0; layer--)
            {
                if (Packed.Windows is not null)
                {
                    PrintTruncated(layer);
                }
                else
                {
                    PrintBackward(layer);
                }

                PrintParameterGradients(layer);
            }

            W.Line("return loss;");
        }

        W.Line();
    }

    /// <summary>Layer 0's dense input rows: the packed inputs, or the gathered embedding rows.</summary>
    private Slot Inputs => Packed.Embedded?.At(0) ?? DenseInputs;

    /// <summary>Where each row's input side goes: its h row (vanilla), its gate row (LSTM), or its input row (GRU).</summary>
    private Slot InputRows(PackedLayer rows) => Packed.WritesState ? rows.States.Row(Spec.Batch) : Packed.JoinsInput ? rows.Gates!.At(0) : rows.Input!.At(0);

    /// <summary>One layer's forward pass: the zero state, the input side of every row, then step after step over its rows.</summary>
    private void PrintForward(int layer)
    {
        PackedLayer rows = Packed.Layers[layer];
        Unit unit = Memory.Units[layer];
        if (Packed.Layers.Count > 1)
        {
            W.Line($"// Layer {layer}, forward.");
        }

        using (W.Open(""))
        {
            W.Line($"ref {T} recurrentWeights = ref {unit.RecurrentWeights.At(0).Print()};");
            W.Line("// Every sequence starts from the zero state: rows 0..Batch-1.");
            W.Line(Calls.Clear(rows.States.At(0), Spec.Batch * (Expr)Sizes.FeaturesPadded));
            if (rows.Cells is not null)
            {
                W.Line(Calls.Clear(rows.Cells.At(0), Spec.Batch * (Expr)Sizes.HiddenPadded));
            }

            if (Packed.JoinsInput)
            {
                W.Line(Calls.Copy(unit.InputBias.At(0), Packed.Bias!.At(0), Sizes.GateWidth));
                W.Line(Calls.Add(unit.RecurrentBias.At(0), Packed.Bias.At(0), Sizes.GateWidth));
            }

            PrintInputSide(layer);
            W.Line("// Step t: its n rows from offset, reading h_{t-1} of the same sequences from previous (the zero rows at t = 0).");
            W.Line("offset = 0;");
            W.Line("previous = 0;");
            using (W.Open("for (int t = 0; t < steps; t++)"))
            {
                W.Line("int n = sizes[t];");
                Slot gates = Packed.WritesState ? rows.States.Row(Spec.Batch + Offset) : rows.Gates!.Row(Offset);
                Lines(Calls.Product(Packed.Recurrent, rows.States.Row(Previous), Local("recurrentWeights"), gates, Count, Packed.JoinsInput ? new Slot[0] : new[] { unit.RecurrentBias.At(0) }));
                if (!Packed.WritesState)
                {
                    using (W.Open("for (int m = 0; m < n; m++)"))
                    {
                        Lines(Cell.Update(new StepOperands(
                            new UnitWeights(Local("recurrentWeights"), unit.InputBias.At(0), unit.RecurrentBias.At(0), null),
                            Previous: rows.States.Row(Previous + Stream),
                            PreviousCell: rows.Cells?.Row(Previous + Stream),
                            Input: rows.Input is null && !Packed.JoinsInput ? unit.InputWeights.Row(new Expr.Var("inputs[offset + m]")) : (rows.Input ?? rows.Gates!).Row(Offset + Stream),
                            Gates: rows.Gates!.Row(Offset + Stream),
                            HiddenPart: rows.HiddenPart?.Row(Offset + Stream),
                            Cell: rows.Cells?.Row(Spec.Batch + Offset + Stream),
                            Hidden: rows.States.Row(Spec.Batch + Offset + Stream),
                            Unprojected: null)));
                    }
                }

                W.Line($"previous = {Spec.Batch} + offset;");
                W.Line("offset += n;");
            }
        }

        W.Line();
    }

    /// <summary>A layer's input side for every row at once: a product over dense rows or the layer below's h, or token rows of W_ih.</summary>
    private void PrintInputSide(int layer)
    {
        PackedLayer rows = Packed.Layers[layer];
        Unit unit = Memory.Units[layer];
        Slot[] start = Packed.JoinsInput ? new[] { Packed.Bias!.At(0) } : new Slot[0];
        if (layer > 0)
        {
            W.Line("// W_ih h of the layer below, every row at once.");
            Lines(Calls.Product(Packed.LayerInput!, Packed.Layers[layer - 1].States.Row(Spec.Batch), unit.InputWeights.At(0), InputRows(rows), Rows, start));
        }
        else if (Packed.InputProjection is { } input)
        {
            if (Packed.Embedded is { } embedded)
            {
                W.Line("// The embedding layer: x of each row is its token's row of the table.");
                using (W.Open("for (int r = 0; r < rows; r++)"))
                {
                    W.Line(Calls.Copy(Memory.EmbeddingWeights!.Row(new Expr.Var("inputs[r]")), embedded.Row(Row), Sizes.InputStride));
                }
            }

            W.Line("// W_ih x of every row at once: the input side does not depend on the recurrence.");
            Lines(Calls.Product(input, Inputs, unit.InputWeights.At(0), InputRows(rows), Rows, start));
        }
        else if (Packed.JoinsInput)
        {
            W.Line("// One-hot input: each row's sums start from b_ih + b_hh and its token's row of W_ih.");
            using (W.Open("for (int r = 0; r < rows; r++)"))
            {
                Slot target = InputRows(rows).Plus(Row * (Packed.WritesState ? Sizes.FeaturesPadded : Sizes.GateWidth));
                W.Line(Calls.Copy(Packed.Bias!.At(0), target, Sizes.GateWidth));
                W.Line(Calls.Add(unit.InputWeights.Row(new Expr.Var("inputs[r]")), target, Sizes.GateWidth));
            }
        }
    }

    /// <summary>
    /// The head, the loss, the head's gradients, and dh of the top layer's rows through W_out turned the other way: over
    /// chunks of rows whose logits stay in the caches, or with Outputs.LastStep over each sequence's last row, gathered.
    /// </summary>
    private void PrintHead()
    {
        if (Packed.OutputTransposed is { } transposed)
        {
            W.Line($"Rows.Transpose<{T}>({Memory.OutputWeights.At(0).Ref}, {Sizes.Features.Print()}, OutputPadded, {Sizes.OutputPanel.Value}, {transposed.At(0).Ref}, {Sizes.FeaturesPadded.Print()});");
        }

        W.Line($"{T} loss = 0;");
        if (Packed.Last is { } last)
        {
            W.Line("// The head reads each sequence's h at its last step (one packed row each), gathered.");
            W.Line("int sequences = sizes[0];");
            using (W.Open("for (int m = 0; m < sequences; m++)"))
            {
                W.Line(Calls.Copy(Packed.Top.States.Row(Spec.Batch + new Expr.Var("last[m]")), last.Row(Stream), Sizes.FeaturesPadded));
            }

            PrintHeadRows(last.At(0), new Expr.Var("sequences"), "targets", last.At(0));
            W.Line("// Only each sequence's last row gets a gradient from the head.");
            W.Line(Calls.Clear(Packed.Top.HiddenGrads.At(0), Rows * Sizes.FeaturesPadded));
            using (W.Open("for (int m = 0; m < sequences; m++)"))
            {
                W.Line(Calls.Copy(last.Row(Stream), Packed.Top.HiddenGrads.Row(new Expr.Var("last[m]")), Sizes.FeaturesPadded));
            }
        }
        else
        {
            var first = new Expr.Var("first");
            W.Line($"// The head in chunks of {Packed.HeadChunk} rows, whose logits stay in the caches.");
            using (W.Open($"for (int first = 0; first < rows; first += {Packed.HeadChunk})"))
            {
                W.Line($"int chunk = Math.Min({Packed.HeadChunk}, rows - first);");
                PrintHeadRows(Packed.Top.States.Row(Spec.Batch + first), new Expr.Var("chunk"), $"targets.Slice(first{(Sizes.CrossEntropy ? "" : " * Output")}, chunk{(Sizes.CrossEntropy ? "" : " * Output")})",
                    Packed.Top.HiddenGrads.Row(first));
            }
        }

        W.Line();
    }

    /// <summary>The head of <paramref name="count"/> h rows, their loss (added), their gradients, and their dh into <paramref name="grads"/>.</summary>
    private void PrintHeadRows(Slot heads, Expr count, string targets, Slot grads)
    {
        Lines(Calls.Product(Network.HeadForward, heads, Memory.OutputWeights.At(0), Packed.Logits.At(0), count, Memory.OutputBias.At(0)));
        if (Sizes.CrossEntropy && Sizes.OutputPadded.Value > Sizes.Output.Value)
        {
            W.Line($"Losses.MaskPadding<{T}>({Packed.Logits.At(0).Ref}, {count.Print()}, Output, OutputPadded);");
        }

        string logits = $"{Packed.Logits.At(0).Ref}, {targets}, {count.Print()}";
        W.Line(Sizes.CrossEntropy
            ? $"loss += Losses.SoftmaxCrossEntropy<{T}>({logits}, OutputPadded);"
            : $"loss += Losses.SquaredErrorGradient<{T}>({logits}, Output, OutputPadded);");
        W.Line(Calls.SumRows(Packed.Logits.At(0), Memory.OutputBias.Gradient(0), count, Sizes.OutputPadded));
        Lines(Calls.Product(Network.OutputWeightGrads, heads, Packed.Logits.At(0), Memory.OutputWeights.Gradient(0), count));
        if (Packed.HiddenGradsFromHead is { } head)
        {
            Lines(Calls.Product(head, Packed.Logits.At(0), Packed.OutputTransposed!.At(0), grads, count));
        }
        else
        {
            W.Line(Calls.Clear(grads, count * Sizes.FeaturesPadded));
            W.Line(Calls.Dot(Network.HiddenGradsFromHead, Packed.Logits.At(0), Memory.OutputWeights.At(0), grads, count));
        }
    }

    /// <summary>One layer's BPTT over the packed rows: each sequence's state gradient in its carry row, rows of ended sequences zero.</summary>
    private void PrintBackward(int layer)
    {
        PackedLayer rows = Packed.Layers[layer];
        Unit unit = Memory.Units[layer];
        W.Line($"// {(Packed.Layers.Count > 1 ? $"Layer {layer}, back" : "Back")} through the steps: carry row m is sequence m's state gradient; a sequence whose last step is t starts from zero there.");
        using (W.Open(""))
        {
            DeclareBackward(unit, "carry");
            W.Line("offset = rows;");
            using (W.Open("for (int t = steps - 1; t >= 0; t--)"))
            {
                W.Line("int n = sizes[t], ended = t + 1 < steps ? sizes[t + 1] : 0;");
                W.Line("offset -= n;");
                W.Line(Calls.Clear(Local("carry").Plus(new Expr.Var("ended") * Sizes.StateGradientWidth), (Count - new Expr.Var("ended")) * Sizes.StateGradientWidth));
                W.Line($"previous = t == 0 ? 0 : {Spec.Batch} + offset - sizes[t - 1];");
                using (W.Open("for (int m = 0; m < n; m++)"))
                {
                    Slot carry = Local("carry").Plus(Stream * Sizes.StateGradientWidth);
                    W.Line(Calls.Add(rows.HiddenGrads.Row(Offset + Stream), carry, Sizes.FeaturesPadded));
                    Lines(Cell.Backward(RowOperands(rows, Local("carry"), rows.InputGrads.Row(Offset + Stream), rows.RecurrentSideGrads.Row(Offset + Stream))));
                }

                using (W.Open("if (t > 0)"))
                {
                    W.Line("// Each sequence's gradient one step back, and dW_hh += Σ h_{t-1} δᵀ over the step's rows.");
                    PrintStepBack(rows.RecurrentSideGrads.Row(Offset));

                    W.Line(Calls.Copy(Local("next"), Local("carry"), Count * Sizes.StateGradientWidth));
                    Lines(Calls.Product(Network.RecurrentWeightGrads, rows.States.Row(Previous), rows.RecurrentSideGrads.Row(Offset), unit.RecurrentWeights.Gradient(0), Count));
                }
            }
        }
    }

    /// <summary>
    /// Truncated BPTT over the packed rows, as a single sequence's: the loss at step t reaches steps t..t-Truncate. Window
    /// t holds every sequence's state gradient (row m) in slot t % (Truncate + 1), zero for a sequence without step t. A
    /// backward step is linear in it, so the parameters need only the sum of the live windows, once per step; each window
    /// that goes on goes back a step separately.
    /// </summary>
    private void PrintTruncated(int layer)
    {
        PackedLayer rows = Packed.Layers[layer];
        Unit unit = Memory.Units[layer];
        Buffer windows = Packed.Windows!;
        Expr slot = Spec.Batch * (Expr)Sizes.StateGradientWidth;
        W.Line("// Back through the steps, truncated: window t reaches steps t..t-Truncate of each sequence.");
        using (W.Open(""))
        {
            DeclareBackward(unit, "total");
            W.Line("offset = rows;");
            using (W.Open("for (int s = steps - 1; s >= 0; s--)"))
            {
                W.Line("int n = sizes[s];");
                W.Line("offset -= n;");
                W.Line($"previous = s == 0 ? 0 : {Spec.Batch} + offset - sizes[s - 1];");
                W.Line("int live = Math.Min(steps - 1, s + Truncate) - s + 1;    // windows t = s..s+live-1 reach step s");
                W.Line("int going = s == 0 ? 0 : Math.Min(live, Truncate);      // of which t = s..s+going-1 go on to s - 1");
                W.Line("// Window s opens: the head's gradient at s of the sequences that have step s, zero for the others.");
                W.Line($"ref {T} opened = ref {windows.At(new Expr.Var("s % (Truncate + 1)") * slot).Print()};");
                W.Line(Calls.Clear(Local("opened"), slot));
                using (W.Open("for (int m = 0; m < n; m++)"))
                {
                    W.Line(Calls.Add(rows.HiddenGrads.Row(Offset + Stream), Local("opened").Plus(Stream * Sizes.StateGradientWidth), Sizes.FeaturesPadded));
                }

                W.Line("// Every live window's sum goes through the step once, for the parameters.");
                W.Line(Calls.Copy(Local("opened"), Local("total"), Count * Sizes.StateGradientWidth));
                using (W.Open("for (int i = 1; i < live; i++)"))
                {
                    W.Line(Calls.Add(windows.At(new Expr.Var("(s + i) % (Truncate + 1)") * slot), Local("total"), Count * Sizes.StateGradientWidth));
                }

                using (W.Open("for (int m = 0; m < n; m++)"))
                {
                    Lines(Cell.Backward(RowOperands(rows, Local("total"), rows.InputGrads.Row(Offset + Stream), rows.RecurrentSideGrads.Row(Offset + Stream))));
                }

                using (W.Open("if (s > 0)"))
                {
                    Lines(Calls.Product(Network.RecurrentWeightGrads, rows.States.Row(Previous), rows.RecurrentSideGrads.Row(Offset), unit.RecurrentWeights.Gradient(0), Count));
                }

                PrintGoingWindows(rows);
            }
        }
    }

    /// <summary>Each window that goes on to step s - 1, separately: its backward step, then W_hhᵀ of its pre-activation gradients.</summary>
    private void PrintGoingWindows(PackedLayer rows)
    {
        Buffer pre = Packed.WindowRecurrentPre ?? Packed.WindowPre!;
        W.Line("// Each window that goes on, separately: back to step s - 1.");
        using (W.Open("for (int i = 0; i < going; i++)"))
        {
            W.Line($"ref {T} window = ref {Packed.Windows!.At(new Expr.Var("(s + i) % (Truncate + 1)") * (Spec.Batch * (Expr)Sizes.StateGradientWidth)).Print()};");
            using (W.Open("for (int m = 0; m < n; m++)"))
            {
                Lines(Cell.Backward(RowOperands(rows, Local("window"), Packed.WindowPre!.Row(Stream), pre.Row(Stream))));
            }

            PrintStepBack(pre.At(0));

            W.Line(Calls.Copy(Local("next"), Local("window"), Count * Sizes.StateGradientWidth));
        }
    }

    /// <summary>
    /// The locals of a layer's walk back: its W_hh, the per-sequence state gradients (<paramref name="carried"/>: the
    /// carried ones, or the windows' sum) and the next step's, and W_hh turned the other way for this layer.
    /// </summary>
    private void DeclareBackward(Unit unit, string carried)
    {
        W.Line($"ref {T} recurrentWeights = ref {unit.RecurrentWeights.At(0).Print()};");
        W.Line($"ref {T} {carried} = ref {Packed.Carry.At(0).Print()};");
        W.Line($"ref {T} next = ref {Packed.CarryNext.At(0).Print()};");
        if (Packed.RecurrentTransposed is { } transposed)
        {
            W.Line($"Rows.Transpose<{T}>(ref recurrentWeights, {Sizes.RecurrentInputs.Print()}, GateWidth, {Sizes.RecurrentPanel.Value}, {transposed.At(0).Ref}, {Sizes.FeaturesPadded.Print()});");
        }
    }

    /// <summary>
    /// next += the W_hh term of the step's n rows from their hidden-side δ rows at <paramref name="grads"/>: a product
    /// over W_hh turned the other way, or the dot products where it stays as it is.
    /// </summary>
    private void PrintStepBack(Slot grads)
    {
        if (Packed.RecurrentBackprop is { } back)
        {
            Lines(Calls.Product(back, grads, Packed.RecurrentTransposed!.At(0), Local("next"), Count));
        }
        else
        {
            W.Line(Calls.Dot(Network.RecurrentBackprop, grads, Local("recurrentWeights"), Local("next"), Count));
        }
    }

    /// <summary>A backward step of row m of the step from the state gradients at <paramref name="state"/> (row m of them).</summary>
    private BackwardOperands RowOperands(PackedLayer rows, Slot state, Slot inputGrad, Slot recurrentGrad) => new(
        new UnitWeights(Local("recurrentWeights"), null, null, null),
        State: state.Plus(Stream * Sizes.StateGradientWidth),
        Gates: rows.Gates?.Row(Offset + Stream),
        HiddenPart: rows.HiddenPart?.Row(Offset + Stream),
        Cell: rows.Cells?.Row(Spec.Batch + Offset + Stream),
        PreviousCell: rows.Cells?.Row(Previous + Stream),
        PreviousHidden: rows.States.Row(Previous + Stream),
        Hidden: rows.States.Row(Spec.Batch + Offset + Stream),
        Scratch: Packed.Scratch.At(0),
        InputGrad: inputGrad,
        RecurrentGrad: recurrentGrad,
        PreviousState: Local("next").Plus(Stream * Sizes.StateGradientWidth),
        ProjectionGrad: null,
        OutputWeights: null);

    /// <summary>A layer's biases and W_ih over every row at once, and for a layer above the first, dh of the layer below.</summary>
    private void PrintParameterGradients(int layer)
    {
        PackedLayer rows = Packed.Layers[layer];
        Unit unit = Memory.Units[layer];
        W.Line("// Biases and W_ih, every row at once.");
        W.Line(Calls.SumRows(rows.InputGrads.At(0), unit.InputBias.Gradient(0), Rows, Sizes.GateWidth));
        W.Line(Calls.SumRows(rows.RecurrentSideGrads.At(0), unit.RecurrentBias.Gradient(0), Rows, Sizes.GateWidth));
        if (layer > 0)
        {
            PackedLayer below = Packed.Layers[layer - 1];
            Lines(Calls.Product(Network.LayerInputWeightGrads!, below.States.Row(Spec.Batch), rows.InputGrads.At(0), unit.InputWeights.Gradient(0), Rows));
            W.Line("// Down to the layer below: its dh = W_ihᵀ δ, every row at once.");
            W.Line(Calls.Clear(below.HiddenGrads.At(0), Rows * Sizes.FeaturesPadded));
            W.Line(Calls.Dot(Network.LayerBackprop!, rows.InputGrads.At(0), unit.InputWeights.At(0), below.HiddenGrads.At(0), Rows));
        }
        else if (Spec.LookupInput)
        {
            using (W.Open("for (int r = 0; r < rows; r++)"))
            {
                W.Line(Calls.Add(rows.InputGrads.Row(Row), unit.InputWeights.GradientRow(new Expr.Var("inputs[r]")), Sizes.GateWidth));
            }
        }
        else
        {
            Lines(Calls.Product(Network.InputWeightGrads!, Inputs, rows.InputGrads.At(0), unit.InputWeights.Gradient(0), Rows));
            if (Packed.EmbeddedGrads is { } grads)
            {
                W.Line("// The embedding: dx = W_ihᵀ δ of every row, added into its token's row; other rows get none.");
                W.Line(Calls.Clear(grads.At(0), Rows * Sizes.InputStride));
                W.Line(Calls.Dot(Network.EmbeddingBackprop!, rows.InputGrads.At(0), unit.InputWeights.At(0), grads.At(0), Rows));
                using (W.Open("for (int r = 0; r < rows; r++)"))
                {
                    W.Line(Calls.Add(grads.Row(Row), Memory.EmbeddingWeights!.GradientRow(new Expr.Var("inputs[r]")), Sizes.InputStride));
                }
            }
        }

        W.Line();
    }
}
