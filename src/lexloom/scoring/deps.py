"""Dependency scores: UAS, LAS (CoNLL 2018), LAS on full labels, LAS per label."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..tokens import Example
from .alignment import pred_to_ref, ref_to_pred
from .prf import PRF, per_type_dict


def universal_deprel(label: str) -> str:
    """The universal part of a UD relation: 'nmod:poss' -> 'nmod' (CoNLL 2018 LAS)."""
    return label.split(":", 1)[0]


def score_deps(examples: Iterable[Example], ignore_labels: Iterable[str] = ()) -> dict:
    """`dep_uas`, `dep_las`, `dep_las_full`, `dep_las_per_type`.

    As the CoNLL 2018 shared task scores them: every reference token with a
    head counts, punctuation included; `dep_las` compares only the universal
    part of the relation (before ':'), `dep_las_full` the whole label. A head is
    right when the predicted head aligns one-to-one with the reference head
    (roots point at themselves in both). Reference tokens without a head are
    skipped, and those without a one-to-one predicted partner are left out
    (see `token_unaligned`). `dep_las_per_type` gives {label: {p, r, f}} over
    full labels, a hit needing the right head and label. Reference tokens whose label is in
    `ignore_labels` (spaCy's parser ignores "p" and "punct") are left out.
    """
    ignored = set(ignore_labels)
    total = uas_hits = las_hits = las_full_hits = 0
    per_type: dict[str, PRF] = defaultdict(PRF)
    for eg in examples:
        ref_doc, pred_doc = eg.reference, eg.predicted
        ref_heads = ref_doc._head
        pred_heads = pred_doc._head
        x2y, y2x = pred_to_ref(eg), ref_to_pred(eg)
        ref_labels, pred_labels = ref_doc._strings_of("dep"), pred_doc._strings_of("dep")
        for j in range(len(ref_doc)):
            i = int(y2x[j])
            gold, guess = ref_labels[j], pred_labels[i] if i >= 0 else ""
            if ref_heads[j] < 0 or i < 0 or gold in ignored:
                continue
            total += 1
            pred_head = int(pred_heads[i])
            head_ok = pred_head >= 0 and int(x2y[pred_head]) == int(ref_heads[j])
            uas_hits += head_ok
            las_hits += head_ok and universal_deprel(gold) == universal_deprel(guess)
            full_ok = head_ok and gold == guess
            las_full_hits += full_ok
            if full_ok:
                if gold:
                    per_type[gold].tp += 1
                continue
            if gold:
                per_type[gold].fn += 1
            if guess:
                per_type[guess].fp += 1
    if not total:
        return {"dep_uas": None, "dep_las": None, "dep_las_full": None, "dep_las_per_type": None}
    return {
        "dep_uas": uas_hits / total,
        "dep_las": las_hits / total,
        "dep_las_full": las_full_hits / total,
        "dep_las_per_type": per_type_dict(per_type),
    }
