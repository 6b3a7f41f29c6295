"""`trainable_lemmatizer`: predicts an edit tree per token and applies it to the form.

Edit trees are learned from the training data (see `edit_trees.py`). The
classifier scores every frequent tree; the best-scoring tree that applies to
the form gives the lemma, and a form no candidate fits backs off to itself.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch

from ..tokens import Doc, Example
from .base import ModelSpec, default_tok2vec
from .batch import Batch
from .factories import factory
from .edit_trees import EditTrees
from .tagger import Tagger


class EditTreeLemmatizer(Tagger):
    attr = "lemma"

    def __init__(self, nlp, name: str, model: ModelSpec, min_tree_freq: int = 2, top_k: int = 3, label_smoothing: float = 0.0):
        super().__init__(nlp, name, model, label_smoothing=label_smoothing, min_tree_freq=min_tree_freq, top_k=top_k)
        self.trees = EditTrees()
        self._pair_cache: dict[tuple[str, str], int] = {}

    def _tree(self, form: str, lemma: str) -> int:
        key = (form, lemma)
        tree = self._pair_cache.get(key)
        if tree is None:
            tree = self._pair_cache[key] = self.trees.add(form, lemma)
        return tree

    def gold_strings(self, example: Example) -> list[str | None]:
        lemmas = example.get_aligned("lemma")
        strings = example.reference.vocab.strings
        forms = example.predicted.words
        return [str(self._tree(f, strings[int(l)])) if l > 0 else None for f, l in zip(forms, lemmas.tolist())]

    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        counts: Counter[str] = Counter()
        for eg in examples:
            counts.update(s for s in self.gold_strings(eg) if s)
        frequent = [t for t, c in counts.items() if c >= self.cfg["min_tree_freq"]]
        return sorted(frequent, key=lambda t: (-counts[t], int(t)))

    def predict(self, batch: Batch) -> np.ndarray:
        with torch.no_grad():
            logits = self.forward(batch)
            k = min(self.cfg["top_k"], logits.shape[-1])
            return logits.topk(k, dim=-1).indices.cpu().numpy()

    def set_annotations(self, docs: Sequence[Doc], candidates: np.ndarray) -> None:
        if not len(docs):
            return
        tree_ids = [int(label) for label in self._labels]
        strings = docs[0].vocab.strings
        add = strings.add
        apply = self.trees.apply
        row = 0
        for doc in docs:
            out = doc._lemma
            for i, orth in enumerate(doc._orth.tolist()):
                form = strings[orth]
                lemma = None
                for c in candidates[row].tolist():
                    lemma = apply(tree_ids[c], form)
                    if lemma:
                        break
                out[i] = add(lemma or form)
                row += 1

    def save_extra(self, path: Path) -> None:
        (path / "trees.json").write_text(json.dumps(self.trees.to_json(), ensure_ascii=False), encoding="utf8")

    def load_extra(self, path: Path) -> None:
        self.trees = EditTrees.from_json(json.loads((path / "trees.json").read_text(encoding="utf8")))


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": default_tok2vec()}, "min_tree_freq": 2, "top_k": 3}


# Its labels are edit trees learned at initialization: a trained lemmatizer cannot add any.
@factory("trainable_lemmatizer", DEFAULT_CONFIG, assigns=["token.lemma"], default_score_weights={"lemma_acc": 1.0}, listens=True)
def make_lemmatizer(nlp, name: str, model: ModelSpec, min_tree_freq: int = 2, top_k: int = 3, label_smoothing: float = 0.0) -> EditTreeLemmatizer:
    return EditTreeLemmatizer(nlp, name, model, min_tree_freq=min_tree_freq, top_k=top_k, label_smoothing=label_smoothing)
