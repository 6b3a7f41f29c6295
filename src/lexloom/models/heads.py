"""Per-token classification heads."""
from __future__ import annotations

import torch
from torch import nn

from .dropout import Dropout


class TokenClassifier(nn.Module):
    """(batch, length, width) -> (batch, length, n_labels) logits."""

    def __init__(self, width: int, n_labels: int, hidden: int = 0, dropout: float = 0.1):
        super().__init__()
        layers: list[nn.Module] = [Dropout(dropout)]
        if hidden:
            layers += [nn.Linear(width, hidden), nn.GELU(), Dropout(dropout)]
            width = hidden
        layers.append(nn.Linear(width, max(n_labels, 1)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def grow(self, n_labels: int) -> None:
        """Add output rows for new labels, keeping the trained ones. A new row starts with zero
        weights and the lowest trained bias: the new label starts as unlikely as the least
        likely old one, so the trained predictions hold until training teaches it."""
        old = self.net[-1]
        new = nn.Linear(old.in_features, n_labels).to(old.weight.device)
        with torch.no_grad():
            new.weight.zero_()
            new.bias.fill_(float(old.bias.min()))
            new.weight[: old.out_features] = old.weight
            new.bias[: old.out_features] = old.bias
        self.net[-1] = new


class ParserHeads(nn.Module):
    """The parser's weights: a biaffine arc/label scorer and a sentence-start classifier."""

    def __init__(self, width: int, n_labels: int, arc_hidden: int = 256, label_hidden: int = 96, dropout: float = 0.25, distance: bool = False):
        super().__init__()
        from .biaffine import BiaffineParserHead

        self.biaffine = BiaffineParserHead(width, n_labels, arc_hidden, label_hidden, dropout, distance)
        self.senter = nn.Linear(width, 2)
