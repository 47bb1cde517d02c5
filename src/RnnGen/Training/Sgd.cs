using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Training;

/// <summary>
/// Stochastic gradient descent, optionally with momentum, with PyTorch's <c>torch.optim.SGD</c> update:
/// <c>v = μ·v + g</c>, then <c>p -= lr·v</c> (or <c>p -= lr·(g + μ·v)</c> with Nesterov momentum);
/// without momentum simply <c>p -= lr·g</c>.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Sgd<T> : Optimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _velocity;

    /// <summary>Creates the optimiser.</summary>
    /// <param name="length">The number of parameters, e.g. <c>model.Parameters.Length</c>.</param>
    /// <param name="learningRate">The step size.</param>
    /// <param name="momentum">μ, in [0, 1); 0 (the default) is plain SGD and keeps no state.</param>
    /// <param name="nesterov">Use Nesterov momentum; needs a non-zero <paramref name="momentum"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> without momentum.</exception>
    public Sgd(int length, T learningRate, T momentum = default, bool nesterov = false)
        : base(length, learningRate)
    {
        if (!(momentum >= T.Zero && momentum < T.One))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }

        if (nesterov && momentum == T.Zero)
        {
            throw new ArgumentException("Nesterov momentum needs a non-zero momentum.", nameof(nesterov));
        }

        Momentum = momentum;
        Nesterov = nesterov;
        _velocity = momentum == T.Zero ? [] : new T[length];
    }

    /// <summary>μ: how much of the previous velocity each step keeps.</summary>
    public T Momentum { get; }

    /// <summary>Whether the update uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    public override int StateBufferCount => _velocity.Length == 0 ? 0 : 1;

    /// <inheritdoc/>
    public override string GetStateBufferName(int index) =>
        index == 0 && StateBufferCount == 1 ? "velocity" : throw BadIndex(index, StateBufferCount);

    /// <inheritdoc/>
    public override Span<T> GetStateBuffer(int index) =>
        index == 0 && StateBufferCount == 1 ? _velocity : throw BadIndex(index, StateBufferCount);

    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients) => UpdateRange(parameters, gradients, 0);

    internal override bool UpdatesByElement => true;

    internal override void UpdateRange(Span<T> parameters, ReadOnlySpan<T> gradients, int offset)
    {
        T lr = LearningRate;
        if (_velocity.Length == 0)
        {
            Gradient.AddScaled(parameters, gradients, -lr);
            return;
        }

        T mu = Momentum;
        Span<T> velocity = _velocity.AsSpan(offset, parameters.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> p = MemoryMarshal.Cast<T, Vector<T>>(parameters);
            ReadOnlySpan<Vector<T>> g = MemoryMarshal.Cast<T, Vector<T>>(gradients);
            Span<Vector<T>> v = MemoryMarshal.Cast<T, Vector<T>>(velocity);
            var vMu = new Vector<T>(mu);
            var vLr = new Vector<T>(lr);
            for (int k = 0; k < p.Length; k++)
            {
                Vector<T> next = vMu * v[k] + g[k];
                v[k] = next;
                p[k] -= vLr * (Nesterov ? g[k] + vMu * next : next);
            }

            i = p.Length * Vector<T>.Count;
        }

        for (; i < parameters.Length; i++)
        {
            T next = mu * velocity[i] + gradients[i];
            velocity[i] = next;
            parameters[i] -= lr * (Nesterov ? gradients[i] + mu * next : next);
        }
    }
}
