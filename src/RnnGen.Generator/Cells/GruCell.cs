using RnnGen.Generator.Emit;

namespace RnnGen.Generator.Cells;

/// <summary>
/// PyTorch's GRU, gates in the order r, z, n:
/// <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>, <c>z = σ(...)</c>,
/// <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c>, <c>h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}</c>.
/// </summary>
/// <remarks>
/// Backward, from dh at step t: <c>dn = dh ⊙ (1-z)</c>, <c>dz = dh ⊙ (h_{t-1} - n)</c>,
/// <c>δn = dn ⊙ (1-n²)</c>, <c>δr = δn ⊙ hn ⊙ r(1-r)</c>, <c>δz = dz ⊙ z(1-z)</c>, with
/// <c>hn = W_hn h_{t-1} + b_hn</c>. The input side gets [δr, δz, δn], the hidden side [δr, δz, δn ⊙ r]
/// (r scales only the hidden part of n), and the state gradient one step back is
/// <c>W_hhᵀ δ_hidden + dh ⊙ z</c>.
/// </remarks>
internal sealed class GruCell : Cell
{
    public override bool SeparateRecurrentGrads => true;

    public override void EmitKernels(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        const string productDoc = "gates = b_hh + Σ_j hPrev[j] · W_hh[j, :]: the hidden side of all three gates, kept apart because r scales the n part.";
        EmitRecurrentProduct(w, ctx, "HiddenPreactivations", productDoc, withInput: false);

        UpdateMethods(w, ctx, "r, z, n from both sides; h = n + z ⊙ (hPrev - n); the gates replace the hidden side in place.",
            $"ref {T} x, ref {T} inputBias, ref {T} hPrev, ref {T} gates, ref {T} hiddenPart, ref {T} h", v =>
            {
                string V = v.V;
                w.Line($"var r_ = VectorMath.Sigmoid({V}.LoadUnsafe(ref x, i) + {V}.LoadUnsafe(ref inputBias, i) + {V}.LoadUnsafe(ref gates, i));");
                w.Line($"var z_ = VectorMath.Sigmoid({V}.LoadUnsafe(ref x, HiddenPadded + i) + {V}.LoadUnsafe(ref inputBias, HiddenPadded + i) + {V}.LoadUnsafe(ref gates, HiddenPadded + i));");
                w.Line($"var hn = {V}.LoadUnsafe(ref gates, 2 * HiddenPadded + i);");
                w.Line($"var n_ = VectorMath.Tanh({V}.LoadUnsafe(ref x, 2 * HiddenPadded + i) + {V}.LoadUnsafe(ref inputBias, 2 * HiddenPadded + i) + r_ * hn);");
                w.Line($"{V}.StoreUnsafe(r_, ref gates, i);");
                w.Line($"{V}.StoreUnsafe(z_, ref gates, HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(n_, ref gates, 2 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(hn, ref hiddenPart, i);");
                w.Line($"{V}.StoreUnsafe(n_ + z_ * ({V}.LoadUnsafe(ref hPrev, i) - n_), ref h, i);");
            });

        w.Lines($$"""
            /// <summary>One GRU step: gates, the n gate's hidden part, hidden state.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static void CellStep(ref {{T}} hPrev, ref {{T}} recurrentWeights, ref {{T}} x, ref {{T}} inputBias, ref {{T}} recurrentBias, ref {{T}} gates, ref {{T}} hiddenPart, ref {{T}} h)
            {
                HiddenPreactivations(ref hPrev, ref recurrentWeights, ref gates, ref recurrentBias);
                Update(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h);
            }

            """);
        if (ctx.Layout.SplitsRecurrence)
        {
            w.Lines($$"""
                /// <summary>One GRU step for half of the units: their gates' hidden side, then their hidden states.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void CellStepPart(int part, ref {{T}} hPrev, ref {{T}} recurrentWeights, ref {{T}} x, ref {{T}} inputBias, ref {{T}} recurrentBias, ref {{T}} gates, ref {{T}} hiddenPart, ref {{T}} h)
                {
                    HiddenPreactivationsPart(part, ref hPrev, ref recurrentWeights, ref gates, ref recurrentBias);
                    nuint u = (nuint)part * HalfUnits;
                    UpdateHalf({{Shifted("x", "inputBias", "hPrev", "gates", "hiddenPart", "h")}});
                }

                """);
        }

        Simd.ElementwiseMethod(w, ctx, "From dh at step t: input-side and hidden-side pre-activation gradients, and dh ⊙ z one step back.",
            $"CellBackward(ref {T} dh, ref {T} gates, ref {T} hiddenPart, ref {T} hPrev, ref {T} dx, ref {T} dhp, ref {T} previous)", "HiddenPadded", v =>
            {
                string V = v.V, VT = v.Of(T);
                w.Line($"var g = {V}.LoadUnsafe(ref dh, i);");
                w.Line($"var r_ = {V}.LoadUnsafe(ref gates, i);");
                w.Line($"var z_ = {V}.LoadUnsafe(ref gates, HiddenPadded + i);");
                w.Line($"var n_ = {V}.LoadUnsafe(ref gates, 2 * HiddenPadded + i);");
                w.Line($"var one = {VT}.One;");
                w.Line($"var dn = g * (one - z_) * (one - n_ * n_);");
                w.Line($"var dr = dn * {V}.LoadUnsafe(ref hiddenPart, i) * r_ * (one - r_);");
                w.Line($"var dz = g * ({V}.LoadUnsafe(ref hPrev, i) - n_) * z_ * (one - z_);");
                w.Line($"{V}.StoreUnsafe(dr, ref dx, i);");
                w.Line($"{V}.StoreUnsafe(dz, ref dx, HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dn, ref dx, 2 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dr, ref dhp, i);");
                w.Line($"{V}.StoreUnsafe(dz, ref dhp, HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dn * r_, ref dhp, 2 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(g * z_, ref previous, i);");
            });
    }

    protected override string StepArguments(EmitContext ctx, StepRefs r) =>
        $"ref {r.Previous}, ref recurrentWeights, ref {r.Input}, ref inputBias, ref recurrentBias, ref {r.Gates}, ref {r.HiddenPart}, ref {r.Hidden}";

    public override string Backward(EmitContext ctx, BackwardRefs r) =>
        $"CellBackward(ref {r.State}, ref {r.Gates}, ref {r.HiddenPart}, ref {r.PreviousHidden}, ref {r.InputGrad}, ref {r.RecurrentGrad}, ref {r.PreviousState});";
}
