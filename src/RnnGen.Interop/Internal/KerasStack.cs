using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace RnnGen.Interop.Internal;

/// <summary>One Keras array: row-major values and their shape.</summary>
internal sealed record KerasArray(double[] Values, int[] Shape);

/// <summary>
/// One Keras layer as RTNeural's JSON or a .weights.h5 file holds it: <c>kind</c> is <c>lstm</c>, <c>gru</c>,
/// <c>simple_rnn</c> or <c>dense</c>, and <c>Weights</c> are Keras' own: kernel [inputs, gates·units], recurrent kernel
/// [units, gates·units], bias; or a dense kernel [inputs, units] and bias. A Bidirectional layer is its forward layer
/// with the backward one in <c>Backward</c>; its outputs are [forward; backward] (Keras' merge_mode "concat").
/// </summary>
internal sealed record KerasLayer(string Name, string Kind, IReadOnlyList<KerasArray> Weights, KerasLayer? Backward = null);

/// <summary>
/// A Keras recurrent stack and dense head, in PyTorch's names, shapes and gate orders. Keras' LSTM gates are
/// i, f, c, o, PyTorch's i, f, g, o: the same order. Keras' GRU gates are z, r, h, PyTorch's r, z, n; Keras'
/// <c>reset_after = True</c> GRU (the default since TensorFlow 2) has an input and a recurrent bias per gate and applies
/// the reset gate to the recurrent product plus its bias, which is PyTorch's GRU exactly. Keras keeps one LSTM and
/// SimpleRNN bias: it becomes <c>bias_ih</c>, and <c>bias_hh</c> is zero. A Keras Bidirectional layer's backward layer
/// runs over the reversed sequence and its outputs are flipped back, so it is PyTorch's reverse direction
/// (<c>..._reverse</c>), and the next layer (or the head) reads [forward; backward], as in PyTorch.
/// </summary>
internal static class KerasStack
{
    public static (List<NamedTensor> Tensors, Dictionary<string, string> Facts) Convert(IReadOnlyList<KerasLayer> layers, string source)
    {
        if (layers.Count == 0)
        {
            throw new InvalidDataException($"{source} has no layers with weights.");
        }

        string kind = layers[0].Kind;
        if (kind == "dense")
        {
            throw new InvalidDataException(
                $"{source}: the first layer, {layers[0].Name} (dense), comes before any recurrent layer, but an RnnGen model starts with its recurrent layers (LSTM, GRU or SimpleRNN).");
        }

        int recurrent = 0;
        while (recurrent < layers.Count && layers[recurrent].Kind != "dense")
        {
            if (layers[recurrent].Kind != kind)
            {
                throw new InvalidDataException(
                    $"{source}: layer {recurrent}, {layers[recurrent].Name} ({layers[recurrent].Kind}), follows {kind} layers, but every recurrent layer of an RnnGen model has the same cell.");
            }

            recurrent++;
        }

        if (recurrent == layers.Count)
        {
            throw new InvalidDataException($"{source} has no dense layer after its {kind} layers, but an RnnGen model ends with a linear (dense) head.");
        }

        if (recurrent > 8)
        {
            throw new InvalidDataException($"{source} has {recurrent} recurrent layers; an RnnGen model has at most 8.");
        }

        if (layers.Count > recurrent + 1)
        {
            KerasLayer extra = layers[recurrent + 1];
            throw new InvalidDataException(
                $"{source}: layer {recurrent + 1}, {extra.Name} ({extra.Kind}), follows the dense head {layers[recurrent].Name}, but an RnnGen model has exactly one linear layer after its recurrent layers.");
        }

        bool bidirectional = layers[0].Backward is not null;
        for (int k = 1; k < recurrent; k++)
        {
            if ((layers[k].Backward is not null) != bidirectional)
            {
                throw new InvalidDataException(
                    $"{source}: layer {k}, {layers[k].Name}, is {(bidirectional ? "not " : "")}bidirectional but layer 0, {layers[0].Name}, is{(bidirectional ? "" : " not")}: " +
                    "an RnnGen model's layers are all bidirectional (Bidirectional = true) or none is.");
            }
        }

        string cell = kind switch { "lstm" => "lstm", "gru" => "gru", _ => "vanilla" };
        int gates = kind switch { "lstm" => 4, "gru" => 3, _ => 1 };
        int directions = bidirectional ? 2 : 1;
        int[] order = kind == "gru" ? [1, 0, 2] : kind == "lstm" ? [0, 1, 2, 3] : [0];
        var tensors = new List<NamedTensor>();
        int inputSize = -1, hidden = -1, inputs = -1;
        for (int k = 0; k < recurrent; k++)
        {
            (int h, int n) = Sizes(layers[k]);
            if (k == 0)
            {
                (inputSize, hidden) = (n, h);
            }
            else if (h != hidden || n != inputs)
            {
                throw new InvalidDataException(
                    $"{source}: {layers[k].Name} has {h} units reading {n} inputs, but the layer before it has {hidden} units" +
                    (bidirectional ? $" in each direction, so it gives 2·{hidden} = {inputs} values" : "") +
                    ": every layer of an RnnGen model has the same number of units" + (bidirectional && n == hidden ? MergeMode : "."));
            }

            if (layers[k].Backward is KerasLayer backward)
            {
                (int hb, int nb) = Sizes(backward);
                if (hb != h || nb != n)
                {
                    throw new InvalidDataException(
                        $"{source}: {backward.Name} has {hb} units reading {nb} inputs, but {layers[k].Name} has {h} units reading {n} inputs: " +
                        "both directions of a bidirectional RnnGen layer (PyTorch's) have the same sizes.");
                }
            }

            inputs = directions * h;
        }

        for (int k = 0; k < recurrent; k++)
        {
            Add(layers[k], $"_l{k}");
            if (layers[k].Backward is KerasLayer backward)
            {
                Add(backward, $"_l{k}_reverse");
            }
        }

        (int Units, int Inputs) Sizes(KerasLayer layer)
        {
            if (layer.Weights.Count is < 2 or > 3)
            {
                throw new InvalidDataException(
                    $"{source}: {layer.Name} ({kind}) has {layer.Weights.Count} weight arrays, but a Keras {kind} layer has a kernel, a recurrent kernel and a bias.");
            }

            KerasArray kernel = layer.Weights[0], rec = layer.Weights[1];
            if (kernel.Shape.Length != 2 || rec.Shape.Length != 2 || rec.Shape[1] != gates * rec.Shape[0] || kernel.Shape[1] != rec.Shape[1])
            {
                throw new InvalidDataException(
                    $"{source}: {layer.Name} ({kind}) has a kernel {Shape(kernel.Shape)} and a recurrent kernel {Shape(rec.Shape)}, " +
                    $"but a Keras {kind} layer of u units has [inputs, {gates}·u] and [u, {gates}·u].");
            }

            int h = rec.Shape[0], gh = gates * h;
            if (layer.Weights.Count == 3)
            {
                KerasArray bias = layer.Weights[2];
                if (kind == "gru" && bias.Shape.Length == 1)
                {
                    throw new InvalidDataException(
                        $"{source}: {layer.Name} is a GRU with reset_after = False (one bias of {Shape(bias.Shape)}): it resets the state before the recurrent " +
                        "product, which RnnGen's GRU (PyTorch's) cannot express. Train it with reset_after = True, Keras' default.");
                }

                if (kind == "gru" && (bias.Shape.Length != 2 || bias.Shape[0] != 2 || bias.Shape[1] != gh))
                {
                    throw new InvalidDataException($"{source}: {layer.Name} (gru) has a bias {Shape(bias.Shape)}, but a reset_after GRU of {h} units has [2, {gh}].");
                }

                if (kind != "gru" && (bias.Shape.Length != 1 || bias.Shape[0] != gh))
                {
                    throw new InvalidDataException($"{source}: {layer.Name} ({kind}) has a bias {Shape(bias.Shape)}, but a layer of {h} units has [{gh}].");
                }
            }

            return (h, kernel.Shape[0]);
        }

        // Shapes are checked (Sizes) before this runs.
        void Add(KerasLayer layer, string suffix)
        {
            KerasArray kernel = layer.Weights[0], rec = layer.Weights[1];
            int h = rec.Shape[0], n = kernel.Shape[0], gh = gates * h;
            double[] biasIh = new double[gh], biasHh = new double[gh];
            if (layer.Weights.Count == 3 && kind == "gru")
            {
                biasIh = ImportImage.Blocks(layer.Weights[2].Values.AsSpan(0, gh), h, 0, order);
                biasHh = ImportImage.Blocks(layer.Weights[2].Values.AsSpan(gh, gh), h, 0, order);
            }
            else if (layer.Weights.Count == 3)
            {
                biasIh = layer.Weights[2].Values;
            }

            tensors.Add(new("rnn.weight_ih" + suffix, [gh, n], ImportImage.Blocks(ImportImage.Transpose(kernel.Values, n, gh), h, n, order)));
            tensors.Add(new("rnn.weight_hh" + suffix, [gh, h], ImportImage.Blocks(ImportImage.Transpose(rec.Values, h, gh), h, h, order)));
            tensors.Add(new("rnn.bias_ih" + suffix, [gh], biasIh));
            tensors.Add(new("rnn.bias_hh" + suffix, [gh], biasHh));
        }

        KerasLayer head = layers[recurrent];
        KerasArray weight = head.Weights.Count is 1 or 2 ? head.Weights[0] : throw new InvalidDataException(
            $"{source}: the dense layer {head.Name} has {head.Weights.Count} weight arrays, but a Keras Dense layer has a kernel and a bias.");
        if (weight.Shape.Length != 2 || weight.Shape[0] != inputs)
        {
            throw new InvalidDataException(
                $"{source}: the dense layer {head.Name} has a kernel {Shape(weight.Shape)}, but it follows {inputs} " +
                (bidirectional ? $"values (2·{hidden} units, forward and backward)" : "units") + $", so it needs [{inputs}, outputs]" +
                (bidirectional && weight.Shape.Length == 2 && weight.Shape[0] == hidden ? MergeMode : "."));
        }

        int output = weight.Shape[1];
        double[] headBias = new double[output];
        if (head.Weights.Count == 2)
        {
            KerasArray bias = head.Weights[1];
            if (bias.Shape.Length != 1 || bias.Shape[0] != output)
            {
                throw new InvalidDataException($"{source}: the dense layer {head.Name} has a bias {Shape(bias.Shape)}, but {output} outputs.");
            }

            headBias = bias.Values;
        }

        tensors.Add(new("output.weight", [output, inputs], ImportImage.Transpose(weight.Values, inputs, output)));
        tensors.Add(new("output.bias", [output], headBias));
        var facts = ImportImage.Facts(cell, inputSize, hidden, output, recurrent, bidirectional, cell == "vanilla" ? "tanh" : null, "dense");
        return (tensors, facts);
    }

    // The file does not record a Bidirectional layer's merge_mode; only its readers' shapes tell "sum", "mul" or "ave".
    private const string MergeMode =
        " (reading one direction's width: a Bidirectional merge_mode of sum, mul or ave, which RnnGen cannot express; it concatenates, Keras' default \"concat\").";

    public static string Shape(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";
}
