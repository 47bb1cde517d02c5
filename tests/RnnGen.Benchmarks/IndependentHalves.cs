using System;
using System.Diagnostics;
using System.Threading;
using RnnGen.Training;

namespace RnnGen.Benchmarks;

/// <summary>
/// The most two cores give this machine's minibatch work at the time of measuring: the two halves of a batch run
/// on two threads at once, each on a model of its own, with nothing shared (no parameter copy, no sum of
/// gradients, no update), against the whole batch on one thread. On a virtual machine this ceiling moves from
/// minute to minute (the host decides how much of a second core the guest gets, and the two cores share the L3
/// the output layer streams through), so the table prints it next to <see cref="DataParallelStep"/>'s ratio,
/// measured in the same run, like the FLOP limit next to a step's time.
/// </summary>
internal sealed class IndependentHalves : IDisposable
{
    private readonly TrainingSequence<int, int>[] _batch;
    private readonly TutorialVanilla _left = new(), _right = new();
    private readonly ManualResetEventSlim _go = new(false, spinCount: 1);
    private readonly Thread _partner;
    private int _round, _done;
    private float _rightLoss;
    private volatile bool _stop;

    public IndependentHalves(TrainingSequence<int, int>[] batch)
    {
        _batch = batch;
        _partner = new Thread(PartnerLoop) { IsBackground = true, Name = "IndependentHalves partner" };
        _partner.Start();
    }

    /// <summary>The whole batch's backward passes on this thread, from zeroed gradients.</summary>
    public float OneCore() => Run(_left, 0, _batch.Length);

    /// <summary>The first half on this thread and the second on the partner's, at once.</summary>
    public float TwoCores()
    {
        int round = Interlocked.Increment(ref _round);
        _go.Set();
        float loss = Run(_left, 0, _batch.Length / 2);
        SpinWait spin = default;
        while (Volatile.Read(ref _done) != round)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        return loss + _rightLoss;
    }

    public void Dispose()
    {
        _stop = true;
        _go.Set();
        _partner.Join();
        _go.Dispose();
    }

    private float Run(TutorialVanilla model, int first, int end)
    {
        model.ZeroGradients();
        float loss = 0;
        for (int i = first; i < end; i++)
        {
            loss += model.Backward(_batch[i].Inputs.Span, _batch[i].Targets.Span);
        }

        return loss;
    }

    // Spins 2 ms for the next round, as DataParallel's workers do, then blocks.
    private void PartnerLoop()
    {
        int seen = 0;
        while (true)
        {
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 500;
            SpinWait spin = default;
            while (Volatile.Read(ref _round) == seen && !_stop && Stopwatch.GetTimestamp() < until)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            if (Volatile.Read(ref _round) == seen && !_stop)
            {
                _go.Wait();
            }

            _go.Reset(); // the next round's Set comes only after this round's _done
            if (_stop)
            {
                return;
            }

            seen = Volatile.Read(ref _round);
            _rightLoss = Run(_right, _batch.Length / 2, _batch.Length);
            Volatile.Write(ref _done, seen);
        }
    }
}
