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

    # spaCy's static scoring methods, on lexloom's scores. spaCy's `getter` (and the like)
    # read any attribute; lexloom's scores read the Doc's own, so those are refused.
    @staticmethod
    def score_spans(examples: Iterable[Example], attr: str, *, getter=getattr, has_annotation=None, labeled: bool = True, allow_overlap: bool = False, labels: Iterable[str] | None = None) -> dict:
        """`scoring.score_spans`: attr "ents" or "spans_KEY". Spans are compared as sets of
        character offsets, overlapping or not, so `allow_overlap` changes nothing."""
        _refuse(
            "score_spans",
            ("getter", "spans are read from doc.ents or doc.spans[KEY]", getter is not getattr),
            ("has_annotation", "a reference Doc counts where it has entity annotation or the span group", has_annotation is not None),
            ("labeled", "spans are always compared with their labels", not labeled),
        )
        return score_spans(examples, attr, labels)

    @staticmethod
    def score_token_attr(examples: Iterable[Example], attr: str, *, getter=getattr, missing_values=None) -> dict:
        """`scoring.score_token_attr`: `{attr}_acc` for tag, pos, morph or lemma; reference
        tokens without a value are skipped (spaCy's default `missing_values`)."""
        _refuse(
            "score_token_attr",
            ("getter", "the token's own tag, pos, morph or lemma is read", getter is not getattr),
            ("missing_values", "a reference token without a value is skipped", missing_values is not None and set(missing_values) != {None, 0, ""}),
        )
        return score_token_attr(examples, attr.lower())

    @staticmethod
    def score_cats(examples: Iterable[Example], attr: str = "cats", *, getter=getattr, labels: Iterable[str] = (), multi_label: bool = True, positive_label: str | None = None, threshold: float | None = None) -> dict:
        """`scoring.score_cats` on `doc.cats`; `labels` default to those of the reference Docs.
        `cats_score` is the macro F, also where spaCy gives the macro AUC or a positive label's F."""
        _refuse(
            "score_cats",
            ("attr", "the scores are read from doc.cats", attr != "cats"),
            ("getter", "the scores are read from doc.cats", getter is not getattr),
            ("positive_label", "cats_score is the macro F over all labels", positive_label is not None),
        )
        examples = list(examples)
        labels = list(labels) or sorted({label for eg in examples for label in eg.reference.cats})
        return score_cats(examples, labels, multi_label, 0.5 if threshold is None else threshold)

    @staticmethod
    def score_deps(examples: Iterable[Example], attr: str = "dep", *, getter=getattr, head_attr: str = "head", head_getter=getattr, ignore_labels: Iterable[str] = (), missing_values=None) -> dict:
        """`scoring.score_deps`: `dep_uas`, `dep_las` (as CoNLL 2018), `dep_las_per_type`."""
        _refuse(
            "score_deps",
            ("attr", "labels are read from token.dep_", attr != "dep"),
            ("getter", "labels are read from token.dep_", getter is not getattr),
            ("head_attr", "heads are read from token.head", head_attr != "head"),
            ("head_getter", "heads are read from token.head", head_getter is not getattr),
            ("missing_values", "a reference token without a head is skipped", missing_values is not None),
        )
        return score_deps(examples, ignore_labels)


def _refuse(method: str, *checks: tuple[str, str, bool]) -> None:
    """A TypeError naming the spaCy arguments given to `Scorer.method` that lexloom cannot
    honour: each check is (argument, why not, whether it was given)."""
    given = [(name, why) for name, why, was_given in checks if was_given]
    if given:
        reasons = "; ".join(f"{name}: {why}" for name, why in given)
        raise TypeError(f"Scorer.{method}: lexloom's scorer does not take {', '.join(name for name, _ in given)} ({reasons})")


def score(
    examples: Iterable[Example], tasks: Sequence[str] = TASKS, *, seconds: float | None = None, **scorer_options
) -> dict:
    """One-call form of `Scorer(tasks, **scorer_options).score(examples, seconds=seconds)`."""
    return Scorer(tasks, **scorer_options).score(examples, seconds=seconds)
