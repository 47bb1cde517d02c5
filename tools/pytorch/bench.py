#!/usr/bin/env python3
"""PyTorch's side of the speed figures in docs/performance.md, on one thread, batch 1.

Each figure is written the way a PyTorch user would write it, in the configuration of the matching
benchmark in tests/RnnGen.Benchmarks:
  tutorial_ms                 one SGD step on a 20-token sentence: nn.Embedding(8000, 100) -> nn.RNN / nn.LSTM / nn.GRU
                              (100 -> 100) -> nn.Linear(100, 8000), summed cross-entropy, backward, torch.optim.SGD.
                              A user truncates BPTT by detaching between chunks; a 20-token sentence is one chunk.
  tutorial_exact_truncate_ms  the same step with RnnGen's Truncate = 4 gradient spelled out (docs/pytorch.md):
                              one short window and backward per target. Same result as RnnGen, not how users write it.
  streaming_ns                nn.LSTMCell / nn.GRUCell + a 1-unit nn.Linear head, one sample per call, no_grad
  dense_ms                    nn.LSTM(64, 256) over [100, 1, 64], no_grad, on the committed benchmark weights

Prints JSON (medians) to stdout, or writes it to the path given. Needs Debian's python3 with python3-torch:
  /usr/bin/python3 tools/pytorch/bench.py [out.json] [--quick]
"""
import json
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "tests", "RnnGen.Benchmarks", "Data")
VOCAB, HIDDEN, STEPS, LEARNING_RATE, TRUNCATE = 8000, 100, 20, 0.005, 4


def median_time(fn, seconds, at_least=5):
    """Median wall time of one call to fn, in seconds, after a warm-up."""
    for _ in range(at_least):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < at_least or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


class Tutorial(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, HIDDEN)
        self.rnn = {"vanilla": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](HIDDEN, HIDDEN)
        self.output = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens, state=None):
        h, state = self.rnn(self.embedding(tokens).unsqueeze(1), state)
        return self.output(h.squeeze(1)), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def tutorial(cell, seconds):
    torch.manual_seed(1)
    net = Tutorial(cell)
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
    tokens = torch.randint(1, VOCAB, (STEPS + 1,))
    inputs, targets = tokens[:-1], tokens[1:]

    def step():
        optimizer.zero_grad()
        logits, _ = net(inputs)
        loss = F.cross_entropy(logits, targets, reduction="sum")
        loss.backward()
        optimizer.step()

    def exact_truncated_step():
        optimizer.zero_grad()
        with torch.no_grad():  # the state entering every step
            states = [None]
            for t in range(STEPS):
                _, s = net(inputs[t:t + 1], states[-1])
                states.append(s)
        for t in range(STEPS):
            start = max(0, t - TRUNCATE)
            state = None if states[start] is None else detach(states[start])
            logits, _ = net(inputs[start:t + 1], state)
            F.cross_entropy(logits[-1:], targets[t:t + 1], reduction="sum").backward()
        optimizer.step()

    return median_time(step, seconds) * 1e3, median_time(exact_truncated_step, seconds) * 1e3


def streaming(kind, input_size, hidden, seconds, block=4800):
    torch.manual_seed(2)
    cell = nn.LSTMCell(input_size, hidden) if kind == "lstm" else nn.GRUCell(input_size, hidden)
    head = nn.Linear(hidden, 1)
    samples = torch.rand(block, 1, input_size) * 2 - 1

    def run():
        with torch.no_grad():
            h = torch.zeros(1, hidden)
            c = torch.zeros(1, hidden)
            for i in range(block):
                if kind == "lstm":
                    h, c = cell(samples[i], (h, c))
                else:
                    h = cell(samples[i], h)
                head(h)

    return median_time(run, seconds, at_least=3) / block * 1e9


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info["shape"])
    return tensors


def dense(seconds):
    rnn = nn.LSTM(64, 256)
    weights = read_safetensors(os.path.join(DATA, "dense_lstm.safetensors"))
    rnn.load_state_dict({k[len("rnn."):]: v for k, v in weights.items() if k.startswith("rnn.")})
    x = torch.rand(100, 1, 64) * 2 - 1

    def run():
        with torch.no_grad():
            rnn(x)

    return median_time(run, seconds) * 1e3


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seconds = 0.5 if "--quick" in sys.argv else 3.0
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "tutorial_ms": {}, "tutorial_exact_truncate_ms": {}, "streaming_ns": {}, "dense_ms": {}}
    for cell in ("vanilla", "lstm", "gru"):
        user, exact = tutorial(cell, seconds)
        result["tutorial_ms"][cell] = user
        result["tutorial_exact_truncate_ms"][cell] = exact
        print(f"tutorial {cell}: {user:.2f} ms, truncation spelled out {exact:.2f} ms", file=sys.stderr)
    for key, kind, width, hidden in (("lstm16", "lstm", 16, 16), ("lstm1x24", "lstm", 1, 24), ("gru16", "gru", 16, 16)):
        result["streaming_ns"][key] = streaming(kind, width, hidden, seconds)
        print(f"streaming {key}: {result['streaming_ns'][key]:.0f} ns per sample", file=sys.stderr)
    result["dense_ms"]["lstm"] = dense(seconds)
    print(f"dense LSTM: {result['dense_ms']['lstm']:.3f} ms", file=sys.stderr)
    text = json.dumps(result, indent=1)
    if args:
        with open(args[0], "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
