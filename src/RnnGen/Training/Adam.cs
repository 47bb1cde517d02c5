using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Training;

/// <summary>
/// Adam (Kingma and Ba), with PyTorch's <c>torch.optim.Adam</c> update:
/// <c>m = β₁·m + (1-β₁)·g</c>, <c>v = β₂·v + (1-β₂)·g²</c>, then
/// <c>p -= lr / (1-β₁ᵗ) · m / (√v / √(1-β₂ᵗ) + ε)</c> with <c>t</c> = <see cref="Optimizer{T}.StepCount"/>.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Adam<T> : Optimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _m, _v;

    /// <summary>Creates the optimiser; <see langword="null"/> arguments take PyTorch's defaults.</summary>
    /// <param name="length">The number of parameters, e.g. <c>model.Parameters.Length</c>.</param>
    /// <param name="learningRate">The step size; <see langword="null"/> for 0.001.</param>
    /// <param name="beta1">β₁ in [0, 1); <see langword="null"/> for 0.9.</param>
    /// <param name="beta2">β₂ in [0, 1); <see langword="null"/> for 0.999.</param>
    /// <param name="epsilon">ε, positive; <see langword="null"/> for 1e-8.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public Adam(int length, T? learningRate = null, T? beta1 = null, T? beta2 = null, T? epsilon = null)
        : base(length, learningRate ?? T.CreateChecked(1e-3))
    {
        Beta1 = beta1 ?? T.CreateChecked(0.9);
        Beta2 = beta2 ?? T.CreateChecked(0.999);
        Epsilon = epsilon ?? T.CreateChecked(1e-8);
        if (!(Beta1 >= T.Zero && Beta1 < T.One))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), Beta1, "β₁ must be in [0, 1).");
        }

        if (!(Beta2 >= T.Zero && Beta2 < T.One))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), Beta2, "β₂ must be in [0, 1).");
        }

        if (!(Epsilon > T.Zero) || !T.IsFinite(Epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), Epsilon, "Epsilon must be positive and finite.");
        }

        _m = new T[length];
        _v = new T[length];
    }

    /// <summary>β₁, the decay of the first-moment (mean) estimate.</summary>
    public T Beta1 { get; }

    /// <summary>β₂, the decay of the second-moment (uncentred variance) estimate.</summary>
    public T Beta2 { get; }

    /// <summary>ε, added to the denominator.</summary>
    public T Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    public override int StateBufferCount => 2;

    /// <inheritdoc/>
    public override string GetStateBufferName(int index) => index switch
    {
        0 => "m",
        1 => "v",
        _ => throw BadIndex(index, 2),
    };

    /// <inheritdoc/>
    public override Span<T> GetStateBuffer(int index) => index switch
    {
        0 => _m,
        1 => _v,
        _ => throw BadIndex(index, 2),
    };

    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients) => UpdateRange(parameters, gradients, 0);

    internal override bool UpdatesByElement => true;

    internal override void UpdateRange(Span<T> parameters, ReadOnlySpan<T> gradients, int offset)
    {
        // The bias corrections in double, whatever T is: β^t for large t is tiny and 1 - β^t is what matters.
        double t = StepCount;
        double correction1 = 1 - Math.Pow(double.CreateChecked(Beta1), t);
        double correction2 = 1 - Math.Pow(double.CreateChecked(Beta2), t);
        T stepSize = T.CreateChecked(double.CreateChecked(LearningRate) / correction1);
        T inverseRoot2 = T.CreateChecked(1 / Math.Sqrt(correction2));
        T b1 = Beta1, b2 = Beta2, c1 = T.One - Beta1, c2 = T.One - Beta2, eps = Epsilon;
        Span<T> m = _m.AsSpan(offset, parameters.Length), v = _v.AsSpan(offset, parameters.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> p = MemoryMarshal.Cast<T, Vector<T>>(parameters);
            ReadOnlySpan<Vector<T>> g = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            Span<Vector<T>> vm = MemoryMarshal.Cast<T, Vector<T>>(m);
            Span<Vector<T>> vv = MemoryMarshal.Cast<T, Vector<T>>(v);
            Vector<T> vb1 = new(b1), vb2 = new(b2), vc1 = new(c1), vc2 = new(c2), vEps = new(eps), vStep = new(stepSize), vRoot = new(inverseRoot2);
            for (int k = 0; k < p.Length; k++)
            {
                Vector<T> gk = g[k];
                Vector<T> mk = vb1 * vm[k] + vc1 * gk;
                Vector<T> vk = vb2 * vv[k] + vc2 * gk * gk;
                vm[k] = mk;
                vv[k] = vk;
                p[k] -= vStep * mk / (Vector.SquareRoot(vk) * vRoot + vEps);
            }

            i = p.Length * Vector<T>.Count;
        }

        for (; i < parameters.Length; i++)
        {
            T gi = gradients[i];
            T mi = b1 * m[i] + c1 * gi;
            T vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            parameters[i] -= stepSize * mi / (T.Sqrt(vi) * inverseRoot2 + eps);
        }
    }
}
