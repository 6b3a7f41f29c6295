"""int8 inference on CPU.

Linear layers become `Int8Linear`: int8 weights with one scale per output, and each input
row (a token, a text) quantized with its own scale, so that a row's output is the same
whatever else is in its batch. The products accumulate exactly in int32. A BiLSTM encoder
becomes an `Int8BiLSTMEncoder` on the same principle: each token's input quantized on its
own, the hidden states (all within (-1, 1)) at one fixed scale, so a sequence reads the same
in any batch too. Any other `nn.LSTM` takes torch's dynamic quantization, whose activation
scale is taken per batch (the segmenter, whose small LSTM int8 does not speed up, stays
float). The parser's first arc product (each dependent's representation times `arc_weight`)
is a linear map and goes to int8 as well; embedding tables, layer norms and the biaffine
products between two tokens stay in float. Accuracy moves by hundredths of a point (benchmarks/RESULTS.md, "int8 inference", "int8 a row at a
time" and "An int8 BiLSTM a sequence at a time").
"""
from __future__ import annotations

import warnings
import weakref

import torch
from torch import nn

from .biaffine import BiaffineParserHead
from .tok2vec import BiLSTMEncoder, packing, read_padded

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


def _int8_columns(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A weight (out, in) as `torch._int_mm` takes it, int8 (in, out), and its scales (out,):
    one per output."""
    rows, scale = _int8_rows(weight.detach().float())
    return rows.t().contiguous(), scale.view(-1)


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
        weight_t, scale = _int8_columns(linear.weight)
        self.register_buffer("weight_t", weight_t)
        self.register_buffer("weight_scale", scale)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())

    @classmethod
    def product(cls, weight: torch.Tensor) -> "Int8Linear":
        """`x @ weight` (weight (in, out)) as an `Int8Linear`."""
        linear = nn.Linear(*weight.shape, bias=False)
        linear.weight.data = weight.detach().t()
        return cls(linear)

    def forward(self, x: torch.Tensor, row_max: torch.Tensor | None = None) -> torch.Tensor:
        if row_max is None:
            rows, scale = _RECENT.rows_of(x)
        else:
            rows, scale = _int8_rows(x.reshape(-1, self.in_features), row_max)
        return self.from_int8(rows, scale).to(x.dtype).view(*x.shape[:-1], self.out_features)

    def from_int8(self, rows: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """The output for input rows already in int8 (n, in), `scale` (n, 1) or one for all."""
        y = torch._int_mm(rows, self.weight_t).float().mul_(scale).mul_(self.weight_scale)
        if self.bias is not None:
            y += self.bias
        return y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# A hidden state h lies in (-1, 1): in int8 it is round(127 h), whatever its sequence or batch.
_H_SCALE = 1 / 127


def _int8_gates(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """An LSTM weight (4 hidden, n) in torch's gate order (i, f, g, o) as int8 (n, 4 hidden) in
    the order (i, f, o, 2g), with its scales (4 hidden,): the doubled cell-input rows let one
    sigmoid serve all four gates, tanh(g) being 2 sigmoid(2g) - 1 (torch's tanh on CPU is
    several times slower than its sigmoid)."""
    return _int8_columns(_gate_order(w.detach().float()))


def _gate_order(w: torch.Tensor) -> torch.Tensor:
    i, f, g, o = w.chunk(4, dim=0)
    return torch.cat([i, f, o, 2 * g])


class _Int8BiLSTMLayer(nn.Module):
    """One layer of an `Int8BiLSTMEncoder`: a forward and a backward `nn.LSTM`, run together
    step by step over their packings."""

    def __init__(self, fwd: nn.LSTM, bwd: nn.LSTM):
        super().__init__()
        self.hidden = fwd.hidden_size
        ih = [_int8_gates(lstm.weight_ih_l0) for lstm in (fwd, bwd)]
        hh = [_int8_gates(lstm.weight_hh_l0) for lstm in (fwd, bwd)]
        self.register_buffer("w_ih", torch.stack([w for w, _ in ih]))  # (2, in, 4 hidden)
        self.register_buffer("scale_ih", torch.stack([s for _, s in ih])[:, None, :])  # (2, 1, 4 hidden)
        self.register_buffer("w_hh", torch.stack([w for w, _ in hh]))
        self.register_buffer("scale_hh", torch.stack([s for _, s in hh])[:, None, :] * _H_SCALE)
        bias = [_gate_order((lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().float()[:, None])[:, 0] for lstm in (fwd, bwd)]
        self.register_buffer("bias", torch.stack(bias)[:, None, :])

    def forward(self, inputs: list[torch.Tensor], row_scales: torch.Tensor | None, sizes: list[int]) -> torch.Tensor:
        """`inputs`: each direction's int8 input rows in its own packing (n, in); `row_scales`
        (2, n, 1) their scales, or None for hidden states of the layer below (`_H_SCALE`).
        Returns the hidden states round(127 h) as int8 (2, n, hidden), each direction's in its
        packing."""
        n, hidden = inputs[0].shape[0], self.hidden
        scale_in = self.scale_ih * _H_SCALE if row_scales is None else self.scale_ih
        h = torch.empty(2, n, hidden, dtype=torch.int8)
        c = torch.zeros(2, sizes[0], hidden)  # twice the cell state: tanh(c) = 2 sigmoid(2c) - 1
        from_h = torch.empty(2, sizes[0], 4 * hidden, dtype=torch.int32)
        (h_f, h_b), (w_f, w_b), (from_f, from_b) = h.unbind(0), self.w_hh.unbind(0), from_h.unbind(0)
        # the input's share of the gates is taken a block of steps at a time: products big
        # enough to run fast, into buffers small enough to stay in cache, reused block after block
        blocks = _blocks(sizes)
        most = max(sum(steps) for steps in blocks)
        from_x, block = torch.empty(2, most, 4 * hidden, dtype=torch.int32), torch.empty(2, most, 4 * hidden)
        start, before = 0, None
        for steps in blocks:
            rows = slice(start, start + sum(steps))
            n_rows = rows.stop - rows.start
            for d in (0, 1):
                torch._int_mm(inputs[d][rows], self.w_ih[d], out=from_x[d, :n_rows])
            gates_in = block[:, :n_rows].copy_(from_x[:, :n_rows])
            if row_scales is not None:
                gates_in.mul_(row_scales[:, rows])
            gates_in.mul_(scale_in).add_(self.bias)
            for size in steps:
                gates = gates_in[:, start - rows.start : start - rows.start + size]
                if before is not None:  # the same sequences one step earlier: the first `size` rows of the step before
                    torch._int_mm(h_f[before : before + size], w_f, out=from_f[:size])
                    torch._int_mm(h_b[before : before + size], w_b, out=from_b[:size])
                    gates.addcmul_(from_h[:, :size], self.scale_hh)
                gates.sigmoid_()
                i, f, o, g = gates[..., :hidden], gates[..., hidden : 2 * hidden], gates[..., 2 * hidden : 3 * hidden], gates[..., 3 * hidden :]
                cell = c[:, :size]
                cell.mul_(f).addcmul_(i, g, value=4).sub_(i, alpha=2)  # 2c' = f 2c + 2 i (2 sigmoid(2g) - 1)
                h[:, start : start + size] = torch.sigmoid(cell).mul_(_254).sub_(_127).mul_(o).round_()  # 127 o tanh(c')
                start, before = start + size, start
        return h


def _blocks(sizes: list[int], rows: int = 1024) -> list[list[int]]:
    """`sizes` cut into runs of consecutive steps of at most `rows` rows together (or one step)."""
    blocks, total = [[]], 0
    for size in sizes:
        if blocks[-1] and total + size > rows:
            blocks.append([])
            total = 0
        blocks[-1].append(size)
        total += size
    return blocks


_254, _127 = torch.tensor(254.0), torch.tensor(127.0)  # tensors, not Python numbers: no conversion at each step


class Int8BiLSTMEncoder(nn.Module):
    """A `BiLSTMEncoder` for inference in int8 on CPU, each sequence read as if it were alone.

    Each token's input is quantized on its own, and its products with the input-to-gate
    weights are taken a block of steps at a time; the recurrence runs both directions together,
    a step at a time over their packings, the hidden states in int8 at the fixed scale 1/127. The
    projection reads those int8 states directly. Every product is exact in int32 and every
    other operation is elementwise, so a token's output is the same in any batch, bit for bit.
    """

    annotate_docs = 64  # Docs the pipeline annotates at once (language.ANNOTATE_DOCS): fewer steps for the loop

    def __init__(self, encoder: BiLSTMEncoder):
        super().__init__()
        self.layers = nn.ModuleList(_Int8BiLSTMLayer(f, b) for f, b in zip(encoder.forward_layers, encoder.backward_layers))
        self.all_layers = encoder.all_layers
        self.proj = Int8Linear(encoder.proj)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return read_padded(self, x, mask)

    def read_tokens(self, flat: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """`BiLSTMEncoder.read_tokens`: the output at the tokens laid end to end in `flat`."""
        if self.training:
            raise RuntimeError("this BiLSTM encoder was quantized for inference (int8) and cannot train")
        if not len(flat):
            return flat.new_zeros(0, self.proj.out_features)
        sizes, order, backward = packing(lengths)
        n = len(order)
        at = torch.empty_like(order), torch.empty_like(order)  # token -> its row in each packing
        at[0][order], at[1][backward] = torch.arange(n), torch.arange(n)
        rows, scale = _int8_rows(flat.float())
        inputs = [rows.index_select(0, order), rows.index_select(0, backward)]
        row_scales = torch.stack([scale.index_select(0, order), scale.index_select(0, backward)])
        sizes, outputs, h = sizes.tolist(), [], None
        for layer in self.layers:
            if h is not None:  # a layer above the first reads both directions' states at each token, in each packing
                forward_rows = torch.cat([h[0], h[1].index_select(0, at[1][order])], dim=1)
                backward_rows = torch.cat([h[0].index_select(0, at[0][backward]), h[1]], dim=1)
                inputs, row_scales = [forward_rows, backward_rows], None
            h = layer(inputs, row_scales, sizes)
            if self.all_layers or layer is self.layers[-1]:
                outputs.append(torch.cat([h[0].index_select(0, at[0]), h[1].index_select(0, at[1])], dim=1))
        return self.proj.from_int8(torch.cat(outputs, dim=1), _H_SCALE).to(flat.dtype)


def quantize_int8(module: nn.Module) -> nn.Module:
    """Swap `module`'s linear layers, BiLSTM encoders and other LSTMs, in place, for their int8
    versions; returns it. The result predicts but cannot be trained."""
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Linear:
                setattr(parent, name, Int8Linear(child))
            elif isinstance(child, BiLSTMEncoder):
                setattr(parent, name, Int8BiLSTMEncoder(child))
        if isinstance(parent, BiaffineParserHead):  # its first arc product is a linear map too
            parent.arc_weight_int8 = Int8Linear.product(parent.arc_weight)
    with warnings.catch_warnings():
        # torch 2.13 marks torch.ao.quantization as deprecated in favour of torchao, which has
        # no quantized LSTM; the eager API is what its CPU kernels (fbgemm / oneDNN) run under.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        return torch.ao.quantization.quantize_dynamic(module, {nn.LSTM}, dtype=torch.qint8, inplace=True)
