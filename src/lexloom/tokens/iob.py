"""Entity tag schemes: character offsets <-> BILUO <-> IOB1/IOB2.

Every function here validates and raises `ValueError` naming the token position
that breaks the scheme, so converters can turn it into FILE:LINE errors.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from .doc import Doc
    from .span import Span

MISSING = "-"


def _split(tag: str) -> tuple[str, str]:
    if tag in ("O", MISSING, ""):
        return tag or "O", ""
    if len(tag) > 2 and tag[1] == "-" and tag[0] in "BILUE S":
        return tag[0], tag[2:]
    raise ValueError(f"invalid entity tag {tag!r} (expected O, or B-, I-, L-, U-, E-, S- and a type)")


def detect_scheme(tags: Iterable[str]) -> str:
    """'biluo', 'iob2' or 'iob1' for a stream of tags, judged by the prefixes used."""
    prefixes = set()
    prev = "O"
    iob1 = False
    for tag in tags:
        p, label = _split(tag)
        prefixes.add(p)
        if p == "I":
            pp, plabel = _split(prev)
            if pp in ("O", MISSING) or plabel != label:
                iob1 = True
        prev = tag
    if prefixes & {"L", "U", "E", "S"}:
        return "biluo"
    return "iob1" if iob1 and "B" not in prefixes else ("iob1" if iob1 else "iob2")


def iob_to_biluo(tags: Sequence[str], scheme: str = "iob2") -> list[str]:
    """Convert IOB1 or IOB2 tags to BILUO. In IOB2 an I- must continue an entity of the same type."""
    out: list[str] = []
    n = len(tags)
    starts: list[bool] = []
    labels: list[str] = []
    for i, tag in enumerate(tags):
        p, label = _split(tag)
        labels.append(label)
        if p in ("O", MISSING):
            starts.append(False)
            continue
        if p not in ("B", "I"):
            raise ValueError(f"token {i + 1}: tag {tag!r} is not IOB")
        prev_p, prev_label = _split(tags[i - 1]) if i else ("O", "")
        continues = prev_p in ("B", "I") and prev_label == label
        if p == "I" and not continues:
            if scheme == "iob2":
                raise ValueError(f"token {i + 1}: {tag!r} does not continue an entity of type {label}")
            starts.append(True)
        else:
            starts.append(p == "B" or not continues)
    for i, tag in enumerate(tags):
        p, label = _split(tag)
        if p in ("O", MISSING):
            out.append(p if p == MISSING else "O")
            continue
        ends = i + 1 == n or starts[i + 1] or _split(tags[i + 1])[0] in ("O", MISSING) or labels[i + 1] != label
        if starts[i]:
            out.append(("U-" if ends else "B-") + label)
        else:
            out.append(("L-" if ends else "I-") + label)
    return out


def validate_biluo(tags: Sequence[str]) -> None:
    """Raise ValueError at the first tag that makes the sequence invalid BILUO."""
    open_label = None
    for i, tag in enumerate(tags):
        p, label = _split(tag)
        p = {"E": "L", "S": "U"}.get(p, p)
        if open_label is not None:
            if p not in ("I", "L") or label != open_label:
                raise ValueError(f"token {i + 1}: {tag!r} follows an unfinished {open_label} entity")
            if p == "L":
                open_label = None
        elif p in ("I", "L"):
            raise ValueError(f"token {i + 1}: {tag!r} continues an entity that was never begun")
        elif p == "B":
            open_label = label
    if open_label is not None:
        raise ValueError(f"token {len(tags)}: the {open_label} entity is never ended")


def normalize_biluo(tags: Sequence[str]) -> list[str]:
    """BIOES (E-, S-) spellings to BILUO."""
    return [{"E": "L-", "S": "U-"}.get(t[:1], t[:2]) + t[2:] if t[:1] in "ES" and t[1:2] == "-" else t for t in tags]


def tags_to_entities(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """BILUO tags -> (label, start, end) with `end` inclusive, as spaCy's (a Span is
    `Span(doc, start, end + 1, label)`)."""
    tags = normalize_biluo(tags)
    validate_biluo(tags)
    ents = []
    start = 0
    for i, tag in enumerate(tags):
        p, label = _split(tag)
        if p == "U":
            ents.append((label, i, i))
        elif p == "B":
            start = i
        elif p == "L":
            ents.append((label, start, i))
    return ents


def biluo_to_iob(tags: Sequence[str]) -> list[str]:
    out = []
    for tag in normalize_biluo(tags):
        p, label = _split(tag)
        out.append({"U": "B-", "B": "B-", "I": "I-", "L": "I-"}.get(p, "") + label if label else tag)
    return out


def offsets_to_biluo_tags(doc: "Doc", entities: Iterable[tuple[int, int, str]], missing: str = "O") -> list[str]:
    """Character-offset entities -> BILUO tags over `doc`'s tokens.

    Raises ValueError for overlapping entities; tokens of an entity whose edges
    fall inside a token get the missing tag "-" (as spaCy does), so callers
    can report them.
    """
    n = len(doc)
    starts = {t.idx: t.i for t in doc}
    ends = {t.idx + len(t): t.i for t in doc}
    tags = [missing] * n
    taken = [False] * n
    for start_char, end_char, label in sorted(entities):
        if not label:
            raise ValueError(f"entity ({start_char}, {end_char}) has no label")
        s, e = starts.get(start_char), ends.get(end_char)
        if s is None or e is None or e < s:
            for t in doc:
                if t.idx < end_char and t.idx + len(t) > start_char:
                    tags[t.i] = MISSING
            continue
        if any(taken[s : e + 1]):
            raise ValueError(f"entity ({start_char}, {end_char}, {label!r}) overlaps another entity")
        for i in range(s, e + 1):
            taken[i] = True
        if s == e:
            tags[s] = "U-" + label
        else:
            tags[s] = "B-" + label
            for i in range(s + 1, e):
                tags[i] = "I-" + label
            tags[e] = "L-" + label
    return tags


def biluo_tags_to_spans(doc: "Doc", tags: Sequence[str]) -> list["Span"]:
    from .span import Span

    return [Span(doc, s, e + 1, label) for label, s, e in tags_to_entities(tags)]


def biluo_tags_to_offsets(doc: "Doc", tags: Sequence[str]) -> list[tuple[int, int, str]]:
    return [(sp.start_char, sp.end_char, sp.label_) for sp in biluo_tags_to_spans(doc, tags)]
