"""Span scores: named entities (ents_*), span groups (spans_KEY_*) and sentences (sents_*)."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import numpy as np

from ..tokens import Doc, Example
from .alignment import nonspace_offsets
from .prf import PRF, per_type_dict


def _labelled_spans(spans, offsets: np.ndarray) -> set[tuple[int, int, str]]:
    return {(int(offsets[s.start, 0]), int(offsets[s.end - 1, 1]), s.label_) for s in spans if s.end > s.start}


def _unannotated_chars(doc: Doc, offsets: np.ndarray) -> np.ndarray:
    """Per non-whitespace character: does it belong to a token without entity annotation?"""
    mask = np.zeros(int(offsets[-1, 1]) if len(offsets) else 0, dtype=bool)
    for i in np.flatnonzero(doc._ent_iob == 0).tolist():
        mask[offsets[i, 0] : offsets[i, 1]] = True
    return mask


def score_spans(examples: Iterable[Example], attr: str = "ents", labels: Iterable[str] | None = None) -> dict:
    """`ents_p`, `ents_r`, `ents_f`, `ents_per_type` ({label: {p, r, f}}); with `labels`,
    over the spans of those labels only (e.g. the old labels after adding a new one).
    `attr = "spans_KEY"` scores the span group `doc.spans[KEY]` instead, as `spans_KEY_p`, ...
    (spans may overlap; a reference Doc without the group is skipped).

    Spans are compared by their non-whitespace character offsets and label, so
    predicted and reference tokenizations may differ. Reference Docs without
    entity annotation are skipped; inside a partly annotated Doc, predicted
    entities touching unannotated tokens are not counted. Scores are None when
    no reference Doc has entity annotation.
    """
    if attr == "ents":
        spans_of, annotated = (lambda doc: doc.ents), (lambda doc: doc.has_annotation("ENT_IOB"))
    elif attr.startswith("spans_") and len(attr) > len("spans_"):
        key = attr[len("spans_"):]
        spans_of, annotated = (lambda doc: doc.spans.get(key, ())), (lambda doc: key in doc.spans)
    else:
        raise ValueError(f"score_spans scores 'ents' or 'spans_KEY' (sentences: score_sents), not {attr!r}")
    kept = set(labels) if labels is not None else None
    totals = PRF()
    per_type: dict[str, PRF] = defaultdict(PRF)
    n_scored = 0
    for eg in examples:
        ref_doc, pred_doc = eg.reference, eg.predicted
        if not annotated(ref_doc):
            continue
        n_scored += 1
        ref_offsets, pred_offsets = nonspace_offsets(ref_doc), nonspace_offsets(pred_doc)
        reference = _labelled_spans(spans_of(ref_doc), ref_offsets)
        predicted = _labelled_spans(spans_of(pred_doc), pred_offsets)
        if kept is not None:
            reference = {s for s in reference if s[2] in kept}
            predicted = {s for s in predicted if s[2] in kept}
        if attr == "ents":
            unannotated = _unannotated_chars(ref_doc, ref_offsets)
            if unannotated.any():
                predicted = {s for s in predicted if not unannotated[s[0] : s[1]].any()}
        totals.score_set(predicted, reference)
        for label in {s[2] for s in predicted | reference}:
            per_type[label].score_set({s for s in predicted if s[2] == label}, {s for s in reference if s[2] == label})
    if not n_scored:
        return {f"{attr}_p": None, f"{attr}_r": None, f"{attr}_f": None, f"{attr}_per_type": None}
    return {
        f"{attr}_p": totals.precision,
        f"{attr}_r": totals.recall,
        f"{attr}_f": totals.fscore,
        f"{attr}_per_type": per_type_dict(per_type),
    }


def score_sents(examples: Iterable[Example]) -> dict:
    """`sents_p`, `sents_r`, `sents_f`: sentences compared by non-whitespace character offsets.

    Every Example counts, as in spaCy: a Doc without sentence boundaries is one sentence.
    """
    totals = PRF()
    n_scored = 0
    for eg in examples:
        n_scored += 1
        ref_doc, pred_doc = eg.reference, eg.predicted
        totals.score_set(
            _labelled_spans(pred_doc.sents, nonspace_offsets(pred_doc)),
            _labelled_spans(ref_doc.sents, nonspace_offsets(ref_doc)),
        )
    if not n_scored:
        return {"sents_p": None, "sents_r": None, "sents_f": None}
    return {"sents_p": totals.precision, "sents_r": totals.recall, "sents_f": totals.fscore}
