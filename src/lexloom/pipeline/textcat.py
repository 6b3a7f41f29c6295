"""`textcat` (exactly one class per text) and `textcat_multilabel` (independent labels).

The two share everything but the output: softmax with cross-entropy for exclusive
classes, sigmoids with binary cross-entropy (and a `threshold`) for multi-label.
The ensemble model adds a linear bag of hashed n-grams, which sees the whole
text, to a classifier over mean- and max-pooled token vectors of the first
`max_tokens` tokens (texts such as GitHub issues can be thousands of tokens long).
Besides the ensemble's loss, each member is trained on its own loss weighted by
`member_loss`: otherwise the bag of n-grams, which memorizes a small training set
within a few epochs, leaves the encoder without gradient.

With `n_models` above 1 the component holds that many such models and averages their
probabilities. On a few hundred training texts one model's scores move by a point or more
with the seed, and the average of a few is both better and steadier. Trained side by side
in one run the models see the same batches and share one best checkpoint; trained apart,
each with its own seed, and joined by `lexloom ensemble` (ensemble.py) they gain more
(benchmarks/RESULTS.md, "Text classification").

Scores use spaCy's `cats_*` keys; in a pipeline with several text classifiers, each
reports its own under `{name}_cats_*` (e.g. `topics_cats_score`).
"""
from __future__ import annotations

import warnings
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..config.registry import registry
from ..models.textcat import TextCatHead
from ..scoring import score_cats
from ..tokens import Doc, Example
from .base import DataProblem, ModelSpec, TrainablePipe, default_tok2vec
from .batch import Batch
from .factories import factory
from .features import FeatureExtractor

_HASH_ROWS = 2**31 - 1
# A category value at or above this is a positive class.
POSITIVE = 0.5
_MIX = np.uint64(0x9E3779B97F4A7C15)


class TextCatSpec(ModelSpec):
    """What the textcat architectures resolve to: the head's settings and where token vectors
    come from (None for the bag of n-grams alone)."""

    def __init__(self, tok2vec, *, ngram_size: int, n_buckets: int, hidden: int = 64, dropout: float = 0.1, member_loss: float = 0.0,
                 n_models: int = 1):
        super().__init__(tok2vec, build=None, n_models=n_models)
        self.ngram_size = ngram_size
        self.n_buckets = n_buckets
        self.hidden = hidden
        self.dropout = dropout
        if member_loss < 0:
            raise ValueError(f"member_loss must be >= 0, got {member_loss}")
        self.member_loss = member_loss


@registry.architectures("lexloom.TextCatEnsemble.v1")
def textcat_ensemble(tok2vec, ngram_size: int = 2, n_buckets: int = 262144, hidden: int = 64, dropout: float = 0.1, member_loss: float = 0.0,
                     n_models: int = 1) -> TextCatSpec:
    """Bag of hashed 1..ngram_size-grams plus pooled token vectors, logits summed; each member
    also learns from its own loss, weighted by `member_loss` (0: the ensemble's loss alone).
    `n_models` such models (each with its own tok2vec, unless it listens to a shared one) have
    their probabilities averaged."""
    return TextCatSpec(tok2vec, ngram_size=ngram_size, n_buckets=n_buckets, hidden=hidden, dropout=dropout, member_loss=member_loss,
                       n_models=n_models)


@registry.architectures("lexloom.TextCatBOW.v1")
def textcat_bow(ngram_size: int = 2, n_buckets: int = 262144) -> TextCatSpec:
    """The bag of hashed n-grams alone: a linear model, fast and strong on short texts."""
    return TextCatSpec(None, ngram_size=ngram_size, n_buckets=n_buckets)


def hashed_ngrams(unigrams: np.ndarray, lengths: np.ndarray, ngram_size: int, n_buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket ids of every 1..ngram_size-gram of each doc, grouped by doc, and each doc's offset.

    `unigrams` holds one stable hash per token of all docs, concatenated. N-grams never
    cross a doc boundary.
    """
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    hashes = unigrams.astype(np.uint64)
    ids, owners = [hashes % np.uint64(n_buckets)], [doc_of]
    current = hashes
    for order in range(2, ngram_size + 1):
        if len(current) <= 1:
            break
        current = current[:-1] * _MIX + hashes[order - 1 :] + np.uint64(order)
        same_doc = doc_of[: len(current)] == doc_of[order - 1 :]
        ids.append(current[same_doc] % np.uint64(n_buckets))
        owners.append(doc_of[: len(current)][same_doc])
    ids_all, owners_all = np.concatenate(ids), np.concatenate(owners)
    order = np.argsort(owners_all, kind="stable")
    counts = np.bincount(owners_all, minlength=len(lengths))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return ids_all[order].astype(np.int64), offsets


def positive_labels(cats: dict[str, float], labels: Iterable[str] | None = None) -> list[str]:
    """The labels of `cats` with a positive value (among `labels`, when given)."""
    known = None if labels is None else set(labels)
    return [label for label, value in cats.items() if value >= POSITIVE and (known is None or label in known)]


class TextCategorizer(TrainablePipe):
    """Exclusive classes: `doc.cats` gets a probability per label, summing to 1."""

    multi_label = False
    threshold = 0.5
    data_checks = {"textcat_not_one_class": ("error", "docs without exactly one positive class of the exclusive textcat labels")}

    def __init__(self, nlp, name: str, model: TextCatSpec, max_tokens: int = 256, **cfg):
        super().__init__(nlp, name, model, max_tokens=max_tokens, **cfg)
        self._words = FeatureExtractor(["LOWER"], [_HASH_ROWS], n_seeds=1)

    # --- labels and gold ---------------------------------------------------------------------
    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        labels: set[str] = set()
        for eg in examples:
            labels.update(eg.reference.cats)
        return sorted(labels)

    def gold_problem(self, cats: dict[str, float], labels: Iterable[str] | None = None) -> str | None:
        """Why a reference's cats can't train this component (None when they can): among
        `labels` (by default this component's), exactly one must be positive."""
        positives = positive_labels(cats, self._labels if labels is None else labels)
        if len(positives) != 1:
            return f"{len(positives)} positive labels ({', '.join(positives) or 'none'}) for exclusive classes"
        return None

    def check_gold(self, doc: Doc) -> Iterator[DataProblem]:
        """A doc whose categories give not exactly one positive class (exclusive classes only)."""
        if self.gold_problem(doc.cats, labels=doc.cats):
            yield DataProblem("textcat_not_one_class", 0, len(doc), {"positive": positive_labels(doc.cats)})

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels: Sequence[str] | None = None) -> None:
        super().initialize(get_examples, labels)
        problems = [(eg.text[:50], p) for eg in get_examples() if eg.reference.cats and (p := self.gold_problem(eg.reference.cats))]
        if problems:
            shown = "; ".join(f"{text!r}: {why}" for text, why in problems[:3])
            warnings.warn(f"{self.name}: {len(problems)} training docs are skipped, e.g. {shown}", stacklevel=2)

    # --- model ------------------------------------------------------------------------------------
    @property
    def input_width(self) -> int:
        return self.spec.tok2vec.width if self.spec.tok2vec is not None else 0

    def build_head(self) -> TextCatHead:
        s = self.spec
        return TextCatHead(len(self._labels), n_buckets=s.n_buckets, width=self.input_width, hidden=s.hidden, dropout=s.dropout)

    def _grow_output(self, n_labels: int) -> None:
        for head, _ in self.models():
            head.grow(n_labels)

    def _bow_input(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        unigrams = self._words(batch.docs)[:, 0, 0]
        ids, offsets = hashed_ngrams(unigrams, batch.lengths, self.spec.ngram_size, self.spec.n_buckets)
        return torch.from_numpy(ids).to(batch.device), torch.from_numpy(offsets).to(batch.device)

    def _token_vectors(self, batch: Batch, tok2vec: nn.Module | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Token vectors of at most the first `max_tokens` tokens of each doc (from `tok2vec`, or
        the listened-to tok2vec when it is None), and their mask."""
        limit = int(self.cfg["max_tokens"]) or int(batch.lengths.max(initial=1))
        if tok2vec is None:
            return self.tokvecs(batch)[:, :limit], batch.mask[:, :limit]
        heads = [doc if len(doc) <= limit else doc.slice(0, limit) for doc in batch.docs]
        short = Batch(heads, batch.device)
        return tok2vec(short), short.mask

    # --- verbs ------------------------------------------------------------------------------------
    def forward(self, batch: Batch) -> torch.Tensor:
        """Member logits (n_models, n_members, n_docs, n_labels); a model's logits are the sum
        of its members'."""
        models = self.models()
        bow_input = self._bow_input(batch) if models[0][0].bow is not None else None
        out = []
        for head, tok2vec in models:
            tokvecs, mask = self._token_vectors(batch, tok2vec) if head.neural is not None else (None, None)
            out.append(head(bow_input, tokvecs, mask))
        return torch.stack(out)

    def get_loss(self, examples: Sequence[Example], batch: Batch, output: torch.Tensor) -> torch.Tensor:
        """Each model's loss, plus `member_loss` times each of its members' own."""
        gold = self.targets(examples, output.device)
        if gold is None:
            return output.sum() * 0.0
        loss = 0.0
        for members in output:
            loss = loss + self.objective(members.sum(dim=0), gold)
            if self.spec.member_loss and len(members) > 1:
                loss = loss + self.spec.member_loss * sum(self.objective(logits, gold) for logits in members)
        return loss

    def targets(self, examples: Sequence[Example], device) -> torch.Tensor | None:
        """Each reference's one positive label (-1: a doc without one, skipped); None when no doc has one."""
        index = {label: i for i, label in enumerate(self._labels)}
        gold = np.full(len(examples), -1, dtype=np.int64)
        for row, eg in enumerate(examples):
            cats = eg.reference.cats
            if cats and self.gold_problem(cats) is None:
                gold[row] = index[positive_labels(cats, index)[0]]
        return torch.from_numpy(gold).to(device) if (gold >= 0).any() else None

    def objective(self, logits: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
        """Cross-entropy against the `targets`."""
        return F.cross_entropy(logits, gold, ignore_index=-1)

    def scores(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax(logits, dim=-1)

    def predict(self, batch: Batch) -> np.ndarray:
        """Probabilities (n_docs, n_labels), averaged over the models."""
        with torch.no_grad():
            return self.scores(self.forward(batch).sum(dim=1)).mean(dim=0).float().cpu().numpy()

    def set_annotations(self, docs: Sequence[Doc], scores: np.ndarray) -> None:
        for doc, row in zip(docs, scores.tolist()):
            doc.cats.update(zip(self._labels, row))

    def score(self, examples: Sequence[Example]) -> dict:
        """spaCy's `cats_*` scores over this component's labels (`{name}_cats_*` when the
        pipeline has other text classifiers)."""
        scores = score_cats(examples, self.labels, self.multi_label, self.threshold)
        prefix = self._score_prefix()
        return scores if prefix == "cats" else {prefix + key[len("cats") :]: value for key, value in scores.items()}

    def default_score_weights(self) -> dict[str, float | None]:
        prefix = self._score_prefix()
        return {prefix + key[len("cats") :]: weight for key, weight in super().default_score_weights().items()}

    def _score_prefix(self) -> str:
        others = [n for n, p in self.nlp.components if n != self.name and isinstance(p, TextCategorizer)]
        return f"{self.name}_cats" if others else "cats"

    def chosen_labels(self, doc: Doc) -> list[str]:
        """The label with the highest score (exclusive classes) in an annotated doc."""
        present = [label for label in self._labels if label in doc.cats]
        return [max(present, key=doc.cats.__getitem__)] if present else []


class MultiLabelTextCategorizer(TextCategorizer):
    """Independent labels: `doc.cats` gets a sigmoid score per label; `threshold` decides."""

    multi_label = True
    data_checks = {}

    def __init__(self, nlp, name: str, model: TextCatSpec, max_tokens: int = 256, threshold: float = 0.5):
        super().__init__(nlp, name, model, max_tokens=max_tokens, threshold=threshold)
        self.threshold = threshold

    def gold_problem(self, cats: dict[str, float], labels: Iterable[str] | None = None) -> str | None:
        return None

    def targets(self, examples: Sequence[Example], device) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Each reference's value per label, and where it gives one (a missing label has no loss);
        None when no doc gives any."""
        n_labels = len(self._labels)
        truth = np.zeros((len(examples), n_labels), dtype=np.float32)
        known = np.zeros((len(examples), n_labels), dtype=np.float32)
        for row, eg in enumerate(examples):
            for col, label in enumerate(self._labels):
                value = eg.reference.cats.get(label)
                if value is not None:
                    truth[row, col] = value
                    known[row, col] = 1.0
        if not known.any():
            return None
        return torch.from_numpy(truth).to(device), torch.from_numpy(known).to(device)

    def objective(self, logits: torch.Tensor, gold: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Binary cross-entropy over the labels the `targets` give."""
        truth, known = gold
        losses = F.binary_cross_entropy_with_logits(logits[:, : truth.shape[1]], truth, reduction="none")
        return (losses * known).sum() / known.sum()

    def scores(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits)

    def chosen_labels(self, doc: Doc) -> list[str]:
        """Every label whose score reaches `threshold`."""
        return [label for label in self._labels if doc.cats.get(label, 0.0) >= self.threshold]


def _default_config(**extra) -> dict:
    model = {"@architectures": "lexloom.TextCatEnsemble.v1", "tok2vec": default_tok2vec(width=64, depth=2), "ngram_size": 2, "n_buckets": 262144, "hidden": 64, "dropout": 0.1}
    return {"model": model, "max_tokens": 256, **extra}


# Text classifiers keep their own tok2vec, which reads only the first `max_tokens` of long
# texts (a listener would encode them whole).
TEXTCAT_META = {"assigns": ["doc.cats"], "default_score_weights": {"cats_score": 1.0}, "grows_labels": True}


@factory("textcat", _default_config(), **TEXTCAT_META)
def make_textcat(nlp, name: str, model: TextCatSpec, max_tokens: int = 256) -> TextCategorizer:
    return TextCategorizer(nlp, name, model, max_tokens=max_tokens)


@factory("textcat_multilabel", _default_config(threshold=0.5), **TEXTCAT_META)
def make_textcat_multilabel(nlp, name: str, model: TextCatSpec, max_tokens: int = 256, threshold: float = 0.5) -> MultiLabelTextCategorizer:
    return MultiLabelTextCategorizer(nlp, name, model, max_tokens=max_tokens, threshold=threshold)
