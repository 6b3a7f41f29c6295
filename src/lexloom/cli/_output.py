"""Shared console output: rich, degrading to plain text on a dumb terminal."""
from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {_escape(message)}", highlight=False)
    sys.exit(code)


def good(message: str) -> None:
    console.print(f"[bold green]✔[/] {_escape(message)}", highlight=False)


def info(message: str) -> None:
    console.print(f"[bold]ℹ[/] {_escape(message)}", highlight=False)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
