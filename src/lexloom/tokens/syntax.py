"""What a dependency tree says beyond each token's head: subtrees and their edges, and base
noun phrases (`doc.noun_chunks`), as spaCy's Token and Doc give them.

spaCy writes a noun-chunk rule per language over that language's labels. lexloom's parsers
learn UD's labels in every language, so one rule serves them all: a noun, proper noun or
pronoun that is a subject, object, oblique, nominal modifier, apposition, root, or a conjunct
of one, and not a nominal modifier of a noun after it (as "Today's" in "Today's incident"), with
the determiners, adjectives, numbers, compounds and possessives just before it (not a
preposition, a conjunction, nor the subject of a noun predicate) and the flat names,
compounds, fixed expressions, numbers and adjectives just after it ("Barack Obama", "la casa
blanca").
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

if TYPE_CHECKING:
    from .doc import Doc
    from .token import Token
    from .span import Span


class Dependents:
    """`n_lefts` and `n_rights`, for a Token and a Span: each has `lefts` and `rights`, the
    words before and after it that hang on it."""

    __slots__ = ()
    lefts: Iterator["Token"]
    rights: Iterator["Token"]

    @property
    def n_lefts(self) -> int:
        return sum(1 for _ in self.lefts)

    @property
    def n_rights(self) -> int:
        return sum(1 for _ in self.rights)


#: UD relations (before any `:subtype`) whose nominal dependents head a noun chunk.
NP_RELATIONS = frozenset({"nsubj", "obj", "iobj", "obl", "nmod", "appos", "root", "vocative", "dislocated"})
#: Left dependents that belong to their noun's chunk, with what is below them ("the", "all the",
#: "15-year", "Today's"); a preposition, a conjunction or a copula's subject ends it.
MODIFIERS = frozenset({"det", "amod", "nummod", "compound", "nmod", "flat", "fixed", "clf", "goeswith"})
#: Right dependents that stay in their head's chunk.
TRAILING = frozenset({"flat", "compound", "fixed", "nummod", "amod", "goeswith"})
NOMINAL = frozenset({"NOUN", "PROPN", "PRON"})


def relation(dep: str) -> str:
    """The universal part of a UD label, lower-cased (spaCy writes UD's `root` as `ROOT`)."""
    return dep.split(":", 1)[0].lower()


def ancestors(doc: "Doc", i: int) -> Iterator[int]:
    """The heads above token i, nearest first (a cycle in a bad tree stops the walk)."""
    heads, seen = doc._head, {i}
    h = int(heads[i])
    while h >= 0 and h not in seen:
        yield h
        seen.add(h)
        h = int(heads[h])


def lca_matrix(doc: "Doc", start: int = 0, end: int | None = None) -> np.ndarray:
    """spaCy's `get_lca_matrix` of tokens [start, end): entry [j, k] is the lowest common
    ancestor of tokens start + j and start + k, as an offset from `start`; -1 where it is not
    in [start, end), where they have none, or where they are in different sentences."""
    end = len(doc) if end is None else end
    n = end - start
    out = np.full((n, n), -1, dtype=np.int32)
    sentence = np.searchsorted(doc._sent_bounds(), np.arange(start, end), side="right")
    paths = [[i, *ancestors(doc, i)] for i in range(start, end)]
    for j in range(n):
        above_j = set(paths[j])
        for k in range(j, n):
            if sentence[k] != sentence[j]:
                break
            lca = next((a for a in paths[k] if a in above_j), -1)
            if start <= lca < end:
                out[j, k] = out[k, j] = lca - start
    return out


def subtree_edges(doc: "Doc") -> tuple[np.ndarray, np.ndarray]:
    """Each token's subtree's first and last token (its own index where it heads none); kept
    on the Doc until its heads change, so that `t.left_edge` over every token stays linear."""
    key = doc._head.tobytes()
    cached = doc.__dict__.get("_subtree_edges")
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    left, right = np.arange(len(doc)), np.arange(len(doc))
    for j in range(len(doc)):
        for h in ancestors(doc, j):
            left[h], right[h] = min(left[h], j), max(right[h], j)
    doc.__dict__["_subtree_edges"] = (key, left, right)
    return left, right


def noun_chunks(doc: "Doc", start: int = 0, end: int | None = None) -> Iterator["Span"]:
    """Base noun phrases of tokens start to end (the whole Doc by default), labelled "NP", in
    order and never nested; a ValueError where the Doc has no parse or no UPOS."""
    from .span import Span

    for attr in ("DEP", "POS"):
        if not doc.has_annotation(attr):
            raise ValueError(f"noun_chunks needs the Doc's {attr} annotation; run a pipeline with a {'parser' if attr == 'DEP' else 'UPOS tagger'} first")
    end = len(doc) if end is None else end
    deps, pos, heads = doc._strings_of("dep"), doc._strings_of("pos"), doc._head
    left, right = subtree_edges(doc)
    previous_end = start
    for i in range(start, end):
        if pos[i] not in NOMINAL or not _heads_np(doc, i, deps):
            continue
        if relation(deps[i]) == "nmod" and _inside_later_noun(doc, i, pos):
            continue  # it modifies a noun after it ("Today's incident", "President Bush"): that chunk holds it
        first = i
        for child in (j for j in range(i - 1, int(left[i]) - 1, -1) if heads[j] == i):
            if relation(deps[child]) not in MODIFIERS or right[child] != first - 1:
                break
            first = int(left[child])
        last = i
        for child in (j for j in range(i + 1, int(right[i]) + 1) if heads[j] == i):
            if relation(deps[child]) not in TRAILING or left[child] != last + 1:
                break
            last = int(right[child])
        if first < previous_end or last >= end:
            continue
        previous_end = last + 1
        yield Span(doc, first, last + 1, label="NP")


def _heads_np(doc: "Doc", i: int, deps: list[str]) -> bool:
    """Whether token i's relation makes it a chunk's head: one of NP_RELATIONS, or a conjunct
    of such a word."""
    rel, above = relation(deps[i]), ancestors(doc, i)
    while rel == "conj":
        h = next(above, None)
        if h is None:
            return False
        rel = relation(deps[h])
    return rel in NP_RELATIONS


def _inside_later_noun(doc: "Doc", i: int, pos: list[str]) -> bool:
    """Whether a noun after token i is above it through nouns alone: "Columbia" in "the
    District of Columbia Court", under "District", under "Court"."""
    for h in ancestors(doc, i):
        if pos[h] not in NOMINAL:
            return False
        if h > i:
            return True
    return False
