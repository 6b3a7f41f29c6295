"""Precision / recall / F counts, shared by every task's scorer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PRF:
    """True positives, false positives and false negatives of one comparison."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def score_set(self, predicted: set, reference: set) -> None:
        """Count one document's predicted items against its reference items."""
        hits = len(predicted & reference)
        self.tp += hits
        self.fp += len(predicted) - hits
        self.fn += len(reference) - hits

    def __iadd__(self, other: "PRF") -> "PRF":
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def fscore(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        """spaCy's per-type shape: {"p": ..., "r": ..., "f": ...}."""
        return {"p": self.precision, "r": self.recall, "f": self.fscore}


def per_type_dict(counts: dict[str, PRF]) -> dict[str, dict[str, float]]:
    """Per-label scores, labels sorted so reports and JSON files are stable."""
    return {label: counts[label].to_dict() for label in sorted(counts)}
