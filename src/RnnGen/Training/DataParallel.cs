using System;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using RnnGen.Runtime;

namespace RnnGen.Training;

/// <summary>
/// Backpropagation over a minibatch on several cores: the batch's sequences are shared out among the cores, each
/// runs its share on its own copy of the model (its own gradients and workspaces), and the shares' gradients are
/// summed into the model's. <see cref="Step"/> also zeroes the gradients first and applies an optimiser after,
/// on every core too; <see cref="Backward"/> leaves the update to the caller.
/// </summary>
/// <remarks>
/// <para>
/// The calling thread works with <see cref="Model"/> itself; <c>Workers - 1</c> background threads, started once,
/// work on replicas. A replica of a generated class reads the model's own parameters
/// (<see cref="IRnnModel{T, TInput, TTarget}.ShareParameters"/>), so whatever changed them in between (an optimiser,
/// <c>LoadWeights</c>) is seen; a replica of another class gets a copy of them at the start of every call. The
/// zeroing, the copy, the sum and the update go in chunks that the threads claim as they come, so a thread that
/// starts late or runs slower does less of them. Nothing is allocated
/// per call once the batch buffer has grown to the largest batch.
/// </para>
/// <para>
/// By default (<see cref="Deterministic"/>) each thread takes a fixed contiguous part of the batch, of about equal
/// lengths, and the sum is grouped the same way from run to run for a given number of workers, so results are
/// identical to the bit from run to run on the same machine. Without it,
/// threads claim sequences one at a time, which keeps every core busy to the end when cores run at different
/// speeds (as virtual machines' often do), but groups the sum differently from run to run. Either way the results
/// equal a single-threaded loop over the batch up to floating-point rounding. Each replica draws its own dropout
/// masks, from a seed of its own.
/// </para>
/// <para>
/// A model with <c>Batch</c> above 1 (an <see cref="IBatchModel{T, TInput, TTarget}"/>) gets each thread's sequences as
/// padded batches of up to <c>Batch</c>, one batched <c>Backward</c> each (without <see cref="Deterministic"/>,
/// threads claim that many at a time). Its padded buffers grow, once, to the longest batch a thread has packed.
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
    // The copy, the sum and the update are claimed in chunks of this many elements: whole cache lines (so two threads
    // never write one), few enough per call that claiming costs nothing, many enough to even out the threads.
    private const int ChunkLength = 16 * 1024;

    // How long a worker spins for the next phase before blocking: the phases of one call follow each other within
    // microseconds, and calls of a training loop nearly so, while waking a blocked thread can take half a millisecond.
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 500; // 2 ms

    private readonly IRnnModel<T, TInput, TTarget>[] _models; // [0] is Model; the rest are replicas
    private readonly BatchPacker<T, TInput, TTarget>?[] _packers; // [k]: model k's padded batches, when it takes them
    private readonly Thread[] _threads; // [k - 1] runs worker k
    private readonly ManualResetEventSlim[] _start; // [k - 1] releases worker k for one phase
    private int _pending; // workers still running the current phase
    private int _nextChunk; // the next chunk to claim in the current phase
    private int _chunksLeft; // chunks of the zeroing and copy not yet done: a thread they concern waits for 0
    private int _nextSequence; // the next sequence to claim, when not Deterministic
    private int _batchLength;
    private readonly int _length; // of the parameters and of the gradients
    private readonly int _chunks;
    private readonly int[] _partStart; // when Deterministic, part k is _batch[_partStart[k] .. _partStart[k + 1])
    private readonly bool[] _copies; // [k]: replica k has parameters of its own, copied from the model at every call
    private readonly int[] _ran; // sequences each worker ran in this call (a replica that ran none holds zero gradients)
    private readonly double[] _partLoss;
    private readonly double[] _chunkSquares; // after a measured sum: each chunk's sum of squared gradients
    private readonly int[] _chunkNonFinite; // ... and the index of its first NaN or infinity, or -1
    private readonly ExceptionDispatchInfo?[] _errors;
    private readonly long[] _allocated; // bytes each worker thread allocated while working (tests read it)
    private readonly long[] _sequencesRun; // sequences each thread ran, over all calls (tests read it)
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
    /// <param name="deterministic">
    /// True (the default) for fixed parts and results identical from run to run; false to let threads claim sequences
    /// one at a time, faster when cores run unevenly (see <see cref="Deterministic"/>).
    /// </param>
    /// <exception cref="ArgumentException">A replica is the model itself, or not of the model's class.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is negative or above 256.</exception>
    public DataParallel(IRnnModel<T, TInput, TTarget> model, Func<IRnnModel<T, TInput, TTarget>> createReplica, int workers = 0, bool deterministic = true)
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
            // (Its parameters are then the model's, or replaced by them at every call.)
            replica.Initialize(int.MaxValue - k);
            replica.ZeroGradients(); // replicas' gradients are zero between calls (the reduction clears them)
            _models[k] = replica;
        }

        // Sharing the model's parameters saves a copy of them per replica and call (reading both, writing what changed)
        // and keeps one copy of the weights in the cores' shared cache instead of one per core.
        _copies = new bool[workers];
        for (int k = 1; k < workers; k++)
        {
            _copies[k] = !_models[k].ShareParameters(model);
        }

        // A model that takes padded batches (Batch > 1) gets each worker's sequences Batch at a time, one call each.
        _packers = new BatchPacker<T, TInput, TTarget>?[workers];
        if (model is IBatchModel<T, TInput, TTarget> { Batch: > 1 })
        {
            var layout = SequenceLayout.From(RecordedDeclaration.Read(model), typeof(TInput) == typeof(int));
            for (int k = 0; k < workers; k++)
            {
                _packers[k] = BatchPacker<T, TInput, TTarget>.For(_models[k], layout);
            }
        }

        Deterministic = deterministic;
        _length = model.Parameters.Length;
        _chunks = (_length + ChunkLength - 1) / ChunkLength;
        _partStart = new int[workers + 1];
        _ran = new int[workers];
        _partLoss = new double[workers];
        _chunkSquares = new double[_chunks];
        _chunkNonFinite = new int[_chunks];
        _errors = new ExceptionDispatchInfo?[workers];
        _allocated = new long[workers];
        _sequencesRun = new long[workers];
        _start = new ManualResetEventSlim[workers - 1];
        _threads = new Thread[workers - 1];
        for (int k = 1; k < workers; k++)
        {
            int worker = k;
            _start[k - 1] = new ManualResetEventSlim(false, spinCount: 1); // WorkerLoop spins itself
            _threads[k - 1] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"RnnGen DataParallel {k}" };
            _threads[k - 1].Start();
        }
    }

    /// <summary>The model whose gradients receive the batch's.</summary>
    public IRnnModel<T, TInput, TTarget> Model => _models[0];

    /// <summary>The number of threads a batch is split across, the calling one included.</summary>
    public int Workers => _models.Length;

    /// <summary>
    /// Whether each thread takes a fixed part of the batch (true, the default: results identical from run to run) or
    /// claims sequences one at a time as it finishes the last (false: faster when cores run at different speeds, and
    /// results that differ by rounding from run to run).
    /// </summary>
    public bool Deterministic { get; }

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

    /// <summary>Sequences run by the worker threads (not the calling one), summed over all calls (for tests).</summary>
    internal long SequencesRunByWorkers
    {
        get
        {
            long sum = 0;
            for (int k = 1; k < _sequencesRun.Length; k++)
            {
                sum += _sequencesRun[k];
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
    /// The result is that of <c>Model.ZeroGradients(); Backward(batch); optimizer.Step(Model.Parameters, Model.Gradients)</c>
    /// (the same gradients, and the same update element by element), but the zeroing, the finite check and the update run on every core, in chunks of the
    /// parameters. The built-in optimisers update in chunks; one of another class updates on the calling thread.
    /// Afterwards <c>Model.Gradients</c> hold the batch's gradients, as after the three calls.
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
    /// <see cref="TrainingGuard.AllFinite"/>) and their L2 norm, measured chunk by chunk in the sum's own pass.
    /// </summary>
    internal T BackwardAndMeasure(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch, out int firstNonFinite, out double norm)
    {
        T loss = Run(batch, measure: true);
        firstNonFinite = TrainingGuard.AllFinite;
        double squares = 0;
        for (int c = 0; c < _chunks; c++) // in chunk order, whichever thread measured which
        {
            if (_chunkNonFinite[c] >= 0 && firstNonFinite < 0)
            {
                firstNonFinite = _chunkNonFinite[c];
            }

            squares += _chunkSquares[c];
        }

        norm = Math.Sqrt(squares);
        return loss;
    }

    /// <summary>
    /// The optimiser step after <see cref="BackwardAndMeasure"/> found every gradient finite: the cores take chunks of the
    /// gradients, scale them by <paramref name="factor"/>, clip them to ±<paramref name="clipValue"/> (when positive) and
    /// update those chunks of the parameters.
    /// </summary>
    internal void Update(Optimizer<T> optimizer, T factor, T clipValue)
    {
        if (!optimizer.UpdatesByElement)
        {
            Span<T> gradients = _models[0].Gradients;
            ScaleAndClip(gradients, factor, clipValue);
            optimizer.StepChecked(_models[0].Parameters, gradients);
            return;
        }

        optimizer.CountStep();
        (_optimizer, _factor, _clipValue) = (optimizer, factor, clipValue);
        _nextChunk = 0;
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
        _batchLength = batch.Length;
        if (Deterministic)
        {
            Split(batch);
        }

        Array.Clear(_ran);
        (_nextChunk, _chunksLeft, _nextSequence) = (0, _chunks, 0);
        _zeroing = _measuring = measure;
        RunPhase(Phase.Backward); // (releasing the workers publishes the fields above)
        ThrowIfFailed();

        _nextChunk = 0;
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

    // Contiguous parts with about the same number of steps: a part ends once the steps so far reach its share. A
    // sequence's work is proportional to its inputs' length (its steps times the model's Input, the same for all).
    private void Split(ReadOnlySpan<TrainingSequence<TInput, TTarget>> batch)
    {
        long total = 0;
        foreach (TrainingSequence<TInput, TTarget> sequence in batch)
        {
            total += sequence.Inputs.Length;
        }

        int workers = Workers, next = 0;
        long length = 0;
        for (int k = 0; k < workers; k++)
        {
            _partStart[k] = next;
            long share = total * (k + 1) / workers;
            while (next < batch.Length && (k == workers - 1 || length + batch[next].Inputs.Length / 2 < share))
            {
                length += batch[next++].Inputs.Length;
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
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            SpinWait spin = default;
            while (!start.IsSet && System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

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
                    ReduceChunks();
                    break;
                default:
                    UpdateChunks();
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
        if (Deterministic)
        {
            // First the model's gradients are zeroed (for Step) and replicas with parameters of their own take the
            // model's, chunk by chunk, shared by the threads that are there. The caller (whose backward adds into the
            // model's gradients) and a copying replica wait until every chunk is in place; a sharing replica does not.
            while (TryClaim(out _, out int start, out int length))
            {
                try
                {
                    Prepare(start, length);
                }
                finally
                {
                    Interlocked.Decrement(ref _chunksLeft); // a full fence: this chunk is visible to the other threads
                }
            }

            SpinWait spin = default;
            while ((worker == 0 || _copies[worker]) && Volatile.Read(ref _chunksLeft) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        else if (worker == 0)
        {
            // Claiming sequences, no thread waits for another: the caller zeroes the model's gradients and starts,
            // and a worker with parameters of its own copies the model's first (and so claims fewer sequences).
            if (_zeroing)
            {
                ClearNonZero(_models[0].Gradients);
            }
        }
        else if (_copies[worker] && Volatile.Read(ref _nextSequence) < _batchLength) // a worker that wakes after the last claim has nothing to copy for
        {
            CopyChanged(_models[0].Parameters, _models[worker].Parameters);
        }

        IRnnModel<T, TInput, TTarget> model = _models[worker];
        BatchPacker<T, TInput, TTarget>? packer = _packers[worker];
        double loss = 0;
        int ran = 0;
        if (Deterministic && packer is not null)
        {
            ran = _partStart[worker + 1] - _partStart[worker];
            loss = packer.Backward(_batch.AsSpan(_partStart[worker], ran));
        }
        else if (Deterministic)
        {
            for (int i = _partStart[worker]; i < _partStart[worker + 1]; i++, ran++)
            {
                loss += double.CreateChecked(model.Backward(_batch[i].Inputs.Span, _batch[i].Targets.Span));
            }
        }
        else
        {
            // One sequence a claim, or a padded batch's worth.
            int claim = packer?.Batch ?? 1, i;
            while ((i = Interlocked.Add(ref _nextSequence, claim) - claim) < _batchLength)
            {
                int count = Math.Min(claim, _batchLength - i);
                loss += packer is null
                    ? double.CreateChecked(model.Backward(_batch[i].Inputs.Span, _batch[i].Targets.Span))
                    : packer.Backward(_batch.AsSpan(i, count));
                ran += count;
            }
        }

        _ran[worker] = ran;
        _sequencesRun[worker] += ran;
        _partLoss[worker] = loss;
    }

    // Claims the next chunk of the current phase, if any is left.
    private bool TryClaim(out int chunk, out int start, out int length)
    {
        chunk = Interlocked.Increment(ref _nextChunk) - 1;
        start = chunk * ChunkLength;
        length = chunk < _chunks ? Math.Min(ChunkLength, _length - start) : 0;
        return chunk < _chunks;
    }

    // Whether replica k may run sequences in this call: when Deterministic, only one with a part; otherwise any.
    private bool MayRun(int k) => !Deterministic || _partStart[k] < _partStart[k + 1];

    // Reading the model's parameters while other threads read them too is safe.
    private void Prepare(int start, int length)
    {
        if (_zeroing)
        {
            ClearNonZero(_models[0].Gradients.Slice(start, length));
        }

        Span<T> source = _models[0].Parameters.Slice(start, length);
        for (int k = 1; k < Workers; k++)
        {
            if (_copies[k] && MayRun(k))
            {
                CopyChanged(source, _models[k].Parameters.Slice(start, length));
            }
        }
    }

    // What the trainer asks of the gradients before the update: its averaging and norm clipping as one factor, then
    // clipping by value when the limit is positive.
    private static void ScaleAndClip(Span<T> gradients, T factor, T clipValue)
    {
        if (factor != T.One)
        {
            Gradient.Scale(gradients, factor);
        }

        if (clipValue > T.Zero)
        {
            Gradient.ClipByValue(gradients, clipValue);
        }
    }

    // Both below write only vectors whose bits change: an input-weight gradient is zero but for the rows of the
    // batch's tokens, and an update leaves the other rows as they were; a line read but not written is not written
    // back, which saves a third to a half of the memory traffic of a language model's copy and zeroing.
    private static void ClearNonZero(Span<T> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<T>> v = MemoryMarshal.Cast<T, Vector<T>>(values);
            for (int k = 0; k < v.Length; k++)
            {
                if (Vector.AsVectorByte(v[k]) != Vector<byte>.Zero)
                {
                    v[k] = Vector<T>.Zero;
                }
            }

            i = v.Length * Vector<T>.Count;
        }

        values[i..].Clear();
    }

    private static void CopyChanged(ReadOnlySpan<T> source, Span<T> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<T>> s = MemoryMarshal.Cast<T, Vector<T>>(source);
            Span<Vector<T>> d = MemoryMarshal.Cast<T, Vector<T>>(destination);
            for (int k = 0; k < s.Length; k++)
            {
                if (Vector.AsVectorByte(d[k]) != Vector.AsVectorByte(s[k]))
                {
                    d[k] = s[k];
                }
            }

            i = s.Length * Vector<T>.Count;
        }

        source[i..].CopyTo(destination[i..]);
    }

    // Sums chunks of every replica's gradients into the model's and clears them there, so replicas start the next
    // call at zero without a separate pass. Measuring, the last addition also sums the squares of the totals, which
    // is the finite check too (a NaN or an infinity makes the sum non-finite). Per element the order of the sum is
    // fixed (model, then replicas in order), whichever thread does it.
    private void ReduceChunks()
    {
        int last = Workers - 1;
        while (last > 0 && _ran[last] == 0) // a replica that ran no sequence holds zeros
        {
            last--;
        }

        while (TryClaim(out int chunk, out int start, out int length))
        {
            Span<T> destination = _models[0].Gradients.Slice(start, length);
            for (int k = 1; k < last || (k == last && !_measuring); k++)
            {
                if (_ran[k] > 0)
                {
                    AddAndClear(destination, _models[k].Gradients.Slice(start, length));
                }
            }

            if (_measuring)
            {
                Measure(chunk, start, destination, last > 0 ? AddClearAndSquare(destination, _models[last].Gradients.Slice(start, length)) : Gradient.SumOfSquares<T>(destination));
            }
        }
    }

    private void Measure(int chunk, int start, ReadOnlySpan<T> destination, T squares)
    {
        int nonFinite = TrainingGuard.AllFinite;
        double sum = double.CreateChecked(squares);
        if (!T.IsFinite(squares))
        {
            // Rare: find the culprit, or sum again in double where squares of large finite values overflowed T.
            nonFinite = TrainingGuard.FirstNonFinite(destination);
            sum = Gradient.SumOfSquaresInDouble(destination);
        }

        _chunkNonFinite[chunk] = nonFinite < 0 ? TrainingGuard.AllFinite : start + nonFinite;
        _chunkSquares[chunk] = sum;
    }

    // The update, chunk by chunk: scale and clip the gradients as asked, then the optimiser's update of that range.
    private void UpdateChunks()
    {
        while (TryClaim(out _, out int start, out int length))
        {
            Span<T> gradients = _models[0].Gradients.Slice(start, length);
            ScaleAndClip(gradients, _factor, _clipValue);
            _optimizer!.UpdateRange(_models[0].Parameters.Slice(start, length), gradients, start);
        }
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
