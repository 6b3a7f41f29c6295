"""Biaffine dependency parser head (Dozat & Manning 2017) over a shared token encoder.

Index convention (the same as CoNLL-U's HEAD column and :mod:`lexloom.models.mst`):
the encoder output has no root token, so a learned root vector of the
encoder's width is prepended as node 0. Head indices run over ``0..n``:
0 is the root and ``j >= 1`` is the token at encoder position ``j - 1``.
Dependents are the tokens only, so arc scores have shape
``(batch, max_len, max_len + 1)``: ``arc_scores[b, i, j]`` scores node ``j``
as the head of the token at encoder position ``i``. Gold heads and labels use
-1 for "not annotated"; such tokens add nothing to the loss.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import mst
from .dropout import Dropout

__all__ = ["ArcOutput", "BiaffineParserHead"]

# Large but finite, so log_softmax over a row never meets inf - inf.
MASKED_SCORE = -1e9


@dataclass
class ArcOutput:
    """What :meth:`BiaffineParserHead.forward` computes once and both loss and predict reuse.

    ``arc_scores``: (batch, max_len, max_len + 1), padding heads and self-loops set to ``MASKED_SCORE``.
    ``label_dep``: (batch, max_len, label_hidden) label representation of each token as dependent.
    ``label_head``: (batch, max_len + 1, label_hidden) label representation of each node (root first) as head.
    """

    arc_scores: torch.Tensor
    label_dep: torch.Tensor
    label_head: torch.Tensor


def _mlp(width: int, hidden: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width, hidden), nn.LeakyReLU(0.1), Dropout(dropout))


# The distance terms' buckets: a head's offset from its dependent, one bucket per magnitude
# from 1 to 4 and then wider ones, each on either side, and one for the root.
DISTANCE_BOUNDS = (1, 2, 3, 4, 6, 9, 14, 24)
N_DISTANCE_BUCKETS = 2 * (len(DISTANCE_BOUNDS) + 1) + 1


def distance_buckets(max_len: int, device: torch.device | None = None) -> torch.Tensor:
    """(max_len, max_len + 1) long: the bucket of node ``j`` as the head of token ``i``. 0 is
    the root; a head ``d`` words after its dependent is in bucket ``k`` (1 .. 9), where ``k - 1``
    bounds in :data:`DISTANCE_BOUNDS` are below ``d``; a head before it, in ``9 + k``.
    A slice of one table, made again only for a longer sentence (or another device)."""
    table = _BUCKETS.get(device)
    if table is None or table.shape[0] < max_len:
        size = max(max_len, 128)
        offset = torch.arange(size + 1, device=device)[None, :] - 1 - torch.arange(size, device=device)[:, None]
        magnitude = torch.bucketize(offset.abs(), torch.tensor(DISTANCE_BOUNDS, device=device)) + 1
        table = torch.where(offset > 0, magnitude, magnitude + len(DISTANCE_BOUNDS) + 1)
        table[:, 0] = 0
        _BUCKETS[device] = table
    return table[:max_len, : max_len + 1]


_BUCKETS: dict[torch.device | None, torch.Tensor] = {}


def _append_ones(x: torch.Tensor) -> torch.Tensor:
    """Add a constant-1 feature so one bilinear form also holds the linear and bias terms."""
    return torch.cat([x, x.new_ones(*x.shape[:-1], 1)], dim=-1)


class BiaffineParserHead(nn.Module):
    """Scores every (dependent, head) pair with a biaffine form and labels arcs with bilinear forms.

    The arc scorer is ``[dep; 1]^T U head``: a bilinear term plus a head prior
    (a dependent-only bias would cancel in the softmax over heads).

    The label score of label ``l`` is biaffine too: ``dep^T W_l head`` plus an
    affine term in ``[dep; head]``. A full tensor ``W`` costs
    ``label_hidden**2 * n_labels`` multiply-adds per token (about 460k for
    96 hidden and 50 labels: more than a whole CNN encoder, and it held a
    BiLSTM parser's prediction to ~10k words/s on one core), so the ``W_l``
    share a rank-``label_hidden`` factorisation ``W_l = P diag(w_l) Q^T``
    at ~20x less cost. Labels are scored at one head per token only (gold in
    training, predicted at inference), never for all pairs.

    With ``distance``, an arc's score also has terms for how far its head is from its
    dependent and on which side (:func:`distance_buckets`): the dependent's preference for
    that offset, and the head's for a dependent there, each a linear function of the word's
    arc representation. A bilinear score sees what two words are, not how far apart they
    are; this gives it that for two small products a word and two lookups a pair.
    """

    def __init__(self, width: int, n_labels: int, arc_hidden: int = 256, label_hidden: int = 96, dropout: float = 0.25, distance: bool = False):
        super().__init__()
        self.n_labels = n_labels
        self.root = nn.Parameter(torch.empty(width).normal_(0.0, 0.1))
        self.input_dropout = Dropout(dropout)
        self.arc_dep = _mlp(width, arc_hidden, dropout)
        self.arc_head = _mlp(width, arc_hidden, dropout)
        self.label_dep = _mlp(width, label_hidden, dropout)
        self.label_head = _mlp(width, label_hidden, dropout)
        # Zero init: all heads start equally likely and all labels equally likely.
        self.arc_weight = nn.Parameter(torch.zeros(arc_hidden + 1, arc_hidden))
        self.arc_weight_int8: nn.Module | None = None  # x @ arc_weight in int8, once quantized (models/quantize.py)
        self.distance = distance
        if distance:
            self.dep_distance = nn.Parameter(torch.zeros(arc_hidden + 1, N_DISTANCE_BUCKETS))
            self.head_distance = nn.Parameter(torch.zeros(arc_hidden, N_DISTANCE_BUCKETS))
        self.label_dep_factor = nn.Linear(label_hidden, label_hidden, bias=False)
        self.label_head_factor = nn.Linear(label_hidden, label_hidden, bias=False)
        self.label_weight = nn.Parameter(torch.zeros(label_hidden, n_labels))
        self.label_affine = nn.Linear(2 * label_hidden, n_labels)

    def forward(self, tokvecs: torch.Tensor, mask: torch.Tensor) -> ArcOutput:
        """Arc scores for all pairs and the label representations; ``mask`` is (batch, max_len) bool."""
        n_sents, max_len, width = tokvecs.shape
        nodes = torch.cat([self.root.expand(n_sents, 1, width), tokvecs], dim=1)
        nodes = self.input_dropout(nodes)
        tokens = nodes[:, 1:]
        arc_dep = _append_ones(self.arc_dep(tokens))
        arc_head = self.arc_head(nodes)
        by_weight = arc_dep @ self.arc_weight if self.arc_weight_int8 is None else self.arc_weight_int8(arc_dep)
        arc_scores = by_weight @ arc_head.transpose(1, 2)
        if self.distance:
            bucket = distance_buckets(max_len, mask.device).expand(n_sents, -1, -1)
            arc_scores = arc_scores + torch.gather(arc_dep @ self.dep_distance, 2, bucket)
            by_head = torch.gather((arc_head @ self.head_distance).transpose(1, 2), 1, bucket)
            arc_scores = arc_scores + by_head
        node_mask = torch.cat([mask.new_ones(n_sents, 1), mask], dim=1)
        positions = torch.arange(max_len + 1, device=mask.device)
        self_loop = positions[:max_len, None] + 1 == positions[None, :]
        forbidden = ~node_mask[:, None, :] | self_loop[None]
        arc_scores = arc_scores.masked_fill(forbidden, MASKED_SCORE)
        return ArcOutput(arc_scores, self.label_dep(tokens), self.label_head(nodes))

    def label_scores(self, dep_repr: torch.Tensor, head_repr: torch.Tensor, heads: torch.Tensor) -> torch.Tensor:
        """(batch, max_len, n_labels) label scores of each token's arc to ``heads`` (batch, max_len), values 0..max_len."""
        head_of_token = torch.gather(head_repr, 1, heads.unsqueeze(-1).expand(-1, -1, head_repr.shape[-1]))
        bilinear = (self.label_dep_factor(dep_repr) * self.label_head_factor(head_of_token)) @ self.label_weight
        return bilinear + self.label_affine(torch.cat([dep_repr, head_of_token], dim=-1))

    def loss(self, output: ArcOutput, gold_heads: torch.Tensor, gold_labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Head cross-entropy averaged over tokens with a gold head, plus label cross-entropy
        (at the gold head) averaged over tokens with both a gold head and a gold label.

        ``gold_heads`` and ``gold_labels`` are (batch, max_len) long, -1 where not annotated.
        The two means are summed, so the loss does not grow with batch size.
        """
        arc_loss, n_arcs, label_loss, n_labelled = self.loss_sums(output, gold_heads, gold_labels, mask)
        return arc_loss / max(n_arcs, 1) + label_loss / max(n_labelled, 1)

    def loss_sums(self, output: ArcOutput, gold_heads: torch.Tensor, gold_labels: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, int, torch.Tensor, int]:
        """The summed head and label cross-entropies with their token counts: what :meth:`loss`
        averages, for callers that score a batch in several groups."""
        head_targets = gold_heads.masked_fill(~mask, -1)
        label_targets = gold_labels.masked_fill(head_targets < 0, -1)
        arc_loss = nn.functional.cross_entropy(
            output.arc_scores.flatten(0, 1), head_targets.flatten(), ignore_index=-1, reduction="sum"
        )
        label_logits = self.label_scores(output.label_dep, output.label_head, head_targets.clamp(min=0))
        label_loss = nn.functional.cross_entropy(
            label_logits.flatten(0, 1), label_targets.flatten(), ignore_index=-1, reduction="sum"
        )
        return arc_loss, int((head_targets >= 0).sum()), label_loss, int((label_targets >= 0).sum())

    @torch.no_grad()
    def predict(self, output: ArcOutput, mask: torch.Tensor) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Well-formed single-rooted trees via :func:`mst.decode_batch` on arc log-probabilities,
        then the best label at each chosen head.

        Returns per sentence ``heads`` (int64, values 0..n, 0 = root) and ``labels`` (int64 label ids).
        """
        lengths = mask.sum(dim=1).cpu().numpy()
        log_probs = torch.log_softmax(output.arc_scores.float(), dim=-1).cpu().numpy()
        n_sents, max_len, n_nodes = log_probs.shape
        # mst expects a square matrix with a (ignored) row for the root as dependent.
        square = np.zeros((n_sents, n_nodes, n_nodes), dtype=log_probs.dtype)
        square[:, 1:, :] = log_probs
        heads = mst.decode_batch(square, lengths)
        padded_heads = np.zeros((n_sents, max_len), dtype=np.int64)
        for b, sentence_heads in enumerate(heads):
            padded_heads[b, : len(sentence_heads)] = sentence_heads
        label_logits = self.label_scores(
            output.label_dep, output.label_head, torch.from_numpy(padded_heads).to(output.arc_scores.device)
        )
        best_labels = label_logits.argmax(dim=-1).cpu().numpy()
        labels = [best_labels[b, : len(sentence_heads)] for b, sentence_heads in enumerate(heads)]
        return heads, labels
