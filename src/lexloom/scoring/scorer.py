"""The Scorer: runs the scores a pipeline's components can be judged on."""
from __future__ import annotations

from typing import Iterable, Sequence

from ..tokens import Example
from .attrs import TOKEN_ATTRS, score_token_attr
from .cats import score_cats
from .deps import score_deps
from .spans import score_sents, score_spans
from .tokenization import score_tokenization

TASKS = ("tokens", "tag", "pos", "morph", "lemma", "deps", "sents", "ents", "cats")


class Scorer:
    """Scores Examples on a list of tasks, returning one flat dict of spaCy's keys.

    `cats_labels` defaults to every label seen in the reference Docs;
    `cats_multi_label` picks the multi-label rules of `score_cats`.
    `Scorer.for_pipeline(nlp)` scores tokenization and then asks each component for its
    scores (`component.score(examples)`).
    """

    def __init__(
        self,
        tasks: Sequence[str] = TASKS,
        *,
        cats_labels: Sequence[str] | None = None,
        cats_multi_label: bool = False,
        cats_threshold: float = 0.5,
    ):
        unknown = [t for t in tasks if t not in TASKS]
        if unknown:
            raise ValueError(f"unknown scoring task(s) {unknown}; known: {', '.join(TASKS)}")
        self.tasks = list(tasks)
        self.cats_labels = list(cats_labels) if cats_labels is not None else None
        self.cats_multi_label = cats_multi_label
        self.cats_threshold = cats_threshold
        self.components: list = []

    @classmethod
    def for_pipeline(cls, nlp) -> "Scorer":
        """Tokenization, then the scores of each enabled component of a Language, in pipeline order."""
        scorer = cls(["tokens"])
        scorer.components = [component for _, component in nlp.pipeline]
        return scorer

    def score(self, examples: Iterable[Example], *, seconds: float | None = None) -> dict:
        """All scores of the configured tasks; with `seconds` (time spent annotating),
        `speed` in predicted words per second."""
        examples = list(examples)
        scores: dict = {}
        for task in self.tasks:
            if task == "tokens":
                scores.update(score_tokenization(examples))
            elif task in TOKEN_ATTRS:
                scores.update(score_token_attr(examples, task))
            elif task == "deps":
                scores.update(score_deps(examples))
            elif task == "sents":
                scores.update(score_sents(examples))
            elif task == "ents":
                scores.update(score_spans(examples, "ents"))
            elif task == "cats":
                labels = self.cats_labels
                if labels is None:
                    labels = sorted({label for eg in examples for label in eg.reference.cats})
                scores.update(score_cats(examples, labels, self.cats_multi_label, self.cats_threshold))
        for component in self.components:
            scores.update(component.score(examples))
        if seconds is not None:
            n_words = sum(len(eg.predicted) for eg in examples)
            scores["speed"] = n_words / seconds if seconds > 0 else None
        return scores


def score(
    examples: Iterable[Example], tasks: Sequence[str] = TASKS, *, seconds: float | None = None, **scorer_options
) -> dict:
    """One-call form of `Scorer(tasks, **scorer_options).score(examples, seconds=seconds)`."""
    return Scorer(tasks, **scorer_options).score(examples, seconds=seconds)
