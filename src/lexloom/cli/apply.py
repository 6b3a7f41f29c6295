"""`lexloom apply`: annotate a file of texts or documents with a pipeline."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import typer

from ..convert._lines import read_json_lines, read_lines
from ..convert.conllu import write_conllu
from ..errors import DataError
from ..tokens import Doc, Vocab, write_docbin
from ._app import app, code_option, import_user_code
from ._output import good
from .evaluate import read_corpus_docs

INPUT_SUFFIXES = (".txt", ".jsonl", ".conllu", ".lexloom")
OUTPUT_SUFFIXES = (".conllu", ".lexloom")


def check_suffix(path: Path, allowed: tuple[str, ...], what: str) -> None:
    """Refuse a file whose extension names no format we read or write."""
    if path.suffix not in allowed:
        raise DataError(f"unknown {what} format {path.suffix!r}; expected one of {', '.join(allowed)}", path)


def read_text_lines(path: Path) -> Iterator[str]:
    """A `.txt` input: one text per line; blank lines are skipped."""
    for _, line in read_lines(path):
        if line.strip():
            yield line


def read_jsonl_texts(path: Path) -> Iterator[str]:
    """A `.jsonl` input: one JSON object with a non-empty string "text" per line
    (other keys are ignored); blank lines are skipped."""
    for number, record in read_json_lines(path):
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise DataError('expected an object with a non-empty string "text", e.g. {"text": "Hello."}', path, number)
        yield text


def unannotated_copy(source: Doc, vocab: Vocab) -> Doc:
    """The source's words, spaces and sentence starts, without its annotations, so the given
    tokenization and sentences are kept; its user_data (CoNLL-U sent_ids, texts, mwts) rides along."""
    doc = Doc(
        vocab, words=source.words, spaces=source.spaces, sent_starts=[token.is_sent_start for token in source]
    )
    doc.user_data = dict(source.user_data)
    return doc


def read_apply_input(path: Path, vocab: Vocab, n_sents: int) -> Iterator[str | Doc]:
    """Texts (for .txt and .jsonl) or unannotated Docs (for .conllu and .lexloom) to annotate."""
    if path.suffix == ".txt":
        return read_text_lines(path)
    if path.suffix == ".jsonl":
        return read_jsonl_texts(path)
    check_suffix(path, INPUT_SUFFIXES, "input")
    return (unannotated_copy(doc, vocab) for doc in read_corpus_docs(path, vocab, n_sents))


def write_docs(docs, path: Path) -> Path:
    """Write Docs by the output's extension (.conllu or .lexloom), atomically."""
    check_suffix(path, OUTPUT_SUFFIXES, "output")
    if path.suffix == ".conllu":
        return write_conllu(docs, path)
    return write_docbin(path, docs)


@app.command("apply")
def apply_command(
    model: str = typer.Argument(..., metavar="MODEL", help="Pipeline directory or installed pipeline package."),
    input_path: Path = typer.Argument(..., metavar="INPUT", help="Texts (.txt: one per line; .jsonl: {\"text\": ...} per line) or documents (.conllu, .lexloom)."),
    output_path: Path = typer.Argument(..., metavar="OUTPUT", help="Annotated documents: .conllu or .lexloom."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Documents per annotation batch."),
    n_sents: int = typer.Option(1, "--n-sents", min=1, help="Sentences per document when INPUT is CoNLL-U."),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU to run on; -1 for the CPU."),
    code: Optional[Path] = code_option(),
) -> None:
    """Annotate texts or documents with a pipeline and write the annotated documents.

    A .txt INPUT holds one text per line (blank lines skipped); a .jsonl INPUT
    one {"text": ...} object per line. The pipeline tokenizes those itself. For
    .conllu and .lexloom INPUT the given words and sentence starts are kept and
    only annotated. OUTPUT is written to a temporary file and renamed at the end.

    Example: lexloom apply training/model-best texts.txt annotated.conllu
    """
    from .. import load

    import_user_code(code)
    check_suffix(input_path, INPUT_SUFFIXES, "input")
    check_suffix(output_path, OUTPUT_SUFFIXES, "output")
    if not input_path.exists():
        raise DataError("no such file", input_path)
    nlp = load(model, gpu_id=gpu_id)
    n_docs = 0

    def annotated() -> Iterator[Doc]:
        nonlocal n_docs
        for doc in nlp.pipe(read_apply_input(input_path, nlp.vocab, n_sents), batch_size=batch_size):
            n_docs += 1
            yield doc

    write_docs(annotated(), output_path)
    good(f"Annotated {n_docs} documents from {input_path} into {output_path}")
