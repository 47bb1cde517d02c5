using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Runtime;

/// <summary>
/// PyTorch's LSTM, element by element over a padded row of units: gates i, f, g, o, each a block of
/// <c>stride</c> values (HiddenPadded) in a gates row. A generated model computes the gates' pre-activations with a
/// product (<see cref="BroadcastProduct"/>) and calls these for the rest of a step and of its backward step.
/// </summary>
/// <remarks>
/// Forward: <c>[i f g o] = [σ σ tanh σ](pre)</c>, <c>c = f ⊙ c_prev + i ⊙ g</c>, <c>m = o ⊙ tanh(c)</c>. Backward, from
/// (dm, dc): with <c>τ = tanh(c)</c>, <c>dc' = dc + dm ⊙ o ⊙ (1 - τ²)</c>; the pre-activation gradients are
/// <c>dc' ⊙ g ⊙ i(1-i)</c>, <c>dc' ⊙ c_prev ⊙ f(1-f)</c>, <c>dc' ⊙ i ⊙ (1-g²)</c>, <c>dm ⊙ τ ⊙ o(1-o)</c>, and the cell
/// state's gradient one step back is <c>dc' ⊙ f</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Lstm
{
    // Compiled on their own, not inlined: a step's caller inlines products' dispatch, row copies and spans, and with the
    // exponentials of the gates on top the JIT's inlining budget ran out (Exp and Tanh became calls, 1.5x a step).
    private const MethodImplOptions OwnMethod = MethodImplOptions.NoInlining;

    /// <summary>Activates the gates in place, then c = f ⊙ cPrev + i ⊙ g and h = o ⊙ tanh(c), for <paramref name="units"/> units.</summary>
    [MethodImpl(OwnMethod)]
    public static void Update<T>(ref T gates, ref T cPrev, ref T c, ref T h, nuint units, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Update<T, Width512<T>, Vector512<T>>(ref gates, ref cPrev, ref c, ref h, units, stride);
        else if (Vector256.IsHardwareAccelerated) Update<T, Width256<T>, Vector256<T>>(ref gates, ref cPrev, ref c, ref h, units, stride);
        else Update<T, Width128<T>, Vector128<T>>(ref gates, ref cPrev, ref c, ref h, units, stride);
    }

    /// <summary>
    /// <see cref="Update{T}"/> for a streaming Step: compiled fully optimised at its first call and never again (it
    /// depends on no shape: once per process), so that a real-time caller's code is final from the first step.
    /// </summary>
    [MethodImpl(OwnMethod | MethodImplOptions.AggressiveOptimization)]
    public static void StepUpdate<T>(ref T gates, ref T cPrev, ref T c, ref T h, nuint units, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Update<T, Width512<T>, Vector512<T>>(ref gates, ref cPrev, ref c, ref h, units, stride);
        else if (Vector256.IsHardwareAccelerated) Update<T, Width256<T>, Vector256<T>>(ref gates, ref cPrev, ref c, ref h, units, stride);
        else Update<T, Width128<T>, Vector128<T>>(ref gates, ref cPrev, ref c, ref h, units, stride);
    }

    /// <summary>From (dm, dc) at a step: the gates' pre-activation gradients into dx, and dc' ⊙ f into dcPrev.</summary>
    [MethodImpl(OwnMethod)]
    public static void Backward<T>(ref T dm, ref T dc, ref T gates, ref T c, ref T cPrev, ref T dx, ref T dcPrev, nuint units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Backward<T, Width512<T>, Vector512<T>>(ref dm, ref dc, ref gates, ref c, ref cPrev, ref dx, ref dcPrev, units);
        else if (Vector256.IsHardwareAccelerated) Backward<T, Width256<T>, Vector256<T>>(ref dm, ref dc, ref gates, ref c, ref cPrev, ref dx, ref dcPrev, units);
        else Backward<T, Width128<T>, Vector128<T>>(ref dm, ref dc, ref gates, ref c, ref cPrev, ref dx, ref dcPrev, units);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<T, W, TV>(ref T gates, ref T cPrev, ref T c, ref T h, nuint units, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < units; i += (nuint)W.Lanes)
        {
            TV input = W.Sigmoid(W.Load(ref gates, i));
            TV forget = W.Sigmoid(W.Load(ref gates, stride + i));
            TV cell = W.Tanh(W.Load(ref gates, 2 * stride + i));
            TV output = W.Sigmoid(W.Load(ref gates, 3 * stride + i));
            W.Store(input, ref gates, i);
            W.Store(forget, ref gates, stride + i);
            W.Store(cell, ref gates, 2 * stride + i);
            W.Store(output, ref gates, 3 * stride + i);
            TV state = W.Add(W.Multiply(forget, W.Load(ref cPrev, i)), W.Multiply(input, cell));
            W.Store(state, ref c, i);
            W.Store(W.Multiply(output, W.Tanh(state)), ref h, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<T, W, TV>(ref T dm, ref T dc, ref T gates, ref T c, ref T cPrev, ref T dx, ref T dcPrev, nuint units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < units; i += (nuint)W.Lanes)
        {
            TV dh = W.Load(ref dm, i), dcIn = W.Load(ref dc, i);
            TV input = W.Load(ref gates, i), forget = W.Load(ref gates, units + i);
            TV cell = W.Load(ref gates, 2 * units + i), output = W.Load(ref gates, 3 * units + i);
            TV tau = W.Tanh(W.Load(ref c, i)), one = W.One;
            TV dcTotal = W.Add(dcIn, W.Multiply(W.Multiply(dh, output), W.Subtract(one, W.Multiply(tau, tau))));
            W.Store(W.Multiply(W.Multiply(W.Multiply(dcTotal, cell), input), W.Subtract(one, input)), ref dx, i);
            W.Store(W.Multiply(W.Multiply(W.Multiply(dcTotal, W.Load(ref cPrev, i)), forget), W.Subtract(one, forget)), ref dx, units + i);
            W.Store(W.Multiply(W.Multiply(dcTotal, input), W.Subtract(one, W.Multiply(cell, cell))), ref dx, 2 * units + i);
            W.Store(W.Multiply(W.Multiply(W.Multiply(dh, tau), output), W.Subtract(one, output)), ref dx, 3 * units + i);
            W.Store(W.Multiply(dcTotal, forget), ref dcPrev, i);
        }
    }
}

/// <summary>
/// PyTorch's GRU, element by element over a padded row of units: gates r, z, n, each a block of <c>stride</c> values.
/// A generated model computes the hidden side's pre-activations <c>W_hh h + b_hh</c> with a product and calls these.
/// </summary>
/// <remarks>
/// Forward: <c>r = σ(x_r + b_ir + hs_r)</c>, <c>z = σ(x_z + b_iz + hs_z)</c>, <c>n = tanh(x_n + b_in + r ⊙ hs_n)</c>,
/// <c>h = n + z ⊙ (h_prev - n)</c>. Backward, from dh: <c>δn = dh ⊙ (1-z) ⊙ (1-n²)</c>, <c>δr = δn ⊙ hs_n ⊙ r(1-r)</c>,
/// <c>δz = dh ⊙ (h_prev - n) ⊙ z(1-z)</c>; the input side gets [δr, δz, δn], the hidden side [δr, δz, δn ⊙ r] (r scales
/// only the hidden part of n), and the state gradient one step back starts from <c>dh ⊙ z</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gru
{
    // Compiled on their own, not inlined: a step's caller inlines products' dispatch, row copies and spans, and with the
    // exponentials of the gates on top the JIT's inlining budget ran out (Exp and Tanh became calls, 1.5x a step).
    private const MethodImplOptions OwnMethod = MethodImplOptions.NoInlining;

    /// <summary>
    /// r, z, n from both sides and h = n + z ⊙ (hPrev - n); the gates replace the hidden side in place, and the n gate's
    /// hidden part is kept in hiddenPart.
    /// </summary>
    [MethodImpl(OwnMethod)]
    public static void Update<T>(ref T x, ref T inputBias, ref T hPrev, ref T gates, ref T hiddenPart, ref T h, nuint units, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Update<T, Width512<T>, Vector512<T>>(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h, units, stride);
        else if (Vector256.IsHardwareAccelerated) Update<T, Width256<T>, Vector256<T>>(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h, units, stride);
        else Update<T, Width128<T>, Vector128<T>>(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h, units, stride);
    }

    /// <summary>
    /// <see cref="Update{T}"/> for a streaming Step: compiled fully optimised at its first call and never again (it
    /// depends on no shape: once per process), so that a real-time caller's code is final from the first step.
    /// </summary>
    [MethodImpl(OwnMethod | MethodImplOptions.AggressiveOptimization)]
    public static void StepUpdate<T>(ref T x, ref T inputBias, ref T hPrev, ref T gates, ref T hiddenPart, ref T h, nuint units, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Update<T, Width512<T>, Vector512<T>>(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h, units, stride);
        else if (Vector256.IsHardwareAccelerated) Update<T, Width256<T>, Vector256<T>>(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h, units, stride);
        else Update<T, Width128<T>, Vector128<T>>(ref x, ref inputBias, ref hPrev, ref gates, ref hiddenPart, ref h, units, stride);
    }

    /// <summary>From dh at a step: input-side (dx) and hidden-side (dhp) pre-activation gradients, and dh ⊙ z into previous.</summary>
    [MethodImpl(OwnMethod)]
    public static void Backward<T>(ref T dh, ref T gates, ref T hiddenPart, ref T hPrev, ref T dx, ref T dhp, ref T previous, nuint units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Backward<T, Width512<T>, Vector512<T>>(ref dh, ref gates, ref hiddenPart, ref hPrev, ref dx, ref dhp, ref previous, units);
        else if (Vector256.IsHardwareAccelerated) Backward<T, Width256<T>, Vector256<T>>(ref dh, ref gates, ref hiddenPart, ref hPrev, ref dx, ref dhp, ref previous, units);
        else Backward<T, Width128<T>, Vector128<T>>(ref dh, ref gates, ref hiddenPart, ref hPrev, ref dx, ref dhp, ref previous, units);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<T, W, TV>(ref T x, ref T inputBias, ref T hPrev, ref T gates, ref T hiddenPart, ref T h, nuint units, nuint stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < units; i += (nuint)W.Lanes)
        {
            TV reset = W.Sigmoid(W.Add(W.Add(W.Load(ref x, i), W.Load(ref inputBias, i)), W.Load(ref gates, i)));
            TV update = W.Sigmoid(W.Add(W.Add(W.Load(ref x, stride + i), W.Load(ref inputBias, stride + i)), W.Load(ref gates, stride + i)));
            TV hidden = W.Load(ref gates, 2 * stride + i);
            TV candidate = W.Tanh(W.Add(W.Add(W.Load(ref x, 2 * stride + i), W.Load(ref inputBias, 2 * stride + i)), W.Multiply(reset, hidden)));
            W.Store(reset, ref gates, i);
            W.Store(update, ref gates, stride + i);
            W.Store(candidate, ref gates, 2 * stride + i);
            W.Store(hidden, ref hiddenPart, i);
            W.Store(W.Add(candidate, W.Multiply(update, W.Subtract(W.Load(ref hPrev, i), candidate))), ref h, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<T, W, TV>(ref T dh, ref T gates, ref T hiddenPart, ref T hPrev, ref T dx, ref T dhp, ref T previous, nuint units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < units; i += (nuint)W.Lanes)
        {
            TV g = W.Load(ref dh, i), one = W.One;
            TV reset = W.Load(ref gates, i), update = W.Load(ref gates, units + i), candidate = W.Load(ref gates, 2 * units + i);
            TV dn = W.Multiply(W.Multiply(g, W.Subtract(one, update)), W.Subtract(one, W.Multiply(candidate, candidate)));
            TV dr = W.Multiply(W.Multiply(W.Multiply(dn, W.Load(ref hiddenPart, i)), reset), W.Subtract(one, reset));
            TV dz = W.Multiply(W.Multiply(W.Multiply(g, W.Subtract(W.Load(ref hPrev, i), candidate)), update), W.Subtract(one, update));
            W.Store(dr, ref dx, i);
            W.Store(dz, ref dx, units + i);
            W.Store(dn, ref dx, 2 * units + i);
            W.Store(dr, ref dhp, i);
            W.Store(dz, ref dhp, units + i);
            W.Store(W.Multiply(dn, reset), ref dhp, 2 * units + i);
            W.Store(W.Multiply(g, update), ref previous, i);
        }
    }
}

/// <summary>
/// The Elman cell's backward step, element by element: <c>δ = dh ⊙ act'(h)</c> with <c>tanh' = 1 - h²</c> and
/// <c>relu' = [h &gt; 0]</c>, both read from the stored output. (Its forward step is one product with the activation
/// fused in: <see cref="ProductFinish"/>.)
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Vanilla
{
    // Compiled on their own, not inlined: a step's caller inlines products' dispatch, row copies and spans, and with the
    // exponentials of the gates on top the JIT's inlining budget ran out (Exp and Tanh became calls, 1.5x a step).
    private const MethodImplOptions OwnMethod = MethodImplOptions.NoInlining;

    /// <summary>dx = dh ⊙ (1 - h²) (tanh), or dh ⊙ [h &gt; 0] (ReLU), for <paramref name="units"/> units.</summary>
    [MethodImpl(OwnMethod)]
    public static void Backward<T>(ref T dh, ref T h, ref T dx, nuint units, bool relu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated) Backward<T, Width512<T>, Vector512<T>>(ref dh, ref h, ref dx, units, relu);
        else if (Vector256.IsHardwareAccelerated) Backward<T, Width256<T>, Vector256<T>>(ref dh, ref h, ref dx, units, relu);
        else Backward<T, Width128<T>, Vector128<T>>(ref dh, ref h, ref dx, units, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<T, W, TV>(ref T dh, ref T h, ref T dx, nuint units, bool relu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where W : IVectorWidth<T, TV>
        where TV : struct
    {
        for (nuint i = 0; i < units; i += (nuint)W.Lanes)
        {
            TV g = W.Load(ref dh, i), y = W.Load(ref h, i);
            W.Store(relu ? W.ReluGradient(y, g) : W.Multiply(g, W.Subtract(W.One, W.Multiply(y, y))), ref dx, i);
        }
    }
}
