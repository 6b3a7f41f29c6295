"""Headline scores: the few numbers of a pipeline worth a column in `dvc exp show`.

`lexloom evaluate --metrics FILE --metrics-keys dep_las,pos_acc` writes only these
to FILE (DVC's metrics file), so experiments compare on a handful of columns;
`--output` keeps every score, per-type tables and speed included.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import LexloomError


def headline_scores(scores: dict[str, Any], keys: Sequence[str]) -> dict[str, float | None]:
    """`scores` restricted to `keys`, in that order; each must be a single number (or None)."""
    if not keys:
        raise LexloomError("no headline score keys given (e.g. --metrics-keys dep_las,pos_acc)")
    singles = sorted(k for k, v in scores.items() if not isinstance(v, dict))
    headline: dict[str, float | None] = {}
    for key in keys:
        if key not in scores:
            raise LexloomError(f"no score {key!r} for this pipeline; its scores are: {', '.join(singles)}")
        if isinstance(scores[key], dict):
            raise LexloomError(f"{key!r} is a table of per-label scores, not one number; choose among: {', '.join(singles)}")
        headline[key] = scores[key]
    return headline


__all__ = ["headline_scores"]
