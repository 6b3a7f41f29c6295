"""Token-to-vector models: hashed lexical embeddings followed by a contextual encoder."""
from __future__ import annotations

import torch
from torch import nn

from .dropout import Dropout


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

    def forward(self, ids: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """`keep` (N, n_features), optional: a weight per token and feature (0 drops the feature)."""
        parts = [table(ids[:, f]).sum(dim=1) for f, table in enumerate(self.tables)]
        if keep is not None:
            parts = [part * keep[:, f, None] for f, part in enumerate(parts)]
        return torch.cat(parts, dim=-1)


class CharCNN(nn.Module):
    """A word's vector from its characters: character embeddings, a convolution over every
    `window` consecutive characters, ReLU, max-pooled over the word.

    Input: (n_words, n_chars) character rows, 0 for padding (see `CharExtractor`).
    Output: (n_words, width). Words are the distinct words of a batch, so each is encoded once.
    """

    def __init__(self, rows: int, width: int = 128, char_width: int = 32, window: int = 3):
        super().__init__()
        if window < 1 or window % 2 == 0:
            raise ValueError(f"the character window must be odd and positive, not {window}")
        self.width = width
        self.embed = nn.Embedding(rows, char_width, padding_idx=0)
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)
        with torch.no_grad():
            self.embed.weight[0].zero_()
        self.conv = nn.Conv1d(char_width, width, window, padding=window // 2)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        present = (chars > 0).unsqueeze(1).to(self.embed.weight.dtype)
        h = torch.relu(self.conv(self.embed(chars).transpose(1, 2))) * present
        return h.amax(dim=2) if h.shape[2] else h.new_zeros(h.shape[0], h.shape[1])


class Maxout(nn.Module):
    def __init__(self, n_in: int, n_out: int, pieces: int = 3):
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(n_in, n_out * pieces)

    def forward(self, x: torch.Tensor, row_max: torch.Tensor | None = None) -> torch.Tensor:
        """`row_max` (rows, 1), optional: each row's largest magnitude, already known, for a
        linear layer in int8 (models/quantize.py) to scale the row by."""
        y = self.linear(x) if row_max is None else self.linear(x, row_max)
        if self.training:
            return y.view(*y.shape[:-1], -1, self.pieces).amax(dim=-1)
        # the same maximum, about a third faster on CPU than a reduction over the last 3 values
        out = y[..., 0 :: self.pieces]
        for piece in range(1, self.pieces):
            out = torch.maximum(out, y[..., piece :: self.pieces])
        return out


class MaxoutWindowEncoder(nn.Module):
    """spaCy's CNN encoder: each layer sees a window of neighbours, maxout, layer norm, residual.

    `starts` (batch, length), optional: True where a piece begins (a sentence read on its
    own). No window reaches across such a mark, so a Doc reads exactly as its pieces
    would one by one, without cutting and padding them.

    At inference the layers run on the real tokens only, not on the padding of the
    shorter sequences of a batch (in training, on the whole padded batch, as always).
    """

    local = True  # reads a window of neighbours: pieces are marked by `starts`, not cut apart

    def __init__(self, width: int, depth: int = 4, window_size: int = 1, maxout_pieces: int = 3, dropout: float = 0.1):
        super().__init__()
        self.window = window_size
        self.layers = nn.ModuleList(Maxout(width * (2 * window_size + 1), width, maxout_pieces) for _ in range(depth))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(depth))
        self.dropout = Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, starts: torch.Tensor | None = None) -> torch.Tensor:
        m = mask.unsqueeze(-1).to(x.dtype)
        w, n = self.window, x.shape[1]
        same = None
        if starts is not None:  # for each offset, whether the neighbour is in the same piece
            piece = starts.long().cumsum(dim=1)
            padded_piece = nn.functional.pad(piece, (w, w), value=-1)
            same = [(padded_piece[:, k : k + n] == piece).unsqueeze(-1).to(x.dtype) for k in range(2 * w + 1)]
        if not self.training:
            return self._forward_packed(x, mask, starts)
        for layer, norm in zip(self.layers, self.norms):
            padded = nn.functional.pad(x * m, (0, 0, w, w))
            windows = [padded[:, k : k + n] for k in range(2 * w + 1)]
            if same is not None:
                windows = [window * keep for window, keep in zip(windows, same)]
            windows = torch.cat(windows, dim=-1)
            x = x + self.dropout(norm(layer(windows)))
        return x * m

    def _forward_packed(self, x: torch.Tensor, mask: torch.Tensor, starts: torch.Tensor | None) -> torch.Tensor:
        """The same function on the real tokens alone, laid end to end: a neighbour counts
        when it is in the same sequence (and piece)."""
        w, n = self.window, x.shape[1]
        flat = x[mask]
        piece = torch.arange(mask.shape[0], device=x.device).unsqueeze(1) * (n + 1)
        if starts is not None:
            piece = piece + starts.long().cumsum(dim=1)
        padded_piece = nn.functional.pad(piece.expand_as(mask)[mask], (w, w), value=-1)
        own = padded_piece[w : w + len(flat)]
        # each token's window as rows of the layer's input, a neighbour from another sequence or
        # piece (or beyond the ends) as the zero row appended after the last token
        zero_row = len(flat)
        neighbours = torch.stack([
            torch.where(padded_piece[k : k + len(flat)] == own, torch.arange(len(flat), device=x.device) + (k - w), zero_row)
            for k in range(2 * w + 1)
        ], dim=1).view(-1)
        for layer, norm in zip(self.layers, self.norms):
            rows = torch.cat([flat, flat.new_zeros(1, flat.shape[1])])
            windows = rows.index_select(0, neighbours).view(len(flat), -1)
            row_max = None
            if getattr(layer.linear, "scales_rows", False):  # int8: a window's largest magnitude is its tokens'
                row_max = rows.abs().amax(dim=1).index_select(0, neighbours).view(len(flat), -1).amax(dim=1, keepdim=True)
            flat = flat + norm(layer(windows, row_max))
        out = x.new_zeros(x.shape)
        out[mask] = flat
        return out


def packed_lstm(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """`lstm` (batch_first) over the first `lengths` steps of each row of the padded `x`, read as
    packed sequences: each row as if it were alone. The output is padded again with zeros."""
    out, _ = lstm(nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
    return nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]


class BiLSTMEncoder(nn.Module):
    """A bidirectional LSTM over each sequence, projected back to `width`: its last layer's
    output, or with `all_layers` every layer's side by side, so that the components that read
    the encoder (a tagger, the parser) can draw on the lower layers too.

    Each direction is its own one-layer `nn.LSTM` over padded input: the backward
    direction reads every sequence's valid prefix reversed, so padding never
    reaches a real token. This exact equivalent of a packed bidirectional LSTM
    takes torch's fused (oneDNN) CPU kernels, about twice as fast to train.

    Inference (eval mode) reads packed sequences instead: `read_tokens` takes the real tokens
    laid end to end, so no step is spent on padding (in float about 1.8 times the words/s of
    the padded reading on EWT dev). Each direction reads its own packing (`packing`), the
    backward one every sequence from its end. In int8 (models/quantize.py) the encoder is
    replaced by an `Int8BiLSTMEncoder` with the same weights and the same packings.
    """

    def __init__(self, width: int, hidden: int = 200, depth: int = 2, dropout: float = 0.2, all_layers: bool = False):
        super().__init__()
        sizes = [width] + [2 * hidden] * (depth - 1)
        self.forward_layers = nn.ModuleList(nn.LSTM(n, hidden, batch_first=True) for n in sizes)
        self.backward_layers = nn.ModuleList(nn.LSTM(n, hidden, batch_first=True) for n in sizes)
        self.all_layers = all_layers
        self.proj = nn.Linear(2 * hidden * (depth if all_layers else 1), width)
        self.dropout = Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return read_padded(self, x, mask)
        positions = torch.arange(x.shape[1], device=x.device)[None, :]
        lengths = mask.sum(dim=1, keepdim=True)
        reverse = torch.where(mask, lengths - 1 - positions, positions).unsqueeze(-1)
        h, outputs = x, []
        for fwd, bwd in zip(self.forward_layers, self.backward_layers):
            h = self.dropout(h)
            out_f, _ = fwd(h)
            out_b, _ = bwd(h.gather(1, reverse.expand(-1, -1, h.shape[-1])))
            h = torch.cat([out_f, out_b.gather(1, reverse.expand(-1, -1, out_b.shape[-1]))], dim=-1)
            outputs.append(h)
        return self.proj(self.dropout(self._output(outputs))) * mask.unsqueeze(-1).to(x.dtype)

    def _output(self, outputs: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(outputs, dim=-1) if self.all_layers else outputs[-1]

    def read_tokens(self, flat: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Inference: the encoder over sequences of `lengths` tokens laid end to end in `flat`
        (n_tokens, width); the output at the same tokens, never padded."""
        if self.training:
            raise RuntimeError("read_tokens is for inference (eval mode): training reads padded batches (forward)")
        if not len(flat):
            return flat.new_zeros(0, self.proj.out_features)
        sizes, order, backward = packing(lengths)
        order, backward = order.to(flat.device), backward.to(flat.device)
        x, outputs = flat, []
        for fwd, bwd in zip(self.forward_layers, self.backward_layers):
            x = torch.cat([_read_packed(fwd, x, order, sizes), _read_packed(bwd, x, backward, sizes)], dim=-1)
            outputs.append(x)
        return self.proj(self._output(outputs))


def read_padded(encoder: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """An encoder's `read_tokens` over the real tokens of the padded batch `x` (batch, length,
    width), padded again with zeros."""
    flat = encoder.read_tokens(x[mask], mask.sum(dim=1))
    out = flat.new_zeros(*mask.shape, flat.shape[-1])
    out[mask] = flat
    return out


def packing(lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """How sequences of `lengths` tokens laid end to end are read packed, longest first, on the
    CPU: (sizes, order, backward). `sizes[t]` sequences are still running at step t; `order`
    maps each packed row to its token, and `backward` does the same for the packing that reads
    every sequence from its end. Empty sequences take no row."""
    lengths = lengths.cpu()
    starts = lengths.cumsum(0) - lengths
    lengths, starts = lengths[lengths > 0], starts[lengths > 0]
    lengths, by_length = lengths.sort(descending=True)
    steps = torch.arange(int(lengths[0]) if len(lengths) else 0)
    live = steps[:, None] < lengths[None, :]  # (step, sequence)
    first = starts[by_length][None, :]
    return live.sum(dim=1), (first + steps[:, None])[live], (first + lengths[None, :] - 1 - steps[:, None])[live]


def _read_packed(lstm: nn.LSTM, x: torch.Tensor, order: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """`lstm` over the rows of `x` packed in `order` (packed row -> row, steps of `sizes`
    sequences); its output at the rows of `x`."""
    return _in_token_order(lstm(nn.utils.rnn.PackedSequence(x[order], sizes))[0].data, order)


def _in_token_order(packed: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """Rows in packed order put back where `order` (packed row -> row) took them from."""
    return packed.new_empty(packed.shape).index_copy_(0, order, packed)


class Tok2VecModel(nn.Module):
    """Hashed features (and a character CNN's word vectors, and static vectors `pretrained_width`
    wide) -> maxout mixing layer -> encoder. Output (batch, length, width).

    Word dropout (training only): each token loses its whole-word features (the hashed
    features listed in `word_features`, e.g. NORM) with probability `word_dropout`, so the
    model learns to read a word from its spelling, as it must for words unseen in training.
    It is not an `nn.Dropout`: the training loop's `dropout` setting does not change it.
    At inference, `known` (n_tokens, n_features), when given, drops the features whose values
    were not known from training (0) the same way.
    """

    def __init__(
        self, rows: list[int], width: int, encoder: nn.Module, embed_width: int | None = None, dropout: float = 0.1, pretrained_width: int = 0,
        chars: CharCNN | None = None, word_dropout: float = 0.0, word_features: tuple[int, ...] = (),
    ):
        super().__init__()
        if not 0.0 <= word_dropout < 1.0:
            raise ValueError(f"word_dropout must be in [0, 1), not {word_dropout}")
        embed_width = embed_width or width
        self.width = width
        self.embed = HashEmbed(rows, embed_width)
        self.chars = chars
        n_in = len(rows) * embed_width + pretrained_width + (chars.width if chars is not None else 0)
        self.mix = Maxout(n_in, width, 3)
        self.norm = nn.LayerNorm(width)
        self.dropout = Dropout(dropout)
        self.encoder = encoder
        self.word_dropout = word_dropout
        self.word_features = tuple(word_features)

    def _keep(self, n_tokens: int, n_features: int, device: torch.device, known: torch.Tensor | None = None) -> torch.Tensor | None:
        if not n_tokens:
            return None
        if not self.training:
            return known.to(device, torch.float32) if known is not None else None
        if not (self.word_dropout and self.word_features):
            return None
        keep = torch.ones(n_tokens, n_features, device=device)
        dropped = torch.rand(n_tokens, device=device) < self.word_dropout
        keep[:, list(self.word_features)] = (~dropped).to(keep.dtype)[:, None]
        return keep

    def embed_tokens(
        self, ids: torch.Tensor, vectors: torch.Tensor | None = None, chars: tuple[torch.Tensor, torch.Tensor | None] | None = None, known: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """`chars`: the character rows of the batch's distinct words and each token's word index
        (None: the rows are the tokens'); `known` (n_tokens, n_features): 0 where a token's
        feature value is not known from training, which inference then drops."""
        x = self.embed(ids, self._keep(ids.shape[0], ids.shape[1], ids.device, known))
        extra = [vectors] if vectors is not None else []
        if self.chars is not None:
            if chars is None:
                raise ValueError("this tok2vec reads characters: pass chars=(rows, index)")
            rows, index = chars
            words = self.chars(rows)
            extra.append(words if index is None else words[index])
        if extra:
            x = torch.cat([x, *extra], dim=-1)
        return self.dropout(self.norm(self.mix(x)))

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, vectors: torch.Tensor | None = None, chars: tuple[torch.Tensor, torch.Tensor | None] | None = None,
        starts: torch.Tensor | None = None, known: torch.Tensor | None = None, words: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """`ids`: (n_tokens, n_features, n_seeds) for the unpadded tokens; `mask`: (batch, length);
        `starts`: where pieces begin, for an encoder that reads windows (`local`); `known`: see
        `embed_tokens`. With `words` (n_tokens,), `ids`, `vectors`, `chars` and `known` are
        given once per distinct word instead, and `words` is each token's index among them:
        each word is then embedded once, as inference does (training embeds every token,
        each with its own dropout)."""
        flat = self._token_rows(ids, vectors, chars, known, words)
        x = flat.new_zeros(mask.shape[0], mask.shape[1], flat.shape[-1])
        x[mask] = flat
        return self.encoder(x, mask) if starts is None else self.encoder(x, mask, starts)

    def tokens(
        self, ids: torch.Tensor, mask: torch.Tensor, vectors: torch.Tensor | None = None, chars: tuple[torch.Tensor, torch.Tensor | None] | None = None,
        known: torch.Tensor | None = None, words: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """`forward`'s output at the real tokens alone, (n_tokens, width) in token order. At
        inference through a BiLSTM the tokens are never laid out padded."""
        if self.training or not hasattr(self.encoder, "read_tokens"):
            return self(ids, mask, vectors, chars, known=known, words=words)[mask]
        return self.encoder.read_tokens(self._token_rows(ids, vectors, chars, known, words), mask.sum(dim=1))

    def _token_rows(self, ids, vectors, chars, known, words) -> torch.Tensor:
        """(n_tokens, width): `embed_tokens`, and with `words` each token's word's row (see `forward`)."""
        flat = self.embed_tokens(ids, vectors, chars, known)
        return flat if words is None else flat[words]
