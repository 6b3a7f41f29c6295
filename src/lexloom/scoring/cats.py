"""Text classification scores: F per label, micro / macro averages and ROC AUC."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..tokens import Example
from .prf import PRF

_KEYS = (
    "cats_score", "cats_score_desc", "cats_micro_p", "cats_micro_r", "cats_micro_f", "cats_macro_p",
    "cats_macro_r", "cats_macro_f", "cats_macro_auc", "cats_f_per_type", "cats_auc_per_type",
)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of `values`, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # first position of each run of equal values, and the run lengths
    starts = np.flatnonzero(np.concatenate([[True], sorted_values[1:] != sorted_values[:-1]]))
    lengths = np.diff(np.concatenate([starts, [len(values)]]))
    mean_rank = starts + (lengths + 1) / 2.0
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, lengths)
    return ranks


def roc_auc(scores: Sequence[float], truth: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U over average ranks).

    None when `truth` holds only one class: the curve is undefined there.
    """
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth, dtype=bool)
    n_pos = int(truth.sum())
    n_neg = len(truth) - n_pos
    if not n_pos or not n_neg:
        return None
    ranks = average_ranks(scores)
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def score_cats(
    examples: Iterable[Example], labels: Iterable[str], multi_label: bool, threshold: float = 0.5
) -> dict:
    """spaCy's `cats_*` scores for `doc.cats`.

    Exclusive classes (`multi_label=False`): the predicted label is the argmax of
    the predicted scores and the reference label the argmax of the reference
    values; a reference label missing from `doc.cats` counts as 0. Multi-label:
    a label is predicted when its score >= `threshold`, and a reference label
    missing from `doc.cats` leaves that label out for that Doc. Reference Docs
    with no cats at all are skipped.

    `cats_score` is the macro F in both cases (`cats_score_desc` says so). spaCy
    differs here: it reports macro AUC for multi-label, and the positive label's
    F for a binary exclusive task when given a `positive_label`.
    `cats_macro_auc` averages the per-label AUCs that are defined; a label whose
    reference values hold one class only has AUC None and is left out of the
    average (spaCy counts it as 0).
    """
    labels = list(dict.fromkeys(labels))
    f_per_type = {label: PRF() for label in labels}
    auc_inputs: dict[str, tuple[list[float], list[bool]]] = {label: ([], []) for label in labels}
    n_scored = 0
    for eg in examples:
        gold_cats = {k: v for k, v in eg.reference.cats.items() if k in f_per_type}
        if not gold_cats:
            continue
        n_scored += 1
        pred_cats = eg.predicted.cats
        for label in labels:
            gold = gold_cats.get(label, None if multi_label else 0.0)
            if gold is None:
                continue
            auc_inputs[label][0].append(float(pred_cats.get(label, 0.0)))
            auc_inputs[label][1].append(gold >= 0.5)
        if multi_label:
            for label, gold in gold_cats.items():
                f_per_type[label].score_set(
                    {label} if pred_cats.get(label, 0.0) >= threshold else set(), {label} if gold >= 0.5 else set()
                )
        else:
            gold_label = max(labels, key=lambda label: gold_cats.get(label, 0.0))
            predicted_label = max(labels, key=lambda label: pred_cats.get(label, 0.0)) if pred_cats else None
            for label in labels:
                f_per_type[label].score_set(
                    {label} if label == predicted_label else set(),
                    {label} if label == gold_label and gold_cats.get(label, 0.0) > 0 else set(),
                )
    if not n_scored or not labels:
        return {key: None for key in _KEYS}
    micro = PRF()
    for counts in f_per_type.values():
        micro += counts
    n_labels = len(labels)
    auc_per_type = {label: roc_auc(*auc_inputs[label]) for label in labels}
    defined_aucs = [a for a in auc_per_type.values() if a is not None]
    macro_f = sum(c.fscore for c in f_per_type.values()) / n_labels
    return {
        "cats_score": macro_f,
        "cats_score_desc": "macro F",
        "cats_micro_p": micro.precision,
        "cats_micro_r": micro.recall,
        "cats_micro_f": micro.fscore,
        "cats_macro_p": sum(c.precision for c in f_per_type.values()) / n_labels,
        "cats_macro_r": sum(c.recall for c in f_per_type.values()) / n_labels,
        "cats_macro_f": macro_f,
        "cats_macro_auc": sum(defined_aucs) / len(defined_aucs) if defined_aucs else None,
        "cats_f_per_type": {label: f_per_type[label].to_dict() for label in sorted(labels)},
        "cats_auc_per_type": {label: auc_per_type[label] for label in sorted(labels)},
    }
