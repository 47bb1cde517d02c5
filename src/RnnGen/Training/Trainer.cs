using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using RnnGen.Runtime;

namespace RnnGen.Training;

/// <summary>
/// The training loop every sample needs, over any generated model: epochs over a training set in a seeded
/// random order, minibatches whose gradients are accumulated and averaged, clipping, an optimiser step,
/// a learning-rate schedule, evaluation on a held-out set, early stopping, and checkpoints written atomically
/// after every epoch so that training can be resumed where it stopped.
/// </summary>
/// <remarks>
/// <para>
/// Steady-state training allocates nothing: the model's <c>Backward</c>, the optimiser and the trainer's
/// bookkeeping all work in buffers allocated up front. Results are deterministic for a seed, and a run resumed
/// from the checkpoint of epoch <c>k</c> continues exactly as the uninterrupted run did (same orders, same
/// learning rates, same optimiser state).
/// </para>
/// <para>
/// To train on something other than independent sequences, derive and override <see cref="Backward"/>,
/// <see cref="Forward"/>, <see cref="Predict"/>, <see cref="OnEpochStarting"/> and <see cref="OnEvaluationStarting"/>:
/// for example a long text cut into consecutive chunks with the model's state carried from one chunk to the next
/// (<see cref="TrainerOptions.Shuffle"/> off, the state reset when an epoch starts). Such a trainer cannot use
/// <see cref="Parallel"/>, which would skip the <see cref="Backward"/> override.
/// </para>
/// <para>
/// A model with <c>Batch</c> above 1 (an <see cref="IBatchModel{T, TInput, TTarget}"/>) trains and is evaluated in
/// padded batches: each minibatch goes to its batched <c>Backward</c> up to <c>Batch</c> sequences a call, and held-out
/// sequences, grouped by length, to its batched <c>Forward</c> and <c>Predict</c>. The numbers are those of one call
/// per sequence, up to rounding. <see cref="TrainerOptions.BucketByLength"/> puts sequences of similar lengths in a
/// minibatch, so that its padded batches waste few steps. A call a derived trainer overrides is made per sequence,
/// as always.
/// </para>
/// <para>
/// Losses are reported per time step (per sequence for a model with <c>Outputs.LastStep</c>, which has one loss term
/// per sequence) and throughput in time steps per second, the steps of a sequence being counted from the model: one
/// per token, or <c>inputs.Length / Input</c> for dense inputs. Sequences whose inputs or targets do not fit the
/// model are refused before training starts. For cross-entropy models the held-out accuracy is reported beside the
/// held-out loss. Class-id targets of <see cref="CrossEntropy.IgnoreIndex"/> (-100) add no loss term: mean losses and
/// accuracy are over the other targets only, and NaN when every target they average over is ignored.
/// </para>
/// <para>A trainer, like the model it trains, is not thread-safe.</para>
/// </remarks>
/// <example>
/// <code>
/// var model = new WordModel();
/// var trainer = new Trainer&lt;float, int, int&gt;(model, new Adam&lt;float&gt;(model.Parameters.Length, 0.01f),
///     new TrainerOptions { Epochs = 20, BatchSize = 8, ClipNorm = 5, Patience = 3, CheckpointPath = "model.ckpt" });
/// trainer.TryResume("model.ckpt");
/// TrainingResult result = trainer.Fit(train, heldOut);
/// </code>
/// </example>
/// <typeparam name="T">The model's element type.</typeparam>
/// <typeparam name="TInput">The model's input element type.</typeparam>
/// <typeparam name="TTarget">The model's target element type.</typeparam>
public class Trainer<T, TInput, TTarget>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    private const string Format = "rnngen.checkpoint";
    private const string FormatVersion = "2";
    private const int MaxEpochs = 10_000_000; // bounds what a hostile file can make LoadCheckpoint allocate
    private const int HistoryColumns = 6; // training loss, held-out loss, learning rate, steps, seconds, held-out accuracy

    private readonly List<EpochResult> _history = [];
    private readonly T[] _best;
    private int[] _order = [];
    private TrainingSequence<TInput, TTarget>[] _batch = []; // the minibatch handed to Parallel or to the packer
    private int[] _steps = []; // each training sequence's steps, for bucketing by length
    private long[] _keys = []; // a bucket's sort keys: steps, then place
    private int[] _bucket = []; // a bucket's sequences, sorted
    private int[] _minibatches = []; // a bucket's minibatches, in their new order
    private int[] _heldOutOrder = []; // sequences evaluated in padded batches, by length, so that each batch pads little
    private long[] _heldOutKeys = [];
    private TrainingSequence<TInput, TTarget>[] _group = []; // one padded batch's sequences
    private BatchPacker<T, TInput, TTarget>? _packer;
    private bool _packerMade;
    private readonly bool _batchedBackward, _batchedForward, _batchedPredict; // the per-sequence call is Trainer's own
    private double[] _losses = new double[16]; // the loss history as the schedule reads it
    private int _bestEpoch;
    private double _bestLoss = double.NaN;
    private Dictionary<string, string>? _modelMetadata;
    private SequenceLayout? _layout;
    private TTarget[] _predicted = []; // the classes Predict writes for held-out accuracy
    private readonly DataParallel<T, TInput, TTarget>? _parallel;

    // A call of Backward, bound like any virtual call to the most derived override.
    private delegate T SequenceCall(in TrainingSequence<TInput, TTarget> sequence);

    /// <summary>Creates a trainer; the optimiser's current learning rate becomes the schedule's initial rate.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="optimizer">An optimiser created for <c>model.Parameters.Length</c> parameters.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The optimiser's length does not match the model, or an option is invalid.</exception>
    public Trainer(IRnnModel<T, TInput, TTarget> model, Optimizer<T> optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TrainerOptions();
        options.Validate();
        int length = model.Parameters.Length;
        if (optimizer.Length != length)
        {
            throw new ArgumentException($"The optimiser was created for {optimizer.Length} parameters, but the model has {length}: create it with model.Parameters.Length.", nameof(optimizer));
        }

        Model = model;
        Optimizer = optimizer;
        Options = options;
        InitialLearningRate = double.CreateChecked(optimizer.LearningRate);
        _best = new T[length];
        Type sequence = typeof(TrainingSequence<TInput, TTarget>).MakeByRefType();
        _batchedBackward = Inherited(nameof(Backward), sequence);
        _batchedForward = Inherited(nameof(Forward), sequence);
        _batchedPredict = Inherited(nameof(Predict), sequence, typeof(Span<TTarget>));
    }

    // Whether this trainer's per-sequence call is Trainer's own: a derived trainer that overrides it (to carry a state,
    // say) gets its override called for every sequence, never the model's batched member in its place. Where
    // trimming left no metadata to tell, the method counts as overridden: per-sequence calls are always right.
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "A method not found counts as overridden, which is always correct.")]
    private bool Inherited(string name, params Type[] parameters) =>
        GetType() == typeof(Trainer<T, TInput, TTarget>) ||
        GetType().GetMethod(name, BindingFlags.Instance | BindingFlags.NonPublic, null, parameters, null)?.DeclaringType == typeof(Trainer<T, TInput, TTarget>);

    // The model's padded batches when it takes them (an IBatchModel with Batch > 1), else null.
    private BatchPacker<T, TInput, TTarget>? Packer
    {
        get
        {
            if (!_packerMade)
            {
                _packer = BatchPacker<T, TInput, TTarget>.For(Model, Layout);
                _packerMade = true;
            }

            return _packer;
        }
    }

    /// <summary>The model being trained.</summary>
    public IRnnModel<T, TInput, TTarget> Model { get; }

    /// <summary>The optimiser that updates it.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The learning rate of the first epoch, from which the schedule derives the others.</summary>
    public double InitialLearningRate { get; private set; }

    /// <summary>Epochs completed so far, including those restored from a checkpoint.</summary>
    public int CompletedEpochs => _history.Count;

    /// <summary>Every completed epoch, oldest first.</summary>
    public IReadOnlyList<EpochResult> History => _history;

    /// <summary>The epoch with the lowest held-out loss so far; 0 when there is none.</summary>
    public int BestEpoch => _bestEpoch;

    /// <summary>
    /// When set, each minibatch's backward pass is split across cores by this instance (made for the same
    /// <see cref="Model"/>); <see langword="null"/> (the default) runs it on the calling thread.
    /// </summary>
    /// <remarks>
    /// The cores run the minibatch's sequences at the same time, each on its own copy of the model, calling the copies'
    /// <c>Backward</c> directly. A trainer that overrides <see cref="Backward"/> (to carry a state from one sequence to
    /// the next, which cannot be split across cores) therefore refuses it.
    /// </remarks>
    /// <exception cref="ArgumentException">Set on a trainer whose class overrides <see cref="Backward"/>.</exception>
    public DataParallel<T, TInput, TTarget>? Parallel
    {
        get => _parallel;
        init
        {
            if (value is not null && ((SequenceCall)Backward).Method.DeclaringType != typeof(Trainer<T, TInput, TTarget>))
            {
                throw new ArgumentException(
                    $"Parallel cannot be used with {GetType().Name}, which overrides Backward: DataParallel runs the minibatch's sequences at the same " +
                    "time on copies of the model, calling their Backward directly, so the override would be skipped and a state it carries from one " +
                    "sequence to the next would not be carried. Train this trainer without Parallel.", nameof(Parallel));
            }

            _parallel = value;
        }
    }

    /// <summary>Called after every minibatch (keep it cheap, or throttle it); <see langword="null"/> for none.</summary>
    public Action<TrainingProgress>? Progress { get; set; }

    /// <summary>Called after every epoch, once its held-out loss is known and before its checkpoint is written.</summary>
    public Action<EpochResult>? EpochCompleted { get; set; }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Epochs"/> epochs are complete (counting those restored from a
    /// checkpoint) or early stopping ends it.
    /// </summary>
    /// <param name="training">The training sequences.</param>
    /// <param name="validation">Held-out sequences, evaluated after every epoch; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Checked between minibatches; the last checkpoint stays as it was.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="training"/> is empty, early stopping has no held-out set, or a sequence of either set does not fit
    /// the model (its inputs are not whole steps, its stated steps differ from the model's count, it has more than
    /// <c>MaxSteps</c>, or its targets are not as many as its steps need); nothing has changed then.
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="NonFiniteTrainingException">
    /// A minibatch's loss or gradient is NaN or infinite (and <see cref="TrainerOptions.NonFiniteAction"/> is Throw);
    /// the message names the parameter, and no weight was updated by that minibatch.
    /// </exception>
    public TrainingResult Fit(IReadOnlyList<TrainingSequence<TInput, TTarget>> training, IReadOnlyList<TrainingSequence<TInput, TTarget>>? validation = null, CancellationToken cancellationToken = default)
    {
        bool heldOut = CheckFitArguments(training, validation);
        long stepsPerEpoch = Check(training, nameof(training));
        if (heldOut)
        {
            Check(validation!, nameof(validation));
        }

        AllocateBuffers(training, heldOut ? validation : null);

        bool stoppedEarly = false;
        for (int epoch = _history.Count + 1; epoch <= Options.Epochs; epoch++)
        {
            if (Options.Patience > 0 && _bestEpoch > 0 && epoch - 1 - _bestEpoch >= Options.Patience)
            {
                stoppedEarly = true; // already decided before a resume
                break;
            }

            TrainEpoch(epoch, training, validation, heldOut, stepsPerEpoch, cancellationToken);
            if (Options.Patience > 0 && epoch - _bestEpoch >= Options.Patience)
            {
                stoppedEarly = epoch < Options.Epochs;
                break;
            }
        }

        if (Options.RestoreBest && _bestEpoch > 0 && _bestEpoch != _history.Count)
        {
            _best.CopyTo(Model.Parameters);
        }

        return Result(stoppedEarly);
    }

    // Fit's arguments and the trainer's Parallel, checked before anything changes; whether there is a held-out set.
    private bool CheckFitArguments(IReadOnlyList<TrainingSequence<TInput, TTarget>> training, IReadOnlyList<TrainingSequence<TInput, TTarget>>? validation)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0)
        {
            throw new ArgumentException("There is nothing to train on.", nameof(training));
        }

        bool heldOut = validation is { Count: > 0 };
        if (Options.Patience > 0 && !heldOut)
        {
            throw new ArgumentException("Early stopping (Patience) needs held-out sequences.", nameof(validation));
        }

        if (Parallel is not null && !ReferenceEquals(Parallel.Model, Model))
        {
            throw new InvalidOperationException("Parallel was made for a different model than the trainer's.");
        }

        return heldOut;
    }

    // The buffers the epochs reuse, made here (for sequences already checked) so that the minibatches allocate nothing.
    private void AllocateBuffers(IReadOnlyList<TrainingSequence<TInput, TTarget>> training, IReadOnlyList<TrainingSequence<TInput, TTarget>>? validation)
    {
        if (_order.Length != training.Count)
        {
            _order = new int[training.Count];
        }

        if ((Parallel is not null || (_batchedBackward && Packer is not null)) && _batch.Length < Options.BatchSize)
        {
            _batch = new TrainingSequence<TInput, TTarget>[Options.BatchSize];
        }

        if (Options.BucketByLength)
        {
            SequenceLayout layout = Layout;
            _steps = new int[training.Count];
            for (int i = 0; i < _steps.Length; i++)
            {
                _steps[i] = layout.Steps(training[i]);
            }

            int window = Math.Min(training.Count, TrainerOptions.BucketBatches * Options.BatchSize);
            _keys = new long[window];
            _bucket = new int[window];
            _minibatches = new int[window / Options.BatchSize + 1];
        }

        if (Packer is { } packer)
        {
            packer.Reserve(Math.Max(Longest(training), validation is null ? 0 : Longest(validation)));
        }
    }

    // The most steps of any of the sequences (already checked).
    private int Longest(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences)
    {
        int longest = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            longest = Math.Max(longest, Layout.Steps(sequences[i]));
        }

        return longest;
    }

    // One epoch: its learning rate and order, its minibatches, then its held-out evaluation, its record and its checkpoint.
    private void TrainEpoch(
        int epoch,
        IReadOnlyList<TrainingSequence<TInput, TTarget>> training,
        IReadOnlyList<TrainingSequence<TInput, TTarget>>? validation,
        bool heldOut,
        long stepsPerEpoch,
        CancellationToken cancellationToken)
    {
        var run = new EpochRun { Epoch = epoch, Started = Stopwatch.GetTimestamp(), StepsPerEpoch = stepsPerEpoch };
        run.Rate = StartEpoch(epoch);
        for (int first = 0; first < _order.Length; first += Options.BatchSize)
        {
            TrainMinibatch(training, first, ref run, cancellationToken);
        }

        EndEpoch(run, validation, heldOut);
    }

    // Sets the epoch's learning rate (the schedule reads the losses of the epochs before) and its order, then calls
    // the hook; returns the rate.
    private double StartEpoch(int epoch)
    {
        double rate = Options.Schedule.RateFor(InitialLearningRate, _losses.AsSpan(0, _history.Count));
        Optimizer.LearningRate = T.CreateChecked(rate);
        Order(epoch);
        if (Options.BucketByLength)
        {
            Bucket(epoch);
        }

        OnEpochStarting(epoch);
        return rate;
    }

    // The minibatch of the epoch's order that starts at first: its backward pass, then, unless a loss or gradient is not
    // finite, its step and its progress report.
    private void TrainMinibatch(IReadOnlyList<TrainingSequence<TInput, TTarget>> training, int first, ref EpochRun run, CancellationToken cancellationToken)
    {
        int count = Math.Min(Options.BatchSize, _order.Length - first);
        DataParallel<T, TInput, TTarget>? parallel = Parallel;
        BackwardPass pass = parallel is not null
            ? BackwardInParallel(parallel, training, first, count)
            : BackwardSerially(training, first, count);
        Span<T> gradients = Model.Gradients;
        if (!CheckFinite(pass, run.Epoch, first, gradients))
        {
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        run.LossSum += pass.Loss;
        run.Steps += pass.Steps;
        run.Scored += pass.Scored;
        if (parallel is not null)
        {
            StepInParallel(parallel, count, pass.Norm);
        }
        else
        {
            StepSerially(gradients, count);
        }

        Progress?.Invoke(new TrainingProgress(run.Epoch, Options.Epochs, first + count, _order.Length, run.Steps, run.StepsPerEpoch, run.LossSum / run.Scored, run.Rate, Stopwatch.GetElapsedTime(run.Started)));
        cancellationToken.ThrowIfCancellationRequested();
    }

    // True when the minibatch's loss and gradients are all finite. Otherwise it throws (NonFiniteAction.Throw) or counts
    // the minibatch as skipped and returns false (Skip).
    private bool CheckFinite(in BackwardPass pass, int epoch, int first, ReadOnlySpan<T> gradients)
    {
        // Checked before scaling and clipping, which would spread one NaN over every gradient.
        int bad = double.IsFinite(pass.Loss) ? pass.FirstNonFinite : TrainingGuard.LossNotFinite;
        if (bad == TrainingGuard.AllFinite)
        {
            return true;
        }

        if (Options.NonFiniteAction == NonFiniteAction.Throw)
        {
            throw NonFinite(epoch, first / Options.BatchSize, pass.Loss, bad, gradients);
        }

        SkippedBatches++;
        return false;
    }

    // The minibatch's backward pass on this thread: through Backward (which a derived trainer may override), or in
    // the model's padded batches when it takes them.
    private BackwardPass BackwardSerially(IReadOnlyList<TrainingSequence<TInput, TTarget>> training, int first, int count)
    {
        SequenceLayout layout = Layout;
        BatchPacker<T, TInput, TTarget>? packer = _batchedBackward ? Packer : null;
        BackwardPass pass = default;
        Model.ZeroGradients();
        for (int j = 0; j < count; j++)
        {
            TrainingSequence<TInput, TTarget> sequence = training[_order[first + j]];
            if (packer is null)
            {
                pass.Loss += double.CreateChecked(Backward(sequence));
            }
            else
            {
                _batch[j] = sequence;
            }

            int sequenceSteps = layout.Steps(sequence);
            pass.Steps += sequenceSteps;
            pass.Scored += layout.Scored(sequence, sequenceSteps);
        }

        if (packer is not null)
        {
            pass.Loss = packer.Backward(_batch.AsSpan(0, count));
        }

        pass.FirstNonFinite = TrainingGuard.FirstNonFinite<T>(Model.Gradients);
        return pass;
    }

    // The minibatch's backward pass split across cores: its sequences are gathered into _batch for Parallel.
    private BackwardPass BackwardInParallel(DataParallel<T, TInput, TTarget> parallel, IReadOnlyList<TrainingSequence<TInput, TTarget>> training, int first, int count)
    {
        SequenceLayout layout = Layout;
        BackwardPass pass = default;
        for (int j = 0; j < count; j++)
        {
            _batch[j] = training[_order[first + j]];
            int sequenceSteps = layout.Steps(_batch[j]);
            pass.Steps += sequenceSteps;
            pass.Scored += layout.Scored(_batch[j], sequenceSteps);
        }

        // Zeroing, the finite check and the norm run on every core, in the reduction.
        pass.Loss = double.CreateChecked(parallel.BackwardAndMeasure(_batch.AsSpan(0, count), out pass.FirstNonFinite, out pass.Norm));
        return pass;
    }

    // The same scaling and clipping as StepSerially's, folded into one factor that every core applies to its slice.
    private void StepInParallel(DataParallel<T, TInput, TTarget> parallel, int count, double norm)
    {
        T factor = count > 1 ? T.One / T.CreateChecked(count) : T.One;
        T scaledNorm = T.CreateChecked(norm) * factor;
        if (Options.ClipNorm > 0 && scaledNorm > T.CreateChecked(Options.ClipNorm) && T.IsFinite(scaledNorm))
        {
            factor *= T.CreateChecked(Options.ClipNorm) / scaledNorm;
        }

        parallel.Update(Optimizer, factor, Options.ClipValue > 0 ? T.CreateChecked(Options.ClipValue) : T.Zero);
    }

    // Average the minibatch's gradients, clip them as asked, and step.
    private void StepSerially(Span<T> gradients, int count)
    {
        if (count > 1)
        {
            Gradient.Scale(gradients, T.One / T.CreateChecked(count));
        }

        if (Options.ClipNorm > 0)
        {
            Gradient.ClipByNorm(gradients, T.CreateChecked(Options.ClipNorm));
        }

        if (Options.ClipValue > 0)
        {
            Gradient.ClipByValue(gradients, T.CreateChecked(Options.ClipValue));
        }

        Optimizer.StepChecked(Model.Parameters, gradients);
    }

    // The epoch's held-out loss and accuracy, the best parameters kept, the epoch recorded and reported, the checkpoint written.
    private void EndEpoch(in EpochRun run, IReadOnlyList<TrainingSequence<TInput, TTarget>>? validation, bool heldOut)
    {
        SequenceLayout layout = Layout;
        double validationLoss = heldOut ? Loss(validation!) : double.NaN;
        double accuracy = heldOut && layout.CrossEntropy ? Accuracy(validation!, layout) : double.NaN;
        bool improved = heldOut && KeepIfBest(run.Epoch, validationLoss);
        var result = new EpochResult(run.Epoch, run.LossSum / run.Scored, validationLoss, run.Rate, run.Steps, Stopwatch.GetElapsedTime(run.Started), improved, accuracy);
        AddHistory(result);
        EpochCompleted?.Invoke(result);
        if (Options.CheckpointPath is { } path)
        {
            SaveCheckpoint(path);
        }
    }

    // Keeps the parameters when the held-out loss is the first or a lower one (NaN never improves on a number); whether it did.
    private bool KeepIfBest(int epoch, double validationLoss)
    {
        if (!(validationLoss >= _bestLoss) && !double.IsNaN(validationLoss))
        {
            _bestLoss = validationLoss;
            _bestEpoch = epoch;
            Model.Parameters.CopyTo(_best);
            return true;
        }

        return false;
    }

    // The best epoch by held-out loss when one was measured; otherwise by training loss, and saying so.
    private TrainingResult Result(bool stoppedEarly)
    {
        int bestEpoch = _bestEpoch;
        double bestLoss = _bestLoss;
        LossSource source = LossSource.Validation;
        if (bestEpoch == 0)
        {
            source = LossSource.Training;
            foreach (EpochResult epoch in _history)
            {
                if (epoch.TrainingLoss < bestLoss || (double.IsNaN(bestLoss) && !double.IsNaN(epoch.TrainingLoss)))
                {
                    (bestEpoch, bestLoss) = (epoch.Epoch, epoch.TrainingLoss);
                }
            }
        }

        double accuracy = bestEpoch > 0 ? _history[bestEpoch - 1].ValidationAccuracy : double.NaN;
        return new TrainingResult(_history.Count, bestEpoch, bestLoss, stoppedEarly, _history.ToArray(), source, accuracy);
    }

    // An epoch under way: what its minibatches add up and what its reports need, passed by reference from minibatch to
    // minibatch (a struct, so that they allocate nothing).
    private struct EpochRun
    {
        public int Epoch;
        public double Rate; // the learning rate
        public long Started; // the Stopwatch timestamp of its start
        public long StepsPerEpoch;
        public double LossSum; // of the minibatches not skipped, as are the counts
        public long Steps; // time steps
        public long Scored; // the loss terms among them (one per sequence for LastStep; none for an ignored target)
    }

    // What a minibatch's backward pass measured: a struct on the stack, so that the minibatch allocates nothing.
    private struct BackwardPass
    {
        public double Loss; // summed over the minibatch's sequences
        public double Norm; // the L2 norm of the summed gradient, measured by Parallel only
        public long Steps; // time steps
        public long Scored; // the loss terms among them (one per sequence for LastStep; none for an ignored target)
        public int FirstNonFinite; // the index of the first non-finite gradient, or TrainingGuard.AllFinite
    }

    /// <summary>
    /// Minibatches skipped because their loss or a gradient was NaN or infinite (with
    /// <see cref="TrainerOptions.NonFiniteAction"/> = Skip); their loss is not in the epoch's mean.
    /// </summary>
    public long SkippedBatches { get; private set; }

    private NonFiniteTrainingException NonFinite(int epoch, int batch, double loss, int index, ReadOnlySpan<T> gradients)
    {
        string where = $"Training stopped in epoch {epoch}, minibatch {batch}, before updating any weight: ";
        const string Advice = "Lower the learning rate, set ClipNorm, or check the data; or set TrainerOptions.NonFiniteAction = NonFiniteAction.Skip to skip such minibatches.";
        if (index == TrainingGuard.LossNotFinite)
        {
            return new NonFiniteTrainingException($"{where}the loss is {loss.ToString(System.Globalization.CultureInfo.InvariantCulture)}. {Advice}", null, -1, -1);
        }

        string value = gradients[index].ToString(null, System.Globalization.CultureInfo.InvariantCulture);
        if (Model.TryLocateParameter(index, out string name, out int row, out int column))
        {
            string element = column < 0 ? $"element {row}" : $"row {row}, column {column}";
            return new NonFiniteTrainingException($"{where}the gradient of '{name}' is {value} at {element}. {Advice}", name, row, column);
        }

        return new NonFiniteTrainingException($"{where}gradient {index} is {value}. {Advice}", null, -1, -1);
    }

    /// <summary>
    /// The mean loss per step of the model on <paramref name="sequences"/> (per sequence for <c>Outputs.LastStep</c>),
    /// without gradient work. Steps whose target is <see cref="CrossEntropy.IgnoreIndex"/> are not counted; NaN when
    /// every target is ignored.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sequences"/> is empty, or a sequence does not fit the model.</exception>
    public double Evaluate(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There is nothing to evaluate.", nameof(sequences));
        }

        Check(sequences, nameof(sequences));
        return Loss(sequences);
    }

    /// <summary>
    /// For a cross-entropy model, the fraction of the targets of <paramref name="sequences"/> (one per step, or one per
    /// sequence for <c>Outputs.LastStep</c>) whose class the model predicts, from 0 to 1. Targets of
    /// <see cref="CrossEntropy.IgnoreIndex"/> are left out; NaN when every target is ignored.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sequences"/> is empty, or a sequence does not fit the model.</exception>
    /// <exception cref="InvalidOperationException">The model is not a cross-entropy model, or does not record its declaration.</exception>
    public double Accuracy(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There is nothing to evaluate.", nameof(sequences));
        }

        SequenceLayout layout = Layout;
        if (!layout.CrossEntropy)
        {
            throw new InvalidOperationException(layout.Known
                ? "Accuracy counts predicted classes, but this model is trained with squared error: its targets are values, not classes."
                : "Accuracy counts predicted classes, but this model does not record whether it is a cross-entropy model (its SaveWeights writes no rnngen.loss).");
        }

        Check(sequences, nameof(sequences));
        return Accuracy(sequences, layout);
    }

    // The time steps of every sequence, after checking that each fits the model.
    private long Check(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences, string paramName)
    {
        SequenceLayout layout = Layout;
        long steps = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            steps += layout.CheckedSteps(sequences[i], i, paramName);
        }

        return steps;
    }

    // The mean loss per loss term of sequences already checked (NaN when every target is ignored: 0 / 0).
    private double Loss(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences)
    {
        SequenceLayout layout = Layout;
        OnEvaluationStarting();
        double loss = 0;
        long scored = 0;
        BatchPacker<T, TInput, TTarget>? packer = _batchedForward ? Packer : null;
        for (int i = 0; i < sequences.Count; i++)
        {
            TrainingSequence<TInput, TTarget> sequence = sequences[i];
            scored += layout.Scored(sequence, layout.Steps(sequence));
            if (packer is null)
            {
                loss += double.CreateChecked(Forward(sequence));
            }
        }

        if (packer is not null)
        {
            ByLength(sequences, packer.Batch);
            for (int first = 0; first < sequences.Count; first += packer.Batch)
            {
                loss += packer.Forward(Group(sequences, first, packer.Batch));
            }
        }

        return loss / scored;
    }

    // The fraction of targets predicted right, over sequences already checked and leaving out ignored targets (NaN
    // when all are); a pass of its own, after which a carried state is reset again (OnEvaluationStarting), as before
    // the loss's pass.
    private double Accuracy(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences, SequenceLayout layout)
    {
        OnEvaluationStarting();
        if (_batchedPredict && Packer is { } packer)
        {
            return AccuracyInBatches(sequences, layout, packer);
        }

        long right = 0, total = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            TrainingSequence<TInput, TTarget> sequence = sequences[i];
            int count = layout.Rows(layout.Steps(sequence));
            if (_predicted.Length < count)
            {
                _predicted = new TTarget[Math.Max(count, Math.Min(layout.MaxSteps, 4096))];
            }

            Span<TTarget> predicted = _predicted.AsSpan(0, count);
            Predict(sequence, predicted);
            ReadOnlySpan<TTarget> targets = sequence.Targets.Span;
            for (int j = 0; j < count; j++)
            {
                if (!Ignored(targets[j]))
                {
                    right += EqualityComparer<TTarget>.Default.Equals(predicted[j], targets[j]) ? 1 : 0;
                    total++;
                }
            }
        }

        return (double)right / total;
    }

    // Accuracy as above, each padded batch's classes predicted in one call of the model's.
    private double AccuracyInBatches(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences, SequenceLayout layout, BatchPacker<T, TInput, TTarget> packer)
    {
        long right = 0, total = 0;
        ByLength(sequences, packer.Batch);
        for (int first = 0; first < sequences.Count; first += packer.Batch)
        {
            ReadOnlySpan<TrainingSequence<TInput, TTarget>> group = Group(sequences, first, packer.Batch);
            ReadOnlySpan<TTarget> predicted = packer.Predict(group, out int rows);
            for (int m = 0; m < group.Length; m++)
            {
                ReadOnlySpan<TTarget> targets = group[m].Targets.Span;
                for (int j = 0; j < targets.Length; j++)
                {
                    if (!Ignored(targets[j]))
                    {
                        right += EqualityComparer<TTarget>.Default.Equals(predicted[m * rows + j], targets[j]) ? 1 : 0;
                        total++;
                    }
                }
            }
        }

        return (double)right / total;
    }

    // Orders sequences (already checked) by length into _heldOutOrder, ties in their order, for Group.
    private void ByLength(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences, int batch)
    {
        if (_heldOutOrder.Length < sequences.Count)
        {
            _heldOutOrder = new int[sequences.Count];
            _heldOutKeys = new long[sequences.Count];
        }

        if (_group.Length < batch)
        {
            _group = new TrainingSequence<TInput, TTarget>[batch];
        }

        Span<long> keys = _heldOutKeys.AsSpan(0, sequences.Count);
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = ((long)Layout.Steps(sequences[i]) << 32) | (uint)i;
        }

        keys.Sort();
        for (int i = 0; i < keys.Length; i++)
        {
            _heldOutOrder[i] = (int)(uint)keys[i];
        }
    }

    // The padded batch of sequences that starts at first in ByLength's order.
    private ReadOnlySpan<TrainingSequence<TInput, TTarget>> Group(IReadOnlyList<TrainingSequence<TInput, TTarget>> sequences, int first, int batch)
    {
        int count = Math.Min(batch, sequences.Count - first);
        for (int j = 0; j < count; j++)
        {
            _group[j] = sequences[_heldOutOrder[first + j]];
        }

        return _group.AsSpan(0, count);
    }

    // Whether a target is a class id of CrossEntropy.IgnoreIndex; the type test is a constant of each instantiation.
    private static bool Ignored(TTarget target) =>
        typeof(TTarget) == typeof(int) && Unsafe.As<TTarget, int>(ref target) == CrossEntropy.IgnoreIndex;

    // What the model's recorded declaration says about the sequences it takes.
    private SequenceLayout Layout => _layout ??= SequenceLayout.From(ModelMetadata(), typeof(TInput) == typeof(int));

    /// <summary>Runs forward and backward for one training sequence, adding its gradient into the model's; returns its summed loss.</summary>
    protected virtual T Backward(in TrainingSequence<TInput, TTarget> sequence) =>
        Model.Backward(sequence.Inputs.Span, sequence.Targets.Span);

    /// <summary>The summed loss of one held-out sequence, without gradient work.</summary>
    protected virtual T Forward(in TrainingSequence<TInput, TTarget> sequence) =>
        Model.Forward(sequence.Inputs.Span, sequence.Targets.Span);

    /// <summary>
    /// Writes the model's predicted class for every target of one held-out sequence (one per step, or one for
    /// <c>Outputs.LastStep</c>) to <paramref name="destination"/>, which is exactly as long; for held-out accuracy.
    /// </summary>
    protected virtual void Predict(in TrainingSequence<TInput, TTarget> sequence, Span<TTarget> destination) =>
        Model.Predict(sequence.Inputs.Span, destination);

    /// <summary>Called before the first minibatch of every epoch (from 1), e.g. to reset a carried state.</summary>
    protected virtual void OnEpochStarting(int epoch)
    {
    }

    /// <summary>
    /// Called before every evaluation pass, e.g. to reset a carried state: before the held-out loss's pass, and before
    /// the held-out accuracy's (cross-entropy models), which is a pass of its own.
    /// </summary>
    protected virtual void OnEvaluationStarting()
    {
    }

    private void AddHistory(EpochResult result)
    {
        if (_losses.Length == _history.Count)
        {
            Array.Resize(ref _losses, 2 * _losses.Length);
        }

        _losses[_history.Count] = result.Loss;
        _history.Add(result);
    }

    // Training's order for the epoch: the sequences shuffled (or in their order).
    private void Order(int epoch)
    {
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        if (Options.Shuffle)
        {
            var random = new RnnRandom(Options.Seed ^ ((ulong)epoch * 0x9E3779B97F4A7C15UL));
            random.Shuffle<int>(_order);
        }
    }

    // Bucketing: each window of BucketBatches minibatches of the epoch's order is sorted by length (ties keep their
    // order), so that a minibatch holds sequences of about the same length and its padded batches waste few steps;
    // then, when shuffling, the window's minibatches are shuffled, so the lengths do not rise through the window.
    // Depends only on the seed, the epoch and the lengths: a resumed run buckets as an uninterrupted one.
    private void Bucket(int epoch)
    {
        int size = Options.BatchSize, window = _keys.Length;
        var random = new RnnRandom(Options.Seed ^ ((ulong)epoch * 0xD1B54A32D192ED03UL));
        for (int start = 0; start < _order.Length; start += window)
        {
            int length = Math.Min(window, _order.Length - start);
            Span<int> order = _order.AsSpan(start, length);
            Span<long> keys = _keys.AsSpan(0, length);
            for (int i = 0; i < length; i++)
            {
                keys[i] = ((long)_steps[order[i]] << 32) | (uint)i;
            }

            keys.Sort();
            Span<int> sorted = _bucket.AsSpan(0, length);
            for (int i = 0; i < length; i++)
            {
                sorted[i] = order[(int)(uint)keys[i]];
            }

            // The window's whole minibatches in a random order (a last, partial one stays last: it is the epoch's end).
            int whole = length / size;
            Span<int> batches = _minibatches.AsSpan(0, whole);
            for (int b = 0; b < whole; b++)
            {
                batches[b] = b;
            }

            if (Options.Shuffle)
            {
                random.Shuffle(batches);
            }

            for (int b = 0; b < whole; b++)
            {
                sorted.Slice(batches[b] * size, size).CopyTo(order.Slice(b * size, size));
            }

            sorted[(whole * size)..].CopyTo(order[(whole * size)..]);
        }
    }

    /// <summary>
    /// Writes a checkpoint to <paramref name="path"/> atomically (<see cref="AtomicFile"/>): the parameters, the best
    /// parameters so far, the optimiser's state and the history. A kill at any moment leaves the previous file intact.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the previous one is unchanged.</exception>
    public void SaveCheckpoint(string path) => AtomicFile.Write(path, SaveCheckpoint);

    /// <summary>
    /// Writes a checkpoint as a safetensors file: tensors <c>parameters</c>, <c>best_parameters</c> and
    /// <c>optimizer.NAME</c> in the model's flat layout, <c>history</c> (one row per epoch: training loss, held-out
    /// loss, learning rate, steps, seconds, held-out accuracy), and in <c>__metadata__</c> the model's declaration (as
    /// <c>SaveWeights</c> records it), the optimiser and the progress.
    /// </summary>
    /// <remarks>
    /// The flat layout is the generator's, so a checkpoint resumes the same declaration built by the same RnnGen
    /// version with the same layout (all three are recorded and checked: <c>rnngen.layout</c> is a fingerprint of the
    /// flat layout); use the model's <c>SaveWeights</c> to exchange weights.
    /// </remarks>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafeTensorsDTypeFor(out IO.SafeTensorsDType dtype);
        var writer = new IO.SafeTensorsWriter(stream);
        writer.AddMetadata("format", Format);
        writer.AddMetadata("rnngen.checkpoint.version", FormatVersion);
        foreach (KeyValuePair<string, string> pair in ModelMetadata())
        {
            writer.AddMetadata(pair.Key, pair.Value);
        }

        writer.AddMetadata("rnngen.parameter_length", Model.Parameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.AddMetadata("optimizer", Optimizer.Name);
        writer.AddMetadata("optimizer.steps", Optimizer.StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.AddMetadata("initial_learning_rate", InitialLearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        writer.AddMetadata("epochs", _history.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.AddMetadata("best_epoch", _bestEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.AddMetadata("best_loss", _bestLoss.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

        long length = Model.Parameters.Length;
        writer.AddTensor("parameters", dtype, [length]);
        writer.AddTensor("best_parameters", dtype, [length]);
        for (int i = 0; i < Optimizer.StateBufferCount; i++)
        {
            writer.AddTensor("optimizer." + Optimizer.GetStateBufferName(i), dtype, [length]);
        }

        writer.AddTensor("history", IO.SafeTensorsDType.F64, [_history.Count, HistoryColumns]);
        writer.WriteHeader();
        writer.WriteValues<T>(Model.Parameters);
        writer.WriteValues<T>(_best);
        for (int i = 0; i < Optimizer.StateBufferCount; i++)
        {
            writer.WriteValues<T>(Optimizer.GetStateBuffer(i));
        }

        Span<double> row = stackalloc double[HistoryColumns];
        foreach (EpochResult epoch in _history)
        {
            row[0] = epoch.TrainingLoss;
            row[1] = epoch.ValidationLoss;
            row[2] = epoch.LearningRate;
            row[3] = epoch.Steps;
            row[4] = epoch.Duration.TotalSeconds;
            row[5] = epoch.ValidationAccuracy;
            writer.WriteValues<double>(row);
        }

        writer.Complete();
    }

    /// <summary>
    /// Restores the checkpoint at <paramref name="path"/> when the file exists (see <see cref="LoadCheckpoint(Stream)"/>);
    /// the next <see cref="Fit"/> then continues after its last epoch.
    /// </summary>
    /// <returns><see langword="true"/> if a checkpoint was restored, <see langword="false"/> if there is no file.</returns>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this model and optimiser; nothing changes.</exception>
    public bool TryResume(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            LoadCheckpoint(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Cannot resume from '{path}': {e.Message}", e);
        }

        return true;
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint(Stream)"/>: parameters, best parameters, optimiser
    /// state, history and the initial learning rate (the checkpoint's, whatever the optimiser was created with, so
    /// the schedule continues as before). Everything is validated before anything changes.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is malformed, was written for another declaration, RnnGen version or optimiser, or holds a non-finite
    /// parameter; the trainer, the model and the optimiser are unchanged.
    /// </exception>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        IO.SafeTensorsHeader header = IO.SafeTensorsHeader.Read(stream);
        CheckCheckpointSource(header.Metadata);
        CheckpointProgress progress = ReadCheckpointProgress(header.Metadata);
        CheckCheckpointTensors(header, progress.Epochs);
        CheckpointValues values = ReadCheckpointValues(stream, header, progress.Epochs);

        // Everything checked: commit.
        Restore(progress, values);
    }

    // The checkpoint is RnnGen's, in the format version this RnnGen reads, of this model's declaration and of this optimiser.
    private void CheckCheckpointSource(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("format", out string? format) || format != Format)
        {
            throw new InvalidDataException($"Not an RnnGen checkpoint: its format is '{format ?? "(none)"}', not '{Format}'.");
        }

        if (Get(metadata, "rnngen.checkpoint.version") != FormatVersion)
        {
            throw new InvalidDataException($"The checkpoint has format version {Get(metadata, "rnngen.checkpoint.version")}; this RnnGen reads version {FormatVersion}.");
        }

        foreach (KeyValuePair<string, string> pair in ModelMetadata())
        {
            if (!metadata.TryGetValue(pair.Key, out string? value) || value != pair.Value)
            {
                throw new InvalidDataException(
                    $"The checkpoint was written for {pair.Key} = {value ?? "(none)"}, but this model has {pair.Key} = {pair.Value}. " +
                    "A checkpoint resumes the same declaration built with the same RnnGen version.");
            }
        }

        if (Get(metadata, "optimizer") != Optimizer.Name)
        {
            throw new InvalidDataException($"The checkpoint holds the state of optimiser '{Get(metadata, "optimizer")}', but this trainer uses '{Optimizer.Name}'.");
        }
    }

    // The checkpoint's progress fields, parsed, and checked against one another and the model.
    private CheckpointProgress ReadCheckpointProgress(IReadOnlyDictionary<string, string> metadata)
    {
        int length = Model.Parameters.Length;
        int epochs = ParseInt(metadata, "epochs");
        int bestEpoch = ParseInt(metadata, "best_epoch");
        long optimizerSteps = ParseLong(metadata, "optimizer.steps");
        double initialRate = ParseDouble(metadata, "initial_learning_rate");
        double bestLoss = ParseDouble(metadata, "best_loss");
        if (ParseInt(metadata, "rnngen.parameter_length") != length || epochs > MaxEpochs || bestEpoch > epochs || optimizerSteps < 0 || !(initialRate >= 0))
        {
            throw new InvalidDataException("The checkpoint's progress fields are inconsistent with this model.");
        }

        return new CheckpointProgress(epochs, bestEpoch, optimizerSteps, initialRate, bestLoss);
    }

    // Exactly the expected tensors, in the order SaveCheckpoint writes them, each of the expected size.
    private void CheckCheckpointTensors(IO.SafeTensorsHeader header, int epochs)
    {
        int length = Model.Parameters.Length;
        var expected = new List<(string Name, long Elements)> { ("parameters", length), ("best_parameters", length) };
        for (int i = 0; i < Optimizer.StateBufferCount; i++)
        {
            expected.Add(("optimizer." + Optimizer.GetStateBufferName(i), length));
        }

        expected.Add(("history", (long)epochs * HistoryColumns));
        if (header.Tensors.Count != expected.Count)
        {
            throw new InvalidDataException($"The checkpoint has {header.Tensors.Count} tensors; this trainer expects {expected.Count} ({string.Join(", ", expected.ConvertAll(e => e.Name))}).");
        }

        for (int i = 0; i < expected.Count; i++)
        {
            IO.SafeTensorInfo tensor = header.Tensors[i];
            if (tensor.Name != expected[i].Name || tensor.ElementCount != expected[i].Elements || !IO.SafeTensorsDTypes.IsConvertible(tensor.DType))
            {
                throw new InvalidDataException($"Tensor {i} of the checkpoint is '{tensor.Name}' with {tensor.ElementCount} {IO.SafeTensorsDTypes.GetName(tensor.DType)} elements; expected '{expected[i].Name}' with {expected[i].Elements} floating-point elements.");
            }
        }
    }

    // The tensors' values, read from the stream into arrays of their own (nothing is committed yet); refused when a
    // parameter is not finite.
    private CheckpointValues ReadCheckpointValues(Stream stream, IO.SafeTensorsHeader header, int epochs)
    {
        int length = Model.Parameters.Length;
        byte[] data = new byte[header.DataLength];
        stream.ReadExactly(data);
        var parameters = new T[length];
        var best = new T[length];
        var buffers = new T[Optimizer.StateBufferCount][];
        Decode(header.Tensors[0], data, parameters);
        Decode(header.Tensors[1], data, best);
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new T[length];
            Decode(header.Tensors[2 + i], data, buffers[i]);
        }

        var rows = new double[epochs * HistoryColumns];
        Decode(header.Tensors[^1], data, rows);
        foreach (T value in parameters)
        {
            if (!T.IsFinite(value))
            {
                throw new InvalidDataException("The checkpoint's parameters hold a value that is not finite.");
            }
        }

        return new CheckpointValues(parameters, best, buffers, rows);
    }

    // Commits a checked checkpoint to the model, the optimiser and the trainer.
    private void Restore(CheckpointProgress progress, CheckpointValues values)
    {
        values.Parameters.CopyTo(Model.Parameters);
        values.Best.CopyTo(_best.AsSpan());
        for (int i = 0; i < values.OptimizerBuffers.Length; i++)
        {
            values.OptimizerBuffers[i].CopyTo(Optimizer.GetStateBuffer(i));
        }

        Optimizer.StepCount = progress.OptimizerSteps;
        InitialLearningRate = progress.InitialRate;
        Optimizer.LearningRate = T.CreateChecked(progress.InitialRate);
        _bestEpoch = progress.BestEpoch;
        _bestLoss = progress.BestLoss;
        RestoreHistory(values.History, progress.Epochs);
    }

    // The history from the checkpoint's rows, each epoch's Improved derived from the held-out losses before it.
    private void RestoreHistory(double[] rows, int epochs)
    {
        _history.Clear();
        double bestSoFar = double.NaN;
        for (int e = 0; e < epochs; e++)
        {
            ReadOnlySpan<double> row = rows.AsSpan(e * HistoryColumns, HistoryColumns);
            bool improved = !double.IsNaN(row[1]) && !(row[1] >= bestSoFar);
            if (improved)
            {
                bestSoFar = row[1];
            }

            AddHistory(new EpochResult(e + 1, row[0], row[1], row[2], (long)row[3], TimeSpan.FromSeconds(row[4]), improved, row[5]));
        }
    }

    // A checkpoint's progress fields, parsed and checked.
    private readonly record struct CheckpointProgress(int Epochs, int BestEpoch, long OptimizerSteps, double InitialRate, double BestLoss);

    // A checkpoint's tensors, decoded and checked, waiting to be committed.
    private readonly record struct CheckpointValues(T[] Parameters, T[] Best, T[][] OptimizerBuffers, double[] History);

    // The declaration as the model's own weight file records it.
    private Dictionary<string, string> ModelMetadata() => _modelMetadata ??= RecordedDeclaration.Read(Model);

    private static void SafeTensorsDTypeFor(out IO.SafeTensorsDType dtype)
    {
        if (typeof(T) == typeof(float))
        {
            dtype = IO.SafeTensorsDType.F32;
        }
        else if (typeof(T) == typeof(double))
        {
            dtype = IO.SafeTensorsDType.F64;
        }
        else if (typeof(T) == typeof(Half))
        {
            dtype = IO.SafeTensorsDType.F16;
        }
        else
        {
            throw new NotSupportedException($"Checkpoints hold float, double or Half values, not {typeof(T).Name}.");
        }
    }

    private static void Decode<TValue>(IO.SafeTensorInfo tensor, byte[] data, Span<TValue> destination)
        where TValue : unmanaged, IBinaryFloatingPointIeee754<TValue> =>
        IO.SafeTensorsConvert.Decode(tensor.DType, data.AsSpan((int)tensor.DataBegin, (int)tensor.ByteLength), destination);

    private static string? Get(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out string? value) ? value : null;

    private static int ParseInt(IReadOnlyDictionary<string, string> metadata, string key) =>
        int.TryParse(Get(metadata, key), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new InvalidDataException($"The checkpoint's '{key}' is missing or not a whole number.");

    private static long ParseLong(IReadOnlyDictionary<string, string> metadata, string key) =>
        long.TryParse(Get(metadata, key), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidDataException($"The checkpoint's '{key}' is missing or not a whole number.");

    private static double ParseDouble(IReadOnlyDictionary<string, string> metadata, string key) =>
        double.TryParse(Get(metadata, key), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new InvalidDataException($"The checkpoint's '{key}' is missing or not a number.");
}
