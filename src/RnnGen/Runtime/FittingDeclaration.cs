using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using RnnGen.IO;

namespace RnnGen.Runtime;

/// <summary>
/// The <c>[RnnModel(...)]</c> declaration that loads a weight file, for the message of a file that does not fit
/// the model: " The file fits [RnnModel(Hidden = 50, Input = 3, Output = 2, Loss = Loss.SquaredError)]."
/// </summary>
/// <remarks>
/// A file RnnGen wrote records its declaration in <c>__metadata__</c> (<c>rnngen.hidden</c>, <c>rnngen.loss</c>, ...),
/// which is used as written. What a file does not record (one from PyTorch, or an older RnnGen) is read from its
/// tensors' names and shapes: layers from <c>_l{n}</c>, directions from <c>_reverse</c>, a projection from
/// <c>weight_hr</c>, the sizes and the cell from the shapes, the precision from the dtype. What neither can tell
/// (token or dense input, the loss, <c>Outputs</c>, the vanilla cell's activation) is this model's. Nothing is
/// suggested when the file does not have the tensors of a network RnnGen can declare, and the text holds only
/// values parsed and range-checked here, whatever the file contains.
/// </remarks>
internal static class FittingDeclaration
{
    private const int MaxHidden = 4096, MaxWidth = 1 << 24, MaxLayers = 8, MaxMaxSteps = 1_000_000;

    /// <summary>" The file fits [RnnModel(...)]." or "".</summary>
    /// <param name="header">The file's header.</param>
    /// <param name="model">The loading model's <c>rnngen.*</c> identity (its generated <c>Identity</c>).</param>
    public static string Describe(SafeTensorsHeader header, ReadOnlySpan<KeyValuePair<string, string>> model)
    {
        var d = new Declaration();
        foreach (KeyValuePair<string, string> pair in model)
        {
            // Only what a file's tensors cannot show comes from this model.
            if (pair.Key is "rnngen.input" or "rnngen.loss" or "rnngen.outputs" or "rnngen.activation")
            {
                d.Set(pair.Key, pair.Value);
            }
        }

        bool shapes = d.ReadTensors(header);
        bool recorded = false;
        foreach (KeyValuePair<string, string> pair in header.Metadata)
        {
            recorded |= d.Set(pair.Key, pair.Value);
        }

        return (shapes || recorded) && d.Complete ? $" The file fits {d}." : "";
    }

    /// <summary>The options of one declaration; null where not known yet.</summary>
    private sealed class Declaration
    {
        private int? _hidden, _inputSize, _output, _layers, _projection, _truncate, _maxSteps, _embedding;
        private string? _cell, _activation, _input, _loss, _outputs, _recurrence, _precision;
        private bool? _bidirectional;

        public bool Complete => _hidden is not null && _inputSize is not null && _output is not null && _cell is not null && _input is not null;

        /// <summary>Takes one <c>rnngen.*</c> value if it is valid; returns whether it did.</summary>
        public bool Set(string key, string value)
        {
            switch (key)
            {
                case "rnngen.hidden": return Int(value, 1, MaxHidden, ref _hidden);
                case "rnngen.input_size": return Int(value, 1, MaxWidth, ref _inputSize);
                case "rnngen.output": return Int(value, 1, MaxWidth, ref _output);
                case "rnngen.layers": return Int(value, 1, MaxLayers, ref _layers);
                case "rnngen.projection": return Int(value, 0, MaxHidden - 1, ref _projection);
                case "rnngen.embedding": return Int(value, 1, MaxWidth, ref _embedding);
                case "rnngen.truncate": return Int(value, 0, int.MaxValue, ref _truncate);
                case "rnngen.max_steps": return Int(value, 1, MaxMaxSteps, ref _maxSteps);
                case "rnngen.cell": return Word(value, ref _cell, "vanilla", "lstm", "gru");
                case "rnngen.activation": return Word(value, ref _activation, "tanh", "relu");
                case "rnngen.input": return Word(value, ref _input, "vocab", "dense");
                case "rnngen.loss": return Word(value, ref _loss, "cross_entropy", "squared_error");
                case "rnngen.outputs": return Word(value, ref _outputs, "every_step", "last_step");
                case "rnngen.recurrence": return Word(value, ref _recurrence, "hidden", "output");
                case "rnngen.precision": return Word(value, ref _precision, "single", "double");
                case "rnngen.bidirectional":
                    string? flag = null;
                    bool taken = Word(value, ref flag, "true", "false");
                    _bidirectional = taken ? flag == "true" : _bidirectional;
                    return taken;
                default: return false;
            }
        }

        /// <summary>
        /// What PyTorch's tensors show: rnn.weight_ih_l0 [gates·Hidden, input], rnn.weight_hh_l0 [gates·Hidden, Hidden,
        /// Projection or Output], rnn.weight_hr_l0 [Projection, Hidden], output.weight [Output, (2·)Hidden or
        /// Projection]. False, changing nothing, when they are not the tensors of such a network.
        /// </summary>
        public bool ReadTensors(SafeTensorsHeader header)
        {
            if (!Matrix(header, "rnn.weight_ih_l0", out long gateRows, out long inputSize)
                || !Matrix(header, "rnn.weight_hh_l0", out long recurrentRows, out long recurs)
                || !Matrix(header, "output.weight", out long output, out long features))
            {
                return false;
            }

            bool bidirectional = header.TryGetTensor("rnn.weight_ih_l0_reverse", out _);
            int layers = 1;
            while (layers < MaxLayers && header.TryGetTensor($"rnn.weight_ih_l{layers}", out _))
            {
                layers++;
            }

            long hidden, projection = 0;
            if (Matrix(header, "rnn.weight_hr_l0", out long projectionRows, out long projected))
            {
                (hidden, projection) = (projected, projectionRows);
            }
            else
            {
                hidden = bidirectional ? features / 2 : features;
            }

            if (hidden < 1 || hidden > MaxHidden || gateRows != recurrentRows || gateRows % hidden != 0
                || inputSize > MaxWidth || output > MaxWidth || features != (bidirectional ? 2 : 1) * (projection > 0 ? projection : hidden))
            {
                return false;
            }

            string? cell = (gateRows / hidden) switch { 1 => "vanilla", 3 => "gru", 4 => "lstm", _ => null };
            string? recurrence = recurs == (projection > 0 ? projection : hidden) ? "hidden"
                : cell == "vanilla" && recurs == output && layers == 1 && !bidirectional ? "output"
                : null;
            if (cell is null || recurrence is null || (projection > 0 && (cell != "lstm" || projection >= hidden)))
            {
                return false;
            }

            // An embedding layer (nn.Embedding before the RNN): token input, and layer 0 reads its rows.
            int? embedding = null;
            if (Matrix(header, "embedding.weight", out long vocab, out long width))
            {
                if (width != inputSize || vocab > MaxWidth)
                {
                    return false;
                }

                (embedding, inputSize, _input) = ((int)width, vocab, "vocab");
            }

            header.TryGetTensor("output.weight", out SafeTensorInfo? head);
            (_hidden, _inputSize, _output, _cell, _recurrence, _embedding) = ((int)hidden, (int)inputSize, (int)output, cell, recurrence, embedding);
            (_layers, _bidirectional, _projection) = (layers, bidirectional, (int)projection);
            _precision = head!.DType == SafeTensorsDType.F64 ? "double" : "single";
            return true;
        }

        /// <summary>The declaration with every option that is not the default, in the attribute's order.</summary>
        public override string ToString()
        {
            var text = new StringBuilder("[RnnModel(Hidden = ").Append(_hidden)
                .Append(_input == "dense" ? ", Input = " : ", Vocab = ").Append(_inputSize)
                .Append(", Output = ").Append(_output);
            bool vanilla = _cell == "vanilla", bidirectional = _bidirectional == true;
            int layers = _layers ?? 1;
            Option(text, !vanilla, "Cell", _cell == "lstm" ? "CellType.Lstm" : "CellType.Gru");
            Option(text, vanilla && _activation == "relu", "Activation", "Activation.Relu");
            Option(text, _loss == "squared_error", "Loss", "Loss.SquaredError");
            Option(text, _truncate > 0 && !bidirectional, "Truncate", Number(_truncate));
            Option(text, _maxSteps is not null and not 128, "MaxSteps", Number(_maxSteps));
            Option(text, _outputs == "last_step", "Outputs", "Outputs.LastStep");
            Option(text, _recurrence == "output" && vanilla && layers == 1 && !bidirectional, "Recurrence", "Recurrence.Output");
            Option(text, _precision == "double", "Precision", "Precision.Double");
            Option(text, layers > 1, "Layers", Number(layers));
            Option(text, bidirectional, "Bidirectional", "true");
            Option(text, _projection > 0 && _cell == "lstm" && _projection < _hidden, "Projection", Number(_projection));
            Option(text, _embedding > 0 && _input != "dense", "Embedding", Number(_embedding));
            return text.Append(")]").ToString();
        }

        private static void Option(StringBuilder text, bool given, string name, string value)
        {
            if (given)
            {
                text.Append(", ").Append(name).Append(" = ").Append(value);
            }
        }

        /// <summary>The number, or "" when unknown (then the option is not written).</summary>
        private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

        private static bool Matrix(SafeTensorsHeader header, string name, out long rows, out long columns)
        {
            (rows, columns) = (0, 0);
            if (!header.TryGetTensor(name, out SafeTensorInfo? tensor) || tensor.Shape.Length != 2)
            {
                return false;
            }

            ImmutableArray<long> shape = tensor.Shape;
            (rows, columns) = (shape[0], shape[1]);
            return rows > 0 && columns > 0;
        }

        private static bool Int(string value, int min, int max, ref int? field)
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed >= min && parsed <= max)
            {
                field = parsed;
                return true;
            }

            return false;
        }

        private static bool Word(string value, ref string? field, params string[] allowed)
        {
            if (Array.IndexOf(allowed, value) < 0)
            {
                return false;
            }

            field = value;
            return true;
        }
    }
}
