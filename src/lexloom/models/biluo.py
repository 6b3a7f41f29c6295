"""BILUO tag layout and constrained Viterbi decoding: only valid, non-overlapping spans come out.

Classes are laid out as `O` (0) followed by four moves per entity label, so that
adding a label appends classes and never moves the trained ones:
class `1 + 4 * k + m` is move `m` (B, I, L, U) of label `k`.
"""
from __future__ import annotations

import numpy as np
import torch

MOVES = ("B", "I", "L", "U")
B, I, L, U = range(4)
_INVALID = -1e9
_CRF_INVALID = -1e4  # finite, so that gradients stay defined


def n_classes(n_labels: int) -> int:
    return 1 + len(MOVES) * n_labels


def class_names(labels: list[str] | tuple[str, ...]) -> list[str]:
    """`["O", "B-PER", "I-PER", "L-PER", "U-PER", "B-ORG", ...]`, in class order."""
    return ["O"] + [f"{move}-{label}" for label in labels for move in MOVES]


def classes_of(moves: str, n_labels: int) -> np.ndarray:
    """The class indices of these moves (e.g. "IL") for every label."""
    return np.array([1 + len(MOVES) * k + MOVES.index(m) for k in range(n_labels) for m in moves], dtype=np.int64)


def transition_rules(n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(allowed[prev, next], may_start[c], may_end[c]) boolean tables for valid BILUO sequences.

    Outside an entity (after O, L, U or at the start) only O, B-x and U-x may follow;
    inside one (after B-x or I-x) only I-x or L-x of the same label.
    """
    C = n_classes(n_labels)
    outside = np.zeros(C, dtype=bool)
    outside[0] = True
    outside[1 + B :: 4] = True
    outside[1 + U :: 4] = True
    closes = np.zeros(C, dtype=bool)
    closes[0] = True
    closes[1 + L :: 4] = True
    closes[1 + U :: 4] = True
    allowed = np.zeros((C, C), dtype=bool)
    allowed[np.ix_(closes, outside)] = True
    for k in range(n_labels):
        base = 1 + 4 * k
        for prev in (base + B, base + I):
            allowed[prev, base + I] = True
            allowed[prev, base + L] = True
    return allowed, outside.copy(), closes.copy()


def viterbi_biluo(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Best valid BILUO class sequence per row of `scores` (batch, length, classes).

    `scores` are per-token log-probabilities (any additive scores work); positions at or
    past a row's length are ignored. Returns (batch, length) int64 classes, 0 in padding.
    Vectorised over the batch; loops over positions only.
    """
    n_batch, n_steps, C = scores.shape
    if (C - 1) % 4:
        raise ValueError(f"{C} classes is not 1 + 4 * n_labels")
    path = np.zeros((n_batch, n_steps), dtype=np.int64)
    if n_batch == 0 or n_steps == 0:
        return path
    allowed, may_start, may_end = transition_rules((C - 1) // 4)
    transitions = np.where(allowed, 0.0, _INVALID)
    scores = scores.astype(np.float64, copy=False)
    lengths = np.asarray(lengths)
    delta = scores[:, 0] + np.where(may_start, 0.0, _INVALID)
    backpointers = np.zeros((n_batch, n_steps, C), dtype=np.int64)
    for t in range(1, n_steps):
        candidates = delta[:, :, None] + transitions[None]  # (batch, prev, next)
        best_prev = candidates.argmax(axis=1)
        step = np.take_along_axis(candidates, best_prev[:, None, :], axis=1)[:, 0] + scores[:, t]
        active = (t < lengths)[:, None]
        delta = np.where(active, step, delta)
        backpointers[:, t] = best_prev
    current = (delta + np.where(may_end, 0.0, _INVALID)).argmax(axis=1)
    rows = np.arange(n_batch)
    for t in range(n_steps - 1, -1, -1):
        inside = t < lengths
        path[inside, t] = current[inside]
        if t:
            current = np.where(inside, backpointers[rows, t, current], current)
    return path


def is_valid_biluo(classes: np.ndarray) -> bool:
    """Whether a class sequence is valid BILUO (used by tests and assertions)."""
    if not len(classes):
        return True
    allowed, may_start, may_end = transition_rules((int(classes.max()) + 3) // 4)
    return bool(may_start[classes[0]] and may_end[classes[-1]] and allowed[classes[:-1], classes[1:]].all())


def _log_partition(emissions: torch.Tensor, mask: torch.Tensor, transitions: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """log of the summed exp-scores of all paths, per row: the CRF forward algorithm."""
    alpha = emissions[:, 0] + start
    for t in range(1, emissions.shape[1]):
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
        alpha = torch.where(mask[:, t : t + 1], step, alpha)
    return torch.logsumexp(alpha + end, dim=1)


def constrained_crf_loss(emissions: torch.Tensor, mask: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of the gold tags among all valid BILUO sequences, summed over rows.

    A CRF whose transitions are fixed to the BILUO rules: scores are normalized over valid
    sequences only, so training sees what decoding does. `gold` (batch, length) holds class
    ids, or -1 where the tag is unknown: every class is allowed there, so a partly annotated
    sentence trains on its annotated part and an unannotated one gives no loss.
    """
    allowed, may_start, may_end = (torch.from_numpy(a).to(emissions.device) for a in transition_rules((emissions.shape[-1] - 1) // 4))
    penalty = torch.tensor(_CRF_INVALID, dtype=emissions.dtype, device=emissions.device)
    zero = torch.zeros((), dtype=emissions.dtype, device=emissions.device)
    transitions = torch.where(allowed, zero, penalty)
    start, end = torch.where(may_start, zero, penalty), torch.where(may_end, zero, penalty)
    known = gold >= 0
    gold_only = torch.nn.functional.one_hot(gold.clamp(min=0), emissions.shape[-1]).bool() | ~known.unsqueeze(-1)
    both = torch.cat([emissions, emissions.masked_fill(~gold_only, _CRF_INVALID)])
    log_z = _log_partition(both, torch.cat([mask, mask]), transitions, start, end)
    n = emissions.shape[0]
    return (log_z[:n] - log_z[n:]).sum()
