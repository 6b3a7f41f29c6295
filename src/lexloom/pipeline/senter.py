"""`senter`: sentence boundaries as a per-token binary decision. Like spaCy's, it decides
only the tokens nothing before it decided (a start or a "no start" given with the input or
set by an earlier component is kept), unless `overwrite` is set."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..scoring import score_sents
from ..tokens import Doc, Example
from .base import ModelSpec, default_tok2vec
from .factories import factory
from .tagger import Tagger

START, INSIDE = "S", "I"


class SentenceRecognizer(Tagger):
    def labels_from(self, examples) -> list[str]:
        return [INSIDE, START]

    def gold_strings(self, example: Example) -> list[str | None]:
        starts = example.get_aligned("sent_start")
        return [START if s == 1 else INSIDE if s == -1 else None for s in starts.tolist()]

    def set_annotations(self, docs: Sequence[Doc], label_ids: np.ndarray) -> None:
        start = self._labels.index(START)
        offset = 0
        for doc in docs:
            ids = label_ids[offset : offset + len(doc)]
            mwts = doc.multiword_tokens()  # kept per sentence: they follow the new sentences
            predicted = np.where(ids == start, 1, -1)
            doc._sent_start[:] = predicted if self.cfg.get("overwrite") else np.where(doc._sent_start != 0, doc._sent_start, predicted)
            if len(doc):
                doc._sent_start[0] = 1
            if mwts:
                doc.set_multiword_tokens(mwts)
            offset += len(doc)

    def score(self, examples: Sequence[Example]) -> dict:
        """`sents_p`, `sents_r`, `sents_f`."""
        return score_sents(examples)


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": default_tok2vec()}}


@factory("senter", DEFAULT_CONFIG, assigns=["token.is_sent_start"], default_score_weights={"sents_f": 1.0}, listens=True)
def make_senter(nlp, name: str, model: ModelSpec, label_smoothing: float = 0.0, overwrite: bool = False) -> SentenceRecognizer:
    return SentenceRecognizer(nlp, name, model, label_smoothing=label_smoothing, overwrite=overwrite)
