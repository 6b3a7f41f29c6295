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
  renormalised over the sentence's own words (:func:`span_tree_scores`), as the parser
  learned them: its softmax ran over the heads of one gold sentence. (Normalised over the
  whole region instead, the trees join too much: EWT dev LAS about 0.75 lower.)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["best_split", "span_tree_scores"]

# A sentence may run over at most this many candidate starts. It bounds the search where
# candidates crowd (text without punctuation): such a stretch is cut at one of them.
MAX_CANDIDATES_SPANNED = 16


def span_tree_scores(arc_scores: np.ndarray, points: Sequence[int], longest: int = MAX_CANDIDATES_SPANNED + 1) -> np.ndarray:
    """``scores[i, d]``: the log-probability of the best tree over tokens [points[i],
    points[i + d + 1]) with one root, cycles ignored: every token takes its best head in the
    span, and the one token whose root arc loses least to that head takes the root instead.
    -inf where the span would run past the last point; ``d`` runs up to ``longest - 1``.

    All spans at once: each word's best head and log-sum over the heads, block by block
    between points as a span grows, then sums and maxima over the span's words.
    """
    n_blocks = len(points) - 1
    bounds = np.asarray(points)
    heads = arc_scores[:, 1:]  # a word's own column is masked (MASKED_SCORE)
    root = arc_scores[:, :1, None]
    block = np.arange(n_blocks)[:, None] + np.arange(longest)  # [i, d]: the span's last block
    inside = block < n_blocks
    block = np.minimum(block, n_blocks - 1)  # past the last point: masked at the end
    best_head = np.maximum.accumulate(np.maximum.reduceat(heads, bounds[:-1], axis=1)[:, block], axis=2)
    log_z = np.logaddexp(root, np.logaddexp.accumulate(np.logaddexp.reduceat(heads, bounds[:-1], axis=1)[:, block], axis=2))
    first, last = np.broadcast_to(bounds[:-1, None], block.shape), bounds[block + 1] - 1  # [i, d]: the span's words
    i, d = np.indices(block.shape)
    summed = np.cumsum(best_head - log_z, axis=0)
    gain = summed[last, i, d] - np.where(first > 0, summed[first - 1, i, d], 0.0)
    before = np.arange(len(heads))[:, None, None] < first  # [t, i, d]: word t precedes the span
    root_gain = np.maximum.accumulate(np.where(before, -np.inf, root - best_head), axis=0)[last, i, d]
    return np.where(inside, gain + root_gain, -np.inf)


def best_split(arc_scores: np.ndarray, candidates: Sequence[int], log_p: np.ndarray, log_not_p: np.ndarray, prior: float) -> list[tuple[int, int]]:
    """The best [start, end) sentences of the tokens ``arc_scores`` covers, which start at 0
    and wherever some of ``candidates`` (increasing, each > 0) start one.

    ``arc_scores``: (n, n + 1), float64. ``log_p`` and ``log_not_p``: each candidate's log-
    probability of starting a sentence and of not starting one.
    """
    n = arc_scores.shape[0]
    points = [0, *candidates, n]
    k = len(points)
    longest = min(k - 1, MAX_CANDIDATES_SPANNED + 1)
    trees = span_tree_scores(arc_scores, points, longest).tolist()
    start_bonus = [float(x) + prior for x in log_p] + [0.0]  # the end is no start
    skipped = [0.0, *np.cumsum(log_not_p, dtype=np.float64).tolist()]  # up to each point
    best = [0.0] + [-np.inf] * (k - 1)
    back = [0] * k
    for i in range(k - 1):  # plain floats: most regions have one or two candidates
        for d in range(min(longest, k - 1 - i)):
            j = i + d + 1
            score = best[i] + trees[i][d] + skipped[j - 1] - skipped[i] + start_bonus[j - 1]
            if score > best[j]:
                best[j], back[j] = score, i
    out = []
    j = k - 1
    while j > 0:
        out.append((points[back[j]], points[j]))
        j = back[j]
    return out[::-1]
