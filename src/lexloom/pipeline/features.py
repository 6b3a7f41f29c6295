"""Lexical feature ids for hashed embeddings, cached per string and computed with numpy."""
from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..errors import ModelLoadError
from ..files import atomic_write_text
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


def doc_orths(docs: Sequence[Doc]) -> np.ndarray:
    """The string id of every token of the (one or more) `docs`, in order."""
    return np.concatenate([d._orth for d in docs]) if len(docs) > 1 else docs[0]._orth


def norm_overrides(docs: Sequence[Doc]) -> tuple[np.ndarray, list[str]] | None:
    """The tokens of `docs` (counted over all of them, in order) whose NORM was set
    (`token.norm_ = ...`), and those norms; None where none was, as in most Docs."""
    at: list[int] = []
    norms: list[str] = []
    offset = 0
    for doc in docs:
        for i, norm in doc._norm_overrides().items():
            at.append(offset + i)
            norms.append(norm)
        offset += len(doc)
    return (np.array(at, dtype=np.int64), norms) if at else None


def distinct_orths(docs: Sequence[Doc]) -> tuple[np.ndarray, np.ndarray]:
    """The string ids of the distinct words of the (one or more) `docs`, and for each token in
    order the index of its word among them."""
    distinct, inverse = np.unique(doc_orths(docs), return_inverse=True)
    return distinct, inverse.reshape(-1)


class StringRows:
    """A row of ints per string of a StringStore (`row(string)`, `shape` wide), cached and grown
    lazily as the store grows. Subclasses say what a string's row is."""

    shape: tuple[int, ...] = ()

    def __init__(self) -> None:
        self._tables: dict[int, np.ndarray] = {}

    def row(self, string: str) -> np.ndarray:
        raise NotImplementedError

    def set_norms(self, rows: np.ndarray, at: np.ndarray, norms: list[str]) -> None:
        """Make rows `at` those of tokens with these NORMs (see `norm_overrides`); a row
        that reads no NORM stays as it is."""

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

    def __call__(self, docs: Sequence[Doc]) -> np.ndarray:
        """(total tokens, *shape): the row of each of the docs' tokens, in order."""
        if not docs:
            return np.zeros((0, *self.shape), dtype=np.int64)
        rows = self.table(docs[0].vocab.strings)[doc_orths(docs)]
        norms = norm_overrides(docs)
        if norms is not None:
            self.set_norms(rows, *norms)
        return rows


class FeatureExtractor(StringRows):
    """Maps each string id of a StringStore to its hashed feature rows; cached and grown lazily.
    Called on Docs: (total tokens, n_features, n_seeds) rows for their tokens, in order.

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

    def _hashes(self, f: int, value: str) -> list[int]:
        return [_hash(value, seed * 31 + f) % self.rows[f] for seed in range(self.n_seeds)]

    def row(self, string: str) -> np.ndarray:
        out = np.empty(self.shape, dtype=np.int64)
        for f, attr in enumerate(self.attrs):
            out[f] = self._hashes(f, FEATURE_FUNCS[attr](string))
        return out

    def set_norms(self, rows: np.ndarray, at: np.ndarray, norms: list[str]) -> None:
        if "NORM" in self.attrs:
            f = self.attrs.index("NORM")
            rows[at, f] = [self._hashes(f, norm) for norm in norms]


class KnownFeatures(StringRows):
    """Whether each hashed feature of a word has a value seen often enough in the training data:
    a row of 0 or 1 per feature, by string id. `min_freq[i]` is the count the `i`th feature's
    value needs; a feature with 0 is not checked (always 1).

    A value never seen in training still finds rows, the rows its hash shares with trained
    values, and reads as one of them. The tok2vec drops such features at inference instead
    (`lexloom.Tok2Vec.v1`'s `min_word_freq` and `drop_unseen`): a rare word is read from its
    affixes, shape and characters, as word dropout taught it in training.
    """

    FILE = "known_features.json"

    def __init__(self, attrs: Sequence[str], min_freq: Sequence[int], values: dict[str, Iterable[str]] | None = None):
        super().__init__()
        if len(attrs) != len(min_freq) or any(n < 0 for n in min_freq):
            raise ValueError(f"one count of 0 or more per feature: {list(attrs)}, {list(min_freq)}")
        self.attrs = list(attrs)
        self.min_freq = [int(n) for n in min_freq]
        self.checked = [attr for attr, n in zip(self.attrs, self.min_freq) if n]
        self.values = {attr: frozenset((values or {}).get(attr, ())) for attr in self.checked}
        self.shape = (len(self.attrs),)

    def learn(self, docs: Iterable[Doc]) -> None:
        """Count the feature values of the words of `docs` (the training data); keep those
        seen often enough."""
        counts = {attr: Counter() for attr in self.checked}
        for doc in docs:
            words = doc.words
            for attr in self.checked:
                counts[attr].update(doc._norms() if attr == "NORM" else map(FEATURE_FUNCS[attr], words))
        need = dict(zip(self.attrs, self.min_freq))
        self.values = {attr: frozenset(v for v, n in counts[attr].items() if n >= need[attr]) for attr in self.checked}
        self._tables = {}

    def row(self, string: str) -> np.ndarray:
        return np.array(
            [not n or FEATURE_FUNCS[attr](string) in self.values[attr] for attr, n in zip(self.attrs, self.min_freq)], dtype=np.int64
        )

    def set_norms(self, rows: np.ndarray, at: np.ndarray, norms: list[str]) -> None:
        if "NORM" in self.checked:
            rows[at, self.attrs.index("NORM")] = [norm in self.values["NORM"] for norm in norms]

    def save(self, directory: Path) -> None:
        values = {attr: sorted(self.values[attr]) for attr in self.checked}
        atomic_write_text(directory / self.FILE, json.dumps({"attrs": self.attrs, "min_freq": self.min_freq, "values": values}, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path) -> "KnownFeatures | None":
        """The values saved in a component directory; None where there are none (a model
        trained without `min_word_freq` or `drop_unseen`)."""
        path = directory / cls.FILE
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf8"))
            return cls(data["attrs"], data["min_freq"], data["values"])
        except (ValueError, KeyError, TypeError) as e:
            raise ModelLoadError(f"{path}: not the known feature values of a tok2vec ({e})") from None


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
        distinct, index = distinct_orths(docs)
        return self.table(docs[0].vocab.strings)[distinct], index
