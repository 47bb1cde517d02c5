using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RnnGen.Interop.Tests;

/// <summary>
/// A Keras model's weights in Keras' own layout, and Keras' equations for it written out in double, independently of
/// RnnGen.Interop's conversion: gates in Keras' order (LSTM i, f, c, o; GRU z, r, h with reset_after), kernels
/// [inputs, gates·units], x·K rather than W·x.
/// </summary>
internal sealed class KerasModel
{
    public required string Kind { get; init; } // "lstm", "gru", "simple_rnn"

    public required List<(double[,] Kernel, double[,] Recurrent, double[,] Bias)> Layers { get; init; } // GRU bias [2, 3u]; others [1, gates·u]

    /// <summary>A Keras Bidirectional layer's backward_layer for each layer, or null: run over the reversed sequence, its outputs reversed back and concatenated after the forward ones.</summary>
    public List<(double[,] Kernel, double[,] Recurrent, double[,] Bias)>? Backward { get; init; }

    public required double[,] DenseKernel { get; init; }

    public required double[] DenseBias { get; init; }

    public int Gates => Kind switch { "lstm" => 4, "gru" => 3, _ => 1 };

    public static KerasModel Random(string kind, int inputs, int units, int layers, int outputs, int seed, bool bidirectional = false)
    {
        int directions = bidirectional ? 2 : 1;
        var random = new Random(seed);
        int gates = kind switch { "lstm" => 4, "gru" => 3, _ => 1 };
        double[,] M(int r, int c)
        {
            var m = new double[r, c];
            for (int i = 0; i < r; i++)
            {
                for (int j = 0; j < c; j++)
                {
                    m[i, j] = (float)(random.NextDouble() * 1.6 - 0.8); // float values: the files hold float32
                }
            }

            return m;
        }

        var list = new List<(double[,], double[,], double[,])>();
        List<(double[,], double[,], double[,])>? backward = bidirectional ? [] : null;
        for (int k = 0; k < layers; k++)
        {
            list.Add((M(k == 0 ? inputs : directions * units, gates * units), M(units, gates * units), M(kind == "gru" ? 2 : 1, gates * units)));
            backward?.Add((M(k == 0 ? inputs : directions * units, gates * units), M(units, gates * units), M(kind == "gru" ? 2 : 1, gates * units)));
        }

        double[,] dense = M(directions * units, outputs);
        double[,] bias = M(1, outputs);
        return new KerasModel
        {
            Kind = kind, Layers = list, Backward = backward, DenseKernel = dense, DenseBias = Enumerable.Range(0, outputs).Select(o => bias[0, o]).ToArray(),
        };
    }

    /// <summary>Keras' forward pass over [steps, inputs], every step's Dense output.</summary>
    public double[] Run(float[] x, int steps)
    {
        int inputs = Layers[0].Kernel.GetLength(0);
        double[][] sequence = Enumerable.Range(0, steps).Select(t => Enumerable.Range(0, inputs).Select(i => (double)x[t * inputs + i]).ToArray()).ToArray();
        for (int k = 0; k < Layers.Count; k++)
        {
            double[][] forward = RunLayer(sequence, Layers[k]);
            if (Backward is null)
            {
                sequence = forward;
                continue;
            }

            // Keras' backward_layer (go_backwards = True) reads the sequence from its end; Bidirectional flips its
            // outputs back and concatenates them after the forward ones (merge_mode "concat").
            double[][] backward = Enumerable.Reverse(RunLayer(Enumerable.Reverse(sequence).ToArray(), Backward[k])).ToArray();
            sequence = Enumerable.Range(0, steps).Select(t => forward[t].Concat(backward[t]).ToArray()).ToArray();
        }

        return sequence.SelectMany(s => Times(s, DenseKernel).Select((v, o) => v + DenseBias[o])).ToArray();
    }

    /// <summary>One Keras recurrent layer over a sequence from a zero state: its output at every step.</summary>
    private double[][] RunLayer(double[][] sequence, (double[,] Kernel, double[,] Recurrent, double[,] Bias) layer)
    {
        (double[,] kernel, double[,] recurrent, double[,] bias) = layer;
        int steps = sequence.Length;
        int u = recurrent.GetLength(0);
        var h = new double[u];
        var c = new double[u];
        var next = new double[steps][];
        for (int t = 0; t < steps; t++)
        {
            double[] xk = Times(sequence[t], kernel);
            double[] hu = Times(h, recurrent);
            var hNew = new double[u];
            for (int j = 0; j < u; j++)
            {
                double B(int row, int col) => bias[row, col];
                switch (Kind)
                {
                    case "lstm":
                        double i = Sigmoid(xk[j] + hu[j] + B(0, j));
                        double f = Sigmoid(xk[u + j] + hu[u + j] + B(0, u + j));
                        double g = Math.Tanh(xk[2 * u + j] + hu[2 * u + j] + B(0, 2 * u + j));
                        double o = Sigmoid(xk[3 * u + j] + hu[3 * u + j] + B(0, 3 * u + j));
                        c[j] = f * c[j] + i * g;
                        hNew[j] = o * Math.Tanh(c[j]);
                        break;
                    case "gru":
                        double z = Sigmoid(xk[j] + B(0, j) + hu[j] + B(1, j));
                        double r = Sigmoid(xk[u + j] + B(0, u + j) + hu[u + j] + B(1, u + j));
                        double hh = Math.Tanh(xk[2 * u + j] + B(0, 2 * u + j) + r * (hu[2 * u + j] + B(1, 2 * u + j)));
                        hNew[j] = z * h[j] + (1 - z) * hh;
                        break;
                    default:
                        hNew[j] = Math.Tanh(xk[j] + hu[j] + B(0, j));
                        break;
                }
            }

            h = hNew;
            next[t] = h;
        }

        return next;
    }

    /// <summary>The model as RTNeural's save_model writes it (json.dump of numpy lists).</summary>
    public string ToRtNeuralJson(string? activationOverride = null)
    {
        var text = new StringBuilder();
        int inputs = Layers[0].Kernel.GetLength(0), units = Layers[0].Recurrent.GetLength(0);
        text.Append("{\n    \"in_shape\": [null, null, ").Append(inputs).Append("],\n    \"layers\": [\n");
        foreach ((double[,] kernel, double[,] recurrent, double[,] bias) in Layers)
        {
            text.Append("        {\"type\": \"").Append(Kind).Append("\", \"activation\": \"").Append(activationOverride ?? "tanh")
                .Append("\", \"shape\": [null, null, ").Append(units).Append("], \"weights\": [")
                .Append(Json(kernel)).Append(", ").Append(Json(recurrent)).Append(", ")
                .Append(Kind == "gru" ? Json(bias) : Json(Row(bias))).Append("]},\n");
        }

        text.Append("        {\"type\": \"dense\", \"activation\": \"\", \"shape\": [null, null, ").Append(DenseBias.Length)
            .Append("], \"weights\": [").Append(Json(DenseKernel)).Append(", ").Append(Json(DenseBias)).Append("]}\n    ]\n}\n");
        return text.ToString();
    }

    public static double[] Row(double[,] m) => Enumerable.Range(0, m.GetLength(1)).Select(j => m[0, j]).ToArray();

    public static string Json(double[] v) => "[" + string.Join(", ", v.Select(d => d.ToString("R", CultureInfo.InvariantCulture))) + "]";

    public static string Json(double[,] m) =>
        "[" + string.Join(", ", Enumerable.Range(0, m.GetLength(0)).Select(i => Json(Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j]).ToArray()))) + "]";

    private static double[] Times(double[] v, double[,] m)
    {
        var r = new double[m.GetLength(1)];
        for (int j = 0; j < r.Length; j++)
        {
            for (int i = 0; i < v.Length; i++)
            {
                r[j] += v[i] * m[i, j];
            }
        }

        return r;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
