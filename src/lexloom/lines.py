"""Reading text files line by line: the converters, the entity ruler's patterns, the CoNLL 2018
scorer and the training log all read through here.

Files are read as bytes and decoded line by line so that a bad byte is
reported on the line it sits on (a text-mode reader decodes in blocks and
cannot say which line failed). It lives outside `lexloom.convert`: importing
anything from that package runs every converter's module, and the workflow's
code dependencies (project/code_deps.py) would make training depend on them all.
"""
from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Iterator

from .errors import DataError

Line = tuple[int, str]  # (1-based line number, text without the line break)


def read_lines(path: str | Path) -> Iterator[Line]:
    """Yield `(line_number, text)` for every line of a UTF-8 file (a BOM is dropped)."""
    path = Path(path)
    try:
        file = path.open("rb")
    except OSError as e:
        raise DataError(f"cannot read the file ({e.strerror})", path) from None
    with file:
        for number, raw in enumerate(file, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(
                    f"not UTF-8: byte 0x{raw[e.start]:02x} at column {e.start + 1}; re-encode the file as UTF-8",
                    path,
                    number,
                ) from None
            yield number, text.rstrip("\r\n")


def read_json_lines(path: str | Path) -> Iterator[tuple[int, object]]:
    """Yield `(line_number, value)` for every non-blank line of a JSONL file."""
    for number, text in read_lines(path):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as e:
            raise DataError(f"invalid JSON at column {e.colno}: {e.msg}", path, number) from None
        except RecursionError:
            raise DataError("invalid JSON: nested too deeply", path, number) from None


def read_blocks(path: str | Path) -> Iterator[list[Line]]:
    """Yield the groups of non-blank lines that blank lines separate (one sentence each in CoNLL formats)."""
    block: list[Line] = []
    for number, text in read_lines(path):
        if text.strip():
            block.append((number, text))
        elif block:
            yield block
            block = []
    if block:
        yield block
