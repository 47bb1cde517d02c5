using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Runtime;

/// <summary>
/// A model's buffers for Backward over a whole padded batch in one pass, allocated at its first batched Backward: the
/// batch in PyTorch's packed-sequence order (the sequences sorted by length, longest first, their steps time-major, so
/// step t is the first <c>Sizes[t]</c> sequences, one row each), and the generated pass's workspace.
/// </summary>
/// <typeparam name="T">The model's element type.</typeparam>
/// <typeparam name="X">Its input element type (token ids or values).</typeparam>
/// <typeparam name="Y">Its target element type (class ids or values).</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PackedBatch<T, X, Y>
    where T : unmanaged
    where X : unmanaged
    where Y : unmanaged
{
    private readonly X[] _inputs;
    private readonly Y[] _targets;
    private readonly int[] _sizes;
    private readonly long[] _order;
    private readonly int[] _last;
    private readonly int _width, _perTarget;
    private readonly bool _lastStep;
    private int _sequences;

    /// <summary>
    /// Buffers for up to <paramref name="batch"/> sequences of up to <paramref name="maxSteps"/> steps, with a target row
    /// at every step or (<paramref name="lastStep"/>) one per sequence.
    /// </summary>
    public PackedBatch(int batch, int maxSteps, int width, int perTarget, bool lastStep, int workspaceLength)
    {
        _lastStep = lastStep;
        long rows = (long)batch * maxSteps;
        _inputs = new X[rows * width];
        _targets = new Y[rows * perTarget];
        _sizes = new int[maxSteps];
        _order = new long[batch];
        _last = new int[batch];
        _width = width;
        _perTarget = perTarget;
        Workspace = AlignedArray.Allocate<T>(workspaceLength);
    }

    /// <summary>The generated pass's workspace.</summary>
    public T[] Workspace { get; }

    /// <summary>The steps of the last batch packed: its longest length.</summary>
    public int Steps { get; private set; }

    /// <summary>The rows of the last batch packed: the sum of its lengths.</summary>
    public int Rows { get; private set; }

    /// <summary>The sequences at each step of the last batch packed (non-increasing).</summary>
    public ReadOnlySpan<int> Sizes => _sizes.AsSpan(0, Steps);

    /// <summary>The last batch's inputs, one row of width values per packed row.</summary>
    public ReadOnlySpan<X> Inputs => _inputs.AsSpan(0, Rows * _width);

    /// <summary>The last batch's targets: one row of perTarget values per packed row, or with one target row per sequence, per sequence in the sorted order.</summary>
    public ReadOnlySpan<Y> Targets => _targets.AsSpan(0, (_lastStep ? _sequences : Rows) * _perTarget);

    /// <summary>Each sequence's last packed row, in the sorted order.</summary>
    public ReadOnlySpan<int> Last => _last.AsSpan(0, _sequences);

    /// <summary>
    /// Packs a checked padded batch (<c>[n, steps, width]</c> inputs and <c>[n, steps, perTarget]</c> targets, or
    /// <c>[n, perTarget]</c> with one target row per sequence, and a length each): only valid positions are read.
    /// Sequences of equal length keep their order.
    /// </summary>
    public void Pack(ReadOnlySpan<X> inputs, ReadOnlySpan<Y> targets, ReadOnlySpan<int> lengths, int steps)
    {
        int n = lengths.Length;
        Span<long> order = _order.AsSpan(0, n);
        for (int m = 0; m < n; m++)
        {
            order[m] = ((long)(steps - lengths[m]) << 32) | (uint)m; // longest first, then in order
        }

        order.Sort();
        int longest = lengths[(int)order[0]], rows = 0;
        for (int t = 0, count = n; t < longest; t++)
        {
            while (lengths[(int)order[count - 1]] <= t)
            {
                count--;
            }

            _sizes[t] = count;
            for (int m = 0; m < count; m++)
            {
                int sequence = (int)order[m];
                inputs.Slice((sequence * steps + t) * _width, _width).CopyTo(_inputs.AsSpan(rows * _width));
                if (!_lastStep)
                {
                    targets.Slice((sequence * steps + t) * _perTarget, _perTarget).CopyTo(_targets.AsSpan(rows * _perTarget));
                }

                if (t == lengths[sequence] - 1)
                {
                    _last[m] = rows;
                }

                rows++;
            }
        }

        if (_lastStep)
        {
            for (int m = 0; m < n; m++)
            {
                targets.Slice((int)order[m] * _perTarget, _perTarget).CopyTo(_targets.AsSpan(m * _perTarget));
            }
        }

        Steps = longest;
        Rows = rows;
        _sequences = n;
    }
}
