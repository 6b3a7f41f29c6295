"""Per-sentence Docs and their grouping into multi-sentence Docs (`n_sents`).

Readers build one Doc per sentence with explicit sentence boundaries, and put
sentence-level metadata in `doc.user_data` as lists holding one entry per
sentence (e.g. `sent_ids`, `texts`). Grouping concatenates those lists, so
entry k always belongs to the k-th of `doc.sents`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..tokens import Doc


def read_comment(line: str, sentence) -> None:
    """Keep a CoNLL-U style `# sent_id = ...` or `# text = ...` comment on the sentence record."""
    key, has_value, value = line[1:].partition("=")
    if has_value and key.strip() in ("sent_id", "text"):
        setattr(sentence, key.strip(), value.strip())


def sentence_starts(n_words: int) -> list[bool]:
    """Mark the first word as a sentence start and every other one as not a start."""
    return [True] + [False] * (n_words - 1) if n_words else []


def group_sentences(sentence_docs: Iterable[Doc], n_sents: int) -> Iterator[Doc]:
    """Join every `n_sents` consecutive sentence Docs into one Doc (the last group may be shorter)."""
    if n_sents < 1:
        raise ValueError(f"n_sents must be at least 1, not {n_sents}")
    batch: list[Doc] = []
    for doc in sentence_docs:
        batch.append(doc)
        if len(batch) == n_sents:
            yield join_sentences(batch)
            batch = []
    if batch:
        yield join_sentences(batch)


def join_sentences(docs: list[Doc]) -> Doc:
    """One Doc from sentence Docs: heads offset, user_data lists concatenated, and a space
    between sentences wherever the raw text has whitespace (`Doc.space_after`)."""
    if len(docs) == 1:
        return docs[0]
    joined = Doc.from_docs(docs)
    for key in docs[0].user_data:
        joined.user_data[key] = [value for doc in docs for value in doc.user_data[key]]
    return joined


@dataclass
class Sentence:
    """One sentence of a token-per-line or word|tag file, as read: words, tags, line numbers."""

    words: list[str] = field(default_factory=list)
    pos_tags: list[str] = field(default_factory=list)
    ent_tags: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    spaces: list[bool] | None = None
    sent_id: str | None = None  # None: the layout has no comments
    text: str | None = None
