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


class FeatureExtractor:
    """Maps each string id of a StringStore to its hashed feature rows; cached and grown lazily.

    Stable across runs and machines (crc32, not Python's salted `hash`), so saved
    models give the same features when loaded elsewhere.
    """

    def __init__(self, attrs: Sequence[str], rows: Sequence[int], n_seeds: int = 2):
        unknown = [a for a in attrs if a not in FEATURE_FUNCS]
        if unknown:
            raise ValueError(f"unknown lexical features {unknown}; available: {sorted(FEATURE_FUNCS)}")
        if len(attrs) != len(rows):
            raise ValueError(f"{len(attrs)} features but {len(rows)} row counts")
        self.attrs = list(attrs)
        self.rows = np.asarray(rows, dtype=np.int64)
        self.n_seeds = n_seeds
        self._tables: dict[int, np.ndarray] = {}

    def _table(self, strings: StringStore) -> np.ndarray:
        key = id(strings)
        table = self._tables.get(key)
        n = len(strings)
        if table is None or len(table) < n:
            start = 0 if table is None else len(table)
            new = np.empty((n - start, len(self.attrs), self.n_seeds), dtype=np.int64)
            for k in range(start, n):
                s = strings[k]
                for f, attr in enumerate(self.attrs):
                    value = FEATURE_FUNCS[attr](s)
                    for seed in range(self.n_seeds):
                        new[k - start, f, seed] = _hash(value, seed * 31 + f) % self.rows[f]
            table = new if table is None else np.concatenate([table, new])
            self._tables = {key: table}
        return table

    def __call__(self, docs: Sequence[Doc]) -> np.ndarray:
        """(total tokens, n_features, n_seeds) feature rows for the docs' tokens, in order."""
        if not docs:
            return np.zeros((0, len(self.attrs), self.n_seeds), dtype=np.int64)
        strings = docs[0].vocab.strings
        orth = np.concatenate([d._orth for d in docs]) if len(docs) > 1 else docs[0]._orth
        return self._table(strings)[orth]
