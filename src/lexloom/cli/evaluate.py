"""`lexloom evaluate`: score a pipeline on a gold corpus."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator, Optional

import typer
from rich.table import Table

from ..convert.conllu import read_conllu
from ..errors import DataError
from ..tokens import Doc, Example, Vocab, read_docbin
from ..util import atomic_write_text
from ._app import app
from ._output import console, good, info

CORPUS_SUFFIXES = (".lexloom", ".conllu")


def read_corpus_docs(path: Path, vocab: Vocab, n_sents: int) -> Iterator[Doc]:
    """The Docs of a `.lexloom` corpus or a CoNLL-U file (`n_sents` sentences per Doc;
    a `.lexloom` corpus keeps the Docs it was written with)."""
    if path.suffix == ".lexloom":
        return read_docbin(path, vocab)
    if path.suffix == ".conllu":
        return read_conllu(path, vocab, n_sents=n_sents)
    raise DataError(f"unknown corpus format {path.suffix!r}; expected one of {', '.join(CORPUS_SUFFIXES)}", path)


def predicted_doc(nlp, reference: Doc, raw_text: bool, gold_sents: bool = False) -> Doc:
    """The unannotated Doc the pipeline annotates: the reference's words (gold tokenization),
    or with `raw_text` the pipeline's own tokenization of the reference text. With
    `gold_sents` it keeps the reference's sentence boundaries, as `lexloom apply` does."""
    if raw_text:
        return nlp.make_doc(reference.text)
    doc = Doc(nlp.vocab, words=reference.words, spaces=reference.spaces)
    if gold_sents:
        doc._sent_start[:] = reference._sent_start
    return doc


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _format_score(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "speed":
        return f"{value:,.0f} words/s"
    if isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _percent(value)


def scores_table(scores: dict) -> Table:
    """One row per single-valued score; 0-1 scores shown as percentages."""
    table = Table(title="Scores", show_header=True, header_style="bold")
    table.add_column("score")
    table.add_column("value", justify="right")
    for key, value in scores.items():
        if not isinstance(value, dict):
            table.add_row(key, _format_score(key, value))
    return table


def per_type_tables(scores: dict) -> list[Table]:
    """A table per per-label score dict: P/R/F per label, or the AUC per label."""
    tables = []
    for key, per_label in scores.items():
        if not isinstance(per_label, dict):
            continue
        table = Table(title=key, show_header=True, header_style="bold")
        table.add_column("label")
        if key.endswith("auc_per_type"):
            table.add_column("AUC", justify="right")
            for label, auc in per_label.items():
                table.add_row(label, _percent(auc))
        else:
            for column in ("P", "R", "F"):
                table.add_column(column, justify="right")
            for label, prf in per_label.items():
                table.add_row(label, _percent(prf["p"]), _percent(prf["r"]), _percent(prf["f"]))
        tables.append(table)
    return tables


def write_scores(scores: dict, path: Path) -> Path:
    """The scores as indented JSON, written atomically."""
    return atomic_write_text(path, json.dumps(scores, indent=2, ensure_ascii=False) + "\n")


def evaluate_pipeline(nlp, references: Iterable[Doc], *, raw_text: bool = False, gold_sents: bool = False, batch_size: int = 256) -> tuple[dict, list[Example]]:
    """Annotate a fresh Doc per reference with `nlp` and score it; return the scores and the Examples."""
    examples = [Example(predicted_doc(nlp, reference, raw_text, gold_sents), reference) for reference in references]
    if not examples:
        raise DataError("the corpus holds no documents")
    return nlp.evaluate(examples, batch_size=batch_size), examples


@app.command("evaluate")
def evaluate_command(
    model: str = typer.Argument(..., metavar="MODEL", help="Pipeline directory or installed pipeline package."),
    data: Path = typer.Argument(..., metavar="DATA", help="Gold corpus: a .lexloom file or a .conllu file."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the scores to this JSON file."),
    metrics: Optional[Path] = typer.Option(None, "--metrics", help="Also write only the headline scores (--metrics-keys) to this JSON file, e.g. DVC's metrics file."),
    metrics_keys: str = typer.Option("", "--metrics-keys", help="Comma-separated score keys for --metrics, e.g. pos_acc,dep_las."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write DIR/index.html showing the annotated documents."),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU to run on; -1 for the CPU."),
    n_sents: int = typer.Option(10, "--n-sents", min=1, help="Sentences per document when DATA is CoNLL-U."),
    raw_text: bool = typer.Option(False, "--raw-text", help="Tokenize the text with the pipeline instead of using the gold words."),
    gold_sents: bool = typer.Option(False, "--gold-sents", help="Keep the gold sentence boundaries (as `lexloom apply` does for CoNLL-U)."),
    per_type: bool = typer.Option(False, "--per-type", help="Also print the per-label tables."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Documents per annotation batch."),
) -> None:
    """Score a pipeline on a gold corpus and print the scores (spaCy's key names).

    The pipeline annotates the gold words (gold tokenization) unless --raw-text
    is given; then it tokenizes the text itself and scores go through the
    alignment of the two tokenizations. Only the scores of the pipeline's
    components are reported, plus tokenization and speed (words per second).

    Example: lexloom evaluate training/model-best corpus/dev.lexloom --output metrics.json --html report/

    Example: lexloom evaluate training/ud/model-best corpus/ud/dev.lexloom --output scores.json --metrics metrics/ud.json --metrics-keys pos_acc,dep_las
    """
    from .. import load
    from ..scoring.headline import headline_scores

    if not data.exists():
        raise DataError("no such file", data)
    keys = [k.strip() for k in metrics_keys.split(",") if k.strip()]
    if metrics is not None and not keys:
        raise typer.BadParameter("--metrics needs --metrics-keys, e.g. --metrics-keys pos_acc,dep_las", param_hint="--metrics-keys")
    nlp = load(model, gpu_id=gpu_id)
    references = read_corpus_docs(data, nlp.vocab, n_sents)
    scores, examples = evaluate_pipeline(nlp, references, raw_text=raw_text, gold_sents=gold_sents, batch_size=batch_size)
    info(f"Evaluated {model} on {len(examples)} documents of {data}")
    console.print(scores_table(scores))
    if per_type:
        for table in per_type_tables(scores):
            console.print(table)
    if output is not None:
        write_scores(scores, output)
        good(f"Scores written to {output}")
    if metrics is not None:
        write_scores(headline_scores(scores, keys), metrics)
        good(f"Headline scores ({', '.join(keys)}) written to {metrics}")
    if html is not None:
        from ..render import render_html

        page = render_html((eg.predicted for eg in examples), html / "index.html", title=f"{model} on {data.name}")
        good(f"Annotated documents written to {page}")
