using System.Collections.Generic;
using RnnGen.Generator.Model;
using RnnGen.Generator.Plan;
using RnnGen.Generator.Printing;

namespace RnnGen.Generator.Cells;

/// <summary>
/// The Elman cell: <c>h_t = act(W_ih x_t + b_ih + W_hh r_{t-1} + b_hh)</c> where r is h, or the head output y with output
/// recurrence: one product per step with the activation fused into its store. Backward: <c>δ = dh ⊙ act'(h_t)</c>, read
/// from the stored output (the runtime's <c>Vanilla</c>); with output recurrence the state gradient is dy, and
/// <c>dh = W_outᵀ dy</c> comes first.
/// </summary>
internal sealed class VanillaCell : Cell
{
    public VanillaCell(Network network)
        : base(network)
    {
    }

    private bool Relu => Network.Spec.Activation == ActivationKind.Relu;

    public override void RegisterProducts(Network network) =>
        Recurrent = network.Register(RecurrentProduct("CellStep",
            "h = act(x + b_ih + b_hh + Σ_j prev[j] · W_hh[j, :]), fused in registers: a = prev, b = W_hh (input-major), c = h.",
            withInput: true, finish: Relu ? ProductFinish.Relu : ProductFinish.Tanh));

    public override IEnumerable<string> Step(StepOperands r, Expr? part = null) =>
        RunRecurrent(r, part, r.Hidden, r.Input, r.Weights.InputBias!, r.Weights.RecurrentBias!);

    public override IEnumerable<string> Update(StepOperands r, Expr? part = null) => System.Array.Empty<string>();

    public override IEnumerable<string> Backward(BackwardOperands r)
    {
        Slot dh = r.State;
        if (Sizes.FeedsBack)
        {
            // dy → dh = W_outᵀ dy.
            dh = r.Scratch;
            yield return Calls.Clear(dh, Sizes.HiddenPadded);
            yield return Calls.Dot(Network.HiddenGradsFromHead, r.State, r.OutputWeights!, dh, 1);
        }

        yield return $"Vanilla.Backward<{T}>({dh.Ref}, {r.Hidden.Ref}, {r.InputGrad.Ref}, HiddenPadded, relu: {(Relu ? "true" : "false")});";
        yield return Calls.Clear(r.PreviousState, Sizes.StateGradientWidth);
    }
}
