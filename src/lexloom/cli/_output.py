"""Shared console output: rich, degrading to plain text on a dumb terminal."""
from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    # soft_wrap: no line breaks inside paths and FILE:LINE, whatever the terminal width
    err_console.print(f"[bold red]error:[/] {_escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def good(message: str, *, stderr: bool = False) -> None:
    """A success message (on stderr where stdout carries the output)."""
    (err_console if stderr else console).print(f"[bold green]✔[/] {_escape(message)}", highlight=False)


def info(message: str) -> None:
    console.print(f"[bold]ℹ[/] {_escape(message)}", highlight=False)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
