"""`lexloom info`: versions, platform and installed pipelines, or a pipeline's meta.json."""
from __future__ import annotations

from typing import Optional

import typer

from ._app import app


@app.command("info")
def info_command(
    model: Optional[str] = typer.Argument(None, help="A pipeline directory or installed pipeline package (default: this install)."),
    markdown: bool = typer.Option(False, "--markdown", "-md", help="Print Markdown, e.g. to paste into an issue."),
) -> None:
    """Print the versions of lexloom, Python and torch, where lexloom is installed, the platform
    and the pipeline packages installed; or, given a pipeline, its name, version, language and components.

    Example: lexloom info en_my_pipeline
    """
    from ..packaging import info

    info(model, markdown=markdown, silent=False)
