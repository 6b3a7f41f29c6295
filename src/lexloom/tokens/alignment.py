"""Alignment between two tokenizations of the same text (whitespace ignored)."""
from __future__ import annotations

from dataclasses import dataclass

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
