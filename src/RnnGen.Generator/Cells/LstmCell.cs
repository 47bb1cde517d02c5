using RnnGen.Generator.Emit;
using RnnGen.Generator.Emit.Kernels;

namespace RnnGen.Generator.Cells;

/// <summary>
/// PyTorch's LSTM, gates in the order i, f, g, o:
/// <c>[i f g o] = [σ σ tanh σ](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)</c>,
/// <c>c_t = f ⊙ c_{t-1} + i ⊙ g</c>, <c>h_t = o ⊙ tanh(c_t)</c>.
/// </summary>
/// <remarks>
/// Backward, from (dh, dc) at step t: with <c>τ = tanh(c_t)</c>, <c>dc' = dc + dh ⊙ o ⊙ (1 - τ²)</c>;
/// the pre-activation gradients are <c>dc' ⊙ g ⊙ i(1-i)</c>, <c>dc' ⊙ c_{t-1} ⊙ f(1-f)</c>,
/// <c>dc' ⊙ i ⊙ (1-g²)</c>, <c>dh ⊙ τ ⊙ o(1-o)</c> (one set for both weight matrices); the state
/// gradient one step back is <c>(W_hhᵀ δ, dc' ⊙ f)</c>. The state gradient row is [dh | dc].
/// </remarks>
internal sealed class LstmCell : Cell
{
    public override void EmitKernels(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        new BroadcastGemm
        {
            Name = "GatePreactivations",
            Doc = "gates = x + b_ih + b_hh + Σ_j hPrev[j] · W_hh[j, :] for all four gates: one product per step.",
            M = Dim.Const(1),
            K = Dim.Const(ctx.Spec.Hidden),
            N = ctx.Layout.GateWidth,
            AStrideM = 0,
            AStrideK = 1,
            BStride = ctx.Layout.GateWidth,
            CStride = 0,
            ExtraParameters = new[] { $"ref {T} x", $"ref {T} inputBias", $"ref {T} recurrentBias" },
            Prologue = (width, _, offset) =>
                $"{width.V}.LoadUnsafe(ref x, {offset}) + {width.V}.LoadUnsafe(ref inputBias, {offset}) + {width.V}.LoadUnsafe(ref recurrentBias, {offset})",
        }.Emit(w, ctx);

        Simd.ElementwiseMethod(w, ctx, "Activates the gates in place, then c = f ⊙ cPrev + i ⊙ g and h = o ⊙ tanh(c).",
            $"Update(ref {T} gates, ref {T} cPrev, ref {T} c, ref {T} h)", "HiddenPadded", v =>
            {
                string V = v.V;
                w.Line($"var i_ = VectorMath.Sigmoid({V}.LoadUnsafe(ref gates, i));");
                w.Line($"var f_ = VectorMath.Sigmoid({V}.LoadUnsafe(ref gates, HiddenPadded + i));");
                w.Line($"var g_ = VectorMath.Tanh({V}.LoadUnsafe(ref gates, 2 * HiddenPadded + i));");
                w.Line($"var o_ = VectorMath.Sigmoid({V}.LoadUnsafe(ref gates, 3 * HiddenPadded + i));");
                w.Line($"{V}.StoreUnsafe(i_, ref gates, i);");
                w.Line($"{V}.StoreUnsafe(f_, ref gates, HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(g_, ref gates, 2 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(o_, ref gates, 3 * HiddenPadded + i);");
                w.Line($"var c_ = f_ * {V}.LoadUnsafe(ref cPrev, i) + i_ * g_;");
                w.Line($"{V}.StoreUnsafe(c_, ref c, i);");
                w.Line($"{V}.StoreUnsafe(o_ * VectorMath.Tanh(c_), ref h, i);");
            });

        w.Lines($$"""
            /// <summary>One LSTM step: gates, cell and hidden state.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static void CellStep(ref {{T}} hPrev, ref {{T}} cPrev, ref {{T}} recurrentWeights, ref {{T}} x, ref {{T}} inputBias, ref {{T}} recurrentBias, ref {{T}} gates, ref {{T}} c, ref {{T}} h)
            {
                GatePreactivations(ref hPrev, ref recurrentWeights, ref gates, ref x, ref inputBias, ref recurrentBias);
                Update(ref gates, ref cPrev, ref c, ref h);
            }

            """);

        Simd.ElementwiseMethod(w, ctx, "From [dh | dc] at step t: the gates' pre-activation gradients, and [0 | dc' ⊙ f] one step back.",
            $"CellBackward(ref {T} state, ref {T} gates, ref {T} c, ref {T} cPrev, ref {T} dx, ref {T} previous)", "HiddenPadded", v =>
            {
                string V = v.V, VT = v.Of(T);
                w.Line($"var dh = {V}.LoadUnsafe(ref state, i);");
                w.Line($"var dc = {V}.LoadUnsafe(ref state, HiddenPadded + i);");
                w.Line($"var i_ = {V}.LoadUnsafe(ref gates, i);");
                w.Line($"var f_ = {V}.LoadUnsafe(ref gates, HiddenPadded + i);");
                w.Line($"var g_ = {V}.LoadUnsafe(ref gates, 2 * HiddenPadded + i);");
                w.Line($"var o_ = {V}.LoadUnsafe(ref gates, 3 * HiddenPadded + i);");
                w.Line($"var tau = VectorMath.Tanh({V}.LoadUnsafe(ref c, i));");
                w.Line($"var one = {VT}.One;");
                w.Line($"var dcTotal = dc + dh * o_ * (one - tau * tau);");
                w.Line($"{V}.StoreUnsafe(dcTotal * g_ * i_ * (one - i_), ref dx, i);");
                w.Line($"{V}.StoreUnsafe(dcTotal * {V}.LoadUnsafe(ref cPrev, i) * f_ * (one - f_), ref dx, HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dcTotal * i_ * (one - g_ * g_), ref dx, 2 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dh * tau * o_ * (one - o_), ref dx, 3 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe({VT}.Zero, ref previous, i);");
                w.Line($"{V}.StoreUnsafe(dcTotal * f_, ref previous, HiddenPadded + i);");
            });
    }

    public override string Step(EmitContext ctx, StepRefs r) =>
        $"CellStep(ref {r.Previous}, ref {r.PreviousCell}, ref recurrentWeights, ref {r.Input}, ref inputBias, ref recurrentBias, ref {r.Gates}, ref {r.Cell}, ref {r.Hidden});";

    public override string Backward(EmitContext ctx, BackwardRefs r) =>
        $"CellBackward(ref {r.State}, ref {r.Gates}, ref {r.Cell}, ref {r.PreviousCell}, ref {r.InputGrad}, ref {r.PreviousState});";
}
