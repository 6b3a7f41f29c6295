"""`lexloom ensemble`: join text classifiers or entity recognizers trained apart into one averaging pipeline."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ._app import app, code_option, import_user_code
from ._output import good


@app.command("ensemble")
def ensemble_command(
    output: Path = typer.Argument(..., help="The pipeline directory to write.", file_okay=False),
    members: List[str] = typer.Argument(..., metavar="MEMBER...", help="Two or more pipelines trained from one config with different seeds."),
    component: Optional[List[str]] = typer.Option(None, "--component", "-c", help="Text classifier or entity recognizer to join (repeatable; default: all)."),
    code: Optional[Path] = code_option(),
) -> None:
    """Average the text classifiers and entity recognizers of pipelines trained apart, in one pipeline.

    Train one config several times with different seeds, then join the models: the
    output is the first member's pipeline whose text classifiers and entity
    recognizers average the probabilities of every member's. Its other components
    are the first member's. A component that listens to a shared tok2vec takes
    each member's tok2vec as its own; components that share it too keep the first
    member's. Score it with `lexloom evaluate`.

    Example: for s in 0 1 2; do lexloom train configs/textcat.cfg --output training/textcat-$s --system.seed $s; done;
    lexloom ensemble training/textcat-ensemble training/textcat-0/model-best training/textcat-1/model-best training/textcat-2/model-best
    """
    from ..ensemble import ensemble_pipelines

    import_user_code(code)
    nlp = ensemble_pipelines(members, component)
    nlp.to_disk(output)
    good(f"{output}: {', '.join(nlp.meta['ensemble']['components'])} averaging {len(members)} members' models")
