"""Annotation layers of one file joined to the same sentences in another, by `# sent_id`.

Universal NER annotates the sentences of UD treebanks: UNER English-EWT and UD English-EWT
share every `sent_id`. `lexloom convert uner-train.iob2 corpus/ --join ud-train.conllu` gives
each entity-annotated sentence the treebank's tags, features, lemmas and tree as well, so that a
pipeline can learn from both (configs/ner.cfg trains a UPOS tagger beside the entity recognizer).

A sentence takes a layer only where it has none of its own, and only from a sentence with the
same sent_id and the same words. Sentences without such a partner are kept as they are, their
other layers unset (a component's loss skips unset tokens); `JoinStats` counts them.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..tokens import Doc

#: Annotation arrays a sentence may take from its partner, as (array, value meaning unset).
_LAYERS = (("_tag", 0), ("_pos", 0), ("_morph", 0), ("_lemma", 0), ("_dep", 0), ("_head", -1))


@dataclass
class JoinStats:
    """How the sentences of the input fared: joined, or kept alone and why."""

    joined: int = 0
    not_found: int = 0  # no sentence with this sent_id in the joined file
    other_words: int = 0  # the sent_id is there, with other words

    @property
    def sentences(self) -> int:
        return self.joined + self.not_found + self.other_words


def sent_id(doc: Doc, path: str | Path) -> str:
    """The sent_id of a one-sentence Doc read from `path`; a DataError if it has none."""
    ids = doc.user_data.get("sent_ids") or [None]
    if len(ids) != 1 or not ids[0]:
        raise DataError("joining needs a `# sent_id = ...` comment before every sentence", path)
    return ids[0]


def index_sentences(docs: Iterable[Doc], path: str | Path) -> dict[str, Doc]:
    """One-sentence Docs by their sent_id; a DataError on a sent_id given twice."""
    index: dict[str, Doc] = {}
    for doc in docs:
        key = sent_id(doc, path)
        if key in index:
            raise DataError(f"sent_id {key!r} is given to two sentences, so joining by it is ambiguous", path)
        index[key] = doc
    return index


def join_annotations(docs: Iterable[Doc], path: str | Path, partners: dict[str, Doc], joined_path: str | Path, stats: JoinStats) -> Iterator[Doc]:
    """Each one-sentence Doc of `path`, with the layers it lacks taken from its partner in
    `partners` (`index_sentences` of `joined_path`). Docs and partners share one vocab."""
    for doc in docs:
        partner = partners.get(sent_id(doc, path))
        if partner is None:
            stats.not_found += 1
        elif not np.array_equal(partner._orth, doc._orth):
            stats.other_words += 1
        else:
            _take_layers(doc, partner)
            stats.joined += 1
        yield doc
    if stats.sentences and not stats.joined:
        raise DataError(f"no sentence of {path} has a sentence with its sent_id and words here", joined_path)


def _take_layers(doc: Doc, partner: Doc) -> None:
    for name, unset in _LAYERS:
        own, theirs = getattr(doc, name), getattr(partner, name)
        if (own == unset).all() and (theirs != unset).any():
            own[:] = theirs
    if not doc._ent_iob.any() and partner._ent_iob.any():
        doc._ent_iob[:] = partner._ent_iob
        doc._ent_type[:] = partner._ent_type
        doc._ent_kb_id[:], doc._ent_id[:] = partner._ent_kb_id, partner._ent_id
