using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;

// The alternatives to RnnGen.Runtime.CallGuard that tools/bench/guard.sh times against it, with the same shape
// (Enter returns a scope the using disposes), so that a variant differs from the generated model in one type name.

/// <summary>A locked compare-exchange on entry: also catches two calls that start at the same instant.</summary>
public struct AtomicGuard
{
    private int _busy;

    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope Enter(object model, [CallerMemberName] string member = "")
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            Busy(model, member);
        }

        return new Scope(ref _busy);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Busy(object model, string member) => throw new InvalidOperationException($"{model.GetType().Name}.{member}: busy");

    public readonly ref struct Scope
    {
        private readonly ref int _busy;

        internal Scope(ref int busy) => _busy = ref busy;

        public void Dispose() => Volatile.Write(ref _busy, 0);
    }
}

/// <summary>The owning thread's id instead of a flag: a call from inside a call on the same thread passes.</summary>
public struct OwnerGuard
{
    private int _owner;

    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope Enter(object model, [CallerMemberName] string member = "")
    {
        int me = Environment.CurrentManagedThreadId, owner = Volatile.Read(ref _owner);
        if (owner != 0)
        {
            if (owner != me)
            {
                Busy(model, member);
            }

            return new Scope(ref Unsafe.NullRef<int>());
        }

        Volatile.Write(ref _owner, me);
        return new Scope(ref _owner);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Busy(object model, string member) => throw new InvalidOperationException($"{model.GetType().Name}.{member}: busy");

    public readonly ref struct Scope
    {
        private readonly ref int _owner;

        internal Scope(ref int owner) => _owner = ref owner;

        public void Dispose()
        {
            if (!Unsafe.IsNullRef(ref _owner))
            {
                Volatile.Write(ref _owner, 0);
            }
        }
    }
}
