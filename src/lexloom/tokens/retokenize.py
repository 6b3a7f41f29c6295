"""Tokens merged into one, as spaCy merges them:

    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[3:5], attrs={"LEMMA": "new york"})

The merges of one block are applied together when it ends, so spans taken before it stay
valid inside it. A merged token's text is its words with the spaces between them; its tag,
UPOS, features, lemma and relation are those of the span's root (the word whose head lies
outside the span), unless `attrs` gives them; the words that headed on into the span now
head on the merged token. Entities, span groups and custom attributes follow their tokens:
an entity or span over part of a merged span grows to the whole token, and the merged token
keeps the custom attributes of its first word, as spaCy's do (it keys them by character).
Multi-word tokens move with their words, or become part of a merged token; a merge may not
cut into one.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .doc import Doc
    from .span import Span

#: What `attrs` may set on a merged token, and the Doc array each goes to.
MERGE_ATTRS = {"TAG": "tag", "POS": "pos", "MORPH": "morph", "LEMMA": "lemma", "DEP": "dep", "ENT_TYPE": "ent_type"}
_EXTENSION_KEY = re.compile(r"^(\._\.[^\[]+)\[(\d+)(?::(\d+))?\]$")


class Retokenizer:
    def __init__(self, doc: "Doc"):
        self.doc = doc
        self._merges: list[tuple[int, int, dict[str, str]]] = []

    def merge(self, span: "Span", attrs: dict[str, Any] | None = None) -> None:
        """Merge the span's tokens into one when the block ends; `attrs` sets its TAG, POS,
        MORPH, LEMMA, DEP or ENT_TYPE (an entity of that label, the token alone)."""
        if span.doc is not self.doc:
            raise ValueError("retokenizer.merge takes spans of the Doc being retokenized")
        if not len(span):
            raise ValueError(f"cannot merge the empty span [{span.start}, {span.end})")
        for start, end, _ in self._merges:
            if span.start < end and start < span.end:
                raise ValueError(f"span [{span.start}, {span.end}) overlaps span [{start}, {end}), merged in the same block")
        given = {str(k).upper(): v for k, v in (attrs or {}).items()}
        unknown = sorted(set(given) - set(MERGE_ATTRS))
        if unknown:
            raise ValueError(f"retokenizer.merge cannot set {', '.join(unknown)}; it sets {', '.join(MERGE_ATTRS)}")
        self._merges.append((span.start, span.end, given))

    def __enter__(self) -> "Retokenizer":
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None and self._merges:
            _merge(self.doc, sorted(self._merges, key=lambda m: m[0]))


def _merge(doc: "Doc", merges: list[tuple[int, int, dict[str, str]]]) -> None:
    from .doc import ATTRS
    from .span import Span

    mwts = doc.multiword_tokens()
    for start, end, _ in merges:
        cut = cut_multiword_token(mwts, start, end)
        if cut:
            raise ValueError(f"span [{start}, {end}) cuts into the multi-word token {cut!r}, whose words share one surface form")

    n, heads = len(doc), doc._head
    ents = [(e.start, e.end, e.label_) for e in doc.ents]
    groups = {name: [(s.start, s.end, s.label_) for s in group] for name, group in doc.__dict__.get("_span_groups", {}).items()}
    texts = [doc[start:end].text for start, end, _ in merges]
    new_index, keep, merged = np.empty(n, dtype=np.int64), [], []
    i, m = 0, 0
    while i < n:
        if m < len(merges) and merges[m][0] == i:
            start, end, _ = merges[m]
            inside = range(start, end)
            root = next((k for k in inside if heads[k] == k or not start <= heads[k] < end), start)
            new_index[start:end] = len(keep)
            merged.append((len(keep), start, end, root))
            keep.append(root)
            i, m = end, m + 1
        else:
            new_index[i] = len(keep)
            keep.append(i)
            i += 1
    keep_arr = np.array(keep, dtype=np.int64)
    old = {name: getattr(doc, "_" + name) for name in ATTRS}
    new = {name: arr[keep_arr].copy() for name, arr in old.items()}
    add = doc.vocab.strings.add
    for (k, start, end, _), text, (_, _, given) in zip(merged, texts, merges):
        new["orth"][k] = add(text)
        new["spaces"][k] = old["spaces"][end - 1]
        new["sent_start"][k] = old["sent_start"][start]
        for attr, value in given.items():
            if attr != "ENT_TYPE":
                new[MERGE_ATTRS[attr]][k] = add(str(value))
    known = new["head"] >= 0
    new["head"][known] = new_index[new["head"][known]]
    for name, arr in new.items():
        setattr(doc, "_" + name, arr)
    doc._offsets = None
    _move_entities(doc, ents, new_index, merged, merges)
    for name, spans in groups.items():
        doc.spans[name] = [Span(doc, int(new_index[s]), int(new_index[e - 1]) + 1, label) for s, e, label in spans]
    moved = ((_moved_key(key, new_index, merges), value) for key, value in doc.user_data.items())
    doc.user_data = {key: value for key, value in moved if key is not None}
    if "mwts" in doc.user_data:
        # one a merge swallowed whole is now part of the merged token's text
        doc.set_multiword_tokens([(int(new_index[first]), int(new_index[last - 1]) + 1, form) for first, last, form in mwts if new_index[first] != new_index[last - 1]])


def cut_multiword_token(mwts: list[tuple[int, int, str]], start: int, end: int) -> str | None:
    """The surface form of a multi-word token (of `doc.multiword_tokens()`) that merging
    tokens start to end would cut into; None where there is none (one token alone cuts none)."""
    for first, last, form in mwts:
        if end - start > 1 and start < last and first < end and not start <= first < last <= end:
            return form
    return None


def _move_entities(doc: "Doc", ents: list, new_index: np.ndarray, merged: list, merges: list) -> None:
    """The entities at their tokens' new places (grown to whole merged tokens; one that would
    then overlap an earlier one is dropped), and the entities `attrs` gives merged tokens."""
    from .span import Span

    given = [(k, k + 1, m[2]["ENT_TYPE"]) for (k, _, _, _), m in zip(merged, merges) if "ENT_TYPE" in m[2]]
    moved = [(int(new_index[s]), int(new_index[e - 1]) + 1, label) for s, e, label in ents]
    kept, taken = [], np.zeros(len(doc), dtype=bool)
    for start, end, label in given + moved:
        if not taken[start:end].any():
            taken[start:end] = True
            kept.append(Span(doc, start, end, str(label)))
    in_entity = doc._ent_type != 0  # the tokens' old entity codes, carried by the merge
    doc._ent_iob[in_entity], doc._ent_type[in_entity] = 2, 0
    doc.set_ents(kept, default="unmodified")


def _moved_key(key: Any, new_index: np.ndarray, merges: list) -> Any:
    """A custom attribute's user_data key at its token's new place; None for a merged word's
    other than the first."""
    match = _EXTENSION_KEY.match(key) if isinstance(key, str) else None
    if not match:
        return key
    name, start, end = match.group(1), int(match.group(2)), match.group(3)
    if end is not None:
        return f"{name}[{int(new_index[start])}:{int(new_index[int(end) - 1]) + 1}]"
    inside = any(s < start < e for s, e, _ in merges)
    return None if inside else f"{name}[{int(new_index[start])}]"
