"""The string table shared by a Vocab's Docs: strings <-> small integer ids."""
from __future__ import annotations

from typing import Iterable, Iterator


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
