"""Entity tags read from IOB-style files: validation, per-file scheme, BILUO.

The scheme is judged once per file, not per sentence: a sentence such as
`I-PER O` is legal IOB1 but broken IOB2, and only the rest of the file can
tell which one was meant. IOB1 uses `B-` solely to split two adjacent
entities of the same type, so a `B-` tag that opens an entity after `O` (or
after another type) shows the file is IOB2; from then on an `I-` that does
not continue an entity is an error rather than an IOB1 entity start.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import DataError
from ..tokens.iob import detect_scheme, iob_to_biluo, normalize_biluo, validate_biluo

_TAG = re.compile(r"O|[BILUES]-\S+")
# tokens.iob's validators name the offending token as "token N: ..." (1-based).
_TOKEN_POSITION = re.compile(r"token (\d+): (.*)", re.DOTALL)


def check_tag(tag: str, path: str | Path, line: int) -> str:
    """Return `tag` if it is O or a prefixed tag, else raise a DataError for `line`."""
    if not _TAG.fullmatch(tag):
        raise DataError(f"invalid entity tag {tag!r} (expected O, or B-, I-, L-, U-, E-, S- and a type)", path, line)
    return tag


def file_scheme(sentence_tags: Iterable[Sequence[str]]) -> str:
    """'biluo', 'iob2' or 'iob1' for all the tag sequences of one file (all are read)."""
    schemes = set()
    for tags in sentence_tags:
        scheme = detect_scheme(tags)
        schemes.add("iob2" if scheme != "biluo" and _opens_with_b(tags) else scheme)
    for scheme in ("biluo", "iob2", "iob1"):
        if scheme in schemes:
            return scheme
    return "iob2"


def _opens_with_b(tags: Sequence[str]) -> bool:
    previous = "O"
    for tag in tags:
        if tag.startswith("B-") and not (previous[:2] in ("B-", "I-") and previous[2:] == tag[2:]):
            return True
        previous = tag
    return False


def to_biluo(tags: Sequence[str], scheme: str, path: str | Path, lines: Sequence[int]) -> list[str]:
    """Convert one sentence's tags to BILUO; `lines[i]` is the file line of token i, for errors."""
    try:
        if scheme == "biluo":
            biluo = normalize_biluo(tags)
            validate_biluo(biluo)
            return biluo
        return iob_to_biluo(tags, scheme=scheme)
    except ValueError as e:
        found = _TOKEN_POSITION.match(str(e))
        position, reason = (int(found.group(1)), found.group(2)) if found else (1, str(e))
        raise DataError(f"{reason} (the file reads as {scheme.upper()})", path, lines[position - 1]) from None
