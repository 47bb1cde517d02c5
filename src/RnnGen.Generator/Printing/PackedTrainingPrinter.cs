using RnnGen.Generator.Cells;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// Backward over a packed batch (<see cref="PackedTraining"/>): the forward pass step by step over each step's rows,
/// the head and the loss over all rows, then BPTT back through the steps, each sequence carrying its own state
/// gradient, and the parameters' gradients (per step for W_hh, all rows at once for the rest).
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

    private Unit Unit => Memory.Units[0];

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
        W.Line("/// Backward over a packed batch (PaddedBatch.Pack): rows are every sequence's steps, step after step, the sequences");
        W.Line("/// longest first, sizes[t] of them at step t; inputs and targets are in the same order. Adds the gradients; returns the loss.");
        W.Line("/// </summary>");
        using (W.Open($"public static {T} BackwardBatch({T}[] parameters, {T}[] gradients, {T}[] workspace, ReadOnlySpan<{InputType}> inputs, ReadOnlySpan<{TargetType}> targets, ReadOnlySpan<int> sizes, int steps, int rows)"))
        {
            Origins(gradients: true);
            W.Line($"ref {T} recurrentWeights = ref {Unit.RecurrentWeights.At(0).Print()};");
            W.Line("// W_out (and W_hh) the other way round, for the backward products over many rows (padding rows stay zero).");
            W.Line($"Rows.Transpose<{T}>({Memory.OutputWeights.At(0).Ref}, {Sizes.Features.Print()}, OutputPadded, {Sizes.OutputPanel.Value}, {Packed.OutputTransposed.At(0).Ref}, {Sizes.FeaturesPadded.Print()});");
            if (Packed.RecurrentTransposed is { } recurrent)
            {
                W.Line($"Rows.Transpose<{T}>(ref recurrentWeights, {Sizes.RecurrentInputs.Print()}, GateWidth, {Sizes.RecurrentPanel.Value}, {recurrent.At(0).Ref}, {Sizes.FeaturesPadded.Print()});");
            }

            PrintForward();
            W.Line();
            W.Line("// The loss, and dLoss/dy in place of the head's outputs; the head's gradients, and dh of every row.");
            W.Line($"{T} loss = {Loss()};");
            W.Line(Calls.SumRows(Packed.Logits.At(0), Memory.OutputBias.Gradient(0), Rows, Sizes.OutputPadded));
            Lines(Calls.Product(Network.OutputWeightGrads, Packed.States.Row(Spec.Batch), Packed.Logits.At(0), Memory.OutputWeights.Gradient(0), Rows));
            Lines(Calls.Product(Packed.HiddenGradsFromHead, Packed.Logits.At(0), Packed.OutputTransposed.At(0), Packed.HiddenGrads.At(0), Rows));
            W.Line();
            PrintBackward();
            W.Line();
            PrintParameterGradients();
            W.Line("return loss;");
        }

        W.Line();
    }

    private string Loss()
    {
        string logits = $"{Packed.Logits.At(0).Ref}, targets, rows";
        return Sizes.CrossEntropy
            ? $"Losses.SoftmaxCrossEntropy<{T}>({logits}, OutputPadded)"
            : $"Losses.SquaredErrorGradient<{T}>({logits}, Output, OutputPadded)";
    }

    /// <summary>Where each row's input side goes: its h row (vanilla), its gate row (LSTM), or its input row (GRU).</summary>
    private Slot InputRows => Packed.WritesState ? Packed.States.Row(Spec.Batch) : Packed.JoinsInput ? Packed.Gates!.At(0) : Packed.Input?.At(0) ?? Packed.Gates!.At(0);

    /// <summary>The forward pass: the zero state, the input side of every row, then step after step over its rows, then the head.</summary>
    private void PrintForward()
    {
        W.Line("// Every sequence starts from the zero state: rows 0..Batch-1.");
        W.Line(Calls.Clear(Packed.States.At(0), Spec.Batch * (Expr)Sizes.FeaturesPadded));
        if (Packed.Cells is not null)
        {
            W.Line(Calls.Clear(Packed.Cells.At(0), Spec.Batch * (Expr)Sizes.HiddenPadded));
        }

        if (Packed.JoinsInput)
        {
            W.Line(Calls.Copy(Unit.InputBias.At(0), Packed.Bias!.At(0), Sizes.GateWidth));
            W.Line(Calls.Add(Unit.RecurrentBias.At(0), Packed.Bias.At(0), Sizes.GateWidth));
        }

        if (Packed.InputProjection is { } input)
        {
            W.Line("// W_ih x of every row at once: the input side does not depend on the recurrence.");
            Lines(Calls.Product(input, DenseInputs, Unit.InputWeights.At(0), InputRows, Rows, Packed.JoinsInput ? new[] { Packed.Bias!.At(0) } : new Slot[0]));
        }
        else if (Packed.JoinsInput)
        {
            W.Line("// One-hot input: each row's sums start from b_ih + b_hh and its token's row of W_ih.");
            using (W.Open("for (int r = 0; r < rows; r++)"))
            {
                Slot target = InputRows.Plus(Row * (Packed.WritesState ? Sizes.FeaturesPadded : Sizes.GateWidth));
                W.Line(Calls.Copy(Packed.Bias!.At(0), target, Sizes.GateWidth));
                W.Line(Calls.Add(Unit.InputWeights.Row(new Expr.Var("inputs[r]")), target, Sizes.GateWidth));
            }
        }

        W.Line("// Step t: its n rows from offset, reading h_{t-1} of the same sequences from previous (the zero rows at t = 0).");
        W.Line("int offset = 0, previous = 0;");
        using (W.Open("for (int t = 0; t < steps; t++)"))
        {
            W.Line("int n = sizes[t];");
            Slot gates = Packed.WritesState ? Packed.States.Row(Spec.Batch + Offset) : Packed.Gates!.Row(Offset);
            Lines(Calls.Product(Packed.Recurrent, Packed.States.Row(Previous), Local("recurrentWeights"), gates, Count, Packed.JoinsInput ? new Slot[0] : new[] { Unit.RecurrentBias.At(0) }));
            if (!Packed.WritesState)
            {
                using (W.Open("for (int m = 0; m < n; m++)"))
                {
                    Lines(Cell.Update(new StepOperands(
                        new UnitWeights(Local("recurrentWeights"), Unit.InputBias.At(0), Unit.RecurrentBias.At(0), null),
                        Previous: Packed.States.Row(Previous + Stream),
                        PreviousCell: Packed.Cells?.Row(Previous + Stream),
                        Input: Spec.LookupInput && Packed.Input is null && !Packed.JoinsInput ? Unit.InputWeights.Row(new Expr.Var("inputs[offset + m]")) : (Packed.Input ?? Packed.Gates!).Row(Offset + Stream),
                        Gates: Packed.Gates!.Row(Offset + Stream),
                        HiddenPart: Packed.HiddenPart?.Row(Offset + Stream),
                        Cell: Packed.Cells?.Row(Spec.Batch + Offset + Stream),
                        Hidden: Packed.States.Row(Spec.Batch + Offset + Stream),
                        Unprojected: null)));
                }
            }

            W.Line($"previous = {Spec.Batch} + offset;");
            W.Line("offset += n;");
        }

        W.Line("// The head of every row at once.");
        Lines(Calls.Product(Network.HeadForward, Packed.States.Row(Spec.Batch), Memory.OutputWeights.At(0), Packed.Logits.At(0), Rows, Memory.OutputBias.At(0)));
        if (Sizes.CrossEntropy && Sizes.OutputPadded.Value > Sizes.Output.Value)
        {
            W.Line($"Losses.MaskPadding<{T}>({Packed.Logits.At(0).Ref}, rows, Output, OutputPadded);");
        }
    }

    /// <summary>BPTT over the packed rows: each sequence's state gradient in its carry row, rows of ended sequences zero.</summary>
    private void PrintBackward()
    {
        W.Line("// Back through the steps: carry row m is sequence m's state gradient; a sequence whose last step is t starts from zero there.");
        W.Line($"ref {T} carry = ref {Packed.Carry.At(0).Print()};");
        W.Line($"ref {T} next = ref {Packed.CarryNext.At(0).Print()};");
        using (W.Open("for (int t = steps - 1; t >= 0; t--)"))
        {
            W.Line("int n = sizes[t], ended = t + 1 < steps ? sizes[t + 1] : 0;");
            W.Line("offset -= n;");
            W.Line(Calls.Clear(Local("carry").Plus(new Expr.Var("ended") * Sizes.StateGradientWidth), (Count - new Expr.Var("ended")) * Sizes.StateGradientWidth));
            W.Line($"previous = t == 0 ? 0 : {Spec.Batch} + offset - sizes[t - 1];");
            using (W.Open("for (int m = 0; m < n; m++)"))
            {
                Slot carry = Local("carry").Plus(Stream * Sizes.StateGradientWidth);
                W.Line(Calls.Add(Packed.HiddenGrads.Row(Offset + Stream), carry, Sizes.FeaturesPadded));
                Lines(Cell.Backward(new BackwardOperands(
                    new UnitWeights(Local("recurrentWeights"), null, null, null),
                    State: carry,
                    Gates: Packed.Gates?.Row(Offset + Stream),
                    HiddenPart: Packed.HiddenPart?.Row(Offset + Stream),
                    Cell: Packed.Cells?.Row(Spec.Batch + Offset + Stream),
                    PreviousCell: Packed.Cells?.Row(Previous + Stream),
                    PreviousHidden: Packed.States.Row(Previous + Stream),
                    Hidden: Packed.States.Row(Spec.Batch + Offset + Stream),
                    Scratch: Packed.Scratch.At(0),
                    InputGrad: Packed.InputGrads.Row(Offset + Stream),
                    RecurrentGrad: Packed.RecurrentSideGrads.Row(Offset + Stream),
                    PreviousState: Local("next").Plus(Stream * Sizes.StateGradientWidth),
                    ProjectionGrad: null,
                    OutputWeights: null)));
            }

            using (W.Open("if (t > 0)"))
            {
                W.Line("// Each sequence's gradient one step back, and dW_hh += Σ h_{t-1} δᵀ over the step's rows.");
                if (Packed.RecurrentBackprop is { } back)
                {
                    Lines(Calls.Product(back, Packed.RecurrentSideGrads.Row(Offset), Packed.RecurrentTransposed!.At(0), Local("next"), Count));
                }
                else
                {
                    W.Line(Calls.Dot(Network.RecurrentBackprop, Packed.RecurrentSideGrads.Row(Offset), Local("recurrentWeights"), Local("next"), Count));
                }

                W.Line(Calls.Copy(Local("next"), Local("carry"), Count * Sizes.StateGradientWidth));
                Lines(Calls.Product(Network.RecurrentWeightGrads, Packed.States.Row(Previous), Packed.RecurrentSideGrads.Row(Offset), Unit.RecurrentWeights.Gradient(0), Count));
            }
        }
    }

    /// <summary>The biases and W_ih, over every row at once.</summary>
    private void PrintParameterGradients()
    {
        W.Line("// Biases and W_ih, every row at once.");
        W.Line(Calls.SumRows(Packed.InputGrads.At(0), Unit.InputBias.Gradient(0), Rows, Sizes.GateWidth));
        W.Line(Calls.SumRows(Packed.RecurrentSideGrads.At(0), Unit.RecurrentBias.Gradient(0), Rows, Sizes.GateWidth));
        if (Spec.LookupInput)
        {
            using (W.Open("for (int r = 0; r < rows; r++)"))
            {
                W.Line(Calls.Add(Packed.InputGrads.Row(Row), Unit.InputWeights.GradientRow(new Expr.Var("inputs[r]")), Sizes.GateWidth));
            }
        }
        else
        {
            Lines(Calls.Product(Network.InputWeightGrads!, DenseInputs, Packed.InputGrads.At(0), Unit.InputWeights.Gradient(0), Rows));
        }
    }
}
