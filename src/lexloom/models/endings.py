"""A logistic model over a word's hashed character features: is this form a multi-word token?"""
from __future__ import annotations

import torch
from torch import nn


class EndingClassifier(nn.Module):
    """One weight per hashed feature row, summed, plus a bias: a logit per form.

    Input: flat feature rows of a batch of forms and each form's offset into them (as for
    `nn.EmbeddingBag`). Output: (n_forms,) logits.
    """

    def __init__(self, rows: int):
        super().__init__()
        self.weights = nn.EmbeddingBag(rows, 1, mode="sum")
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.weights(ids, offsets)[:, 0] + self.bias

