"""Tokens merged into one, or one split into several, as spaCy retokenizes:

    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[3:5], attrs={"LEMMA": "new york"})
        retokenizer.split(doc[7], ["Los", "Angeles"], heads=[(doc[7], 1), doc[6]])

The changes of one block are applied together when it ends (the merges, then the splits), so
spans and tokens taken before it stay valid inside it. A merged token's text is its words with
the spaces between them; its tag, UPOS, features, lemma and relation are those of the span's
root (the word whose head lies outside the span), unless `attrs` gives them; the words that
headed on into the span now head on the merged token. A split token's pieces keep its tag,
UPOS, features and relation, each takes its own text as lemma, and each hangs on the head
`heads` names; the words that headed on the token head on the piece whose head lies outside
it (spaCy hangs them on the first piece). Entities, span groups, custom attributes and
multi-word tokens follow their tokens (with their knowledge-base ids and ids): an entity or
span over part of a merged span grows to the whole token, one over a split token covers its
pieces. A merged token and the pieces of a split one have their words' own NORM (one set on
the token is dropped with its word). The merged token keeps the custom
attributes of its first word, a split token's go to its first piece, as spaCy's do (it keys
them by character). A merge may not cut into a multi-word token.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    from .doc import Doc
    from .span import Span
    from .token import Token

#: What `attrs` may set on a merged token or on a split token's pieces, and the Doc array each goes to.
SETTABLE_ATTRS = {"TAG": "tag", "POS": "pos", "MORPH": "morph", "LEMMA": "lemma", "DEP": "dep", "ENT_TYPE": "ent_type"}
_EXTENSION_KEY = re.compile(r"^(\._\.[^\[]+)\[(\d+)(?::(\d+))?\]$")


class Retokenizer:
    def __init__(self, doc: "Doc"):
        self.doc = doc
        self._merges: list[tuple[int, int, dict[str, str]]] = []
        self._splits: dict[int, tuple[list[str], list, dict[str, list]]] = {}

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
        _check_attrs("merge", given)
        self._merges.append((span.start, span.end, given))

    def split(self, token: "Token", orths: Sequence[str], heads: Sequence[Any], attrs: dict[str, Sequence[Any]] | None = None) -> None:
        """Split `token` into pieces of the texts `orths` (which must spell it) when the block
        ends. `heads` gives each piece's head: a token of the Doc, or `(token, k)`, the k-th
        piece of a token split in the same block (`(token, 0)` being an unsplit token itself);
        they are set where the token's own head is known (a Doc without a parse stays so).
        `attrs` maps TAG, POS, MORPH, LEMMA, DEP or ENT_TYPE to one value per piece (ENT_TYPE:
        runs of one label are an entity, "" none; the token's own entity gives way)."""
        if token.doc is not self.doc:
            raise ValueError("retokenizer.split takes tokens of the Doc being retokenized")
        orths = [str(o) for o in orths]
        if "".join(orths) != token.text or not all(orths):
            raise ValueError(f"the pieces {orths!r} must spell the token {token.text!r} (token {token.i}), none of them empty")
        if token.i in self._splits:
            raise ValueError(f"token {token.i} ({token.text!r}) is split twice in the same block")
        if len(heads) != len(orths):
            raise ValueError(f"split of {token.text!r}: {len(heads)} heads for {len(orths)} pieces")
        given = {str(k).upper(): list(v) for k, v in (attrs or {}).items()}
        _check_attrs("split", given)
        for attr, values in given.items():
            if len(values) != len(orths):
                raise ValueError(f"split of {token.text!r}: {len(values)} values of {attr} for {len(orths)} pieces")
        self._splits[token.i] = (orths, list(heads), given)

    def __enter__(self) -> "Retokenizer":
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is not None:
            return
        pieces = {i: len(orths) for i, (orths, _, _) in self._splits.items()}
        for _, heads, _ in self._splits.values():
            for head in heads:
                _check_head(self.doc, head, pieces)
        new_index = np.arange(len(self.doc))
        if self._merges:
            merges = sorted(self._merges, key=lambda m: m[0])
            for i in self._splits:
                if any(start <= i < end and end - start > 1 for start, end, _ in merges):
                    raise ValueError(f"token {i} is both split and merged in the same block")
            new_index = _merge(self.doc, merges)
        if self._splits:
            _split(self.doc, {int(new_index[i]): split for i, split in self._splits.items()}, new_index)


def _check_head(doc: "Doc", head: Any, pieces: dict[int, int]) -> None:
    """A split's head must be a token of the Doc, or (token, k) with k below its pieces."""
    token, k = head if isinstance(head, tuple) and len(head) == 2 else (head, 0)
    if getattr(token, "doc", None) is not doc or not isinstance(k, int):
        raise ValueError(f"a split's head must be a token of the Doc or (token, piece), not {head!r}")
    if not 0 <= k < pieces.get(token.i, 1):
        raise ValueError(f"({token.text!r}, {k}): token {token.i} has {pieces.get(token.i, 1)} piece(s) after the split")


def _check_attrs(verb: str, given: dict) -> None:
    unknown = sorted(set(given) - set(SETTABLE_ATTRS))
    if unknown:
        raise ValueError(f"retokenizer.{verb} cannot set {', '.join(unknown)}; it sets {', '.join(SETTABLE_ATTRS)}")


def _merge(doc: "Doc", merges: list[tuple[int, int, dict[str, str]]]) -> np.ndarray:
    """Apply the merges (sorted, not overlapping); returns each old token's new index."""
    from .doc import ATTRS

    kept = _Kept(doc)
    for start, end, _ in merges:
        cut = cut_multiword_token(kept.mwts, start, end)
        if cut:
            raise ValueError(f"span [{start}, {end}) cuts into the multi-word token {cut!r}, whose words share one surface form")

    n, heads = len(doc), doc._head
    ents = [(e.start, e.end, e.label_, e.kb_id_, e.id_) for e in doc.ents]
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
        new["norm"][k] = 0
        new["spaces"][k] = old["spaces"][end - 1]
        new["sent_start"][k] = old["sent_start"][start]
        for attr, value in given.items():
            if attr != "ENT_TYPE":
                new[SETTABLE_ATTRS[attr]][k] = add(str(value))
    known = new["head"] >= 0
    new["head"][known] = new_index[new["head"][known]]
    for name, arr in new.items():
        setattr(doc, "_" + name, arr)
    doc._offsets = None
    _move_entities(doc, ents, new_index, merged, merges)
    ends = np.concatenate([[0], new_index + 1])  # an old span end's new end: after its last token
    kept.restore(new_index, ends, lambda i: any(s < i < e for s, e, _ in merges))
    return new_index


def _split(doc: "Doc", splits: dict[int, tuple[list[str], list, dict[str, list]]], new_index: np.ndarray) -> None:
    """Apply the splits (keyed by the token's index after this block's merges; `new_index`
    maps the block's original indices there, for the tokens `heads` names)."""
    from .doc import ATTRS

    n = len(doc)
    counts = np.ones(n, dtype=np.int64)
    for i, (orths, _, _) in splits.items():
        counts[i] = len(orths)
    first = np.concatenate([[0], np.cumsum(counts)])  # old token -> its first piece; first[n] is the new length

    def piece(head: Any) -> int:  # checked by _check_head
        token, k = head if isinstance(head, tuple) else (head, 0)
        return int(first[new_index[token.i]] + k)

    heads_of = {i: [piece(h) for h in heads] for i, (_, heads, _) in splits.items()}
    # the piece that takes the token's place in the tree: the one whose head lies outside the token
    root_of = np.array(first[:-1])
    for i, pieces in heads_of.items():
        own = range(first[i], first[i + 1])
        outside = [k for k, h in zip(own, pieces) if h not in own or h == k]
        root_of[i] = outside[0] if outside else first[i]
    kept = _Kept(doc)
    old = {name: getattr(doc, "_" + name) for name in ATTRS}
    new = {name: np.repeat(arr, counts) for name, arr in old.items()}
    known = new["head"] >= 0
    new["head"][known] = root_of[new["head"][known]]
    add = doc.vocab.strings.add
    for i, (orths, _, given) in splits.items():
        own = slice(first[i], first[i + 1])
        new["orth"][own] = [add(o) for o in orths]
        new["norm"][own] = 0
        new["spaces"][own.start : own.stop - 1] = 0
        if old["lemma"][i]:
            new["lemma"][own] = new["orth"][own]
        if old["sent_start"][i]:
            new["sent_start"][own.start + 1 : own.stop] = -1
        if old["head"][i] >= 0:
            new["head"][own] = heads_of[i]
        inside = new["ent_iob"][own.start + 1 : own.stop]
        inside[inside == 3] = 1  # a token that began an entity: its pieces continue it
        for attr, values in given.items():
            if attr != "ENT_TYPE":
                new[SETTABLE_ATTRS[attr]][own] = [add(str(v)) for v in values]
    for name, arr in new.items():
        setattr(doc, "_" + name, arr)
    doc._offsets = None
    for i, (_, _, given) in splits.items():
        if "ENT_TYPE" in given:
            _set_piece_entities(doc, int(first[i]), [str(v or "") for v in given["ENT_TYPE"]])
    kept.restore(first[:-1], first, lambda i: False)


def _set_piece_entities(doc: "Doc", start: int, labels: list[str]) -> None:
    """The entities `attrs` gives a split token's pieces: each run of one label is an entity;
    the entity the token was part of gives way."""
    from .span import Span

    end = start + len(labels)
    ents = [e for e in doc.ents if e.end <= start or e.start >= end]
    k = start
    while k < end:
        run = k
        while run + 1 < end and labels[run + 1 - start] == labels[k - start]:
            run += 1
        if labels[k - start]:
            ents.append(Span(doc, k, run + 1, labels[k - start]))
        k = run + 1
    _replace_entities(doc, ents)


class _Kept:
    """What follows the tokens through a retokenization, read before it: span groups, custom
    attributes (user_data keys with a token index) and multi-word tokens."""

    def __init__(self, doc: "Doc"):
        self.doc = doc
        self.groups = {name: [(s.start, s.end, s.label_, s.kb_id_, s.id_) for s in group] for name, group in doc.__dict__.get("_span_groups", {}).items()}
        self.mwts = doc.multiword_tokens()

    def restore(self, starts: np.ndarray, ends: np.ndarray, dropped) -> None:
        """Put them back at their tokens' new places: `starts[i]` is old token i's new start,
        `ends[e]` an old span end's new end; `dropped(i)` says that token i's own custom
        attributes are gone (a merged word's other than the first)."""
        from .span import Span

        doc = self.doc
        for name, spans in self.groups.items():
            doc.spans[name] = [Span(doc, int(starts[s]), int(ends[e]), label, kb_id=kb_id, span_id=span_id) for s, e, label, kb_id, span_id in spans]
        moved = ((_moved_key(key, starts, ends, dropped), value) for key, value in doc.user_data.items())
        doc.user_data = {key: value for key, value in moved if key is not None}
        if "mwts" in doc.user_data:
            # one a merge swallowed whole is now part of the merged token's text
            doc.set_multiword_tokens([(int(starts[f]), int(ends[e]), form) for f, e, form in self.mwts if ends[e] - starts[f] > 1])


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

    given = [(k, k + 1, m[2]["ENT_TYPE"], "", "") for (k, _, _, _), m in zip(merged, merges) if "ENT_TYPE" in m[2]]
    moved = [(int(new_index[s]), int(new_index[e - 1]) + 1, *rest) for s, e, *rest in ents]
    kept, taken = [], np.zeros(len(doc), dtype=bool)
    for start, end, label, kb_id, span_id in given + moved:
        if not taken[start:end].any():
            taken[start:end] = True
            kept.append(Span(doc, start, end, str(label), kb_id=kb_id, span_id=span_id))
    _replace_entities(doc, kept)


def _replace_entities(doc: "Doc", entities: list) -> None:
    """Make `entities` the Doc's entities: the tokens' old entity codes, carried through the
    retokenization, are cleared; blocked and missing tokens stay so."""
    in_entity = doc._ent_type != 0
    doc._ent_iob[in_entity], doc._ent_type[in_entity] = 2, 0
    doc._clear_ent_ids(in_entity)
    doc.set_ents(entities, default="unmodified")


def _moved_key(key: Any, starts: np.ndarray, ends: np.ndarray, dropped) -> Any:
    """A custom attribute's user_data key at its token's (or span's) new place; None where
    `dropped` says the token's own are gone."""
    match = _EXTENSION_KEY.match(key) if isinstance(key, str) else None
    if not match:
        return key
    name, start, end = match.group(1), int(match.group(2)), match.group(3)
    if end is not None:
        return f"{name}[{int(starts[start])}:{int(ends[int(end)])}]"
    return None if dropped(start) else f"{name}[{int(starts[start])}]"
