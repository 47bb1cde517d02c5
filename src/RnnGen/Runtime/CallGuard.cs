using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RnnGen.Runtime;

/// <summary>
/// One call at a time on a model instance. A generated model keeps its workspace, gradients and dropout source in the
/// instance, so two calls running on it at once overwrite each other's intermediate values and return wrong numbers
/// without any error. Every public member of a generated model that reads or writes them opens its body with
/// <c>using var call = _calls.Enter(this);</c>: a second call that arrives while one is running throws
/// <see cref="InvalidOperationException"/> instead, before it touches anything, and the running call is unharmed.
/// </summary>
/// <remarks>
/// <para>
/// The flag is a plain bool, read and written with ordinary loads and stores: no atomic compare-exchange, and no
/// <c>Volatile</c> (the real-time tests refuse anything from System.Threading in Step's call graph; the JIT keeps the
/// stores anyway, as the body calls code that could read the flag). Two calls that start within the same few
/// instructions can both pass; any longer overlap is caught, and a program that calls one instance from two threads
/// overlaps within its first few calls. On the single-stream <c>Step</c> of an LSTM 16→16 (about 107 ns) the flag
/// costs nothing measurable (+0.2 %, inside the ±3 % two identical copies of the class differ by), a locked
/// compare-exchange about 2 % and the owning thread's id about 4 % (docs/performance.md, "The call guard"), so the
/// exact tie is left uncaught.
/// </para>
/// <para>
/// The flag does not record which thread set it, so a call made from inside a call on the same instance (a
/// <see cref="System.IO.Stream"/> passed to <c>LoadWeights</c> that calls the model, say) throws as well. Generated
/// members never call another guarded member of their own instance: an overload that forwards to another
/// (<c>LoadWeights(Stream)</c>) is not guarded itself.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct CallGuard
{
    private bool _busy;

    /// <summary>
    /// Starts a call: marks the instance busy and returns the scope whose <see cref="Scope.Dispose"/> ends it, or throws
    /// when a call is already running on the instance.
    /// </summary>
    /// <param name="model">The model the guard belongs to; named in the message.</param>
    /// <param name="member">The member being called; the compiler fills it in.</param>
    /// <exception cref="InvalidOperationException">Another call on the same instance has not returned yet; nothing changes.</exception>
    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope Enter(object model, [CallerMemberName] string member = "")
    {
        if (_busy)
        {
            ThrowBusy(model, member);
        }

        _busy = true;
        return new Scope(ref _busy);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBusy(object model, string member)
    {
        string name = model.GetType().Name;
        throw new InvalidOperationException(
            $"{name}.{member} was called while another call on the same {name} instance was still running, most likely on another thread. "
            + "A model instance runs one call at a time: its workspace and state buffers are its own, and two calls at once would "
            + "overwrite each other's values. To serve several callers at once, either declare the model with Batch = B and advance "
            + "up to B streams in one Step(Span<State> states, inputs, outputs) call, or give each thread its own instance that shares "
            + "one copy of the parameters through IRnnModel<T, TInput, TTarget>.ShareParameters(source). "
            + "This call changed nothing; the running call is unaffected.");
    }

    /// <summary>A running call: <see cref="Dispose"/> (at the end of the <c>using</c>) marks the instance free again.</summary>
    public readonly ref struct Scope
    {
        private readonly ref bool _busy;

        internal Scope(ref bool busy) => _busy = ref busy;

        /// <summary>Ends the call, also when it throws.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _busy = false;
    }
}
