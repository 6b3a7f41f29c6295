"""Rule-based matching over tokens with spaCy's pattern language.

    matcher = Matcher(nlp.vocab)
    matcher.add("GADGET", [[{"LOWER": "iphone"}, {"IS_DIGIT": True}]])
    for match_id, start, end in matcher(doc):
        print(nlp.vocab.strings[match_id], doc[start:end].text)

A pattern is a list of token specs: dicts from attribute names (ORTH/TEXT, LOWER,
NORM, SHAPE, PREFIX, SUFFIX, LENGTH, IS_* flags (IS_STOP: the language's stop words),
LIKE_NUM, LIKE_URL, LIKE_EMAIL, POS, TAG, MORPH,
LEMMA, DEP, ENT_TYPE) to an exact value or a dict of conditions (IN, NOT_IN,
REGEX, FUZZY/FUZZY1..FUZZY9 (within so many edits; REGEX and FUZZY may wrap an IN or
NOT_IN list), and ==, !=, >=, <=, >, < for numbers); `"_": {name: value or conditions}`
for the token's custom `._` attributes; and an optional OP: "?" (0 or 1), "*" (0 or
more), "+" (1 or more), "!" (one token that does not match), "1", or "{n}", "{n,m}",
"{n,}", "{,m}" (n times, n to m, n or more, at most m).
Like spaCy, every match is returned, overlapping ones and every length that a
quantifier allows, sorted by (start, end); a key added with `greedy="FIRST"` or
`"LONGEST"` keeps only matches that do not overlap. `matcher(doc, with_alignments=True)`
adds to each match the index of the pattern token that each matched token fits.

`PhraseMatcher` finds whole phrases, given as Docs, by one token attribute:

    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("CITY", [nlp.make_doc(name) for name in ("New York", "Los Angeles")])

`DependencyMatcher` finds tokens by their places in a parsed Doc's tree, with spaCy's
dependency patterns: an anchor node, then nodes each tied to an earlier one by a REL_OP
(`<`, `>`, `<<`, `>>`, `.`, `.*`, `;`, `;*`, `$+`, `$-`, `$++`, `$--`, `>+`, `>-`, `>++`,
`>--`, `<+`, `<-`, `<++`, `<--`); each node's RIGHT_ATTRS is a token spec as above.

    matcher = DependencyMatcher(nlp.vocab)
    matcher.add("SVO", [[
        {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"POS": "VERB"}},
        {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "subject", "RIGHT_ATTRS": {"DEP": "nsubj"}},
        {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "object", "RIGHT_ATTRS": {"DEP": "obj"}},
    ]])
    for match_id, (verb, subject, obj) in matcher(doc):
        print(doc[subject], doc[verb], doc[obj])
"""
from __future__ import annotations

import functools
import re
import warnings
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from .tokens import Doc, Span, Vocab
from .tokens import lexeme
from .tokens.syntax import ancestors

_WORD_ATTRS = lexeme.WORD_ATTRS
_ANNOTATION_ATTRS = {"POS": "pos", "TAG": "tag", "MORPH": "morph", "LEMMA": "lemma", "DEP": "dep", "ENT_TYPE": "ent_type"}
_OPS = {"1", "?", "*", "+", "!"}
_RANGE = re.compile(r"\{(\d*)(,?)(\d*)\}")  # {n}, {n,m}, {n,}, {,m}
_FUZZY = ("FUZZY", *(f"FUZZY{k}" for k in range(1, 10)))
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}

Predicate = Callable[[Any], bool]
#: spaCy's `fuzzy_compare` signature: (token's value, pattern's value, edits or -1) -> fits
FuzzyCompare = Callable[[str, str, int], bool]


def levenshtein(a: str, b: str) -> int:
    """The fewest single-character insertions, deletions and substitutions that make a into b."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


def levenshtein_compare(input_text: str, pattern_text: str, fuzzy: int = -1) -> bool:
    """spaCy's default FUZZY test: within `fuzzy` edits, or for plain FUZZY (-1) within
    max(2, round(0.3 * len(pattern_text))), so that one transposition (two edits) passes."""
    max_edits = fuzzy if fuzzy >= 0 else max(2, round(0.3 * len(pattern_text)))
    return abs(len(input_text) - len(pattern_text)) <= max_edits and levenshtein(input_text, pattern_text) <= max_edits


def _regex_fits(pattern: str) -> Predicate:
    regex = re.compile(pattern)
    return lambda v: isinstance(v, str) and regex.search(v) is not None


def _fuzzy_fits(fuzzy_compare: FuzzyCompare, edits: int, pattern: str) -> Predicate:
    return lambda v: isinstance(v, str) and (v == pattern or fuzzy_compare(v, pattern, edits))


def _each_or_list(attr: str, key: str, arg: Any, fits: Callable[[str], Predicate]) -> Predicate:
    """A REGEX or FUZZY test: `fits(pattern_string)` tests a value against one string; the
    condition is one string, or {"IN": [...]} (any fits) and/or {"NOT_IN": [...]} (none does)."""
    if isinstance(arg, str):
        return fits(arg)
    if not isinstance(arg, dict) or not arg or set(arg) - {"IN", "NOT_IN"}:
        raise ValueError(f"{attr} {key} takes a string or {{'IN': [...]}} / {{'NOT_IN': [...]}}, not {arg!r}")
    tests: list[Predicate] = []
    for inner, strings in arg.items():
        if not isinstance(strings, (list, tuple)) or not all(isinstance(x, str) for x in strings):
            raise ValueError(f"{attr} {key} {inner} takes a list of strings, not {strings!r}")
        each = [fits(x) for x in strings]
        tests.append((lambda v, e=each: any(t(v) for t in e)) if inner == "IN" else (lambda v, e=each: not any(t(v) for t in e)))
    return lambda v: all(test(v) for test in tests)


def _condition(attr: str, value: Any, fuzzy_compare: FuzzyCompare) -> Predicate:
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
            tests.append(_each_or_list(attr, key, arg, _regex_fits))
        elif key in _FUZZY:  # FUZZY3: within 3 edits; FUZZY: as many as fuzzy_compare allows for -1
            edits = int(key[len("FUZZY"):] or -1)
            tests.append(_each_or_list(attr, key, arg, functools.partial(_fuzzy_fits, fuzzy_compare, edits)))
        elif key in _COMPARE:
            tests.append(lambda v, op=_COMPARE[key], a=arg: op(v, a))
        else:
            raise ValueError(f"{attr}: unknown condition {key!r}; use IN, NOT_IN, REGEX, FUZZY (FUZZY1..FUZZY9), ==, !=, >=, <=, >, <")
    return lambda v: all(test(v) for test in tests)


def _quantified(op: Any) -> list[str]:
    """The ops of the pattern tokens that one token's OP stands for, as spaCy unrolls ranges:
    "{2,4}" -> 1 1 ? ?, "{2,}" -> 1 1 *, "{,2}" -> ? ?, "{2}" -> 1 1."""
    if op in _OPS:
        return [op]
    found = _RANGE.fullmatch(op) if isinstance(op, str) else None
    if found and (found[1] or found[3]):
        low, comma, high = found.groups()
        least, most = int(low or 0), (None if comma and not high else int(high or low))
        if most is None or least <= most:
            return ["1"] * least + (["*"] if most is None else ["?"] * (most - least))
    raise ValueError(f"OP must be one of {', '.join(sorted(_OPS))}, {{n}}, {{n,m}}, {{n,}}, {{,m}} (whole numbers, n <= m), not {op!r}")


def _compile_token(spec: Any, fuzzy_compare: FuzzyCompare = levenshtein_compare) -> tuple[list[tuple[str, Predicate]], str]:
    if not isinstance(spec, dict):
        raise ValueError(f"a token spec is a dict, not {spec!r}")
    op = "1"
    conditions = []
    for key, value in spec.items():
        attr = key.upper()
        if attr == "OP":
            _quantified(value)  # checks it
            op = value
        elif attr in _WORD_ATTRS or attr in _ANNOTATION_ATTRS or attr == "IS_STOP":
            conditions.append((attr, _condition(attr, value, fuzzy_compare)))
        elif attr == "_":
            if not isinstance(value, dict) or not value:
                raise ValueError(f"_ takes a dict of custom attribute names to values or conditions, not {value!r}")
            conditions.extend((f"_.{name}", _condition(f"_.{name}", v, fuzzy_compare)) for name, v in value.items())
        else:
            raise ValueError(f"unknown token attribute {key!r}; known: {', '.join(sorted({*_WORD_ATTRS, *_ANNOTATION_ATTRS, 'IS_STOP', 'OP', '_'}))}")
    return conditions, op


def _token_hits(conditions: list[tuple[str, Predicate]], op: str, columns: "_TokenColumns", n: int) -> list[bool]:
    """Whether each of the Doc's n tokens fits one compiled token spec (`!`: fails to)."""
    ok = [all(test(columns[attr][i]) for attr, test in conditions) for i in range(n)]
    return [not h for h in ok] if op == "!" else ok


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
            elif attr.startswith("_."):
                column = [token._.get(attr[2:]) for token in self.doc]  # an AttributeError names a missing extension
            elif attr == "IS_STOP":
                column = [t.is_stop for t in self.doc]
            elif attr == "NORM":
                column = self.doc._norms()  # with the norms set on tokens (`token.norm_ = ...`)
            else:
                column = [_WORD_ATTRS[attr](w) for w in self.words]
            self._columns[attr] = column
        return column


class _Rules:
    """What the Matcher, the PhraseMatcher and the DependencyMatcher share: rules under string
    keys, each key with its `on_match` callback (`_callbacks` holds every key)."""

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

    def _report(self, doc: Doc, found: set[tuple[int, int, int]], as_spans: bool, alignments: dict | None = None) -> list:
        """The matches sorted by (start, end), each one's `on_match` run; or labelled Spans.
        With `alignments` ({match: [pattern token of each matched token]}), each match is
        (match_id, start, end, alignment), as the callbacks see it too."""
        matches: list = sorted(found, key=lambda m: (m[1], m[2], m[0]))
        if alignments is not None:
            matches = [(*m, alignments[m]) for m in matches]
        self._run_callbacks(doc, matches)
        if as_spans:
            return [Span(doc, start, end, self.vocab.strings[match_id]) for match_id, start, end in matches]
        return matches

    def _run_callbacks(self, doc: Doc, matches: list) -> None:
        """Each match's key's `on_match(matcher, doc, i, matches)`, in order."""
        for i, match in enumerate(matches):
            callback = self._callbacks.get(match[0])
            if callback is not None:
                callback(self, doc, i, matches)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __contains__(self, key: str) -> bool:
        return key in self.vocab.strings and self.vocab.strings[key] in self._callbacks


class _PatternRules(_Rules):
    """Rules that are lists of dicts (the Matcher's token patterns, the DependencyMatcher's
    node patterns): each key's patterns kept as given (`get`) and compiled (`_patterns`)."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self._patterns: dict[int, list[list]] = {}
        self._raw: dict[int, list[list[dict]]] = {}
        self._callbacks: dict[int, Callable | None] = {}

    @staticmethod
    def _checked_list(key: str, patterns: Any, of: str) -> None:
        if isinstance(patterns, dict) or not isinstance(patterns, (list, tuple)):
            raise ValueError(f"{key}: patterns must be a list of patterns (each a list of {of} dicts)")

    def _store(self, key: str, patterns: Sequence[Sequence[dict]], compiled: list[list], on_match: Callable | None) -> None:
        match_id = self._add_key(key, on_match)
        self._patterns.setdefault(match_id, []).extend(compiled)
        self._raw.setdefault(match_id, []).extend([list(p) for p in patterns])

    def remove(self, key: str) -> None:
        match_id = self._known(key)
        for table in (self._patterns, self._raw, self._callbacks):
            del table[match_id]

    def get(self, key: str, default: Any = None) -> tuple[Callable | None, list[list[dict]]] | Any:
        """(on_match, patterns) of a key; `default` for a key without rules."""
        if key not in self:
            return default
        match_id = self.vocab.strings[key]
        return self._callbacks[match_id], self._raw[match_id]


class Matcher(_PatternRules):
    """Token patterns under keys. A pattern is compiled to (conditions, op, index of its
    token in the pattern as given) triples, with each range OP unrolled (`_quantified`)."""

    def __init__(self, vocab: Vocab, validate: bool = True, *, fuzzy_compare: FuzzyCompare = levenshtein_compare):
        super().__init__(vocab)  # patterns are always checked, whatever `validate` says
        self._greedy: dict[int, str | None] = {}
        self._fuzzy_compare = fuzzy_compare

    def add(self, key: str, patterns: Sequence[Sequence[dict]], *, on_match: Callable | None = None, greedy: str | None = None) -> None:
        """Add token patterns under `key` (a label); `on_match(matcher, doc, i, matches)` runs per
        match. With `greedy` ("FIRST" or "LONGEST") the key keeps only matches that overlap none
        of its others, as spaCy's: the earliest (the longer of those starting together) or the
        longest (the earlier on ties) first; it applies to all the key's patterns."""
        self._checked_list(key, patterns, "token")
        if greedy not in (None, *_GREEDY_ORDER):
            raise ValueError(f"{key}: greedy must be one of {', '.join(_GREEDY_ORDER)} (or None), not {greedy!r}")
        compiled = []
        for p, pattern in enumerate(patterns):
            if not isinstance(pattern, (list, tuple)) or not pattern:
                raise ValueError(f"{key}: pattern {p} must be a non-empty list of token dicts, not {pattern!r}")
            tokens = []
            for t, spec in enumerate(pattern):
                try:
                    conditions, op = _compile_token(spec, self._fuzzy_compare)
                except ValueError as e:
                    raise ValueError(f"{key}: pattern {p}, token {t}: {e}") from None
                tokens.extend((conditions, one, t) for one in _quantified(op))
            compiled.append(tokens)
        self._store(key, patterns, compiled, on_match)
        self._greedy[self.vocab.strings[key]] = greedy

    def __call__(self, doc: Doc, *, as_spans: bool = False, with_alignments: bool = False) -> list[tuple] | list[Span]:
        """Every match as (match_id, start, end), sorted by (start, end); or labelled Spans.
        `with_alignments`: (match_id, start, end, [pattern token index of each matched token])
        (as in spaCy, `as_spans` wins over it)."""
        columns = _TokenColumns(doc)
        found: set[tuple[int, int, int]] = set()
        alignments: dict[tuple[int, int, int], list[int]] | None = {} if with_alignments and not as_spans else None
        for match_id, patterns in self._patterns.items():
            matches = set()
            for pattern in patterns:
                hits, ends = _match_table(pattern, columns, len(doc))
                matches.update(_spans(match_id, ends))
                if alignments is not None:
                    runs: dict[int, dict[int, list[int]]] = {}  # start -> _alignments
                    for match in _spans(match_id, ends):
                        start, end = match[1], match[2]
                        if match not in alignments:
                            if start not in runs:
                                runs[start] = _alignments(pattern, hits, start)
                            alignments[match] = runs[start][end]
            greedy = self._greedy.get(match_id)
            found.update(non_overlapping(matches, greedy) if greedy else matches)
        return self._report(doc, found, as_spans, alignments)

    def remove(self, key: str) -> None:
        super().remove(key)
        del self._greedy[self.vocab.strings[key]]


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


class _Parse(NamedTuple):
    """A Doc's tree as the REL_OPs read it: each token's head (-1 for a root or an unknown
    head), its children and the root of its tree, all in token order."""

    doc: Doc
    head: list[int]
    children: list[list[int]]
    root: list[int]


def _parse(doc: Doc) -> _Parse:
    if len(doc) and not doc.has_annotation("HEAD"):
        raise ValueError("the DependencyMatcher needs a parsed Doc (one with heads): run a pipeline with a parser, or give Doc(heads=...)")
    head = [h if h != i else -1 for i, h in enumerate(doc._head.tolist())]
    children: list[list[int]] = [[] for _ in head]
    for i, h in enumerate(head):
        if h >= 0:
            children[h].append(i)
    root = [([i, *ancestors(doc, i)])[-1] for i in range(len(head))]
    return _Parse(doc, head, children, root)


def _descendants(t: _Parse, a: int) -> list[int]:
    found, stack = [], list(t.children[a])
    while stack:
        b = stack.pop()
        if b != a:  # a walk down from a meets a cycle of a bad tree only back at a
            found.append(b)
            stack.extend(t.children[b])
    return found


def _siblings(t: _Parse, a: int) -> list[int]:
    """The other children of a's head; none for a root (spaCy's are the root's children)."""
    return [b for b in t.children[t.head[a]] if b != a] if t.head[a] >= 0 else []


def _same_tree(t: _Parse, a: int, bs: Iterable[int]) -> list[int]:
    return [b for b in bs if 0 <= b < len(t.head) and t.root[b] == t.root[a]]


#: spaCy's REL_OPs: for `A op B`, the tokens that B may be, given A's token a. As in spaCy, a
#: Doc's sentences are its trees: `.`, `.*`, `;` and `;*` look within A's tree only.
_REL_OPS: dict[str, Callable[[_Parse, int], list[int]]] = {
    "<": lambda t, a: [t.head[a]] if t.head[a] >= 0 else [],  # A is B's child
    ">": lambda t, a: t.children[a],  # A is B's head
    "<<": lambda t, a: list(ancestors(t.doc, a)),  # A is below B
    ">>": _descendants,  # A is above B
    ".": lambda t, a: _same_tree(t, a, [a + 1]),  # A just before B
    ".*": lambda t, a: _same_tree(t, a, range(a + 1, len(t.head))),  # A before B
    ";": lambda t, a: _same_tree(t, a, [a - 1]),  # A just after B
    ";*": lambda t, a: _same_tree(t, a, range(a)),  # A after B
    "$+": lambda t, a: [b for b in _siblings(t, a) if b == a + 1],  # B is A's sibling just after it
    "$-": lambda t, a: [b for b in _siblings(t, a) if b == a - 1],  # ... just before it
    "$++": lambda t, a: [b for b in _siblings(t, a) if b > a],  # ... after it
    "$--": lambda t, a: [b for b in _siblings(t, a) if b < a],  # ... before it
    ">+": lambda t, a: [b for b in t.children[a] if b == a + 1],  # B is A's child just after it
    ">-": lambda t, a: [b for b in t.children[a] if b == a - 1],  # ... just before it
    ">++": lambda t, a: [b for b in t.children[a] if b > a],  # ... after it
    ">--": lambda t, a: [b for b in t.children[a] if b < a],  # ... before it
    "<+": lambda t, a: [t.head[a]] if t.head[a] == a + 1 else [],  # B is A's head just after it
    "<-": lambda t, a: [t.head[a]] if t.head[a] >= 0 and t.head[a] == a - 1 else [],  # ... just before it
    "<++": lambda t, a: [t.head[a]] if t.head[a] > a else [],  # ... after it
    "<--": lambda t, a: [t.head[a]] if 0 <= t.head[a] < a else [],  # ... before it
}

#: A compiled node: the index of its LEFT_ID's node (None for the anchor), its REL_OP, and
#: its RIGHT_ATTRS as `_compile_token` gives them.
_Node = tuple[int | None, str | None, list[tuple[str, Predicate]], str]


class DependencyMatcher(_PatternRules):
    """Tokens found by their places in a parsed Doc's tree, with spaCy's dependency patterns.

    Each pattern is a list of nodes: first the anchor, `{"RIGHT_ID": name, "RIGHT_ATTRS":
    spec}`, then nodes `{"LEFT_ID": earlier name, "REL_OP": op, "RIGHT_ID": name,
    "RIGHT_ATTRS": spec}`, where `LEFT op RIGHT` must hold (`_REL_OPS`) and each spec is a
    Matcher token spec (OP may be "!" or "1" only: a node is one token). A match is
    `(match_id, [token index of each node, in the pattern's order])`, with distinct tokens;
    matches come by key in the order keys were added, then by pattern, then by token indices,
    each tuple of tokens once per key (spaCy lets one token fill two nodes and repeats a match
    that two patterns of a key find). A root has no siblings for `$+ $- $++ $--` (spaCy takes
    the root's children for them). `validate` is accepted for spaCy's signature: patterns are
    always checked."""

    def __init__(self, vocab: Vocab, *, validate: bool = False):
        super().__init__(vocab)

    def add(self, key: str, patterns: Sequence[Sequence[dict]], *, on_match: Callable | None = None) -> None:
        """Add dependency patterns under `key`; `on_match(matcher, doc, i, matches)` runs per match."""
        self._checked_list(key, patterns, "node")
        self._store(key, patterns, [_compile_nodes(key, p, pattern) for p, pattern in enumerate(patterns)], on_match)

    def __call__(self, doclike: Doc | Span) -> list[tuple[int, list[int]]]:
        """Every match as (match_id, token indices); a Span's indices count from its start."""
        doc = doclike.as_doc() if isinstance(doclike, Span) else doclike
        tree, columns = _parse(doc), _TokenColumns(doc)
        matches: list[tuple[int, list[int]]] = []
        for match_id, patterns in self._patterns.items():
            seen: set[tuple[int, ...]] = set()
            for nodes in patterns:
                fits = [_token_hits(conditions, op, columns, len(doc)) for _, _, conditions, op in nodes]
                for found in _search(nodes, fits, tree, []):
                    if found not in seen:
                        seen.add(found)
                        matches.append((match_id, list(found)))
        self._run_callbacks(doc, matches)
        return matches


def _compile_nodes(key: str, p: int, pattern: Any) -> list[_Node]:
    """One dependency pattern's nodes, or a ValueError that names the key, pattern and node."""
    if not isinstance(pattern, (list, tuple)) or not pattern:
        raise ValueError(f"{key}: pattern {p} must be a non-empty list of node dicts, not {pattern!r}")
    ids: dict[Any, int] = {}
    nodes: list[_Node] = []
    for k, node in enumerate(pattern):
        where = f"{key}: pattern {p}, node {k}"
        if not isinstance(node, dict) or "RIGHT_ID" not in node:
            raise ValueError(f"{where}: a node is a dict with a RIGHT_ID (its name), not {node!r}")
        right = node["RIGHT_ID"]
        where += f" ({right!r})"
        if right in ids:
            raise ValueError(f"{where}: RIGHT_ID {right!r} already names node {ids[right]}; each node needs a new one")
        if k == 0 and ("LEFT_ID" in node or "REL_OP" in node):
            raise ValueError(f"{where}: the first node is the anchor; give it only RIGHT_ID and RIGHT_ATTRS, no LEFT_ID or REL_OP")
        required = ("RIGHT_ATTRS",) if k == 0 else ("LEFT_ID", "REL_OP", "RIGHT_ATTRS")
        missing = [name for name in required if name not in node]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)} (RIGHT_ATTRS may be {{}} for any token)")
        unknown = set(node) - {"RIGHT_ID", *required}
        if unknown:
            warnings.warn(f"{where}: ignoring unsupported keys {', '.join(map(str, sorted(unknown, key=str)))}")
        left = rel_op = None
        if k > 0:
            if node["LEFT_ID"] not in ids:
                raise ValueError(f"{where}: LEFT_ID {node['LEFT_ID']!r} is not the RIGHT_ID of an earlier node ({', '.join(map(repr, ids))})")
            left, rel_op = ids[node["LEFT_ID"]], node["REL_OP"]
            if rel_op not in _REL_OPS:
                raise ValueError(f"{where}: unknown REL_OP {rel_op!r}; use one of {' '.join(_REL_OPS)}")
        try:
            conditions, op = _compile_token(node["RIGHT_ATTRS"])
        except ValueError as e:
            raise ValueError(f"{where}: RIGHT_ATTRS: {e}") from None
        if op not in ("1", "!"):
            raise ValueError(f"{where}: RIGHT_ATTRS has OP {op!r}, but a node is exactly one token (OP may be '!' or '1')")
        ids[right] = k
        nodes.append((left, rel_op, conditions, op))
    return nodes


def _search(nodes: list[_Node], fits: list[list[bool]], tree: _Parse, chosen: list[int]) -> Iterable[tuple[int, ...]]:
    """Every way to give the nodes after `chosen` distinct fitting tokens, in token order:
    the anchor any token, each later node one that its REL_OP relates to its LEFT_ID's."""
    k = len(chosen)
    if k == len(nodes):
        yield tuple(chosen)
        return
    left, rel_op, _, _ = nodes[k]
    options = range(len(fits[k])) if left is None else sorted(set(_REL_OPS[rel_op](tree, chosen[left])))
    for b in options:
        if fits[k][b] and b not in chosen:
            yield from _search(nodes, fits, tree, [*chosen, b])


_Compiled = list[tuple[list[tuple[str, Predicate]], str, int]]


def _match_table(pattern: _Compiled, columns: _TokenColumns, n: int) -> tuple[list[list[bool]], list[frozenset[int]]]:
    """Whether each pattern token fits each Doc token (`hits[j][i]`), and for each token i the
    ends of the matches that begin there (`ends[i]`; an empty match ends where it begins).

    Dynamic programming over (pattern position j, token i): `after[i]` is the set of
    token positions where a match of pattern[j:] that begins at token i can end.
    """
    hits: list[list[bool]] = []
    for j, (conditions, op, _) in enumerate(pattern):  # the copies of an unrolled range are neighbours
        hits.append(hits[-1] if j and conditions is pattern[j - 1][0] else _token_hits(conditions, op, columns, n))
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
    return hits, after


def _spans(match_id: int, ends: list[frozenset[int]]) -> Iterable[tuple[int, int, int]]:
    """(match_id, start, end) of every non-empty match, from `_match_table`'s ends."""
    for start in range(len(ends) - 1):
        for end in ends[start]:
            if end > start:
                yield match_id, start, end


def _alignments(pattern: _Compiled, hits: list[list[bool]], start: int) -> dict[int, list[int]]:
    """{end: the pattern token (its index as given) that each token of the match start..end
    fits}. Where a pattern can match the same tokens in more than one way, spaCy's Matcher
    reports the way its state machine reaches first, so this runs that machine from `start`:
    a state is (pattern position, alignment so far); at each token the states that move on
    in place come before those a `*` keeps or a `?` takes the token into (`a+ a+ b` on
    "aaab": [0, 0, 1, 2]; `a* b* a*` on "a": [2])."""
    steps = []  # (op, index as given, hits), with "+" as spaCy has it: "1" then "*"
    for (_, op, index), hit in zip(pattern, hits):
        steps.extend((one, index, hit) for one in (("1", "*") if op == "+" else (op,)))
    found: dict[int, list[int]] = {}
    last = len(steps) - 1
    states: list[tuple[int, list[int]]] = [(0, [])]
    n = len(hits[0])
    for i in range(start, n):
        kept, spawned = [], []
        for j, path in states:
            while True:
                op, index, hit = steps[j][0], steps[j][1], steps[j][2][i]
                if op in ("1", "!"):  # the hits of "!" are already negated
                    if hit and j == last:
                        found.setdefault(i + 1, path + [index])
                    elif hit:
                        kept.append((j + 1, path + [index]))
                    break
                if j == last:  # a final * or ?: the match before this token, and on
                    found.setdefault(i, path)
                    if hit and op == "*":
                        kept.append((j, path + [index]))
                    elif hit:
                        found.setdefault(i + 1, path + [index])
                    break
                if hit:  # * stays on, ? moves on, each with this token
                    spawned.append((j if op == "*" else j + 1, path + [index]))
                j += 1  # and without it
        states = kept + spawned
        if not states:
            return found
    for j, path in states:  # at the Doc's end, the states whose rest may match nothing
        while steps[j][0] in ("*", "?"):
            if j == last:
                found.setdefault(n, path)
                break
            j += 1
    return found


#: The order in which spaCy's greedy filters take (match_id, start, end) matches.
_GREEDY_ORDER: dict[str, Callable[[tuple[int, int, int]], tuple[int, int]]] = {
    "FIRST": lambda m: (m[1], -m[2]),  # the earliest, the longer of those starting together
    "LONGEST": lambda m: (m[1] - m[2], m[1]),  # the longest, the earlier on ties
}


def non_overlapping(matches: Iterable[tuple[int, int, int]], greedy: str = "LONGEST") -> list[tuple[int, int, int]]:
    """Take matches in the `greedy` order ("FIRST" or "LONGEST"), each that overlaps none taken
    before; sorted by start."""
    taken: set[int] = set()
    kept = []
    for match_id, start, end in sorted(matches, key=_GREEDY_ORDER[greedy]):
        if not taken.intersection(range(start, end)):
            taken.update(range(start, end))
            kept.append((match_id, start, end))
    return sorted(kept, key=lambda m: m[1])


def longest_non_overlapping(matches: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep the longest of overlapping matches (the earlier one on ties), sorted by start."""
    return non_overlapping(matches, "LONGEST")


def filter_spans(spans: Iterable) -> list:
    """Of overlapping Spans keep the longest (the first on ties), sorted by start; as
    `spacy.util.filter_spans`, e.g. before `doc.ents = filter_spans(spans)`."""
    spans = list(spans)
    kept = longest_non_overlapping((k, s.start, s.end) for k, s in enumerate(spans))
    return [spans[k] for k, _, _ in kept]
