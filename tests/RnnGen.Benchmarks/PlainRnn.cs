using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace RnnGen.Benchmarks;

/// <summary>
/// The tutorial's vanilla RNN training step written the ordinary way, as a C# developer would without a
/// generator: sizes are runtime values, matrices are flat row-major arrays, each step's output layer is a
/// loop of vectorised row operations (<see cref="TensorPrimitives"/>), truncated BPTT as in the tutorial,
/// then plain SGD. Allocation-free after construction. The in-process baseline for what specialisation buys.
/// </summary>
public sealed class PlainRnn
{
    private readonly int _vocab, _hidden, _output, _truncate;

    // Input weights stored one row per token ([Vocab, Hidden]), so a token is a contiguous row lookup.
    private readonly float[] _wih, _whh, _bih, _bhh, _wout, _bout;
    private readonly float[] _gWih, _gWhh, _gBias, _gWout, _gBout;

    // Per-step activations: hidden states [steps + 1, Hidden] (row 0 is the zero initial state) and probabilities.
    private readonly float[] _h, _p, _dh, _delta, _next;
    private readonly List<int> _touched = new();
    private readonly bool[] _isTouched;

    public PlainRnn(int vocab, int hidden, int output, int truncate, int maxSteps)
    {
        (_vocab, _hidden, _output, _truncate) = (vocab, hidden, output, truncate);
        _wih = new float[vocab * hidden]; _gWih = new float[vocab * hidden];
        _whh = new float[hidden * hidden]; _gWhh = new float[hidden * hidden];
        _bih = new float[hidden]; _bhh = new float[hidden]; _gBias = new float[hidden];
        _wout = new float[output * hidden]; _gWout = new float[output * hidden];
        _bout = new float[output]; _gBout = new float[output];
        _h = new float[(maxSteps + 1) * hidden];
        _p = new float[maxSteps * output];
        _dh = new float[hidden]; _delta = new float[hidden]; _next = new float[hidden];
        _isTouched = new bool[vocab];
        _touched.Capacity = maxSteps;
    }

    /// <summary>Takes the weights from a safetensors file with PyTorch's names (as the generated model saves them).</summary>
    public void Load(Dictionary<string, float[]> tensors)
    {
        float[] wih = tensors["rnn.weight_ih_l0"]; // [Hidden, Vocab]
        for (int i = 0; i < _hidden; i++)
            for (int v = 0; v < _vocab; v++)
                _wih[v * _hidden + i] = wih[i * _vocab + v];
        tensors["rnn.weight_hh_l0"].CopyTo(_whh, 0);
        tensors["rnn.bias_ih_l0"].CopyTo(_bih, 0);
        tensors["rnn.bias_hh_l0"].CopyTo(_bhh, 0);
        tensors["output.weight"].CopyTo(_wout, 0);
        tensors["output.bias"].CopyTo(_bout, 0);
    }

    /// <summary>One SGD step on a sequence; returns the summed cross-entropy before the update.</summary>
    public float SgdStep(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, float learningRate)
    {
        int steps = inputs.Length, hidden = _hidden, output = _output;
        float loss = 0;

        // Forward: h_t = tanh(W_ih[x_t] + b_ih + b_hh + W_hh h_{t-1}); p_t = softmax(W_out h_t + b_out).
        Array.Clear(_h, 0, hidden);
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> previous = _h.AsSpan(t * hidden, hidden);
            Span<float> h = _h.AsSpan((t + 1) * hidden, hidden);
            for (int i = 0; i < hidden; i++) h[i] = TensorPrimitives.Dot(_whh.AsSpan(i * hidden, hidden), previous);
            TensorPrimitives.Add(h, _wih.AsSpan(inputs[t] * hidden, hidden), h);
            TensorPrimitives.Add(h, _bih, h);
            TensorPrimitives.Add(h, _bhh, h);
            TensorPrimitives.Tanh(h, h);

            Span<float> p = _p.AsSpan(t * output, output);
            for (int j = 0; j < output; j++) p[j] = TensorPrimitives.Dot(_wout.AsSpan(j * hidden, hidden), h) + _bout[j];
            float max = TensorPrimitives.Max(p);
            TensorPrimitives.Subtract(p, max, p);
            TensorPrimitives.Exp(p, p);
            float sum = TensorPrimitives.Sum(p);
            loss += MathF.Log(sum) - MathF.Log(p[targets[t]]);
            TensorPrimitives.Divide(p, sum, p);
        }

        // Gradients. The input-weight gradient is kept only for the rows of tokens in this sequence.
        Array.Clear(_gWout); Array.Clear(_gBout); Array.Clear(_gWhh); Array.Clear(_gBias);
        foreach (int v in _touched) { _gWih.AsSpan(v * hidden, hidden).Clear(); _isTouched[v] = false; }
        _touched.Clear();
        foreach (int v in inputs) if (!_isTouched[v]) { _isTouched[v] = true; _touched.Add(v); }

        for (int t = steps - 1; t >= 0; t--)
        {
            // Output layer: dy = p - onehot(target); dW_out += dy ⊗ h_t; dh = W_outᵀ dy.
            Span<float> dy = _p.AsSpan(t * output, output);
            dy[targets[t]] -= 1;
            ReadOnlySpan<float> h = _h.AsSpan((t + 1) * hidden, hidden);
            TensorPrimitives.Add(_gBout, dy, _gBout);
            _dh.AsSpan().Clear();
            for (int j = 0; j < output; j++)
            {
                float g = dy[j];
                Span<float> gRow = _gWout.AsSpan(j * hidden, hidden);
                TensorPrimitives.MultiplyAdd(h, g, gRow, gRow);
                TensorPrimitives.MultiplyAdd(_wout.AsSpan(j * hidden, hidden), g, _dh, _dh);
            }

            // Back through the recurrence for steps t, t-1, ..., t-truncate (the tutorial's bptt_truncate).
            for (int i = 0; i < hidden; i++) _delta[i] = _dh[i] * (1 - h[i] * h[i]);
            int first = _truncate == 0 ? 0 : Math.Max(0, t - _truncate);
            for (int s = t; s >= first; s--)
            {
                ReadOnlySpan<float> previous = _h.AsSpan(s * hidden, hidden);
                TensorPrimitives.Add(_gBias, _delta, _gBias);
                Span<float> gIn = _gWih.AsSpan(inputs[s] * hidden, hidden);
                TensorPrimitives.Add(gIn, _delta, gIn);
                _next.AsSpan().Clear();
                for (int i = 0; i < hidden; i++)
                {
                    float d = _delta[i];
                    Span<float> gRow = _gWhh.AsSpan(i * hidden, hidden);
                    TensorPrimitives.MultiplyAdd(previous, d, gRow, gRow);
                    TensorPrimitives.MultiplyAdd(_whh.AsSpan(i * hidden, hidden), d, _next, _next);
                }

                if (s == 0) break;
                for (int i = 0; i < hidden; i++) _delta[i] = _next[i] * (1 - previous[i] * previous[i]);
            }
        }

        // SGD: p -= lr · g. Both PyTorch biases receive the same gradient.
        float step = -learningRate;
        TensorPrimitives.MultiplyAdd(_gWout, step, _wout, _wout);
        TensorPrimitives.MultiplyAdd(_gBout, step, _bout, _bout);
        TensorPrimitives.MultiplyAdd(_gWhh, step, _whh, _whh);
        TensorPrimitives.MultiplyAdd(_gBias, step, _bih, _bih);
        TensorPrimitives.MultiplyAdd(_gBias, step, _bhh, _bhh);
        foreach (int v in _touched)
        {
            Span<float> row = _wih.AsSpan(v * hidden, hidden);
            TensorPrimitives.MultiplyAdd(_gWih.AsSpan(v * hidden, hidden), step, row, row);
        }

        return loss;
    }
}
