"""`ner`: named entities as BILUO tags over tokens, decoded into valid non-overlapping spans.

A token classifier (over the shared tok2vec or its own) gives every token a
distribution over O and the B/I/L/U moves of each label; constrained Viterbi
decoding (models/biluo.py) then picks the best sequence that forms valid spans.
Unannotated tokens ("-" in the aligned gold) carry no loss; a reference Doc with
entity annotation and no entities teaches "O" everywhere.

Entities already in a Doc (set by an `entity_ruler` before the `ner`, say) are kept:
the recognizer predicts around them, never across them. Nor does an entity cross a
sentence boundary the Doc has (given with the input, or set by a component before):
annotation never does, and a model trained per sentence reads a Doc of ten sentences
as it reads ten Docs of one.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from ..config.registry import registry
from ..models import biluo
from ..models.heads import TokenClassifier
from ..scoring import score_spans
from ..tokens import Doc, Example, lexeme
from .base import DataProblem, ModelSpec, TrainablePipe, default_tok2vec
from .batch import Batch
from .factories import factory

# move index (B, I, L, U) -> Doc ent_iob code (3 = B, 1 = I)
_IOB_OF_MOVE = np.array([3, 1, 1, 3], dtype=np.int8)
LOSSES = ("crf", "softmax")


@registry.architectures("lexloom.EntityRecognizer.v1")
def entity_recognizer_model(tok2vec, hidden: int = 64, dropout: float = 0.1, n_models: int = 1) -> ModelSpec:
    """Per-token BILUO classes (1 + 4 per label) from token vectors, optionally behind a hidden
    layer. `n_models` such models (`lexloom ensemble` joins members trained apart) have their
    per-token class probabilities averaged before decoding."""

    def build(width: int, n_labels: int) -> TokenClassifier:
        return TokenClassifier(width, biluo.n_classes(n_labels), hidden=hidden, dropout=dropout)

    return ModelSpec(tok2vec, build, n_models=n_models)


def misaligned_entities(examples: Iterable[Example]) -> tuple[int, list[str]]:
    """How many reference entities do not fit the predicted tokenization, and a few of them.

    Such entities can't be learned: their tokens get no loss (the "-" of the aligned tags).
    """
    count, shown = 0, []
    for eg in examples:
        if eg.tokens_match() or not eg.reference.has_annotation("ENT_IOB"):
            continue
        for ent in eg.reference.ents:
            if eg.predicted.char_span(ent.start_char, ent.end_char) is None:
                count += 1
                if len(shown) < 3:
                    shown.append(f"{ent.text!r} ({ent.label_}) in {eg.text[:60]!r}")
    return count, shown


def preset_entities(doc: Doc) -> np.ndarray:
    """Which tokens of `doc` are inside an entity it already has."""
    return (doc._ent_iob == 1) | (doc._ent_iob == 3)


class EntityRecognizer(TrainablePipe):
    data_checks = {
        "entity_whitespace_edges": ("error", "entity spans starting or ending on a whitespace token"),
        "entity_punctuation_edges": ("warning", "entity spans starting or ending on a punctuation token"),
        "ents_partially_annotated": ("warning", "docs where some tokens have no entity annotation ('-'); the entity recognizer skips them"),
    }

    def __init__(self, nlp, name: str, model: ModelSpec, loss: str = "softmax"):
        if loss not in LOSSES:
            raise ValueError(f"{name}: loss must be one of {', '.join(LOSSES)}, not {loss!r}")
        super().__init__(nlp, name, model, loss=loss)
        self._class_index: dict[str, int] = {}

    # --- labels and gold ---------------------------------------------------------------------
    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        labels: set[str] = set()
        for eg in examples:
            labels.update(ent.label_ for ent in eg.reference.ents)
        return sorted(labels)

    def _grow_output(self, n_labels: int) -> None:
        for head, _ in self.models():
            head.grow(biluo.n_classes(n_labels))

    def _classes(self) -> dict[str, int]:
        if len(self._class_index) != biluo.n_classes(len(self._labels)):
            self._class_index = {tag: i for i, tag in enumerate(biluo.class_names(self._labels))}
        return self._class_index

    def gold_classes(self, examples: Sequence[Example]) -> list[np.ndarray]:
        """Per predicted token the gold class id; -1 where there is no gold ("-", or an unknown label)."""
        index = self._classes()
        return [np.array([index.get(tag, -1) for tag in eg.get_aligned_ents_biluo()], dtype=np.int64) for eg in examples]

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels: Sequence[str] | None = None) -> None:
        super().initialize(get_examples, labels)
        count, shown = misaligned_entities(get_examples())
        if count:
            warnings.warn(
                f"{self.name}: {count} reference entities do not align with the tokenization and get no "
                f"training signal, e.g. {'; '.join(shown)}",
                stacklevel=2,
            )

    # --- verbs ---------------------------------------------------------------------------------
    def forward(self, batch: Batch) -> torch.Tensor:
        """Logits (n_models, batch, length, classes), padded."""
        return torch.stack([head(self.tokvecs(batch) if tok2vec is None else tok2vec(batch)) for head, tok2vec in self.models()])

    def get_loss(self, examples: Sequence[Example], batch: Batch, logits: torch.Tensor) -> torch.Tensor:
        """Per-token cross-entropy ("softmax"), or the likelihood of the gold sequence among the
        valid ones ("crf", models/biluo.py), per token; "-" tokens carry no loss in both."""
        gold = batch.flat_targets(self.gold_classes(examples))
        if not (gold >= 0).any():
            return logits.sum() * 0.0
        if self.cfg["loss"] == "softmax":
            return sum(F.cross_entropy(model_logits[batch.mask], gold, ignore_index=-1) for model_logits in logits)
        padded = torch.full(batch.mask.shape, -1, dtype=torch.long, device=logits.device)
        padded[batch.mask] = gold
        return sum(biluo.constrained_crf_loss(model_logits, batch.mask, padded) for model_logits in logits) / batch.n_tokens

    def predict(self, batch: Batch) -> list[np.ndarray]:
        """The best valid class sequence of each doc (outside the entities it already has,
        within its sentences)."""
        with torch.no_grad():
            # the models' mean probabilities (with one model, its log-softmax exactly)
            per_model = torch.log_softmax(self.forward(batch).float(), dim=-1)
            log_probs = (torch.logsumexp(per_model, dim=0) - math.log(len(per_model))).cpu().numpy()
        continuing, opening = biluo.classes_of("IL", len(self._labels)), biluo.classes_of("BI", len(self._labels))
        for i, doc in enumerate(batch.docs):
            preset = preset_entities(doc)
            if preset.any():
                log_probs[i, : len(doc)][preset] = -np.inf
                log_probs[i, : len(doc)][preset, 0] = 0.0
            starts = np.array(doc._sent_bounds()[1:-1], dtype=np.int64)
            if len(starts):
                log_probs[i][np.ix_(starts, continuing)] = -np.inf
                log_probs[i][np.ix_(starts - 1, opening)] = -np.inf
        paths = biluo.viterbi_biluo(log_probs, batch.lengths)
        return [paths[i, :n] for i, n in enumerate(batch.lengths)]

    def set_annotations(self, docs: Sequence[Doc], paths: Sequence[np.ndarray]) -> None:
        if not len(docs):
            return
        add = docs[0].vocab.strings.add
        label_ids = np.array([0] + [add(label) for label in self._labels], dtype=np.int32)
        for doc, path in zip(docs, paths):
            entity = path > 0
            label = np.where(entity, (path - 1) // 4 + 1, 0)
            iob, types = np.where(entity, _IOB_OF_MOVE[(path - 1) % 4], 2), label_ids[label]
            preset = preset_entities(doc)
            if preset.any():
                iob, types = np.where(preset, doc._ent_iob, iob), np.where(preset, doc._ent_type, types)
            doc._ent_iob[:] = iob
            doc._ent_type[:] = types
            doc._clear_ent_ids(~preset)  # the entities given before keep their ids

    def score(self, examples: Sequence[Example]) -> dict:
        """`ents_p`, `ents_r`, `ents_f` and `ents_per_type`."""
        return score_spans(examples, "ents")

    def check_gold(self, doc: Doc) -> Iterator[DataProblem]:
        """Partly annotated docs; entities that start or end on whitespace (an error) or punctuation."""
        iob = doc._ent_iob
        if (iob == 0).any() and (iob != 0).any():
            yield DataProblem("ents_partially_annotated", 0, len(doc), {"unannotated": int((iob == 0).sum())})
        for ent in doc.ents:
            edges = (doc[ent.start].text, doc[ent.end - 1].text)
            if any(text.isspace() for text in edges):
                yield DataProblem("entity_whitespace_edges", ent.start, ent.end, {"label": ent.label_})
            elif any(lexeme.is_punct(text) for text in edges):
                yield DataProblem("entity_punctuation_edges", ent.start, ent.end, {"label": ent.label_})


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.EntityRecognizer.v1", "tok2vec": default_tok2vec(), "hidden": 64, "dropout": 0.1}, "loss": "softmax"}


@factory("ner", DEFAULT_CONFIG, assigns=["doc.ents"], default_score_weights={"ents_f": 1.0}, listens=True, grows_labels=True)
def make_ner(nlp, name: str, model: ModelSpec, loss: str = "softmax") -> EntityRecognizer:
    return EntityRecognizer(nlp, name, model, loss=loss)
