using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Text.Json;
using RnnGen.Interop.Internal;

namespace RnnGen.Interop;

/// <summary>
/// Loads RTNeural's JSON model files, as RTNeural's Python script (<c>save_model</c> in <c>model_utils.py</c>) writes them
/// from a Keras model: <c>{"in_shape": [...], "layers": [{"type", "activation", "shape", "weights"}, ...]}</c>.
/// </summary>
public static class RtNeuralJson
{
    /// <summary>Largest JSON file <see cref="Load"/> reads: 256 MiB.</summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>
    /// Loads a JSON model whose structure RnnGen can express: one or more <c>lstm</c> or <c>gru</c> layers with the
    /// <c>tanh</c> activation (GRUs with Keras' <c>reset_after = True</c>), then one <c>dense</c> (or
    /// <c>time-distributed-dense</c>) layer without an activation. Keras' weights are transposed and their gates
    /// reordered into PyTorch's layout, then loaded through the model's own <c>LoadWeights</c>.
    /// </summary>
    /// <param name="model">A generated dense-input model whose declaration fits the file.</param>
    /// <param name="stream">The JSON file.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not such a JSON model, a layer does not fit what RnnGen expresses (the message names it), a value is
    /// not finite, or the file does not fit the model (the message gives the declaration that fits). The model keeps its weights.
    /// </exception>
    public static void Load<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, Stream stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        const string Source = "The RTNeural JSON file";
        byte[] bytes = ImportImage.ReadAll(stream, MaxBytes, Source);
        var layers = new List<KerasLayer>();
        int? inShape = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("layers", out JsonElement array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{Source} has no \"layers\" array at its top level: it is not an RTNeural model.");
            }

            if (root.TryGetProperty("in_shape", out JsonElement inputShape) && inputShape.ValueKind == JsonValueKind.Array
                && inputShape.GetArrayLength() > 0 && inputShape[inputShape.GetArrayLength() - 1].TryGetInt32(out int last))
            {
                inShape = last;
            }

            int index = 0;
            foreach (JsonElement layer in array.EnumerateArray())
            {
                layers.Add(ReadLayer(layer, index++));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Source} is not valid JSON: {e.Message}", e);
        }

        (List<NamedTensor> tensors, Dictionary<string, string> facts) = KerasStack.Convert(layers, Source);
        if (inShape is int width && width != tensors[0].Shape[1])
        {
            throw new InvalidDataException(
                $"{Source} has in_shape ending in {width}, but its first layer's kernel reads {tensors[0].Shape[1]} inputs.");
        }

        ImportImage.Load(model, tensors, facts, Source);
    }

    private static KerasLayer ReadLayer(JsonElement layer, int index)
    {
        if (layer.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"The RTNeural JSON file's layer {index} is not an object.");
        }

        string type = layer.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        string activation = layer.TryGetProperty("activation", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
        string name = $"layer {index} ({type})";
        string kind = type switch
        {
            "lstm" => "lstm",
            "gru" => "gru",
            "dense" or "time-distributed-dense" => "dense",
            _ => throw new InvalidDataException(
                $"The RTNeural JSON file's layer {index} has type \"{type}\", which RnnGen cannot express: it loads lstm or gru layers followed by one dense layer."),
        };
        if (kind == "dense" ? activation is not ("" or "linear") : activation != "tanh")
        {
            throw new InvalidDataException(
                $"The RTNeural JSON file's layer {index} ({type}) has the activation \"{activation}\", but RnnGen's {(kind == "dense" ? "head is linear (no activation)" : type + " uses tanh")}.");
        }

        if (!layer.TryGetProperty("weights", out JsonElement weights) || weights.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"The RTNeural JSON file's layer {index} ({type}) has no \"weights\" array.");
        }

        var arrays = new List<KerasArray>();
        foreach (JsonElement w in weights.EnumerateArray())
        {
            arrays.Add(ReadArray(w, $"{name}, weight {arrays.Count}"));
        }

        return new KerasLayer(name, kind, arrays);
    }

    /// <summary>A rectangular nested array of numbers.</summary>
    private static KerasArray ReadArray(JsonElement element, string what)
    {
        var shape = new List<int>();
        JsonElement probe = element;
        while (probe.ValueKind == JsonValueKind.Array)
        {
            int length = probe.GetArrayLength();
            shape.Add(length);
            if (length == 0 || shape.Count > 4)
            {
                break;
            }

            probe = probe[0];
        }

        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        if (shape.Count is 0 or > 4 || count == 0 || count > ImportImage.MaxElements)
        {
            throw new InvalidDataException($"The RTNeural JSON file's {what} is not a non-empty array of numbers of at most 4 dimensions.");
        }

        var values = new double[count];
        int next = 0;
        Fill(element, 0);
        return new KerasArray(values, shape.ToArray());

        void Fill(JsonElement e, int depth)
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != shape[depth])
            {
                throw new InvalidDataException(
                    $"The RTNeural JSON file's {what} is not rectangular: expected an array of {shape[depth]} at depth {depth} of {KerasStack.Shape(shape)}.");
            }

            foreach (JsonElement item in e.EnumerateArray())
            {
                if (depth + 1 < shape.Count)
                {
                    Fill(item, depth + 1);
                }
                else if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out values[next++]))
                {
                    throw new InvalidDataException($"The RTNeural JSON file's {what} holds {item.ValueKind} where a number belongs.");
                }
            }
        }
    }
}
