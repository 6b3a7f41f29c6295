"""Doc: a tokenized text with its annotations, stored as numpy arrays.

Each string-valued annotation is an int array of ids into `vocab.strings`
(0 = unset). Heads are absolute token indices (-1 = unset, i = root).
`sent_start` is 1 / -1 / 0 (start / not a start / unknown); `ent_iob` follows
spaCy's codes 0 unset, 1 I, 2 O, 3 B. As in spaCy, each token of an entity holds its
knowledge-base id and entity id (`ent_kb_id`, `ent_id`: a Span's `kb_id_` and `id_`), and
`norm` is the NORM set on a token (`token.norm_ = ...`; 0: its word's own).
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from . import lexeme
from .iob import iob_to_biluo, normalize_biluo, tags_to_entities, detect_scheme
from .span import Span, SpanGroups
from . import syntax
from .retokenize import Retokenizer
from .strings import Vocab
from .token import Token
from .underscore import HasExtensions
from .vectors import MeanVector

STRING_ATTRS = ("orth", "tag", "pos", "morph", "lemma", "dep", "ent_type", "ent_kb_id", "ent_id", "norm")
# Column order of the token table (DocBin and Doc.to_array).
ATTRS = ("orth", "spaces", "tag", "pos", "morph", "lemma", "dep", "head", "sent_start", "ent_iob", "ent_type", "ent_kb_id", "ent_id", "norm")
_ANNOTATION = {
    "TAG": "tag",
    "POS": "pos",
    "MORPH": "morph",
    "LEMMA": "lemma",
    "DEP": "dep",
    "HEAD": "head",
    "SENT_START": "sent_start",
    "ENT_IOB": "ent_iob",
}
# the Doc arrays `to_array` / `from_array` read by spaCy's attribute names
_ARRAY_COLUMNS = {"ORTH": "orth", "ENT_TYPE": "ent_type", "ENT_KB_ID": "ent_kb_id", "ENT_ID": "ent_id", **_ANNOTATION}
_ENT_IDS = ("_ent_kb_id", "_ent_id")
# spaCy's user hooks: functions that replace a Doc's, a Span's, a Token's `vector`,
# `has_vector`, `vector_norm`, `similarity` (and `sents`, `sent`), by those names
USER_HOOKS = ("user_hooks", "user_span_hooks", "user_token_hooks")


_LAZY_ARRAYS = {
    **{f"_{a}": (np.int32, 0) for a in ("tag", "pos", "morph", "lemma", "dep", "ent_type", "ent_kb_id", "ent_id", "norm")},
    "_head": (np.int32, -1),
    "_sent_start": (np.int8, 0),
    "_ent_iob": (np.int8, 0),
}


def _is_word_attr(name: str) -> bool:
    """Whether `name` is an attribute of the word (`lexeme.WORD_ATTRS` or IS_STOP), which
    `to_array` computes and `from_array` cannot set."""
    return name in lexeme.WORD_ATTRS or name == "IS_STOP"


def pack(lengths: Sequence[int], max_length: int) -> list[tuple[int, int]]:
    """Group consecutive items (sentences) of these lengths into runs of at most `max_length`
    in all, each as many as fit; an item longer than that is a run of its own. Returns
    [first, last) index ranges. How training cuts docs into pieces and how the tok2vec
    reads them at inference, so that both see the same sequences."""
    runs: list[tuple[int, int]] = []
    first, total = 0, 0
    for k, n in enumerate(lengths):
        if k > first and total + n > max_length:
            runs.append((first, k))
            first, total = k, 0
        total += n
    if len(lengths) > first:
        runs.append((first, len(lengths)))
    return runs


class Doc(HasExtensions, MeanVector):
    _hooks = "user_hooks"
    sentiment: float = 0.0  # spaCy's score of the text's positivity, for the user to set

    def __init__(
        self,
        vocab: Vocab,
        words: Sequence[str] | None = None,
        spaces: Sequence[bool] | None = None,
        *,
        tags: Sequence[str] | None = None,
        pos: Sequence[str] | None = None,
        morphs: Sequence[str] | None = None,
        lemmas: Sequence[str] | None = None,
        heads: Sequence[int] | None = None,
        deps: Sequence[str] | None = None,
        sent_starts: Sequence[bool | int | None] | None = None,
        ents: Sequence[str] | None = None,
        cats: dict[str, float] | None = None,
    ):
        words = list(words or [])
        n = len(words)
        self.vocab = vocab
        if "" in words:
            raise ValueError("Doc words must be non-empty strings")
        known = vocab.strings._ids.get
        add = vocab.strings.add
        self._orth = np.array([known(w) or add(w) for w in words], dtype=np.int32)
        if spaces is None:
            self._spaces = np.ones(n, dtype=bool)
            if n:
                self._spaces[-1] = False
        else:
            if len(spaces) != n:
                raise ValueError(f"{len(spaces)} spaces for {n} words")
            self._spaces = np.array(spaces, dtype=bool)
        # Annotation arrays are allocated on first use (see __getattr__): a tokenizer's Doc needs none.
        self.cats: dict[str, float] = dict(cats or {})
        self.user_data: dict = {}
        self._offsets: np.ndarray | None = None
        for attr, values in (("tag", tags), ("pos", pos), ("morph", morphs), ("lemma", lemmas), ("dep", deps)):
            if values is not None:
                self._set_strings(attr, values)
        if heads is not None:
            self._check_len("heads", heads)
            arr = np.asarray([-1 if h is None else h for h in heads], dtype=np.int64)
            if ((arr < -1) | (arr >= n)).any():
                bad = int(np.flatnonzero((arr < -1) | (arr >= n))[0])
                raise ValueError(f"head {arr[bad]} of token {bad} is out of range for {n} tokens")
            self._head[:] = arr
        if sent_starts is not None:
            self._check_len("sent_starts", sent_starts)
            self._sent_start[:] = [0 if s is None else (1 if s is True or s == 1 else -1) for s in sent_starts]
        if ents is not None:
            self._check_len("ents", ents)
            self.set_ent_tags(ents)

    def __getattr__(self, name: str):
        """Allocate an unset annotation array (`_tag`, `_head`, ...) the first time it is read."""
        if name == "_span_groups":
            self._span_groups = SpanGroups(self)
            return self._span_groups
        if name in USER_HOOKS:  # most Docs have none
            setattr(self, name, {})
            return self.__dict__[name]
        lazy = _LAZY_ARRAYS.get(name)
        if lazy is None:
            raise AttributeError(f"'Doc' object has no attribute {name!r}")
        dtype, fill = lazy
        arr = np.full(len(self._orth), fill, dtype=dtype)
        setattr(self, name, arr)
        return arr

    def _extension_key(self, name: str) -> str:
        return f"._.{name}"

    def _hooks_doc(self) -> "Doc":
        return self

    def _words(self) -> list[str]:
        return self.words

    def _copy_hooks(self, other: "Doc") -> None:
        """Give `other` this Doc's user hooks, as spaCy's `copy` and `as_doc` do."""
        for name in USER_HOOKS:
            if name in self.__dict__:
                setattr(other, name, dict(self.__dict__[name]))

    @property
    def spans(self) -> SpanGroups:
        """Named groups of Spans that may overlap: `doc.spans["sc"] = [Span(doc, 0, 2, "ORG")]`.
        Saved in `.lexloom` files; the `spancat`-style counterpart of `doc.ents`."""
        return self._span_groups

    @spans.setter
    def spans(self, groups: dict) -> None:
        self._span_groups = SpanGroups(self)
        self._span_groups.update(groups)

    # --- construction helpers -------------------------------------------------
    def _check_len(self, name: str, values: Sequence) -> None:
        if len(values) != len(self):
            raise ValueError(f"{len(values)} {name} for {len(self)} words")

    def _set_strings(self, attr: str, values: Sequence[str | None]) -> None:
        self._check_len(attr + "s", values)
        add = self.vocab.strings.add
        getattr(self, "_" + attr)[:] = [add(v) if v else 0 for v in values]

    def set_ent_tags(self, tags: Sequence[str]) -> None:
        """Set entities from IOB1/IOB2/BILUO tags; '-' or None marks a token as unannotated."""
        tags = ["-" if t is None else t for t in tags]
        if detect_scheme(t for t in tags if t != "-") != "biluo":
            tags = iob_to_biluo(tags, scheme="iob1")
        tags = normalize_biluo(tags)
        missing = np.array([t in ("-", "") for t in tags], dtype=bool)
        known = ["O" if m else t for t, m in zip(tags, missing)]
        self._ent_iob[:] = 2
        self._ent_type[:] = 0
        self._clear_ent_ids(slice(None))
        for label, s, last in tags_to_entities(known):
            self._ent_iob[s] = 3
            self._ent_iob[s + 1 : last + 1] = 1
            self._ent_type[s : last + 1] = self.vocab.strings.add(label)
        self._ent_iob[missing] = 0

    # --- sequence protocol ------------------------------------------------------
    def __len__(self) -> int:
        return len(self._orth)

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, _ = i.indices(len(self))
            return Span(self, start, stop)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"token index {i} out of range for a Doc of {len(self)} tokens")
        return Token(self, i)

    def __iter__(self) -> Iterator[Token]:
        for i in range(len(self)):
            yield Token(self, i)

    def __repr__(self) -> str:
        return self.text

    # --- text -------------------------------------------------------------------
    @property
    def words(self) -> list[str]:
        strings = self.vocab.strings
        return [strings[int(o)] for o in self._orth]

    @property
    def spaces(self) -> list[bool]:
        return self._spaces.tolist()

    @property
    def text(self) -> str:
        """The text the Doc spells: each token followed by its space, except that a multi-word
        token (see `multiword_tokens`) is spelled by its surface form ("del" for "de" "el")."""
        return "".join(w + (" " if s else "") for w, s in zip(self._surface_words(), self._spaces))

    text_with_ws = text

    def multiword_tokens(self) -> list[tuple[int, int, str]]:
        """The multi-word tokens as (first token, end token, surface form): syntactic words
        ("de", "el") whose text is one surface token ("del"). Read from `user_data["mwts"]`,
        where CoNLL-U conversion and the `mwt` component keep them: one list of
        sentence-relative [start, end, form] per sentence of `doc.sents`."""
        per_sentence = self.user_data.get("mwts")
        if not per_sentence:
            return []
        bounds = self._sent_bounds()
        starts, ends = bounds[:-1], bounds[1:]
        if len(per_sentence) != len(starts):
            return []
        out = []
        for first, last, ranges in zip(starts, ends, per_sentence):
            for start, end, form in ranges:
                if end - start > 1 and first + end <= last:
                    out.append((first + start, first + end, form))
        return out

    def set_multiword_tokens(self, ranges: Iterable[tuple[int, int, str]]) -> None:
        """Store multi-word tokens given as (first token, end token, surface form) in
        `user_data["mwts"]`, one list per sentence of `doc.sents`. A component that moves
        sentence boundaries keeps them this way: read `multiword_tokens()` before, set them
        after (a token cut by a new boundary is left out)."""
        bounds = self._sent_bounds()
        starts = bounds[:-1]
        per_sentence: list[list] = [[] for _ in starts]
        for start, end, form in ranges:
            k = int(np.searchsorted(starts, start, side="right")) - 1
            sentence_end = bounds[k + 1]
            if end <= sentence_end:
                per_sentence[k].append([start - starts[k], end - starts[k], form])
        self.user_data["mwts"] = per_sentence

    def _surface_words(self) -> list[str]:
        """The words, the first of each multi-word token replaced by its surface form, the others by ""."""
        words = self.words
        for start, end, form in self.multiword_tokens():
            words[start : end] = [form] + [""] * (end - start - 1)
        return words

    def _char_spans(self) -> tuple[np.ndarray, np.ndarray]:
        """Each token's start and end character in `text`, and the text's length as start n; the
        words of a multi-word token share its span, as in CoNLL-U."""
        mwts = self.user_data.get("mwts")
        key = (len(self),) if not mwts else (len(self), id(mwts), len(mwts), self._sent_start.tobytes())
        if self._offsets is None or self._offsets[0] != key:
            ranges = self.multiword_tokens() if mwts else []
            words = self._surface_words() if ranges else self.words
            lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(self))
            starts = np.concatenate([[0], np.cumsum(lengths + self._spaces)])
            ends = starts[:-1] + lengths
            for start, end, _ in ranges:
                starts[start + 1 : end] = starts[start]
                ends[start:end] = ends[start]
            self._offsets = (key, starts, ends)
        return self._offsets[1], self._offsets[2]

    def _char_offsets(self) -> np.ndarray:
        """Each token's start character in `text`, then the text's length (n + 1 values)."""
        return self._char_spans()[0]

    def _char_end(self, i: int) -> int:
        if i < 0:
            return 0
        return int(self._char_spans()[1][i])

    # --- annotations -------------------------------------------------------------
    def has_annotation(self, attr: str) -> bool:
        name = _ANNOTATION[attr.upper()]
        arr = getattr(self, "_" + name)
        if name == "head":
            return bool((arr >= 0).any())
        if name == "sent_start":
            return bool((arr[1:] != 0).any()) if len(arr) > 1 else bool(arr.any())
        return bool(arr.any())

    def _strings_of(self, attr: str) -> list[str]:
        strings = self.vocab.strings
        return [strings[int(v)] for v in getattr(self, "_" + attr)]

    def _norm_overrides(self) -> dict[int, str]:
        """{token: norm} of the tokens whose NORM was set (`token.norm_ = ...`); {} for most Docs."""
        norm = self.__dict__.get("_norm")
        if norm is None or not norm.any():
            return {}
        strings = self.vocab.strings
        return {i: strings[int(norm[i])] for i in np.flatnonzero(norm).tolist()}

    def _norms(self) -> list[str]:
        """Each token's NORM: the one set on it, else its word's (`lexeme.norm`)."""
        norms = [lexeme.norm(w) for w in self.words]
        for i, norm in self._norm_overrides().items():
            norms[i] = norm
        return norms

    @property
    def tags(self) -> list[str]:
        return self._strings_of("tag")

    @property
    def heads(self) -> list[int]:
        return self._head.tolist()

    @property
    def ents(self) -> tuple[Span, ...]:
        """The entities, each with the label, knowledge-base id and id of its first token."""
        spans = []
        iob, types = self._ent_iob, self._ent_type
        kb_ids, ids = (self.__dict__.get(name) for name in _ENT_IDS)
        strings = self.vocab.strings
        i, n = 0, len(self)
        while i < n:
            # B with no type is a blocked token (`set_ents(blocked=...)`): never an entity
            if (iob[i] == 3 and types[i]) or (iob[i] == 1 and (i == 0 or types[i - 1] != types[i] or iob[i - 1] in (0, 2))):
                j = i + 1
                while j < n and iob[j] == 1 and types[j] == types[i]:
                    j += 1
                kb_id = strings[int(kb_ids[i])] if kb_ids is not None else ""
                span_id = strings[int(ids[i])] if ids is not None else ""
                spans.append(Span(self, i, j, strings[int(types[i])], kb_id=kb_id, span_id=span_id))
                i = j
            else:
                i += 1
        return tuple(spans)

    @ents.setter
    def ents(self, spans: Iterable[Span | tuple]) -> None:
        # Spans, or spaCy's (label, start, end) tuples; a label is a string or its id
        self.set_ents([s if isinstance(s, Span) else Span(self, s[1], s[2], s[0]) for s in spans])

    _ENT_CODES = {"outside": 2, "missing": 0, "blocked": 3}

    def set_ents(self, entities: Iterable[Span], *, blocked: Iterable[Span] | None = None, missing: Iterable[Span] | None = None,
                 outside: Iterable[Span] | None = None, default: str = "outside") -> None:
        """spaCy's `doc.set_ents`: labelled spans become entities (unlabelled or empty ones
        are ignored); `blocked` spans are never an entity (the `ner` predicts around them),
        `missing` ones have no entity annotation, `outside` ones are O; every other token is
        set as `default` says: "outside", "missing", "blocked" or "unmodified"."""
        if default not in (*self._ENT_CODES, "unmodified"):
            raise ValueError(f"set_ents default must be one of outside, missing, blocked, unmodified, not {default!r}")
        entities = [e for e in entities if e.label_ and len(e)]
        given = {"blocked": list(blocked or ()), "missing": list(missing or ()), "outside": list(outside or ())}
        seen = np.zeros(len(self), dtype=bool)
        for span in [*entities, *given["blocked"], *given["missing"], *given["outside"]]:
            if not isinstance(span, Span) or not 0 <= span.start <= span.end <= len(self):
                raise ValueError(f"entities are set from Spans of this Doc's {len(self)} tokens, not {span!r}")
            if seen[span.start : span.end].any():
                token = span.start + int(np.argmax(seen[span.start : span.end]))
                raise ValueError(f"{span.text!r} [{span.start}:{span.end}] overlaps another entity or span: token {token} is in two of the spans given")
            seen[span.start : span.end] = True
        if default != "unmodified":
            self._ent_iob[~seen], self._ent_type[~seen] = self._ENT_CODES[default], 0
            self._clear_ent_ids(~seen)
        for kind, spans in given.items():
            for span in spans:
                self._ent_iob[span.start : span.end], self._ent_type[span.start : span.end] = self._ENT_CODES[kind], 0
                self._clear_ent_ids(slice(span.start, span.end))
        add = self.vocab.strings.add
        for span in entities:
            tokens = slice(span.start, span.end)
            self._ent_iob[span.start], self._ent_iob[span.start + 1 : span.end] = 3, 1
            self._ent_type[tokens] = add(span.label_)
            self._clear_ent_ids(tokens)
            if span.kb_id_:
                self._ent_kb_id[tokens] = add(span.kb_id_)
            if span.id_:
                self._ent_id[tokens] = add(span.id_)

    def _clear_ent_ids(self, tokens: slice | np.ndarray) -> None:
        """No knowledge-base id or entity id on these tokens (a Doc that never had one keeps
        no arrays of them)."""
        for name in _ENT_IDS:
            if name in self.__dict__:
                self.__dict__[name][tokens] = 0

    def ent_biluo(self) -> list[str]:
        """BILUO tags of the entity annotation ('-' where a token is unannotated)."""
        tags = ["O" if v == 2 else "-" for v in self._ent_iob.tolist()]
        for sp in self.ents:
            if len(sp) == 1:
                tags[sp.start] = "U-" + sp.label_
            else:
                tags[sp.start] = "B-" + sp.label_
                for k in range(sp.start + 1, sp.end - 1):
                    tags[k] = "I-" + sp.label_
                tags[sp.end - 1] = "L-" + sp.label_
        return tags

    def _sent_bounds(self) -> list[int]:
        """Token offsets where sentences start (0 first, whether marked or not), and len(self)."""
        starts = np.flatnonzero(self._sent_start == 1).tolist()
        if not starts or starts[0] != 0:
            starts = [0] + starts
        return starts + [len(self)]

    @property
    def sents(self) -> Iterator[Span]:
        hook = self._hook("sents")
        if hook:
            yield from hook(self)
            return
        bounds = self._sent_bounds()
        for s, e in zip(bounds, bounds[1:]):
            if e > s:
                yield Span(self, s, e)

    def retokenize(self) -> "Retokenizer":
        """A block whose `merge(span, attrs=...)` and `split(token, orths, heads, attrs=...)`
        calls join and split tokens when it ends (`retokenize.py`)."""
        return Retokenizer(self)

    @property
    def noun_chunks(self) -> Iterator[Span]:
        """Base noun phrases ("NP" Spans) from the parse and UPOS, for any UD treebank's
        labels (`syntax.py`); a ValueError where the Doc has no parse."""
        return syntax.noun_chunks(self)

    def pieces(self, max_length: int) -> list[tuple[int, int]]:
        """Token ranges [start, end) of consecutive sentences of at most `max_length` tokens
        together (see `pack`); one range for the whole Doc when `max_length` is 0."""
        if not max_length or len(self) <= max_length:
            return [(0, len(self))]
        bounds = self._sent_bounds()
        return [(bounds[a], bounds[b]) for a, b in pack(np.diff(bounds).tolist(), max_length)]

    def char_span(self, start: int, end: int, label: str = "", alignment_mode: str = "strict", *, kb_id: str = "", span_id: str = "") -> Span | None:
        """The Span covering characters [start, end), or None if it does not fit the tokens."""
        if alignment_mode not in ("strict", "contract", "expand"):
            raise ValueError(f"alignment_mode must be strict, contract or expand, not {alignment_mode!r}")
        offsets, ends = self._char_spans()
        offsets = offsets[:-1]
        inside = np.flatnonzero((ends > start) & (offsets < end))
        if not len(inside) or end <= start:
            return None
        first, last = int(inside[0]), int(inside[-1])
        if alignment_mode == "strict":
            if offsets[first] != start or ends[last] != end:
                return None
        elif alignment_mode == "contract":
            if offsets[first] < start:
                first += 1
            if ends[last] > end:
                last -= 1
            if last < first:
                return None
        return Span(self, first, last + 1, label, kb_id=kb_id, span_id=span_id)

    def slice(self, start: int, end: int) -> "Doc":
        """A new Doc holding tokens [start, end) with their annotations (heads outside become roots)."""
        d = Doc.__new__(Doc)
        d.vocab = self.vocab
        for attr in ATTRS:
            arr = self.__dict__.get("_" + attr)  # an array this Doc never made stays unmade
            if arr is not None:
                setattr(d, "_" + attr, arr[start:end].copy())
        if end > start:
            d._spaces[-1] = False if end == len(self) else d._spaces[-1]
        h = d._head
        known = h >= 0
        h[known] -= start
        outside = known & ((h < 0) | (h >= end - start))
        h[outside] = np.flatnonzero(outside)
        d.cats = dict(self.cats)
        d.user_data = {}
        d._offsets = None
        return d

    def to_json(self) -> dict:
        """The Doc as JSON in spaCy's `doc.to_json()` shape (see tokens/doc_json.py)."""
        from .doc_json import doc_to_json

        return doc_to_json(self)

    def from_json(self, data: dict) -> "Doc":
        """A new Doc, on this Doc's vocab, from `to_json()` output: `Doc(vocab).from_json(data)`, as in spaCy."""
        from .doc_json import doc_from_json

        return doc_from_json(self.vocab, data)

    def to_array(self, attrs: str | Sequence[str] | None = None) -> np.ndarray:
        """spaCy's `doc.to_array(["POS", "HEAD"])`: one row per token, one int64 column per
        attribute (one attribute given alone: a 1-D array). Strings (ORTH, LOWER, NORM, TAG,
        POS, MORPH, LEMMA, DEP, ENT_TYPE, ENT_KB_ID, ENT_ID) come as ids of this Doc's vocab,
        HEAD as the offset to the head, SENT_START as 1, -1 or 0, ENT_IOB as spaCy's codes,
        SPACY as 1 where a space follows, lexical attributes (SHAPE, SUFFIX, IS_ALPHA, LENGTH,
        IS_STOP, ...) as string ids or numbers. Without `attrs`: the token table a DocBin stores (ATTRS order, heads
        absolute, -1 where unset)."""
        if attrs is None:
            return np.stack([getattr(self, "_" + a).astype(np.int64) for a in ATTRS], axis=1) if len(self) else np.zeros((0, len(ATTRS)), np.int64)
        names = [attrs] if isinstance(attrs, str) else list(attrs)
        columns = np.zeros((len(self), len(names)), dtype=np.int64)
        for j, name in enumerate(names):
            columns[:, j] = self._array_column(str(name).upper())
        return columns[:, 0] if isinstance(attrs, str) else columns

    def _array_column(self, name: str) -> np.ndarray:
        if name == "HEAD":
            return np.where(self._head >= 0, self._head - np.arange(len(self)), 0)
        if name == "SPACY":
            return self._spaces.astype(np.int64)
        column = _ARRAY_COLUMNS.get(name)
        if column is not None:
            return getattr(self, "_" + column).astype(np.int64)
        if not _is_word_attr(name):
            word_attrs = [a for a in (*lexeme.WORD_ATTRS, "IS_STOP") if a not in _ARRAY_COLUMNS]
            raise ValueError(f"to_array takes SPACY, {', '.join(_ARRAY_COLUMNS)} or an attribute of the word "
                             f"({', '.join(word_attrs)}), not {name!r}")
        if name == "NORM":
            values = self._norms()
        elif name == "IS_STOP":
            values = [t.is_stop for t in self]
        else:
            values = [lexeme.WORD_ATTRS[name](w) for w in self.words]
        add = self.vocab.strings.add
        return np.array([add(v) if isinstance(v, str) else int(v) for v in values], dtype=np.int64)

    def count_by(self, attr: str, exclude: Callable[[Token], bool] | None = None, counts: dict | None = None) -> dict[int, int]:
        """spaCy's `doc.count_by(LOWER)`: how many tokens have each value of the attribute,
        keyed by the value `to_array` gives (a string as its id: `doc.vocab.strings[key]`);
        `exclude` skips the tokens it is true of, `counts` is a dict to add to."""
        counts = {} if counts is None else counts
        for token, value in zip(self, self.to_array(str(attr)).tolist()):
            if exclude is None or not exclude(token):
                counts[value] = counts.get(value, 0) + 1
        return counts

    def get_lca_matrix(self) -> np.ndarray:
        """spaCy's matrix of lowest common ancestors: [j, k] is the token that heads both
        tokens j and k lowest in the tree; -1 where none does (different sentences or trees)."""
        return syntax.lca_matrix(self)

    def from_array(self, attrs: str | Sequence[str], array: np.ndarray) -> "Doc":
        """Set the attributes `to_array(attrs)` gives from such an array (strings as ids of
        this Doc's vocab, HEAD as offsets); returns the Doc, as spaCy's."""
        names = [attrs] if isinstance(attrs, str) else list(attrs)
        array = np.asarray(array, dtype=np.int64).reshape(len(self), len(names))
        for j, name in enumerate(str(n).upper() for n in names):
            values = array[:, j]
            if name == "HEAD":
                heads = np.arange(len(self)) + values
                if ((heads < 0) | (heads >= len(self))).any():
                    raise ValueError(f"from_array: a HEAD offset points outside the Doc's {len(self)} tokens")
                self._head[:] = heads
            elif name == "SPACY":
                self._spaces[:] = values.astype(bool)
            elif _is_word_attr(name):
                raise ValueError(f"from_array cannot set {name}: it is the word's, and a Doc's words are fixed when it is made")
            else:
                self._array_column(name)  # checks the name
                getattr(self, "_" + _ARRAY_COLUMNS[name])[:] = values
        self._offsets = None
        return self

    def to_bytes(self) -> bytes:
        """The Doc as bytes (a one-Doc `.lexloom` corpus: tokens, annotation, categories, span
        groups, user data), for `from_bytes`."""
        from .docbin import DocBin

        return DocBin(docs=[self]).to_bytes()

    def from_bytes(self, data: bytes) -> "Doc":
        """Become the Doc `to_bytes` wrote (its strings added to this Doc's vocab)."""
        from .docbin import DocBin

        docs = list(DocBin().from_bytes(data).get_docs(self.vocab))
        if len(docs) != 1:
            raise ValueError(f"Doc.from_bytes reads the bytes of one Doc; these hold {len(docs)}")
        return self._become(docs[0])

    def to_dict(self, *, exclude: Iterable[str] = ()) -> dict:
        """spaCy's `doc.to_dict()`: the Doc as a dict of fields for `from_dict`: `to_json()`'s
        (text, tokens, ents, sents, cats, spans), "sentiment" and "user_data"; `exclude`
        names fields to leave out. (`to_bytes` keeps everything, a NORM set on a token too.)"""
        data = {**self.to_json(), "sentiment": self.sentiment, "user_data": dict(self.user_data)}
        return {key: value for key, value in data.items() if key not in set(exclude)}

    def from_dict(self, data: dict, *, exclude: Iterable[str] = ()) -> "Doc":
        """Become the Doc `to_dict` gave (its strings added to this Doc's vocab), the fields
        in `exclude` left out; returns the Doc, as spaCy's."""
        data = {key: value for key, value in data.items() if key not in set(exclude)}
        doc = self.from_json(data)
        doc.sentiment = float(data.get("sentiment", 0.0))
        doc.user_data = dict(data.get("user_data", {}))
        return self._become(doc)

    def _become(self, other: "Doc") -> "Doc":
        """Take `other`'s words and annotation in place (its span groups made this Doc's),
        keeping this Doc's user hooks."""
        hooks = {name: self.__dict__[name] for name in USER_HOOKS if name in self.__dict__}
        self.__dict__.clear()
        self.__dict__.update(other.__dict__, **hooks)
        if "_span_groups" in other.__dict__:
            self._span_groups = other._span_groups.copy(self)
        return self

    @property
    def lang_(self) -> str:
        return self.vocab.lang

    @property
    def lang(self) -> int:
        """The language code's id in the vocab's strings (spaCy's hash of `lang_`)."""
        return self.vocab.strings.add(self.vocab.lang)

    def copy(self) -> "Doc":
        d = self.slice(0, len(self))
        d._spaces[:] = self._spaces
        d.user_data = dict(self.user_data)
        d.sentiment = self.sentiment
        if "_span_groups" in self.__dict__:
            d._span_groups = self._span_groups.copy(d)
        self._copy_hooks(d)
        return d

    @property
    def space_after(self) -> bool:
        """Whether whitespace follows the Doc's last sentence in the raw text it was read from:
        False only where the reader found none (CoNLL-U's `SpaceAfter=No` on a sentence's last
        word, kept per sentence in `user_data["space_after"]`: sentences that run together,
        "the quality.You can")."""
        flags = self.user_data.get("space_after")
        return not (isinstance(flags, list) and flags and flags[-1] is False)

    @classmethod
    def from_docs(cls, docs: Sequence["Doc"]) -> "Doc":
        """Concatenate Docs (sharing one vocab); each keeps its sentence start, and is followed
        by a space unless it is the last or the raw text has none after it (`space_after`)."""
        if not docs:
            raise ValueError("from_docs needs at least one Doc")
        d = Doc.__new__(Doc)
        d.vocab = docs[0].vocab
        offset = 0
        parts: dict[str, list[np.ndarray]] = {a: [] for a in ATTRS}
        for doc in docs:
            if doc.vocab is not d.vocab:
                raise ValueError("from_docs: all Docs must share one Vocab")
            for a in ATTRS:
                arr = getattr(doc, "_" + a).copy()
                if a == "head":
                    arr[arr >= 0] += offset
                elif a == "sent_start" and len(arr):
                    arr[0] = 1
                elif a == "spaces" and len(arr) and doc is not docs[-1]:
                    arr[-1] = doc.space_after
                parts[a].append(arr)
            offset += len(doc)
        for a in ATTRS:
            setattr(d, "_" + a, np.concatenate(parts[a]))
        d.cats = dict(docs[0].cats)
        d.user_data = {}
        d._offsets = None
        return d
