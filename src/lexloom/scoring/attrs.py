"""Token attribute accuracies: tag_acc, pos_acc, morph_acc (+ per feature), lemma_acc."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..tokens import Example
from .alignment import pred_to_ref
from .prf import PRF, per_type_dict

TOKEN_ATTRS = ("tag", "pos", "morph", "lemma")


def canonical_feats(feats: str) -> str:
    """UD FEATS in one spelling: '_' and '' both mean no features; features sorted."""
    if feats in ("", "_"):
        return ""
    return "|".join(sorted(feats.split("|")))


def _feat_pairs(feats: str) -> list[tuple[str, str]]:
    """'Number=Sing|Person=3' -> [('Number', 'Number=Sing'), ('Person', 'Person=3')]."""
    return [(f.split("=", 1)[0], f) for f in feats.split("|")] if feats else []


def score_token_attr(examples: Iterable[Example], attr: str) -> dict:
    """`{attr}_acc` for attr in tag / pos / morph / lemma; morph adds `morph_per_feat`.

    Accuracy = correct / reference tokens that have a value and a one-to-one
    predicted partner. Reference tokens with an unset value are skipped. FEATS
    are different: an empty value is the valid answer "no features", so every
    token is scored as soon as one reference Doc has FEATS (as the CoNLL 2018
    evaluator does), and morph scores are None when none has.
    `morph_per_feat` gives {feature: {p, r, f}} over `Feat=Val` pairs.
    """
    if attr not in TOKEN_ATTRS:
        raise ValueError(f"score_token_attr scores {', '.join(TOKEN_ATTRS)}, not {attr!r}")
    examples = list(examples)
    if attr == "morph" and not any(eg.reference.has_annotation("MORPH") for eg in examples):
        return {"morph_acc": None, "morph_per_feat": None}
    correct = total = 0
    per_feat: dict[str, PRF] = defaultdict(PRF)
    for eg in examples:
        ref_doc, pred_doc = eg.reference, eg.predicted
        ref_values = ref_doc._strings_of(attr)
        pred_values = pred_doc._strings_of(attr)
        for i, j in enumerate(pred_to_ref(eg).tolist()):
            if j < 0:
                continue
            gold, guess = ref_values[j], pred_values[i]
            if attr == "morph":
                gold, guess = canonical_feats(gold), canonical_feats(guess)
                ref_pairs, pred_pairs = _feat_pairs(gold), _feat_pairs(guess)
                for name in {n for n, _ in ref_pairs} | {n for n, _ in pred_pairs}:
                    per_feat[name].score_set(
                        {f for n, f in pred_pairs if n == name}, {f for n, f in ref_pairs if n == name}
                    )
            elif not gold:
                continue
            total += 1
            correct += gold == guess
    scores: dict = {f"{attr}_acc": correct / total if total else None}
    if attr == "morph":
        scores["morph_per_feat"] = per_type_dict(per_feat)
    return scores
