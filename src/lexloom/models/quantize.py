"""int8 inference on CPU: torch's dynamic quantization of LSTM and linear layers.

Weights are stored as int8 with one scale per tensor; each batch's activations are
quantized on the fly, and the products accumulate in int32. Embedding tables, layer
norms and the parser's biaffine products stay in float. A BiLSTM encoder's two
directions are first joined into one bidirectional LSTM over packed sequences
(`BiLSTMEncoder.pack_directions`), whose int8 kernel spends no step on padding.
Accuracy moves by hundredths of a point (benchmarks/RESULTS.md, "int8 inference").
"""
from __future__ import annotations

import warnings

import torch
from torch import nn

from .tok2vec import BiLSTMEncoder

QUANTIZED_LAYERS = {nn.LSTM, nn.Linear}


def quantize_int8(module: nn.Module) -> nn.Module:
    """Swap `module`'s LSTM and linear layers, in place, for their int8 versions; returns it.
    The result predicts but cannot be trained."""
    for sub in list(module.modules()):
        if isinstance(sub, BiLSTMEncoder):
            sub.pack_directions()
    with warnings.catch_warnings():
        # torch 2.13 marks torch.ao.quantization as deprecated in favour of torchao, which has
        # no quantized LSTM; the eager API is what its CPU kernels (fbgemm / oneDNN) run under.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        return torch.ao.quantization.quantize_dynamic(module, QUANTIZED_LAYERS, dtype=torch.qint8, inplace=True)
