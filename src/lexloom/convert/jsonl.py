"""JSON lines: one text per line, with entity spans and/or categories.

Accepted keys on each line's object:
- `text` (required): tokenized with the tokenizer passed in;
- `spans`: Prodigy-style `[{"start", "end", "label"}, ...]`, or
  `entities`: `[[start, end, label], ...]` (character offsets, end exclusive).
  Every span must start and end on token boundaries and none may overlap;
- `cats`: `{label: score}`;
- `meta`: any JSON value, kept as `doc.user_data["meta"]`.
Blank lines are skipped. A line with `tokens` is a Doc in spaCy's `doc.to_json()` shape
(as `write_jsonl` and `lexloom apply` write them), read back as it was.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import DataError
from ..tokens import Doc, Vocab, offsets_to_biluo_tags
from ..files import atomic_path
from ..lines import read_json_lines

Tokenizer = Callable[[str], Doc]


def read_jsonl(path: str | Path, vocab: Vocab, *, tokenizer: Tokenizer) -> Iterator[Doc]:
    """Stream one Doc per non-blank line. `vocab` must be the tokenizer's Vocab."""
    for number, record in read_json_lines(path):
        yield _record_doc(record, vocab, tokenizer, path, number)


def _record_doc(record: object, vocab: Vocab, tokenizer: Tokenizer, path: str | Path, line: int) -> Doc:
    if not isinstance(record, dict):
        raise DataError(f"expected a JSON object, found {type(record).__name__}", path, line)
    text = record.get("text")
    if not isinstance(text, str):
        raise DataError("missing 'text' field (a string)" if text is None else "'text' must be a string", path, line)
    if "tokens" in record:
        try:
            return Doc(vocab).from_json(record)
        except ValueError as e:
            raise DataError(f"not a Doc in to_json() shape: {e}", path, line) from None
    doc = tokenizer(text)
    if doc.vocab is not vocab:
        raise ValueError("read_jsonl: the tokenizer must make Docs with the Vocab passed in")
    offsets = _offsets(record, path, line)
    _check_spans(doc, offsets, path, line)
    doc.set_ent_tags(offsets_to_biluo_tags(doc, offsets))
    if "cats" in record:
        doc.cats = _cats(record["cats"], path, line)
    if "meta" in record:
        doc.user_data["meta"] = record["meta"]
    return doc


def _offsets(record: dict, path: str | Path, line: int) -> list[tuple[int, int, str]]:
    """(start, end, label) from `spans` or `entities`, checked for types and bounds."""
    if "spans" in record and "entities" in record:
        raise DataError("has both 'spans' and 'entities'; give one", path, line)
    raw = record.get("spans", record.get("entities", []))
    if not isinstance(raw, list):
        raise DataError("'spans' / 'entities' must be a list", path, line)
    offsets = []
    for item in raw:
        if isinstance(item, dict):
            start, end, label = item.get("start"), item.get("end"), item.get("label")
        elif isinstance(item, list) and len(item) == 3:
            start, end, label = item
        else:
            raise DataError(f"span {item!r} is neither {{start, end, label}} nor [start, end, label]", path, line)
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str) and label):
            raise DataError(f"span {item!r} needs integer start and end and a non-empty label", path, line)
        if not 0 <= start < end <= len(record["text"]):
            raise DataError(f"span [{start}:{end}] ({label}) is outside the text of {len(record['text'])} characters", path, line)
        offsets.append((start, end, label))
    return sorted(offsets)


def _check_spans(doc: Doc, offsets: list[tuple[int, int, str]], path: str | Path, line: int) -> None:
    """Raise a DataError for the first span that overlaps the one before it or cuts through a token."""
    previous: tuple[int, int, str] | None = None
    for start, end, label in offsets:
        if previous is not None and start < previous[1]:
            raise DataError(
                f"span {doc.text[start:end]!r} [{start}:{end}] ({label}) overlaps span "
                f"{doc.text[previous[0]:previous[1]]!r} [{previous[0]}:{previous[1]}] ({previous[2]})",
                path,
                line,
            )
        if doc.char_span(start, end, label, alignment_mode="strict") is None:
            touched = [t.text for t in doc if t.idx < end and t.idx + len(t) > start]
            raise DataError(
                f"span {doc.text[start:end]!r} [{start}:{end}] ({label}) does not match token boundaries "
                f"(tokens there: {touched}); fix the offsets or use a tokenizer that splits there",
                path,
                line,
            )
        previous = (start, end, label)


def _cats(cats: object, path: str | Path, line: int) -> dict[str, float]:
    if not isinstance(cats, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in cats.values()
    ):
        raise DataError("'cats' must map each label to a number", path, line)
    return {label: float(score) for label, score in cats.items()}


def write_jsonl(docs: Iterable[Doc], path: str | Path) -> Path:
    """Write one Doc a line in spaCy's `doc.to_json()` shape, atomically ("-": to stdout)."""
    path = Path(path)
    if str(path) == "-":
        _write(docs, sys.stdout)
        return path
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        _write(docs, out)
    return path


def _write(docs: Iterable[Doc], out) -> None:
    for doc in docs:
        out.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
