using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using RnnGen.IO;

namespace RnnGen.Interop.Internal;

/// <summary>
/// The common end of every import: tensors already in PyTorch's names, shapes and gate orders, plus what the source
/// file says about the declaration, written as a safetensors image and handed to the model's own <c>LoadWeights</c>.
/// So every import gets LoadWeights' checks (names, shapes, finiteness, the fitting declaration) and leaves the model
/// untouched when anything is wrong.
/// </summary>
internal static class ImportImage
{
    /// <summary>Largest element count of one tensor any import accepts (2^28: a gigabyte of float).</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>
    /// Loads <paramref name="tensors"/> into <paramref name="model"/>. <paramref name="facts"/> holds the <c>rnngen.*</c>
    /// values the source file shows (cell, sizes, layers, ...); they go into <c>__metadata__</c>, so a file that does not
    /// fit is reported by LoadWeights with the declaration that fits it.
    /// <c>source</c> says what the file is, for messages: "The ONNX file", "The RTNeural JSON file".
    /// </summary>
    public static void Load<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> facts, string source)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        bool isFloat = typeof(T) == typeof(float);
        foreach (NamedTensor tensor in tensors)
        {
            for (int i = 0; i < tensor.Values.Length; i++)
            {
                double value = tensor.Values[i];
                if (!double.IsFinite(value))
                {
                    throw new InvalidDataException(
                        $"{source} has a non-finite value ({value.ToString(CultureInfo.InvariantCulture)}) in what becomes '{tensor.Name}', at element {i}; nothing was loaded.");
                }

                if (isFloat && Math.Abs(value) > float.MaxValue)
                {
                    throw new InvalidDataException(
                        $"{source} has the value {value.ToString("R", CultureInfo.InvariantCulture)} in what becomes '{tensor.Name}', at element {i}, " +
                        "too large for a float model; nothing was loaded.");
                }
            }
        }

        using var image = new MemoryStream();
        var writer = new SafeTensorsWriter(image);
        writer.AddMetadata("format", "pt");
        foreach (KeyValuePair<string, string> pair in facts)
        {
            writer.AddMetadata(pair.Key, pair.Value);
        }

        SafeTensorsDType dtype = isFloat ? SafeTensorsDType.F32 : SafeTensorsDType.F64;
        foreach (NamedTensor tensor in tensors)
        {
            writer.AddTensor(tensor.Name, dtype, Array.ConvertAll(tensor.Shape, d => (long)d));
        }

        writer.WriteHeader();
        foreach (NamedTensor tensor in tensors)
        {
            var values = new T[tensor.Values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = T.CreateTruncating(tensor.Values[i]);
            }

            writer.WriteValues<T>(values);
        }

        writer.Complete();
        image.Position = 0;
        try
        {
            model.LoadWeights(image);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source} does not fit this model ({model.GetType().Name}), which keeps its weights: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reorders the gate blocks of a [gates·hidden, columns] matrix (or a [gates·hidden] vector):
    /// block <c>b</c> of the result is block <c>order[b]</c> of <paramref name="values"/>.
    /// </summary>
    public static double[] Blocks(ReadOnlySpan<double> values, int hidden, int columns, ReadOnlySpan<int> order)
    {
        int block = hidden * Math.Max(columns, 1);
        var result = new double[order.Length * block];
        for (int b = 0; b < order.Length; b++)
        {
            values.Slice(order[b] * block, block).CopyTo(result.AsSpan(b * block, block));
        }

        return result;
    }

    /// <summary>The transpose of a row-major [rows, columns] matrix.</summary>
    public static double[] Transpose(ReadOnlySpan<double> values, int rows, int columns)
    {
        var result = new double[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[c * rows + r] = values[r * columns + c];
            }
        }

        return result;
    }

    /// <summary>Reads a stream into memory, refusing one longer than <paramref name="limit"/> bytes.</summary>
    public static byte[] ReadAll(Stream stream, long limit, string what)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > limit)
        {
            throw new InvalidDataException($"{what} is {stream.Length - stream.Position} bytes long, more than the limit of {limit} bytes.");
        }

        using var copy = new MemoryStream();
        byte[] chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (copy.Length + n > limit)
            {
                throw new InvalidDataException($"{what} is longer than the limit of {limit} bytes.");
            }

            copy.Write(chunk, 0, n);
        }

        return copy.ToArray();
    }

    /// <summary>The <c>rnngen.*</c> facts every import records.</summary>
    public static Dictionary<string, string> Facts(string cell, int inputSize, int hidden, int output, int layers, bool bidirectional, string? activation, string? input)
    {
        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rnngen.cell"] = cell,
            ["rnngen.input_size"] = inputSize.ToString(CultureInfo.InvariantCulture),
            ["rnngen.hidden"] = hidden.ToString(CultureInfo.InvariantCulture),
            ["rnngen.output"] = output.ToString(CultureInfo.InvariantCulture),
            ["rnngen.layers"] = layers.ToString(CultureInfo.InvariantCulture),
            ["rnngen.bidirectional"] = bidirectional ? "true" : "false",
            ["rnngen.projection"] = "0",
            ["rnngen.recurrence"] = "hidden",
        };
        if (activation is not null)
        {
            facts["rnngen.activation"] = activation;
        }

        if (input is not null)
        {
            facts["rnngen.input"] = input;
        }

        return facts;
    }
}
