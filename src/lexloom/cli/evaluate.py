"""`lexloom evaluate`: score a pipeline on a gold corpus."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..errors import DataError
from ._app import app, code_option, import_user_code
from ._output import console, good, info


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _format_score(key: str, value) -> str:
    if value is None:
        return "-"
    if key.endswith("speed"):
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


@app.command("evaluate")
def evaluate_command(
    model: str = typer.Argument(..., metavar="MODEL", help="Pipeline directory or installed pipeline package."),
    data: Path = typer.Argument(..., metavar="DATA", help="Gold corpus: .lexloom, .conllu, IOB, .jsonl... (a file or a folder)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the scores to this JSON file."),
    metrics: Optional[Path] = typer.Option(None, "--metrics", help="Also write only the headline scores (--metrics-keys) to this JSON file, e.g. DVC's metrics file."),
    metrics_keys: str = typer.Option("", "--metrics-keys", help="Comma-separated score keys for --metrics, e.g. pos_acc,dep_las."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write DIR/index.html showing the annotated documents."),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU to run on; -1 for the CPU."),
    n_sents: int = typer.Option(10, "--n-sents", min=1, help="Sentences per document when DATA is CoNLL-U or IOB."),
    raw_text: bool = typer.Option(False, "--raw-text", help="Tokenize the text with the pipeline instead of using the gold words."),
    gold_sents: bool = typer.Option(False, "--gold-sents", help="Keep the gold sentence boundaries (as `lexloom apply` does for CoNLL-U)."),
    raw: bool = typer.Option(False, "--raw", help="Also annotate the raw text of a .conllu DATA and score it as the CoNLL 2018 shared task did (raw_* keys; see docs/raw_text.md)."),
    per_type: bool = typer.Option(False, "--per-type", help="Also print the per-label tables."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Documents per annotation batch."),
    code: Optional[Path] = code_option(),
) -> None:
    """Score a pipeline on a gold corpus and print the scores (spaCy's key names).

    The pipeline annotates the gold words (gold tokenization) unless --raw-text
    is given; then it tokenizes the text itself and scores go through the
    alignment of the two tokenizations. Only the scores of the pipeline's
    components are reported, plus tokenization and speed (words per second).
    With --raw, the pipeline also annotates the raw text of a CoNLL-U DATA
    (one document per paragraph) and the raw_* scores of the CoNLL 2018
    shared task are added: raw_tokens_f, raw_sents_f, raw_words_f, raw_upos,
    raw_lemmas, raw_las, raw_mlas, ...

    Example: lexloom evaluate training/model-best corpus/dev.lexloom --output metrics.json --html report/

    Example: lexloom evaluate training/ud/model-best corpus/ud/dev.lexloom --output scores.json --metrics metrics/ud.json --metrics-keys pos_acc,dep_las
    """
    from .. import load
    from ..convert import read_docs
    from ..evaluate import evaluate_pipeline, write_scores
    from ..scoring.headline import headline_scores

    import_user_code(code)
    if not data.exists():
        raise DataError("no such file", data)
    if raw and data.suffix != ".conllu":
        raise DataError("--raw needs the gold treebank as a .conllu file, with its # text lines", data)
    keys = [k.strip() for k in metrics_keys.split(",") if k.strip()]
    if metrics is not None and not keys:
        raise typer.BadParameter("--metrics needs --metrics-keys, e.g. --metrics-keys pos_acc,dep_las", param_hint="--metrics-keys")
    nlp = load(model, gpu_id=gpu_id)
    references = read_docs(data, nlp.vocab, n_sents=n_sents, make_doc=nlp.make_doc)
    scores, examples = evaluate_pipeline(nlp, references, raw_text=raw_text, gold_sents=gold_sents, batch_size=batch_size)
    if raw:
        from ..raw_text import evaluate_raw_text

        scores.update(evaluate_raw_text(nlp, data, batch_size=batch_size))
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
