"""`lexloom convert`: turn annotated files into `.lexloom` corpora (or back into CoNLL-U)."""
from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer
from rich.table import Table

from ..convert import CorpusStats, JoinStats, convert
from ._app import app
from ._output import console, good, info


class Converter(str, Enum):
    auto = "auto"
    spacy = "spacy"
    conllu = "conllu"
    iob = "iob"
    conll03 = "conll03"
    jsonl = "jsonl"
    txt = "txt"


class OutputFormat(str, Enum):
    lexloom = "lexloom"
    conllu = "conllu"


@app.command("convert")
def convert_command(
    input_path: Path = typer.Argument(..., help="A file, or a directory whose convertible files are all converted."),
    output_dir: Path = typer.Argument(..., help="Directory for OUTPUT_DIR/<input stem>.lexloom (or .conllu)."),
    converter: Converter = typer.Option(Converter.auto, "--converter", "-c", help="Input format; auto detects it per file."),
    n_sents: int = typer.Option(1, "--n-sents", "-n", min=1, help="Sentences per Doc (CoNLL-U, IOB; CoNLL-2003 without -DOCSTART-)."),
    merge_subtokens: bool = typer.Option(False, "--merge-subtokens", help="CoNLL-U: one token per multi-word token (don't), not one per word (do n't)."),
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the tokenizer used for JSONL text."),
    to: OutputFormat = typer.Option(OutputFormat.lexloom, "--to", help="lexloom: corpora from annotated files; conllu: .lexloom corpora back to CoNLL-U."),
    join: Path = typer.Option(
        None, "--join", exists=True, dir_okay=False,
        help="A CoNLL-U or IOB file of the same sentences (by # sent_id and words): each sentence takes the layers it lacks from it, e.g. UD tags and trees for UNER entities.",
    ),
) -> None:
    """Convert CoNLL-U, IOB, CoNLL-2003, JSONL, text or spaCy's .spacy files into .lexloom corpora, or .lexloom into CoNLL-U.

    Malformed input stops the conversion with FILE:LINE and what is wrong; no
    half-written output is left behind.

    Example: lexloom convert assets/en_ewt-ud-train.conllu corpus/ --n-sents 10

    Example: lexloom convert assets/uner-train.iob2 corpus/ --n-sents 10 --join assets/en_ewt-ud-train.conllu

    Example: lexloom convert train.spacy corpus/
    """
    stats, join_stats = CorpusStats(), JoinStats()
    started = time.perf_counter()
    outputs = convert(
        input_path,
        output_dir,
        converter=converter.value,
        n_sents=n_sents,
        merge_subtokens=merge_subtokens,
        lang=lang,
        to=to.value,
        join=join,
        stats=stats,
        join_stats=join_stats,
    )
    seconds = time.perf_counter() - started
    table = Table(title="Converted", show_header=True, header_style="bold")
    for column in ("files", "docs", "sentences", "words", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(f"{stats.files:,}", f"{stats.docs:,}", f"{stats.sentences:,}", f"{stats.words:,}", f"{seconds:.2f}")
    console.print(table)
    if join is not None:
        alone = join_stats.not_found + join_stats.other_words
        report = info if alone else good
        report(
            f"joined {join}'s annotations to {join_stats.joined:,} of {join_stats.sentences:,} sentences"
            + (f"; kept without them: {join_stats.not_found:,} whose sent_id it lacks, {join_stats.other_words:,} whose words differ" if alone else "")
        )
    for output in outputs:
        good(f"wrote {output}")
