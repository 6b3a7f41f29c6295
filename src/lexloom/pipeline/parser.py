"""`parser`: labelled dependency trees with a biaffine scorer and maximum-spanning-tree decoding.

Trees are built per sentence. During training the sentences are the gold ones;
at prediction the parser uses the Doc's sentence starts when something before
it set them (a `senter`, or the input), else its own sentence-start classifier,
trained jointly; with `joint_sents`, where that classifier is unsure, the trees the
sentences would get have a say (`lexloom.models.sentence_split`). Each sentence gets
exactly one root; any label set works, including non-projective UD trees.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Iterator, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from ..config.registry import registry
from ..models.biaffine import MASKED_SCORE, ArcOutput
from ..models.heads import ParserHeads
from ..models.sentence_split import best_split
from ..scoring import score_deps, score_sents
from ..tokens import Doc, Example
from .base import DataProblem, ModelSpec, TrainablePipe, default_tok2vec
from .batch import Batch
from .factories import factory


SET_LOGIT = 1e4  # the start log-odds of a token whose start something before the parser set


def segments_from_starts(starts: Sequence[np.ndarray]) -> list[tuple[int, int, int]]:
    """(doc index, start, end) of each sentence, from per-doc boolean sentence-start arrays."""
    out = []
    for b, s in enumerate(starts):
        n = len(s)
        if not n:
            continue
        idx = np.flatnonzero(s).tolist()
        if not idx or idx[0] != 0:
            idx = [0] + idx
        for a, e in zip(idx, idx[1:] + [n]):
            out.append((b, a, e))
    return out


# Longer sentences are cut before decoding: maximum-spanning-tree decoding grows faster than
# the square of a sentence's length, so one run-on "sentence" of thousands of words (a text
# without punctuation, a missed boundary) would make annotation time grow with its square.
MAX_SENTENCE_LENGTH = 300


def cut_long_segments(
    segments: Sequence[tuple[int, int, int]], start_scores: Sequence[np.ndarray], max_length: int = MAX_SENTENCE_LENGTH
) -> list[tuple[int, int, int]]:
    """Segments of at most `max_length` tokens: a longer one is cut where a sentence most likely
    starts (the highest of `start_scores[doc]`) in the second half of each `max_length` window."""
    out = []
    for b, s, e in segments:
        while e - s > max_length:
            low = s + max_length // 2
            cut = low + int(np.argmax(start_scores[b][low : s + max_length + 1]))
            out.append((b, s, cut))
            s = cut
        out.append((b, s, e))
    return out


def length_groups(segments: Sequence[tuple[int, int, int]], max_waste: float = 0.25, slack: int = 256) -> list[list[int]]:
    """Indices of `segments` grouped by sentence length, shortest first.

    Each group is padded to its longest sentence; a group grows while the padding stays
    within `max_waste` of its tokens (or `slack` cells). One 100-token sentence then no
    longer pads every 10-token sentence of its batch to 100: less memory, less compute.
    """
    order = sorted(range(len(segments)), key=lambda k: segments[k][2] - segments[k][1])
    groups: list[list[int]] = []
    group: list[int] = []
    tokens = 0
    for k in order:
        n = segments[k][2] - segments[k][1]
        padding = (len(group) + 1) * n - (tokens + n)
        if group and padding > max(max_waste * (tokens + n), slack):
            groups.append(group)
            group, tokens = [], 0
        group.append(k)
        tokens += n
    if group:
        groups.append(group)
    return groups


# With `joint_sents`, a token the classifier gives a start probability above JOINT_SURE starts
# a sentence; one above JOINT_CANDIDATE may, as `best_split` decides. Both only bound the
# search (widened to hold `sent_threshold` if it lies outside): the threshold is still
# `sent_threshold`, which `best_split` takes as its prior.
JOINT_SURE = 0.95
JOINT_CANDIDATE = 0.01


def _pieces(output: ArcOutput, pieces: Sequence[tuple[int, int, int]]) -> tuple[ArcOutput, torch.Tensor]:
    """The arc scores and label representations of pieces [a, e) of the rows `g` of
    `output`, as if the biaffine had scored each piece alone (its scores are pairwise, so
    they are the same numbers), and a mask of their tokens."""
    device = output.arc_scores.device
    g, a, e = (torch.tensor(column, device=device) for column in zip(*pieces))
    width = int((e - a).max())
    positions = torch.arange(width + 1, device=device)
    inside = positions[None, :] < (e - a)[:, None]  # (pieces, width + 1): the piece's words
    words = (a[:, None] + positions[None, :width]).clamp(max=output.arc_scores.shape[1] - 1)
    nodes = torch.where(positions[None, :] == 0, 0, (a[:, None] + positions[None, :]).clamp(max=output.arc_scores.shape[2] - 1))
    node_inside = torch.cat([inside.new_ones(len(pieces), 1), inside[:, :width]], dim=1)
    scores = output.arc_scores[g[:, None, None], words[:, :, None], nodes[:, None, :]]
    scores = scores.masked_fill(~node_inside[:, None, :], MASKED_SCORE)
    dep = output.label_dep[g[:, None], words]
    head = output.label_head[g[:, None], nodes]
    return ArcOutput(scores, dep, head), inside[:, :width]


def tree_problems(heads: np.ndarray, offset: int) -> set[str]:
    """Which of heads_outside_sentence, multiple_roots, cyclic_trees apply to one sentence.

    `heads` are the sentence's absolute head indices (-1 unset, own index = root), the
    sentence starting at token `offset`. A sentence with no heads set is not checked.
    """
    known = heads >= 0
    if not known.any():
        return set()
    n = len(heads)
    local = heads.astype(np.int64) - offset
    inside = known & (local >= 0) & (local < n)
    problems = set()
    if (known & ~inside).any():
        problems.add("heads_outside_sentence")
    if int((local == np.arange(n)).sum()) > 1:
        problems.add("multiple_roots")
    if _has_cycle(local.tolist(), inside.tolist()):
        problems.add("cyclic_trees")
    return problems


def _has_cycle(parent: list[int], valid: list[bool]) -> bool:
    """Whether following `parent` from some token returns to it (roots, unset and outside heads end a path)."""
    state = [0] * len(parent)  # 0 unseen, 1 on the current path, 2 ends at a root
    for start in range(len(parent)):
        path = []
        node = start
        while state[node] == 0:
            state[node] = 1
            path.append(node)
            if not valid[node] or parent[node] == node:
                break
            node = parent[node]
        else:
            if state[node] == 1:
                return True
        for k in path:
            state[k] = 2
    return False


class DependencyParser(TrainablePipe):
    data_checks = {
        "cyclic_trees": ("error", "sentences whose heads form a cycle"),
        "multiple_roots": ("error", "sentences with more than one root"),
        "heads_outside_sentence": ("error", "sentences with a head outside the sentence"),
    }

    def __init__(
        self, nlp, name: str, model: ModelSpec, use_doc_sents: bool = True, min_label_freq: int = 1, sent_threshold: float = 0.5, joint_sents: bool = False
    ):
        if not 0.0 < sent_threshold < 1.0:
            raise ValueError(f"{name}: sent_threshold is a probability strictly between 0 and 1, not {sent_threshold}")
        super().__init__(
            nlp, name, model, use_doc_sents=use_doc_sents, min_label_freq=min_label_freq, sent_threshold=sent_threshold, joint_sents=joint_sents
        )
        self._index: dict[str, int] = {}

    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        counts: Counter[str] = Counter()
        for eg in examples:
            strings = eg.reference.vocab.strings
            counts.update(strings[int(d)] for d in eg.reference._dep if d > 0)
        return sorted(label for label, c in counts.items() if c >= self.cfg["min_label_freq"])

    def _label_index(self) -> dict[str, int]:
        if len(self._index) != len(self._labels):
            self._index = {label: i for i, label in enumerate(self._labels)}
        return self._index

    # --- sentence batches ---------------------------------------------------------------
    def _gather(self, tokvecs: torch.Tensor, segments: list[tuple[int, int, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Regroup (docs, length, width) into (sentences, sentence length, width) plus a mask."""
        lengths = torch.tensor([e - s for _, s, e in segments], dtype=torch.long)
        width = int(lengths.max()) if len(segments) else 1
        T = tokvecs.shape[1]
        starts = torch.tensor([b * T + s for b, s, _ in segments], dtype=torch.long)
        pos = torch.arange(width)
        mask = pos[None, :] < lengths[:, None]
        index = (starts[:, None] + pos[None, :]).masked_fill(~mask, 0)
        flat = tokvecs.reshape(-1, tokvecs.shape[-1])
        sents = flat[index.to(flat.device)] * mask.to(flat.device).unsqueeze(-1).to(flat.dtype)
        return sents, mask.to(flat.device)

    # --- verbs ----------------------------------------------------------------------------
    def forward(self, batch: Batch):
        tokvecs = self.tokvecs(batch)
        sent_logits = self.model.head.senter(tokvecs)[batch.mask]
        return tokvecs, sent_logits

    def get_loss(self, examples: Sequence[Example], batch: Batch, output) -> torch.Tensor:
        tokvecs, sent_logits = output
        index = self._label_index()
        starts, heads, labels = [], [], []
        for eg in examples:
            s = eg.get_aligned("sent_start")
            starts.append(s)
            heads.append(eg.get_aligned("head"))
            dep_ids = eg.get_aligned("dep")
            strings = eg.reference.vocab.strings
            labels.append(np.array([index.get(strings[int(d)], -1) if d > 0 else -1 for d in dep_ids], dtype=np.int64))
        sent_gold = batch.flat_targets([np.where(s == 1, 1, np.where(s == -1, 0, -1)) for s in starts])
        loss = F.cross_entropy(sent_logits, sent_gold, ignore_index=-1) if (sent_gold >= 0).any() else sent_logits.sum() * 0
        segments = segments_from_starts([s == 1 for s in starts])
        biaffine = self.model.head.biaffine
        arc_loss = label_loss = 0.0
        n_arcs = n_labelled = 0
        for group in length_groups(segments):
            group_segments = [segments[k] for k in group]
            sents, mask = self._gather(tokvecs, group_segments)
            L = mask.shape[1]
            gold_heads = np.full((len(group), L), -1, dtype=np.int64)
            gold_labels = np.full((len(group), L), -1, dtype=np.int64)
            for k, (b, s, e) in enumerate(group_segments):
                h = heads[b][s:e]
                rel = np.where(h == np.arange(s, e), 0, h - s + 1)
                rel[(h < 0) | (h < s) | (h >= e)] = -1
                gold_heads[k, : e - s] = rel
                gold_labels[k, : e - s] = labels[b][s:e]
            device = tokvecs.device
            sums = biaffine.loss_sums(biaffine(sents, mask), torch.from_numpy(gold_heads).to(device), torch.from_numpy(gold_labels).to(device), mask)
            arc_loss, n_arcs = arc_loss + sums[0], n_arcs + sums[1]
            label_loss, n_labelled = label_loss + sums[2], n_labelled + sums[3]
        return loss + arc_loss / max(n_arcs, 1) + label_loss / max(n_labelled, 1)

    def predict(self, batch: Batch):
        with torch.no_grad():
            tokvecs, sent_logits = self.forward(batch)
            logits = batch.split((sent_logits[:, 1] - sent_logits[:, 0]).cpu().numpy())
            joint = self.cfg["joint_sents"]
            # with `joint_sents` only sure starts cut regions here; the trees decide the rest
            threshold = self.cfg["sent_threshold"]
            cut = _log_odds(max(JOINT_SURE, threshold) if joint else threshold)
            starts, given = [], []
            for k, doc in enumerate(batch.docs):
                preset = doc._sent_start if self.cfg["use_doc_sents"] else np.zeros_like(doc._sent_start)
                given.append(len(doc) > 1 and bool((preset[1:] != 0).all()))
                # a start set before the parser is kept, a "no start" too; the parser decides the rest
                logits[k] = np.where(preset == 1, SET_LOGIT, np.where(preset == -1, -SET_LOGIT, logits[k]))
                starts.append(preset == 1 if given[-1] else logits[k] > cut)
            regions = cut_long_segments(segments_from_starts(starts), logits)
            # with `joint_sents`, how many tokens up to each one could start a sentence
            lowest = _log_odds(min(JOINT_CANDIDATE, threshold))
            possible = [np.cumsum((logit > lowest) & (not g)) for logit, g in zip(logits, given)] if joint else None
            decoded: list[tuple[tuple[int, int, int], np.ndarray, np.ndarray]] = []
            biaffine = self.model.head.biaffine
            for group in length_groups(regions):
                group_regions = [regions[k] for k in group]
                sents, mask = self._gather(tokvecs, group_regions)
                output = biaffine(sents, mask)
                unsure = [joint and possible[b][e - 1] > possible[b][s] for b, s, e in group_regions]
                arcs = output.arc_scores.double().cpu().numpy() if any(unsure) else None
                pieces = [
                    (g, a, e)
                    for g, (b, s, e) in enumerate(group_regions)
                    for a, e in (self._split(arcs[g], logits[b][s:e], lowest) if unsure[g] else [(0, e - s)])
                ]
                if len(pieces) > len(group):
                    output, mask = _pieces(output, pieces)
                group_heads, group_labels = biaffine.predict(output, mask)
                for (g, a, e), h, lab in zip(pieces, group_heads, group_labels):
                    b, s, _ = group_regions[g]
                    decoded.append(((b, s + a, s + e), h, lab))
            decoded.sort(key=lambda item: item[0])  # back in document order, as `set_annotations` reads them
            segments = [segment for segment, _, _ in decoded]
            # a piece cut from a sentence something before the parser set stays in that sentence
            continued = [given[b] and s > 0 and not starts[b][s] for b, s, _ in segments]
        return segments, [h for _, h, _ in decoded], [lab for _, _, lab in decoded], continued

    def _split(self, arc_scores: np.ndarray, logits: np.ndarray, lowest: float) -> list[tuple[int, int]]:
        """[start, end) sentences of one region, chosen with the region's trees (`best_split`)
        among the tokens whose start logit the classifier puts above `lowest`."""
        n = len(logits)
        candidates = np.flatnonzero(logits[1:] > lowest) + 1
        picked = logits[candidates].astype(np.float64)
        log_p, log_not_p = -np.logaddexp(0.0, -picked), -np.logaddexp(0.0, picked)
        return best_split(arc_scores[:n, : n + 1], candidates.tolist(), log_p, log_not_p, -_log_odds(self.cfg["sent_threshold"]))

    def set_annotations(self, docs: Sequence[Doc], scores) -> None:
        """Heads and labels per sentence. A sentence the parser cut for its length (see
        `cut_long_segments`) stays one sentence where its boundaries were given (a segmenter,
        a senter, the input decides them, not the parser): each later piece's root is attached
        to the previous piece's root as `parataxis`, UD's relation for run-on clauses."""
        segments, heads, labels, continued = scores
        if not docs:
            return
        add = docs[0].vocab.strings.add
        table = np.array([add(label) for label in self._labels] or [0], dtype=np.int32)
        run_on = add("parataxis")
        # multi-word tokens are kept per sentence: they follow the sentences set here
        mwts = {b: docs[b].multiword_tokens() for b in {b for b, _, _ in segments}}
        previous_root = -1
        for (b, s, e), h, lab, cont in zip(segments, heads, labels, continued):
            doc = docs[b]
            h = np.asarray(h, dtype=np.int64)
            doc._head[s:e] = np.where(h == 0, np.arange(s, e), h - 1 + s)
            doc._dep[s:e] = table[np.asarray(lab, dtype=np.int64)]
            roots = s + np.flatnonzero(doc._head[s:e] == np.arange(s, e))
            if cont and previous_root >= 0 and len(roots):
                doc._head[roots[0]] = previous_root
                doc._dep[roots[0]] = run_on
                doc._sent_start[s : e] = -1
            else:
                doc._sent_start[s] = 1
                doc._sent_start[s + 1 : e] = -1
            previous_root = int(roots[0]) if len(roots) else -1
        for b, ranges in mwts.items():
            if ranges:
                docs[b].set_multiword_tokens(ranges)

    def score(self, examples: Sequence[Example]) -> dict:
        """`dep_uas`, `dep_las`, `dep_las_per_type` and the sentence scores (`sents_f`, ...)."""
        examples = list(examples)
        return {**score_deps(examples), **score_sents(examples)}

    def check_gold(self, doc: Doc) -> Iterator[DataProblem]:
        """Sentences whose heads do not form one tree."""
        heads = doc._head
        for sent in doc.sents:
            for problem in sorted(tree_problems(heads[sent.start : sent.end], sent.start), key=list(self.data_checks).index):
                yield DataProblem(problem, sent.start, sent.end)


@registry.architectures("lexloom.BiaffineParser.v1")
def biaffine_parser(tok2vec, arc_hidden: int = 256, label_hidden: int = 96, dropout: float = 0.25, distance: bool = False) -> ModelSpec:
    """`distance`: arc scores with terms for the head's side and distance from its dependent
    (`lexloom.models.biaffine.distance_buckets`)."""

    def build(width: int, n_labels: int) -> ParserHeads:
        return ParserHeads(width, n_labels, arc_hidden, label_hidden, dropout, distance)

    return ModelSpec(tok2vec, build)


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.BiaffineParser.v1", "tok2vec": default_tok2vec()}}


@factory(
    "parser", DEFAULT_CONFIG, assigns=["token.dep", "token.head", "token.is_sent_start"], default_score_weights={"dep_uas": 0.5, "dep_las": 0.5},
    listens=True,
)
def make_parser(
    nlp, name: str, model: ModelSpec, use_doc_sents: bool = True, min_label_freq: int = 1, sent_threshold: float = 0.5, joint_sents: bool = False
) -> DependencyParser:
    """`sent_threshold`: in a Doc that comes without sentences, a token starts one where the
    parser's sentence classifier gives it a probability above this. With `joint_sents`, where
    the classifier is unsure the trees weigh in too (`lexloom.models.sentence_split`)."""
    return DependencyParser(
        nlp, name, model, use_doc_sents=use_doc_sents, min_label_freq=min_label_freq, sent_threshold=sent_threshold, joint_sents=joint_sents
    )


def _log_odds(p: float) -> float:
    return float(np.log(p / (1.0 - p)))
