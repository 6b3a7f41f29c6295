"""Span: a slice of a Doc with an optional label."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .doc import Doc
    from .token import Token


class Span:
    __slots__ = ("doc", "start", "end", "label_")

    def __init__(self, doc: "Doc", start: int, end: int, label: str = ""):
        if not 0 <= start <= end <= len(doc):
            raise IndexError(f"Span [{start}:{end}] is out of range for a Doc of {len(doc)} tokens")
        self.doc = doc
        self.start = start
        self.end = end
        self.label_ = label

    @property
    def label(self) -> str:
        return self.label_

    @property
    def start_char(self) -> int:
        return self.doc[self.start].idx if self.end > self.start else self.doc._char_end(self.start)

    @property
    def end_char(self) -> int:
        return self.doc._char_end(self.end - 1) if self.end > self.start else self.start_char

    @property
    def text(self) -> str:
        return self.doc.text[self.start_char : self.end_char]

    @property
    def text_with_ws(self) -> str:
        return self.text + (self.doc[self.end - 1].whitespace_ if self.end > self.start else "")

    @property
    def root(self) -> "Token":
        heads = self.doc._head
        for i in range(self.start, self.end):
            h = int(heads[i])
            if h < 0 or h == i or not self.start <= h < self.end:
                return self.doc[i]
        return self.doc[self.start]

    @property
    def ents(self) -> list["Span"]:
        return [e for e in self.doc.ents if e.start >= self.start and e.end <= self.end]

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator["Token"]:
        for i in range(self.start, self.end):
            yield self.doc[i]

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, _ = i.indices(len(self))
            return Span(self.doc, self.start + start, self.start + stop)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.doc[self.start + i]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Span)
            and other.doc is self.doc
            and (other.start, other.end, other.label_) == (self.start, self.end, self.label_)
        )

    def __hash__(self) -> int:
        return hash((id(self.doc), self.start, self.end, self.label_))

    def __repr__(self) -> str:
        return self.text

    def as_doc(self) -> "Doc":
        return self.doc.slice(self.start, self.end)
