"""Check training and dev corpora against a config before training: `lexloom debug-data`.

`debug_data(config_path)` reads both corpora through the config's `[corpora]` readers
(so it sees exactly what training would see) and returns a report dict:

    {"summary": {...}, "labels": {...}, "errors": [...], "warnings": [...]}

Each error and warning is `{"check", "severity", "message", "count", "examples"}`;
`examples` holds the first few cases (split, doc index, a text snippet).

Which annotations are counted and checked follows the pipeline's component factories:
tags for a `tagger`, UPOS and FEATS for a `morphologizer`, trees and labels for a
`parser`, entities for `ner`, categories for `textcat` / `textcat_multilabel`.

Errors are problems training cannot recover from (broken trees, entity spans
that start or end on a whitespace token, an exclusive `textcat` doc without
exactly one positive class, empty docs, a component with no annotation at
all). Warnings are worth a look but not fatal. The decisions, as in spaCy:
- dev labels that never occur in train warn, for every component: each component
  takes its label set from the training data, so such a label is never
  predicted and scores as a miss, which lowers the dev score but breaks nothing;
- entity spans with punctuation at an edge warn: real names have it ("Yahoo !",
  "Cargill, Inc .", "Lotus (Notes)" in UNER's EWT train set);
- docs whose entity annotation leaves some tokens unannotated ('-') warn: this
  is how partial annotation is written; the entity recognizer skips those tokens.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .config import load_config, resolve_section
from .errors import ConfigError
from .language import Language
from .tokens import Doc, lexeme

MIN_LABEL_EXAMPLES = 20
MAX_DOC_LENGTH = 5000
LOW_DATA_WORDS = 2000
N_EXAMPLES = 10
SNIPPET_CHARS = 80
# A textcat score at or above this counts as a positive class.
POSITIVE = 0.5

# The annotations each component factory learns from, by kind.
ANNOTATIONS = {
    "tagger": ("tag",),
    "morphologizer": ("pos", "morph"),
    "trainable_lemmatizer": ("lemma",),
    "parser": ("dep",),
    "ner": ("ents",),
    "textcat": ("cats",),
    "textcat_multilabel": ("cats",),
}
# Kinds whose values are labels worth counting (a lemma is not a label).
LABEL_KINDS = ("tag", "pos", "morph", "dep", "ents", "cats")
TOKEN_ARRAYS = {"tag": "_tag", "pos": "_pos", "morph": "_morph", "lemma": "_lemma", "dep": "_dep"}

CHECKS: dict[str, tuple[str, str]] = {
    "empty_docs": ("error", "docs without tokens"),
    "no_annotation": ("error", "components whose annotation the training corpus lacks entirely"),
    "cyclic_trees": ("error", "sentences whose heads form a cycle"),
    "multiple_roots": ("error", "sentences with more than one root"),
    "heads_outside_sentence": ("error", "sentences with a head outside the sentence"),
    "entity_whitespace_edges": ("error", "entity spans starting or ending on a whitespace token"),
    "textcat_not_one_class": ("error", "docs without exactly one positive class of the exclusive textcat labels"),
    "long_docs": ("warning", "docs longer than {max_doc_length} tokens"),
    "entity_punctuation_edges": ("warning", "entity spans starting or ending on a punctuation token"),
    "ents_partially_annotated": ("warning", "docs where some tokens have no entity annotation ('-'); the entity recognizer skips them"),
    "rare_labels": ("warning", "labels with fewer than {min_label_examples} training examples"),
    "dev_labels_unseen": ("warning", "dev labels that never occur in train (never predicted)"),
    "low_data": ("warning", "fewer than {low_data_words} training words"),
}


@dataclass
class Finding:
    """One check's result: how often it fired and the first few cases."""

    check: str
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, example: dict[str, Any], count: int = 1) -> None:
        self.count += count
        if len(self.examples) < N_EXAMPLES:
            self.examples.append(example)


@dataclass
class SplitProfile:
    """Counts over one corpus split."""

    docs: int = 0
    sentences: int = 0
    words: int = 0
    word_counts: Counter = field(default_factory=Counter)
    labels: dict[str, Counter] = field(default_factory=dict)
    annotated: Counter = field(default_factory=Counter)  # kind -> annotated tokens (docs, for cats)


def debug_data(
    config_path: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    min_label_examples: int = MIN_LABEL_EXAMPLES,
    max_doc_length: int = MAX_DOC_LENGTH,
) -> dict[str, Any]:
    """Load the config, build its (uninitialized) pipeline, read `[corpora.train]` and
    `[corpora.dev]` and return the report. Docs are counted as the readers yield them
    (a reader's `max_length` cuts docs into pieces); overlong docs are those over
    `max_doc_length` tokens."""
    from . import training  # noqa: F401  (registers the corpus readers)

    config = load_config(config_path, overrides=overrides, interpolate=True)
    for section in ("nlp", "components", "corpora"):
        if section not in config:
            raise ConfigError(f"{config_path}: missing section [{section}]")
    nlp = Language.from_config(config)
    corpora = resolve_section(config, "corpora", config_path)
    for key in ("train", "dev"):
        if key not in corpora:
            raise ConfigError(f"{config_path}: missing section [corpora.{key}]")
    report = analyze(
        nlp,
        (eg.reference for eg in corpora["train"](nlp)),
        (eg.reference for eg in corpora["dev"](nlp)),
        min_label_examples=min_label_examples,
        max_doc_length=max_doc_length,
    )
    report["summary"]["config"] = str(config_path)
    return report


def analyze(
    nlp: Language,
    train_docs: Iterable[Doc],
    dev_docs: Iterable[Doc],
    *,
    min_label_examples: int = MIN_LABEL_EXAMPLES,
    max_doc_length: int = MAX_DOC_LENGTH,
) -> dict[str, Any]:
    """The report for gold Docs (which must share `nlp.vocab`), checked for `nlp`'s components."""
    components: dict[str, list[str]] = {}  # annotation kind -> the components that learn from it
    for name, proc in nlp.components:
        for kind in ANNOTATIONS.get(proc.factory, ()):
            components.setdefault(kind, []).append(name)
    factories = {proc.factory for _, proc in nlp.components}
    findings: dict[str, Finding] = {}

    def finding(check: str) -> Finding:
        return findings.setdefault(check, Finding(check))

    checker = _DocChecker(factories, max_doc_length, finding)
    train = _profile("train", train_docs, components, checker)
    dev = _profile("dev", dev_docs, components, checker)
    strings = nlp.vocab.strings

    labels: dict[str, Any] = {}
    for kind in LABEL_KINDS:
        if kind not in components:
            continue
        train_counts, dev_counts = (_named(p.labels.get(kind, Counter()), kind, strings) for p in (train, dev))
        labels[kind] = {"components": components[kind], "train": train_counts, "dev": dev_counts}
        for label, n in train_counts.items():
            if n < min_label_examples:
                finding("rare_labels").add({"kind": kind, "label": label, "count": n})
        for label, n in dev_counts.items():
            if label not in train_counts:
                finding("dev_labels_unseen").add({"kind": kind, "label": label, "count": n})
    for name, proc in nlp.components:
        kinds = ANNOTATIONS.get(proc.factory, ())
        if kinds and train.docs and not any(train.annotated[kind] for kind in kinds):
            finding("no_annotation").add({"component": name, "annotation": list(kinds)})
    if train.words < LOW_DATA_WORDS:
        finding("low_data").add({"words": train.words})

    unseen = sum(n for orth, n in dev.word_counts.items() if orth not in train.word_counts)
    summary = {
        "pipeline": [name for name, _ in nlp.components],
        "train": {"docs": train.docs, "sentences": train.sentences, "words": train.words},
        "dev": {"docs": dev.docs, "sentences": dev.sentences, "words": dev.words},
        "vocab_size": len(train.word_counts),
        "dev_unseen_words": unseen,
        "dev_unseen_words_pct": round(100.0 * unseen / dev.words, 2) if dev.words else 0.0,
    }
    settings = {"max_doc_length": max_doc_length, "min_label_examples": min_label_examples, "low_data_words": LOW_DATA_WORDS}
    report: dict[str, Any] = {"summary": summary, "labels": labels, "errors": [], "warnings": []}
    for check, (severity, description) in CHECKS.items():
        if check in findings:
            f = findings[check]
            entry = {"check": check, "severity": severity, "message": description.format(**settings), "count": f.count, "examples": f.examples}
            report["errors" if severity == "error" else "warnings"].append(entry)
    summary["n_errors"] = len(report["errors"])
    summary["n_warnings"] = len(report["warnings"])
    return report


def _named(counts: Counter, kind: str, strings) -> dict[str, int]:
    """Label counts by name, most frequent first; token-array kinds are counted by string id."""
    if kind in TOKEN_ARRAYS:
        counts = Counter({strings[int(i)]: n for i, n in counts.items()})
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _profile(split: str, docs: Iterable[Doc], components: dict[str, list[str]], checker: "_DocChecker") -> SplitProfile:
    profile = SplitProfile()
    for index, doc in enumerate(docs):
        profile.docs += 1
        profile.words += len(doc)
        profile.sentences += sum(1 for _ in doc.sents)
        profile.word_counts.update(doc._orth.tolist())
        for kind in components:
            counts = profile.labels.setdefault(kind, Counter())
            profile.annotated[kind] += _count_labels(doc, kind, counts)
        checker.check(split, index, doc)
    return profile


def _count_labels(doc: Doc, kind: str, counts: Counter) -> int:
    """Add `doc`'s labels of `kind` to `counts`; return how many units (tokens, docs) are annotated."""
    if kind in TOKEN_ARRAYS:
        values = getattr(doc, TOKEN_ARRAYS[kind])
        ids, n = np.unique(values[values > 0], return_counts=True)
        counts.update(dict(zip(ids.tolist(), n.tolist())))
        return int(n.sum())
    if kind == "ents":
        counts.update(ent.label_ for ent in doc.ents)
        return int((doc._ent_iob != 0).sum())
    if kind == "cats":
        counts.update(label for label, score in doc.cats.items() if score >= POSITIVE)
        return int(bool(doc.cats))
    raise ValueError(f"unknown annotation kind {kind!r}")


class _DocChecker:
    """Per-doc checks, chosen by the pipeline's component factories."""

    def __init__(self, factories: set[str], max_doc_length: int, finding):
        self.factories = factories
        self.max_doc_length = max_doc_length
        self.finding = finding

    def check(self, split: str, index: int, doc: Doc) -> None:
        if not len(doc):
            self.finding("empty_docs").add(_where(split, index, doc))
            return
        if len(doc) > self.max_doc_length:
            self.finding("long_docs").add({**_where(split, index, doc), "length": len(doc)})
        if "parser" in self.factories:
            self._check_trees(split, index, doc)
        if "ner" in self.factories:
            self._check_entities(split, index, doc)
        if "textcat" in self.factories:
            positives = [label for label, score in doc.cats.items() if score >= POSITIVE]
            if len(positives) != 1:
                self.finding("textcat_not_one_class").add({**_where(split, index, doc), "positive": positives})

    def _check_trees(self, split: str, index: int, doc: Doc) -> None:
        heads = doc._head
        for sent in doc.sents:
            for problem in tree_problems(heads[sent.start : sent.end], sent.start):
                self.finding(problem).add(_where(split, index, doc, sent.start, sent.end))

    def _check_entities(self, split: str, index: int, doc: Doc) -> None:
        iob = doc._ent_iob
        if (iob == 0).any() and (iob != 0).any():
            self.finding("ents_partially_annotated").add({**_where(split, index, doc), "unannotated": int((iob == 0).sum())})
        for ent in doc.ents:
            edges = (doc[ent.start].text, doc[ent.end - 1].text)
            if any(text.isspace() for text in edges):
                self.finding("entity_whitespace_edges").add({**_where(split, index, doc, ent.start, ent.end), "label": ent.label_})
            elif any(lexeme.is_punct(text) for text in edges):
                self.finding("entity_punctuation_edges").add({**_where(split, index, doc, ent.start, ent.end), "label": ent.label_})


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


def _where(split: str, index: int, doc: Doc, start: int = 0, end: int | None = None) -> dict[str, Any]:
    """Where a problem is: split, doc index, token range and a text snippet."""
    end = len(doc) if end is None else end
    text = doc[start:end].text if end > start else ""
    if len(text) > SNIPPET_CHARS:
        text = text[: SNIPPET_CHARS - 1] + "…"
    return {"split": split, "doc": index, "tokens": [start, end], "text": text}
