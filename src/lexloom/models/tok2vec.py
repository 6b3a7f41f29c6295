"""Token-to-vector models: hashed lexical embeddings followed by a contextual encoder."""
from __future__ import annotations

import torch
from torch import nn


class HashEmbed(nn.Module):
    """One embedding table per lexical feature; each feature looked up under several seeds and summed.

    Input: (N, n_features, n_seeds) row indices, already reduced modulo each table's rows.
    Output: (N, n_features * width).
    """

    def __init__(self, rows: list[int], width: int):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(r, width) for r in rows)
        for t in self.tables:
            nn.init.uniform_(t.weight, -0.1, 0.1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.cat([table(ids[:, f]).sum(dim=1) for f, table in enumerate(self.tables)], dim=-1)


class Maxout(nn.Module):
    def __init__(self, n_in: int, n_out: int, pieces: int = 3):
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(n_in, n_out * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x)
        return y.view(*y.shape[:-1], -1, self.pieces).amax(dim=-1)


class MaxoutWindowEncoder(nn.Module):
    """spaCy's CNN encoder: each layer sees a window of neighbours, maxout, layer norm, residual."""

    def __init__(self, width: int, depth: int = 4, window_size: int = 1, maxout_pieces: int = 3, dropout: float = 0.1):
        super().__init__()
        self.window = window_size
        self.layers = nn.ModuleList(Maxout(width * (2 * window_size + 1), width, maxout_pieces) for _ in range(depth))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(depth))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).to(x.dtype)
        w = self.window
        for layer, norm in zip(self.layers, self.norms):
            padded = nn.functional.pad(x * m, (0, 0, w, w))
            windows = torch.cat([padded[:, k : k + x.shape[1]] for k in range(2 * w + 1)], dim=-1)
            x = x + self.dropout(norm(layer(windows)))
        return x * m


class BiLSTMEncoder(nn.Module):
    """A bidirectional LSTM over each sequence, projected back to `width`.

    Each direction is its own one-layer `nn.LSTM` over padded input: the backward
    direction reads every sequence's valid prefix reversed, so padding never
    reaches a real token. This exact equivalent of a packed bidirectional LSTM
    takes torch's fused (oneDNN) CPU kernels, about twice as fast to train.
    """

    def __init__(self, width: int, hidden: int = 200, depth: int = 2, dropout: float = 0.2):
        super().__init__()
        sizes = [width] + [2 * hidden] * (depth - 1)
        self.forward_layers = nn.ModuleList(nn.LSTM(n, hidden, batch_first=True) for n in sizes)
        self.backward_layers = nn.ModuleList(nn.LSTM(n, hidden, batch_first=True) for n in sizes)
        self.proj = nn.Linear(2 * hidden, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(x.shape[1], device=x.device)[None, :]
        lengths = mask.sum(dim=1, keepdim=True)
        reverse = torch.where(mask, lengths - 1 - positions, positions).unsqueeze(-1)
        h = x
        for fwd, bwd in zip(self.forward_layers, self.backward_layers):
            h = self.dropout(h)
            out_f, _ = fwd(h)
            out_b, _ = bwd(h.gather(1, reverse.expand(-1, -1, h.shape[-1])))
            h = torch.cat([out_f, out_b.gather(1, reverse.expand(-1, -1, out_b.shape[-1]))], dim=-1)
        return self.proj(self.dropout(h)) * mask.unsqueeze(-1).to(x.dtype)


class Tok2VecModel(nn.Module):
    """Hashed features (and static vectors, `pretrained_width` wide) -> maxout mixing layer -> encoder.
    Output (batch, length, width)."""

    def __init__(self, rows: list[int], width: int, encoder: nn.Module, embed_width: int | None = None, dropout: float = 0.1, pretrained_width: int = 0):
        super().__init__()
        embed_width = embed_width or width
        self.width = width
        self.embed = HashEmbed(rows, embed_width)
        self.mix = Maxout(len(rows) * embed_width + pretrained_width, width, 3)
        self.norm = nn.LayerNorm(width)
        self.dropout = nn.Dropout(dropout)
        self.encoder = encoder

    def embed_tokens(self, ids: torch.Tensor, vectors: torch.Tensor | None = None) -> torch.Tensor:
        x = self.embed(ids)
        if vectors is not None:
            x = torch.cat([x, vectors], dim=-1)
        return self.dropout(self.norm(self.mix(x)))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, vectors: torch.Tensor | None = None) -> torch.Tensor:
        """`ids`: (n_tokens, n_features, n_seeds) for the unpadded tokens; `mask`: (batch, length)."""
        flat = self.embed_tokens(ids, vectors)
        x = flat.new_zeros(mask.shape[0], mask.shape[1], flat.shape[-1])
        x[mask] = flat
        return self.encoder(x, mask)
