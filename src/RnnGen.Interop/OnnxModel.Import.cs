using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using Google.Protobuf;
using RnnGen.Interop.Internal;
using RnnGen.Interop.Onnx;

namespace RnnGen.Interop;

public static partial class OnnxModel
{
    /// <summary>Largest ONNX file <see cref="Import"/> reads: 1 GiB (protobuf's own limit is 2 GiB).</summary>
    public const long MaxImportBytes = 1L << 30;

    /// <summary>
    /// Loads the weights of an ONNX recurrent network into <paramref name="model"/>: one stack of <c>RNN</c>,
    /// <c>LSTM</c> or <c>GRU</c> nodes (one node per layer, forward or bidirectional) and one linear head
    /// (<c>MatMul</c> + <c>Add</c>, or <c>Gemm</c>), as <c>torch.onnx.export</c> writes for an <c>nn.RNN</c>/<c>nn.LSTM</c>/
    /// <c>nn.GRU</c> followed by an <c>nn.Linear</c>, and as <see cref="Export"/> writes. Gates are reordered from ONNX's
    /// order to PyTorch's, and the weights go through the model's own <c>LoadWeights</c>.
    /// </summary>
    /// <param name="model">Any generated model whose declaration fits the file.</param>
    /// <param name="stream">The ONNX file.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid ONNX model, its graph is not such a network (the message names the node), a value is not
    /// finite, or it does not fit the model (the message gives the declaration that fits the file). The model keeps its weights.
    /// </exception>
    public static void Import<T, TInput, TTarget>(IRnnModel<T, TInput, TTarget> model, Stream stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = ImportImage.ReadAll(stream, MaxImportBytes, "The ONNX file");
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"The ONNX file is not a valid ONNX model (protobuf): {e.Message}", e);
        }

        if (proto.Graph is null || proto.Graph.Node.Count == 0)
        {
            throw new InvalidDataException("The ONNX file has no graph (or an empty one): it is not an ONNX model.");
        }

        var reader = new OnnxNetworkReader(proto.Graph);
        reader.Read();

        // A file RnnGen exported records its declaration; what the graph cannot show (the loss, Outputs) is checked
        // as LoadWeights checks a safetensors file's __metadata__.
        foreach (StringStringEntryProto entry in proto.MetadataProps)
        {
            if (entry.Key is "rnngen.loss" or "rnngen.outputs")
            {
                reader.Facts.TryAdd(entry.Key, entry.Value);
            }
        }

        ImportImage.Load(model, reader.Tensors, reader.Facts, "The ONNX file");
    }

    /// <summary>Finds the recurrent stack and the head in a graph and turns them into PyTorch's tensors.</summary>
    private sealed class OnnxNetworkReader(GraphProto graph)
    {
        private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
        private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);

        public List<NamedTensor> Tensors { get; } = [];

        public Dictionary<string, string> Facts { get; private set; } = [];

        public void Read()
        {
            foreach (TensorProto tensor in graph.Initializer)
            {
                _constants[tensor.Name] = tensor;
            }

            foreach (NodeProto node in graph.Node)
            {
                foreach (string produced in node.Output)
                {
                    _producers[produced] = node;
                }

                if (node.OpType == "Constant" && node.Output.Count == 1 && node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: { } value })
                {
                    _constants[node.Output[0]] = value;
                }
            }

            // nn.Embedding exports as a Gather from a constant [Vocab, E] matrix: a model declared with Embedding = E.
            int embedding = 0;
            if (graph.Node.FirstOrDefault(n => IsStandard(n) && n.OpType == "Gather" && n.Input.Count == 2 && _constants.TryGetValue(n.Input[0], out TensorProto? table) && table.Dims.Count == 2) is { } lookup)
            {
                if (lookup.Attribute.FirstOrDefault(a => a.Name == "axis") is { I: not 0 } axis)
                {
                    throw new InvalidDataException($"{Describe(lookup)} gathers along axis {axis.I}, but an embedding looks rows up (axis 0).");
                }

                double[] rows = Constant(lookup, 0, "the embedding table", out long[] tableDims);
                embedding = (int)tableDims[1];
                Tensors.Add(new("embedding.weight", [(int)tableDims[0], embedding], rows));
            }

            List<NodeProto> cells = graph.Node.Where(n => IsStandard(n) && n.OpType is "RNN" or "LSTM" or "GRU").ToList();
            if (cells.Count == 0)
            {
                string ops = string.Join(", ", graph.Node.Select(n => n.OpType).Distinct().Take(12));
                throw new InvalidDataException(
                    $"The ONNX graph has no RNN, LSTM or GRU node (it has {ops}), so it is not a recurrent network RnnGen can load.");
            }

            if (cells.Count > 8)
            {
                throw new InvalidDataException($"The ONNX graph has {cells.Count} recurrent nodes, but an RnnGen model has at most 8 layers (one node per layer).");
            }

            string op = cells[0].OpType;
            if (cells.FirstOrDefault(n => n.OpType != op) is { } other)
            {
                throw new InvalidDataException(
                    $"The ONNX graph mixes recurrent operators ({Describe(cells[0])} and {Describe(other)}), but every layer of an RnnGen model has the same cell.");
            }

            string cell = op switch { "LSTM" => "lstm", "GRU" => "gru", _ => "vanilla" };
            int gates = op switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
            // ONNX's gate blocks, in PyTorch's order: LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n.
            int[] order = op switch { "LSTM" => [0, 2, 3, 1], "GRU" => [1, 0, 2], _ => [0] };

            int hidden = -1, directions = -1, inputSize = -1;
            string? activation = null;
            for (int layer = 0; layer < cells.Count; layer++)
            {
                NodeProto node = cells[layer];
                CheckAttributes(node, op, ref activation);
                int dirs = Direction(node);
                double[] w = Constant(node, 1, "W", out long[] wDims);
                double[] r = Constant(node, 2, "R", out long[] rDims);
                if (wDims.Length != 3 || rDims.Length != 3 || rDims[1] % gates != 0 || wDims[0] != dirs || rDims[0] != dirs || wDims[1] != rDims[1] || rDims[1] != gates * rDims[2])
                {
                    throw new InvalidDataException(
                        $"{Describe(node)} has W {Shape(wDims)} and R {Shape(rDims)}, but a {op} with {dirs} direction(s) needs " +
                        $"W [{dirs}, {gates}·hidden, input] and R [{dirs}, {gates}·hidden, hidden].");
                }

                int h = (int)rDims[2];
                int inputs = (int)wDims[2];
                if (layer == 0)
                {
                    (hidden, directions, inputSize) = (h, dirs, inputs);
                    if (embedding > 0 && inputs != embedding)
                    {
                        throw new InvalidDataException($"{Describe(node)} reads {inputs} inputs, but the embedding before it gives {embedding}.");
                    }
                }
                else if (h != hidden || dirs != directions || inputs != directions * hidden)
                {
                    throw new InvalidDataException(
                        $"{Describe(node)} (layer {layer}) has hidden size {h}, {dirs} direction(s) and {inputs} inputs, but the layer before it " +
                        $"has hidden size {hidden} and {directions} direction(s), so it should read {directions * hidden} inputs: RnnGen's layers all have one size.");
                }

                if (node.Attribute.FirstOrDefault(a => a.Name == "hidden_size") is { } size && size.I != h)
                {
                    throw new InvalidDataException($"{Describe(node)} has hidden_size = {size.I}, but its R is {Shape(rDims)}.");
                }

                double[] b = node.Input.Count > 3 && node.Input[3].Length > 0
                    ? Constant(node, 3, "B", out long[] bDims) is var values && bDims.SequenceEqual(new long[] { dirs, 2L * gates * h })
                        ? values
                        : throw new InvalidDataException($"{Describe(node)} has B {Shape(bDims)}, but needs [{dirs}, {2 * gates * h}].")
                    : new double[dirs * 2 * gates * h];
                CheckZeroInput(node, 5, "initial_h");
                if (op == "LSTM")
                {
                    CheckZeroInput(node, 6, "initial_c");
                    CheckZeroInput(node, 7, "P (peepholes)");
                }

                int gh = gates * h;
                for (int d = 0; d < dirs; d++)
                {
                    string suffix = $"_l{layer}" + (d == 1 ? "_reverse" : "");
                    Tensors.Add(new("rnn.weight_ih" + suffix, [gh, inputs], ImportImage.Blocks(w.AsSpan(d * gh * inputs, gh * inputs), h, inputs, order)));
                    Tensors.Add(new("rnn.weight_hh" + suffix, [gh, h], ImportImage.Blocks(r.AsSpan(d * gh * h, gh * h), h, h, order)));
                    Tensors.Add(new("rnn.bias_ih" + suffix, [gh], ImportImage.Blocks(b.AsSpan(d * 2 * gh, gh), h, 0, order)));
                    Tensors.Add(new("rnn.bias_hh" + suffix, [gh], ImportImage.Blocks(b.AsSpan(d * 2 * gh + gh, gh), h, 0, order)));
                }
            }

            (double[] weight, double[] bias, int output) = Head(directions * hidden);
            Tensors.Add(new("output.weight", [output, directions * hidden], weight));
            Tensors.Add(new("output.bias", [output], bias));
            Facts = ImportImage.Facts(cell, embedding > 0 ? Tensors[0].Shape[0] : inputSize, hidden, output, cells.Count, directions == 2, activation, embedding > 0 ? "vocab" : InputKind());
            if (embedding > 0)
            {
                Facts["rnngen.embedding"] = embedding.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        /// <summary>The head: the one MatMul or Gemm with a constant matrix, and the bias added to its result.</summary>
        private (double[] Weight, double[] Bias, int Output) Head(int features)
        {
            var heads = new List<(NodeProto Node, double[] Matrix, long[] Dims, bool Transposed)>();
            foreach (NodeProto node in graph.Node.Where(n => IsStandard(n) && n.OpType is "MatMul" or "Gemm"))
            {
                if (node.Input.Count >= 2 && TryMatrix(node.Input[1], out double[] matrix, out long[] dims, out bool transposed))
                {
                    bool transB = node.OpType == "Gemm" && node.Attribute.Any(a => a.Name == "transB" && a.I != 0);
                    heads.Add((node, matrix, dims, transposed ^ transB));
                }
            }

            if (heads.Count != 1)
            {
                throw new InvalidDataException(heads.Count == 0
                    ? "The ONNX graph has no MatMul or Gemm with a constant weight matrix after its recurrent layers: RnnGen needs a linear head (nn.Linear)."
                    : $"The ONNX graph has {heads.Count} MatMul/Gemm nodes with constant weights ({string.Join(", ", heads.Select(h => Describe(h.Node)))}), " +
                      "but an RnnGen model has one linear head after its recurrent layers and nothing else.");
            }

            (NodeProto head, double[] m, long[] d, bool isTransposed) = heads[0];
            // A weight stored [features, output] (MatMul's B) is read as [output, features] (nn.Linear's weight).
            long rows = isTransposed ? d[0] : d[1], columns = isTransposed ? d[1] : d[0];
            if (columns != features)
            {
                throw new InvalidDataException(
                    $"The head {Describe(head)} has a weight of shape {Shape(d)}, which reads {columns} features, but the recurrent layers give {features}.");
            }

            int output = (int)rows;
            double[] weight = isTransposed ? m : ImportImage.Transpose(m, (int)d[0], (int)d[1]);
            double alpha = 1, beta = 1;
            string? biasName = null;
            if (head.OpType == "Gemm")
            {
                alpha = head.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1;
                beta = head.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1;
                if (head.Attribute.Any(a => a.Name == "transA" && a.I != 0))
                {
                    throw new InvalidDataException($"The head {Describe(head)} has transA = 1, which is not a linear layer over the features.");
                }

                biasName = head.Input.Count > 2 && head.Input[2].Length > 0 ? head.Input[2] : null;
            }

            if (biasName is null)
            {
                NodeProto? add = graph.Node.FirstOrDefault(n => IsStandard(n) && n.OpType == "Add" && n.Input.Contains(head.Output[0]));
                biasName = add?.Input.FirstOrDefault(i => i != head.Output[0] && _constants.ContainsKey(i));
            }

            double[] bias = new double[output];
            if (biasName is not null)
            {
                double[] values = Read(_constants[biasName], out long[] dims);
                if (values.Length != output || dims.Length > 2 || (dims.Length == 2 && dims[0] != 1))
                {
                    throw new InvalidDataException($"The head's bias '{biasName}' has shape {Shape(dims)}, but the head has {output} outputs.");
                }

                for (int i = 0; i < output; i++)
                {
                    bias[i] = beta * values[i];
                }
            }

            if (alpha != 1)
            {
                for (int i = 0; i < weight.Length; i++)
                {
                    weight[i] *= alpha;
                }
            }

            return (weight, bias, output);
        }

        /// <summary>A constant 2-D matrix, directly or through a Transpose (as some exporters leave nn.Linear's weight).</summary>
        private bool TryMatrix(string name, out double[] matrix, out long[] dims, out bool transposed)
        {
            transposed = false;
            if (!_constants.ContainsKey(name) && _producers.TryGetValue(name, out NodeProto? producer) && producer.OpType == "Transpose"
                && producer.Input.Count == 1 && _constants.ContainsKey(producer.Input[0]))
            {
                name = producer.Input[0];
                transposed = true;
            }

            if (_constants.TryGetValue(name, out TensorProto? tensor) && tensor.Dims.Count == 2)
            {
                matrix = Read(tensor, out dims);
                return true;
            }

            (matrix, dims) = ([], []);
            return false;
        }

        private string? InputKind()
        {
            ValueInfoProto? input = graph.Input.FirstOrDefault(i => !_constants.ContainsKey(i.Name));
            int elem = input?.Type?.TensorType?.ElemType ?? 0;
            return elem switch
            {
                (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32 => "vocab",
                (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double or (int)TensorProto.Types.DataType.Float16 => "dense",
                _ => null,
            };
        }

        private static void CheckAttributes(NodeProto node, string op, ref string? activation)
        {
            foreach (AttributeProto attribute in node.Attribute)
            {
                switch (attribute.Name)
                {
                    case "clip":
                        throw new InvalidDataException($"{Describe(node)} clips its cell (clip = {attribute.F.ToString(CultureInfo.InvariantCulture)}), which RnnGen's cells do not.");
                    case "input_forget" when attribute.I != 0:
                        throw new InvalidDataException($"{Describe(node)} couples its input and forget gates (input_forget = 1), which RnnGen's LSTM does not.");
                    case "linear_before_reset" when attribute.I == 0:
                        throw new InvalidDataException(
                            $"{Describe(node)} has linear_before_reset = 0: its reset gate multiplies the state before the recurrent product " +
                            "(Keras' reset_after = False). RnnGen's GRU is PyTorch's, which needs linear_before_reset = 1.");
                    case "activation_alpha" or "activation_beta":
                        throw new InvalidDataException($"{Describe(node)} has {attribute.Name}, parameters of activations RnnGen's cells do not use.");
                    case "activations":
                        string[] names = attribute.Strings.Select(s => s.ToStringUtf8()).ToArray();
                        string[] standard = op switch { "LSTM" => ["Sigmoid", "Tanh", "Tanh"], "GRU" => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
                        for (int i = 0; i < names.Length; i++)
                        {
                            string expected = standard[i % standard.Length];
                            bool relu = op == "RNN" && names[i].Equals("Relu", StringComparison.OrdinalIgnoreCase);
                            if (!relu && !names[i].Equals(expected, StringComparison.OrdinalIgnoreCase))
                            {
                                throw new InvalidDataException(
                                    $"{Describe(node)} uses the activation {names[i]} where RnnGen's {op} uses {expected}{(op == "RNN" ? " or Relu" : "")}.");
                            }

                            string mine = relu ? "relu" : "tanh";
                            if (op == "RNN" && activation is not null && activation != mine)
                            {
                                throw new InvalidDataException($"{Describe(node)} mixes Tanh and Relu, but every layer of an RnnGen model has one activation.");
                            }

                            activation = op == "RNN" ? mine : null;
                        }

                        break;
                }
            }

            if (op == "RNN")
            {
                activation ??= "tanh";
            }
        }

        private static int Direction(NodeProto node)
        {
            string direction = node.Attribute.FirstOrDefault(a => a.Name == "direction")?.S.ToStringUtf8() ?? "forward";
            return direction switch
            {
                "forward" => 1,
                "bidirectional" => 2,
                _ => throw new InvalidDataException(
                    $"{Describe(node)} runs direction = \"{direction}\" alone; RnnGen runs forward, or forward and reverse (bidirectional)."),
            };
        }

        private double[] Constant(NodeProto node, int index, string what, out long[] dims)
        {
            if (node.Input.Count <= index || !_constants.TryGetValue(node.Input[index], out TensorProto? tensor))
            {
                throw new InvalidDataException(
                    $"{Describe(node)} has no constant {what} (input {index}): its weights must be initializers or Constant nodes.");
            }

            return Read(tensor, out dims);
        }

        /// <summary>Accepts an optional input that is absent, computed (PyTorch computes zeros) or a constant of zeros.</summary>
        private void CheckZeroInput(NodeProto node, int index, string what)
        {
            if (node.Input.Count > index && _constants.TryGetValue(node.Input[index], out TensorProto? tensor) && Read(tensor, out _).Any(v => v != 0))
            {
                throw new InvalidDataException($"{Describe(node)} has a non-zero {what}; RnnGen's layers start from the zero state and have no peepholes.");
            }
        }

        private static bool IsStandard(NodeProto node) => node.Domain is "" or "ai.onnx";

        private static string Describe(NodeProto node) =>
            string.IsNullOrEmpty(node.Name) ? $"The {node.OpType} node" : $"The {node.OpType} node '{node.Name}'";

        private static string Shape(long[] dims) => "[" + string.Join(", ", dims) + "]";

        /// <summary>The values of an initializer as double, after checking its dimensions against its data.</summary>
        public static double[] Read(TensorProto tensor, out long[] dims)
        {
            dims = tensor.Dims.ToArray();
            long count = 1;
            foreach (long dim in dims)
            {
                if (dim < 0 || dim > ImportImage.MaxElements || (count *= dim) > ImportImage.MaxElements)
                {
                    throw new InvalidDataException(
                        $"The ONNX tensor '{tensor.Name}' has dimensions {Shape(dims)}: negative, or more than {ImportImage.MaxElements} elements.");
                }
            }

            if (tensor.DataLocation != 0)
            {
                throw new InvalidDataException(
                    $"The ONNX tensor '{tensor.Name}' keeps its data in an external file, which Import does not read: save the model as one file.");
            }

            var values = new double[count];
            var type = (TensorProto.Types.DataType)tensor.DataType;
            int size = type switch
            {
                TensorProto.Types.DataType.Float => 4,
                TensorProto.Types.DataType.Double => 8,
                TensorProto.Types.DataType.Float16 => 2,
                _ => throw new InvalidDataException(
                    $"The ONNX tensor '{tensor.Name}' has data type {type}; weights must be FLOAT, DOUBLE or FLOAT16."),
            };
            if (!tensor.RawData.IsEmpty)
            {
                ReadOnlySpan<byte> raw = tensor.RawData.Span;
                if (raw.Length != count * size)
                {
                    throw new InvalidDataException(
                        $"The ONNX tensor '{tensor.Name}' has {raw.Length} bytes of data, but {Shape(dims)} {type} needs {count * size}.");
                }

                for (int i = 0; i < count; i++)
                {
                    values[i] = size switch
                    {
                        4 => BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]),
                        8 => BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]),
                        _ => (double)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]),
                    };
                }

                return values;
            }

            int available = type switch
            {
                TensorProto.Types.DataType.Float => tensor.FloatData.Count,
                TensorProto.Types.DataType.Double => tensor.DoubleData.Count,
                _ => tensor.Int32Data.Count,
            };
            if (available != count)
            {
                throw new InvalidDataException(
                    $"The ONNX tensor '{tensor.Name}' has {available} values, but its dimensions {Shape(dims)} need {count}.");
            }

            for (int i = 0; i < count; i++)
            {
                values[i] = type switch
                {
                    TensorProto.Types.DataType.Float => tensor.FloatData[i],
                    TensorProto.Types.DataType.Double => tensor.DoubleData[i],
                    _ => (double)BitConverter.UInt16BitsToHalf((ushort)tensor.Int32Data[i]),
                };
            }

            return values;
        }
    }
}
