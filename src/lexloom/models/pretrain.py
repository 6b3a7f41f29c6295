"""Pretraining objectives: heads that learn to predict something about each token from its vector."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .tok2vec import Maxout

N_BYTE_CLASSES = 256


class CharacterObjective(nn.Module):
    """spaCy's "characters" objective: from each token's vector, predict the first and the
    last `n_characters` bytes of its UTF-8 text, one 256-way softmax per position.

    Input (n_tokens, width); output logits (n_tokens, 2 * n_characters, 256).
    """

    def __init__(self, width: int, n_characters: int = 4, hidden: int = 300, maxout_pieces: int = 3):
        super().__init__()
        if n_characters < 1:
            raise ValueError(f"n_characters must be at least 1, not {n_characters}")
        self.n_positions = 2 * n_characters
        self.hidden = Maxout(width, hidden, maxout_pieces)
        self.norm = nn.LayerNorm(hidden)
        self.output = nn.Linear(hidden, self.n_positions * N_BYTE_CLASSES)

    def forward(self, tokvecs: torch.Tensor) -> torch.Tensor:
        logits = self.output(self.norm(self.hidden(tokvecs)))
        return logits.view(tokvecs.shape[0], self.n_positions, N_BYTE_CLASSES)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over tokens and positions; `targets` (n_tokens, 2 * n_characters) byte values."""
        return F.cross_entropy(logits.reshape(-1, N_BYTE_CLASSES), targets.reshape(-1))
