"""Word vectors as spaCy reads them: the vocab's table (`nlp.vocab.vectors`, a `Vectors`),
and `vector`, `has_vector`, `vector_norm` and `similarity` of a Doc, Span, Token or Lexeme,
which a Doc's user hooks (`doc.user_hooks["similarity"] = ...`) can replace.

A pipeline whose tok2vec reads static vectors shares their table with its vocab (see
`Language`), so `doc.similarity(other)` compares the words as the model sees them.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from .doc import Doc
    from .strings import StringStore, Vocab

# spaCy's W007 and W008, for a pipeline without word vectors
NO_VECTORS = (
    "{obj}.similarity: the pipeline has no word vectors, so the similarity is 0.0; train it with "
    "static vectors (`vectors` of lexloom.Tok2Vec.v1) or add some with nlp.vocab.set_vector"
)
EMPTY_VECTORS = "Evaluating {obj}.similarity based on empty vectors: 0.0"


def find_row(index: Mapping[str, int], word: str) -> int | None:
    """The row of `word` in a table of word vectors by word: its exact form's, else its
    lower-cased form's; None without either. The one rule by which the tok2vec's static
    vectors (pipeline/vectors.py) and the vocab's (`token.vector`) look a word up."""
    row = index.get(word)
    return index.get(word.lower()) if row is None else row


class Vectors:
    """A float32 table whose first rows are the vectors of `keys` (words), in order; rows
    after them are not yet assigned (`shape=(rows, width)` makes such an empty table, as in
    spaCy). A key is a word, or its id in `strings` (spaCy's `vectors[nlp.vocab.strings["dog"]]`)."""

    def __init__(self, *, strings: "StringStore | None" = None, shape: tuple[int, int] | None = None,
                 data: np.ndarray | None = None, keys: Iterable[str | int] = ()):
        self.strings = strings
        data = np.zeros(shape or (0, 0), dtype=np.float32) if data is None else np.asarray(data, dtype=np.float32)
        if data.ndim != 2:
            raise ValueError(f"vectors data is a table (rows, width), not an array of shape {data.shape}")
        self.data = data
        self._keys = [self._word(key) for key in keys]
        if len(self._keys) > len(data):
            raise ValueError(f"{len(self._keys)} keys for a table of {len(data)} rows")
        self._index: dict[str, int] | None = None  # row by word, made on first lookup

    def _word(self, key: str | int) -> str:
        if isinstance(key, str):
            return key
        if self.strings is None:
            raise KeyError(f"vectors without a StringStore are keyed by words, not {key!r}")
        return self.strings.as_string(key)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {key: row for row, key in enumerate(self._keys)}
        return self._index

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    @property
    def size(self) -> int:
        """Rows times width: 0 for an empty table."""
        return self.data.size

    @property
    def n_keys(self) -> int:
        return len(self._keys)

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: str | int) -> bool:
        try:
            return self._word(key) in self.index
        except (KeyError, ValueError, TypeError):  # an id no string has
            return False

    def __getitem__(self, key: str | int) -> np.ndarray:
        row = self.index.get(self._word(key))
        if row is None:
            raise KeyError(f"no vector for {self._word(key)!r}")
        return self.data[row]

    def find(self, *, key: str | int) -> int:
        """The row of `key`; -1 without one."""
        return self.index.get(self._word(key), -1)

    def keys(self) -> Iterator[str]:
        return iter(self._keys)

    def values(self) -> Iterator[np.ndarray]:
        return (self.data[row] for row in range(len(self._keys)))

    def items(self) -> Iterator[tuple[str, np.ndarray]]:
        return zip(self.keys(), self.values())

    def add(self, key: str | int, *, vector: Sequence[float] | np.ndarray) -> int:
        """Set the vector of `key` (a new key takes the next row) and return its row. An empty
        table takes the width of its first vector; a table shared with a model (`data` a view of
        its weights) is copied first, so that the model keeps reading its own."""
        word = self._word(key)
        vector = np.asarray(vector, dtype=np.float32)
        width = self.data.shape[1] or vector.size
        if not width or vector.shape != (width,):
            expected = f"{width} values, as the table's others" if self.data.shape[1] else "a row of values"
            raise ValueError(f"the vector of {word!r} has shape {vector.shape}; expected {expected}")
        if self.data.shape[1] != width:
            self.data = np.zeros((len(self.data), width), dtype=np.float32)
        elif self.data.base is not None:
            self.data = self.data.copy()
        row = self.index.get(word)
        if row is None:
            row = len(self._keys)
            if row == len(self.data):  # full: grow by half, so that words added one by one cost little
                self.data = np.concatenate([self.data, np.zeros((row // 2 + 1, width), dtype=np.float32)])
            self._keys.append(word)
            self.index[word] = row
        self.data[row] = vector
        return row

    def row_of(self, word: str) -> int | None:
        """The row `token.vector` reads for `word` (see `find_row`)."""
        return find_row(self.index, word) if self._keys else None

    def of_words(self, words: Sequence[str]) -> np.ndarray:
        """(len(words), width): each word's vector, zeros for a word without one."""
        out = np.zeros((len(words), self.data.shape[1]), dtype=np.float32)
        for i, word in enumerate(words):
            row = self.row_of(word)
            if row is not None:
                out[i] = self.data[row]
        return out

    def __repr__(self) -> str:
        return f"Vectors({self.n_keys} keys, shape {self.shape})"


class HasVector:
    """`vector`, `has_vector`, `vector_norm` and `similarity`, each replaced by the user hook
    of that name where the Doc has one (`doc.user_hooks` for a Doc, `user_span_hooks` for a
    Span, `user_token_hooks` for a Token), as in spaCy."""

    __slots__ = ()
    vocab: "Vocab"
    _hooks = ""  # the Doc's dict of hooks for this class ("": none)

    def _hooks_doc(self) -> "Doc | None":
        """The Doc whose hooks apply."""
        return None

    def _hook(self, name: str, hooks: str = ""):
        doc = self._hooks_doc()
        table = doc.__dict__.get(hooks or self._hooks) if doc is not None else None  # made on first use: see Doc
        return table.get(name) if table else None

    def _words(self) -> list[str]:
        raise NotImplementedError

    def _vector(self) -> np.ndarray:
        raise NotImplementedError

    def _has_vector(self) -> bool:
        raise NotImplementedError

    @property
    def vector(self) -> np.ndarray:
        hook = self._hook("vector")
        return hook(self) if hook else self._vector()

    @property
    def has_vector(self) -> bool:
        hook = self._hook("has_vector")
        return hook(self) if hook else self._has_vector()

    @property
    def vector_norm(self) -> float:
        hook = self._hook("vector_norm")
        if hook:
            return hook(self)
        vector = self.vector
        return float(np.sqrt(np.dot(vector, vector)))

    def similarity(self, other: "HasVector") -> float:
        """The cosine of the two vectors; 1.0 for the same words, and 0.0, with spaCy's
        warnings, where either has no vector."""
        hook = self._hook("similarity")
        if hook:
            return hook(self, other)
        if self._words() == other._words():
            return 1.0
        kind = type(self).__name__
        if not self.vocab.vectors.n_keys:
            warnings.warn(NO_VECTORS.format(obj=kind), stacklevel=2)
        norms = self.vector_norm * other.vector_norm
        if not norms:
            warnings.warn(EMPTY_VECTORS.format(obj=kind), stacklevel=2)
            return 0.0
        return float(np.dot(self.vector, other.vector) / norms)


class WordVector(HasVector):
    """The vector of one word (a Token, a Lexeme): the vocab's for its text."""

    __slots__ = ()
    text: str

    def _words(self) -> list[str]:
        return [self.text]

    def _vector(self) -> np.ndarray:
        return self.vocab.get_vector(self.text)

    def _has_vector(self) -> bool:
        return self.vocab.has_vector(self.text)


class MeanVector(HasVector):
    """The vector of a run of tokens (a Doc, a Span): the mean of theirs, each a user token
    hook's where there is one (zeros for no tokens)."""

    __slots__ = ()

    def _vector(self) -> np.ndarray:
        if not len(self):
            return np.zeros(self.vocab.vectors_length, dtype=np.float32)
        if self._hook("vector", "user_token_hooks"):
            return np.mean([t.vector for t in self], axis=0)
        return self.vocab.vectors.of_words(self._words()).mean(axis=0)

    def _has_vector(self) -> bool:
        if self._hook("has_vector", "user_token_hooks"):
            return any(t.has_vector for t in self)
        vectors = self.vocab.vectors
        return bool(vectors.size) and any(vectors.row_of(w) is not None for w in self._words())
