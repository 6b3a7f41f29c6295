"""`entity_ruler`: entities from token patterns (as the Matcher takes them) and phrases.

Written only with the API every user has (`factory`, `Pipe`, the Matcher, `doc.ents`):

    ruler = nlp.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns([
        {"label": "GADGET", "pattern": [{"LOWER": "iphone"}, {"IS_DIGIT": True}]},
        {"label": "ORG", "pattern": "Apple"},
    ])

A phrase pattern (a string) matches the tokens the pipeline's tokenizer makes of it, by
their text (or their lowercase form, with `phrase_matcher_attr = "LOWER"`), through a
`PhraseMatcher`, so that long lists of names stay fast. Where matches
overlap, the longest wins. Before an `ner`, the ruler's entities are kept and the
recognizer predicts around them; after it, `overwrite_ents` decides: the ruler's match
replaces the entities it overlaps (true) or gives way to them (false, the default).
The patterns are saved as `patterns.jsonl` in the component's folder; `patterns` in the
config names a JSONL file of them to read at `initialize` (e.g. by `lexloom train`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..files import read_json_lines
from ..errors import DataError
from ..matcher import Matcher, PhraseMatcher, longest_non_overlapping
from ..scoring import score_spans
from ..tokens import Doc, Example, Span
from ..files import atomic_write_text
from .base import Pipe
from .factories import factory

PATTERNS_FILE = "patterns.jsonl"
PHRASE_ATTRS = ("ORTH", "LOWER")


class EntityRuler(Pipe):
    def __init__(self, nlp, name: str, *, overwrite_ents: bool = False, phrase_matcher_attr: str | None = None, patterns: str | None = None):
        super().__init__(nlp, name)
        attr = (phrase_matcher_attr or "ORTH").upper()
        if attr not in PHRASE_ATTRS:
            raise ValueError(f"{name}: phrase_matcher_attr must be one of {', '.join(PHRASE_ATTRS)}, not {phrase_matcher_attr!r}")
        self.overwrite_ents = overwrite_ents
        self.phrase_attr = attr
        self.patterns_path = patterns
        self.clear()

    def clear(self) -> None:
        """Remove every pattern."""
        self.matcher = Matcher(self.nlp.vocab)
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr=self.phrase_attr)
        self._patterns: list[dict[str, Any]] = []

    @property
    def patterns(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self._patterns]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["label"] for p in self._patterns}))

    def __len__(self) -> int:
        return len(self._patterns)

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add `{"label": ..., "pattern": [token dicts] or "a phrase"}` patterns (an "id" is kept)."""
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
        pattern = entry["pattern"]
        if isinstance(pattern, str):
            phrase = self.nlp.make_doc(pattern)
            if not len(phrase):
                raise ValueError("the phrase pattern is empty")
            self.phrase_matcher.add(entry["label"], [phrase])
        else:
            self.matcher.add(entry["label"], [pattern])
        self._patterns.append(dict(entry))

    def __call__(self, doc: Doc) -> Doc:
        strings = self.nlp.vocab.strings
        matches = [Span(doc, start, end, strings[key]) for key, start, end in longest_non_overlapping(self.matcher(doc) + self.phrase_matcher(doc))]
        if not matches:
            return doc
        existing = list(doc.ents)
        if self.overwrite_ents:
            existing = [ent for ent in existing if not any(_overlap(ent, m) for m in matches)]
        else:
            matches = [m for m in matches if not any(_overlap(ent, m) for ent in existing)]
        doc.ents = existing + matches
        return doc

    def initialize(self, get_examples=None, labels: Sequence[str] | None = None) -> None:
        """Read the patterns of the `patterns` file, when the config names one (they replace any added before)."""
        if self.patterns_path:
            if not Path(self.patterns_path).is_file():
                raise DataError(f"no such patterns file ([components.{self.name}] patterns)", self.patterns_path)
            self.clear()
            self.add_patterns_file(self.patterns_path)

    def score(self, examples: Sequence[Example]) -> dict:
        """`ents_p`, `ents_r`, `ents_f` and `ents_per_type`."""
        return score_spans(examples, "ents")

    def to_disk(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / PATTERNS_FILE, "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in self._patterns))

    def from_disk(self, path: Path) -> "EntityRuler":
        self.clear()
        if (path / PATTERNS_FILE).exists():
            self.add_patterns_file(path / PATTERNS_FILE)
        return self


def _checked(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("label"), str) or not entry["label"] or "pattern" not in entry:
        raise ValueError('expected an object with a non-empty string "label" and a "pattern"')
    return entry


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


@factory("entity_ruler", {"overwrite_ents": False, "phrase_matcher_attr": None, "patterns": None}, assigns=["doc.ents"], default_score_weights={"ents_f": 1.0})
def make_entity_ruler(nlp, name: str, overwrite_ents: bool = False, phrase_matcher_attr: str | None = None, patterns: str | None = None) -> EntityRuler:
    return EntityRuler(nlp, name, overwrite_ents=overwrite_ents, phrase_matcher_attr=phrase_matcher_attr, patterns=patterns)
