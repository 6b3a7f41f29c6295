"""Errors that reach users. Each names where the problem is and what it is."""
from __future__ import annotations

from pathlib import Path


class LexloomError(Exception):
    """Base class: an error with a message fit to show a user as-is."""


class DataError(LexloomError, ValueError):
    """Malformed input data, located as FILE:LINE where a line is known."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class ConfigError(LexloomError, ValueError):
    """An invalid config: names the section and key."""


class ModelLoadError(LexloomError):
    """A model directory that cannot or must not be loaded."""
