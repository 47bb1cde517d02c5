using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using RnnGen.Tests.Models;
using Xunit.Abstractions;

namespace RnnGen.Tests.IO;

/// <summary>
/// LoadWeights over mutated valid files, from a fixed seed: bit flips, truncation, trailing bytes, a
/// wrong header length, header edits (numbers, dtypes, shapes, offsets swapped, out of range or
/// overlapping, keys dropped or repeated), NaN and infinities in the data. For every file: the load
/// either succeeds or throws <see cref="InvalidDataException"/>, nothing else; a failed load leaves
/// the parameters and gradients bit for bit as they were; and the bytes allocated stay bounded by the
/// file's real length and the model's size, never by a size the file merely claims.
/// </summary>
public partial class WeightLoadFuzzTests
{
    public const int CasesPerModel = 4000;
    private const int Seed = 7_2026;

    private readonly ITestOutputHelper _output;

    public WeightLoadFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void MutatedFilesThrowOnlyInvalidDataAndChangeNothing()
    {
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        int loaded = 0, rejected = 0, cases = 0;

        // A float model with one layer, and a double LSTM with two projected layers (more tensors, F64 on disk).
        var small = new SmallModel();
        Run("SmallModel", new Target(
            small.SaveWeights, small.LoadWeights, small.Initialize, small.ZeroGradients,
            () => MemoryMarshal.AsBytes(small.Parameters).ToArray(), () => MemoryMarshal.AsBytes(small.Gradients).ToArray(),
            i => small.Gradients[i % small.Gradients.Length] = 1, () => !small.Parameters.ToArray().Any(v => !float.IsFinite(v)),
            small.Parameters.Length * sizeof(float)));
        var lstm = new DroppedLstm();
        Run("DroppedLstm", new Target(
            lstm.SaveWeights, lstm.LoadWeights, lstm.Initialize, lstm.ZeroGradients,
            () => MemoryMarshal.AsBytes(lstm.Parameters).ToArray(), () => MemoryMarshal.AsBytes(lstm.Gradients).ToArray(),
            i => lstm.Gradients[i % lstm.Gradients.Length] = 1, () => !lstm.Parameters.ToArray().Any(v => !double.IsFinite(v)),
            lstm.Parameters.Length * sizeof(double)));

        string summary = $"LoadWeights fuzz: {cases} mutated files tried (seed {Seed}), {rejected} rejected with InvalidDataException, {loaded} loaded; " +
            $"mutations: {string.Join(", ", totals.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} x{p.Value}"))}; crashes: {failures.Count}";
        _output.WriteLine(summary);
        FuzzSummary.Write("runtime", summary);
        Assert.True(failures.Count == 0, $"{failures.Count} failures; first ones:\n" + string.Join("\n", failures.Take(10)));
        Assert.True(rejected > cases / 2, $"only {rejected} of {cases} mutated files were rejected: the mutations are too gentle");
        Assert.True(loaded > 0, "no mutated file loaded: the fuzz never reaches the data path");

        void Run(string name, Target model)
        {
            model.Initialize(123);
            var stream = new MemoryStream();
            model.Save(stream);
            byte[] valid = stream.ToArray();

            model.Initialize(5);
            var random = new Random(Seed);
            for (int i = 0; i < CasesPerModel; i++)
            {
                (byte[] file, string mutation) = Mutate(valid, random);
                bool allowNonFinite = random.Next(4) == 0;
                totals[mutation] = totals.TryGetValue(mutation, out int n) ? n + 1 : 1;
                cases++;

                // Something to protect in the gradients too.
                model.ZeroGradients();
                model.TouchGradient(random.Next(int.MaxValue));
                byte[] parameters = model.ParameterBytes(), gradients = model.GradientBytes();

                var input = new MemoryStream(file, writable: false);
                var options = new WeightLoadOptions { AllowNonFinite = allowNonFinite };
                long before = GC.GetAllocatedBytesForCurrentThread();
                Exception? error = null;
                try
                {
                    model.Load(input, options);
                }
                catch (Exception e)
                {
                    error = e;
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                // The header buffer grows only with bytes actually read, staging is one copy of the parameters,
                // and exception messages are short: a claimed size of gigabytes must not show up here.
                long bound = (1 << 20) + 4L * file.Length + 4L * model.ParameterByteCount;
                string what = $"{name} case {i} ({mutation}, {file.Length} bytes)";
                if (allocated > bound)
                {
                    failures.Add($"{what}: allocated {allocated} bytes, over the bound {bound}");
                }

                switch (error)
                {
                    case null:
                        loaded++;
                        if (!allowNonFinite && !model.AllFinite())
                        {
                            failures.Add($"{what}: loaded a non-finite value without AllowNonFinite");
                        }

                        model.Initialize(5); // back to the reference weights for the next case
                        break;
                    case InvalidDataException e:
                        rejected++;
                        if (string.IsNullOrWhiteSpace(e.Message))
                        {
                            failures.Add($"{what}: InvalidDataException without a message");
                        }

                        if (!parameters.AsSpan().SequenceEqual(model.ParameterBytes()) || !gradients.AsSpan().SequenceEqual(model.GradientBytes()))
                        {
                            failures.Add($"{what}: the model changed although loading failed ({e.Message})");
                            model.Initialize(5);
                        }

                        break;
                    default:
                        failures.Add($"{what}: {error.GetType().Name}: {error.Message}");
                        model.Initialize(5);
                        break;
                }
            }
        }
    }

    /// <summary>A deliberately hostile header: tensors whose shapes and offsets claim terabytes.</summary>
    [Theory]
    [InlineData("""{"rnn.weight_ih_l0":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""")]
    [InlineData("""{"rnn.weight_ih_l0":{"dtype":"F32","shape":[64,10],"data_offsets":[0,9223372036854775807]}}""")]
    [InlineData("""{"rnn.weight_ih_l0":{"dtype":"F32","shape":[9223372036854775807],"data_offsets":[0,2560]}}""")]
    [InlineData("""{"__metadata__":{"k":"v"},"rnn.weight_ih_l0":{"dtype":"F64","shape":[64,10],"data_offsets":[0,5120]}}""")]
    public void ClaimedSizesAllocateNothingAndAreRejected(string json)
    {
        var model = new SmallModel();
        float[] parameters = model.Parameters.ToArray();
        byte[] file = SafeTensorsFiles.File(json, new byte[16]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => model.LoadWeights(new MemoryStream(file)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.True(parameters.AsSpan().SequenceEqual(model.Parameters));
    }

    [Fact]
    public void AHeaderLengthBeyondTheStreamIsRejectedWithoutAllocatingIt()
    {
        // A non-seekable stream cannot tell the length up front, so the header buffer must grow only with what arrives.
        byte[] file = new byte[8 + 100];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 99_000_000);
        var model = new SmallModel();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => model.LoadWeights(new NonSeekableStream(new MemoryStream(file))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    private static (byte[] File, string Mutation) Mutate(byte[] valid, Random r)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string json = Encoding.UTF8.GetString(valid, 8, headerLength);
        byte[] data = valid.AsSpan(8 + headerLength).ToArray();
        switch (r.Next(10))
        {
            case 0:
            {
                byte[] file = (byte[])valid.Clone();
                int flips = r.Next(1, 4);
                for (int i = 0; i < flips; i++)
                {
                    // Half of the flips land in the prefix and header, where they do the most damage.
                    int at = r.Next(2) == 0 ? r.Next(Math.Min(file.Length, 8 + headerLength)) : r.Next(file.Length);
                    file[at] ^= (byte)(1 << r.Next(8));
                }

                return (file, "bit flips");
            }

            case 1:
                return (valid.AsSpan(0, r.Next(valid.Length)).ToArray(), "truncation");
            case 2:
            {
                byte[] extra = new byte[r.Next(1, 64)];
                r.NextBytes(extra);
                return ([.. valid, .. extra], "trailing bytes");
            }

            case 3:
            {
                byte[] file = (byte[])valid.Clone();
                ulong length = r.Next(5) switch
                {
                    0 => 0,
                    1 => (ulong)headerLength + (ulong)r.Next(1, 9),
                    2 => (ulong)Math.Max(0, headerLength - r.Next(1, 9)),
                    3 => ulong.MaxValue - (ulong)r.Next(100),
                    _ => (ulong)r.NextInt64(),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(file, length);
                return (file, "header length");
            }

            case 4:
            {
                // Replace one number of the header (a shape dimension or an offset) with a hostile one.
                MatchCollection numbers = Number().Matches(json);
                Match m = numbers[r.Next(numbers.Count)];
                string replacement = r.Next(8) switch
                {
                    0 => "-1",
                    1 => "0",
                    2 => "9223372036854775807",
                    3 => "18446744073709551615",
                    4 => "99999999999999999999999",
                    5 => "1e3",
                    6 => (long.Parse(m.Value, CultureInfo.InvariantCulture) + r.Next(-8, 9)).ToString(CultureInfo.InvariantCulture),
                    _ => r.Next(1 << 20).ToString(CultureInfo.InvariantCulture),
                };
                return (Rebuild(json.Remove(m.Index, m.Length).Insert(m.Index, replacement), data), "header number");
            }

            case 5:
            {
                string[] dtypes = ["F32", "F64", "F16", "BF16", "I32", "I64", "U8", "BOOL", "F8_E4M3", "C64", "f32", "", "\\u0000"];
                MatchCollection found = DType().Matches(json);
                Match m = found[r.Next(found.Count)];
                return (Rebuild(json.Remove(m.Groups[1].Index, m.Groups[1].Length).Insert(m.Groups[1].Index, dtypes[r.Next(dtypes.Length)]), data), "dtype");
            }

            case 6:
            {
                // Offsets of two tensors swapped (out of order), or one tensor pointed at another's bytes (overlap).
                MatchCollection offsets = Offsets().Matches(json);
                Match a = offsets[r.Next(offsets.Count)], b = offsets[r.Next(offsets.Count)];
                string edited = r.Next(2) == 0
                    ? Swap(json, a, b)
                    : json.Remove(a.Index, a.Length).Insert(a.Index, b.Value);
                return (Rebuild(edited, data), "offsets");
            }

            case 7:
            {
                // Shapes: huge, empty, extra dimensions.
                MatchCollection shapes = Shape().Matches(json);
                Match m = shapes[r.Next(shapes.Count)];
                string[] replacements = ["\"shape\":[]", "\"shape\":[4294967296,4294967296]", "\"shape\":[1,1,1]", "\"shape\":[0]", "\"shape\":[-5,2]", "\"shape\":[3037000500,3037000500]", "\"shape\":\"2\""];
                return (Rebuild(json.Remove(m.Index, m.Length).Insert(m.Index, replacements[r.Next(replacements.Length)]), data), "shape");
            }

            case 8:
            {
                // Structural JSON edits: a key dropped, a tensor renamed, a character garbled.
                string edited = r.Next(4) switch
                {
                    0 => json.Replace("rnn.", "rnn_", StringComparison.Ordinal),
                    1 => json.Insert(1, "\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"),
                    2 => json.Remove(r.Next(json.Length), 1),
                    _ => json.Replace("data_offsets", r.Next(2) == 0 ? "offsets" : "data_offsets\":[0,4],\"data_offsets", StringComparison.Ordinal),
                };
                return (Rebuild(edited, data), "header structure");
            }

            default:
            {
                // Non-finite values in the data: rejected unless AllowNonFinite.
                byte[] file = (byte[])valid.Clone();
                bool f64 = json.Contains("\"F64\"", StringComparison.Ordinal);
                int size = f64 ? 8 : 4;
                int at = 8 + headerLength + r.Next(data.Length / size) * size;
                double value = r.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
                if (f64)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(file.AsSpan(at), value);
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(at), (float)value);
                }

                return (file, "non-finite value");
            }
        }
    }

    private static string Swap(string json, Match a, Match b)
    {
        if (a.Index == b.Index)
        {
            return json;
        }

        (Match first, Match second) = a.Index < b.Index ? (a, b) : (b, a);
        return json[..first.Index] + second.Value + json[(first.Index + first.Length)..second.Index] + first.Value + json[(second.Index + second.Length)..];
    }

    private static byte[] Rebuild(string json, byte[] data) => SafeTensorsFiles.File(json, data);

    [GeneratedRegex("-?[0-9]+")]
    private static partial Regex Number();

    [GeneratedRegex("\"dtype\":\"([^\"]*)\"")]
    private static partial Regex DType();

    [GeneratedRegex("\\[[0-9]+,[0-9]+\\]")]
    private static partial Regex Offsets();

    [GeneratedRegex("\"shape\":\\[[0-9,]*\\]")]
    private static partial Regex Shape();

    /// <summary>One model seen through delegates, so the fuzz loop serves float and double models alike.</summary>
    private sealed record Target(
        Action<Stream> Save,
        Action<Stream, WeightLoadOptions?> Load,
        Action<int> Initialize,
        Action ZeroGradients,
        Func<byte[]> ParameterBytes,
        Func<byte[]> GradientBytes,
        Action<int> TouchGradient,
        Func<bool> AllFinite,
        int ParameterByteCount);
}
