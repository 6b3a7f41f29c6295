"""How predicted tokens map onto reference tokens, for every scorer.

Scores are defined on the reference tokenization. A predicted token takes
part in a token-level comparison only when it covers exactly one reference
token that it alone covers (`Alignment.one_to_one`); everything else is
left out of the accuracies and counted as unaligned.
"""
from __future__ import annotations

import numpy as np

from ..tokens import Doc, Example


def pred_to_ref(example: Example) -> np.ndarray:
    """For each predicted token, its one-to-one reference token, or -1."""
    if example.tokens_match():
        return np.arange(len(example.predicted), dtype=np.int64)
    return example.alignment.one_to_one()


def ref_to_pred(example: Example) -> np.ndarray:
    """For each reference token, its one-to-one predicted token, or -1."""
    x2y = pred_to_ref(example)
    y2x = np.full(len(example.reference), -1, dtype=np.int64)
    aligned = x2y >= 0
    y2x[x2y[aligned]] = np.flatnonzero(aligned)
    return y2x


def nonspace_offsets(doc: Doc) -> np.ndarray:
    """(n_tokens, 2) start/end of each token counted in non-whitespace characters.

    Two tokenizations of one text agree on these offsets even where they
    disagree on whitespace, which is how spaCy compares spans.
    """
    lengths = np.fromiter((len("".join(w.split())) for w in doc.words), dtype=np.int64, count=len(doc))
    ends = np.cumsum(lengths)
    return np.stack([ends - lengths, ends], axis=1) if len(doc) else np.zeros((0, 2), np.int64)
