"""The string table shared by a Vocab's Docs: strings <-> small integer ids."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

import numpy as np

from .vectors import Vectors

if TYPE_CHECKING:
    from .lexeme import Lexeme


class StringStore:
    """Interns strings as consecutive ids; id 0 is always the empty string."""

    def __init__(self, strings: Iterable[str] = ()):
        self._strings: list[str] = [""]
        self._ids: dict[str, int] = {"": 0}
        for s in strings:
            self.add(s)

    def add(self, string: str) -> int:
        key = self._ids.get(string)
        if key is None:
            key = len(self._strings)
            self._ids[string] = key
            self._strings.append(string)
        return key

    def __getitem__(self, key: int | str) -> str | int:
        if isinstance(key, str):
            return self._ids[key]
        return self._strings[key]

    def as_string(self, key: int | str) -> str:
        """`key` as a string: a string as it is, an id (e.g. a Matcher's match_id) looked up.
        This is how every place that takes a label accepts either."""
        if isinstance(key, str):
            return key
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"a label is a string or a string id, not {type(key).__name__} {key!r}")
        if not 0 <= int(key) < len(self._strings):
            raise ValueError(
                f"label id {int(key)} is not in this StringStore ({len(self._strings)} strings); "
                "ids come from vocab.strings.add(...) or a Matcher's match_id on the same vocab"
            )
        return self._strings[int(key)]

    def __contains__(self, string: str) -> bool:
        return string in self._ids

    def __len__(self) -> int:
        return len(self._strings)

    def __iter__(self) -> Iterator[str]:
        return iter(self._strings)

    def to_list(self) -> list[str]:
        return list(self._strings)


class Vocab:
    """Language code plus the string table, the language's stop words and the word vectors.
    Kept small on purpose."""

    def __init__(self, lang: str = "xx", strings: StringStore | None = None):
        self.lang = lang
        self.strings = strings if strings is not None else StringStore()
        self._stop_words: set[str] | None = None
        # `token.vector` reads these: a pipeline's static vectors (see Language), else none
        self.vectors = Vectors(strings=self.strings)

    @property
    def stop_words(self) -> set[str]:
        """The stop words `token.is_stop` reads, in lower case: the language's (spaCy's lists
        for en and es), copied on first use, for code to change (`nlp.Defaults.stop_words.add`)."""
        if self._stop_words is None:
            from ..lang import stop_words  # the language's data; lang/ builds on tokens/, not the reverse

            self._stop_words = set(stop_words(self.lang))
        return self._stop_words

    @stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        self._stop_words = {w.lower() for w in words}

    # --- word vectors (tokens/vectors.py) ------------------------------------------------
    @property
    def vectors_length(self) -> int:
        return self.vectors.shape[1]

    def get_vector(self, word: str | int) -> np.ndarray:
        """The vector of `word` (or its string id): its exact form's, else its lower-cased
        form's, as the tok2vec reads them; zeros as wide as the table without either."""
        row = self.vectors.row_of(self.strings.as_string(word))
        return self.vectors.data[row] if row is not None else np.zeros(self.vectors_length, dtype=np.float32)

    def has_vector(self, word: str | int) -> bool:
        return self.vectors.row_of(self.strings.as_string(word)) is not None

    def set_vector(self, word: str | int, vector) -> None:
        """Give `word` this vector (the table takes the width of its first one); the word joins
        the strings, as in spaCy."""
        word = self.strings.as_string(word)
        self.strings.add(word)
        self.vectors.add(word, vector=vector)

    def reset_vectors(self, *, width: int | None = None, shape: tuple[int, int] | None = None) -> None:
        """No vectors: an empty table of `width` (or of `shape`)."""
        self.vectors = Vectors(strings=self.strings, shape=shape or (0, width or 0))

    def __getitem__(self, text: str) -> "Lexeme":
        """The word as a Lexeme (`nlp.vocab["btw"].is_stop = True`)."""
        from .lexeme import Lexeme

        return Lexeme(self, text)

    def __contains__(self, text: str) -> bool:
        return text in self.strings
