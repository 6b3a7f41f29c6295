"""Plain text: one text per line (blank lines skipped), tokenized by the tokenizer passed in."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..tokens import Doc, Vocab
from ..lines import read_lines


def read_text(path: str | Path, vocab: Vocab, *, tokenizer: Callable[[str], Doc]) -> Iterator[Doc]:
    """Stream one Doc per non-blank line. `vocab` must be the tokenizer's Vocab."""
    for _, line in read_lines(path):
        if line.strip():
            doc = tokenizer(line)
            if doc.vocab is not vocab:
                raise ValueError("read_text: the tokenizer must make Docs with the Vocab passed in")
            yield doc
