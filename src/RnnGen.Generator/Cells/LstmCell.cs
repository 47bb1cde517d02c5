using System.Collections.Generic;
using RnnGen.Generator.Plan;
using RnnGen.Generator.Printing;

namespace RnnGen.Generator.Cells;

/// <summary>
/// PyTorch's LSTM, gates in the order i, f, g, o:
/// <c>[i f g o] = [σ σ tanh σ](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)</c>,
/// <c>c_t = f ⊙ c_{t-1} + i ⊙ g</c>, <c>m_t = o ⊙ tanh(c_t)</c>, and <c>h_t = m_t</c>, or <c>h_t = W_hr m_t</c> with a
/// projection (PyTorch proj_size). The element-wise equations and their derivatives are the runtime's <c>Lstm</c>.
/// </summary>
/// <remarks>
/// Backward, from (dh, dc) at step t: <c>dm = dh</c> (<c>W_hrᵀ dh</c> with a projection, and <c>dW_hr += dh m_tᵀ</c>),
/// then the runtime's gate gradients, and the state gradient one step back is <c>(W_hhᵀ δ, dc' ⊙ f)</c>. The state
/// gradient row is [dh | dc], dh of the width of h and dc of the width of c.
/// </remarks>
internal sealed class LstmCell : Cell
{
    public LstmCell(Network network)
        : base(network)
    {
    }

    /// <summary>h = Σ_j m[j] · W_hr[j, :] (with a projection).</summary>
    public BroadcastProduct? Project { get; private set; }

    /// <summary>dm[j] += Σ_p dh[p] · W_hr[p, j] (with a projection).</summary>
    public DotProduct? ProjectionBackprop { get; private set; }

    public override void RegisterProducts(Network network)
    {
        Recurrent = network.Register(RecurrentProduct("GatePreactivations",
            "gates = x + b_ih + b_hh + Σ_j hPrev[j] · W_hh[j, :] for all four gates: one product per step.", withInput: true));
        if (Sizes.Projected)
        {
            Project = network.Register(new BroadcastProduct("Project", "h = Σ_j m[j] · W_hr[j, :]: a = m, b = W_hr (input-major), c = h.")
            {
                M = 1, K = Sizes.Hidden, N = Sizes.FeaturesPadded, AStrideK = 1, BStride = Sizes.FeaturesPadded, Start = ProductStart.Zero,
            });
            ProjectionBackprop = network.Register(new DotProduct("ProjectionBackprop", "dm[j] += Σ_p dh[p] · W_hr[p, j]: a = dh, b = W_hr rows (input-major), c = dm.")
            {
                M = 1, N = Sizes.Hidden, K = Sizes.FeaturesPadded, AStride = Sizes.FeaturesPadded, BStride = Sizes.FeaturesPadded, CStride = Sizes.HiddenPadded,
            });
        }
    }

    public override IEnumerable<string> Step(StepOperands r, Expr? part = null)
    {
        foreach (string line in RunRecurrent(r, part, r.Gates!, r.Input, r.Weights.InputBias!, r.Weights.RecurrentBias!))
        {
            yield return line;
        }

        foreach (string line in Update(r, part))
        {
            yield return line;
        }

        if (Sizes.Projected)
        {
            Slot m = r.Unprojected!;
            foreach (string line in r.Streaming ? Calls.StepProduct(Project!, m, r.Weights.Projection!, r.Hidden) : Calls.Product(Project!, m, r.Weights.Projection!, r.Hidden, null))
            {
                yield return line;
            }
        }
    }

    /// <summary>c and m = o ⊙ tanh(c) from the gates; m is h, or (with a projection) what the projection reads.</summary>
    public override IEnumerable<string> Update(StepOperands r, Expr? part = null)
    {
        Slot m = Sizes.Projected ? r.Unprojected! : r.Hidden;
        yield return $"Lstm.{(r.Streaming ? "StepUpdate" : "Update")}<{T}>({Shift(r.Gates!, part).Ref}, {Shift(r.PreviousCell!, part).Ref}, {Shift(r.Cell!, part).Ref}, {Shift(m, part).Ref}, {Units(part)}, HiddenPadded);";
    }

    public override IEnumerable<string> Backward(BackwardOperands r)
    {
        Expr h = Sizes.FeaturesPadded;
        Slot dm = r.State, dc = r.State.Plus(h);
        if (Sizes.Projected)
        {
            // Through the projection: dm = W_hrᵀ dh, keeping dh for W_hr's gradient.
            if (r.ProjectionGrad is not null)
            {
                yield return Calls.Copy(r.State, r.ProjectionGrad, h);
            }

            dm = r.Scratch;
            yield return Calls.Clear(dm, Sizes.HiddenPadded);
            yield return Calls.Dot(ProjectionBackprop!, r.State, r.Weights.Projection!, dm, null);
        }

        yield return $"Lstm.Backward<{T}>({dm.Ref}, {dc.Ref}, {r.Gates!.Ref}, {r.Cell!.Ref}, {r.PreviousCell!.Ref}, {r.InputGrad.Ref}, {r.PreviousState.Plus(h).Ref}, HiddenPadded);";
        yield return Calls.Clear(r.PreviousState, h);
    }
}
