using System;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using RnnGen.Runtime;

namespace RnnGen.Training;

/// <summary>
/// Backpropagation over a minibatch on several cores: the batch is split into contiguous parts of about equal
/// step counts, each part runs on its own copy of the model (its own gradients and workspaces), and the parts'
/// gradients are summed into the model's. <see cref="Step"/> also zeroes the gradients first and applies an
/// optimiser after, each core taking a slice of the parameters; <see cref="Backward"/> leaves the update to the caller.
/// </summary>
/// <remarks>
/// <para>
/// The calling thread works on the first part with <see cref="Model"/> itself; <c>Workers - 1</c> background
/// threads, started once, work on replicas. Each call copies the model's parameters into the replicas first, so
/// whatever changed them in between (an optimiser, <c>LoadWeights</c>) is seen. Nothing is allocated per call
/// once the batch buffer has grown to the largest batch.
/// </para>
/// <para>
/// Results are deterministic for a given number of workers: the split depends only on the batch, and the
/// gradients are summed in a fixed order. They equal a single-threaded loop over the batch up to floating-point
/// rounding (the sum is grouped by part). Each replica draws its own dropout masks, from a seed of its own.
/// </para>
/// <para>
/// Sequences are independent here: a state carried from one sequence to the next cannot be split across cores.
/// Like the model, an instance is not thread-safe; call it from one thread at a time, and <see cref="Dispose"/> it
/// to stop the worker threads (they are background threads, so a forgotten instance does not keep a process alive).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var model = new WordModel();
/// using var parallel = new DataParallel&lt;float, int, int&gt;(model, () =&gt; new WordModel());
/// var optimizer = new Sgd&lt;float&gt;(model.Parameters.Length, 0.01f);
/// float loss = parallel.Step(batch, optimizer);      // batch: TrainingSequence&lt;int, int&gt;[]
///
/// // or, to do something with the gradients before the update:
/// model.ZeroGradients();
/// loss = parallel.Backward(batch);
/// optimizer.Step(model.Parameters, model.Gradients);
/// </code>
/// </example>
/// <typeparam name="T">The model's element type.</typeparam>
/// <typeparam name="TInput">The model's input element type.</typeparam>
/// <typeparam name="TTarget">The model's target element type.</typeparam>
public sealed class DataParallel<T, TInput, TTarget> : IDisposable
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    // Reduction slices start on 64-element boundaries, so two workers never share a cache line.
    private const int SliceAlignment = 64;

    private readonly IRnnModel<T, TInput, TTarget>[] _models; // [0] is Model; the rest are replicas
    private readonly Thread[] _threads; // [k - 1] runs worker k
    private readonly ManualResetEventSlim[] _start; // [k - 1] releases worker k for one phase
    private int _pending; // workers still running the current phase
    private int _copying; // workers still copying their slice of the parameters into the replicas
    private readonly int[] _partStart; // part k is _batch[_partStart[k] .. _partStart[k + 1])
    private readonly double[] _partLoss;
    private readonly double[] _sliceSquares; // after a measured reduction: each slice's sum of squared gradients
    private readonly int[] _sliceNonFinite; // ... and the index of its first NaN or infinity, or -1
    private readonly ExceptionDispatchInfo?[] _errors;
    private readonly long[] _allocated; // bytes each worker thread allocated while working (tests read it)
    private TrainingSequence<TInput, TTarget>[] _batch = new TrainingSequence<TInput, TTarget>[16];
    private Phase _phase; // what the workers run next
    private bool _zeroing; // the backward phase first zeroes the model's gradients (Step)
    private bool _measuring; // the reduction also measures its slice (Step, and the trainer's clipping)
    private Optimizer<T>? _optimizer; // the update phase's optimiser, scale factor and clipping limit
    private T _factor = T.One, _clipValue;
    private volatile bool _disposed;

    /// <summary>Creates the replicas and starts the worker threads.</summary>
    /// <param name="model">The model to train; its gradients receive the batch's.</param>
    /// <param name="createReplica">
    /// Makes a new instance of the model's class (for a generated class <c>WordModel</c>, <c>() =&gt; new WordModel()</c>);
    /// called <c>workers - 1</c> times, here.
    /// </param>
    /// <param name="workers">Threads to use, the calling one included; 0 (the default) for <see cref="Environment.ProcessorCount"/>.</param>
    /// <exception cref="ArgumentException">A replica is the model itself, or not of the model's class.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is negative or above 256.</exception>
    public DataParallel(IRnnModel<T, TInput, TTarget> model, Func<IRnnModel<T, TInput, TTarget>> createReplica, int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(createReplica);
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workers, 256);
        if (workers == 0)
        {
            workers = Environment.ProcessorCount;
        }

        _models = new IRnnModel<T, TInput, TTarget>[workers];
        _models[0] = model;
        for (int k = 1; k < workers; k++)
        {
            IRnnModel<T, TInput, TTarget> replica = createReplica()
                ?? throw new ArgumentException("createReplica returned null.", nameof(createReplica));
            if (ReferenceEquals(replica, model) || Array.IndexOf(_models, replica, 0, k) >= 0)
            {
                throw new ArgumentException("createReplica must return a new instance each time, not the model or an earlier replica.", nameof(createReplica));
            }

            if (replica.GetType() != model.GetType())
            {
                throw new ArgumentException($"createReplica returned a {replica.GetType().Name}, but the model is a {model.GetType().Name}.", nameof(createReplica));
            }

            // Initialize reseeds a model's dropout masks: each replica draws its own, not the model's sequence again.
            // (Its parameters are replaced by the model's at every call.)
            replica.Initialize(int.MaxValue - k);
            replica.ZeroGradients(); // replicas' gradients are zero between calls (the reduction clears them)
            _models[k] = replica;
        }

        _partStart = new int[workers + 1];
        _partLoss = new double[workers];
        _sliceSquares = new double[workers];
        _sliceNonFinite = new int[workers];
        _errors = new ExceptionDispatchInfo?[workers];
        _allocated = new long[workers];
        _start = new ManualResetEventSlim[workers - 1];
        _threads = new Thread[workers - 1];
        for (int k = 1; k < workers; k++)
        {
            int worker = k;
            _start[k - 1] = new ManualResetEventSlim(false, spinCount: 100);
            _threads[k - 1] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"RnnGen DataParallel {k}" };
            _threads[k - 1].Start();
        }
    }

    /// <summary>The model whose gradients receive the batch's.</summary>
    public IRnnModel<T, TInput, TTarget> Model => _models[0];

    /// <summary>The number of threads a batch is split across, the calling one included.</summary>
    public int Workers => _models.Length;

    /// <summary>Bytes allocated by the worker threads while working, summed over all calls (for tests).</summary>
    internal long AllocatedByWorkers
    {
        get
        {
            long sum = 0;
            foreach (long bytes in _allocated)
            {
                sum += bytes;
            }

            return sum;
        }
    }

    /// <summary>
    /// Adds the gradients of every sequence of <paramref name="batch"/> to <see cref="Model"/>'s gradients, as
    /// calling the model's <c>Backward</c> on each would, and returns the summed loss.
    /// </summary>
    /// <remarks>Like <c>Backward</c>, it adds: call <c>ZeroGradients</c> on the model first to start a batch.</remarks>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    /// <exception cref="ArgumentException">A sequence is invalid for the model (the model's own exception is rethrown; the model's gradients are then unspecified).</exception>
    public T Backward(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch) => Run(batch, measure: false);

    /// <summary>
    /// One training step over <paramref name="batch"/>: zeroes <see cref="Model"/>'s gradients, adds every sequence's
    /// as <see cref="Backward"/> does, and updates the parameters with <paramref name="optimizer"/>; returns the summed loss.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The result is that of <c>Model.ZeroGradients(); Backward(batch); optimizer.Step(Model.Parameters, Model.Gradients)</c>,
    /// bit for bit in the update, but the zeroing, the finite check and the update run on every core, each on its own
    /// slice of the parameters, where the gradients it has just summed still are. The built-in optimisers update in
    /// slices; one of another class updates on the calling thread. Afterwards <c>Model.Gradients</c> hold the batch's
    /// gradients, as after the three calls.
    /// </para>
    /// <para>
    /// A NaN or infinite gradient is treated as <see cref="Optimizer{T}.Step"/> treats it, following the optimiser's
    /// <see cref="Optimizer{T}.NonFiniteAction"/>: no parameter and no optimiser state changes, and the exception or the
    /// skip is the optimiser's.
    /// </para>
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="optimizer"/> was made for another number of parameters than the model has; or a sequence is invalid
    /// for the model (the model's exception; nothing is updated, and the gradients are unspecified).
    /// </exception>
    /// <exception cref="NonFiniteTrainingException">A gradient is NaN or infinite and the optimiser's <see cref="Optimizer{T}.NonFiniteAction"/> is Throw.</exception>
    public T Step(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch, Optimizer<T> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int length = _models[0].Parameters.Length;
        if (optimizer.Length != length)
        {
            throw new ArgumentException($"The optimiser was created for {optimizer.Length} parameters, but the model has {length}.", nameof(optimizer));
        }

        T loss = BackwardAndMeasure(batch, out int nonFinite, out _);
        if (nonFinite >= 0)
        {
            optimizer.RefuseNonFinite(nonFinite, _models[0].Gradients[nonFinite]);
            return loss;
        }

        Update(optimizer, T.One, T.Zero);
        return loss;
    }

    /// <summary>
    /// <see cref="Backward"/> from zeroed gradients, with the summed gradients' first non-finite index (or
    /// <see cref="TrainingGuard.AllFinite"/>) and their L2 norm, measured slice by slice in the reduction.
    /// </summary>
    internal T BackwardAndMeasure(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch, out int firstNonFinite, out double norm)
    {
        T loss = Run(batch, measure: true);
        firstNonFinite = TrainingGuard.AllFinite;
        double squares = 0;
        for (int k = 0; k < Workers; k++)
        {
            if (_sliceNonFinite[k] >= 0 && firstNonFinite < 0)
            {
                firstNonFinite = _sliceNonFinite[k];
            }

            squares += _sliceSquares[k];
        }

        norm = Math.Sqrt(squares);
        return loss;
    }

    /// <summary>
    /// The optimiser step after <see cref="BackwardAndMeasure"/> found every gradient finite: each core scales its slice
    /// of the gradients by <paramref name="factor"/>, clips it to ±<paramref name="clipValue"/> (when positive) and updates
    /// its slice of the parameters.
    /// </summary>
    internal void Update(Optimizer<T> optimizer, T factor, T clipValue)
    {
        if (!optimizer.UpdatesByElement)
        {
            Span<T> gradients = _models[0].Gradients;
            if (factor != T.One)
            {
                Gradient.Scale(gradients, factor);
            }

            if (clipValue > T.Zero)
            {
                Gradient.ClipByValue(gradients, clipValue);
            }

            optimizer.StepChecked(_models[0].Parameters, gradients);
            return;
        }

        optimizer.CountStep();
        (_optimizer, _factor, _clipValue) = (optimizer, factor, clipValue);
        try
        {
            RunPhase(Phase.Update);
        }
        finally
        {
            _optimizer = null;
        }

        ThrowIfFailed();
    }

    private T Run(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch, bool measure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch.Length > _batch.Length)
        {
            _batch = new TrainingSequence<TInput, TTarget>[Math.Max(batch.Length, 2 * _batch.Length)];
        }

        batch.CopyTo(_batch);
        Split(batch);
        Volatile.Write(ref _copying, Workers);
        _zeroing = _measuring = measure;

        RunPhase(Phase.Backward);
        ThrowIfFailed();
        RunPhase(Phase.Reduce);
        ThrowIfFailed();

        Array.Clear(_batch, 0, batch.Length); // drop references to the caller's memory
        double loss = 0;
        foreach (double part in _partLoss)
        {
            loss += part;
        }

        return T.CreateChecked(loss);
    }

    /// <summary>Stops the worker threads. The model stays usable; this instance does not.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (ManualResetEventSlim start in _start)
        {
            start.Set();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        foreach (ManualResetEventSlim start in _start)
        {
            start.Dispose();
        }
    }

    // Contiguous parts with about the same number of steps: a part ends once the steps so far reach its share.
    private void Split(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch)
    {
        long total = 0;
        foreach (TrainingSequence<TInput, TTarget> sequence in batch)
        {
            total += sequence.Steps;
        }

        int workers = Workers, next = 0;
        long steps = 0;
        for (int k = 0; k < workers; k++)
        {
            _partStart[k] = next;
            long share = total * (k + 1) / workers;
            while (next < batch.Length && (k == workers - 1 || steps + batch[next].Steps / 2 < share))
            {
                steps += batch[next++].Steps;
            }
        }

        _partStart[workers] = batch.Length;
    }

    private void RunPhase(Phase phase)
    {
        _phase = phase;
        Volatile.Write(ref _pending, _threads.Length);
        foreach (ManualResetEventSlim start in _start)
        {
            start.Set();
        }

        Work(0);

        // Spin (yielding) rather than block: a blocking wait's first use allocates, and the parts are balanced,
        // so the wait is short.
        SpinWait spin = default;
        while (Volatile.Read(ref _pending) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void WorkerLoop(int worker)
    {
        ManualResetEventSlim start = _start[worker - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            if (_disposed)
            {
                return;
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            Work(worker);
            _allocated[worker] += GC.GetAllocatedBytesForCurrentThread() - before;
            Interlocked.Decrement(ref _pending); // a full fence: this part's results are visible to the caller
        }
    }

    private void Work(int worker)
    {
        try
        {
            switch (_phase)
            {
                case Phase.Backward:
                    BackwardPart(worker);
                    break;
                case Phase.Reduce:
                    Reduce(worker);
                    break;
                default:
                    UpdateSlice(worker);
                    break;
            }
        }
        catch (Exception e)
        {
            _errors[worker] = ExceptionDispatchInfo.Capture(e);
        }
    }

    private void BackwardPart(int worker)
    {
        // The replicas take the model's parameters, each worker copying its slice into every replica, so that the
        // copy is shared rather than added to the replicas' parts (and, for Step, zeroing its slice of the model's
        // gradients); then all wait until every slice is in place.
        try
        {
            if (_zeroing)
            {
                (int start, int length) = SliceOf(worker, _models[0].Gradients.Length);
                _models[0].Gradients.Slice(start, length).Clear();
            }

            CopyParameters(worker);
        }
        finally
        {
            Interlocked.Decrement(ref _copying); // a full fence: this slice is visible to the other workers
        }

        SpinWait spin = default;
        while (Volatile.Read(ref _copying) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        IRnnModel<T, TInput, TTarget> model = _models[worker];
        int first = _partStart[worker], end = _partStart[worker + 1];

        double loss = 0;
        for (int i = first; i < end; i++)
        {
            loss += double.CreateChecked(model.Backward(_batch[i].Inputs.Span, _batch[i].Targets.Span));
        }

        _partLoss[worker] = loss;
    }

    // Reading the model's parameters while other workers read them too is safe; replicas without sequences skip.
    private void CopyParameters(int worker)
    {
        Span<T> parameters = _models[0].Parameters;
        (int start, int length) = SliceOf(worker, parameters.Length);
        Span<T> source = parameters.Slice(start, length);
        for (int k = 1; k < Workers; k++)
        {
            if (_partStart[k] < _partStart[k + 1])
            {
                source.CopyTo(_models[k].Parameters.Slice(start, length));
            }
        }
    }

    // Worker k sums slice k of every replica's gradients into the model's and clears it there, so replicas start
    // the next call at zero without a separate pass. Measuring, the last addition also sums the squares of the
    // totals, which is the finite check too (a NaN or an infinity makes the sum non-finite).
    private void Reduce(int worker)
    {
        Span<T> total = _models[0].Gradients;
        (int start, int length) = SliceOf(worker, total.Length);
        Span<T> destination = total.Slice(start, length);
        int last = Workers - 1;
        while (last > 0 && _partStart[last] == _partStart[last + 1]) // a replica that had no sequences holds zeros
        {
            last--;
        }

        for (int k = 1; k < last || (k == last && !_measuring); k++)
        {
            if (_partStart[k] < _partStart[k + 1])
            {
                AddAndClear(destination, _models[k].Gradients.Slice(start, length));
            }
        }

        if (!_measuring)
        {
            return;
        }

        T squares = last > 0 ? AddClearAndSquare(destination, _models[last].Gradients.Slice(start, length)) : SumOfSquares(destination);
        int nonFinite = TrainingGuard.AllFinite;
        double sum = double.CreateChecked(squares);
        if (!T.IsFinite(squares))
        {
            // Rare: find the culprit, or sum again in double where squares of large finite values overflowed T.
            nonFinite = TrainingGuard.FirstNonFinite<T>(destination);
            sum = 0;
            foreach (T g in destination)
            {
                double d = double.CreateChecked(g);
                sum += d * d;
            }
        }

        _sliceNonFinite[worker] = nonFinite < 0 ? TrainingGuard.AllFinite : start + nonFinite;
        _sliceSquares[worker] = sum;
    }

    // Worker k's slice of the update: scale and clip its gradients as asked, then the optimiser's update of that range.
    private void UpdateSlice(int worker)
    {
        Span<T> parameters = _models[0].Parameters;
        (int start, int length) = SliceOf(worker, parameters.Length);
        if (length == 0)
        {
            return;
        }

        Span<T> gradients = _models[0].Gradients.Slice(start, length);
        if (_factor != T.One)
        {
            Gradient.Scale(gradients, _factor);
        }

        if (_clipValue > T.Zero)
        {
            Gradient.ClipByValue(gradients, _clipValue);
        }

        _optimizer!.UpdateRange(parameters.Slice(start, length), gradients, start);
    }

    // Worker k's share of an array of every parameter: whole cache lines, the last share shorter (or empty).
    private (int Start, int Length) SliceOf(int worker, int total)
    {
        int slice = (total / Workers + SliceAlignment - 1) / SliceAlignment * SliceAlignment;
        int start = Math.Min(worker * slice, total);
        return (start, Math.Min(slice, total - start));
    }

    // AddAndClear, returning the sum of the squares of the totals: every destination element is read here.
    private static T AddClearAndSquare(Span<T> destination, Span<T> source)
    {
        T squares = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> d = MemoryMarshal.Cast<T, Vector<T>>(destination);
            Span<Vector<T>> s = MemoryMarshal.Cast<T, Vector<T>>(source);
            Vector<T> lanes = Vector<T>.Zero;
            for (int k = 0; k < d.Length; k++)
            {
                Vector<T> sum = d[k];
                if (!Vector.EqualsAll(s[k], Vector<T>.Zero))
                {
                    sum += s[k];
                    d[k] = sum;
                    s[k] = Vector<T>.Zero;
                }

                lanes += sum * sum;
            }

            squares = Vector.Sum(lanes);
            i = d.Length * Vector<T>.Count;
        }

        for (; i < destination.Length; i++)
        {
            T sum = destination[i] + source[i];
            destination[i] = sum;
            source[i] = T.Zero;
            squares += sum * sum;
        }

        return squares;
    }

    private static T SumOfSquares(ReadOnlySpan<T> values)
    {
        T squares = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<T>> v = MemoryMarshal.Cast<T, Vector<T>>(values);
            Vector<T> lanes = Vector<T>.Zero;
            foreach (Vector<T> x in v)
            {
                lanes += x * x;
            }

            squares = Vector.Sum(lanes);
            i = v.Length * Vector<T>.Count;
        }

        for (; i < values.Length; i++)
        {
            squares += values[i] * values[i];
        }

        return squares;
    }

    private static void AddAndClear(Span<T> destination, Span<T> source)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> d = MemoryMarshal.Cast<T, Vector<T>>(destination);
            Span<Vector<T>> s = MemoryMarshal.Cast<T, Vector<T>>(source);
            for (int k = 0; k < d.Length; k++)
            {
                // Most of a language model's input-weight gradient is zero rows (tokens the part never saw):
                // leaving those lines unwritten halves the traffic and keeps them clean in both cores' caches.
                if (!Vector.EqualsAll(s[k], Vector<T>.Zero))
                {
                    d[k] += s[k];
                    s[k] = Vector<T>.Zero;
                }
            }

            i = d.Length * Vector<T>.Count;
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += source[i];
            source[i] = T.Zero;
        }
    }

    // After a failed phase: clear every replica's gradients (a part may have stopped half-way) and rethrow the
    // first worker's exception, in worker order so the same batch always reports the same error.
    private void ThrowIfFailed()
    {
        int failed = 0;
        while (failed < _errors.Length && _errors[failed] is null)
        {
            failed++;
        }

        if (failed == _errors.Length)
        {
            return;
        }

        ExceptionDispatchInfo error = _errors[failed]!;
        Array.Clear(_errors);
        Array.Clear(_batch);
        for (int k = 1; k < Workers; k++)
        {
            _models[k].ZeroGradients();
        }

        error.Throw();
    }

    private enum Phase
    {
        Backward,
        Reduce,
        Update,
    }
}
