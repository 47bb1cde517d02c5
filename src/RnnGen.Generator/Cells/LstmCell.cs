using RnnGen.Generator.Emit;
using RnnGen.Generator.Emit.Kernels;

namespace RnnGen.Generator.Cells;

/// <summary>
/// PyTorch's LSTM, gates in the order i, f, g, o:
/// <c>[i f g o] = [σ σ tanh σ](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)</c>,
/// <c>c_t = f ⊙ c_{t-1} + i ⊙ g</c>, <c>m_t = o ⊙ tanh(c_t)</c>, and <c>h_t = m_t</c>, or
/// <c>h_t = W_hr m_t</c> with a projection (PyTorch proj_size).
/// </summary>
/// <remarks>
/// Backward, from (dh, dc) at step t: <c>dm = dh</c> (<c>W_hrᵀ dh</c> with a projection, and
/// <c>dW_hr += dh m_tᵀ</c>); with <c>τ = tanh(c_t)</c>, <c>dc' = dc + dm ⊙ o ⊙ (1 - τ²)</c>; the
/// pre-activation gradients are <c>dc' ⊙ g ⊙ i(1-i)</c>, <c>dc' ⊙ c_{t-1} ⊙ f(1-f)</c>,
/// <c>dc' ⊙ i ⊙ (1-g²)</c>, <c>dm ⊙ τ ⊙ o(1-o)</c> (one set for both weight matrices); the state
/// gradient one step back is <c>(W_hhᵀ δ, dc' ⊙ f)</c>. The state gradient row is [dh | dc], dh of
/// the width of h and dc of the width of c.
/// </remarks>
internal sealed class LstmCell : Cell
{
    public override void EmitKernels(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        bool projected = ctx.Layout.Projected;
        string h = ctx.HRow;
        const string productDoc = "gates = x + b_ih + b_hh + Σ_j hPrev[j] · W_hh[j, :] for all four gates: one product per step.";
        EmitRecurrentProduct(w, ctx, "GatePreactivations", productDoc, withInput: true);

        UpdateMethods(w, ctx, $"Activates the gates in place, then c = f ⊙ cPrev + i ⊙ g and {(projected ? "m" : "h")} = o ⊙ tanh(c).",
            $"ref {T} gates, ref {T} cPrev, ref {T} c, ref {T} h", v =>
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

        if (projected)
        {
            new BroadcastGemm
            {
                Name = "Project",
                Doc = "h = Σ_j m[j] · W_hr[j, :]: a = m, b = W_hr (input-major), c = h.",
                M = Dim.Const(1),
                K = Dim.Const(ctx.Spec.Hidden),
                N = ctx.Layout.FeaturesPadded,
                AStrideM = 0,
                AStrideK = 1,
                BStride = ctx.Layout.FeaturesPadded,
                CStride = 0,
                Prologue = (width, _, _) => $"{width.Of(T)}.Zero",
            }.Emit(w, ctx);
            new DotGemm
            {
                Name = "ProjectionBackprop",
                Doc = "dm[j] += Σ_p dh[p] · W_hr[p, j]: a = dh, b = W_hr rows (input-major), c = dm.",
                M = Dim.Const(1),
                N = ctx.Spec.Hidden,
                K = ctx.Layout.FeaturesPadded,
                AStride = ctx.Layout.FeaturesPadded,
                BStride = ctx.Layout.FeaturesPadded,
                CStride = ctx.Layout.HiddenPadded,
            }.Emit(w, ctx);
            w.Lines($$"""
                /// <summary>One LSTM step with a projection: gates, cell, m = o ⊙ tanh(c), and h = W_hr m.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void CellStep(ref {{T}} hPrev, ref {{T}} cPrev, ref {{T}} recurrentWeights, ref {{T}} x, ref {{T}} inputBias, ref {{T}} recurrentBias, ref {{T}} gates, ref {{T}} c, ref {{T}} m, ref {{T}} h, ref {{T}} projectionWeights)
                {
                    GatePreactivations(ref hPrev, ref recurrentWeights, ref gates, ref x, ref inputBias, ref recurrentBias);
                    Update(ref gates, ref cPrev, ref c, ref m);
                    Project(ref m, ref projectionWeights, ref h);
                }

                """);
        }
        else
        {
            w.Lines($$"""
                /// <summary>One LSTM step: gates, cell and hidden state.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void CellStep(ref {{T}} hPrev, ref {{T}} cPrev, ref {{T}} recurrentWeights, ref {{T}} x, ref {{T}} inputBias, ref {{T}} recurrentBias, ref {{T}} gates, ref {{T}} c, ref {{T}} h)
                {
                    GatePreactivations(ref hPrev, ref recurrentWeights, ref gates, ref x, ref inputBias, ref recurrentBias);
                    Update(ref gates, ref cPrev, ref c, ref h);
                }

                """);
            if (ctx.Layout.SplitsRecurrence)
            {
                w.Lines($$"""
                    /// <summary>One LSTM step for half of the units: their gates' product, then their cells and hidden states.</summary>
                    [MethodImpl(MethodImplOptions.AggressiveInlining)]
                    private static void CellStepPart(int part, ref {{T}} hPrev, ref {{T}} cPrev, ref {{T}} recurrentWeights, ref {{T}} x, ref {{T}} inputBias, ref {{T}} recurrentBias, ref {{T}} gates, ref {{T}} c, ref {{T}} h)
                    {
                        GatePreactivationsPart(part, ref hPrev, ref recurrentWeights, ref gates, ref x, ref inputBias, ref recurrentBias);
                        nuint u = (nuint)part * HalfUnits;
                        UpdateHalf({{Shifted("gates", "cPrev", "c", "h")}});
                    }

                    """);
            }
        }

        Simd.ElementwiseMethod(w, ctx, "From (dm, dc) at step t: the gates' pre-activation gradients, and dc' ⊙ f one step back.",
            $"GateGradients(ref {T} dm, ref {T} dc, ref {T} gates, ref {T} c, ref {T} cPrev, ref {T} dx, ref {T} dcPrev)", "HiddenPadded", v =>
            {
                string V = v.V, VT = v.Of(T);
                w.Line($"var dh = {V}.LoadUnsafe(ref dm, i);");
                w.Line($"var dcIn = {V}.LoadUnsafe(ref dc, i);");
                w.Line($"var i_ = {V}.LoadUnsafe(ref gates, i);");
                w.Line($"var f_ = {V}.LoadUnsafe(ref gates, HiddenPadded + i);");
                w.Line($"var g_ = {V}.LoadUnsafe(ref gates, 2 * HiddenPadded + i);");
                w.Line($"var o_ = {V}.LoadUnsafe(ref gates, 3 * HiddenPadded + i);");
                w.Line($"var tau = VectorMath.Tanh({V}.LoadUnsafe(ref c, i));");
                w.Line($"var one = {VT}.One;");
                w.Line($"var dcTotal = dcIn + dh * o_ * (one - tau * tau);");
                w.Line($"{V}.StoreUnsafe(dcTotal * g_ * i_ * (one - i_), ref dx, i);");
                w.Line($"{V}.StoreUnsafe(dcTotal * {V}.LoadUnsafe(ref cPrev, i) * f_ * (one - f_), ref dx, HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dcTotal * i_ * (one - g_ * g_), ref dx, 2 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dh * tau * o_ * (one - o_), ref dx, 3 * HiddenPadded + i);");
                w.Line($"{V}.StoreUnsafe(dcTotal * f_, ref dcPrev, i);");
            });

        if (projected)
        {
            w.Lines($$"""
                /// <summary>
                /// From [dh | dc] at step t, through the projection: dm = W_hrᵀ dh (dh is kept in dhOut for W_hr's
                /// gradient unless it is a null ref), the gates' gradients, and [0 | dc' ⊙ f] one step back.
                /// </summary>
                private static void CellBackward(ref {{T}} state, ref {{T}} gates, ref {{T}} c, ref {{T}} cPrev, ref {{T}} dx, ref {{T}} previous, ref {{T}} dm, ref {{T}} projectionWeights, ref {{T}} dhOut)
                {
                    if (!Unsafe.IsNullRef(ref dhOut))
                    {
                        CopyRow(ref state, ref dhOut, FeaturesPadded);
                    }

                    MemoryMarshal.CreateSpan(ref dm, HiddenPadded).Clear();
                    ProjectionBackprop(ref state, ref projectionWeights, ref dm);
                    GateGradients(ref dm, ref Unsafe.Add(ref state, FeaturesPadded), ref gates, ref c, ref cPrev, ref dx, ref Unsafe.Add(ref previous, FeaturesPadded));
                    MemoryMarshal.CreateSpan(ref previous, FeaturesPadded).Clear();
                }

                """);
        }
        else
        {
            w.Lines($$"""
                /// <summary>From [dh | dc] at step t: the gates' pre-activation gradients, and [0 | dc' ⊙ f] one step back.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void CellBackward(ref {{T}} state, ref {{T}} gates, ref {{T}} c, ref {{T}} cPrev, ref {{T}} dx, ref {{T}} previous)
                {
                    GateGradients(ref state, ref Unsafe.Add(ref state, {{h}}), ref gates, ref c, ref cPrev, ref dx, ref Unsafe.Add(ref previous, {{h}}));
                    MemoryMarshal.CreateSpan(ref previous, {{h}}).Clear();
                }

                """);
        }
    }

    protected override string StepArguments(EmitContext ctx, StepRefs r) => ctx.Layout.Projected
        ? $"ref {r.Previous}, ref {r.PreviousCell}, ref recurrentWeights, ref {r.Input}, ref inputBias, ref recurrentBias, ref {r.Gates}, ref {r.Cell}, ref {r.Unprojected}, ref {r.Hidden}, ref projectionWeights"
        : $"ref {r.Previous}, ref {r.PreviousCell}, ref recurrentWeights, ref {r.Input}, ref inputBias, ref recurrentBias, ref {r.Gates}, ref {r.Cell}, ref {r.Hidden}";

    public override string Backward(EmitContext ctx, BackwardRefs r) => ctx.Layout.Projected
        ? $"CellBackward(ref {r.State}, ref {r.Gates}, ref {r.Cell}, ref {r.PreviousCell}, ref {r.InputGrad}, ref {r.PreviousState}, ref {r.Scratch}, ref projectionWeights, ref {(r.ProjectionGrad.Length > 0 ? r.ProjectionGrad : $"Unsafe.NullRef<{ctx.T}>()")});"
        : $"CellBackward(ref {r.State}, ref {r.Gates}, ref {r.Cell}, ref {r.PreviousCell}, ref {r.InputGrad}, ref {r.PreviousState});";
}
