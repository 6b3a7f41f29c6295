"""A tagger over the pieces of raw text: which pieces end a token, a sentence, a multi-word token."""
from __future__ import annotations

import torch
from torch import nn

from .tok2vec import HashEmbed


class SegmenterModel(nn.Module):
    """Pieces of text in, one score per label and piece out.

    Each piece (a run of letters, a run of digits, one other character) is the sum
    of hashed embeddings of its lexical features, plus an embedding of the whitespace
    that follows it; a bidirectional LSTM reads the sequence. Input (batch, length,
    n_features, n_seeds) rows and (batch, length) whitespace classes; output
    (batch, length, n_labels).
    """

    def __init__(self, rows: list[int], n_space_classes: int, n_labels: int, *, embed: int = 32, hidden: int = 64,
                 depth: int = 1, dropout: float = 0.1, feature_dropout: float = 0.0):
        super().__init__()
        self.feature_dropout = feature_dropout
        self.embed = HashEmbed(rows, embed)
        self.space = nn.Embedding(n_space_classes, embed)
        self.mix = nn.Linear(embed * (len(rows) + 1), hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=depth, bidirectional=True, batch_first=True,
                            dropout=dropout if depth > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(2 * hidden, n_labels)

    def forward(self, rows: torch.Tensor, spaces: torch.Tensor) -> torch.Tensor:
        batch, length = spaces.shape
        pieces = self.embed(rows.reshape(batch * length, *rows.shape[2:])).reshape(batch, length, rows.shape[2], -1)
        if self.training and self.feature_dropout:
            # whole features dropped at random: the model cannot lean on memorized strings alone
            keep = torch.rand(pieces.shape[:3], device=pieces.device) >= self.feature_dropout
            pieces = pieces * keep.unsqueeze(-1).to(pieces.dtype)
        pieces = pieces.reshape(batch, length, -1)
        x = torch.tanh(self.mix(torch.cat([pieces, self.space(spaces)], dim=-1)))
        x, _ = self.lstm(self.dropout(x))
        return self.output(self.dropout(x))
