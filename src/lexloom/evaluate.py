"""Scoring a pipeline on gold Docs: what `lexloom evaluate` does, without the printing."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .errors import DataError
from .tokens import Doc, Example
from .files import atomic_write_text
from .pipeline.segmenter import paragraph_starts


def predicted_doc(nlp, reference: Doc, raw_text: bool = False, gold_sents: bool = False) -> Doc:
    """The unannotated Doc the pipeline annotates: the reference's words (gold tokenization),
    or with `raw_text` the pipeline's own tokenization of the reference text. With
    `gold_sents` it keeps the reference's sentence boundaries, as `lexloom apply` does.
    Gold words come with their paragraph starts set as sentence starts (CoNLL-U's
    `# newpar`): the layout the text has, which raw text is read by too (one paragraph at a
    time, `lexloom.raw_text`); the pipeline decides the sentences inside each paragraph."""
    if raw_text:
        return nlp.make_doc(reference.text)
    doc = Doc(nlp.vocab, words=reference.words, spaces=reference.spaces)
    if gold_sents:
        doc._sent_start[:] = reference._sent_start
    elif reference.user_data.get("paragraph_starts"):
        for sentence, new_paragraph in zip(reference.sents, paragraph_starts(reference)):
            if new_paragraph and sentence.start > 0:
                doc._sent_start[sentence.start] = 1
    return doc


def evaluate_pipeline(nlp, references: Iterable[Doc], *, raw_text: bool = False, gold_sents: bool = False, batch_size: int = 256) -> tuple[dict, list[Example]]:
    """Annotate a fresh Doc per reference with `nlp` and score it; return the scores and the Examples."""
    examples = [Example(predicted_doc(nlp, reference, raw_text, gold_sents), reference) for reference in references]
    if not examples:
        raise DataError("the corpus holds no documents")
    return nlp.evaluate(examples, batch_size=batch_size, in_place=True), examples


def write_scores(scores: dict, path: str | Path) -> Path:
    """The scores as indented JSON, written atomically."""
    return atomic_write_text(path, json.dumps(scores, indent=2, ensure_ascii=False) + "\n")
