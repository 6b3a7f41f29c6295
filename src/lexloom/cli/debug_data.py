"""`lexloom debug-data`: check the training and dev corpora against a config."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..config import parse_overrides
from ._app import app, code_option, import_user_code
from ._output import console, fail, good, info

LABEL_ROWS = 20


@app.command("debug-data", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def debug_data(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Config file (.cfg)", exists=True, dir_okay=False),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report as JSON here"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List examples of each problem and every label"),
    code: Optional[Path] = code_option(),
):
    """Check the training and dev corpora against a config: counts, labels, broken annotation.

    Reads the corpora through the config's \\[corpora] readers; any config value can be
    overridden as --section.key VALUE. Exits with status 1 when an error check fails
    (after writing the report); warnings do not fail.

    Example: lexloom debug-data configs/ud.cfg --paths.train corpus/ud/train.lexloom --paths.dev corpus/ud/dev.lexloom --output corpus/ud/debug-data.json
    """
    from ..debug_data import debug_data as run_checks
    from ..files import atomic_write_text

    import_user_code(code)
    report = run_checks(config, overrides=parse_overrides(ctx.args))
    _print_report(report, verbose)
    if output is not None:
        atomic_write_text(output, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        info(f"Report written to {output}")
    if report["errors"]:
        fail(f"{len(report['errors'])} check(s) failed")
    good("No errors")


def _print_report(report: dict, verbose: bool) -> None:
    summary = report["summary"]
    table = Table(title="Corpora")
    for column in ("split", "docs", "sentences", "words"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split in ("train", "dev"):
        counts = summary[split]
        table.add_row(split, *(f"{counts[k]:,}" for k in ("docs", "sentences", "words")))
    console.print(table)
    info(f"Pipeline: {', '.join(summary['pipeline'])}")
    info(f"{summary['vocab_size']:,} distinct word forms in train; {summary['dev_unseen_words']:,} dev words "
         f"({summary['dev_unseen_words_pct']}%) never seen in train")
    for kind, counts in report["labels"].items():
        _print_labels(kind, counts, verbose)
    for severity, entries in (("error", report["errors"]), ("warning", report["warnings"])):
        mark = "[bold red]✘[/]" if severity == "error" else "[bold yellow]⚠[/]"
        for entry in entries:
            console.print(f"{mark} {entry['count']:,} {entry['message']} [dim]({entry['check']})[/]", highlight=False)
            if verbose:
                for example in entry["examples"]:
                    console.print(f"    {_describe(example)}", highlight=False, markup=False)


def _print_labels(kind: str, counts: dict, verbose: bool) -> None:
    train, dev = counts["train"], counts["dev"]
    labels = list(train) + [label for label in dev if label not in train]
    shown = labels if verbose else labels[:LABEL_ROWS]
    table = Table(title=f"{kind} labels ({len(labels)}; {', '.join(counts['components'])})")
    table.add_column("label")
    table.add_column("train", justify="right")
    table.add_column("dev", justify="right")
    for label in shown:
        table.add_row(label, f"{train.get(label, 0):,}", f"{dev.get(label, 0):,}")
    if len(shown) < len(labels):
        table.caption = f"{len(labels) - len(shown)} more; --verbose lists all"
    console.print(table)


def _describe(example: dict) -> str:
    if "doc" in example:
        extra = {k: v for k, v in example.items() if k not in ("split", "doc", "tokens", "text")}
        start, end = example["tokens"]
        detail = f" {extra}" if extra else ""
        return f"{example['split']} doc {example['doc']} tokens {start}:{end}: {example['text']!r}{detail}"
    return ", ".join(f"{k}={v}" for k, v in example.items())
