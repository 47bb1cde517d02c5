using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using RnnGen.Tests.RealTime;

namespace RnnGen.Tests.Native;

[RnnModel(Hidden = 12, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Layers = 2, MaxSteps = 8, NativeExports = "test_lstm")]
internal partial class NativeLstm { }

[RnnModel(Hidden = 10, Vocab = 7, Cell = CellType.Gru, MaxSteps = 8, Precision = Precision.Double, NativeExports = "test_gru")]
public partial class NativeGru { }

/// <summary>
/// The C entry points NativeExports generates, called in this process through the function pointers a C host gets
/// (an [UnmanagedCallersOnly] method's pointer is the native-callable stub): the same numbers as the managed Step,
/// status codes and messages for every bad call, and no allocation in the streaming calls. CI also publishes the
/// streaming sample's model as a NativeAOT library and runs a C host against it (samples/Streaming/Native).
/// </summary>
public sealed unsafe class NativeExportsTests
{
    private const int Ok = 0, InvalidArgument = 1, InvalidWeights = 2, IOError = 3;

    /// <summary>One model's entry points, as C sees them.</summary>
    private sealed class Api(Type model)
    {
        private readonly Type _exports = model.Assembly.GetTypes().Single(t => t.Name.EndsWith("__" + model.Name + "NativeExports", StringComparison.Ordinal));

        // Looked up once each: reflection's caches are rebuilt after a collection, and an allocation measured around the
        // calls (StreamingEntryPointsAllocateNothingAndTakeNoLock) must be the entry points', not the lookup's.
        private readonly Dictionary<string, nint> _entries = new(StringComparer.Ordinal);

        public nint this[string name] => _entries.TryGetValue(name, out nint entry)
            ? entry
            : _entries[name] = _exports.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MethodHandle.GetFunctionPointer();

        public MethodInfo Method(string name) => _exports.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

        public nint Create()
        {
            nint handle;
            Assert.Equal(Ok, ((delegate* unmanaged<nint*, int>)this["Create"])(&handle));
            Assert.NotEqual(0, handle);
            return handle;
        }

        public int LoadBuffer(nint model, byte[] data)
        {
            fixed (byte* p = data) return ((delegate* unmanaged<nint, byte*, nuint, int>)this["LoadBuffer"])(model, p, (nuint)data.Length);
        }

        public int LoadFile(nint model, string? path)
        {
            if (path is null) return ((delegate* unmanaged<nint, byte*, int>)this["LoadFile"])(model, null);
            fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0")) return ((delegate* unmanaged<nint, byte*, int>)this["LoadFile"])(model, p);
        }

        public int Reset(nint model) => ((delegate* unmanaged<nint, int>)this["Reset"])(model);

        public int Destroy(nint model) => ((delegate* unmanaged<nint, int>)this["Destroy"])(model);

        public int Width(string name) => ((delegate* unmanaged<int>)this[name])();

        /// <summary>Step or Process over the given buffers (null: a NULL pointer with the given length).</summary>
        public int Run<TIn, TOut>(string entry, nint model, TIn[]? input, nuint inputLength, TOut[]? output, nuint outputLength)
            where TIn : unmanaged
            where TOut : unmanaged
        {
            fixed (TIn* x = input)
            fixed (TOut* y = output)
            {
                return ((delegate* unmanaged<nint, TIn*, nuint, TOut*, nuint, int>)this[entry])(model, x, inputLength, y, outputLength);
            }
        }

        public string LastError()
        {
            var fn = (delegate* unmanaged<byte*, nuint, nuint>)this["LastError"];
            int length = (int)fn(null, 0);
            var buffer = new byte[length + 1];
            fixed (byte* p = buffer) Assert.Equal((nuint)length, fn(p, (nuint)buffer.Length));
            Assert.Equal(0, buffer[length]);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    private static byte[] Weights(Action<Stream> save)
    {
        var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void DenseStepsAndBlocksGiveTheManagedStepsNumbers()
    {
        var reference = new NativeLstm();
        reference.Initialize(3);
        var api = new Api(typeof(NativeLstm));
        nint model = api.Create();
        Assert.Equal(Ok, api.LoadBuffer(model, Weights(reference.SaveWeights)));
        Assert.Equal(NativeLstm.Input, api.Width("InputWidth"));
        Assert.Equal(NativeLstm.Output, api.Width("OutputWidth"));

        const int Steps = 40;
        var random = new RnnRandom(5);
        var x = new float[Steps * NativeLstm.Input];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble(-1, 1);
        var expected = new float[Steps * NativeLstm.Output];
        var state = default(NativeLstm.State);
        for (int t = 0; t < Steps; t++) reference.Step(ref state, x.AsSpan(t * NativeLstm.Input, NativeLstm.Input), expected.AsSpan(t * NativeLstm.Output, NativeLstm.Output));

        // One step at a time, then the same stream again in uneven blocks after a reset: the same numbers, bit for bit.
        var stepped = new float[expected.Length];
        for (int t = 0; t < Steps; t++)
        {
            float[] one = x[(t * NativeLstm.Input)..((t + 1) * NativeLstm.Input)], y = new float[NativeLstm.Output];
            Assert.Equal(Ok, api.Run("Step", model, one, (nuint)one.Length, y, (nuint)y.Length));
            y.CopyTo(stepped, t * NativeLstm.Output);
        }

        Assert.Equal(expected, stepped);
        Assert.Equal(Ok, api.Reset(model));
        var blocked = new float[expected.Length];
        for (int at = 0; at < Steps;)
        {
            int n = Math.Min(at % 7 + 1, Steps - at);
            float[] xs = x[(at * NativeLstm.Input)..((at + n) * NativeLstm.Input)], ys = new float[n * NativeLstm.Output];
            Assert.Equal(Ok, api.Run("Process", model, xs, (nuint)xs.Length, ys, (nuint)ys.Length));
            ys.CopyTo(blocked, at * NativeLstm.Output);
            at += n;
        }

        Assert.Equal(expected, blocked);
        Assert.Equal(Ok, api.Destroy(model));
    }

    [Fact]
    public void TokenModelInDoublePrecisionLoadsAFileAndStreams()
    {
        var reference = new NativeGru();
        reference.Initialize(9);
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-native-{Guid.NewGuid():N} é.safetensors");
        try
        {
            File.WriteAllBytes(path, Weights(reference.SaveWeights));
            var api = new Api(typeof(NativeGru));
            nint model = api.Create();
            Assert.Equal(Ok, api.LoadFile(model, path));
            Assert.Equal(1, api.Width("InputWidth"));

            int[] tokens = [3, 0, 6, 6, 1, 2, 5, 4, 0];
            var expected = new double[tokens.Length * NativeGru.Output];
            var state = default(NativeGru.State);
            for (int t = 0; t < tokens.Length; t++) reference.Step(ref state, tokens[t], expected.AsSpan(t * NativeGru.Output, NativeGru.Output));

            var actual = new double[expected.Length];
            Assert.Equal(Ok, api.Run("Process", model, tokens[..4], 4, actual, (nuint)actual.Length));
            for (int t = 4; t < tokens.Length; t++)
            {
                var y = new double[NativeGru.Output + 3]; // a longer buffer keeps the rest
                y[^1] = 42;
                Assert.Equal(Ok, api.Run("Step", model, new[] { tokens[t] }, 1, y, (nuint)y.Length));
                Assert.Equal(42, y[^1]);
                y.AsSpan(0, NativeGru.Output).CopyTo(actual.AsSpan(t * NativeGru.Output));
            }

            Assert.Equal(expected, actual);
            Assert.Equal(Ok, api.Destroy(model));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadCallsReturnStatusCodesWithMessagesAndChangeNothing()
    {
        var reference = new NativeGru();
        reference.Initialize(2);
        byte[] weights = Weights(reference.SaveWeights);
        var api = new Api(typeof(NativeGru));
        nint model = api.Create();
        Assert.Equal(Ok, api.LoadBuffer(model, weights));
        var before = new double[NativeGru.Output];
        Assert.Equal(Ok, api.Run("Step", model, new[] { 1 }, 1, before, (nuint)before.Length));
        Assert.Equal(Ok, api.Reset(model));

        void Fails(int status, Func<int> call, string message)
        {
            Assert.Equal(status, call());
            string error = api.LastError();
            Assert.Contains(message, error);
        }

        var y = new double[NativeGru.Output];
        Fails(InvalidArgument, () => ((delegate* unmanaged<nint*, int>)api["Create"])(null), "test_gru_create: model is NULL");
        Fails(InvalidArgument, () => api.Run("Step", 0, new[] { 1 }, 1, y, (nuint)y.Length), "test_gru_step: model is NULL");
        Fails(InvalidArgument, () => api.Run("Step", model, new[] { 1, 2 }, 2, y, (nuint)y.Length), "input_length is 2, but a step of this model reads one token id");
        Fails(InvalidArgument, () => api.Run("Step", model, new[] { 7 }, 1, y, (nuint)y.Length), "test_gru_step:");
        Fails(InvalidArgument, () => api.Run("Step", model, new[] { 1 }, 1, y, 3), "test_gru_step:");
        Fails(InvalidArgument, () => api.Run<int, double>("Step", model, new[] { 1 }, 1, null, 7), "output is NULL");
        Fails(InvalidArgument, () => api.Run<int, double>("Process", model, null, 3, y, (nuint)y.Length), "input is NULL");
        Fails(InvalidArgument, () => api.Run("Process", model, new[] { 1, 2 }, 2, y, (nuint)y.Length), "output_length is 7, but 2 steps write 14 values");
        // A bad token late in a block is found before the first step runs.
        Fails(InvalidArgument, () => api.Run("Process", model, new[] { 1, 2, 9 }, 3, new double[21], 21), "test_gru_process:");
        Fails(InvalidWeights, () => api.LoadBuffer(model, weights[..(weights.Length / 2)]), "test_gru_load_buffer:");
        Fails(InvalidWeights, () => api.LoadBuffer(model, Weights(new NativeLstm().SaveWeights)), "test_gru_load_buffer:");
        Fails(InvalidArgument, () => ((delegate* unmanaged<nint, byte*, nuint, int>)api["LoadBuffer"])(model, null, 10), "data is NULL but length is 10");
        Fails(InvalidArgument, () => api.LoadFile(model, null), "path is NULL");
        Fails(IOError, () => api.LoadFile(model, "/no/such/dir/weights.safetensors"), "/no/such/dir/weights.safetensors");

        // Handles: another model's, a destroyed one, a made-up one; none is dereferenced.
        var lstm = new Api(typeof(NativeLstm));
        nint other = lstm.Create();
        Fails(InvalidArgument, () => api.Run("Step", other, new[] { 1 }, 1, y, (nuint)y.Length), "is not a live model of this kind");
        Assert.Equal(Ok, lstm.Destroy(other));
        Fails(InvalidArgument, () => lstm.Reset(other), "test_lstm_reset: model");
        Fails(InvalidArgument, () => lstm.Destroy(other), "test_lstm_destroy: model");
        Fails(InvalidArgument, () => api.Reset(unchecked((nint)0xdead_beef_0000_0001)), "not a live model");
        Assert.Equal(Ok, api.Destroy(0));

        // After all that, the model still holds its weights and the zero state.
        var after = new double[NativeGru.Output];
        Assert.Equal(Ok, api.Run("Step", model, new[] { 1 }, 1, after, (nuint)after.Length));
        Assert.Equal(before, after);
        Assert.Equal(Ok, api.Destroy(model));
    }

    [Fact]
    public void LastErrorIsCutToTheBufferWithoutSplittingACharacter()
    {
        var api = new Api(typeof(NativeGru));
        Assert.Equal(IOError, api.LoadFile(api.Create(), "/missing/ééé.safetensors"));
        string message = api.LastError();
        int length = Encoding.UTF8.GetByteCount(message);
        var fn = (delegate* unmanaged<byte*, nuint, nuint>)api["LastError"];
        int cut = Encoding.UTF8.GetByteCount(message[..message.IndexOf('é')]) + 2; // room for the text before 'é' and half of it
        var buffer = new byte[cut];
        fixed (byte* p = buffer) Assert.Equal((nuint)length, fn(p, (nuint)cut));
        int end = Array.IndexOf(buffer, (byte)0);
        Assert.Equal(message[..message.IndexOf('é')], Encoding.UTF8.GetString(buffer, 0, end));
    }

    [Fact]
    public void StreamingEntryPointsAllocateNothingAndTakeNoLock()
    {
        var api = new Api(typeof(NativeLstm));
        nint model = api.Create();
        float[] x = new float[4 * NativeLstm.Input], y = new float[4 * NativeLstm.Output];
        for (int i = 0; i < 100; i++) api.Run("Process", model, x, (nuint)x.Length, y, (nuint)y.Length);

        // The least of three rounds, as AllocationTests measures: a one-time allocation of the runtime's on this thread
        // (seen once with the whole suite running) shows in one round, one of the calls' own in all three.
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                api.Run("Step", model, x, NativeLstm.Input, y, NativeLstm.Output);
                api.Run("Process", model, x, (nuint)x.Length, y, (nuint)y.Length);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
        api.Destroy(model);

        foreach (string entry in new[] { "Step", "Process" })
        {
            var (followed, outside) = StepCallGraph.Walk(api.Method(entry), typeof(NativeLstm).Assembly, typeof(RnnModelAttribute).Assembly);
            string[] locks = outside.Concat(followed)
                .Where(m => m.DeclaringType?.Namespace?.StartsWith("System.Threading", StringComparison.Ordinal) == true && m.DeclaringType != typeof(System.Threading.Volatile))
                .Select(m => $"{m.DeclaringType}.{m.Name}").Distinct().ToArray();
            Assert.True(locks.Length == 0, $"test_lstm_{entry.ToLowerInvariant()} reaches {string.Join(", ", locks)}");
            Assert.DoesNotContain(followed.Concat(outside), StepCallGraph.IsPlatformInvoke);
        }
    }
}
