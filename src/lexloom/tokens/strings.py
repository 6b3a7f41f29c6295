"""The string table shared by a Vocab's Docs: strings <-> small integer ids."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

import numpy as np

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
    """Language code plus the string table, and the language's stop words. Kept small on purpose."""

    def __init__(self, lang: str = "xx", strings: StringStore | None = None):
        self.lang = lang
        self.strings = strings if strings is not None else StringStore()
        self._stop_words: set[str] | None = None

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

    def __getitem__(self, text: str) -> "Lexeme":
        """The word as a Lexeme (`nlp.vocab["btw"].is_stop = True`)."""
        from .lexeme import Lexeme

        return Lexeme(self, text)

    def __contains__(self, text: str) -> bool:
        return text in self.strings
