using System;
using RnnGen.Generator.Emit;
using RnnGen.Generator.Emit.Kernels;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Cells;

/// <summary>Where one forward step reads and writes (C# ref expressions).</summary>
/// <param name="Previous">What feeds the recurrence: h_{t-1}, or y_{t-1} with output recurrence.</param>
/// <param name="PreviousCell">c_{t-1} (LSTM).</param>
/// <param name="Input">W_ih x_t, a GateWidth row without the bias (a weight row for a token).</param>
/// <param name="Gates">Receives the gates of the step (pre-activations for the vanilla cell's Step scratch).</param>
/// <param name="HiddenPart">Receives W_hn h_{t-1} + b_hn (GRU).</param>
/// <param name="Cell">Receives c_t (LSTM).</param>
/// <param name="Hidden">Receives h_t.</param>
/// <param name="Unprojected">Receives o ⊙ tanh(c_t) before the projection (LSTM with Projection).</param>
internal sealed record StepRefs(string Previous, string PreviousCell, string Input, string Gates, string HiddenPart, string Cell, string Hidden, string Unprojected = "");

/// <summary>Where one backward step reads and writes (C# ref expressions).</summary>
/// <param name="State">The incoming state gradient: dh, [dh | dc] (LSTM), or dy (output recurrence).</param>
/// <param name="Gates">The step's saved gates.</param>
/// <param name="HiddenPart">The step's saved W_hn h_{t-1} + b_hn (GRU).</param>
/// <param name="Cell">c_t (LSTM).</param>
/// <param name="PreviousCell">c_{t-1} (LSTM).</param>
/// <param name="PreviousHidden">h_{t-1} (GRU).</param>
/// <param name="Hidden">h_t.</param>
/// <param name="Scratch">A HiddenPadded row the call may overwrite.</param>
/// <param name="InputGrad">Receives dLoss/d(W_ih x_t + b_ih).</param>
/// <param name="RecurrentGrad">Receives dLoss/d(W_hh h_{t-1} + b_hh) where it differs from InputGrad (GRU).</param>
/// <param name="PreviousState">Receives the state gradient one step back, except the W_hhᵀ term the caller adds.</param>
/// <param name="ProjectionGrad">Receives the step's dh, for W_hr's gradient (LSTM with Projection), or "" to drop it.</param>
internal sealed record BackwardRefs(string State, string Gates, string HiddenPart, string Cell, string PreviousCell, string PreviousHidden,
    string Hidden, string Scratch, string InputGrad, string RecurrentGrad, string PreviousState, string ProjectionGrad = "");

/// <summary>
/// A recurrent cell as a small description of its equations: the kernels of one forward step and
/// one backward step, and how to call them. Everything around a step (the input projection, the
/// head, the losses, truncated BPTT, the parameter gradients, the API) is shared by all cells.
/// </summary>
/// <remarks>
/// A backward step is linear in its incoming state gradient, so BPTT may sum several truncation
/// windows before calling it. It writes InputGrad (and RecurrentGrad), and all of PreviousState:
/// the caller then adds W_hhᵀ · RecurrentGrad into the first HiddenPadded (or Output) entries.
/// </remarks>
internal abstract class Cell
{
    public static Cell For(ModelSpec spec) => spec.Cell switch
    {
        CellKind.Lstm => new LstmCell(),
        CellKind.Gru => new GruCell(),
        _ => new VanillaCell(),
    };

    /// <summary>True when RecurrentGrad differs from InputGrad and needs rows of its own.</summary>
    public virtual bool SeparateRecurrentGrads => false;

    /// <summary>Emits the step kernels (named CellStep and CellBackward, plus helpers).</summary>
    public abstract void EmitKernels(CodeWriter w, EmitContext ctx);

    /// <summary>The arguments of CellStep (and CellStepPart after its part). Locals recurrentWeights, inputBias, recurrentBias are in scope.</summary>
    protected abstract string StepArguments(EmitContext ctx, StepRefs r);

    /// <summary>The statement running one forward step.</summary>
    public string Step(EmitContext ctx, StepRefs r) => $"CellStep({StepArguments(ctx, r)});";

    /// <summary>The statement running the units of one part (an int expression) of one forward step (Layout.SplitsRecurrence).</summary>
    public string StepPart(EmitContext ctx, StepRefs r, string part = "part") => $"CellStepPart({part}, {StepArguments(ctx, r)});";

    /// <summary>
    /// Emits the element-wise update that follows the recurrent product, as Update over HiddenPadded units and,
    /// when the recurrence can be split, UpdateHalf over HalfUnits: its caller offsets every ref by the half's
    /// first unit, so the gate offsets inside (k * HiddenPadded + i) still find the same unit's gates.
    /// </summary>
    protected static void UpdateMethods(CodeWriter w, EmitContext ctx, string doc, string parameters, Action<SimdWidth> body)
    {
        Simd.ElementwiseMethod(w, ctx, doc, $"Update({parameters})", "HiddenPadded", body);
        if (ctx.Layout.SplitsRecurrence)
        {
            Simd.ElementwiseMethod(w, ctx, "Update for one half of the units (refs offset by the half's first unit).", $"UpdateHalf({parameters})", "HalfUnits", body);
        }
    }

    /// <summary>Arguments offset by the part's first unit: <c>ref Unsafe.Add(ref x, u)</c> for each name.</summary>
    protected static string Shifted(params string[] names) => string.Join(", ", System.Linq.Enumerable.Select(names, n => $"ref Unsafe.Add(ref {n}, u)"));

    /// <summary>The statement running one backward step. Local outputWeights is in scope.</summary>
    public abstract string Backward(EmitContext ctx, BackwardRefs r);

    /// <summary>
    /// The recurrent product of one step, <c>c = start + Σ_j prev[j] · W_hh[j, :]</c> over all gates, with
    /// <c>a = prev</c>, <c>b = W_hh</c> (input-major). It starts from <c>x + b_ih + b_hh</c> when the input side
    /// joins the gates here, or from <c>b_hh</c> alone; an epilogue, if any, is applied before the store.
    /// </summary>
    /// <remarks>
    /// When the recurrence splits across two threads, the product of one half of the units (name + "Part") is
    /// emitted too, and the whole product is its two halves.
    /// </remarks>
    protected static void EmitRecurrentProduct(CodeWriter w, EmitContext ctx, string name, string doc, bool withInput, Func<SimdWidth, string, string>? epilogue = null) =>
        new KernelSet(w, ctx).AddInHalves(RecurrentProduct(ctx, name, doc, withInput, epilogue));

    private static BroadcastGemm RecurrentProduct(EmitContext ctx, string name, string doc, bool withInput, Func<SimdWidth, string, string>? epilogue)
    {
        string T = ctx.T;
        return new BroadcastGemm
        {
            Name = name,
            Doc = doc,
            M = Dim.Const(1),
            K = Dim.Const(ctx.Layout.RecurrentInputs),
            N = ctx.Layout.GateWidth,
            AStrideM = 0,
            AStrideK = 1,
            BStride = ctx.Layout.GateWidth,
            BPanels = ctx.Layout.RecurrentPanels,
            CStride = 0,
            ExtraParameters = withInput ? new[] { $"ref {T} x", $"ref {T} inputBias", $"ref {T} recurrentBias" } : new[] { $"ref {T} recurrentBias" },
            Prologue = withInput
                ? (width, _, offset) => $"{width.V}.LoadUnsafe(ref x, {offset}) + {width.V}.LoadUnsafe(ref inputBias, {offset}) + {width.V}.LoadUnsafe(ref recurrentBias, {offset})"
                : (width, _, offset) => $"{width.V}.LoadUnsafe(ref recurrentBias, {offset})",
            Epilogue = epilogue,
        };
    }
}
