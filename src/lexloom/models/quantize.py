"""int8 inference on CPU.

Linear layers become `Int8Linear`: int8 weights with one scale per output, and each input
row (a token, a text) quantized with its own scale, so that a row's output is the same
whatever else is in its batch. The products accumulate exactly in int32. LSTMs take torch's
dynamic quantization, whose activation scale is taken per batch: a BiLSTM encoder's two
directions are first joined into one bidirectional LSTM over packed sequences
(`BiLSTMEncoder.pack_directions`), whose int8 kernel spends no step on padding.
Embedding tables, layer norms and the parser's biaffine products stay in float. Accuracy
moves by hundredths of a point (benchmarks/RESULTS.md, "int8 inference" and "int8 a row at
a time").
"""
from __future__ import annotations

import warnings
import weakref

import torch
from torch import nn

from .tok2vec import BiLSTMEncoder

_TINY = 1e-12  # the scale of an all-zero row or weight: any positive number quantizes it to zeros
# Added to and taken from a float32 of magnitude below 2**22, it rounds it to the nearest integer
# (half to even, as torch.round), in two passes about a third cheaper than torch.round's one.
_ROUNDER = 1.5 * 2**23


def _int8_rows(x: torch.Tensor, row_max: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row of the 2-d `x` as int8, symmetric, with its own scale: (int8 rows, scales (n, 1)).
    `row_max` (n, 1): each row's largest magnitude, where the caller knows it already."""
    top = (x.abs().amax(dim=1, keepdim=True) if row_max is None else row_max).clamp_min(_TINY)
    rows = (x.float() * (127 / top)).add_(_ROUNDER).sub_(_ROUNDER).to(torch.int8)
    return rows, top / 127


class _RecentInputs:
    """The int8 rows of the last two inputs quantized, each kept while the tensor holding it
    lives unchanged: the heads that read one encoder's output (the taggers; the parser's arc
    and label layers, which take turns) quantize it once. An input is the same when it is the
    same view (offset, shape, strides) of the same living tensor at the same version (an
    in-place change makes a new version)."""

    size = 2

    def __init__(self):
        self.entries: list[tuple] = []  # (weakref to the owner, view key, (rows, scales)); replaced whole, never edited

    def rows_of(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.is_inference():  # made under torch.inference_mode: no version counter tells a change
            return _int8_rows(x.reshape(-1, x.shape[-1]))
        owner = x if x._base is None else x._base
        key = (x.storage_offset(), x.shape, x.stride(), x._version)
        for ref, seen, rows in self.entries:
            if ref() is owner and seen == key:
                return rows
        rows = _int8_rows(x.reshape(-1, x.shape[-1]))
        self.entries = [(weakref.ref(owner), key, rows)] + self.entries[: self.size - 1]
        return rows


_RECENT = _RecentInputs()


class Int8Linear(nn.Module):
    """`nn.Linear` for inference in int8, each input row on its own (see the module's doc)."""

    scales_rows = True  # forward takes each row's largest magnitude, where the caller knows it

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        rows, scale = _int8_rows(linear.weight.detach().float())
        self.register_buffer("weight_t", rows.t().contiguous())  # (in, out), as torch._int_mm takes it
        self.register_buffer("weight_scale", scale.view(-1))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())

    def forward(self, x: torch.Tensor, row_max: torch.Tensor | None = None) -> torch.Tensor:
        if row_max is None:
            rows, scale = _RECENT.rows_of(x)
        else:
            rows, scale = _int8_rows(x.reshape(-1, self.in_features), row_max)
        y = torch._int_mm(rows, self.weight_t).to(x.dtype).mul_(scale).mul_(self.weight_scale)
        if self.bias is not None:
            y += self.bias
        return y.view(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def quantize_int8(module: nn.Module) -> nn.Module:
    """Swap `module`'s linear layers and LSTMs, in place, for their int8 versions; returns it.
    The result predicts but cannot be trained."""
    for sub in list(module.modules()):
        if isinstance(sub, BiLSTMEncoder):
            sub.pack_directions()
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Linear:
                setattr(parent, name, Int8Linear(child))
    with warnings.catch_warnings():
        # torch 2.13 marks torch.ao.quantization as deprecated in favour of torchao, which has
        # no quantized LSTM; the eager API is what its CPU kernels (fbgemm / oneDNN) run under.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        return torch.ao.quantization.quantize_dynamic(module, {nn.LSTM}, dtype=torch.qint8, inplace=True)
