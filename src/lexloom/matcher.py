"""Rule-based matching over tokens with spaCy's pattern language.

    matcher = Matcher(nlp.vocab)
    matcher.add("GADGET", [[{"LOWER": "iphone"}, {"IS_DIGIT": True}]])
    for match_id, start, end in matcher(doc):
        print(nlp.vocab.strings[match_id], doc[start:end].text)

A pattern is a list of token specs: dicts from attribute names (ORTH/TEXT, LOWER,
NORM, SHAPE, PREFIX, SUFFIX, LENGTH, IS_* flags (IS_STOP: the language's stop words),
LIKE_NUM, LIKE_URL, LIKE_EMAIL, POS, TAG, MORPH,
LEMMA, DEP, ENT_TYPE) to an exact value or a dict of conditions (IN, NOT_IN,
REGEX, and ==, !=, >=, <=, >, < for numbers), plus an optional OP: "?" (0 or 1),
"*" (0 or more), "+" (1 or more), "!" (one token that does not match) or "1".
Like spaCy, every match is returned, overlapping ones and every length that a
quantifier allows, sorted by (start, end).

`PhraseMatcher` finds whole phrases, given as Docs, by one token attribute:

    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("CITY", [nlp.make_doc(name) for name in ("New York", "Los Angeles")])
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Sequence

from .tokens import Doc, Span, Vocab
from .tokens import lexeme

_WORD_ATTRS = lexeme.WORD_ATTRS
_ANNOTATION_ATTRS = {"POS": "pos", "TAG": "tag", "MORPH": "morph", "LEMMA": "lemma", "DEP": "dep", "ENT_TYPE": "ent_type"}
_OPS = {"1", "?", "*", "+", "!"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}

Predicate = Callable[[Any], bool]


def _condition(attr: str, value: Any) -> Predicate:
    """A test on one token attribute's value, from a pattern's exact value or condition dict."""
    if not isinstance(value, dict):
        if attr.startswith(("IS_", "LIKE_")) and not isinstance(value, bool):
            raise ValueError(f"{attr} takes true or false, not {value!r}")
        return lambda v: v == value
    tests: list[Predicate] = []
    for key, arg in value.items():
        if key in ("IN", "NOT_IN"):
            if not isinstance(arg, (list, tuple)):
                raise ValueError(f"{attr} {key} takes a list, not {arg!r}")
            members = frozenset(arg)
            tests.append((lambda v, m=members: v in m) if key == "IN" else (lambda v, m=members: v not in m))
        elif key == "REGEX":
            regex = re.compile(arg)
            tests.append(lambda v, r=regex: isinstance(v, str) and r.search(v) is not None)
        elif key in _COMPARE:
            tests.append(lambda v, op=_COMPARE[key], a=arg: op(v, a))
        else:
            raise ValueError(f"{attr}: unknown condition {key!r}; use IN, NOT_IN, REGEX, ==, !=, >=, <=, >, <")
    return lambda v: all(test(v) for test in tests)


def _compile_token(spec: Any) -> tuple[list[tuple[str, Predicate]], str]:
    if not isinstance(spec, dict):
        raise ValueError(f"a token spec is a dict, not {spec!r}")
    op = "1"
    conditions = []
    for key, value in spec.items():
        attr = key.upper()
        if attr == "OP":
            if value not in _OPS:
                raise ValueError(f"OP must be one of {', '.join(sorted(_OPS))}, not {value!r}")
            op = value
        elif attr in _WORD_ATTRS or attr in _ANNOTATION_ATTRS or attr == "IS_STOP":
            conditions.append((attr, _condition(attr, value)))
        else:
            raise ValueError(f"unknown token attribute {key!r}; known: {', '.join(sorted({*_WORD_ATTRS, *_ANNOTATION_ATTRS, 'IS_STOP', 'OP'}))}")
    return conditions, op


class _TokenColumns:
    """Per-token attribute values of one Doc, computed once per attribute on first use."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.words = doc.words
        self._columns: dict[str, list] = {}

    def __getitem__(self, attr: str) -> list:
        column = self._columns.get(attr)
        if column is None:
            if attr in _ANNOTATION_ATTRS:
                column = self.doc._strings_of(_ANNOTATION_ATTRS[attr])
            elif attr == "IS_STOP":
                column = [t.is_stop for t in self.doc]
            else:
                column = [_WORD_ATTRS[attr](w) for w in self.words]
            self._columns[attr] = column
        return column


class _Rules:
    """What the Matcher and the PhraseMatcher share: rules under string keys, each key with
    its `on_match` callback (`_callbacks` holds every key)."""

    vocab: Vocab
    _callbacks: dict[int, Callable | None]

    def _add_key(self, key: str, on_match: Callable | None) -> int:
        if not isinstance(key, str) or not key:
            raise ValueError(f"a match key is a non-empty string, not {key!r}")
        match_id = self.vocab.strings.add(key)
        self._callbacks[match_id] = on_match
        return match_id

    def _known(self, key: str) -> int:
        """The match id of a key with rules; a KeyError for any other."""
        if key not in self:
            raise KeyError(f"no rules for {key!r}")
        return self.vocab.strings[key]

    def _report(self, doc: Doc, found: set[tuple[int, int, int]], as_spans: bool) -> list:
        """The matches sorted by (start, end), each one's `on_match` run; or labelled Spans."""
        matches = sorted(found, key=lambda m: (m[1], m[2], m[0]))
        for i, (match_id, _, _) in enumerate(matches):
            callback = self._callbacks.get(match_id)
            if callback is not None:
                callback(self, doc, i, matches)
        if as_spans:
            return [Span(doc, start, end, self.vocab.strings[match_id]) for match_id, start, end in matches]
        return matches

    def __len__(self) -> int:
        return len(self._callbacks)

    def __contains__(self, key: str) -> bool:
        return key in self.vocab.strings and self.vocab.strings[key] in self._callbacks


class Matcher(_Rules):
    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self._patterns: dict[int, list[list[tuple[list[tuple[str, Predicate]], str]]]] = {}
        self._raw: dict[int, list[list[dict]]] = {}
        self._callbacks: dict[int, Callable | None] = {}

    def add(self, key: str, patterns: Sequence[Sequence[dict]], *, on_match: Callable | None = None) -> None:
        """Add token patterns under `key` (a label); `on_match(matcher, doc, i, matches)` runs per match."""
        if isinstance(patterns, dict) or not isinstance(patterns, (list, tuple)):
            raise ValueError(f"{key}: patterns must be a list of patterns (each a list of token dicts)")
        compiled = []
        for p, pattern in enumerate(patterns):
            if not isinstance(pattern, (list, tuple)) or not pattern:
                raise ValueError(f"{key}: pattern {p} must be a non-empty list of token dicts, not {pattern!r}")
            tokens = []
            for t, spec in enumerate(pattern):
                try:
                    tokens.append(_compile_token(spec))
                except ValueError as e:
                    raise ValueError(f"{key}: pattern {p}, token {t}: {e}") from None
            compiled.append(tokens)
        match_id = self._add_key(key, on_match)
        self._patterns.setdefault(match_id, []).extend(compiled)
        self._raw.setdefault(match_id, []).extend([list(p) for p in patterns])

    def remove(self, key: str) -> None:
        match_id = self._known(key)
        for table in (self._patterns, self._raw, self._callbacks):
            del table[match_id]

    def get(self, key: str) -> tuple[Callable | None, list[list[dict]]]:
        match_id = self._known(key)
        return self._callbacks[match_id], self._raw[match_id]

    def __call__(self, doc: Doc, *, as_spans: bool = False) -> list[tuple[int, int, int]] | list[Span]:
        """Every match as (match_id, start, end), sorted by (start, end); or labelled Spans."""
        columns = _TokenColumns(doc)
        found: set[tuple[int, int, int]] = set()
        for match_id, patterns in self._patterns.items():
            for pattern in patterns:
                found.update((match_id, start, end) for start, end in _match_pattern(pattern, columns, len(doc)))
        return self._report(doc, found, as_spans)


class PhraseMatcher(_Rules):
    """Whole phrases, given as Docs, matched by one token attribute: ORTH (the default),
    LOWER, NORM, SHAPE or another of the Matcher's word attributes, or an annotation (POS,
    TAG, MORPH, LEMMA, DEP, ENT_TYPE) that the phrase Docs then must carry. Phrases are
    indexed by their first token's value, so a list of many thousands costs little more per
    token than a short one. As spaCy's: every match, overlapping ones too, by (start, end)."""

    def __init__(self, vocab: Vocab, attr: str = "ORTH"):
        attr = "ORTH" if str(attr).upper() == "TEXT" else str(attr).upper()
        if attr not in _WORD_ATTRS and attr not in _ANNOTATION_ATTRS:
            raise ValueError(f"PhraseMatcher attr must be one of {', '.join([*_WORD_ATTRS, *_ANNOTATION_ATTRS])}, not {attr!r}")
        self.vocab = vocab
        self.attr = attr
        self._phrases: dict[int, list[tuple]] = {}
        self._callbacks: dict[int, Callable | None] = {}
        self._index: dict[Any, list[tuple[tuple, int]]] = {}

    def add(self, key: str, docs: Sequence[Doc], *, on_match: Callable | None = None) -> None:
        """Add phrase Docs under `key` (a label); `on_match(matcher, doc, i, matches)` runs per match."""
        if isinstance(docs, Doc) or not isinstance(docs, (list, tuple)):
            raise ValueError(f"{key}: phrases must be a list of Docs (nlp.make_doc(text)), not {type(docs).__name__}")
        phrases = []
        for p, doc in enumerate(docs):
            if not isinstance(doc, Doc):
                raise ValueError(f"{key}: phrase {p} must be a Doc (nlp.make_doc(text)), not {doc!r}")
            if not len(doc):
                raise ValueError(f"{key}: phrase {p} is empty")
            if self.attr in _ANNOTATION_ATTRS and not doc.has_annotation("ENT_IOB" if self.attr == "ENT_TYPE" else self.attr):
                raise ValueError(f"{key}: phrase {p} ({doc.text!r}) has no {self.attr} annotation to match by; make it with nlp(text), not nlp.make_doc(text)")
            phrases.append(tuple(_TokenColumns(doc)[self.attr]))
        match_id = self._add_key(key, on_match)
        self._phrases.setdefault(match_id, []).extend(phrases)
        for values in phrases:
            self._index.setdefault(values[0], []).append((values, match_id))

    def remove(self, key: str) -> None:
        match_id = self._known(key)
        del self._phrases[match_id], self._callbacks[match_id]
        self._index = {}
        for other, phrases in self._phrases.items():
            for values in phrases:
                self._index.setdefault(values[0], []).append((values, other))

    def __call__(self, doc: Doc, *, as_spans: bool = False) -> list[tuple[int, int, int]] | list[Span]:
        """Every match as (match_id, start, end), sorted by (start, end); or labelled Spans."""
        column = _TokenColumns(doc)[self.attr]
        found: set[tuple[int, int, int]] = set()
        for start, value in enumerate(column):
            for values, match_id in self._index.get(value, ()):
                end = start + len(values)
                if end <= len(column) and tuple(column[start:end]) == values:
                    found.add((match_id, start, end))
        return self._report(doc, found, as_spans)


def _match_pattern(pattern: list[tuple[list[tuple[str, Predicate]], str]], columns: _TokenColumns, n: int) -> Iterable[tuple[int, int]]:
    """(start, end) of every non-empty match of one pattern.

    Dynamic programming over (pattern position j, token i): `ends[j][i]` is the set of
    token positions where a match of pattern[j:] that begins at token i can end.
    """
    hits = []
    for conditions, op in pattern:
        ok = [all(test(columns[attr][i]) for attr, test in conditions) for i in range(n)]
        hits.append([not h for h in ok] if op == "!" else ok)
    after: list[frozenset[int]] = [frozenset([i]) for i in range(n + 1)]  # ends of the empty rest
    for j in range(len(pattern) - 1, -1, -1):
        op = pattern[j][1]
        hit = hits[j]
        current: list[frozenset[int]] = [frozenset()] * (n + 1)
        for i in range(n, -1, -1):
            ends: set[int] = set(after[i]) if op in ("?", "*") else set()
            if i < n and hit[i]:
                ends |= after[i + 1]
                if op in ("*", "+"):
                    ends |= current[i + 1]
            current[i] = frozenset(ends)
        after = current
    for start in range(n):
        for end in after[start]:
            if end > start:
                yield start, end


def longest_non_overlapping(matches: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep the longest of overlapping matches (the earlier one on ties), sorted by start."""
    taken: set[int] = set()
    kept = []
    for match_id, start, end in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
        if not taken.intersection(range(start, end)):
            taken.update(range(start, end))
            kept.append((match_id, start, end))
    return sorted(kept, key=lambda m: m[1])
