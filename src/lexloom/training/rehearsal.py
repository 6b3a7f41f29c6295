"""Updating a trained (sourced) component without forgetting: new labels, and rehearsal on raw text."""
from __future__ import annotations

import random
from typing import Callable, Iterable

from rich.console import Console

from ..language import Language
from ..tokens import Doc, Example
from . import distributed


class Rehearsal:
    """With `[training] rehearse_ratio > 0` and a raw-text corpus, mix the original pipeline's own
    predictions on raw text into every batch, so updating it does not forget what it knew."""

    def __init__(self, nlp: Language, teacher: list[Doc], ratio: float):
        self.nlp = nlp
        self.teacher = teacher
        self.ratio = ratio
        self.rng = random.Random(0)

    def __call__(self, n_words: int) -> list[Example]:
        out, words = [], 0
        while self.teacher and words < n_words * self.ratio:
            ref = self.rng.choice(self.teacher)
            out.append(Example(Doc(self.nlp.vocab, words=ref.words, spaces=ref.spaces), ref))
            words += len(ref)
        return out


def make_rehearsal(nlp: Language, T: dict, sourced: set[str], corpora: dict) -> Rehearsal | None:
    ratio = float(T.get("rehearse_ratio", 0.0))
    if not ratio or "raw" not in corpora:
        return None
    raw_docs = [eg.reference for eg in corpora["raw"](nlp)]
    keep = sourced | {nlp.get_pipe(n).listener.upstream for n in sourced if nlp.get_pipe(n).listener is not None}
    if any("doc.ents" in nlp.get_pipe_meta(n).assigns for n in keep):
        # The teacher predicts the entities: any in the raw text would be kept as given.
        for doc in raw_docs:
            doc.set_ent_tags(["-"] * len(doc))
    with nlp.select_pipes(enable=sorted(keep)):
        teacher = list(nlp.pipe(raw_docs))
    return Rehearsal(nlp, teacher, ratio)


def add_new_labels(nlp: Language, names: list[str], get_examples: Callable[[], Iterable[Example]]) -> None:
    """A sourced component keeps its labels and weights and gains the training data's new
    labels (e.g. GADGET for a trained NER), each a fresh output row. Called after the
    rehearsal teacher has annotated, so the teacher never predicts a label it never learned."""
    for name in names:
        if not nlp.get_pipe_meta(name).grows_labels:
            continue  # its label set is fixed (e.g. the lemmatizer's edit trees)
        proc = nlp.get_pipe(name)
        new = [label for label in proc.labels_from(get_examples()) if label not in proc.labels]
        for label in new:
            proc.add_label(label)
        if new and distributed.is_main():
            Console(stderr=True).print(f"{name}: new labels from the training data: {', '.join(new)}")
