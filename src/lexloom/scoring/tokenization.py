"""Tokenization scores: how many predicted tokens match reference tokens."""
from __future__ import annotations

from typing import Iterable

from ..tokens import Example
from .alignment import nonspace_offsets, pred_to_ref
from .prf import PRF


def score_tokenization(examples: Iterable[Example]) -> dict[str, float | int | None]:
    """`token_acc`, `token_p`, `token_r`, `token_f` and `token_unaligned`.

    Tokens are compared as spans of non-whitespace characters (spaCy ignores
    whitespace the same way). `token_acc` is the share of predicted tokens that
    align one-to-one with a reference token (spaCy counts any predicted token
    inside a single reference token; one-to-one is stricter and is the rule the
    attribute scores use). `token_unaligned` counts reference tokens without a
    one-to-one partner: those are left out of every attribute accuracy.
    """
    spans = PRF()
    aligned = predicted = unaligned_ref = 0
    for eg in examples:
        x2y = pred_to_ref(eg)
        aligned += int((x2y >= 0).sum())
        predicted += len(eg.predicted)
        unaligned_ref += len(eg.reference) - int((x2y >= 0).sum())
        pred_spans = {tuple(s) for s in nonspace_offsets(eg.predicted).tolist()}
        ref_spans = {tuple(s) for s in nonspace_offsets(eg.reference).tolist()}
        spans.score_set(pred_spans, ref_spans)
    if not predicted and not spans.fn:
        return {"token_acc": None, "token_p": None, "token_r": None, "token_f": None, "token_unaligned": 0}
    return {
        "token_acc": aligned / predicted if predicted else 0.0,
        "token_p": spans.precision,
        "token_r": spans.recall,
        "token_f": spans.fscore,
        "token_unaligned": unaligned_ref,
    }
