using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text.RegularExpressions;
using PureHDF;
using PureHDF.VOL.Native;
using RnnGen.Interop.Internal;

namespace RnnGen.Interop;

/// <summary>
/// Loads Keras 3 <c>.weights.h5</c> files (<c>model.save_weights("model.weights.h5")</c>), read with PureHDF.
/// </summary>
/// <remarks>
/// Keras 3 stores each layer of <c>model.layers</c> under <c>layers/&lt;class name in snake_case&gt;[_n]</c>, numbered in
/// model order per class (<c>lstm</c>, <c>lstm_1</c>, ..., <c>dense</c>), its variables as datasets <c>vars/0</c>,
/// <c>vars/1</c>, ...; a recurrent layer's variables live in its cell, <c>layers/lstm/cell/vars/0</c> (kernel), <c>1</c>
/// (recurrent kernel), <c>2</c> (bias). A <c>Bidirectional</c> layer keeps its two directions' layers under it,
/// <c>layers/bidirectional/forward_layer/cell/vars/0</c>, ... and <c>layers/bidirectional/backward_layer/cell/vars/0</c>, ....
/// The file records no activations and no merge mode: Keras' defaults are assumed (tanh, a sigmoid recurrent activation,
/// a linear Dense, a Bidirectional layer's outputs concatenated).
/// </remarks>
public static partial class KerasWeights
{
    /// <summary>Largest file <see cref="Load"/> reads: 1 GiB.</summary>
    public const long MaxBytes = 1L << 30;

    private const string Source = "The Keras .weights.h5 file";

    /// <summary>
    /// Loads a Keras 3 model of one or more <c>LSTM</c>, <c>GRU</c> (<c>reset_after = True</c>) or <c>SimpleRNN</c> layers
    /// followed by one <c>Dense</c> layer: kernels are transposed and gates reordered into PyTorch's layout, then loaded
    /// through the model's own <c>LoadWeights</c>. Layers wrapped in <c>Bidirectional</c> (merge_mode "concat", the
    /// default) load into a model declared <c>Bidirectional = true</c>. Layers without variables (<c>InputLayer</c>, <c>Dropout</c>) are skipped.
    /// </summary>
    /// <param name="model">A generated dense-input model whose declaration fits the file.</param>
    /// <param name="stream">The .weights.h5 file.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a readable HDF5 file in Keras 3's layout, a layer does not fit what RnnGen expresses (the message
    /// names it), a value is not finite, or the file does not fit the model (the message gives the declaration that fits).
    /// The model keeps its weights.
    /// </exception>
    public static void Load<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, Stream stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = ImportImage.ReadAll(stream, MaxBytes, Source);
        List<KerasLayer> layers;
        try
        {
            using var memory = new MemoryStream(bytes, writable: false);
            using NativeFile file = H5File.Open(memory, leaveOpen: true);
            layers = ReadLayers(file);
        }
        catch (InvalidDataException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // PureHDF reports a damaged file with whatever its parser ran into (end of stream, bad signature, ...).
            throw new InvalidDataException($"{Source} is not a readable HDF5 file: {e.GetType().Name}: {e.Message}", e);
        }

        (List<NamedTensor> tensors, Dictionary<string, string> facts) = KerasStack.Convert(layers, Source);
        ImportImage.Load(model, tensors, facts, Source);
    }

    private static List<KerasLayer> ReadLayers(IH5Group file)
    {
        if (!file.LinkExists("layers") || file.Get("layers") is not IH5Group layersGroup)
        {
            throw new InvalidDataException(
                $"{Source} has no 'layers' group: it is not in Keras 3's .weights.h5 layout (Keras 2's model.h5, with 'model_weights', is not read).");
        }

        var found = new List<(string Kind, int Number, KerasLayer Layer)>();
        foreach (IH5Object child in layersGroup.Children())
        {
            if (child is not IH5Group group)
            {
                continue;
            }

            Match match = LayerName().Match(group.Name);
            string kind = match.Success ? match.Groups["kind"].Value : group.Name;
            int number = match.Success && match.Groups["n"].Success ? int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture) : 0;
            switch (kind)
            {
                case "lstm" or "gru" or "simple_rnn":
                    found.Add((kind, number, new KerasLayer($"layers/{group.Name}", kind, Recurrent(group, $"layers/{group.Name}"))));
                    break;
                case "bidirectional":
                    found.Add((kind, number, Bidirectional(group, $"layers/{group.Name}")));
                    break;
                case "dense":
                    found.Add((kind, number, new KerasLayer($"layers/{group.Name}", kind, Vars(group, "vars", $"layers/{group.Name}"))));
                    break;
                default:
                    if (HasData(group, 0))
                    {
                        throw new InvalidDataException(
                            $"{Source} has the layer 'layers/{group.Name}' with weights, which RnnGen cannot express: it loads LSTM, GRU or SimpleRNN layers " +
                            "(or Bidirectional ones) followed by one Dense layer.");
                    }

                    break;
            }
        }

        // Recurrent layers first, in model order (Keras numbers them per class); the dense head after them.
        return found.OrderBy(f => f.Kind == "dense" ? 1 : 0).ThenBy(f => f.Number).Select(f => f.Layer).ToList();
    }

    /// <summary>A recurrent layer's variables: Keras 3 keeps them in its cell; take the layer's own vars if a writer put them there.</summary>
    private static List<KerasArray> Recurrent(IH5Group layer, string name) => Vars(layer, RecurrentPath(layer), name);

    private static string RecurrentPath(IH5Group layer) =>
        !Exists(layer, "cell/vars") && layer.LinkExists("vars") && layer.Get("vars") is IH5Group own && own.LinkExists("0") ? "vars" : "cell/vars";

    /// <summary>
    /// A Keras 3 <c>Bidirectional</c> layer: Keras saves its two copies of the wrapped layer under the attribute names
    /// <c>forward_layer</c> and <c>backward_layer</c> (the backward one runs with <c>go_backwards</c>, and its outputs are
    /// flipped back, which is PyTorch's reverse direction). The wrapped original, <c>layer</c>, is never built and
    /// holds no variables. The file does not record <c>merge_mode</c>; Keras' default, concat, is assumed.
    /// </summary>
    private static KerasLayer Bidirectional(IH5Group group, string name)
    {
        foreach (IH5Object child in group.Children())
        {
            if (child.Name is not ("forward_layer" or "backward_layer" or "layer") && (child is not IH5Group g || HasData(g, 0)))
            {
                throw new InvalidDataException(
                    $"{Source}: the Bidirectional layer '{name}' has '{name}/{child.Name}' with weights, but a Keras Bidirectional layer keeps its weights in forward_layer and backward_layer only.");
            }
        }

        KerasLayer forward = Direction(group, "forward_layer", name);
        KerasLayer backward = Direction(group, "backward_layer", name);
        if (forward.Kind != backward.Kind)
        {
            throw new InvalidDataException(
                $"{Source}: the Bidirectional layer '{name}' has a {forward.Kind} forward_layer and a {backward.Kind} backward_layer, but both directions of an RnnGen layer have the same cell.");
        }

        return forward with { Backward = backward };
    }

    private static KerasLayer Direction(IH5Group bidirectional, string direction, string name)
    {
        string path = $"{name}/{direction}";
        if (!bidirectional.LinkExists(direction) || bidirectional.Get(direction) is not IH5Group group)
        {
            throw new InvalidDataException(
                $"{Source}: the Bidirectional layer '{name}' has no '{path}' group, where Keras 3 keeps that direction's layer.");
        }

        string varsPath = RecurrentPath(group);
        List<KerasArray> weights = Vars(group, varsPath, path);
        return new KerasLayer(path, InnerKind(group, varsPath, weights, path), weights);
    }

    /// <summary>
    /// The kind of a Bidirectional layer's inner layer. Keras 3.6 and later write the cell's name as an attribute of its
    /// vars group: <c>lstm_cell</c>, <c>gru_cell</c> or <c>simple_rnn_cell</c>, fixed by the layer whatever the user named
    /// it. Without that attribute the recurrent kernel [u, gates·u] tells: 4 gates an LSTM, 3 a GRU, 1 a SimpleRNN.
    /// </summary>
    private static string InnerKind(IH5Group layer, string varsPath, List<KerasArray> weights, string path)
    {
        var vars = (IH5Group)layer.Get(varsPath);
        if (vars.AttributeExists("name"))
        {
            IH5Attribute attribute = vars.Attribute("name");
            // h5py writes a str attribute as a variable-length string.
            string? cell = attribute.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength ? attribute.Read<string>() : null;
            switch (cell)
            {
                case "lstm_cell":
                    return "lstm";
                case "gru_cell":
                    return "gru";
                case "simple_rnn_cell":
                    return "simple_rnn";
                case not null when varsPath == "cell/vars":
                    throw new InvalidDataException(
                        $"{Source}: '{path}/{varsPath}' is named '{cell}', but RnnGen loads a Bidirectional LSTM, GRU or SimpleRNN (lstm_cell, gru_cell or simple_rnn_cell).");
            }
        }

        int[]? recurrent = weights.Count >= 2 ? weights[1].Shape : null;
        return recurrent is [int u, int columns] && u > 0 && columns % u == 0 ? (columns / u) switch
        {
            4 => "lstm",
            3 => "gru",
            1 => "simple_rnn",
            _ => throw Unknown(),
        } : throw Unknown();

        InvalidDataException Unknown() => new(
            $"{Source}: '{path}/{varsPath}' holds {weights.Count} arrays of shapes {string.Join(", ", weights.Select(w => KerasStack.Shape(w.Shape)))}, " +
            "which are not the kernel, recurrent kernel [u, gates·u] and bias of an LSTM (4 gates), GRU (3) or SimpleRNN (1).");
    }

    private static List<KerasArray> Vars(IH5Group layer, string path, string name)
    {
        if (!Exists(layer, path) || layer.Get(path) is not IH5Group vars)
        {
            throw new InvalidDataException($"{Source} has no '{name}/{path}' group, where Keras 3 keeps that layer's weights.");
        }

        var arrays = new List<KerasArray>();
        for (int i = 0; vars.LinkExists(i.ToString(CultureInfo.InvariantCulture)); i++)
        {
            if (vars.Get(i.ToString(CultureInfo.InvariantCulture)) is not IH5Dataset dataset)
            {
                throw new InvalidDataException($"{Source}: '{name}/{path}/{i}' is not a dataset.");
            }

            arrays.Add(Read(dataset, $"{name}/{path}/{i}"));
        }

        return arrays;
    }

    private static bool Exists(IH5Group group, string path)
    {
        IH5Group current = group;
        foreach (string part in path.Split('/'))
        {
            if (!current.LinkExists(part))
            {
                return false;
            }

            if (current.Get(part) is IH5Group next)
            {
                current = next;
            }
        }

        return true;
    }

    private static bool HasData(IH5Group group, int depth) =>
        depth < 8 && group.Children().Any(c => c is IH5Dataset || (c is IH5Group g && HasData(g, depth + 1)));

    private static KerasArray Read(IH5Dataset dataset, string name)
    {
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length is 0 or > 4)
        {
            throw new InvalidDataException($"{Source}: '{name}' has {dims.Length} dimensions; Keras weights have 1 to 4.");
        }

        ulong count = 1;
        foreach (ulong d in dims)
        {
            if (d == 0 || d > (ulong)ImportImage.MaxElements || (count *= d) > (ulong)ImportImage.MaxElements)
            {
                throw new InvalidDataException(
                    $"{Source}: '{name}' has dimensions [{string.Join(", ", dims)}]: empty, or more than {ImportImage.MaxElements} elements.");
            }
        }

        if (dataset.Type.Class != H5DataTypeClass.FloatingPoint || dataset.Type.Size is not (4 or 8))
        {
            throw new InvalidDataException(
                $"{Source}: '{name}' holds {dataset.Type.Class} values of {dataset.Type.Size} bytes; weights must be float32 or float64.");
        }

        double[] values = dataset.Type.Size == 4
            ? Array.ConvertAll(dataset.Read<float[]>(), v => (double)v)
            : dataset.Read<double[]>();
        if ((ulong)values.Length != count)
        {
            throw new InvalidDataException($"{Source}: '{name}' holds {values.Length} values, but its dimensions need {count}.");
        }

        return new KerasArray(values, Array.ConvertAll(dims, d => (int)d));
    }

    [GeneratedRegex("^(?<kind>[a-z][a-z0-9_]*?)(_(?<n>[0-9]{1,6}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex LayerName();
}
