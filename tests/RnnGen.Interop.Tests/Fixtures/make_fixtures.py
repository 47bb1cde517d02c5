"""Fixtures for RnnGen.Interop.Tests, written by the tools on the other side (committed, so CI needs no Python).

* torch_*.onnx: PyTorch modules exported with torch.onnx.export exactly as docs/interop.md shows, and
  torch_*.json with inputs and PyTorch's outputs for them.
* keras_*.weights.h5: Keras 3's .weights.h5 layout written by h5py (the library Keras writes it with) from
  random float32 weights, and keras_*.json with inputs and outputs computed here with Keras' equations in numpy.
  Keras itself is not installable on this machine (no PyPI, no Debian package), so these files are h5py's in
  Keras 3's layout, not Keras' own.

Run with Debian's python3-torch, python3-h5py and python3-numpy: /usr/bin/python3 make_fixtures.py
"""
import json

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self, cell, inputs, hidden, output, layers, bidirectional, vocab, last_step, embedding=0, **kw):
        super().__init__()
        self.vocab = vocab
        self.last_step = last_step
        if embedding:
            self.embedding = nn.Embedding(vocab, embedding)  # before the RNN: Embedding = E in RnnGen
            inputs = embedding
        self.rnn = cell(inputs, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True, **kw)
        self.output = nn.Linear(hidden * (2 if bidirectional else 1), output)

    def forward(self, x):
        if hasattr(self, "embedding"):
            x = self.embedding(x)
        elif self.vocab:
            x = F.one_hot(x, self.vocab).float()
        h, _ = self.rnn(x)
        return self.output(h[:, -1] if self.last_step else h)


def export(name, net, example, test_input):
    net.eval()
    torch.onnx.export(net, example, f"{name}.onnx",
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch", 1: "steps"}, "output": {0: "batch", 1: "steps"}},
                      opset_version=17)
    with torch.no_grad():
        y = net(test_input)
    with open(f"{name}.json", "w") as f:
        json.dump({"input_shape": list(test_input.shape), "input": test_input.flatten().tolist(),
                   "output_shape": list(y.shape), "output": y.flatten().tolist()}, f)


# [RnnModel(Hidden = 5, Vocab = 7, Output = 4, Cell = CellType.Gru, Layers = 2, Bidirectional = true)]
export("torch_gru_tokens", Net(nn.GRU, 7, 5, 4, 2, True, 7, False),
       torch.zeros(1, 5, dtype=torch.long), torch.randint(0, 7, (3, 9)))
# [RnnModel(Hidden = 6, Input = 3, Output = 2, Cell = CellType.Lstm, Loss = Loss.SquaredError, Layers = 2)]
export("torch_lstm_dense", Net(nn.LSTM, 3, 6, 2, 2, False, 0, False),
       torch.zeros(1, 5, 3), torch.randn(2, 11, 3))
# [RnnModel(Hidden = 4, Input = 2, Output = 3, Activation = Activation.Relu, Loss = Loss.SquaredError, Outputs = Outputs.LastStep)]
export("torch_relu_laststep", Net(nn.RNN, 2, 4, 3, 1, False, 0, True, nonlinearity="relu"),
       torch.zeros(1, 5, 2), torch.randn(2, 8, 2))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def keras_run(kind, layers, dense, x):
    for kernel, recurrent, bias in layers:
        units = recurrent.shape[0]
        h = np.zeros(units)
        c = np.zeros(units)
        out = []
        for xt in x:
            xk, hu = xt @ kernel, h @ recurrent
            if kind == "lstm":
                z = xk + hu + bias
                i, f, g, o = sigmoid(z[:units]), sigmoid(z[units:2 * units]), np.tanh(z[2 * units:3 * units]), sigmoid(z[3 * units:])
                c = f * c + i * g
                h = o * np.tanh(c)
            else:  # gru, reset_after=True: gates z, r, h
                xk, hu = xk + bias[0], hu + bias[1]
                z = sigmoid(xk[:units] + hu[:units])
                r = sigmoid(xk[units:2 * units] + hu[units:2 * units])
                hh = np.tanh(xk[2 * units:] + r * hu[2 * units:])
                h = z * h + (1 - z) * hh
            out.append(h)
        x = np.array(out)
    return x @ dense[0] + dense[1]


def keras_file(name, kind, inputs, units, layers, outputs, steps, seed):
    rng = np.random.default_rng(seed)
    gates = 4 if kind == "lstm" else 3
    w = lambda *shape: rng.uniform(-0.8, 0.8, shape).astype(np.float32)
    stack = []
    with h5py.File(f"{name}.weights.h5", "w") as f:
        f.create_group("vars")
        f.create_group("optimizer").create_group("vars")
        f.create_group("layers/input_layer/vars")
        for k in range(layers):
            group = kind if k == 0 else f"{kind}_{k}"
            f.create_group(f"layers/{group}/vars")
            cell = f.create_group(f"layers/{group}/cell/vars")
            kernel, recurrent = w(inputs if k == 0 else units, gates * units), w(units, gates * units)
            bias = w(2, gates * units) if kind == "gru" else w(gates * units)
            cell.create_dataset("0", data=kernel)
            cell.create_dataset("1", data=recurrent)
            cell.create_dataset("2", data=bias)
            stack.append((kernel.astype(np.float64), recurrent.astype(np.float64), bias.astype(np.float64)))
        dense = (w(units, outputs), w(outputs))
        d = f.create_group("layers/dense/vars")
        d.create_dataset("0", data=dense[0])
        d.create_dataset("1", data=dense[1])
    x = rng.uniform(-1, 1, (steps, inputs)).astype(np.float32)
    y = keras_run(kind, stack, (dense[0].astype(np.float64), dense[1].astype(np.float64)), x.astype(np.float64))
    with open(f"{name}.json", "w") as f:
        json.dump({"input_shape": list(x.shape), "input": x.flatten().tolist(),
                   "output_shape": list(y.shape), "output": y.flatten().tolist()}, f)


# [RnnModel(Hidden = 4, Input = 2, Output = 1, Cell = CellType.Gru, Loss = Loss.SquaredError, Layers = 2)]
keras_file("keras_gru_stacked", "gru", 2, 4, 2, 1, 12, 1)
# [RnnModel(Hidden = 4, Input = 1, Output = 1, Cell = CellType.Lstm, Loss = Loss.SquaredError)]
keras_file("keras_lstm", "lstm", 1, 4, 1, 1, 16, 2)

# Last, so that the files above stay as they were made.
# [RnnModel(Hidden = 5, Vocab = 8, Output = 3, Embedding = 4, Cell = CellType.Lstm, Layers = 2)]
export("torch_lstm_embedding", Net(nn.LSTM, 8, 5, 3, 2, False, 8, False, embedding=4),
       torch.zeros(1, 5, dtype=torch.long), torch.randint(0, 8, (2, 7)))
