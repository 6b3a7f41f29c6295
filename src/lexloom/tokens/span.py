"""Span: a slice of a Doc with an optional label."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

import numpy as np

from . import syntax
from .underscore import HasExtensions
from .vectors import MeanVector

if TYPE_CHECKING:
    from .doc import Doc
    from .strings import Vocab
    from .token import Token


class Span(HasExtensions, syntax.Dependents, MeanVector):
    """Tokens [start, end) of `doc`. `label` is a string or its id in `doc.vocab.strings`
    (e.g. a Matcher's match_id); `label_` is always the string, `label` always the id. So are
    spaCy's `kb_id` (a knowledge-base id, `kb_id_`) and `span_id` (`id_`, which spaCy also
    calls `ent_id_`: an entity ruler's pattern id), each settable on the Span."""

    __slots__ = ("doc", "start", "end", "label_", "kb_id_", "id_")
    _hooks = "user_span_hooks"

    def __init__(self, doc: "Doc", start: int, end: int, label: str | int = "", *, kb_id: str | int = "", span_id: str | int = ""):
        if not 0 <= start <= end <= len(doc):
            raise IndexError(f"Span [{start}:{end}] is out of range for a Doc of {len(doc)} tokens")
        self.doc = doc
        self.start = start
        self.end = end
        as_string = doc.vocab.strings.as_string
        self.label_, self.kb_id_, self.id_ = as_string(label), as_string(kb_id), as_string(span_id)

    def _string_id(self, name: str) -> int:
        return self.doc.vocab.strings.add(getattr(self, name))

    def _set_string_id(self, name: str, value: str | int) -> None:
        setattr(self, name, self.doc.vocab.strings.as_string(value))

    label = property(lambda self: self._string_id("label_"), lambda self, v: self._set_string_id("label_", v))
    kb_id = property(lambda self: self._string_id("kb_id_"), lambda self, v: self._set_string_id("kb_id_", v))
    id = property(lambda self: self._string_id("id_"), lambda self, v: self._set_string_id("id_", v))
    ent_id = id  # spaCy's older names of `id` and `id_`
    ent_id_ = property(lambda self: self.id_, lambda self, v: setattr(self, "id_", v))

    def _extension_key(self, name: str) -> str:
        return f"._.{name}[{self.start}:{self.end}]"

    @property
    def vocab(self) -> "Vocab":
        return self.doc.vocab

    def _hooks_doc(self) -> "Doc":
        return self.doc

    def _words(self) -> list[str]:
        strings = self.doc.vocab.strings
        return [strings[int(o)] for o in self.doc._orth[self.start : self.end]]

    @property
    def start_char(self) -> int:
        return self.doc[self.start].idx if self.end > self.start else self.doc._char_end(self.start)

    @property
    def end_char(self) -> int:
        return self.doc._char_end(self.end - 1) if self.end > self.start else self.start_char

    @property
    def text(self) -> str:
        return self.doc.text[self.start_char : self.end_char]

    orth_ = text  # spaCy's name for the same text

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
    def lemma_(self) -> str:
        """The lemmas with the text's spaces between them."""
        return "".join(t.lemma_ + t.whitespace_ for t in self).strip()

    @property
    def lefts(self) -> Iterator["Token"]:
        """Tokens before the span whose heads are in it."""
        return (t for t in self.doc[: self.start] if self.start <= self.doc._head[t.i] < self.end)

    @property
    def rights(self) -> Iterator["Token"]:
        """Tokens after the span whose heads are in it."""
        return (t for t in self.doc[self.end :] if self.start <= self.doc._head[t.i] < self.end)

    @property
    def conjuncts(self) -> tuple["Token", ...]:
        return self.root.conjuncts

    @property
    def sent(self) -> "Span":
        """The sentence the span starts in."""
        hook = self._hook("sent")
        return hook(self) if hook else self.doc[self.start].sent

    @property
    def sents(self) -> Iterator["Span"]:
        """The sentences the span overlaps, in order (an empty span's: the one it is at), as
        spaCy's; the `sents` user span hook's where there is one."""
        hook = self._hook("sents")
        if hook:
            yield from hook(self)
            return
        for sent in self.doc.sents:
            if sent.start >= self.end and not sent.start == self.start == self.end:
                break
            if sent.end > self.start:
                yield sent

    @property
    def sentiment(self) -> float:
        """The `sentiment` user span hook's score, else the mean of the tokens' (0.0 for none)."""
        hook = self._hook("sentiment")
        if hook:
            return hook(self)
        return sum(t.sentiment for t in self) / len(self) if len(self) else 0.0

    def to_array(self, attrs: str | Sequence[str]) -> np.ndarray:
        """The span's rows of `doc.to_array(attrs)`."""
        return self.doc.to_array(attrs)[self.start : self.end]

    def get_lca_matrix(self) -> np.ndarray:
        """`doc.get_lca_matrix()` of the span's tokens, ancestors outside it counting as none."""
        return syntax.lca_matrix(self.doc, self.start, self.end)

    def char_span(self, start: int, end: int, label: str = "", alignment_mode: str = "strict") -> "Span | None":
        """`doc.char_span` with offsets counted from the span's first character."""
        return self.doc.char_span(self.start_char + start, self.start_char + end, label=label, alignment_mode=alignment_mode)

    @property
    def noun_chunks(self) -> Iterator["Span"]:
        """The Doc's noun chunks that lie within this span."""
        return syntax.noun_chunks(self.doc, self.start, self.end)

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
            and (other.start, other.end, other.label_, other.kb_id_, other.id_) == (self.start, self.end, self.label_, self.kb_id_, self.id_)
        )

    def __hash__(self) -> int:
        return hash((id(self.doc), self.start, self.end, self.label_, self.kb_id_, self.id_))

    def __repr__(self) -> str:
        return self.text

    def as_doc(self) -> "Doc":
        doc = self.doc.slice(self.start, self.end)
        self.doc._copy_hooks(doc)
        return doc


class SpanGroup(list):
    """A named list of (possibly overlapping) Spans of one Doc: `doc.spans["sc"]`."""

    def __init__(self, doc: "Doc", name: str = "", spans: Iterable[Span] = ()):
        self.doc = doc
        self.name = name
        super().__init__(self._check(s) for s in spans)

    def _check(self, span: Span) -> Span:
        if not isinstance(span, Span):
            raise TypeError(f"span group {self.name!r} holds Spans, not {type(span).__name__}")
        if span.doc is not self.doc:
            raise ValueError(f"span group {self.name!r}: {span.text!r} belongs to another Doc")
        return span

    def append(self, span: Span) -> None:
        super().append(self._check(span))

    def extend(self, spans: Iterable[Span]) -> None:
        super().extend(self._check(s) for s in spans)

    def __setitem__(self, i, value) -> None:
        super().__setitem__(i, [self._check(s) for s in value] if isinstance(i, slice) else self._check(value))

    def __iadd__(self, spans: Iterable[Span]) -> "SpanGroup":
        self.extend(spans)
        return self

    def copy(self, doc: "Doc | None" = None) -> "SpanGroup":
        doc = self.doc if doc is None else doc
        return SpanGroup(doc, self.name, [Span(doc, s.start, s.end, s.label_, kb_id=s.kb_id_, span_id=s.id_) for s in self])


class SpanGroups(dict):
    """`doc.spans`: span groups by name. Assigning a list of Spans makes it a SpanGroup."""

    def __init__(self, doc: "Doc"):
        super().__init__()
        self.doc = doc

    def __setitem__(self, name: str, spans: Iterable[Span]) -> None:
        if not isinstance(name, str):
            raise TypeError(f"span group names are strings, not {name!r}")
        super().__setitem__(name, SpanGroup(self.doc, name, spans))

    def setdefault(self, name: str, spans: Iterable[Span] = ()) -> SpanGroup:
        if name not in self:
            self[name] = spans
        return self[name]

    def update(self, *args, **kwargs) -> None:
        for name, spans in dict(*args, **kwargs).items():
            self[name] = spans

    def copy(self, doc: "Doc | None" = None) -> "SpanGroups":
        out = SpanGroups(self.doc if doc is None else doc)
        for name, group in self.items():
            dict.__setitem__(out, name, group.copy(out.doc))
        return out
