"""Dropout whose mask is drawn with `torch.rand`.

On CPU, torch's own dropout draws its mask with `bernoulli_`, which takes about five times
as long as `rand` and a comparison (12.8 ms against 2.6 ms for a 1M-element tensor on two
cores): a tenth of a `configs/ud.cfg` training step went to it. Elsewhere (CUDA) torch's
fused kernel is kept. It is an `nn.Dropout`, so the training loop's `dropout` setting sets
its rate as it does any other's.
"""
from __future__ import annotations

import torch
from torch import nn


class Dropout(nn.Dropout):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or not 0.0 < self.p < 1.0 or x.device.type != "cpu":
            return super().forward(x)
        # 0 where dropped, 1/(1-p) where kept; the product's backward multiplies by the same mask
        scale = torch.rand_like(x).ge_(self.p).mul_(1.0 / (1.0 - self.p))
        return x * scale
