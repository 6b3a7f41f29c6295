"""Text classification models: a hashed bag-of-n-grams linear model and a pooled-encoder model.

Both give (n_docs, n_labels) logits; the ensemble adds them, which is a linear
layer over the concatenation of the two feature sets.
"""
from __future__ import annotations

import torch
from torch import nn

from .dropout import Dropout


def _grow_linear(old: nn.Linear, n_out: int) -> nn.Linear:
    new = nn.Linear(old.in_features, n_out).to(old.weight.device)
    with torch.no_grad():
        new.weight.zero_()
        new.bias.zero_()
        new.weight[: old.out_features] = old.weight
        new.bias[: old.out_features] = old.bias
    return new


class BagOfNgrams(nn.Module):
    """Sum of one learned weight row per hashed n-gram: `nn.EmbeddingBag(mode="sum")` plus a bias.

    Input: flat bucket ids of all docs and each doc's offset into them.
    """

    def __init__(self, n_buckets: int, n_labels: int):
        super().__init__()
        self.weights = nn.EmbeddingBag(n_buckets, n_labels, mode="sum")
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(n_labels))

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.weights(ids, offsets) + self.bias

    def grow(self, n_labels: int) -> None:
        old = self.weights.weight
        new = nn.EmbeddingBag(old.shape[0], n_labels, mode="sum").to(old.device)
        with torch.no_grad():
            new.weight.zero_()
            new.weight[:, : old.shape[1]] = old
            bias = torch.zeros(n_labels, device=old.device)
            bias[: old.shape[1]] = self.bias
        self.weights = new
        self.bias = nn.Parameter(bias)


class PooledEncoderClassifier(nn.Module):
    """Mean and max of the token vectors -> hidden layer -> logits."""

    def __init__(self, width: int, n_labels: int, hidden: int = 64, dropout: float = 0.1):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(2 * width, hidden), nn.GELU(), Dropout(dropout))
        self.output = nn.Linear(hidden, n_labels)

    def forward(self, tokvecs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).to(tokvecs.dtype)
        mean = (tokvecs * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        peak = tokvecs.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)
        peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))
        return self.output(self.hidden(torch.cat([mean, peak], dim=-1)))

    def grow(self, n_labels: int) -> None:
        self.output = _grow_linear(self.output, n_labels)


class TextCatHead(nn.Module):
    """The bag of n-grams, the pooled encoder, or both. The ensemble's logits are the members'
    logits summed; the members are returned apart so that each can also be trained on its own."""

    def __init__(self, n_labels: int, *, n_buckets: int = 0, width: int = 0, hidden: int = 64, dropout: float = 0.1):
        super().__init__()
        n_labels = max(n_labels, 1)
        self.bow = BagOfNgrams(n_buckets, n_labels) if n_buckets else None
        self.neural = PooledEncoderClassifier(width, n_labels, hidden, dropout) if width else None

    def forward(self, bow_input: tuple[torch.Tensor, torch.Tensor] | None, tokvecs: torch.Tensor | None, mask: torch.Tensor | None) -> torch.Tensor:
        """Member logits, (n_members, n_docs, n_labels)."""
        members = []
        if self.bow is not None:
            members.append(self.bow(*bow_input))
        if self.neural is not None:
            members.append(self.neural(tokvecs, mask))
        return torch.stack(members)

    def grow(self, n_labels: int) -> None:
        for part in (self.bow, self.neural):
            if part is not None:
                part.grow(n_labels)
