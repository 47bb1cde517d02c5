using System;
using RnnGen.Generator.Emit;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Cells;

/// <summary>
/// The Elman cell: <c>h_t = act(W_ih x_t + b_ih + W_hh r_{t-1} + b_hh)</c> where r is h, or the head
/// output y with output recurrence. Backward: <c>δ = dh ⊙ act'(h_t)</c>, with <c>tanh' = 1 - h²</c>
/// and <c>relu' = [h &gt; 0]</c> read from the stored output. With output recurrence the state
/// gradient is dy, and <c>dh = W_outᵀ dy</c> comes first.
/// </summary>
internal sealed class VanillaCell : Cell
{
    public override void EmitKernels(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        const string productDoc = "h = act(x + b_ih + b_hh + Σ_j prev[j] · W_hh[j, :]), fused in registers: a = prev, b = W_hh (input-major), c = h.";
        Func<SimdWidth, string, string> activation = (width, acc) => ctx.Spec.Activation == ActivationKind.Relu
            ? $"{width.V}.Max({acc}, {width.Of(T)}.Zero)"
            : $"VectorMath.Tanh({acc})";
        // The step is the product itself, so half of the step (CellStepPart when the recurrence splits) is half of the product.
        EmitRecurrentProduct(w, ctx, "CellStep", productDoc, withInput: true, epilogue: activation);

        bool relu = ctx.Spec.Activation == ActivationKind.Relu;
        string doc = relu ? "δ = dh ⊙ [h &gt; 0] (ReLU' read from the output)." : "δ = dh ⊙ (1 - h²) (tanh' read from the output).";
        Simd.ElementwiseMethod(w, ctx, doc, $"Activation(ref {T} dh, ref {T} h, ref {T} dx)", "HiddenPadded", width =>
        {
            string V = width.V, VT = width.Of(T);
            w.Line($"var g = {V}.LoadUnsafe(ref dh, i);");
            w.Line($"var y = {V}.LoadUnsafe(ref h, i);");
            w.Line(relu
                ? $"{V}.StoreUnsafe({V}.ConditionalSelect({V}.GreaterThan(y, {VT}.Zero), g, {VT}.Zero), ref dx, i);"
                : $"{V}.StoreUnsafe(g * ({VT}.One - y * y), ref dx, i);");
        });

        if (ctx.Layout.FeedsBackOutput)
        {
            w.Lines($$"""
                /// <summary>dy → dh = W_outᵀ dy → δ = dh ⊙ act'(h); the only path to the previous state is W_hhᵀ δ, which the caller adds.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void CellBackward(ref {{T}} dy, ref {{T}} outputWeights, ref {{T}} h, ref {{T}} dh, ref {{T}} dx, ref {{T}} previous)
                {
                    MemoryMarshal.CreateSpan(ref dh, HiddenPadded).Clear();
                    HiddenGradsFromHead(ref dy, ref outputWeights, ref dh, 1);
                    Activation(ref dh, ref h, ref dx);
                    MemoryMarshal.CreateSpan(ref previous, StateGradientWidth).Clear();
                }

                """);
        }
        else
        {
            w.Lines($$"""
                /// <summary>δ = dh ⊙ act'(h); the only path to h_{t-1} is W_hhᵀ δ, which the caller adds.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void CellBackward(ref {{T}} dh, ref {{T}} h, ref {{T}} dx, ref {{T}} previous)
                {
                    Activation(ref dh, ref h, ref dx);
                    MemoryMarshal.CreateSpan(ref previous, StateGradientWidth).Clear();
                }

                """);
        }
    }

    protected override string StepArguments(EmitContext ctx, StepRefs r) =>
        $"ref {r.Previous}, ref recurrentWeights, ref {r.Hidden}, ref {r.Input}, ref inputBias, ref recurrentBias";

    public override string Backward(EmitContext ctx, BackwardRefs r) => ctx.Layout.FeedsBackOutput
        ? $"CellBackward(ref {r.State}, ref outputWeights, ref {r.Hidden}, ref {r.Scratch}, ref {r.InputGrad}, ref {r.PreviousState});"
        : $"CellBackward(ref {r.State}, ref {r.Hidden}, ref {r.InputGrad}, ref {r.PreviousState});";
}
