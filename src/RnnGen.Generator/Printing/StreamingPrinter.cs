using RnnGen.Generator.Cells;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>
/// One step at a time on a caller-held state, the same equations as the sequence pass: Step, and Generate for language
/// models. The state row holds every layer's h, then c (LSTM), then y (output recurrence).
/// </summary>
internal sealed class StreamingPrinter : Printer
{
    public StreamingPrinter(Network network, CodeWriter writer)
        : base(network, writer)
    {
    }

    /// <summary>
    /// The streaming path is compiled fully optimised at its first call and never recompiled: a real-time caller gets
    /// its final code at once, with no tier-0 calls, no on-stack replacement and no code that changes with the profile.
    /// </summary>
    public const string FirstCallOptimised = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Generate exists for language models: tokens in, a distribution over the same tokens out at every step.</summary>
    public static bool HasGenerate(ModelSpec spec) =>
        !spec.Bidirectional && spec.TokenInput && spec.Loss == LossKind.CrossEntropy && spec.Outputs == OutputsKind.EveryStep && spec.Output == spec.Vocab;

    /// <summary>
    /// Advances the state by one token: StepCore from the token's row of W_ih (one-hot input), or, with an embedding
    /// layer, from W_ih times the token's embedding row.
    /// </summary>
    private void PrintFeed(string token)
    {
        if (!Sizes.Embedded)
        {
            W.Line($"StepCore(ref p, ref w, ref state, {Memory.Units[0].InputWeights.Row(new Expr.Var(token)).Ref});");
            return;
        }

        Slot x = Memory.StepInputPart!.At(0);
        Lines(Calls.StepProduct(Network.InputStep!, Memory.EmbeddingWeights!.Row(new Expr.Var(token)), Memory.Units[0].InputWeights.At(0), x));
        W.Line($"StepCore(ref p, ref w, ref state, {x.Ref});");
    }

    public void Print()
    {
        if (!Sizes.Streams)
        {
            return;
        }

        PrintStepCore();
        W.Line("/// <summary>StepLogits = the head's outputs y for the current state.</summary>");
        W.Line(FirstCallOptimised);
        using (W.Open($"private static void StepOutputs(ref {T} p, ref {T} w, ref {T} state)"))
        {
            Slot state = Local("state");
            if (Sizes.FeedsBack)
            {
                W.Line(Calls.Copy(state.Plus(Sizes.StateFeedback), Memory.StepLogits.At(0), Sizes.OutputPadded));
            }
            else
            {
                Lines(Calls.StepProduct(Network.HeadStep, state.Plus(Memory.Top.StateOffset), Memory.OutputWeights.At(0), Memory.StepLogits.At(0), Memory.OutputBias.At(0)));
            }
        }

        W.Line();
        string input = Spec.TokenInput ? "int token" : $"ReadOnlySpan<{T}> input";
        W.Line("/// <summary>Advances the state by one input and writes the head's Output values.</summary>");
        W.Line(FirstCallOptimised);
        using (W.Open($"public static void Step({T}[] parameters, {T}[] workspace, ref {T} state, {input}, Span<{T}> output)"))
        {
            Origins();
            if (Spec.TokenInput)
            {
                PrintFeed("token");
            }
            else
            {
                W.Line($"ref {T} x = ref {Memory.StepInputPart!.At(0).Print()};");
                Lines(Calls.StepProduct(Network.InputStep!, new Slot(new Base("MemoryMarshal.GetReference(input)"), Expr.Zero), Memory.Units[0].InputWeights.At(0), Local("x")));
                W.Line("StepCore(ref p, ref w, ref state, ref x);");
            }

            W.Line("StepOutputs(ref p, ref w, ref state);");
            W.Line($"{Calls.Span(Memory.StepLogits.At(0), Sizes.Output, readOnly: true)}.CopyTo(output);");
        }

        W.Line();
        if (HasGenerate(Spec))
        {
            PrintGenerate();
        }
    }

    private void PrintStepCore()
    {
        W.Line("/// <summary>state = cell(x, state) through every layer, where x is layer 0's W_ih x_t (a GateWidth row).</summary>");
        W.Line(FirstCallOptimised);
        using (W.Open($"private static void StepCore(ref {T} p, ref {T} w, ref {T} state, ref {T} x)"))
        {
            W.Line($"ref {T} next = ref {Memory.StepState!.At(0).Print()};");
            Slot state = Local("state"), next = Local("next");
            foreach (Unit unit in Memory.Units)
            {
                if (Sizes.Stacked)
                {
                    W.Line($"// Layer {unit.Layer}{(unit.First ? "" : ": its input is the new h of the layer below")}.");
                }

                using (Scope())
                {
                    UnitWeights weights = DeclareWeights(unit);
                    Slot source = Local("x");
                    if (!unit.First)
                    {
                        source = Memory.StepInputPart!.At(0);
                        Lines(Calls.StepProduct(Network.LayerInputStep!, next.Plus(Memory.Units[unit.Layer - 1].StateOffset), unit.InputWeights.At(0), source));
                    }

                    Slot previous = state.Plus(unit.StateOffset), made = next.Plus(unit.StateOffset);
                    Lines(Cell.Step(new StepOperands(
                        weights,
                        Previous: Sizes.FeedsBack ? state.Plus(Sizes.StateFeedback) : previous,
                        PreviousCell: previous.Plus(Sizes.StateCell),
                        Input: source,
                        Gates: Memory.StepGates?.At(0),
                        HiddenPart: Memory.StepHiddenPart?.At(0),
                        Cell: made.Plus(Sizes.StateCell),
                        Hidden: made,
                        Unprojected: Memory.StepUnprojected?.At(0),
                        Streaming: true)));
                }
            }

            if (Sizes.FeedsBack)
            {
                Lines(Calls.StepProduct(Network.HeadStep, next, Memory.OutputWeights.At(0), next.Plus(Sizes.StateFeedback), Memory.OutputBias.At(0)));
            }

            W.Line(Calls.Copy(next, state, Sizes.StateLength));
        }

        W.Line();
    }

    private void PrintGenerate()
    {
        W.Line("/// <summary>Feeds the prompt, then samples and feeds back one token at a time.</summary>");
        using (W.Open($"public static int Generate({T}[] parameters, {T}[] workspace, ref {T} state, ReadOnlySpan<int> prompt, Span<int> destination, {T} temperature, ref RnnRandom random, int endToken, int avoidToken)"))
        {
            Origins();
            using (W.Open("foreach (int token in prompt)"))
            {
                PrintFeed("token");
            }

            W.Line();
            W.Line($"ref {T} logits = ref {Memory.StepLogits.At(0).Print()};");
            W.Line("int written = 0;");
            using (W.Open("while (written < destination.Length)"))
            {
                W.Line("StepOutputs(ref p, ref w, ref state);");
                W.Line($"int next = Losses.Sample<{T}>(ref logits, Output, temperature, ref random, avoidToken);");
                W.Line("destination[written++] = next;");
                using (W.Open("if (next == endToken)"))
                {
                    W.Line("break;");
                }

                W.Line();
                PrintFeed("next");
            }

            W.Line();
            W.Line("return written;");
        }

        W.Line();
    }
}
