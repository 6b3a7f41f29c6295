"""A tagger over the pieces of raw text: which pieces end a token, a sentence, a multi-word token."""
from __future__ import annotations

import torch
from torch import nn

from .dropout import Dropout
from .tok2vec import packed_lstm


class SegmenterModel(nn.Module):
    """Pieces of text in, one score per label and piece out.

    Each piece (a run of letters, a run of digits, one other character) is the sum of
    hashed embeddings of its lexical features (one row per feature and seed) and an
    embedding of its context class (the whitespace after it), squashed by tanh; a
    bidirectional LSTM reads the sequence. In training, whole features are dropped at
    random (`feature_dropout`) so that the model cannot lean on memorized strings alone.
    Input (batch, length, n_features, n_seeds) rows and (batch, length) context classes;
    output (batch, length, n_labels).
    """

    def __init__(self, rows: list[int], n_contexts: int, n_labels: int, *, hidden: int = 64, depth: int = 1,
                 dropout: float = 0.1, feature_dropout: float = 0.0):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0, *rows[:-1]], dtype=torch.long).cumsum(0), persistent=False)
        self.embed = nn.EmbeddingBag(sum(rows), hidden, mode="sum")
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)
        self.context = nn.Embedding(n_contexts, hidden)
        self.feature_dropout = feature_dropout
        self.lstm = nn.LSTM(hidden, hidden, num_layers=depth, bidirectional=True, batch_first=True,
                            dropout=dropout if depth > 1 else 0.0)
        self.dropout = Dropout(dropout)
        self.output = nn.Linear(2 * hidden, n_labels)

    def forward(self, rows: torch.Tensor, contexts: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """With `lengths` (batch,) the LSTM reads packed sequences: each row exactly as if it
        were alone, however much padding the batch gives it (for inference; training pads,
        which is several times faster with torch's fused kernels)."""
        batch, length, n_features, n_seeds = rows.shape
        ids = (rows + self.offsets[:, None]).reshape(batch * length, n_features * n_seeds)
        weights = None
        if self.training and self.feature_dropout:
            keep = torch.rand(batch * length, n_features, 1, device=rows.device) >= self.feature_dropout
            weights = keep.expand(-1, -1, n_seeds).reshape(batch * length, -1).to(self.embed.weight.dtype)
        pieces = self.embed(ids, per_sample_weights=weights).reshape(batch, length, -1)
        x = self.dropout(torch.tanh(pieces + self.context(contexts)))
        x = self.lstm(x)[0] if lengths is None else packed_lstm(self.lstm, x, lengths)
        return self.output(self.dropout(x))
