"""`lexloom apply`: annotate a file of texts or documents with a pipeline."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..errors import DataError
from ._app import app, code_option, import_user_code
from ._output import good


class InputFormat(str, Enum):
    auto = "auto"
    txt = "txt"
    jsonl = "jsonl"
    conllu = "conllu"
    lexloom = "lexloom"
    iob = "iob"
    conll03 = "conll03"


class OutputFormat(str, Enum):
    conllu = "conllu"
    jsonl = "jsonl"
    lexloom = "lexloom"


@app.command("apply")
def apply_command(
    model: str = typer.Argument(..., metavar="MODEL", help="Pipeline directory or installed pipeline package."),
    input_path: Path = typer.Argument(..., metavar="INPUT", help="Texts (.txt: one per line; .jsonl: {\"text\": ...} per line) or documents (.conllu, .lexloom, IOB...); - for stdin."),
    output_path: Path = typer.Argument(..., metavar="OUTPUT", help="Annotated documents: .conllu, .jsonl or .lexloom; - for stdout."),
    input_format: InputFormat = typer.Option(InputFormat.auto, "--input-format", help="Format of INPUT; auto: by extension, else by content."),
    output_format: Optional[OutputFormat] = typer.Option(None, "--output-format", help="Format of OUTPUT (default: by extension; conllu for stdout)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Documents per annotation batch."),
    n_sents: int = typer.Option(1, "--n-sents", min=1, help="Sentences per document when INPUT is CoNLL-U or IOB."),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU to run on; -1 for the CPU."),
    code: Optional[Path] = code_option(),
) -> None:
    """Annotate texts or documents with a pipeline and write the annotated documents.

    A .txt INPUT holds one text per line (blank lines skipped); a .jsonl INPUT
    one {"text": ...} object per line. The pipeline tokenizes those itself. For
    .conllu and .lexloom INPUT the given words and sentence starts are kept and
    only annotated. Every annotation is written in every output format: CoNLL-U
    gets entities in MISC (NE=B-ORG) and categories in a "# cats = {...}" comment,
    and "# newdoc id = N" before the sentences of the N-th input document; .jsonl
    gets one Doc per line in spaCy's doc.to_json() shape. OUTPUT is written to a
    temporary file and renamed at the end.

    Example: lexloom apply training/model-best texts.txt annotated.conllu

    Example: cat texts.txt | lexloom apply training/model-best - - --output-format jsonl
    """
    from .. import load
    from ..apply import apply_pipeline
    from ..convert import output_format as check_output

    import_user_code(code)
    out_format = check_output(output_path, output_format.value if output_format else None)
    if str(input_path) != "-" and not input_path.exists():
        raise DataError("no such file", input_path)
    nlp = load(model, gpu_id=gpu_id)
    n_docs = apply_pipeline(
        nlp, input_path, output_path, input_format=input_format.value, output_format=out_format, n_sents=n_sents, batch_size=batch_size
    )
    good(f"Annotated {n_docs} documents from {input_path} into {output_path}", stderr=str(output_path) == "-")
