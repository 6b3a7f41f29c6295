"""Sentence boundaries chosen together with the trees they make (numpy only).

A sentence-start classifier alone cuts where its probability passes a threshold. Where it
is unsure, the parser knows more: two sentences parsed as one tree force one sentence's
root under a head in the other, which the arc scores make unlikely, and a sentence cut in
two takes from some words the head they want. :func:`best_split` weighs both.

Arc scores follow :mod:`lexloom.models.biaffine`: ``arc_scores[i, j]`` scores node ``j``
as the head of token ``i``, node 0 being the root and node ``j >= 1`` token ``j - 1``.

A split is scored as a product of experts, in log space:

- each candidate start: ``log p + prior`` if it starts a sentence, ``log (1 - p)`` if
  not, where ``prior`` is minus the log-odds of the classifier's threshold. Without the
  trees, the best split is then exactly "start where p is above the threshold";
- each sentence: the log-probability of its best single-rooted tree, from the arc scores
  renormalised over the sentence's own words (:func:`span_tree_score`), as the parser
  learned them: its softmax ran over the heads of one gold sentence. (Normalised over the
  whole region instead, the trees join too much: EWT dev LAS 0.5 to 0.7 lower.)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["best_split", "span_tree_score"]

# A sentence may run over at most this many candidate starts; beyond it the cost of the
# search grows with no gain (the classifier rejects long runs of candidates one by one).
MAX_CANDIDATES_SPANNED = 16


def span_tree_score(arc_scores: np.ndarray, start: int, end: int) -> float:
    """Log-probability of the best tree over tokens [start, end) with one root, cycles
    ignored: every token takes its best head in the span, and the one token whose root
    arc loses least to that head takes the root instead."""
    cols = np.r_[0, np.arange(start + 1, end + 1)]
    sub = arc_scores[start:end][:, cols]
    top = sub.max(axis=1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(sub - top).sum(axis=1))
    best_head = sub[:, 1:].max(axis=1)  # a one-token span has only its masked self-loop here
    return float((best_head - log_z).sum() + (sub[:, 0] - best_head).max())


def best_split(arc_scores: np.ndarray, candidates: Sequence[int], log_p: np.ndarray, log_not_p: np.ndarray, prior: float) -> list[tuple[int, int]]:
    """The best [start, end) sentences of the tokens ``arc_scores`` covers, which start at 0
    and wherever some of ``candidates`` (increasing, each > 0) start one.

    ``arc_scores``: (n, n + 1), float64. ``log_p`` and ``log_not_p``: each candidate's log-
    probability of starting a sentence and of not starting one.
    """
    n = arc_scores.shape[0]
    points = [0, *candidates, n]
    k = len(points)
    start_bonus = np.append(np.asarray(log_p, dtype=np.float64) + prior, 0.0)  # the end is no start
    skipped = np.concatenate([[0.0], np.cumsum(log_not_p, dtype=np.float64)])  # up to each point
    best = np.full(k, -np.inf)
    best[0] = 0.0
    back = np.zeros(k, dtype=np.int64)
    for j in range(1, k):
        for i in range(max(0, j - MAX_CANDIDATES_SPANNED - 1), j):
            score = best[i] + span_tree_score(arc_scores, points[i], points[j]) + skipped[j - 1] - skipped[i] + start_bonus[j - 1]
            if score > best[j]:
                best[j], back[j] = score, i
    out = []
    j = k - 1
    while j > 0:
        out.append((points[back[j]], points[j]))
        j = back[j]
    return out[::-1]
