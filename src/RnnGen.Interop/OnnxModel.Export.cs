using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using Google.Protobuf;
using RnnGen.Interop.Internal;
using RnnGen.Interop.Onnx;

namespace RnnGen.Interop;

/// <summary>
/// ONNX for RnnGen models: <see cref="Export"/> writes a model as an ONNX graph of standard operators (opset 17), and
/// <see cref="Import"/> loads the weights of an ONNX recurrent network with a linear head into a generated model.
/// </summary>
/// <remarks>
/// The graph's input is <c>input</c>, <c>[batch, steps]</c> int64 token ids (Vocab models) or <c>[batch, steps, Input]</c>
/// values (dense models), batch first; its output is <c>output</c>, <c>[batch, steps, Output]</c> (logits for
/// cross-entropy models, before the softmax), or <c>[batch, Output]</c> for <see cref="Outputs.LastStep"/> models, which
/// predict from the last step only. Batch and steps are dynamic. docs/interop.md has the details and the PyTorch side.
/// </remarks>
public static partial class OnnxModel
{
    /// <summary>The operator set the exported graphs use.</summary>
    public const int Opset = 17;

    private const int IrVersion = 8;
    private const int ElemFloat = (int)TensorProto.Types.DataType.Float;
    private const int ElemDouble = (int)TensorProto.Types.DataType.Double;
    private const int ElemInt64 = (int)TensorProto.Types.DataType.Int64;

    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX model: a <c>OneHot</c> of the token ids (Vocab models) or, with an
    /// embedding layer, a <c>Gather</c> of its rows, one
    /// <c>RNN</c>/<c>LSTM</c>/<c>GRU</c> node per layer (bidirectional where the model is; PyTorch's GRU is
    /// <c>linear_before_reset = 1</c>), and the head as <c>MatMul</c> + <c>Add</c>. Single-precision models write float
    /// tensors, double-precision models double.
    /// </summary>
    /// <param name="model">Any generated model.</param>
    /// <param name="stream">Receives the ONNX file (a serialized <c>ModelProto</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="NotSupportedException">
    /// The model's mathematics has no ONNX standard operator: an LSTM <c>Projection</c> (ONNX's LSTM has no
    /// <c>proj_size</c>) or <c>Recurrence.Output</c> (ONNX's RNN feeds back its hidden state, not the head's output).
    /// Nothing is written.
    /// </exception>
    public static void Export<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, Stream stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ModelFacts facts = ModelFacts.Read(model);
        string name = model.GetType().Name;
        if (facts.Projection > 0)
        {
            throw new NotSupportedException(
                $"{name} has Projection = {facts.Projection} (PyTorch's proj_size), but ONNX's LSTM operator has no projection " +
                "(h_t = W_hr (o ⊙ tanh c_t)): the model cannot be written with standard operators. Declare it without Projection to export it.");
        }

        if (facts.Recurrence == "output")
        {
            throw new NotSupportedException(
                $"{name} has Recurrence = Recurrence.Output (the previous output fed back into the cell), but ONNX's RNN operator " +
                "feeds back its own hidden state only, and a loop over steps is not a standard recurrent operator: the model cannot be exported.");
        }

        ModelProto proto = Build(facts, name);
        using var buffer = new MemoryStream();
        proto.WriteTo(buffer);
        buffer.Position = 0;
        buffer.CopyTo(stream);
        stream.Flush();
    }

    private static ModelProto Build(ModelFacts f, string modelName)
    {
        int elem = f.IsDouble ? ElemDouble : ElemFloat;
        var graph = new GraphProto { Name = modelName };
        int hidden = f.Hidden, gates = f.Gates, dirs = f.Directions;

        graph.Input.Add(f.TokenInput
            ? Value("input", ElemInt64, "batch", "steps")
            : Value("input", elem, "batch", "steps", f.InputSize));
        graph.Output.Add(f.LastStep ? Value("output", elem, "batch", f.Output) : Value("output", elem, "batch", "steps", f.Output));

        string x = "input";
        if (f.Embedding > 0)
        {
            // nn.Embedding, as torch.onnx.export writes it: rows of the [Vocab, E] table gathered by token id.
            graph.Initializer.Add(Values("embedding.weight", f.IsDouble, [f.InputSize, f.Embedding], f.Tensor("embedding.weight").Values));
            graph.Node.Add(Node("Gather", "embedding", ["embedding.weight", x], ["embedded"], Int("axis", 0)));
            x = "embedded";
        }
        else if (f.TokenInput)
        {
            graph.Initializer.Add(Int64s("vocab", [], f.InputSize));
            graph.Initializer.Add(Values("one_hot_values", f.IsDouble, [2], [0, 1]));
            graph.Node.Add(Node("OneHot", "one_hot", [x, "vocab", "one_hot_values"], ["one_hot"], Int("axis", -1)));
            x = "one_hot";
        }

        // Batch first outside, sequence first inside: the recurrent operators' default layout.
        graph.Node.Add(Node("Transpose", "to_time_major", [x], ["x_l0"], Ints("perm", 1, 0, 2)));
        x = "x_l0";
        graph.Initializer.Add(Int64s("merge_directions", [3], 0, 0, -1));

        // PyTorch's gate blocks, in ONNX's order: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h.
        int[] order = f.Cell switch { "lstm" => [0, 3, 1, 2], "gru" => [1, 0, 2], _ => [0] };
        string op = f.Cell switch { "lstm" => "LSTM", "gru" => "GRU", _ => "RNN" };
        for (int layer = 0; layer < f.Layers; layer++)
        {
            int inputs = layer == 0 ? f.LayerInput : dirs * hidden;
            var w = new List<double>();
            var r = new List<double>();
            var b = new List<double>();
            for (int d = 0; d < dirs; d++)
            {
                string suffix = $"_l{layer}" + (d == 1 ? "_reverse" : "");
                w.AddRange(ImportImage.Blocks(f.Tensor("rnn.weight_ih" + suffix).Values, hidden, inputs, order));
                r.AddRange(ImportImage.Blocks(f.Tensor("rnn.weight_hh" + suffix).Values, hidden, hidden, order));
                b.AddRange(ImportImage.Blocks(f.Tensor("rnn.bias_ih" + suffix).Values, hidden, 0, order));
                b.AddRange(ImportImage.Blocks(f.Tensor("rnn.bias_hh" + suffix).Values, hidden, 0, order));
            }

            string l = $"l{layer}";
            graph.Initializer.Add(Values($"W_{l}", f.IsDouble, [dirs, gates * hidden, inputs], w.ToArray()));
            graph.Initializer.Add(Values($"R_{l}", f.IsDouble, [dirs, gates * hidden, hidden], r.ToArray()));
            graph.Initializer.Add(Values($"B_{l}", f.IsDouble, [dirs, 2 * gates * hidden], b.ToArray()));
            var node = Node(op, $"rnn_{l}", [x, $"W_{l}", $"R_{l}", $"B_{l}"], [$"y_{l}"],
                Int("hidden_size", hidden), Text("direction", dirs == 2 ? "bidirectional" : "forward"));
            if (f.Cell == "gru")
            {
                node.Attribute.Add(Int("linear_before_reset", 1));
            }
            else if (f.Cell == "vanilla")
            {
                string activation = f.Activation == "relu" ? "Relu" : "Tanh";
                node.Attribute.Add(Texts("activations", dirs == 2 ? [activation, activation] : [activation]));
            }

            graph.Node.Add(node);

            // Y is [steps, directions, batch, hidden]; the next layer and the head read [steps, batch, directions·hidden].
            graph.Node.Add(Node("Transpose", $"directions_last_{l}", [$"y_{l}"], [$"y_{l}_t"], Ints("perm", 0, 2, 1, 3)));
            x = $"x_l{layer + 1}";
            graph.Node.Add(Node("Reshape", $"merge_directions_{l}", [$"y_{l}_t", "merge_directions"], [x]));
        }

        graph.Node.Add(Node("Transpose", "to_batch_major", [x], ["features"], Ints("perm", 1, 0, 2)));
        x = "features";
        if (f.LastStep)
        {
            graph.Initializer.Add(Int64s("last_step", [], -1));
            graph.Node.Add(Node("Gather", "last_step", [x, "last_step"], ["last_features"], Int("axis", 1)));
            x = "last_features";
        }

        int features = dirs * hidden;
        NamedTensor head = f.Tensor("output.weight");
        graph.Initializer.Add(Values("output_weight_t", f.IsDouble, [features, f.Output], ImportImage.Transpose(head.Values, f.Output, features)));
        graph.Initializer.Add(Values("output_bias", f.IsDouble, [f.Output], f.Tensor("output.bias").Values));
        graph.Node.Add(Node("MatMul", "head_matmul", [x, "output_weight_t"], ["head"]));
        graph.Node.Add(Node("Add", "head_bias", ["head", "output_bias"], ["output"]));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "RnnGen.Interop",
            ProducerVersion = typeof(OnnxModel).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
            DocString = $"{modelName}, exported by RnnGen.Interop: input [batch, steps{(f.TokenInput ? "] int64 token ids" : ", Input]")}, " +
                        (f.LastStep ? "output [batch, Output] from the last step." : $"output [batch, steps, Output]{(f.CrossEntropy ? " logits" : "")}."),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (KeyValuePair<string, string> pair in f.Metadata)
        {
            if (pair.Key.StartsWith("rnngen.", StringComparison.Ordinal))
            {
                model.MetadataProps.Add(new StringStringEntryProto { Key = pair.Key, Value = pair.Value });
            }
        }

        return model;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Texts(string name, string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        foreach (string value in values)
        {
            attribute.Strings.Add(ByteString.CopyFromUtf8(value));
        }

        return attribute;
    }

    private static TensorProto Values(string name, bool isDouble, long[] dims, IReadOnlyList<double> values)
    {
        var tensor = new TensorProto { Name = name, DataType = isDouble ? ElemDouble : ElemFloat };
        tensor.Dims.Add(dims);
        byte[] raw = new byte[values.Count * (isDouble ? 8 : 4)];
        for (int i = 0; i < values.Count; i++)
        {
            if (isDouble)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(i * 8), values[i]);
            }
            else
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), (float)values[i]);
            }
        }

        tensor.RawData = ByteString.CopyFrom(raw);
        return tensor;
    }

    private static TensorProto Int64s(string name, long[] dims, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = ElemInt64 };
        tensor.Dims.Add(dims);
        tensor.Int64Data.Add(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, int elem, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
        {
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = (int)dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elem, Shape = shape } },
        };
    }
}
