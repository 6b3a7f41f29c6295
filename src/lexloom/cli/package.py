"""`lexloom package`: a trained pipeline directory -> an installable Python package."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import DataError
from ._app import app, code_option
from ._output import good


@app.command("package")
def package_command(
    model: Path = typer.Argument(..., help="The pipeline directory (config.cfg, meta.json, component folders).", file_okay=False),
    output_dir: Path = typer.Argument(..., help="Where to create <lang>_<name>-<version>/."),
    name: str = typer.Option(..., "--name", "-n", help="Package name without the language prefix; a Python identifier."),
    version: str = typer.Option(..., "--version", "-v", help="Package version, e.g. 1.0.0."),
    meta_json: Path = typer.Option(None, "--meta-json", "-m", help="JSON file whose keys override meta.json (description, license, author...).", dir_okay=False),
    code: Optional[Path] = code_option(),
) -> None:
    """Package a trained pipeline as a Python project with an sdist and a wheel.

    With --code, the file of your own components goes into the package too, which
    imports it before loading: `lexloom.load("<lang>_<name>")` then works without it.

    Example: lexloom package training/ud/model-best packages --name ud --version 1.0.0
    """
    from ..packaging import package_pipeline

    overrides = None
    if meta_json is not None:
        try:
            overrides = json.loads(meta_json.read_text(encoding="utf8"))
        except FileNotFoundError:
            raise DataError("file not found", meta_json) from None
        except json.JSONDecodeError as e:
            raise DataError(f"invalid JSON: {e.msg}", meta_json, e.lineno) from None
        if not isinstance(overrides, dict):
            raise DataError("expected a JSON object of meta.json keys", meta_json)
    built = package_pipeline(model, output_dir, name=name, version=version, meta_overrides=overrides, code=[code] if code else [])
    good(f"built {built.project_dir}")
    good(f"sdist: {built.sdist}")
    good(f"wheel: {built.wheel}")
