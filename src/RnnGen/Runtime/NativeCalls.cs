using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using System.Threading;

namespace RnnGen.Runtime;

/// <summary>
/// What the C entry points of a model declared with <c>NativeExports</c> share: handles, argument checks, status codes
/// and the calling thread's last error message. The generated entry points (<c>[UnmanagedCallersOnly]</c>) are thin:
/// each runs its work inside <c>try</c> and turns any exception into a status code through <see cref="Fail"/>, because an
/// exception that reached the host would end its process. The header that declares them is <c>rnngen.h</c>.
/// </summary>
/// <remarks>
/// A handle (<c>rnngen_model*</c> in C) is a number, never an address: a slot in a table and a generation, so a handle
/// that was destroyed, one from another library, or any other stray value is reported as an invalid argument instead of
/// being dereferenced. Creating and destroying take a lock; finding a model (every step) does not.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class NativeCalls
{
    /// <summary><c>RNNGEN_OK</c>: the call did what it says.</summary>
    public const int Ok = 0;

    /// <summary><c>RNNGEN_INVALID_ARGUMENT</c>: a null pointer, an unknown handle, a length or a token id that does not fit the model.</summary>
    public const int InvalidArgument = 1;

    /// <summary><c>RNNGEN_INVALID_WEIGHTS</c>: the weights are not a safetensors file this model can load; the model is unchanged.</summary>
    public const int InvalidWeights = 2;

    /// <summary><c>RNNGEN_IO_ERROR</c>: the weight file could not be opened or read.</summary>
    public const int IOError = 3;

    /// <summary><c>RNNGEN_OUT_OF_MEMORY</c>: a model could not be allocated.</summary>
    public const int OutOfMemory = 4;

    /// <summary><c>RNNGEN_INTERNAL_ERROR</c>: anything else; the message says what.</summary>
    public const int InternalError = 5;

    /// <summary>
    /// <c>RNNGEN_BUSY</c>: the model was in another call, made on another thread; this call changed nothing. A model runs
    /// one call at a time: use one per thread, or serialise the calls.
    /// </summary>
    public const int Busy = 6;

    // Slot i holds a model's instance and the generation its handle carries. Handles are (generation << SlotBits) | (i + 1),
    // so 0 (NULL) is never one; the generation changes when a slot is freed, so a destroyed handle stops resolving.
    private const int SlotBits = 20;
    private const nuint SlotMask = (1u << SlotBits) - 1;

    private sealed class Slot(object instance, nuint generation)
    {
        public readonly object Instance = instance;
        public readonly nuint Generation = generation;
    }

    private static readonly Lock s_lock = new();
    private static Slot?[] s_slots = new Slot?[16];
    private static nuint[] s_generations = new nuint[16];

    [ThreadStatic]
    private static string? t_lastError;

    /// <summary>Registers a new model instance and writes its handle to <paramref name="handle"/> (a <c>rnngen_model**</c>).</summary>
    public static int Create(nint handle, object instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (handle == 0)
        {
            throw new ArgumentNullException(nameof(handle), "model is NULL: pass the address of a rnngen_model* that receives the new model.");
        }

        lock (s_lock)
        {
            int free = Array.IndexOf(s_slots, null);
            if (free < 0)
            {
                free = s_slots.Length;
                if ((nuint)free >= SlotMask)
                {
                    throw new OutOfMemoryException($"{SlotMask} models are alive; destroy some before creating more.");
                }

                Array.Resize(ref s_generations, free * 2);
                Slot?[] grown = new Slot?[free * 2];
                Array.Copy(s_slots, grown, free);
                Volatile.Write(ref s_slots, grown); // readers see the old table or the whole new one
            }

            nuint generation = s_generations[free] = (s_generations[free] + 1) & (nuint.MaxValue >> SlotBits);
            Volatile.Write(ref s_slots[free], new Slot(instance, generation));
            *(nuint*)handle = (generation << SlotBits) | (nuint)(free + 1);
        }

        return Ok;
    }

    /// <summary>The instance behind <paramref name="handle"/>; an <see cref="ArgumentException"/> when there is none of this type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TInstance Get<TInstance>(nint handle)
        where TInstance : class
    {
        Slot?[] slots = Volatile.Read(ref s_slots);
        nuint index = ((nuint)handle & SlotMask) - 1;
        if (index < (nuint)slots.Length && slots[index] is { } slot && slot.Generation == (nuint)handle >> SlotBits && slot.Instance is TInstance instance)
        {
            return instance;
        }

        return ThrowUnknown<TInstance>(handle);
    }

    [MethodImpl(MethodImplOptions.NoInlining), DoesNotReturn]
    private static TInstance ThrowUnknown<TInstance>(nint handle) => throw new ArgumentException(handle == 0
        ? "model is NULL."
        : $"model (0x{handle:x}) is not a live model of this kind: it was destroyed, or it came from another model's create function, or it is not a handle at all.", "model");

    /// <summary>Frees the handle's slot; a null handle is ignored, as <c>free(NULL)</c> is.</summary>
    public static int Destroy<TInstance>(nint handle)
        where TInstance : class
    {
        if (handle == 0)
        {
            return Ok;
        }

        lock (s_lock)
        {
            _ = Get<TInstance>(handle);
            s_slots[((nuint)handle & SlotMask) - 1] = null;
        }

        return Ok;
    }

    /// <summary>The UTF-8 path at <paramref name="path"/>, opened for reading.</summary>
    public static FileStream OpenFile(nint path)
    {
        if (path == 0)
        {
            throw new ArgumentNullException(nameof(path), "path is NULL.");
        }

        string? name = Marshal.PtrToStringUTF8(path);
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("path is empty.", nameof(path));
        }

        return new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    /// <summary>A read-only stream over the host's <paramref name="length"/> bytes at <paramref name="data"/>.</summary>
    public static UnmanagedMemoryStream OpenBuffer(nint data, nuint length)
    {
        if (data == 0)
        {
            throw new ArgumentNullException(nameof(data), $"data is NULL{(length == 0 ? "" : $" but length is {length}")}.");
        }

        return new UnmanagedMemoryStream((byte*)data, checked((long)length));
    }

    /// <summary>The host's <paramref name="length"/> values at <paramref name="pointer"/>, which <paramref name="name"/> names in messages.</summary>
    public static ReadOnlySpan<T> Input<T>(nint pointer, nuint length, string name) => Values<T>(pointer, length, name);

    /// <summary>The host's buffer of <paramref name="length"/> values at <paramref name="pointer"/>, to write.</summary>
    public static Span<T> Output<T>(nint pointer, nuint length, string name) => Values<T>(pointer, length, name);

    private static Span<T> Values<T>(nint pointer, nuint length, string name)
    {
        if (pointer == 0 && length != 0 || length > int.MaxValue)
        {
            ThrowValues(pointer, length, name); // NULL with length 0 is an empty buffer
        }

        return new Span<T>((void*)pointer, (int)length);
    }

    [MethodImpl(MethodImplOptions.NoInlining), DoesNotReturn]
    private static void ThrowValues(nint pointer, nuint length, string name) => throw (pointer == 0
        ? new ArgumentNullException(name, $"{name} is NULL.")
        : new ArgumentOutOfRangeException(name, $"{name}_length is {length}, more than a call takes ({int.MaxValue})."));

    /// <summary>The one token id a step of a token model reads: <paramref name="length"/> must be 1.</summary>
    public static int Token(nint pointer, nuint length)
    {
        if (length != 1)
        {
            throw new ArgumentException($"input_length is {length}, but a step of this model reads one token id.", "input_length");
        }

        return Input<int>(pointer, length, "input")[0];
    }

    /// <summary>
    /// The steps a block call runs: <paramref name="inputLength"/> must be whole steps of <paramref name="inputWidth"/>
    /// values and <paramref name="outputLength"/> must have room for <paramref name="outputWidth"/> values per step.
    /// </summary>
    public static int Steps(int inputLength, int inputWidth, int outputLength, int outputWidth)
    {
        if (inputLength % inputWidth != 0)
        {
            throw new ArgumentException($"input_length is {inputLength}, not a whole number of steps of {inputWidth} values.", "input_length");
        }

        int steps = inputLength / inputWidth;
        if (outputLength / outputWidth < steps)
        {
            throw new ArgumentException($"output_length is {outputLength}, but {steps} steps write {(long)steps * outputWidth} values ({outputWidth} per step).", "output_length");
        }

        return steps;
    }

    /// <summary>
    /// Records <paramref name="exception"/> as the calling thread's last error, prefixed by the entry point's name, and
    /// returns its status code. Never throws: it runs in the entry points' catch blocks.
    /// </summary>
    public static int Fail(Exception exception, string function)
    {
        int status = exception switch
        {
            ArgumentException => InvalidArgument,
            InvalidDataException or EndOfStreamException => InvalidWeights,
            IOException or UnauthorizedAccessException or NotSupportedException => IOError,
            OutOfMemoryException or InsufficientExecutionStackException => OutOfMemory,
            InvalidOperationException => Busy, // the model's call guard: another thread is in a call on it
            _ => InternalError,
        };
        try
        {
            t_lastError = function + ": " + exception.Message;
        }
        catch (OutOfMemoryException)
        {
            t_lastError = null;
        }

        return status;
    }

    /// <summary>
    /// Copies the calling thread's last error message, UTF-8 and NUL-terminated, into <paramref name="buffer"/>
    /// (cut to fit <paramref name="capacity"/> bytes) and returns its whole length in bytes without the NUL, as
    /// <c>snprintf</c> does: 0 when no call on this thread has failed. A null buffer with capacity 0 asks for the length.
    /// </summary>
    public static nuint LastError(nint buffer, nuint capacity)
    {
        try
        {
            string message = t_lastError ?? "";
            int length = Encoding.UTF8.GetByteCount(message);
            if (buffer != 0 && capacity > 0)
            {
                // Utf8.FromUtf16 writes whole characters only, so a cut message is still valid UTF-8.
                var destination = new Span<byte>((void*)buffer, (int)Math.Min(capacity - 1, (nuint)length));
                Utf8.FromUtf16(message, destination, out _, out int written);
                ((byte*)buffer)[written] = 0;
            }

            return (nuint)length;
        }
        catch (Exception)
        {
            return 0;
        }
    }
}
