"""`span_ruler`: spans from token patterns and phrases, into a span group, as spaCy's:

    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "places"})
    ruler.add_patterns([{"label": "CITY", "pattern": "New York"}, {"label": "STATE", "pattern": "New York State"}])
    doc = nlp("New York State")  # doc.spans["places"]: both; they may overlap

Every match goes to `doc.spans[spans_key]` ("ruler" by default), replacing the group
(`overwrite`, the default) or added to it. With `annotate_ents`, the longest of overlapping
matches also become entities, replacing those they overlap (`overwrite`) or giving way to
them. The patterns, and how they are matched and saved, are the rulers' (`ruler.py`).
"""
from __future__ import annotations

from typing import Sequence

from ..scoring import score_spans
from ..tokens import Doc, Example
from .factories import factory
from .ruler import PatternRuler, set_entities


class SpanRuler(PatternRuler):
    def __init__(self, nlp, name: str, *, spans_key: str = "ruler", annotate_ents: bool = False, overwrite: bool = True,
                 phrase_matcher_attr: str | None = None, patterns: str | None = None):
        super().__init__(nlp, name, phrase_matcher_attr=phrase_matcher_attr, patterns=patterns)
        if not spans_key:
            raise ValueError(f"{name}: spans_key must name a span group")
        self.key, self.annotate_ents, self.overwrite = spans_key, annotate_ents, overwrite

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matches(doc)
        kept = [] if self.overwrite else list(doc.spans.get(self.key, ()))
        doc.spans[self.key] = kept + [m for m in matches if m not in kept]
        if self.annotate_ents:
            set_entities(doc, matches, self.overwrite)
        return doc

    def score(self, examples: Sequence[Example]) -> dict:
        """`spans_KEY_p`, `_r`, `_f`, `_per_type` (and the entities' scores with `annotate_ents`)."""
        scores = score_spans(examples, f"spans_{self.key}")
        return {**scores, **score_spans(examples, "ents")} if self.annotate_ents else scores


@factory(
    "span_ruler",
    {"spans_key": "ruler", "annotate_ents": False, "overwrite": True, "phrase_matcher_attr": None, "patterns": None},
    assigns=["doc.spans"],
    default_score_weights={"spans_ruler_f": 1.0, "spans_ruler_p": 0.0, "spans_ruler_r": 0.0, "spans_ruler_per_type": None},
)
def make_span_ruler(nlp, name: str, spans_key: str = "ruler", annotate_ents: bool = False, overwrite: bool = True,
                    phrase_matcher_attr: str | None = None, patterns: str | None = None) -> SpanRuler:
    return SpanRuler(nlp, name, spans_key=spans_key, annotate_ents=annotate_ents, overwrite=overwrite,
                     phrase_matcher_attr=phrase_matcher_attr, patterns=patterns)
