"""Annotating texts or documents with a pipeline: what `lexloom apply` does, without the printing."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from .convert import read_docs, write_docs
from .tokens import Doc, Vocab


def unannotated_copy(source: Doc, vocab: Vocab) -> Doc:
    """The source's words, spaces and sentence starts, without its annotations, so the given
    tokenization and sentences are kept; its user_data (CoNLL-U sent_ids, texts, mwts) rides along."""
    doc = Doc(vocab, words=source.words, spaces=source.spaces, sent_starts=[token.is_sent_start for token in source])
    doc.user_data = dict(source.user_data)
    return doc


def input_docs(nlp, path: str | Path, *, format: str = "auto", n_sents: int = 1) -> Iterator[Doc]:
    """The Docs to annotate, read from `path` ("-": stdin) by `read_docs`, annotations dropped:
    texts (plain text, JSONL) tokenized by the pipeline, documents with their own tokens and
    sentences (`n_sents` CoNLL-U sentences per Doc)."""
    docs = read_docs(path, nlp.vocab, format=format, n_sents=n_sents, make_doc=nlp.make_doc)
    return (unannotated_copy(doc, nlp.vocab) for doc in docs)


def apply_pipeline(
    nlp, input_path: str | Path, output_path: str | Path, *, input_format: str = "auto", output_format: str | None = None,
    n_sents: int = 1, batch_size: int = 256,
) -> int:
    """Annotate the Docs of `input_path` and write them to `output_path` ("-": stdout) as
    `.conllu`, `.jsonl` (spaCy's `doc.to_json()` shape) or `.lexloom`; returns how many."""
    n_docs = 0

    def annotated() -> Iterator[Doc]:
        nonlocal n_docs
        for doc in nlp.pipe(input_docs(nlp, input_path, format=input_format, n_sents=n_sents), batch_size=batch_size):
            n_docs += 1
            yield doc

    write_docs(annotated(), output_path, output_format)
    return n_docs
