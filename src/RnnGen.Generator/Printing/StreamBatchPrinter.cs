using RnnGen.Generator.Cells;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// The Step over many streams (Batch &gt; 1): the single step's equations with one row per stream, each weight matrix
/// read once per layer for all of them (<see cref="StreamBatch"/>). The new states are built in scratch rows and copied
/// back at the end, as the single step does, so every product reads the states from before the step.
/// </summary>
internal sealed class StreamBatchPrinter : Printer
{
    private static readonly Expr Row = new Expr.Var("m"), Rows = new Expr.Var("n");

    public StreamBatchPrinter(Network network, CodeWriter writer)
        : base(network, writer)
    {
    }

    private StreamBatch Batch => Network.StreamBatch!;

    public void Print()
    {
        if (Network.StreamBatch is null)
        {
            return;
        }

        W.Line("/// <summary>Advances n streams (states [n][StateLength]) by one step and writes each one's Output values.</summary>");
        W.Line(StreamingPrinter.FirstCallOptimised);
        using (W.Open($"public static void StepBatch({T}[] parameters, {T}[] workspace, ref {T} states, int n, ReadOnlySpan<{InputType}> inputs, Span<{T}> outputs)"))
        {
            Origins();
            W.Line($"ref {T} next = ref {Memory.BatchNext!.At(0).Print()};");
            if (Batch.JoinsInput)
            {
                W.Line("// Where each stream's sums start: b_ih + b_hh, the same for every stream.");
                foreach (Unit unit in Memory.Units)
                {
                    Slot bias = Memory.BatchBias!.Row(unit.Layer);
                    W.Line(Calls.Copy(unit.InputBias.At(0), bias, Sizes.GateWidth));
                    W.Line(Calls.Add(unit.RecurrentBias.At(0), bias, Sizes.GateWidth));
                }
            }

            PrintInputs();
            foreach (Unit unit in Memory.Units)
            {
                PrintLayer(unit);
            }

            PrintHead();
            W.Line(Calls.Copy(Local("next"), Local("states"), Rows * Sizes.StateLength));
        }

        W.Line();
        W.Line("/// <summary>StepBatch for the runtime's padded batches (PaddedBatch.Run), which step every sequence at once.</summary>");
        W.Line($"public readonly struct Streams : IStreamSteps<{T}, {InputType}> {{ public static void Step({T}[] parameters, {T}[] workspace, ref {T} states, int n, ReadOnlySpan<{InputType}> inputs, Span<{T}> outputs) => StepBatch(parameters, workspace, ref states, n, inputs, outputs); }}");
        W.Line();
    }

    /// <summary>Row m of the new states, <paramref name="offset"/> into it.</summary>
    private static Slot NextRow(Sizes sizes, Expr offset) => Local("next").Plus(Row * sizes.StateLength + offset);

    /// <summary>Where a layer's input side goes: the gate rows (LSTM), the new h rows (vanilla), or input rows (GRU).</summary>
    private Slot InputRows(Unit unit) => Batch.WritesState
        ? Local("next").Plus(unit.StateOffset)
        : Batch.JoinsInput ? Memory.BatchGates!.At(0) : Memory.BatchInput!.At(0);

    /// <summary>Layer 0's input side for every stream: a product over dense or embedded rows, or the tokens' rows of W_ih.</summary>
    private void PrintInputs()
    {
        Unit first = Memory.Units[0];
        if (Spec.LookupInput)
        {
            if (!Batch.JoinsInput)
            {
                return; // the GRU reads each token's row of W_ih where it is
            }

            Slot target = Batch.WritesState ? NextRow(Sizes, first.StateOffset) : Memory.BatchGates!.Row(Row);
            using (W.Open("for (int m = 0; m < n; m++)"))
            {
                W.Line(Calls.Copy(Memory.BatchBias!.Row(0), target, Sizes.GateWidth));
                W.Line(Calls.Add(first.InputWeights.Row(new Expr.Var("inputs[m]")), target, Sizes.GateWidth));
            }

            return;
        }

        Slot rows = new(new Base("MemoryMarshal.GetReference(inputs)"), Expr.Zero);
        if (Sizes.Embedded)
        {
            rows = Memory.BatchEmbedded!.At(0);
            using (W.Open("for (int m = 0; m < n; m++)"))
            {
                W.Line(Calls.Copy(Memory.EmbeddingWeights!.Row(new Expr.Var("inputs[m]")), Memory.BatchEmbedded.Row(Row), Sizes.InputStride));
            }
        }

        Lines(Calls.Product(Batch.Input!, rows, first.InputWeights.At(0), InputRows(first), Rows, Batch.JoinsInput ? new[] { Memory.BatchBias!.Row(0) } : new Slot[0]));
    }

    private void PrintLayer(Unit unit)
    {
        W.Line($"// Layer {unit.Layer}{(unit.First ? "" : ": its input is the new h of the layer below")}, every stream.");
        if (!unit.First)
        {
            Slot below = Local("next").Plus(Memory.Units[unit.Layer - 1].StateOffset);
            Lines(Calls.Product(Batch.LayerInput!, below, unit.InputWeights.At(0), InputRows(unit), Rows, Batch.JoinsInput ? new[] { Memory.BatchBias!.Row(unit.Layer) } : new Slot[0]));
        }

        Slot previous = Local("states").Plus(Sizes.FeedsBack ? Sizes.StateFeedback : unit.StateOffset);
        Slot gates = Batch.WritesState ? InputRows(unit) : Memory.BatchGates!.At(0);
        Lines(Calls.Product(Batch.Recurrent, previous, unit.RecurrentWeights.At(0), gates, Rows, Batch.JoinsInput ? new Slot[0] : new[] { unit.RecurrentBias.At(0) }));
        if (Batch.WritesState)
        {
            return;
        }

        using (W.Open("for (int m = 0; m < n; m++)"))
        {
            Slot state = Local("states").Plus(Row * Sizes.StateLength + unit.StateOffset), made = NextRow(Sizes, unit.StateOffset);
            Slot input = Spec.LookupInput && unit.First ? unit.InputWeights.Row(new Expr.Var("inputs[m]")) : Memory.BatchInput?.Row(Row) ?? Memory.BatchGates!.Row(Row);
            Lines(Cell.Update(new StepOperands(
                new UnitWeights(unit.RecurrentWeights.At(0), unit.InputBias.At(0), unit.RecurrentBias.At(0), unit.ProjectionWeights?.At(0)),
                Previous: state,
                PreviousCell: state.Plus(Sizes.StateCell),
                Input: input,
                Gates: Memory.BatchGates!.Row(Row),
                HiddenPart: Memory.StepHiddenPart?.At(0),
                Cell: made.Plus(Sizes.StateCell),
                Hidden: made,
                Unprojected: Memory.BatchUnprojected?.Row(Row),
                Streaming: true)));
        }

        if (Batch.Project is { } project)
        {
            Lines(Calls.Product(project, Memory.BatchUnprojected!.At(0), unit.ProjectionWeights!.At(0), Local("next").Plus(unit.StateOffset), Rows));
        }
    }

    /// <summary>The head of every stream, then each stream's Output values into its row of the caller's outputs.</summary>
    private void PrintHead()
    {
        Slot logits = Sizes.FeedsBack ? Local("next").Plus(Sizes.StateFeedback) : Memory.BatchLogits!.At(0);
        Lines(Calls.Product(Batch.Head, Local("next").Plus(Memory.Top.StateOffset), Memory.OutputWeights.At(0), logits, Rows, Memory.OutputBias.At(0)));
        Slot row = Sizes.FeedsBack ? NextRow(Sizes, Sizes.StateFeedback) : Memory.BatchLogits!.Row(Row);
        using (W.Open("for (int m = 0; m < n; m++)"))
        {
            W.Line($"{Calls.Span(row, Sizes.Output, readOnly: true)}.CopyTo(outputs.Slice(m * Output, Output));");
        }
    }
}
