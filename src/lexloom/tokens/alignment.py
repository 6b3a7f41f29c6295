"""Alignment between two tokenizations of the same text (whitespace ignored)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np


@dataclass
class Ragged:
    """For each source token, the target tokens it overlaps: data[offsets[i]:offsets[i+1]]."""

    data: np.ndarray
    lengths: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.lengths)])

    def __getitem__(self, i: int) -> list[int]:
        o = self.offsets
        return self.data[o[i] : o[i + 1]].tolist()

    def __len__(self) -> int:
        return len(self.lengths)


def _char_owner(words: list[str]) -> tuple[np.ndarray, str]:
    chars = []
    owner = []
    for i, w in enumerate(words):
        stripped = "".join(w.split())
        chars.append(stripped)
        owner.extend([i] * len(stripped))
    return np.asarray(owner, dtype=np.int64), "".join(chars)


def _ragged(pairs: np.ndarray, n: int) -> Ragged:
    if not len(pairs):
        return Ragged(np.zeros(0, np.int64), np.zeros(n, np.int64))
    lengths = np.bincount(pairs[:, 0], minlength=n)
    return Ragged(pairs[:, 1].copy(), lengths)


@dataclass
class Alignment:
    x2y: Ragged
    y2x: Ragged

    @classmethod
    def from_strings(cls, x: list[str], y: list[str]) -> "Alignment":
        ox, sx = _char_owner(x)
        oy, sy = _char_owner(y)
        if sx.lower() != sy.lower():
            k = next((i for i, (a, b) in enumerate(zip(sx, sy)) if a.lower() != b.lower()), min(len(sx), len(sy)))
            raise ValueError(
                f"cannot align tokenizations of different texts: they differ at non-space character {k} "
                f"({sx[max(0, k - 10):k + 10]!r} vs {sy[max(0, k - 10):k + 10]!r})"
            )
        pairs = np.unique(np.stack([ox, oy], axis=1), axis=0) if len(ox) else np.zeros((0, 2), np.int64)
        x2y = _ragged(pairs, len(x))
        rev = pairs[:, ::-1]
        rev = rev[np.lexsort((rev[:, 1], rev[:, 0]))] if len(rev) else rev
        y2x = _ragged(rev, len(y))
        return cls(x2y, y2x)

    def one_to_one(self) -> np.ndarray:
        """For each x token, the y token it corresponds to exactly, or -1."""
        out = np.full(len(self.x2y), -1, dtype=np.int64)
        xo, yo = self.x2y.offsets, self.y2x.offsets
        for i in np.flatnonzero(self.x2y.lengths == 1).tolist():
            j = int(self.x2y.data[xo[i]])
            if self.y2x.lengths[j] == 1:
                out[i] = j
        return out


def get_words_and_spaces(words: Iterable[str], text: str) -> tuple[list[str], list[bool]]:
    """spaCy's `util.get_words_and_spaces`: the `words` and `spaces` of a Doc whose text is
    `text`, for words from a tokenizer that dropped the whitespace. A word followed by one
    space gets `True`; other whitespace between words becomes a token of its own. Words
    that are only whitespace are ignored. A ValueError where the words are not `text`'s
    non-whitespace characters in order."""
    words = list(words)
    if "".join("".join(words).split()) != "".join(text.split()):
        raise ValueError(f"the words {words[:10]!r}{' ...' if len(words) > 10 else ''} do not make up the text {text[:60]!r}: their non-whitespace characters differ")
    out_words: list[str] = []
    spaces: list[bool] = []
    position = 0
    for word in (w for w in words if not w.isspace()):
        start = text.find(word, position)
        if start < 0:
            raise ValueError(f"the word {word!r} is not in the text {text[:60]!r} after character {position}")
        if start > position:
            out_words.append(text[position:start])
            spaces.append(False)
        out_words.append(word)
        position = start + len(word)
        spaces.append(text.startswith(" ", position))
        position += spaces[-1]
    if position < len(text):
        out_words.append(text[position:])
        spaces.append(False)
    return out_words, spaces
