using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using RnnGen.IO;

namespace RnnGen.Runtime;

/// <summary>
/// Saves and loads a generated model's parameters as safetensors, with PyTorch's <c>state_dict</c> names
/// and row-major shapes, translating to and from the model's own layout through <see cref="TensorMap"/>s.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WeightIO
{
    private const int ChunkBytes = 1 << 16;

    /// <summary>
    /// Writes the tensors described by <paramref name="maps"/>, in that order, reading element <c>(r, c)</c> of
    /// each from <c>values[map.IndexOf(r, c)]</c>. <see cref="float"/> models write F32 and
    /// <see cref="double"/> models F64, so values round-trip bit for bit (<see cref="Half"/> writes F16).
    /// <c>__metadata__</c> holds <c>"format": "pt"</c> followed by <paramref name="metadata"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException">A tensor name or metadata key repeats, or <c>format</c> is in <paramref name="metadata"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double or Half.</exception>
    public static void Save<T>(Stream stream, ReadOnlySpan<T> values, ReadOnlySpan<TensorMap> maps, ReadOnlySpan<KeyValuePair<string, string>> metadata)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafeTensorsDType dtype = NativeDType<T>();

        // Everything that can be rejected is rejected before the first byte is written.
        var writer = new SafeTensorsWriter(stream);
        writer.AddMetadata("format", "pt");
        foreach (KeyValuePair<string, string> pair in metadata)
        {
            writer.AddMetadata(pair.Key, pair.Value);
        }

        Span<long> shape = stackalloc long[2];
        foreach (TensorMap map in maps)
        {
            ArgumentNullException.ThrowIfNull(map, nameof(maps));
            shape[0] = map.Rows;
            shape[1] = map.Columns;
            writer.AddTensor(map.Name, dtype, map.Columns == 0 ? shape[..1] : shape);
        }

        writer.WriteHeader();

        T[] chunk = ArrayPool<T>.Shared.Rent(ChunkBytes / Unsafe.SizeOf<T>());
        try
        {
            foreach (TensorMap map in maps)
            {
                int columns = Math.Max(map.Columns, 1);
                int n = 0;
                for (int r = 0; r < map.Rows; r++)
                {
                    for (int c = 0; c < columns; c++)
                    {
                        chunk[n++] = values[map.IndexOf(r, c)];
                        if (n == chunk.Length)
                        {
                            writer.WriteValues<T>(chunk);
                            n = 0;
                        }
                    }
                }

                writer.WriteValues<T>(chunk.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(chunk);
        }

        writer.Complete();
    }

    /// <summary>
    /// Reads a safetensors file into <paramref name="values"/> through <paramref name="maps"/>. The file must
    /// hold exactly the mapped tensors, with their shapes, as F32, F64, F16 or BF16 (converted to
    /// <typeparamref name="T"/>). Any problem throws <see cref="InvalidDataException"/> and leaves
    /// <paramref name="values"/> untouched.
    /// </summary>
    /// <param name="stream">The file; read sequentially, need not be seekable. Left just after the data buffer.</param>
    /// <param name="values">The model's parameters; written only once the whole file has been validated.</param>
    /// <param name="maps">Where each tensor lives in <paramref name="values"/>.</param>
    /// <param name="identity">
    /// Metadata that must match when the file's <c>__metadata__</c> has the key (a missing key is accepted:
    /// files written by PyTorch carry none). When the file does not fit, the message suggests a declaration that
    /// does; what the file cannot tell (token or dense input, the loss, <c>Outputs</c>, the activation) is taken from here.
    /// </param>
    /// <param name="options">Loading options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException">Two maps have the same name.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit this model.</exception>
    public static void Load<T>(Stream stream, Span<T> values, ReadOnlySpan<TensorMap> maps, ReadOnlySpan<KeyValuePair<string, string>> identity, WeightLoadOptions? options = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        var byName = new Dictionary<string, TensorMap>(maps.Length, StringComparer.Ordinal);
        foreach (TensorMap map in maps)
        {
            ArgumentNullException.ThrowIfNull(map, nameof(maps));
            if (!byName.TryAdd(map.Name, map))
            {
                throw new ArgumentException(
                    $"maps has two tensor maps named '{map.Name}', but each tensor needs a name of its own: a safetensors file holds one tensor per name.", nameof(maps));
            }
        }

        SafeTensorsHeader header = SafeTensorsHeader.Read(stream);

        // Identity first: "saved from a model with Hidden = 50" explains the shape errors that would follow.
        foreach (KeyValuePair<string, string> pair in identity)
        {
            if (header.Metadata.TryGetValue(pair.Key, out string? fileValue) && fileValue != pair.Value)
            {
                throw new InvalidDataException(
                    $"The file was saved from a model with {pair.Key} = {fileValue}, but this model has {pair.Key} = {pair.Value}." +
                    FittingDeclaration.Describe(header, identity));
            }
        }

        CheckTensors<T>(header, maps, byName, identity);

        // The file now holds exactly the model's tensors, so everything below is bounded by the model's size.
        T[] staged = values.ToArray();
        ReadData(stream, header, byName, staged, options?.AllowNonFinite ?? false);
        staged.CopyTo(values);
    }

    private static void CheckTensors<T>(SafeTensorsHeader header, ReadOnlySpan<TensorMap> maps, Dictionary<string, TensorMap> byName, ReadOnlySpan<KeyValuePair<string, string>> identity)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var missing = new List<TensorMap>();
        foreach (TensorMap map in maps)
        {
            if (!header.TryGetTensor(map.Name, out SafeTensorInfo? tensor))
            {
                missing.Add(map);
                continue;
            }

            if (!SafeTensorsDTypes.IsConvertible(tensor.DType))
            {
                throw new InvalidDataException(
                    $"Tensor '{map.Name}' has dtype {SafeTensorsDTypes.GetName(tensor.DType)}, which is unsupported: " +
                    $"only F32, F64, F16 and BF16 can be loaded into a {TypeName<T>()} model.");
            }

            int[] expected = map.Shape;
            bool same = tensor.Shape.Length == expected.Length;
            for (int i = 0; same && i < expected.Length; i++)
            {
                same = tensor.Shape[i] == expected[i];
            }

            if (!same)
            {
                long[] expectedLong = Array.ConvertAll(expected, d => (long)d);
                throw new InvalidDataException(
                    $"Tensor '{map.Name}' has shape {SafeTensorInfo.FormatShape(tensor.Shape.AsSpan())} in the file, " +
                    $"but this model expects {SafeTensorInfo.FormatShape(expectedLong)} ({map.ShapeDescription})." +
                    FittingDeclaration.Describe(header, identity));
            }
        }

        if (missing.Count > 0)
        {
            var text = new StringBuilder(missing.Count == 1 ? "The file has no tensor " : "The file has no tensors ");
            for (int i = 0; i < missing.Count; i++)
            {
                text.Append(i == 0 ? "" : ", ").Append('\'').Append(missing[i].Name).Append("' (shape ").Append(missing[i].ShapeDescription).Append(')');
            }

            throw new InvalidDataException(text.Append(", which this model needs.").Append(FittingDeclaration.Describe(header, identity)).ToString());
        }

        if (header.Tensors.Count > maps.Length)
        {
            // Names are unique on both sides and every map was found, so the extra ones are unexpected.
            const int Shown = 5;
            var unexpected = new List<string>();
            int total = 0;
            foreach (SafeTensorInfo tensor in header.Tensors)
            {
                if (!byName.ContainsKey(tensor.Name) && total++ < Shown)
                {
                    unexpected.Add($"'{tensor.Name}'");
                }
            }

            string more = total > Shown ? $" and {total - Shown} more" : "";
            throw new InvalidDataException(
                $"The file has {(total == 1 ? "a tensor" : "tensors")} this model does not have: {string.Join(", ", unexpected)}{more}. " +
                "Check that the file was saved from a model with the same declaration." + FittingDeclaration.Describe(header, identity));
        }
    }

    private static void ReadData<T>(Stream stream, SafeTensorsHeader header, Dictionary<string, TensorMap> byName, T[] staged, bool allowNonFinite)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        T[] decoded = ArrayPool<T>.Shared.Rent(ChunkBytes / 2);
        try
        {
            long position = 0; // bytes of the data buffer consumed
            foreach (SafeTensorInfo tensor in header.Tensors)
            {
                TensorMap map = byName[tensor.Name];
                int size = SafeTensorsDTypes.GetSize(tensor.DType);
                int columns = Math.Max(map.Columns, 1);
                int r = 0, c = 0;
                long element = 0;
                while (element < tensor.ElementCount)
                {
                    int n = (int)Math.Min(tensor.ElementCount - element, ChunkBytes / size);
                    int want = n * size;
                    int got = stream.ReadAtLeast(bytes.AsSpan(0, want), want, throwOnEndOfStream: false);
                    if (got < want)
                    {
                        throw new InvalidDataException(
                            $"The safetensors file is truncated: tensor '{tensor.Name}' occupies bytes {tensor.DataBegin}..{tensor.DataEnd} " +
                            $"of the data buffer, but the file ends after {position + got} bytes of data.");
                    }

                    position += want;
                    Span<T> chunk = decoded.AsSpan(0, n);
                    SafeTensorsConvert.Decode(tensor.DType, bytes.AsSpan(0, want), chunk);
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        T value = chunk[i];
                        if (!allowNonFinite && !T.IsFinite(value))
                        {
                            throw NonFinite(tensor, map, element + i, r, c, value, bytes.AsSpan(i * size, size));
                        }

                        staged[map.IndexOf(r, c)] = value;
                        if (++c == columns)
                        {
                            c = 0;
                            r++;
                        }
                    }

                    element += n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<T>.Shared.Return(decoded);
        }
    }

    private static InvalidDataException NonFinite<T>(SafeTensorInfo tensor, TensorMap map, long index, int row, int column, T value, ReadOnlySpan<byte> raw)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string what = T.IsNaN(value) ? "NaN" : T.IsNegative(value) ? "-Infinity" : "+Infinity";
        string where = map.Columns == 0 ? $"element {index}" : $"element {index} (row {row}, column {column})";

        // A finite F64 value can overflow float: say so, or the user will look for an infinity in the file.
        Span<double> original = stackalloc double[1];
        SafeTensorsConvert.Decode(tensor.DType, raw, original);
        string why = double.IsFinite(original[0])
            ? $" (the file's {SafeTensorsDTypes.GetName(tensor.DType)} value {original[0].ToString("R", CultureInfo.InvariantCulture)} is too large for {TypeName<T>()})"
            : "";
        return new InvalidDataException(
            $"Tensor '{tensor.Name}' has a non-finite value, {what}, at {where}{why}. " +
            "To load it anyway, pass new WeightLoadOptions { AllowNonFinite = true }.");
    }

    private static SafeTensorsDType NativeDType<T>()
    {
        if (typeof(T) == typeof(float))
        {
            return SafeTensorsDType.F32;
        }

        if (typeof(T) == typeof(double))
        {
            return SafeTensorsDType.F64;
        }

        if (typeof(T) == typeof(Half))
        {
            return SafeTensorsDType.F16;
        }

        throw new NotSupportedException($"Weights of type {typeof(T).Name} cannot be saved; use float, double or Half.");
    }

    private static string TypeName<T>() =>
        typeof(T) == typeof(float) ? "float" : typeof(T) == typeof(double) ? "double" : typeof(T).Name;
}
