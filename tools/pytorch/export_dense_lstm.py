#!/usr/bin/env python3
"""The dense-input LSTM of the speed benchmarks, exported once from PyTorch for ONNX Runtime and RnnGen.

Writes into tests/RnnGen.Benchmarks/Data (both files are committed, so neither CI nor the benchmarks need Python):
  dense_lstm.onnx          nn.LSTM(64, 256) over [100 steps, batch 1, 64], by PyTorch's own ONNX exporter
                           (one ONNX `LSTM` node; outputs Y, Y_h, Y_c)
  dense_lstm.safetensors   the same weights under RnnGen's names (rnn.*), plus a 1-unit head (output.*)
                           that RnnGen's declaration needs and ONNX Runtime does not run

Run with Debian's python3 (`apt-get install python3-torch`):  /usr/bin/python3 tools/pytorch/export_dense_lstm.py
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "RnnGen.Benchmarks", "Data")
INPUT, HIDDEN, STEPS = 64, 256, 100


def main():
    torch.manual_seed(5)
    rnn = nn.LSTM(INPUT, HIDDEN)
    head = nn.Linear(HIDDEN, 1)
    os.makedirs(OUT, exist_ok=True)
    rnn.eval()
    x = torch.rand(STEPS, 1, INPUT) * 2 - 1
    # A fixed shape, as the benchmark runs it; opset 14 has the LSTM operator with the layout PyTorch emits.
    torch.onnx.export(rnn, (x,), os.path.join(OUT, "dense_lstm.onnx"), input_names=["x"],
                      output_names=["y", "h", "c"], opset_version=14, do_constant_folding=True)
    tensors = {"rnn." + k: v.detach() for k, v in rnn.state_dict().items()}
    tensors.update({"output." + k: v.detach() for k, v in head.state_dict().items()})
    write_safetensors(os.path.join(OUT, "dense_lstm.safetensors"), tensors)
    print(f"parameters: {sum(v.numel() for v in tensors.values())}")


if __name__ == "__main__":
    main()
