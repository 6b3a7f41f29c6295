"""`lexloom annotate`: mark entities in texts with token patterns (a Matcher), no model needed."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import typer

from ..errors import DataError
from ..tokens import Doc, write_docbin
from ._app import app
from ._output import good


@app.command("annotate")
def annotate_command(
    patterns_path: Path = typer.Argument(..., metavar="PATTERNS", help='JSONL, one {"label": ..., "pattern": ...} a line; a pattern is a list of token dicts or an exact phrase.'),
    texts_path: Path = typer.Argument(..., metavar="TEXTS", help='JSONL: {"text": ...} per line.'),
    output_path: Path = typer.Argument(..., metavar="OUTPUT", help="The annotated documents, a .lexloom corpus."),
    lang: str = typer.Option("en", "--lang", "-l", help="Language of the tokenizer."),
) -> None:
    """Mark entities in texts with token patterns and write the documents as a .lexloom corpus.

    This runs an entity_ruler with the patterns: where matches overlap, the longest
    is kept, so the entities never overlap. A string pattern matches that exact
    phrase. Errors name FILE:LINE; the output is written to a temporary file and
    renamed at the end.

    Example: lexloom annotate patterns.jsonl texts.jsonl corpus/silver.lexloom --lang en
    """
    from .. import blank
    from ..convert import read_docs

    for path in (patterns_path, texts_path):
        if not path.exists():
            raise DataError("no such file", path)
    if output_path.suffix != ".lexloom":
        raise DataError("the output must be a .lexloom file", output_path)
    nlp = blank(lang)
    ruler = nlp.add_pipe("entity_ruler")
    n_patterns = ruler.add_patterns_file(patterns_path)
    counts = {"docs": 0, "entities": 0}

    def annotated() -> Iterator[Doc]:
        for doc in read_docs(texts_path, nlp.vocab, format="jsonl", make_doc=nlp.make_doc):
            doc.ents = []  # annotated: what no pattern matches is no entity
            doc = nlp(doc)
            counts["docs"] += 1
            counts["entities"] += len(doc.ents)
            yield doc

    write_docbin(output_path, annotated())
    good(f"Marked {counts['entities']} entities in {counts['docs']} texts with {n_patterns} patterns into {output_path}")
