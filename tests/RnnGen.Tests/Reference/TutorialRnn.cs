using System;

namespace RnnGen.Tests.Reference;

/// <summary>
/// A deliberately plain vanilla RNN in double precision, written from the tutorial's RNNNumpy
/// (forward_propagation, bptt with bptt_truncate) plus PyTorch's two biases, in PyTorch's layout.
/// It shares nothing with the generator: it is the independent reference the generated gradients
/// are compared against.
/// </summary>
internal sealed class TutorialRnn
{
    public TutorialRnn(int hidden, int vocab, int output, bool relu)
    {
        H = hidden; V = vocab; O = output; Relu = relu;
        U = new double[H, V]; W = new double[H, H]; BIh = new double[H]; BHh = new double[H];
        Vo = new double[O, H]; Bo = new double[O];
    }

    public int H { get; }
    public int V { get; }
    public int O { get; }
    public bool Relu { get; }

    // rnn.weight_ih_l0 [H, V], rnn.weight_hh_l0 [H, H], biases [H], output.weight [O, H], output.bias [O]
    public double[,] U, W, Vo;
    public double[] BIh, BHh, Bo;

    private double Act(double x) => Relu ? Math.Max(0, x) : Math.Tanh(x);

    private double ActDerivFromOutput(double s) => Relu ? (s > 0 ? 1 : 0) : 1 - s * s;

    /// <summary>s[t] for t = 0..T-1 (s[-1] = 0 is implicit) and o[t] = softmax(V s_t + b).</summary>
    public (double[][] S, double[][] P) Forward(int[] x)
    {
        int T = x.Length;
        var s = new double[T][];
        var p = new double[T][];
        for (int t = 0; t < T; t++)
        {
            s[t] = new double[H];
            for (int i = 0; i < H; i++)
            {
                double z = U[i, x[t]] + BIh[i] + BHh[i];
                if (t > 0)
                {
                    for (int j = 0; j < H; j++) z += W[i, j] * s[t - 1][j];
                }

                s[t][i] = Act(z);
            }

            var y = new double[O];
            double max = double.NegativeInfinity;
            for (int k = 0; k < O; k++)
            {
                y[k] = Bo[k];
                for (int j = 0; j < H; j++) y[k] += Vo[k, j] * s[t][j];
                max = Math.Max(max, y[k]);
            }

            double sum = 0;
            for (int k = 0; k < O; k++) sum += y[k] = Math.Exp(y[k] - max);
            for (int k = 0; k < O; k++) y[k] /= sum;
            p[t] = y;
        }

        return (s, p);
    }

    public double Loss(int[] x, int[] targets)
    {
        (_, double[][] p) = Forward(x);
        double loss = 0;
        for (int t = 0; t < x.Length; t++) loss -= Math.Log(p[t][targets[t]]);
        return loss;
    }

    /// <summary>The tutorial's bptt: for every t, walk back bptt_step = t .. max(0, t - truncate) (truncate 0 = all the way).</summary>
    public Gradients Bptt(int[] x, int[] targets, int truncate)
    {
        int T = x.Length;
        (double[][] s, double[][] p) = Forward(x);
        var g = new Gradients(H, V, O);
        for (int t = T - 1; t >= 0; t--)
        {
            var deltaO = (double[])p[t].Clone();
            deltaO[targets[t]] -= 1;
            for (int k = 0; k < O; k++)
            {
                g.Bo[k] += deltaO[k];
                for (int j = 0; j < H; j++) g.Vo[k, j] += deltaO[k] * s[t][j];
            }

            var delta = new double[H];
            for (int j = 0; j < H; j++)
            {
                double sum = 0;
                for (int k = 0; k < O; k++) sum += Vo[k, j] * deltaO[k];
                delta[j] = sum * ActDerivFromOutput(s[t][j]);
            }

            int stop = truncate > 0 ? Math.Max(0, t - truncate) : 0;
            for (int step = t; step >= stop; step--)
            {
                for (int i = 0; i < H; i++)
                {
                    if (step > 0)
                    {
                        for (int j = 0; j < H; j++) g.W[i, j] += delta[i] * s[step - 1][j];
                    }

                    g.U[i, x[step]] += delta[i];
                    g.BIh[i] += delta[i];
                    g.BHh[i] += delta[i];
                }

                if (step == 0)
                {
                    break;
                }

                var next = new double[H];
                for (int j = 0; j < H; j++)
                {
                    double sum = 0;
                    for (int i = 0; i < H; i++) sum += W[i, j] * delta[i];
                    next[j] = sum * ActDerivFromOutput(s[step - 1][j]);
                }

                delta = next;
            }
        }

        return g;
    }

    public sealed class Gradients
    {
        public Gradients(int h, int v, int o)
        {
            U = new double[h, v]; W = new double[h, h]; BIh = new double[h]; BHh = new double[h]; Vo = new double[o, h]; Bo = new double[o];
        }

        public double[,] U, W, Vo;
        public double[] BIh, BHh, Bo;
    }
}
