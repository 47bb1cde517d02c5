using RnnGen.Generator.Emit;
using RnnGen.Generator.Emit.Kernels;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Cells;

/// <summary>
/// The Elman cell: <c>h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)</c>.
/// Backward: <c>δ_t = dh_t ⊙ act'(h_t)</c>, with <c>tanh' = 1 - h²</c> and <c>relu' = [h &gt; 0]</c>,
/// both read from the stored output so the pre-activation need not be kept.
/// </summary>
internal static class VanillaCell
{
    /// <summary>
    /// One forward step fused in registers: start from <c>x_row + b_ih + b_hh</c>, add
    /// <c>Σ_j h_{t-1}[j] · W_hh[j, :]</c>, apply the activation, store <c>h_t</c>.
    /// </summary>
    public static BroadcastGemm StepKernel(EmitContext ctx)
    {
        string T = ctx.T;
        return new BroadcastGemm
        {
            Name = "CellStep",
            Doc = "h = act(x + b_ih + b_hh + W_hhᵀ-rows · hPrev): a = hPrev, b = W_hh (input-major), c = h, x = this step's input row.",
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
            Epilogue = (width, acc) => Activate(ctx, width, acc),
        };
    }

    public static string Activate(EmitContext ctx, SimdWidth width, string x) =>
        ctx.Spec.Activation == ActivationKind.Relu
            ? $"{width.V}.Max({x}, {width.Of(ctx.T)}.Zero)"
            : $"VectorMath.Tanh({x})";

    /// <summary><c>dpre = dh ⊙ act'(h)</c> over one padded row (in place when dpre is dh).</summary>
    public static void EmitBackward(CodeWriter w, EmitContext ctx)
    {
        string T = ctx.T;
        string doc = ctx.Spec.Activation == ActivationKind.Relu
            ? "δ = dh ⊙ [h &gt; 0] (ReLU' read from the output)."
            : "δ = dh ⊙ (1 - h²) (tanh' read from the output).";
        Simd.ElementwiseMethod(w, ctx, doc, $"CellBackward(ref {T} dh, ref {T} h, ref {T} dpre)", "HiddenPadded", width =>
        {
            string V = width.V, VT = width.Of(T);
            w.Line($"var g = {V}.LoadUnsafe(ref dh, i);");
            w.Line($"var y = {V}.LoadUnsafe(ref h, i);");
            w.Line(ctx.Spec.Activation == ActivationKind.Relu
                ? $"{V}.StoreUnsafe({V}.ConditionalSelect({V}.GreaterThan(y, {VT}.Zero), g, {VT}.Zero), ref dpre, i);"
                : $"{V}.StoreUnsafe(g * ({VT}.One - y * y), ref dpre, i);");
        });
    }
}
