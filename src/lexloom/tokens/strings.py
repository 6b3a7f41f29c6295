"""The string table shared by a Vocab's Docs: strings <-> small integer ids."""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np


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
    """Language code plus the string table. Kept small on purpose."""

    def __init__(self, lang: str = "xx", strings: StringStore | None = None):
        self.lang = lang
        self.strings = strings if strings is not None else StringStore()
