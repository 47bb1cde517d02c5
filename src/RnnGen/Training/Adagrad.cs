using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Training;

/// <summary>
/// Adagrad as in Karpathy's classic <c>min-char-rnn</c>: <c>G += g²</c>, then <c>p -= lr·g / √(G + ε)</c>,
/// each parameter with its own step size that shrinks as its squared gradients add up.
/// </summary>
/// <remarks>
/// ε sits inside the square root, as in <c>min-char-rnn</c> (<c>np.sqrt(mem + 1e-8)</c>); PyTorch's
/// <c>torch.optim.Adagrad</c> adds it outside (<c>√G + ε</c>, ε = 1e-10). The two agree once <c>G</c> is
/// well above ε. A parameter whose gradients have all been zero does not move.
/// </remarks>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Adagrad<T> : Optimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _sumOfSquares;

    /// <summary>Creates the optimiser.</summary>
    /// <param name="length">The number of parameters, e.g. <c>model.Parameters.Length</c>.</param>
    /// <param name="learningRate">The step size (<c>min-char-rnn</c> uses 0.1).</param>
    /// <param name="epsilon">ε, added under the square root; positive. <see langword="null"/> for 1e-8.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public Adagrad(int length, T learningRate, T? epsilon = null)
        : base(length, learningRate)
    {
        T eps = epsilon ?? T.CreateChecked(1e-8);
        if (!(eps > T.Zero) || !T.IsFinite(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), eps, "Epsilon must be positive and finite.");
        }

        Epsilon = eps;
        _sumOfSquares = new T[length];
    }

    /// <summary>ε, added to the sum of squares under the square root.</summary>
    public T Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "adagrad";

    /// <inheritdoc/>
    public override int StateBufferCount => 1;

    /// <inheritdoc/>
    public override string GetStateBufferName(int index) => index == 0 ? "sum_of_squares" : throw BadIndex(index, 1);

    /// <inheritdoc/>
    public override Span<T> GetStateBuffer(int index) => index == 0 ? _sumOfSquares : throw BadIndex(index, 1);

    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients) => UpdateRange(parameters, gradients, 0);

    internal override bool UpdatesByElement => true;

    internal override void UpdateRange(Span<T> parameters, ReadOnlySpan<T> gradients, int offset)
    {
        T lr = LearningRate, eps = Epsilon;
        Span<T> sum = _sumOfSquares.AsSpan(offset, parameters.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> p = MemoryMarshal.Cast<T, Vector<T>>(parameters);
            ReadOnlySpan<Vector<T>> g = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            Span<Vector<T>> s = MemoryMarshal.Cast<T, Vector<T>>(sum);
            var vLr = new Vector<T>(lr);
            var vEps = new Vector<T>(eps);
            for (int k = 0; k < p.Length; k++)
            {
                Vector<T> gk = g[k];
                Vector<T> next = s[k] + gk * gk;
                s[k] = next;
                p[k] -= vLr * gk / Vector.SquareRoot(next + vEps);
            }

            i = p.Length * Vector<T>.Count;
        }

        for (; i < parameters.Length; i++)
        {
            T gi = gradients[i];
            T next = sum[i] + gi * gi;
            sum[i] = next;
            parameters[i] -= lr * gi / T.Sqrt(next + eps);
        }
    }
}
