"""`lexloom init config` and `lexloom init fill-config`."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import load_config
from ..files import atomic_write_text
from ._app import code_option, import_user_code, init_app
from ._output import good


@init_app.command("config")
def init_config_command(
    output: Path = typer.Argument(..., help="Where to write the config (.cfg)"),
    lang: str = typer.Option("en", "--lang", "-l", help="Language code"),
    pipeline: str = typer.Option("tagger,parser,ner", "--pipeline", "-p", help="Comma-separated components"),
    optimize: str = typer.Option("efficiency", "--optimize", "-o", help="efficiency (CNN) or accuracy (BiLSTM, wider)"),
    gpu: bool = typer.Option(False, "--gpu", "-G", help="Train on GPU 0"),
    code: Optional[Path] = code_option(),
):
    """Write a complete training config with every default filled in.

    Example: lexloom init config configs/x.cfg --lang en --pipeline tagger,parser,ner --optimize accuracy
    """
    from ..config.init import init_config

    import_user_code(code)
    names = [p.strip() for p in pipeline.split(",") if p.strip()]
    config = init_config(lang, names, optimize=optimize, gpu=gpu)
    atomic_write_text(output, config.to_str(interpolate=False))
    good(f"Wrote {output} ({', '.join(config['nlp']['pipeline'])})")


@init_app.command("fill-config")
def fill_config_command(
    base: Path = typer.Argument(..., help="Partial config", exists=True, dir_okay=False),
    output: Path = typer.Argument(..., help="Where to write the completed config"),
):
    """Complete a partial config with every default.

    Example: lexloom init fill-config base.cfg configs/full.cfg
    """
    from ..config.init import fill_config

    config = fill_config(load_config(base))
    atomic_write_text(output, config.to_str(interpolate=False))
    good(f"Wrote {output}")
