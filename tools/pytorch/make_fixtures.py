#!/usr/bin/env python3
"""Reference fixtures from PyTorch for RnnGen's parity tests.

For each declaration of TABLE this writes, into tests/RnnGen.Tests/Parity/Fixtures:
  <name>.weights.safetensors   the module's state_dict (rnn.* and output.*), as a PyTorch user saves it
  <name>.grads.safetensors     autograd's gradient of the summed loss, under the same names
  <name>.json                  the declaration, inputs, targets and the summed loss

The module is the one SPEC section 5 names: nn.RNN / nn.LSTM / nn.GRU (one-hot inputs for a vocabulary)
followed by nn.Linear. Truncated BPTT follows SPEC section 4: the loss at step t runs steps
t-k..t from the state entering step t-k, detached. Output recurrence (vanilla only) has no PyTorch
module; it is written out with torch operations so that autograd still does the differentiation.

Run with Debian's python3 after `apt-get install python3-torch` (CI never runs this; the fixtures are
committed):  /usr/bin/python3 tools/pytorch/make_fixtures.py
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "RnnGen.Tests", "Parity", "Fixtures")

# name, cell, activation, input kind, input width, hidden, output, loss, outputs, truncate, recurrence[, layers[, projection[, bidirectional]]]
TABLE = [
    ("VanillaTanhTokenCe", "vanilla", "tanh", "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden"),
    ("VanillaTanhTokenCeT2", "vanilla", "tanh", "vocab", 12, 8, 12, "cross_entropy", "every_step", 2, "hidden"),
    ("VanillaReluTokenCeT3", "vanilla", "relu", "vocab", 12, 8, 6, "cross_entropy", "every_step", 3, "hidden"),
    ("VanillaTanhDenseSe", "vanilla", "tanh", "dense", 5, 8, 3, "squared_error", "every_step", 0, "hidden"),
    ("VanillaReluDenseCeLastT3", "vanilla", "relu", "dense", 5, 8, 4, "cross_entropy", "last_step", 3, "hidden"),
    ("LstmTokenCe", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden"),
    ("LstmTokenCeT2", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 2, "hidden"),
    ("LstmDenseSe", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 0, "hidden"),
    ("LstmDenseCeLastT3", "lstm", None, "dense", 5, 8, 4, "cross_entropy", "last_step", 3, "hidden"),
    ("LstmTokenSeLast", "lstm", None, "vocab", 12, 8, 3, "squared_error", "last_step", 0, "hidden"),
    ("GruTokenCe", "gru", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden"),
    ("GruTokenCeT2", "gru", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 2, "hidden"),
    ("GruDenseSeT2", "gru", None, "dense", 5, 8, 3, "squared_error", "every_step", 2, "hidden"),
    ("GruDenseCeLast", "gru", None, "dense", 5, 8, 4, "cross_entropy", "last_step", 0, "hidden"),
    ("FeedbackDenseSe", "vanilla", "tanh", "dense", 5, 8, 3, "squared_error", "every_step", 0, "output"),
    ("FeedbackTokenCeT2", "vanilla", "tanh", "vocab", 12, 8, 6, "cross_entropy", "every_step", 2, "output"),
    ("VanillaL2TokenCeT3", "vanilla", "tanh", "vocab", 12, 8, 12, "cross_entropy", "every_step", 3, "hidden", 2),
    ("VanillaL3DenseSe", "vanilla", "relu", "dense", 5, 8, 3, "squared_error", "every_step", 0, "hidden", 3),
    ("LstmL2TokenCe", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 2),
    ("LstmL2DenseSeT2", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 2, "hidden", 2),
    ("LstmL3TokenCeLastT3", "lstm", None, "vocab", 12, 8, 4, "cross_entropy", "last_step", 3, "hidden", 3),
    ("GruL2DenseCeT2", "gru", None, "dense", 5, 8, 4, "cross_entropy", "every_step", 2, "hidden", 2),
    ("GruL3TokenSe", "gru", None, "vocab", 12, 8, 3, "squared_error", "every_step", 0, "hidden", 3),
    ("LstmP3TokenCe", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 1, 3),
    ("LstmP5L2DenseSeT2", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 2, "hidden", 2, 5),
    ("LstmP3L2TokenCeLastT3", "lstm", None, "vocab", 12, 8, 4, "cross_entropy", "last_step", 3, "hidden", 2, 3),
    ("BiVanillaTokenCe", "vanilla", "tanh", "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 1, 0, True),
    ("BiLstmL2DenseSe", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 0, "hidden", 2, 0, True),
    ("BiGruL2TokenCeLast", "gru", None, "vocab", 12, 8, 4, "cross_entropy", "last_step", 0, "hidden", 2, 0, True),
    ("BiLstmP3L3DenseCeLast", "lstm", None, "dense", 5, 8, 4, "cross_entropy", "last_step", 0, "hidden", 3, 3, True),
    # Wide enough that W_hh is stored in column panels (Layout.RecurrentPanel): 128, 96, 64, 128, 64 columns.
    ("LstmPanelDenseSeT2", "lstm", None, "dense", 5, 64, 3, "squared_error", "every_step", 2, "hidden"),
    ("GruPanelTokenCe", "gru", None, "vocab", 12, 64, 12, "cross_entropy", "every_step", 0, "hidden"),
    ("VanillaPanelDenseCeLast", "vanilla", "tanh", "dense", 5, 128, 4, "cross_entropy", "last_step", 0, "hidden"),
    ("BiLstmP48PanelDenseSe", "lstm", None, "dense", 5, 64, 3, "squared_error", "every_step", 0, "hidden", 1, 48, True),
    ("FeedbackPanelTokenCeT2", "vanilla", "tanh", "vocab", 12, 128, 80, "cross_entropy", "every_step", 2, "output"),
]
STEPS = 9


class Net(nn.Module):
    """The module of SPEC section 5: the recurrent layer, then the head."""

    def __init__(self, cell, activation, input_size, hidden, output, recurrence, layers=1, projection=0, bidirectional=False):
        super().__init__()
        self.cell, self.recurrence, self.layers, self.projection = cell, recurrence, layers, projection
        self.directions = 2 if bidirectional else 1
        if cell == "lstm":
            self.rnn = nn.LSTM(input_size, hidden, num_layers=layers, proj_size=projection, bidirectional=bidirectional)
        elif cell == "gru":
            self.rnn = nn.GRU(input_size, hidden, num_layers=layers, bidirectional=bidirectional)
        elif recurrence == "hidden":
            self.rnn = nn.RNN(input_size, hidden, num_layers=layers, nonlinearity=activation, bidirectional=bidirectional)
        else:
            # Output recurrence: the same parameter names, with weight_hh_l0 of shape [Hidden, Output].
            self.rnn = nn.Module()
            self.rnn.weight_ih_l0 = nn.Parameter(torch.empty(hidden, input_size))
            self.rnn.weight_hh_l0 = nn.Parameter(torch.empty(hidden, output))
            self.rnn.bias_ih_l0 = nn.Parameter(torch.empty(hidden))
            self.rnn.bias_hh_l0 = nn.Parameter(torch.empty(hidden))
            bound = 1 / hidden ** 0.5
            for p in self.rnn.parameters():
                nn.init.uniform_(p, -bound, bound)
            self.activation = torch.tanh if activation == "tanh" else torch.relu
        self.output = nn.Linear(self.directions * (projection or hidden), output)

    def run(self, x, state):
        """Steps over x [steps, input]; returns the head outputs [steps, output] and the final state."""
        if self.recurrence == "output":
            y_prev = state
            ys = []
            for t in range(x.shape[0]):
                h = self.activation(x[t] @ self.rnn.weight_ih_l0.T + self.rnn.bias_ih_l0
                                    + y_prev @ self.rnn.weight_hh_l0.T + self.rnn.bias_hh_l0)
                y_prev = self.output(h)
                ys.append(y_prev)
            return torch.stack(ys), y_prev
        hs, state = self.rnn(x.unsqueeze(1), state)
        return self.output(hs.squeeze(1)), state

    def zero_state(self, hidden, output):
        if self.recurrence == "output":
            return torch.zeros(output)
        n = self.layers * self.directions
        if self.cell == "lstm":
            return (torch.zeros(n, 1, self.projection or hidden), torch.zeros(n, 1, hidden))
        return torch.zeros(n, 1, hidden)


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def step_loss(y, target, loss):
    if loss == "cross_entropy":
        return F.cross_entropy(y.unsqueeze(0), target.view(1), reduction="sum")
    return F.mse_loss(y, target, reduction="sum")


def make(row, seed):
    name, cell, activation, kind, width, hidden, output, loss, outputs, truncate, recurrence = row[:11]
    layers = row[11] if len(row) > 11 else 1
    projection = row[12] if len(row) > 12 else 0
    bidirectional = row[13] if len(row) > 13 else False
    torch.manual_seed(seed)
    net = Net(cell, activation, width, hidden, output, recurrence, layers, projection, bidirectional)
    if kind == "vocab":
        tokens = torch.randint(0, width, (STEPS,))
        x = F.one_hot(tokens, width).float()
        inputs = tokens.tolist()
    else:
        x = torch.rand(STEPS, width) * 2 - 1
        inputs = x.flatten().tolist()
    rows = 1 if outputs == "last_step" else STEPS
    if loss == "cross_entropy":
        targets = torch.randint(0, output, (rows,))
        target_list = targets.tolist()
    else:
        targets = torch.rand(rows, output) * 2 - 1
        target_list = targets.flatten().tolist()

    # States entering every step, without gradient, for the truncation windows (unidirectional only).
    with torch.no_grad():
        entering = [net.zero_state(hidden, output)]
        for t in range(STEPS):
            _, s = net.run(x[t:t + 1], entering[-1])
            entering.append(s)

    net.zero_grad()
    total = 0.0
    loss_steps = [STEPS - 1] if outputs == "last_step" else list(range(STEPS))
    if truncate == 0:
        ys, _ = net.run(x, net.zero_state(hidden, output))
        value = sum(step_loss(ys[t], targets[r], loss) for r, t in enumerate(loss_steps))
        value.backward()
        total = value.item()
    else:
        for r, t in enumerate(loss_steps):
            start = max(0, t - truncate)
            ys, _ = net.run(x[start:t + 1], detach(entering[start]))
            value = step_loss(ys[-1], targets[r], loss)
            value.backward()
            total += value.item()

    declaration = dict(cell=cell, activation=activation, input=kind, input_size=width, hidden=hidden,
                       output=output, loss=loss, outputs=outputs, truncate=truncate, recurrence=recurrence, layers=layers, projection=projection, bidirectional=bidirectional,
                       steps=STEPS, seed=seed, torch=torch.__version__)
    params = dict(net.named_parameters())
    write_safetensors(os.path.join(OUT, name + ".weights.safetensors"), {k: v.detach() for k, v in params.items()})
    write_safetensors(os.path.join(OUT, name + ".grads.safetensors"), {k: v.grad for k, v in params.items()})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(dict(declaration=declaration, inputs=inputs, targets=target_list, loss=total), f, indent=1)
    print(f"{name}: loss {total:.6f}")


def write_safetensors(path, tensors):
    """The safetensors format, written directly: 8-byte length, JSON header, contiguous F32 data."""
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = dict(dtype="F32", shape=list(tensor.shape), data_offsets=[offset, offset + len(data)])
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    for i, row in enumerate(TABLE):
        make(row, seed=1000 + i)
