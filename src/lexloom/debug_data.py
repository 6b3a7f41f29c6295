"""Check training and dev corpora against a config before training: `lexloom debug-data`.

`debug_data(config_path)` reads both corpora through the config's `[corpora]` readers
(so it sees exactly what training would see) and returns a report dict:

    {"summary": {...}, "labels": {...}, "errors": [...], "warnings": [...]}

Each error and warning is `{"check", "severity", "message", "count", "examples"}`;
`examples` holds the first few cases (split, doc index, a text snippet).

Which annotations are counted follows what the pipeline's trainable components assign
(their factories' `assigns`: tags for a `tagger`, UPOS and FEATS for a `morphologizer`,
labels for a `parser`, entities for `ner`, categories for a text classifier); each
component checks the gold Docs itself (`check_gold`: trees for a parser, entity edges
for `ner`, one positive class for an exclusive `textcat`, ...).

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
from .tokens import Doc

MIN_LABEL_EXAMPLES = 20
MAX_DOC_LENGTH = 5000
LOW_DATA_WORDS = 2000
N_EXAMPLES = 10
SNIPPET_CHARS = 80
# A category value at or above this counts as a positive class.
POSITIVE = 0.5

# The annotations a trainable component learns from (what it `assigns`) that are counted, by kind.
KINDS = {
    "token.tag": "tag", "token.pos": "pos", "token.morph": "morph", "token.lemma": "lemma",
    "token.dep": "dep", "doc.ents": "ents", "doc.cats": "cats",
}
# Kinds whose values are labels worth counting (a lemma is not a label).
LABEL_KINDS = ("tag", "pos", "morph", "dep", "ents", "cats")
TOKEN_ARRAYS = {"tag": "_tag", "pos": "_pos", "morph": "_morph", "lemma": "_lemma", "dep": "_dep"}
# Annotation on fewer than this share of a corpus (of its tokens; of its docs, for cats) counts
# as none: UD Spanish-GSD's dev file has an XPOS on 1 token of 36,000, and a tagger trained on
# it would tag every word with that one tag.
MIN_ANNOTATED_SHARE = 0.01

# The checks of every pipeline; the components' own (`data_checks`) come between the two.
CHECKS_FIRST: dict[str, tuple[str, str]] = {
    "empty_docs": ("error", "docs without tokens"),
    "no_annotation": ("error", "components whose annotation the training corpus lacks (or has on under 1% of it)"),
    "left_out": ("warning", "components whose annotation the training corpus lacks (or has on under 1% of it): "
                 "training leaves them out ([training] unannotated = \"skip\")"),
    "long_docs": ("warning", "docs longer than {max_doc_length} tokens"),
}
CHECKS_LAST: dict[str, tuple[str, str]] = {
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
    training = resolve_section(config, "training", config_path) if "training" in config else {}
    report = analyze(
        nlp,
        (eg.reference for eg in corpora["train"](nlp)),
        (eg.reference for eg in corpora["dev"](nlp)),
        min_label_examples=min_label_examples,
        max_doc_length=max_doc_length,
        skip_unannotated=training.get("unannotated") == "skip",
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
    skip_unannotated: bool = False,
) -> dict[str, Any]:
    """The report for gold Docs (which must share `nlp.vocab`), checked for `nlp`'s components.
    A component whose annotation the training Docs lack (or carry on under
    `MIN_ANNOTATED_SHARE` of them) is an error, or with
    `skip_unannotated` (training will leave it out) a warning."""
    learns = {name: _learned_kinds(nlp, name) for name, _ in nlp.components}
    components: dict[str, list[str]] = {}  # annotation kind -> the components that learn from it
    for name, kinds in learns.items():
        for kind in kinds:
            components.setdefault(kind, []).append(name)
    findings: dict[str, Finding] = {}

    def finding(check: str) -> Finding:
        return findings.setdefault(check, Finding(check))

    checker = _DocChecker(nlp, max_doc_length, finding)
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
    for name, kinds in learns.items():
        if kinds and train.docs and all(_lacks(train.annotated[k], train.docs if k == "cats" else train.words) for k in kinds):
            finding("left_out" if skip_unannotated else "no_annotation").add({"component": name, "annotation": list(kinds)})
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
    for check, (severity, description) in {**CHECKS_FIRST, **checker.checks, **CHECKS_LAST}.items():
        if check in findings:
            f = findings[check]
            entry = {"check": check, "severity": severity, "message": description.format(**settings), "count": f.count, "examples": f.examples}
            report["errors" if severity == "error" else "warnings"].append(entry)
    summary["n_errors"] = len(report["errors"])
    summary["n_warnings"] = len(report["warnings"])
    return report


def unannotated_components(nlp: Language, docs: Iterable[Doc]) -> list[str]:
    """The trainable components whose annotation (what their factory `assigns`) `docs` lack, or
    carry on under `MIN_ANNOTATED_SHARE` of them: a treebank without XPOS for a tagger, say.
    Stops reading once every kind is well annotated over enough of the corpus."""
    learns = {name: _learned_kinds(nlp, name) for name, _ in nlp.components}
    wanted = {kind for kinds in learns.values() for kind in kinds}
    annotated: Counter = Counter()
    units: Counter = Counter()
    for doc in docs:
        for kind in wanted:
            annotated[kind] += _count_labels(doc, kind, Counter())
            units[kind] += 1 if kind == "cats" else len(doc)
        if all(units[k] >= _ENOUGH_UNITS and not _lacks(annotated[k], units[k]) for k in wanted):
            break
    lacking = {kind for kind in wanted if _lacks(annotated[kind], units[kind])}
    return [name for name, kinds in learns.items() if kinds and set(kinds) <= lacking]


# Units read before `unannotated_components` may conclude that a kind is well annotated.
_ENOUGH_UNITS = 10_000


def _lacks(annotated: int, units: int) -> bool:
    """Whether `annotated` of `units` is too little annotation to train on."""
    return annotated < max(1, MIN_ANNOTATED_SHARE * units)


def _learned_kinds(nlp: Language, name: str) -> tuple[str, ...]:
    """The counted annotation kinds a trainable component learns (what it `assigns`)."""
    pipe = nlp.get_pipe(name)
    if not pipe.is_trainable:
        return ()
    return tuple(KINDS[a] for a in pipe.assigns() if a in KINDS)


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
    """Per-doc checks: the generic ones, then each component's `check_gold` (once per kind of component)."""

    def __init__(self, nlp: Language, max_doc_length: int, finding):
        self.max_doc_length = max_doc_length
        self.finding = finding
        self.checkers = list({type(proc): proc for _, proc in nlp.components}.values())
        self.checks: dict[str, tuple[str, str]] = {}
        for proc in self.checkers:
            self.checks.update(proc.data_checks)

    def check(self, split: str, index: int, doc: Doc) -> None:
        if not len(doc):
            self.finding("empty_docs").add(_where(split, index, doc))
            return
        if len(doc) > self.max_doc_length:
            self.finding("long_docs").add({**_where(split, index, doc), "length": len(doc)})
        for proc in self.checkers:
            for problem in proc.check_gold(doc):
                self.finding(problem.check).add({**_where(split, index, doc, problem.start, problem.end), **problem.details})


def _where(split: str, index: int, doc: Doc, start: int = 0, end: int | None = None) -> dict[str, Any]:
    """Where a problem is: split, doc index, token range and a text snippet."""
    end = len(doc) if end is None else end
    text = doc[start:end].text if end > start else ""
    if len(text) > SNIPPET_CHARS:
        text = text[: SNIPPET_CHARS - 1] + "…"
    return {"split": split, "doc": index, "tokens": [start, end], "text": text}
