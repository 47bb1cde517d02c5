#!/usr/bin/env python3
"""Reference fixtures from PyTorch for RnnGen's parity tests.

For each declaration of TABLE this writes, into tests/RnnGen.Tests/Parity/Fixtures:
  <name>.weights.safetensors   the module's state_dict (rnn.* and output.*), as a PyTorch user saves it
  <name>.grads.safetensors     autograd's gradient of the summed loss, under the same names
  <name>.json                  the declaration, inputs, targets and the summed loss
and for each declaration of COMPOSE_TABLE, into tests/RnnGen.Tests/Parity/Fixtures/Compose, the same files with the
given initial state, the downstream gradient of the final state, and autograd's gradients of the initial state
(and of the inputs, when the model gets the caller's dL/dy instead of a loss);
and for each declaration of STEP_TABLE, into tests/RnnGen.Tests/Parity/Fixtures/Step:
  <name>.weights.safetensors   the state_dict
  <name>.json                  the declaration, inputs, and the module's outputs at every step and final state,
                               once from the zero state and once from a given state

A row's options (the last entry, a dict) may ask for:
  precision="double"    a double-precision model: the module, its initialisation and the inputs in float64,
                        and every file in F64
  reference="float64"   a single-precision model whose weights (F32, as initialised) and inputs are float32
                        values, but whose reference is computed in float64: then the only rounding left in
                        a comparison is RnnGen's own, and a test's tolerance can be argued from float's
  embedding=e           an embedding layer, nn.Embedding(vocab, e), before the recurrent layers (token input only):
                        the first layer reads the token's row instead of its one-hot
  ignore=[r, ...]       cross-entropy targets of rows r set to -100, PyTorch's ignore_index (drawn first, then
                        replaced, so the other rows are those the seed gives)
  dropout=p, dropout_seed=s
                        dropout between layers with the masks RnnGen draws when its DropoutRandom is
                        new RnnRandom(s): RnnRandom (xoshiro256** seeded through SplitMix64) is re-implemented
                        below, and the JSON records each kept (1) or dropped (0) value in RnnGen's order of
                        draws, which the C# test checks against RnnRandom itself

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
import sys

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
    # A head of 2560 classes is stored in panels of 320 (Layout.OutputPanel), here behind a projected LSTM whose
    # h (4 values) is narrower than its cell (8): WideHeadTests compares every gradient with float's rounding.
    ("LstmP4PanelHeadTokenCe", "lstm", None, "vocab", 12, 8, 2560, "cross_entropy", "every_step", 0, "hidden", 1, 4, False,
     dict(reference="float64")),
    # Double precision: compared within about 1e-12.
    ("LstmP3L2DenseSeT2Double", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 2, "hidden", 2, 3, False,
     dict(precision="double")),
    ("BiGruL2TokenCeLastDouble", "gru", None, "vocab", 12, 8, 4, "cross_entropy", "last_step", 0, "hidden", 2, 0, True,
     dict(precision="double")),
    ("FeedbackTokenCeT2Double", "vanilla", "tanh", "vocab", 12, 8, 6, "cross_entropy", "every_step", 2, "output", 1, 0, False,
     dict(precision="double")),
    # Dropout between layers, with RnnGen's masks for a DropoutRandom seed.
    ("LstmP3L3DenseSeDrop", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 0, "hidden", 3, 3, False,
     dict(reference="float64", dropout=0.4, dropout_seed=21)),
    ("GruL3TokenCeT2Drop", "gru", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 2, "hidden", 3, 0, False,
     dict(reference="float64", dropout=0.3, dropout_seed=22)),
    ("BiVanillaReluL2TokenCeLastDrop", "vanilla", "relu", "vocab", 12, 8, 4, "cross_entropy", "last_step", 0, "hidden", 2, 0, True,
     dict(reference="float64", dropout=0.5, dropout_seed=23)),
    ("LstmL2DenseSeDoubleDrop", "lstm", None, "dense", 5, 8, 3, "squared_error", "every_step", 0, "hidden", 2, 0, False,
     dict(precision="double", dropout=0.25, dropout_seed=24)),
    # An embedding layer (nn.Embedding) before the recurrence: its rows get gradients only for the tokens seen.
    ("EmbVanillaTokenCeT2", "vanilla", "tanh", "vocab", 12, 8, 12, "cross_entropy", "every_step", 2, "hidden", 1, 0, False,
     dict(embedding=5)),
    ("EmbLstmTokenCe", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 1, 0, False,
     dict(embedding=6)),
    ("EmbGruL2TokenCeT2", "gru", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 2, "hidden", 2, 0, False,
     dict(embedding=4)),
    ("EmbBiLstmL2TokenCeLast", "lstm", None, "vocab", 12, 8, 4, "cross_entropy", "last_step", 0, "hidden", 2, 0, True,
     dict(embedding=5)),
    ("EmbLstmP3TokenSeLastT3", "lstm", None, "vocab", 12, 8, 3, "squared_error", "last_step", 3, "hidden", 1, 3, False,
     dict(embedding=7)),
    ("EmbGruTokenCeDouble", "gru", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 1, 0, False,
     dict(embedding=3, precision="double")),
    # Ignored targets (ignore_index=-100): those rows add no loss and no gradient, and their steps still move the state.
    ("LstmTokenCeIgnore", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 1, 0, False,
     dict(ignore=[0, 3, 4, 8])),
    ("GruDenseCeT2Ignore", "gru", None, "dense", 5, 8, 4, "cross_entropy", "every_step", 2, "hidden", 1, 0, False,
     dict(ignore=[1, 2, 6])),
    ("VanillaTanhTokenCeT3Ignore", "vanilla", "tanh", "vocab", 12, 8, 12, "cross_entropy", "every_step", 3, "hidden", 1, 0, False,
     dict(ignore=[2, 5, 7])),
    ("LstmP3L2TokenCeIgnore", "lstm", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 2, 3, False,
     dict(ignore=[0, 1, 5])),
    ("FeedbackTokenCeIgnore", "vanilla", "tanh", "vocab", 12, 8, 6, "cross_entropy", "every_step", 0, "output", 1, 0, False,
     dict(ignore=[3, 4])),
    ("BiGruL2TokenCeIgnoreDouble", "gru", None, "vocab", 12, 8, 12, "cross_entropy", "every_step", 0, "hidden", 2, 0, True,
     dict(precision="double", ignore=[0, 4, 7, 8])),
    # The one target of a sequence-to-one model ignored: loss 0 and every gradient exactly 0.
    ("LstmDenseCeLastIgnore", "lstm", None, "dense", 5, 8, 4, "cross_entropy", "last_step", 0, "hidden", 1, 0, False,
     dict(ignore=[0])),
]

# Streaming: name, cell, activation, input kind, input width, hidden, output, recurrence, layers, projection, options.
# Step has no bidirectional form. The loss does not matter to Step; the C# declarations give one.
STEP_TABLE = [
    ("LstmP3L2DenseStep", "lstm", None, "dense", 5, 8, 3, "hidden", 2, 3, dict(reference="float64")),
    ("GruL2TokenStep", "gru", None, "vocab", 12, 8, 12, "hidden", 2, 0, dict(reference="float64")),
    ("VanillaReluDenseStep", "vanilla", "relu", "dense", 5, 8, 4, "hidden", 1, 0, dict(reference="float64")),
    ("FeedbackTokenStep", "vanilla", "tanh", "vocab", 12, 8, 6, "output", 1, 0, dict(reference="float64")),
    # W_hh in panels, and a dense LSTM without projection: the recurrence that Step may split across two threads.
    ("LstmPanelDenseStep", "lstm", None, "dense", 5, 64, 3, "hidden", 1, 0, dict(reference="float64")),
    ("LstmP3L2DenseStepDouble", "lstm", None, "dense", 5, 8, 3, "hidden", 2, 3, dict(precision="double")),
    ("EmbLstmL2TokenStep", "lstm", None, "vocab", 12, 8, 12, "hidden", 2, 0, dict(reference="float64", embedding=5)),
]
STEPS = 9

# Gradients that compose (Fixtures/Compose): Backward from a given initial state with the gradient of what follows with
# respect to the final state, giving the gradient with respect to the initial state (h0.grad, c0.grad); in "external"
# mode a dense model gets the caller's dL/dy instead of a loss, and gives dL/dx.
# name, cell, activation, input kind, input width, hidden, output, loss, outputs, truncate, layers, projection, mode, options
COMPOSE_TABLE = [
    ("ComposeLstmL2DenseSe", "lstm", None, "dense", 3, 8, 2, "squared_error", "every_step", 0, 2, 0, "loss", {}),
    ("ComposeLstmL2DenseSeT2", "lstm", None, "dense", 3, 8, 2, "squared_error", "every_step", 2, 2, 0, "loss", {}),
    ("ComposeGruTokenCeT3", "gru", None, "vocab", 10, 8, 10, "cross_entropy", "every_step", 3, 1, 0, "loss", {}),
    ("ComposeVanillaDenseCeLast", "vanilla", "tanh", "dense", 4, 8, 3, "cross_entropy", "last_step", 0, 1, 0, "loss", {}),
    ("ComposeLstmP3TokenSeLastT3", "lstm", None, "vocab", 10, 8, 2, "squared_error", "last_step", 3, 1, 3, "loss", {}),
    ("ComposeEmbGruL2TokenCeT2", "gru", None, "vocab", 10, 8, 10, "cross_entropy", "every_step", 2, 2, 0, "loss", dict(embedding=4)),
    ("ComposeGruL2DenseExternal", "gru", None, "dense", 3, 8, 2, "squared_error", "every_step", 0, 2, 0, "external", {}),
    ("ComposeLstmDenseExternalT2", "lstm", None, "dense", 3, 8, 2, "squared_error", "every_step", 2, 1, 0, "external", {}),
    ("ComposeLstmP3L2DenseExternalLast", "lstm", None, "dense", 3, 8, 2, "squared_error", "last_step", 0, 2, 3, "external", {}),
    ("ComposeVanillaL2DenseExternalDouble", "vanilla", "tanh", "dense", 3, 8, 2, "squared_error", "every_step", 0, 2, 0, "external",
     dict(precision="double")),
    # Output recurrence: the state step t reads is y_{t-1}, so its gradient is the one that composes.
    ("ComposeFeedbackDenseSe", "vanilla", "tanh", "dense", 3, 8, 3, "squared_error", "every_step", 0, 1, 0, "loss", dict(recurrence="output")),
    ("ComposeFeedbackTokenCeT2", "vanilla", "tanh", "vocab", 10, 8, 6, "cross_entropy", "every_step", 2, 1, 0, "loss", dict(recurrence="output")),
    ("ComposeFeedbackDenseExternal", "vanilla", "relu", "dense", 3, 8, 2, "squared_error", "every_step", 0, 1, 0, "external", dict(recurrence="output")),
]


class Net(nn.Module):
    """The module of SPEC section 5: the recurrent layer, then the head."""

    def __init__(self, cell, activation, input_size, hidden, output, recurrence, layers=1, projection=0, bidirectional=False,
                 embedding=0):
        super().__init__()
        self.cell, self.recurrence, self.layers, self.projection = cell, recurrence, layers, projection
        self.directions = 2 if bidirectional else 1
        self.masks = None
        if embedding:
            # Declared first: state_dict order, and the first draws of the seed, as a user's module would have it.
            self.embedding = nn.Embedding(input_size, embedding)
            input_size = embedding
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

    def use_masks(self, masks):
        """Applies masks[l - 1] ([steps, directions * features], 0 or 1 / (1 - p)) to layer l's input.

        PyTorch's own dropout draws from torch's generator; to apply a given mask instead, the layers run one
        at a time, each as a one-layer module whose parameters are the stacked module's own (the same tensors:
        the state_dict, the gradients and their names stay the stacked module's).
        """
        self.masks = masks
        self.stack = []
        options = dict(bidirectional=self.directions == 2)
        if self.cell == "lstm":
            options["proj_size"] = self.projection
        elif self.cell == "vanilla":
            options["nonlinearity"] = self.rnn.nonlinearity
        for l in range(self.layers):
            width = self.rnn.input_size if l == 0 else self.directions * (self.projection or self.rnn.hidden_size)
            module = type(self.rnn)(width, self.rnn.hidden_size, **options)
            for name in module._flat_weights_names:
                setattr(module, name, getattr(self.rnn, name.replace("_l0", f"_l{l}")))
            self.stack.append(module)

    def run(self, x, state, start=0):
        """Steps over x [steps, input], the steps from `start` of the sequence; returns the head outputs
        [steps, output] and the final state."""
        if self.recurrence == "output":
            y_prev = state
            ys = []
            for t in range(x.shape[0]):
                h = self.activation(x[t] @ self.rnn.weight_ih_l0.T + self.rnn.bias_ih_l0
                                    + y_prev @ self.rnn.weight_hh_l0.T + self.rnn.bias_hh_l0)
                y_prev = self.output(h)
                ys.append(y_prev)
            return torch.stack(ys), y_prev
        if self.masks is None:
            hs, state = self.rnn(x.unsqueeze(1), state)
            return self.output(hs.squeeze(1)), state
        hs, finals, d = x.unsqueeze(1), [], self.directions
        for l, module in enumerate(self.stack):
            if l > 0:
                hs = hs * self.masks[l - 1][start:start + x.shape[0]].unsqueeze(1)
            part = tuple(s[l * d:(l + 1) * d] for s in state) if isinstance(state, tuple) else state[l * d:(l + 1) * d]
            hs, final = module(hs, part)
            finals.append(final)
        final = tuple(torch.cat(s) for s in zip(*finals)) if isinstance(finals[0], tuple) else torch.cat(finals)
        return self.output(hs.squeeze(1)), final

    def zero_state(self, hidden, output):
        dtype = self.output.weight.dtype
        if self.recurrence == "output":
            return torch.zeros(output, dtype=dtype)
        n = self.layers * self.directions
        if self.cell == "lstm":
            return (torch.zeros(n, 1, self.projection or hidden, dtype=dtype), torch.zeros(n, 1, hidden, dtype=dtype))
        return torch.zeros(n, 1, hidden, dtype=dtype)


class RnnRandom:
    """RnnGen's RnnRandom (src/RnnGen/RnnRandom.cs), re-implemented: xoshiro256** seeded through SplitMix64."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        x = seed & self.MASK
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & self.MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
            self.s.append(z ^ (z >> 31))

    @classmethod
    def rotl(cls, x, k):
        return ((x << k) | (x >> (64 - k))) & cls.MASK

    def next_uint64(self):
        s0, s1, s2, s3 = self.s
        result = (self.rotl((s1 * 5) & self.MASK, 7) * 9) & self.MASK
        t = (s1 << 17) & self.MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self.rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_double(self):
        """(bits >> 11) * 2^-53, exactly as RnnRandom.NextDouble (both products are exact in binary64)."""
        return (self.next_uint64() >> 11) * (1.0 / (1 << 53))


def dropout_masks(seed, p, layers, directions, features, steps, dtype):
    """The masks a training call of RnnGen draws (the generated Drop method): for each layer above the first, for
    each direction of the layer below (forward, then reverse), for each step, for each of h's values: kept with
    scale 1 / (1 - p) when NextDouble() >= p. The scale is rounded to the model's precision first, as the
    generated DropScale constant is. Returns the masks [steps, directions * features] and the kept flags in
    the order of draws."""
    random = RnnRandom(seed)
    scale = float(torch.tensor(1 / (1 - p), dtype=dtype))
    masks, kept = [], []
    for _ in range(1, layers):
        mask = torch.zeros(steps, directions * features, dtype=torch.float64)
        for d in range(directions):
            for t in range(steps):
                for j in range(features):
                    keep = random.next_double() >= p
                    kept.append(int(keep))
                    mask[t, d * features + j] = scale if keep else 0.0
        masks.append(mask)
    return masks, kept


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def step_loss(y, target, loss):
    if loss == "cross_entropy":
        # An ignored target (-100) gives a zero term that autograd still differentiates: zero gradients.
        return F.cross_entropy(y.unsqueeze(0), target.view(1), ignore_index=-100, reduction="sum")
    return F.mse_loss(y, target, reduction="sum")


def precision_of(options):
    """(model dtype, dtype the reference computes in, safetensors dtype of the files)."""
    if options.get("precision") == "double":
        return torch.float64, torch.float64, "F64"
    if options.get("reference") == "float64":
        return torch.float32, torch.float64, "F32"
    return torch.float32, torch.float32, "F32"


def make(row, seed):
    name, cell, activation, kind, width, hidden, output, loss, outputs, truncate, recurrence = row[:11]
    layers = row[11] if len(row) > 11 else 1
    projection = row[12] if len(row) > 12 else 0
    bidirectional = row[13] if len(row) > 13 else False
    options = row[14] if len(row) > 14 else {}
    dtype, compute, file_dtype = precision_of(options)
    torch.manual_seed(seed)
    torch.set_default_dtype(dtype)
    embedding = options.get("embedding", 0)
    net = Net(cell, activation, width, hidden, output, recurrence, layers, projection, bidirectional, embedding)
    if kind == "vocab":
        tokens = torch.randint(0, width, (STEPS,))
        x = F.one_hot(tokens, width).to(dtype)
        inputs = tokens.tolist()
    else:
        x = torch.rand(STEPS, width) * 2 - 1
        inputs = x.flatten().tolist()
    rows = 1 if outputs == "last_step" else STEPS
    if loss == "cross_entropy":
        targets = torch.randint(0, output, (rows,))
        for r in options.get("ignore", []):
            targets[r] = -100
        target_list = targets.tolist()
    else:
        targets = torch.rand(rows, output) * 2 - 1
        target_list = targets.flatten().tolist()
    torch.set_default_dtype(torch.float32)
    # The model's values are now fixed in its precision; a float64 reference computes on exactly those values.
    net.to(compute)
    x = x.to(compute)
    if loss != "cross_entropy":
        targets = targets.to(compute)

    def features():
        """What the recurrence reads: x, or the embedding's rows, looked up afresh for each backward pass."""
        return net.embedding(tokens) if embedding else x

    extra = {}
    if "dropout" in options:
        masks, kept = dropout_masks(options["dropout_seed"], options["dropout"], layers, net.directions,
                                    projection or hidden, STEPS, dtype)
        net.use_masks([m.to(compute) for m in masks])
        extra["dropout_kept"] = kept

    # States entering every step, without gradient, for the truncation windows (unidirectional only).
    with torch.no_grad():
        entering = [net.zero_state(hidden, output)]
        for t in range(STEPS):
            _, s = net.run(features()[t:t + 1], entering[-1], start=t)
            entering.append(s)

    net.zero_grad()
    total = 0.0
    loss_steps = [STEPS - 1] if outputs == "last_step" else list(range(STEPS))
    if truncate == 0:
        ys, _ = net.run(features(), net.zero_state(hidden, output))
        value = sum(step_loss(ys[t], targets[r], loss) for r, t in enumerate(loss_steps))
        value.backward()
        total = value.item()
    else:
        for r, t in enumerate(loss_steps):
            start = max(0, t - truncate)
            ys, _ = net.run(features()[start:t + 1], detach(entering[start]), start=start)
            value = step_loss(ys[-1], targets[r], loss)
            value.backward()
            total += value.item()

    declaration = dict(cell=cell, activation=activation, input=kind, input_size=width, hidden=hidden,
                       output=output, loss=loss, outputs=outputs, truncate=truncate, recurrence=recurrence, layers=layers, projection=projection, bidirectional=bidirectional,
                       steps=STEPS, seed=seed, torch=torch.__version__)
    declaration.update(options)
    params = dict(net.named_parameters())
    write_safetensors(os.path.join(OUT, name + ".weights.safetensors"), {k: v.detach() for k, v in params.items()}, file_dtype)
    write_safetensors(os.path.join(OUT, name + ".grads.safetensors"), {k: v.grad for k, v in params.items()}, file_dtype)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(dict(declaration=declaration, inputs=inputs, targets=target_list, loss=total, **extra), f, indent=1)
    print(f"{name}: loss {total:.6f}")


def make_step(row, seed):
    """The module's outputs at every step of one sequence, from the zero state and from a given state: what
    RnnGen's Step must give, called once per step."""
    name, cell, activation, kind, width, hidden, output, recurrence, layers, projection, options = row
    dtype, compute, file_dtype = precision_of(options)
    torch.manual_seed(seed)
    torch.set_default_dtype(dtype)
    embedding = options.get("embedding", 0)
    net = Net(cell, activation, width, hidden, output, recurrence, layers, projection, embedding=embedding)
    if kind == "vocab":
        tokens = torch.randint(0, width, (STEPS,))
        x = F.one_hot(tokens, width).to(dtype)
        inputs = tokens.tolist()
    else:
        x = torch.rand(STEPS, width) * 2 - 1
        inputs = x.flatten().tolist()
    # A state such as a stream carries: h in (-0.9, 0.9), an LSTM's c in (-2, 2), a fed-back output in (-1, 1).
    zero = net.zero_state(hidden, output)
    if isinstance(zero, tuple):
        given = ((torch.rand(zero[0].shape) * 2 - 1) * 0.9, (torch.rand(zero[1].shape) * 2 - 1) * 2)
    else:
        given = (torch.rand(zero.shape) * 2 - 1) * (1 if recurrence == "output" else 0.9)
    torch.set_default_dtype(torch.float32)
    net.to(compute)
    x = x.to(compute)

    def parts(state):
        """The state by RnnGen's names: h<layer> and c<layer>, or y (the fed-back output)."""
        if recurrence == "output":
            return dict(y=state.flatten().tolist())
        if cell == "lstm":
            h, c = state
            return {**{f"h{l}": h[l, 0].tolist() for l in range(layers)}, **{f"c{l}": c[l, 0].tolist() for l in range(layers)}}
        return {f"h{l}": state[l, 0].tolist() for l in range(layers)}

    with torch.no_grad():
        if embedding:
            x = net.embedding(tokens)
        runs = {}
        for label, state in (("zero", zero), ("given", given)):
            start = tuple(s.to(compute) for s in state) if isinstance(state, tuple) else state.to(compute)
            ys, final = net.run(x, start)
            runs[label] = dict(state=parts(state), outputs=ys.flatten().tolist(), final=parts(final))

    declaration = dict(cell=cell, activation=activation, input=kind, input_size=width, hidden=hidden, output=output,
                       recurrence=recurrence, layers=layers, projection=projection, steps=STEPS, seed=seed,
                       torch=torch.__version__)
    declaration.update(options)
    write_safetensors(os.path.join(OUT, "Step", name + ".weights.safetensors"),
                      {k: v.detach() for k, v in net.named_parameters()}, file_dtype)
    with open(os.path.join(OUT, "Step", name + ".json"), "w") as f:
        json.dump(dict(declaration=declaration, inputs=inputs, **runs), f, indent=1)
    print(f"Step/{name}: last output {runs['given']['outputs'][-1]:.6f}")


def state_parts(state, cell, layers, recurrence="hidden"):
    """A state by RnnGen's names: h<layer> and c<layer>, or y (the fed-back output)."""
    if recurrence == "output":
        return dict(y=state.flatten().tolist())
    if cell == "lstm":
        h, c = state
        return {**{f"h{l}": h[l, 0].tolist() for l in range(layers)}, **{f"c{l}": c[l, 0].tolist() for l in range(layers)}}
    return {f"h{l}": state[l, 0].tolist() for l in range(layers)}


def make_compose(row, seed):
    """Backward from a given state with a downstream gradient of the final state: every parameter's gradient, the
    gradient of the initial state and, in external mode, of the inputs, as PyTorch's autograd gives them."""
    name, cell, activation, kind, width, hidden, output, loss, outputs, truncate, layers, projection, mode, options = row
    dtype, compute, file_dtype = precision_of(options)
    torch.manual_seed(seed)
    torch.set_default_dtype(dtype)
    embedding = options.get("embedding", 0)
    recurrence = options.get("recurrence", "hidden")
    net = Net(cell, activation, width, hidden, output, recurrence, layers, projection, False, embedding)
    if kind == "vocab":
        tokens = torch.randint(0, width, (STEPS,))
        x = F.one_hot(tokens, width).to(dtype)
        inputs = tokens.tolist()
    else:
        x = torch.rand(STEPS, width) * 2 - 1
        inputs = x.flatten().tolist()
    rows = 1 if outputs == "last_step" else STEPS
    if mode == "external":
        targets = torch.rand(rows, output) * 2 - 1  # the caller's dL/dy
    elif loss == "cross_entropy":
        targets = torch.randint(0, output, (rows,))
    else:
        targets = torch.rand(rows, output) * 2 - 1
    target_list = targets.flatten().tolist()
    zero = net.zero_state(hidden, output)
    if isinstance(zero, tuple):
        given = ((torch.rand(zero[0].shape) * 2 - 1) * 0.9, (torch.rand(zero[1].shape) * 2 - 1) * 2)
        downstream = tuple(torch.rand(z.shape) * 2 - 1 for z in zero)
    else:
        given = (torch.rand(zero.shape) * 2 - 1) * 0.9
        downstream = torch.rand(zero.shape) * 2 - 1
    torch.set_default_dtype(torch.float32)
    net.to(compute)
    x = x.to(compute)
    if mode == "external" or loss != "cross_entropy":
        targets = targets.to(compute)
    as_compute = lambda st: tuple(t.to(compute) for t in st) if isinstance(st, tuple) else st.to(compute)
    given, downstream = as_compute(given), as_compute(downstream)
    h0 = tuple(t.clone().requires_grad_() for t in given) if isinstance(given, tuple) else given.clone().requires_grad_()
    if kind == "dense":
        x.requires_grad_()

    def features():
        return net.embedding(tokens) if embedding else x

    def term(y, r):
        return (y * targets[r]).sum() if mode == "external" else step_loss(y, targets[r], loss)

    def follows(final):
        """What comes after, linearised: the downstream gradient dotted with the final state."""
        if isinstance(final, tuple):
            return sum((f * d).sum() for f, d in zip(final, downstream))
        return (final * downstream).sum()

    net.zero_grad()
    loss_steps = [STEPS - 1] if outputs == "last_step" else list(range(STEPS))
    total = 0.0
    if truncate == 0:
        ys, final = net.run(features(), h0)
        value = sum(term(ys[t], r) for r, t in enumerate(loss_steps))
        total = value.item()
        (value + follows(final)).backward()
    else:
        with torch.no_grad():
            entering = [given]
            for t in range(STEPS):
                _, st = net.run(features()[t:t + 1], entering[-1], start=t)
                entering.append(st)
        final = entering[-1]
        for r, t in enumerate(loss_steps):
            start = max(0, t - truncate)
            ys, end = net.run(features()[start:t + 1], h0 if start == 0 else detach(entering[start]), start=start)
            value = term(ys[-1], r)
            total += value.item()
            if t == STEPS - 1:
                value = value + follows(end)  # the final state's gradient goes back as the last step's loss does
            value.backward()
    with torch.no_grad():
        final = net.run(features(), given)[1]
    # None when no loss reaches step 0 (a sequence-to-one window that starts later): then the gradient is zero.
    grad_of = lambda t: t.grad if t.grad is not None else torch.zeros_like(t)
    state_gradient = tuple(grad_of(t) for t in h0) if isinstance(h0, tuple) else grad_of(h0)
    declaration = dict(cell=cell, activation=activation, input=kind, input_size=width, hidden=hidden, output=output, loss=loss,
                       outputs=outputs, truncate=truncate, layers=layers, projection=projection, mode=mode, steps=STEPS,
                       seed=seed, torch=torch.__version__)
    declaration.update(options)
    params = dict(net.named_parameters())
    os.makedirs(os.path.join(OUT, "Compose"), exist_ok=True)
    write_safetensors(os.path.join(OUT, "Compose", name + ".weights.safetensors"), {k: v.detach() for k, v in params.items()}, file_dtype)
    write_safetensors(os.path.join(OUT, "Compose", name + ".grads.safetensors"), {k: v.grad for k, v in params.items()}, file_dtype)
    parts = lambda st: state_parts(st, cell, layers, recurrence)
    result = dict(declaration=declaration, inputs=inputs, targets=target_list, loss=total, state=parts(given),
                  state_gradient=parts(downstream), final=parts(final), initial_state_gradient=parts(state_gradient))
    if mode == "external":
        result["input_gradient"] = x.grad.flatten().tolist()
    with open(os.path.join(OUT, "Compose", name + ".json"), "w") as f:
        json.dump(result, f, indent=1)
    first_part = next(iter(result["initial_state_gradient"].values()))
    print(f"Compose/{name}: loss {total:.6f}, |d state0| {sum(abs(v) for v in first_part):.4f}")


# Padded batches (Fixtures/Batch), with autograd's gradients of the summed loss: n sequences of different lengths through nn.LSTM / nn.GRU / nn.RNN(batch_first=True)
# over a packed sequence (pack_padded_sequence, enforce_sorted=False), the head at every valid step, and
# cross_entropy(..., ignore_index=-100, reduction='sum') or the summed squared error over the valid steps (or at each
# sequence's last valid step). The JSON's padding holds garbage (out-of-range ids, 1e30) that RnnGen must never read;
# PyTorch's own targets mark it -100.
# name, cell, activation, input kind, input width, hidden, output, loss, outputs, layers, lengths, options
BATCH_TABLE = [
    ("BatchLstmL2TokenCe", "lstm", None, "vocab", 12, 8, 5, "cross_entropy", "every_step", 2, [9, 3, 1, 6, 9, 4], dict(ignore=[(0, 2), (3, 0)])),
    ("BatchGruDenseSe", "gru", None, "dense", 4, 8, 3, "squared_error", "every_step", 1, [2, 9, 5, 7], {}),
    ("BatchVanillaReluTokenCeLast", "vanilla", "relu", "vocab", 10, 8, 4, "cross_entropy", "last_step", 1, [5, 1, 9, 3, 8], {}),
    # The reverse direction starts at each sequence's own last valid step: packed sequences, not the padded tensor.
    ("BatchBiLstmL2TokenCe", "lstm", None, "vocab", 11, 6, 5, "cross_entropy", "every_step", 2, [7, 2, 5, 1], dict(bidirectional=True, ignore=[(2, 1)])),
    ("BatchBiGruDenseSeLast", "gru", None, "dense", 3, 7, 2, "squared_error", "last_step", 1, [4, 8, 1, 6, 3], dict(bidirectional=True)),
]


def make_batch(row, seed):
    name, cell, activation, kind, width, hidden, output, loss, outputs, layers, lengths, options = row
    torch.manual_seed(seed)
    n, steps = len(lengths), max(lengths)
    both = options.get("bidirectional", False)
    if cell == "lstm":
        rnn = nn.LSTM(width, hidden, num_layers=layers, batch_first=True, bidirectional=both)
    elif cell == "gru":
        rnn = nn.GRU(width, hidden, num_layers=layers, batch_first=True, bidirectional=both)
    else:
        rnn = nn.RNN(width, hidden, num_layers=layers, nonlinearity=activation, batch_first=True, bidirectional=both)
    head = nn.Linear(2 * hidden if both else hidden, output)
    valid = torch.zeros(n, steps, dtype=torch.bool)
    for m, length in enumerate(lengths):
        valid[m, :length] = True
    if kind == "vocab":
        tokens = torch.randint(0, width, (n, steps))
        x = F.one_hot(tokens, width).float()
        inputs = torch.where(valid, tokens, torch.full_like(tokens, 999)).flatten().tolist()
    else:
        x = torch.rand(n, steps, width) * 2 - 1
        inputs = torch.where(valid.unsqueeze(2), x, torch.full_like(x, 1e30)).flatten().tolist()
    packed = nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    hs, _ = nn.utils.rnn.pad_packed_sequence(rnn(packed)[0], batch_first=True, total_length=steps)
    ys = head(hs)  # [n, steps, output]; rows past a length are the head of zeros, never scored
    last = outputs == "last_step"
    if last:
        ys = ys[torch.arange(n), torch.tensor(lengths) - 1]  # [n, output]
    if loss == "cross_entropy":
        targets = torch.randint(0, output, (n,) if last else (n, steps))
        if not last:
            targets = torch.where(valid, targets, torch.full_like(targets, -100))
            for m, t in options.get("ignore", []):
                targets[m, t] = -100
        total = F.cross_entropy(ys.reshape(-1, output), targets.flatten(), ignore_index=-100, reduction="sum")
        target_list = (targets if last else torch.where(valid, targets, torch.full_like(targets, 555))).flatten().tolist()
        predictions = ys.detach().argmax(-1).flatten().tolist()
    else:
        targets = torch.rand(*ys.shape) * 2 - 1
        mask = torch.ones(n, 1, dtype=torch.bool) if last else valid.unsqueeze(2)
        total = ((ys - targets) ** 2 * mask).sum()
        target_list = (targets if last else torch.where(valid.unsqueeze(2), targets, torch.full_like(targets, 1e30))).flatten().tolist()
        predictions = ys.detach().flatten().tolist()
    total.backward()
    tensors = {"rnn." + k: v.detach() for k, v in rnn.named_parameters()}
    tensors.update({"output." + k: v.detach() for k, v in head.named_parameters()})
    grads = {"rnn." + k: v.grad for k, v in rnn.named_parameters()}
    grads.update({"output." + k: v.grad for k, v in head.named_parameters()})
    os.makedirs(os.path.join(OUT, "Batch"), exist_ok=True)
    write_safetensors(os.path.join(OUT, "Batch", name + ".weights.safetensors"), tensors)
    write_safetensors(os.path.join(OUT, "Batch", name + ".grads.safetensors"), grads)
    declaration = dict(cell=cell, activation=activation, input=kind, input_size=width, hidden=hidden, output=output, loss=loss,
                       outputs=outputs, layers=layers, bidirectional=both, seed=seed, torch=torch.__version__)
    with open(os.path.join(OUT, "Batch", name + ".json"), "w") as f:
        json.dump(dict(declaration=declaration, lengths=lengths, steps=steps, inputs=inputs, targets=target_list,
                       loss=total.item(), predictions=predictions, valid=valid.flatten().tolist()), f, indent=1)
    print(f"{name}: loss {total.item():.6f}")


def write_safetensors(path, tensors, dtype="F32"):
    """The safetensors format, written directly: 8-byte length, JSON header, contiguous F32 (or F64) data."""
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.contiguous().to(torch.float64 if dtype == "F64" else torch.float32).numpy().tobytes()
        header[name] = dict(dtype=dtype, shape=list(tensor.shape), data_offsets=[offset, offset + len(data)])
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
    os.makedirs(os.path.join(OUT, "Step"), exist_ok=True)
    torch.set_num_threads(1)
    # Names on the command line make only those fixtures (the others' files stay as committed).
    only = set(sys.argv[1:])
    for i, row in enumerate(TABLE):
        if not only or row[0] in only:
            make(row, seed=1000 + i)
    for i, row in enumerate(STEP_TABLE):
        if not only or row[0] in only:
            make_step(row, seed=2000 + i)
    for i, row in enumerate(COMPOSE_TABLE):
        if not only or row[0] in only:
            make_compose(row, seed=3000 + i)
    for i, row in enumerate(BATCH_TABLE):
        if not only or row[0] in only:
            make_batch(row, seed=4000 + i)
