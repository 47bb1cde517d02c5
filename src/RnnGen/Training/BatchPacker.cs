using System;
using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// Hands training sequences to a model that takes padded batches (<see cref="IBatchModel{T, TInput, TTarget}"/>, Batch
/// &gt; 1): up to Batch sequences at a time are copied into one padded batch (PyTorch's <c>batch_first</c> layout, as
/// long as the longest of them) with their lengths, and go to one batched call. The sums are the per-sequence calls'
/// sums, up to rounding. One packer per thread: it owns the buffers it packs into.
/// </summary>
internal sealed class BatchPacker<T, TInput, TTarget>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    private readonly IBatchModel<T, TInput, TTarget> _model;
    private readonly SequenceLayout _layout;
    private readonly int _perTarget; // values per target row: one class id, or Output values
    private readonly int[] _lengths;
    private TInput[] _inputs = [];
    private TTarget[] _targets = []; // the targets' rows, or Predict's

    private BatchPacker(IBatchModel<T, TInput, TTarget> model, SequenceLayout layout)
    {
        _model = model;
        _layout = layout;
        _perTarget = layout.CrossEntropy ? 1 : layout.Output;
        _lengths = new int[model.Batch];
    }

    /// <summary>The most sequences one batched call takes.</summary>
    public int Batch => _lengths.Length;

    /// <summary>
    /// A packer for <paramref name="model"/> when it takes padded batches of more than one sequence and its layout is
    /// known; otherwise null (the sequences then go one call each).
    /// </summary>
    public static BatchPacker<T, TInput, TTarget>? For(IRnnModel<T, TInput, TTarget> model, SequenceLayout layout) =>
        model is IBatchModel<T, TInput, TTarget> { Batch: > 1 } batched && layout.Known ? new(batched, layout) : null;

    /// <summary>Makes room for batches of sequences up to <paramref name="steps"/> long, so that packing them allocates nothing.</summary>
    public void Reserve(int steps)
    {
        long inputs = (long)Batch * steps * _layout.Input, targets = (long)Batch * _layout.Rows(steps) * _perTarget;
        if (_inputs.Length < inputs)
        {
            _inputs = new TInput[inputs];
        }

        if (_targets.Length < targets)
        {
            _targets = new TTarget[targets];
        }
    }

    /// <summary>Backward over <paramref name="sequences"/>, Batch at a time, adding their gradients; returns the summed loss.</summary>
    public double Backward(ReadOnlySpan<TrainingSequence<TInput, TTarget>> sequences) => Run(sequences, backward: true);

    /// <summary>The summed loss of <paramref name="sequences"/>, Batch at a time.</summary>
    public double Forward(ReadOnlySpan<TrainingSequence<TInput, TTarget>> sequences) => Run(sequences, backward: false);

    /// <summary>
    /// Predicts up to Batch sequences in one call: sequence m's predictions start at <c>m × rowsPerSequence × (1 or
    /// Output)</c> of the returned span, as many rows as it has targets.
    /// </summary>
    public ReadOnlySpan<TTarget> Predict(ReadOnlySpan<TrainingSequence<TInput, TTarget>> sequences, out int rowsPerSequence)
    {
        int steps = Pack(sequences, targets: false);
        rowsPerSequence = _layout.Rows(steps);
        Span<TTarget> predictions = _targets.AsSpan(0, sequences.Length * rowsPerSequence * _perTarget);
        _model.Predict(Inputs(sequences.Length, steps), _lengths.AsSpan(0, sequences.Length), predictions);
        return predictions;
    }

    private double Run(ReadOnlySpan<TrainingSequence<TInput, TTarget>> sequences, bool backward)
    {
        double loss = 0;
        for (int first = 0; first < sequences.Length; first += Batch)
        {
            ReadOnlySpan<TrainingSequence<TInput, TTarget>> part = sequences.Slice(first, Math.Min(Batch, sequences.Length - first));
            if (part.Length == 1)
            {
                // A batch of one is the sequence's own call, without the packing.
                TrainingSequence<TInput, TTarget> only = part[0];
                loss += double.CreateChecked(backward ? _model.Backward(only.Inputs.Span, only.Targets.Span) : _model.Forward(only.Inputs.Span, only.Targets.Span));
                continue;
            }

            int steps = Pack(part, targets: true);
            ReadOnlySpan<TInput> inputs = Inputs(part.Length, steps);
            ReadOnlySpan<TTarget> targets = _targets.AsSpan(0, part.Length * _layout.Rows(steps) * _perTarget);
            ReadOnlySpan<int> lengths = _lengths.AsSpan(0, part.Length);
            loss += double.CreateChecked(backward ? _model.Backward(inputs, targets, lengths) : _model.Forward(inputs, targets, lengths));
        }

        return loss;
    }

    private ReadOnlySpan<TInput> Inputs(int n, int steps) => _inputs.AsSpan(0, n * steps * _layout.Input);

    // Copies each sequence into its row of a batch as long as the longest (positions past a length keep whatever they
    // held: the model never reads them); returns that length.
    private int Pack(ReadOnlySpan<TrainingSequence<TInput, TTarget>> part, bool targets)
    {
        int steps = 0;
        for (int m = 0; m < part.Length; m++)
        {
            _lengths[m] = _layout.Steps(part[m]);
            steps = Math.Max(steps, _lengths[m]);
        }

        Reserve(steps);
        int rows = _layout.Rows(steps);
        for (int m = 0; m < part.Length; m++)
        {
            part[m].Inputs.Span.CopyTo(_inputs.AsSpan(m * steps * _layout.Input));
            if (targets)
            {
                part[m].Targets.Span.CopyTo(_targets.AsSpan(m * rows * _perTarget));
            }
        }

        return steps;
    }
}
