using System.Collections.Generic;
using RnnGen.Generator.Plan;

namespace RnnGen.Generator.Cells;

/// <summary>
/// PyTorch's GRU, gates in the order r, z, n: <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>, <c>z = σ(...)</c>,
/// <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c>, <c>h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}</c>. The hidden side is one
/// product per step, kept apart from the input side because r scales its n part; the element-wise equations and their
/// derivatives are the runtime's <c>Gru</c>.
/// </summary>
/// <remarks>
/// Backward: the input side gets [δr, δz, δn], the hidden side [δr, δz, δn ⊙ r], and the state gradient one step back
/// is <c>W_hhᵀ δ_hidden + dh ⊙ z</c>.
/// </remarks>
internal sealed class GruCell : Cell
{
    public GruCell(Network network)
        : base(network)
    {
    }

    public override void RegisterProducts(Network network) =>
        Recurrent = network.Register(RecurrentProduct("HiddenPreactivations",
            "gates = b_hh + Σ_j hPrev[j] · W_hh[j, :]: the hidden side of all three gates, kept apart because r scales the n part.", withInput: false));

    public override IEnumerable<string> Step(StepOperands r, Expr? part = null)
    {
        foreach (string line in RunRecurrent(r, part, r.Gates!, r.Weights.RecurrentBias!))
        {
            yield return line;
        }

        foreach (string line in Update(r, part))
        {
            yield return line;
        }
    }

    public override IEnumerable<string> Update(StepOperands r, Expr? part = null)
    {
        yield return $"Gru.{(r.Streaming ? "StepUpdate" : "Update")}<{T}>({Shift(r.Input, part).Ref}, {Shift(r.Weights.InputBias!, part).Ref}, {Shift(r.Previous, part).Ref}, {Shift(r.Gates!, part).Ref}, {Shift(r.HiddenPart!, part).Ref}, {Shift(r.Hidden, part).Ref}, {Units(part)}, HiddenPadded);";
    }

    public override IEnumerable<string> Backward(BackwardOperands r)
    {
        yield return $"Gru.Backward<{T}>({r.State.Ref}, {r.Gates!.Ref}, {r.HiddenPart!.Ref}, {r.PreviousHidden!.Ref}, {r.InputGrad.Ref}, {r.RecurrentGrad.Ref}, {r.PreviousState.Ref}, HiddenPadded);";
    }
}
