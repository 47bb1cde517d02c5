using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace RnnGen.Runtime;

/// <summary>
/// Two threads running one recurrence: the calling thread computes one half of every step's hidden units and
/// a partner thread, started once, the other half; they meet after every step, because step t + 1 reads all of
/// h_t. Each half reads only its own half of W_hh, so on two cores each half stays in its own core's cache.
/// Used by generated models whose <c>Threads</c> property is 2; not meant to be called directly.
/// </summary>
/// <remarks>
/// Nothing is allocated per call: the partner waits on an event between calls (spinning briefly first) and the
/// two threads meet by spinning on two counters, one per thread, each on its own cache line. Both threads do
/// the same arithmetic on the same values as one thread would, so results do not depend on the thread count.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RecurrenceTeam : IDisposable
{
    /// <summary>The partner's side of a recurrence: runs the second half of a unit's steps.</summary>
    public abstract class Job
    {
        /// <summary>Runs part 1 of <paramref name="unit"/>'s recurrence over <paramref name="steps"/> steps, meeting <paramref name="team"/> after each.</summary>
        public abstract void Run(int unit, int steps, RecurrenceTeam team);
    }

    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Counters
    {
        // 128 bytes apart: adjacent-line prefetch would otherwise couple the two lines.
        [FieldOffset(64)] public long Caller;
        [FieldOffset(128)] public long Partner;
    }

    private const int TightPolls = 1 << 16;

    // How often an idle partner checks whether its model still exists.
    private const int OwnerCheckMilliseconds = 1000;

    private readonly Job _job;
    private readonly WeakReference<object>? _owner;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _start = new(false, spinCount: 2000);
    private Counters _counters;
    private int _unit, _steps, _running;
    private volatile bool _stopping;
    private volatile Exception? _failure;
    private long _partnerAllocated; // bytes the partner thread allocated, waits and jobs included (tests read it)
    private long _partnerJobs; // jobs the partner thread ran, the constructor's empty one included (tests read it)
    private volatile bool _partnerOutlivedOwner; // the partner ended because its owner was collected (tests read it)

    /// <summary>Starts the partner thread and runs one empty job, so that the first real call allocates nothing.</summary>
    public RecurrenceTeam(Job job)
        : this(job, null)
    {
    }

    /// <summary>
    /// As <see cref="RecurrenceTeam(Job)"/>, for a team that belongs to <paramref name="owner"/> (the model): the
    /// partner holds it only weakly and, once it has been collected, ends by itself, so a model dropped without
    /// being set back to one thread does not keep a thread forever. The job must not reference the owner.
    /// </summary>
    public RecurrenceTeam(Job job, object? owner)
    {
        ArgumentNullException.ThrowIfNull(job);
        _job = job;
        _owner = owner is null ? null : new WeakReference<object>(owner);
        // The event creates its lock object the first time a wait blocks; block once here (about a millisecond),
        // so that this allocation is not made later by the partner in the middle of some call.
        _start.Wait(1);
        _thread = new Thread(PartnerLoop) { IsBackground = true, Name = "RnnGen recurrence partner" };
        _thread.Start();
        Start(0, 0);
        Join();
    }

    /// <summary>The calling thread: hands part 1 of <paramref name="unit"/>'s recurrence to the partner.</summary>
    public void Start(int unit, int steps)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _unit = unit;
        _steps = steps;
        Volatile.Write(ref _running, 1);
        _start.Set();
    }

    /// <summary>
    /// After a step of <paramref name="part"/> (0: the caller, 1: the partner): waits until the other part has
    /// finished the same step. Throws if the partner failed, rather than waiting for it forever.
    /// </summary>
    public void Arrive(int part)
    {
        ref long mine = ref part == 0 ? ref _counters.Caller : ref _counters.Partner;
        ref long other = ref part == 0 ? ref _counters.Partner : ref _counters.Caller;
        long step = mine + 1;
        Volatile.Write(ref mine, step); // a release: this part's h values are visible before the count
        if (Volatile.Read(ref other) >= step)
        {
            return;
        }

        WaitFor(ref other, step);
    }

    // A step takes microseconds, so the other part is normally close: poll with a pause only (SpinWait's
    // growing back-off would notice its arrival late), and back off only after a long wait.
    private void WaitFor(ref long other, long step)
    {
        SpinWait spin = default;
        int polls = 0;
        while (Volatile.Read(ref other) < step)
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException("The recurrence partner thread failed.", _failure);
            }

            if (++polls < TightPolls)
            {
                if (X86Base.IsSupported) X86Base.Pause(); else Thread.SpinWait(1);
            }
            else
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    /// <summary>The calling thread: waits until the partner has finished its part.</summary>
    public void Join()
    {
        SpinWait spin = default;
        while (Volatile.Read(ref _running) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (_failure is { } failure)
        {
            throw new InvalidOperationException("The recurrence partner thread failed.", failure);
        }
    }

    /// <summary>
    /// Asks the processor to start loading the cache lines of <paramref name="count"/> elements from
    /// <paramref name="start"/>: at the start of a step, the half of h_{t-1} the other thread wrote, whose lines
    /// then arrive together instead of one by one as the product reaches them. Does nothing without SSE.
    /// </summary>
    /// <remarks>A prefetch never faults, so an address the garbage collector has since moved is harmless.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T start, int count)
        where T : unmanaged
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        byte* first = (byte*)Unsafe.AsPointer(ref start);
        int bytes = count * sizeof(T);
        for (int offset = 0; offset < bytes; offset += 64)
        {
            Sse.Prefetch0(first + offset);
        }
    }

    /// <summary>Bytes the partner thread has allocated, waiting for and running jobs; read it after <see cref="Join"/>.</summary>
    internal long PartnerAllocatedBytes => Volatile.Read(ref _partnerAllocated);

    /// <summary>Jobs the partner thread has run, the constructor's empty one included; read it after <see cref="Join"/>.</summary>
    internal long PartnerJobs => Volatile.Read(ref _partnerJobs);

    /// <summary>Whether the partner thread ended because the team's owner was collected (not through <see cref="Dispose"/>).</summary>
    internal bool PartnerOutlivedOwner => _partnerOutlivedOwner;

    /// <summary>Stops the partner thread.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _start.Set();
        _thread.Join();
        _start.Dispose();
    }

    // Not inlined, so that no reference to a live owner lingers in the partner loop's frame while it waits.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool OwnerGone() => _owner is not null && !_owner.TryGetTarget(out _);

    private void PartnerLoop()
    {
        while (true)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            while (!_start.Wait(OwnerCheckMilliseconds))
            {
                if (OwnerGone())
                {
                    _partnerOutlivedOwner = true;
                    return; // the model is gone: nobody can call Start again
                }
            }

            _start.Reset();
            if (_stopping)
            {
                return;
            }

            try
            {
                _job.Run(_unit, _steps, this);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                // Counted before the release below, so a caller past Join sees them.
                _partnerJobs++;
                _partnerAllocated += GC.GetAllocatedBytesForCurrentThread() - allocated;
                Volatile.Write(ref _running, 0);
            }
        }
    }
}
