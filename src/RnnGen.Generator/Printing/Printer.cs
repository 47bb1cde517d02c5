using System.Collections.Generic;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Printing;

/// <summary>What every printer of one network shares: the plan, the writer, the runtime calls, and the typed operands of a step.</summary>
internal abstract class Printer
{
    /// <summary>The sequence length, the step and the window start, as run-time values.</summary>
    protected static readonly Expr Steps = new Expr.Var("steps"), Time = new Expr.Var("t"), BackTime = new Expr.Var("s"), First = new Expr.Var("first");

    protected Printer(Network network, CodeWriter writer)
    {
        Network = network;
        W = writer;
        Calls = new Calls(network);
    }

    protected Network Network { get; }

    protected CodeWriter W { get; }

    protected Calls Calls { get; }

    protected Sizes Sizes => Network.Sizes;

    protected Memory Memory => Network.Memory;

    protected ModelSpec Spec => Network.Spec;

    protected Cell Cell => Network.Cell;

    /// <summary>The element type keyword.</summary>
    protected string T => Network.T;

    /// <summary>The element type of inputs: <c>int</c> token ids or <see cref="T"/> values.</summary>
    protected string InputType => Spec.TokenInput ? "int" : T;

    /// <summary>The state gradient parameter of Backward and its walk (models that compose), or "".</summary>
    protected string StateGradientParameter => Sizes.ComposesState ? $", ref {T} stateGradient" : "";

    /// <summary>Backward's parameters for composing: the state gradient and, for dense models, the external gradients.</summary>
    protected string ComposedParameters => StateGradientParameter + (Sizes.ComposesInput ? $", ReadOnlySpan<{T}> outputGradient, Span<{T}> inputGradient" : "");

    /// <summary>The arguments of a Backward call that composes nothing: a null state gradient and no external gradients.</summary>
    protected string UncomposedArguments => Calls.BackwardArguments(Sizes, $"Unsafe.NullRef<{T}>()");

    /// <summary>Layer 0's dense input rows: the caller's inputs, or the gathered embedding rows.</summary>
    protected Slot DenseInputs => Sizes.Embedded ? Memory.Embedded!.At(0) : new Slot(new Base("MemoryMarshal.GetReference(inputs)"), Expr.Zero);

    /// <summary>The element type of targets: <c>int</c> class ids or <see cref="T"/> values.</summary>
    protected string TargetType => Sizes.CrossEntropy ? "int" : T;

    /// <summary>How many head rows carry a loss: every step, or one.</summary>
    protected Expr HeadRows => Sizes.LastStep ? Expr.One : Steps;

    /// <summary>The dropout random source parameter of training calls, or "".</summary>
    protected string DropoutParameter => Sizes.Dropout ? ", ref RnnRandom dropout" : "";

    protected string DropoutArgument => Sizes.Dropout ? ", ref dropout" : "";

    /// <summary>The recurrence team parameter of the calls that run the recurrence (split models only), or "".</summary>
    protected string TeamParameter => Sizes.SplitsRecurrence ? ", RecurrenceTeam? team" : "";

    protected string TeamArgument => Sizes.SplitsRecurrence ? ", team" : "";

    /// <summary>Writes statements, one per line.</summary>
    /// <summary>
    /// A block of its own for one unit's or layer's ref locals, so the next one can reuse their names; a model with one
    /// unit needs none.
    /// </summary>
    protected CodeWriter.Block Scope() => Memory.Units.Count > 1 ? W.Open("") : default;

    protected void Lines(IEnumerable<string> statements)
    {
        foreach (string statement in statements)
        {
            W.Line(statement);
        }
    }

    /// <summary>The origins of the arrays a network method receives.</summary>
    protected void Origins(bool parameters = true, bool gradients = false, bool workspace = true)
    {
        if (parameters) W.Line($"ref {T} p = ref AlignedArray.Origin(parameters);");
        if (gradients) W.Line($"ref {T} g = ref AlignedArray.Origin(gradients);");
        if (workspace) W.Line($"ref {T} w = ref AlignedArray.Origin(workspace);");
    }

    /// <summary>Declares ref locals for the weights every step of a unit reads, and returns them.</summary>
    protected UnitWeights DeclareWeights(Unit unit, bool head = false)
    {
        W.Line($"ref {T} recurrentWeights = ref {unit.RecurrentWeights.At(0).Print()};");
        W.Line($"ref {T} inputBias = ref {unit.InputBias.At(0).Print()};");
        W.Line($"ref {T} recurrentBias = ref {unit.RecurrentBias.At(0).Print()};");
        Slot? projection = null;
        if (unit.ProjectionWeights is not null)
        {
            W.Line($"ref {T} projectionWeights = ref {unit.ProjectionWeights.At(0).Print()};");
            projection = Local("projectionWeights");
        }

        if (head && Sizes.FeedsBack)
        {
            W.Line($"ref {T} outputWeights = ref {Memory.OutputWeights.At(0).Print()};");
            W.Line($"ref {T} outputBias = ref {Memory.OutputBias.At(0).Print()};");
        }

        return new UnitWeights(Local("recurrentWeights"), Local("inputBias"), Local("recurrentBias"), projection);
    }

    /// <summary>A ref local of the generated code.</summary>
    protected static Slot Local(string name) => new(new Base(name), Expr.Zero);

    /// <summary>Where the step of a unit at step t reads and writes (in its direction).</summary>
    protected StepOperands StepAt(Unit unit, UnitWeights weights, Slot input, Expr t)
    {
        Expr previous = unit.PreviousRow(t), current = unit.HiddenRow(t);
        return new StepOperands(
            weights,
            Previous: Sizes.FeedsBack ? Memory.Feedback!.Row(t) : unit.States.Row(previous),
            PreviousCell: unit.Cells?.Row(previous),
            Input: input,
            Gates: unit.Gates?.Row(t),
            HiddenPart: unit.HiddenPart?.Row(t),
            Cell: unit.Cells?.Row(current),
            Hidden: unit.States.Row(current),
            Unprojected: unit.Unprojected?.Row(t));
    }

    /// <summary>The first h row a head product reads from a top unit: every step's, or the last step's.</summary>
    protected Slot HeadInput(Unit unit) => Sizes.LastStep ? unit.States.Row(unit.HiddenRow(Steps - 1)) : unit.Outputs;

    /// <summary>
    /// The units of a layer, each with where its rows start in a matrix whose rows follow the concatenated input
    /// [h_fwd; h_rev]: the matrix itself, or one direction's rows further.
    /// </summary>
    protected IEnumerable<(Unit Unit, Slot Rows)> DirectionRows(int layer, Slot matrix, Expr rowWidth)
    {
        bool first = true;
        foreach (Unit unit in Memory.UnitsOf(layer))
        {
            yield return (unit, first ? matrix : matrix.Plus(Sizes.Features * rowWidth));
            first = false;
        }
    }
}
