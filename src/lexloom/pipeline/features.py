"""Lexical feature ids for hashed embeddings, cached per string and computed with numpy."""
from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np

from ..tokens import Doc, StringStore
from ..tokens import lexeme

FEATURE_FUNCS = {
    "NORM": lexeme.norm,
    "LOWER": str.lower,
    "ORTH": lambda s: s,
    "PREFIX": lambda s: lexeme.prefix(s, 1),
    "PREFIX3": lambda s: lexeme.prefix(s, 3),
    "SUFFIX": lambda s: lexeme.suffix(s, 3),
    "SUFFIX2": lambda s: lexeme.suffix(s, 2),
    "SHAPE": lexeme.shape,
}


def _hash(text: str, seed: int) -> int:
    return zlib.crc32(text.encode("utf8"), seed * 0x9E3779B1 & 0xFFFFFFFF)


class StringRows:
    """A row of ints per string of a StringStore (`row(string)`, `shape` wide), cached and grown
    lazily as the store grows. Subclasses say what a string's row is."""

    shape: tuple[int, ...] = ()

    def __init__(self) -> None:
        self._tables: dict[int, np.ndarray] = {}

    def row(self, string: str) -> np.ndarray:
        raise NotImplementedError

    def table(self, strings: StringStore) -> np.ndarray:
        """The rows of every string of `strings`, by string id."""
        key = id(strings)
        table = self._tables.get(key)
        n = len(strings)
        if table is None or len(table) < n:
            start = 0 if table is None else len(table)
            new = np.empty((n - start, *self.shape), dtype=np.int64)
            for k in range(start, n):
                new[k - start] = self.row(strings[k])
            table = new if table is None else np.concatenate([table, new])
            self._tables = {key: table}
        return table


def _orths(docs: Sequence[Doc]) -> np.ndarray:
    return np.concatenate([d._orth for d in docs]) if len(docs) > 1 else docs[0]._orth


class FeatureExtractor(StringRows):
    """Maps each string id of a StringStore to its hashed feature rows; cached and grown lazily.

    Stable across runs and machines (crc32, not Python's salted `hash`), so saved
    models give the same features when loaded elsewhere.
    """

    def __init__(self, attrs: Sequence[str], rows: Sequence[int], n_seeds: int = 2):
        super().__init__()
        unknown = [a for a in attrs if a not in FEATURE_FUNCS]
        if unknown:
            raise ValueError(f"unknown lexical features {unknown}; available: {sorted(FEATURE_FUNCS)}")
        if len(attrs) != len(rows):
            raise ValueError(f"{len(attrs)} features but {len(rows)} row counts")
        self.attrs = list(attrs)
        self.rows = np.asarray(rows, dtype=np.int64)
        self.n_seeds = n_seeds
        self.shape = (len(self.attrs), n_seeds)

    def row(self, string: str) -> np.ndarray:
        out = np.empty(self.shape, dtype=np.int64)
        for f, attr in enumerate(self.attrs):
            value = FEATURE_FUNCS[attr](string)
            for seed in range(self.n_seeds):
                out[f, seed] = _hash(value, seed * 31 + f) % self.rows[f]
        return out

    def __call__(self, docs: Sequence[Doc]) -> np.ndarray:
        """(total tokens, n_features, n_seeds) feature rows for the docs' tokens, in order."""
        if not docs:
            return np.zeros((0, *self.shape), dtype=np.int64)
        return self.table(docs[0].vocab.strings)[_orths(docs)]


class CharExtractor(StringRows):
    """Each word's characters as embedding rows: its first and last `n_chars // 2` characters
    (the whole word when it is shorter than `n_chars`), row 0 for padding.

    A character's row is its code point below 256, else a crc32 hash of it into the rows
    above: no alphabet to collect or save, the same rows on every machine.
    """

    def __init__(self, n_chars: int = 16, rows: int = 512):
        super().__init__()
        if n_chars < 2:
            raise ValueError(f"n_chars must be at least 2, not {n_chars}")
        if rows < 512:
            raise ValueError(f"a character table needs at least 512 rows, not {rows}")
        self.n_chars = n_chars
        self.rows = rows
        self.shape = (n_chars,)

    def char_row(self, char: str) -> int:
        code = ord(char)
        return 1 + code if code < 255 else 256 + _hash(char, 0) % (self.rows - 256)

    def row(self, string: str) -> np.ndarray:
        half = self.n_chars // 2
        chars = string if len(string) <= self.n_chars else string[:half] + string[-half:]
        out = np.zeros(self.n_chars, dtype=np.int64)
        out[: len(chars)] = [self.char_row(c) for c in chars]
        return out

    def __call__(self, docs: Sequence[Doc]) -> tuple[np.ndarray, np.ndarray]:
        """The character rows (n_words, n_chars) of the distinct words of `docs`, and for each
        token in order the index of its word among them."""
        if not docs:
            return np.zeros((0, self.n_chars), dtype=np.int64), np.zeros(0, dtype=np.int64)
        unique, inverse = np.unique(_orths(docs), return_inverse=True)
        return self.table(docs[0].vocab.strings)[unique], inverse.reshape(-1)
