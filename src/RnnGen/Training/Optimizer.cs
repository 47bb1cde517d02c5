using System;
using System.Numerics;
using RnnGen.Runtime;

namespace RnnGen.Training;

/// <summary>
/// Updates a model's parameters from its gradients, element by element, over the flat spans every
/// generated model exposes (<see cref="IRnnModel{T, TInput, TTarget}.Parameters"/> and
/// <see cref="IRnnModel{T, TInput, TTarget}.Gradients"/>).
/// </summary>
/// <remarks>
/// <para>
/// An optimiser is created for one parameter length and allocates its state (momentum, squared-gradient sums,
/// ...) once, in the constructor; <see cref="Step(Span{T}, ReadOnlySpan{T})"/> allocates nothing. The
/// generated layout pads rows with entries whose parameter and gradient are always zero; every optimiser here
/// maps a zero gradient on a zero state to a zero update, so padding stays zero.
/// </para>
/// <para>
/// The state is exposed by name (<see cref="StateBufferCount"/>, <see cref="GetStateBufferName"/>,
/// <see cref="GetStateBuffer"/>) so that checkpoints can save and restore it. An optimiser is not thread-safe.
/// </para>
/// </remarks>
/// <typeparam name="T">The element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class Optimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private T _learningRate;

    /// <summary>Creates an optimiser for <paramref name="length"/> parameters.</summary>
    /// <param name="length">The length of the parameter and gradient spans, e.g. <c>model.Parameters.Length</c>.</param>
    /// <param name="learningRate">The step size; zero or positive and finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    protected Optimizer(int length, T learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = length;
        LearningRate = learningRate;
    }

    /// <summary>The number of parameters this optimiser updates.</summary>
    public int Length { get; }

    /// <summary>The step size of the next <see cref="Step(Span{T}, ReadOnlySpan{T})"/>; schedules change it between steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public T LearningRate
    {
        get => _learningRate;
        set
        {
            if (!T.IsFinite(value) || T.IsNegative(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be zero or positive, and finite.");
            }

            _learningRate = value;
        }
    }

    /// <summary>How many updates have been applied since creation or <see cref="Reset"/> (Adam's <c>t</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public long StepCount
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    }

    /// <summary>A short lower-case name of the algorithm (<c>sgd</c>, <c>adagrad</c>, <c>adam</c>), recorded in checkpoints.</summary>
    public abstract string Name { get; }

    /// <summary>The number of state buffers, each <see cref="Length"/> long.</summary>
    public abstract int StateBufferCount { get; }

    /// <summary>
    /// What <see cref="Step"/> does when a gradient is NaN or infinite: throw <see cref="NonFiniteTrainingException"/>
    /// (the default), or skip the update. Either way no parameter and no optimiser state changes.
    /// </summary>
    public NonFiniteAction NonFiniteAction { get; set; }

    /// <summary>Updates <see cref="Step"/> skipped because of a non-finite gradient (with <see cref="NonFiniteAction"/> = Skip).</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>Applies one update: <paramref name="parameters"/> move against <paramref name="gradients"/>.</summary>
    /// <param name="parameters">The parameters, updated in place.</param>
    /// <param name="gradients">Their gradients (not modified); typically summed or averaged over a minibatch.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="Length"/>; nothing changes.</exception>
    /// <exception cref="NonFiniteTrainingException">A gradient is NaN or infinite (and <see cref="NonFiniteAction"/> is Throw); nothing changes.</exception>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        CheckLengths(parameters, gradients);
        int bad = TrainingGuard.FirstNonFinite(gradients);
        if (bad >= 0)
        {
            RefuseNonFinite(bad, gradients[bad]);
            return;
        }

        StepCount++;
        Update(parameters, gradients);
    }

    /// <summary>What <see cref="Step"/> does for a non-finite gradient, for a caller that has found one itself: throw or count a skip.</summary>
    internal void RefuseNonFinite(int index, T value)
    {
        if (NonFiniteAction == NonFiniteAction.Throw)
        {
            throw new NonFiniteTrainingException(
                $"{Name}.Step stopped before updating anything: gradients[{index}] is {value}. Lower the learning rate, clip gradients, " +
                "or set NonFiniteAction = NonFiniteAction.Skip to skip such steps.", null, -1, -1);
        }

        SkippedSteps++;
    }

    /// <summary>
    /// Whether <see cref="UpdateRange"/> can update part of the parameters on its own: true for the built-in optimisers,
    /// whose update of an element reads only that element's gradient and state (and the step count), so that
    /// disjoint ranges may be updated on different threads.
    /// </summary>
    internal virtual bool UpdatesByElement => false;

    /// <summary>
    /// The update of <c>parameters.Length</c> elements starting at <paramref name="offset"/> of the whole, with
    /// <see cref="StepCount"/> already incremented; only where <see cref="UpdatesByElement"/>.
    /// </summary>
    internal virtual void UpdateRange(Span<T> parameters, ReadOnlySpan<T> gradients, int offset) =>
        throw new NotSupportedException($"{GetType().Name} updates all parameters at once.");

    /// <summary>Counts an update made by <see cref="UpdateRange"/> calls instead of <see cref="Step"/>.</summary>
    internal void CountStep() => StepCount++;

    /// <summary>The update without the finite check, for a caller (the trainer) that has just made it with parameter names.</summary>
    internal void StepChecked(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        CheckLengths(parameters, gradients);
        StepCount++;
        Update(parameters, gradients);
    }

    private void CheckLengths(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        if (parameters.Length != Length)
        {
            throw new ArgumentException($"The optimiser was created for {Length} parameters, but {parameters.Length} were passed.", nameof(parameters));
        }

        if (gradients.Length != Length)
        {
            throw new ArgumentException($"The optimiser was created for {Length} parameters, but {gradients.Length} gradients were passed.", nameof(gradients));
        }
    }

    /// <summary>Forgets all state (zeroes every buffer and <see cref="StepCount"/>), as a new optimiser would be.</summary>
    public void Reset()
    {
        for (int i = 0; i < StateBufferCount; i++)
        {
            GetStateBuffer(i).Clear();
        }

        StepCount = 0;
    }

    /// <summary>The name of state buffer <paramref name="index"/>, e.g. <c>m</c> and <c>v</c> for Adam.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="StateBufferCount"/>.</exception>
    public abstract string GetStateBufferName(int index);

    /// <summary>State buffer <paramref name="index"/>, in the layout of the parameters; writable, for restoring a checkpoint.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="StateBufferCount"/>.</exception>
    public abstract Span<T> GetStateBuffer(int index);

    /// <summary>
    /// The update itself, called by <see cref="Step(Span{T}, ReadOnlySpan{T})"/> after the lengths have been checked
    /// and <see cref="StepCount"/> incremented (so it is 1 on the first update).
    /// </summary>
    protected abstract void Update(Span<T> parameters, ReadOnlySpan<T> gradients);

    /// <summary>Throws for a state buffer index out of range.</summary>
    protected static Exception BadIndex(int index, int count) =>
        new ArgumentOutOfRangeException(nameof(index), index, $"The optimiser has {count} state buffer(s).");
}
