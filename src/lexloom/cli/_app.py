"""The typer application every command file registers on, and options several commands share."""
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="lexloom",
    help="Train, evaluate and package NLP pipelines on PyTorch.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
init_app = typer.Typer(help="Create configs, e.g. lexloom init config configs/x.cfg --pipeline tagger,parser", no_args_is_help=True)
app.add_typer(init_app, name="init")
project_app = typer.Typer(help="Project workflow helpers, e.g. lexloom project dvc --check", no_args_is_help=True)
app.add_typer(project_app, name="project")


def _print_version(value: bool) -> None:
    if value:
        import torch

        from ..about import __version__

        typer.echo(f"lexloom {__version__} (torch {torch.__version__})")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", "-V", callback=_print_version, is_eager=True, help="Print the versions and exit."),
) -> None:
    """Train, evaluate and package NLP pipelines on PyTorch."""


def code_option():
    """`--code FILE`: a Python file of the user's own registrations, imported first."""
    return typer.Option(
        None, "--code", help="Python file to import first: your own components (@Language.factory / @Language.component), architectures or readers.",
        dir_okay=False,
    )


def import_user_code(code: Optional[Path]) -> None:
    if code is not None:
        from ..config.registry import import_code

        import_code(code)
