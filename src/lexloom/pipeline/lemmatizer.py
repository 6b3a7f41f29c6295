"""`trainable_lemmatizer`: predicts an edit tree per token and applies it to the form.

Edit trees are learned from the training data (see `edit_trees.py`). A label is a tree and
what it does to the form's case (`case_rule`, as UDPipe 2 splits its lemma rules):
sentence-initial "The" -> "the" and "Every" -> "every" share one label (lower the case, keep
the word), where bare trees need one per first letter, and "samantha" -> "Samantha" shares
that of "kerala" -> "Kerala". The classifier scores every frequent label; the best-scoring one
that fits the form gives the lemma, and a form no candidate fits backs off to itself.

With `lookup`, a form seen in training with the same UPOS (as the pipeline predicts it; the
form alone where nothing sets UPOS) takes the lemma it had there, where at least
`LOOKUP_SHARE` of its occurrences agree; the classifier lemmatizes the rest (as Stanza's and
UDPipe's lemmatizers do).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import torch

from ..files import atomic_write_text
from ..tokens import Doc, Example
from .base import ModelSpec, default_tok2vec
from .batch import Batch
from .factories import factory
from .edit_trees import EditTrees
from .tagger import Tagger

# A label's case rule, before its tree id: LOWER lowercases the form before the tree reads it,
# TITLE capitalises the first letter of what the tree makes; no prefix keeps the form's case.
LOWER, TITLE = "L", "T"

# the share of a (form, UPOS) pair's training occurrences its most frequent lemma must have
LOOKUP_SHARE = 0.9


def case_rule(form: str, lemma: str) -> tuple[str, str, str]:
    """(rule, form, lemma) for the tree: LOWER where the lemma is lower case and the form is
    not; TITLE where the lemma starts with a capital and the form with a small letter."""
    if lemma == lemma.lower() and form != form.lower():
        return LOWER, form.lower(), lemma
    if lemma[:1].isupper() and form[:1].islower():
        return TITLE, form, lemma[:1].lower() + lemma[1:]
    return "", form, lemma


def parse_label(label: str) -> tuple[str, int]:
    """("L" | "T" | "", tree id) of a label; labels of models trained before case rules are bare tree ids."""
    rule = label[:1] if label[:1] in (LOWER, TITLE) else ""
    return rule, int(label[len(rule) :])


class EditTreeLemmatizer(Tagger):
    attr = "lemma"

    def __init__(
        self, nlp, name: str, model: ModelSpec, min_tree_freq: int = 2, top_k: int = 3, label_smoothing: float = 0.0, lookup: bool = True
    ):
        super().__init__(nlp, name, model, label_smoothing=label_smoothing, min_tree_freq=min_tree_freq, top_k=top_k, lookup=lookup)
        self.trees = EditTrees()
        self.table: dict[tuple[str, str], str] = {}  # (form, UPOS or "") -> lemma, with `lookup`
        self._pair_cache: dict[tuple[str, str], str] = {}
        self._rules: list[tuple[str, int]] = []
        # (rule, form's string id) -> lemma string id, or 0 when the tree does not fit; and
        # (form, UPOS string ids) -> the table's lemma id, or 0: most tokens are frequent words,
        # whose trees need not be applied again. For one StringStore.
        self._lemma_cache: dict[tuple[tuple[str, int], int], int] = {}
        self._table_cache: dict[tuple[int, int], int] = {}
        self._cache_strings = None

    def _label(self, form: str, lemma: str) -> str:
        key = (form, lemma)
        label = self._pair_cache.get(key)
        if label is None:
            rule, tree_form, tree_lemma = case_rule(form, lemma)
            label = self._pair_cache[key] = rule + str(self.trees.add(tree_form, tree_lemma))
        return label

    def _apply(self, rule: tuple[str, int], form: str) -> str | None:
        case, tree = rule
        made = self.trees.apply(tree, form.lower() if case == LOWER else form)
        if made and case == TITLE:
            made = made[:1].upper() + made[1:]
        return made

    def gold_strings(self, example: Example) -> list[str | None]:
        lemmas = example.get_aligned("lemma")
        strings = example.reference.vocab.strings
        forms = example.predicted.words
        return [self._label(f, strings[int(l)]) if l > 0 else None for f, l in zip(forms, lemmas.tolist())]

    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        counts: Counter[str] = Counter()
        for eg in examples:
            counts.update(s for s in self.gold_strings(eg) if s)
        frequent = [t for t, c in counts.items() if c >= self.cfg["min_tree_freq"]]
        return sorted(frequent, key=lambda t: (-counts[t], t))

    def initialize(self, get_examples: Callable[[], Iterable[Example]], labels: Sequence[str] | None = None) -> None:
        super().initialize(get_examples, labels)
        if self.cfg["lookup"] and not self.table:
            self.table = self.lookup_from(get_examples())

    @staticmethod
    def lookup_from(examples: Iterable[Example]) -> dict[tuple[str, str], str]:
        """(form, UPOS) -> lemma, and (form, "") -> lemma, for the pairs of the gold Docs whose
        most frequent lemma has at least `LOOKUP_SHARE` of their occurrences."""
        counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for eg in examples:
            ref = eg.reference
            strings = ref.vocab.strings
            for form, pos, lemma in zip(ref.words, ref._pos.tolist(), ref._lemma.tolist()):
                if lemma > 0:
                    counts[(form, strings[pos] if pos > 0 else "")][strings[lemma]] += 1
                    if pos > 0:
                        counts[(form, "")][strings[lemma]] += 1
        table = {}
        for key, lemmas in counts.items():
            lemma, n = lemmas.most_common(1)[0]
            if n >= LOOKUP_SHARE * sum(lemmas.values()):
                table[key] = lemma
        return table

    def predict(self, batch: Batch) -> np.ndarray:
        with torch.no_grad():
            logits = self.forward(batch)
            k = min(self.cfg["top_k"], logits.shape[-1])
            return logits.topk(k, dim=-1).indices.cpu().numpy()

    def set_annotations(self, docs: Sequence[Doc], candidates: np.ndarray) -> None:
        if not len(docs):
            return
        if len(self._rules) != len(self._labels):
            self._rules = [parse_label(label) for label in self._labels]
        rules, table = self._rules, (self.table if self.cfg["lookup"] else {})
        strings = docs[0].vocab.strings
        cache, table_cache = self._lemma_cache, self._table_cache
        if len(cache) + len(table_cache) > 200_000 or self._cache_strings is not strings:
            cache.clear()
            table_cache.clear()
            self._cache_strings = strings
        row = 0
        for doc in docs:
            out = doc._lemma
            for i, (orth, pos) in enumerate(zip(doc._orth.tolist(), doc._pos.tolist())):
                lemma = 0
                if table:
                    lemma = table_cache.get((orth, pos))
                    if lemma is None:
                        found = table.get((strings[orth], strings[pos] if pos > 0 else ""))
                        lemma = table_cache[orth, pos] = strings.add(found) if found else 0
                if not lemma:
                    for c in candidates[row].tolist():
                        key = (rules[c], orth)
                        lemma = cache.get(key)
                        if lemma is None:
                            made = self._apply(key[0], strings[orth])
                            lemma = cache[key] = strings.add(made) if made else 0
                        if lemma:
                            break
                out[i] = lemma or orth
                row += 1

    def save_extra(self, path: Path) -> None:
        atomic_write_text(path / "trees.json", json.dumps(self.trees.to_json(), ensure_ascii=False))
        if self.table:
            rows = sorted([form, pos, lemma] for (form, pos), lemma in self.table.items())
            atomic_write_text(path / "lookup.json", json.dumps(rows, ensure_ascii=False))

    def load_extra(self, path: Path) -> None:
        self.trees = EditTrees.from_json(json.loads((path / "trees.json").read_text(encoding="utf8")))
        self.table = {}
        if (path / "lookup.json").exists():
            rows = json.loads((path / "lookup.json").read_text(encoding="utf8"))
            if not all(isinstance(r, list) and len(r) == 3 and all(isinstance(s, str) for s in r) for r in rows):
                raise ValueError(f"{path / 'lookup.json'}: expected a list of [form, UPOS, lemma] string triples")
            self.table = {(form, pos): lemma for form, pos, lemma in rows}
        self._lemma_cache.clear()
        self._table_cache.clear()


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": default_tok2vec()}, "min_tree_freq": 2, "top_k": 3, "lookup": True}


# Its labels are edit trees learned at initialization: a trained lemmatizer cannot add any.
@factory("trainable_lemmatizer", DEFAULT_CONFIG, assigns=["token.lemma"], default_score_weights={"lemma_acc": 1.0}, listens=True)
def make_lemmatizer(
    nlp, name: str, model: ModelSpec, min_tree_freq: int = 2, top_k: int = 3, label_smoothing: float = 0.0, lookup: bool = True
) -> EditTreeLemmatizer:
    """`lookup`: a form seen in training with its UPOS takes the lemma it had there (see the module's docstring)."""
    return EditTreeLemmatizer(nlp, name, model, min_tree_freq=min_tree_freq, top_k=top_k, label_smoothing=label_smoothing, lookup=lookup)
