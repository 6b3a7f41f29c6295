"""`entity_ruler`: entities from token patterns (as the Matcher takes them) and phrases.

Written only with the API every user has (`factory`, `Pipe`, the Matcher, `doc.ents`):

    ruler = nlp.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns([
        {"label": "GADGET", "pattern": [{"LOWER": "iphone"}, {"IS_DIGIT": True}]},
        {"label": "ORG", "pattern": "Apple"},
    ])

The patterns, and how they are matched and saved, are the rulers' (`ruler.py`). Where matches
overlap, the longest wins. Before an `ner`, the ruler's entities are kept and the
recognizer predicts around them; after it, `overwrite_ents` decides: the ruler's match
replaces the entities it overlaps (true) or gives way to them (false, the default).
"""
from __future__ import annotations

from typing import Sequence

from ..scoring import score_spans
from ..tokens import Doc, Example
from .factories import factory
from .ruler import PatternRuler, set_entities


class EntityRuler(PatternRuler):
    def __init__(self, nlp, name: str, *, overwrite_ents: bool = False, phrase_matcher_attr: str | None = None, patterns: str | None = None):
        super().__init__(nlp, name, phrase_matcher_attr=phrase_matcher_attr, patterns=patterns)
        self.overwrite_ents = overwrite_ents

    def __call__(self, doc: Doc) -> Doc:
        set_entities(doc, self.matches(doc), self.overwrite_ents)
        return doc

    def score(self, examples: Sequence[Example]) -> dict:
        """`ents_p`, `ents_r`, `ents_f` and `ents_per_type`."""
        return score_spans(examples, "ents")


@factory("entity_ruler", {"overwrite_ents": False, "phrase_matcher_attr": None, "patterns": None}, assigns=["doc.ents"], default_score_weights={"ents_f": 1.0})
def make_entity_ruler(nlp, name: str, overwrite_ents: bool = False, phrase_matcher_attr: str | None = None, patterns: str | None = None) -> EntityRuler:
    return EntityRuler(nlp, name, overwrite_ents=overwrite_ents, phrase_matcher_attr=phrase_matcher_attr, patterns=patterns)
