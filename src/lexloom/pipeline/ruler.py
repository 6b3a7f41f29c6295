"""What the rule-based rulers share (`entity_ruler`, `span_ruler`): their patterns.

A pattern is `{"label": ..., "pattern": [token dicts] or "a phrase"}`, with an optional string
"id" that each of its matches carries as its `id_` (`ent_id_`, as in spaCy). Token patterns go
to a Matcher; a phrase matches the tokens the pipeline's tokenizer makes of it, by
their text (or their lowercase form, with `phrase_matcher_attr = "LOWER"`), through a
`PhraseMatcher`, so that long lists of names stay fast. The patterns are saved as
`patterns.jsonl` in the component's folder; `patterns` in the config names a JSONL file of
them to read at `initialize` (e.g. by `lexloom train`). Each ruler says what its matches become.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import DataError
from ..files import atomic_write_text, read_json_lines
from ..matcher import Matcher, PhraseMatcher, filter_spans
from ..tokens import Doc, Span
from .base import Pipe

PATTERNS_FILE = "patterns.jsonl"
PHRASE_ATTRS = ("ORTH", "LOWER")


class PatternRuler(Pipe):
    def __init__(self, nlp, name: str, *, phrase_matcher_attr: str | None = None, patterns: str | None = None):
        super().__init__(nlp, name)
        attr = (phrase_matcher_attr or "ORTH").upper()
        if attr not in PHRASE_ATTRS:
            raise ValueError(f"{name}: phrase_matcher_attr must be one of {', '.join(PHRASE_ATTRS)}, not {phrase_matcher_attr!r}")
        self.phrase_attr = attr
        self.patterns_path = patterns
        self.clear()

    def clear(self) -> None:
        """Remove every pattern."""
        self.matcher = Matcher(self.nlp.vocab)
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr=self.phrase_attr)
        self._patterns: list[dict[str, Any]] = []
        self._targets: dict[int, tuple[str, str]] = {}  # match key -> (label, id)

    @property
    def patterns(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self._patterns]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["label"] for p in self._patterns}))

    @property
    def ids(self) -> tuple[str, ...]:
        """The patterns' ids."""
        return tuple(sorted({p["id"] for p in self._patterns if p.get("id")}))

    def __len__(self) -> int:
        return len(self._patterns)

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add `{"label": ..., "pattern": [token dicts] or "a phrase"}` patterns, each with an optional "id"."""
        for n, entry in enumerate(patterns):
            try:
                self._add(_checked(entry))
            except ValueError as e:
                raise ValueError(f"{self.name}: pattern {n}: {e}") from None

    def add_patterns_file(self, path: str | Path) -> int:
        """Add the patterns of a JSONL file, one a line; returns how many. A bad line is a
        DataError naming FILE:LINE."""
        n = 0
        for number, entry in read_json_lines(path):
            try:
                entry = _checked(entry)
            except ValueError as e:
                raise DataError(str(e), path, number) from None
            try:
                self._add(entry)
            except ValueError as e:
                raise DataError(f"invalid pattern: {e}", path, number) from None
            n += 1
        return n

    def _add(self, entry: dict[str, Any]) -> None:
        pattern, label, pattern_id = entry["pattern"], entry["label"], entry.get("id", "")
        key = repr((label, pattern_id)) if pattern_id else label  # the matchers' key, one per label and id
        if isinstance(pattern, str):
            phrase = self.nlp.make_doc(pattern)
            if not len(phrase):
                raise ValueError("the phrase pattern is empty")
            self.phrase_matcher.add(key, [phrase])
        else:
            self.matcher.add(key, [pattern])
        self._targets[self.nlp.vocab.strings.add(key)] = (label, pattern_id)
        self._patterns.append(dict(entry))

    def matches(self, doc: Doc) -> list[Span]:
        """Every match of every pattern as a Span with its label and id (they may overlap), in order."""
        found = sorted(self.matcher(doc) + self.phrase_matcher(doc), key=lambda m: (m[1], m[2]))
        return [Span(doc, start, end, self._targets[key][0], span_id=self._targets[key][1]) for key, start, end in found]

    def initialize(self, get_examples=None, labels: Sequence[str] | None = None) -> None:
        """Read the patterns of the `patterns` file, when the config names one (they replace any added before)."""
        if self.patterns_path:
            if not Path(self.patterns_path).is_file():
                raise DataError(f"no such patterns file ([components.{self.name}] patterns)", self.patterns_path)
            self.clear()
            self.add_patterns_file(self.patterns_path)

    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / PATTERNS_FILE, "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in self._patterns))

    def from_disk(self, path: Path) -> "PatternRuler":
        self.clear()
        if (path / PATTERNS_FILE).exists():
            self.add_patterns_file(path / PATTERNS_FILE)
        return self


def _checked(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("label"), str) or not entry["label"] or "pattern" not in entry:
        raise ValueError('expected an object with a non-empty string "label" and a "pattern"')
    if not isinstance(entry.get("id", ""), str):
        raise ValueError(f'a pattern\'s "id" is a string, not {entry["id"]!r}')
    return entry


def overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def set_entities(doc: Doc, matches: list[Span], overwrite: bool) -> None:
    """Add the longest of overlapping `matches` (the earlier on ties) to the Doc's entities:
    where one overlaps an entity, it replaces it (`overwrite`) or gives way to it."""
    matches = filter_spans(matches)
    if not matches:
        return
    existing = list(doc.ents)
    if overwrite:
        existing = [ent for ent in existing if not any(overlap(ent, m) for m in matches)]
    else:
        matches = [m for m in matches if not any(overlap(ent, m) for ent in existing)]
    doc.ents = existing + matches
