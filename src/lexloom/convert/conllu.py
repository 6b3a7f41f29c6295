"""CoNLL-U <-> Docs.

Reading (`read_conllu`): FORM, LEMMA, UPOS (-> `pos`), XPOS (-> `tag`),
FEATS (-> `morph`), HEAD and DEPREL are kept; `SpaceAfter=No` in MISC sets the
token's space, so that each sentence's text equals its `# text` comment.
`NE=B-ORG` / `NE=I-ORG` / `NE=O` in MISC are the entities (a sentence with NE on no
word has no entity annotation; a word without NE in one that has is unannotated), and
a `# cats = {"POS": 1.0}` comment gives the categories of its document: of that
sentence and the ones after it, up to the next `# newdoc`.
DEPS and the rest of MISC are not stored. Sentence-level metadata goes to
`doc.user_data` as lists with one entry per sentence: `sent_ids`, `texts`
(the `# sent_id` / `# text` comments, "" where absent), `paragraph_starts` (True
where `# newpar` or `# newdoc` starts a paragraph), `space_after` (False where the
last word has `SpaceAfter=No`: the next sentence follows with no space, and joined
sentences keep it so, as the raw text has it) and, when multi-word
tokens are not merged, `mwts`: per sentence a list of `[start, end, form]`
(sentence-relative word indices, end exclusive) so `write_conllu` can restore
the range lines.

Multi-word tokens (`3-4 don't`):
- by default the syntactic words ("do", "n't") are the tokens, with no space
  between them and the range line's SpaceAfter on the last word;
- with `merge_subtokens=True` the surface token is one token, merged the way
  spaCy's `--merge-subtokens` merges it: FORM is the surface form, HEAD and
  DEPREL come from the word that attaches outside the range (the syntactic
  root of the span) and UPOS is that word's; XPOS values are joined with "+"
  and lemmas with " " ("do not"); FEATS is the union of the words' features.

Empty nodes (`5.1`) belong to enhanced dependencies only and are skipped.
Writing (`write_conllu`) puts all of that back, and `# newdoc id = N` before the first
sentence of the N-th Doc, so that sentences map back to the documents (the input lines
of `lexloom apply`) they came from.
The space after a sentence's last word is not kept: a Doc ends without one
and sentences grouped into one Doc (`n_sents`) are separated by one space.
"""
from __future__ import annotations

import json
import sys
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import DataError
from ..tokens import Doc, Vocab
from ..files import atomic_path
from ..files import Line, read_blocks
from ._sentences import group_sentences, read_comment, sentence_starts

N_COLUMNS = 10
# Doc ent_iob codes (0 unannotated, 1 I, 2 O, 3 B) and back.
_IOB_CODES = {"I": 1, "O": 2, "B": 3}
_IOB_PREFIX = {1: "I-", 3: "B-"}


@dataclass
class _Word:
    form: str
    lemma: str | None
    pos: str | None
    tag: str | None
    morph: str | None
    head: int | None  # 0-based index in the sentence; None = unset, own index = root
    dep: str | None
    space: bool
    ent: str | None = None  # NE= in MISC: "B-ORG", "I-ORG" or "O"


@dataclass
class _Sentence:
    words: list[_Word] = field(default_factory=list)
    mwts: list[list] = field(default_factory=list)  # [start, end (exclusive), form]
    sent_id: str = ""
    text: str = ""
    newdoc: bool = False
    newpar: bool = False  # `# newpar` or `# newdoc`: a paragraph starts
    cats: dict[str, float] | None = None  # its document's categories


def read_conllu(path: str | Path, vocab: Vocab, *, n_sents: int = 1, merge_subtokens: bool = False) -> Iterator[Doc]:
    """Stream the Docs of a CoNLL-U file, `n_sents` sentences per Doc."""
    docs = (_sentence_doc(sentence, vocab, merge_subtokens) for sentence in _sentences(path) if sentence.words)
    return group_sentences(docs, n_sents)


def _sentences(path: str | Path) -> Iterator[_Sentence]:
    """The file's sentences, each with its document's categories."""
    cats: dict[str, float] | None = None
    for block in read_blocks(path):
        sentence = _parse_sentence(block, path)
        if sentence.newdoc or sentence.cats is not None:
            cats = sentence.cats
        sentence.cats = cats
        yield sentence


def _none_if_blank(value: str) -> str | None:
    return None if value == "_" else value


def _parse_sentence(block: list[Line], path: str | Path) -> _Sentence:
    sentence = _Sentence()
    mwt_end = 0  # ID of the last word of the multi-word token being read
    mwt_space = True
    head_lines: list[tuple[int, int]] = []  # (HEAD as written, line) to check against the sentence length
    for number, text in block:
        if text.startswith("#"):
            key, _, value = text[1:].partition("=")
            if key.strip() == "cats":
                sentence.cats = _cats_comment(value, path, number)
            elif key.split()[:1] == ["newdoc"]:
                sentence.newdoc = sentence.newpar = True
            elif key.split()[:1] == ["newpar"]:
                sentence.newpar = True
            read_comment(text, sentence)
            continue
        columns = text.split("\t")
        if len(columns) != N_COLUMNS:
            raise DataError(f"expected {N_COLUMNS} tab-separated columns, found {len(columns)}", path, number)
        word_id, form, lemma, upos, xpos, feats, head, deprel, _deps, misc = columns
        misc_items = misc.split("|")
        space = "SpaceAfter=No" not in misc_items
        if "." in word_id:
            continue
        if not form:
            raise DataError("empty FORM (column 2); a word needs at least one character", path, number)
        if "-" in word_id:
            start, end = _id_range(word_id, path, number)
            if start != len(sentence.words) + 1 or end <= start:
                raise DataError(f"multi-word token range {word_id} does not start at word {len(sentence.words) + 1}", path, number)
            sentence.mwts.append([start - 1, end, form])
            mwt_end, mwt_space = end, space
            continue
        index = _int_column("ID", word_id, path, number) - 1
        if index != len(sentence.words):
            raise DataError(f"word ID {word_id} is out of order (expected {len(sentence.words) + 1})", path, number)
        if index + 1 < mwt_end:
            space = False
        elif index + 1 == mwt_end:
            space = mwt_space
        if head == "_":
            head_index = None
        else:
            written = _int_column("HEAD", head, path, number)
            if written == index + 1:
                raise DataError(f"word {word_id} is its own HEAD", path, number)
            head_lines.append((written, number))
            head_index = index if written == 0 else written - 1
        sentence.words.append(
            _Word(
                form=form,
                # "_" is a real lemma only for the word "_"
                lemma=lemma if lemma != "_" or form == "_" else None,
                pos=_none_if_blank(upos),
                tag=_none_if_blank(xpos),
                morph=_none_if_blank(feats),
                head=head_index,
                dep=_none_if_blank(deprel),
                space=space,
                ent=_ne_tag(misc_items, path, number),
            )
        )
    for written, number in head_lines:
        if not 0 <= written <= len(sentence.words):
            raise DataError(f"HEAD {written} is out of range: the sentence has {len(sentence.words)} words", path, number)
    if mwt_end > len(sentence.words):
        raise DataError(f"multi-word token range ends at word {mwt_end}, past the last word", path, block[-1][0])
    return sentence


def _ne_tag(misc_items: list[str], path: str | Path, line: int) -> str | None:
    """The entity tag of a word's MISC (`NE=B-ORG`), None when it has none."""
    for item in misc_items:
        if item.startswith("NE="):
            tag = item[3:]
            if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
                raise DataError(f"NE={tag} in MISC: expected B-LABEL, I-LABEL or O", path, line)
            return tag
    return None


def _cats_comment(value: str, path: str | Path, line: int) -> dict[str, float]:
    try:
        cats = json.loads(value)
    except json.JSONDecodeError as e:
        raise DataError(f"# cats: invalid JSON at column {e.colno}: {e.msg}", path, line) from None
    if not isinstance(cats, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cats.values()):
        raise DataError('# cats must be a JSON object mapping each label to a number, e.g. {"POS": 1.0}', path, line)
    return {label: float(v) for label, v in cats.items()}


def _int_column(name: str, value: str, path: str | Path, line: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise DataError(f"{name} {value!r} is not an integer", path, line) from None
    if number < 0:
        raise DataError(f"{name} {value!r} is negative", path, line)
    return number


def _id_range(value: str, path: str | Path, line: int) -> tuple[int, int]:
    start, _, end = value.partition("-")
    return _int_column("ID", start, path, line), _int_column("ID", end, path, line)


def _sentence_doc(sentence: _Sentence, vocab: Vocab, merge_subtokens: bool) -> Doc:
    words = sentence.words
    mwts = sentence.mwts
    if merge_subtokens and mwts:
        words = _merge_subtokens(words, mwts)
        mwts = []
    spaces = [w.space for w in words]
    spaces[-1] = False
    doc = Doc(
        vocab,
        [w.form for w in words],
        spaces,
        tags=[w.tag for w in words],
        pos=[w.pos for w in words],
        morphs=[w.morph for w in words],
        lemmas=[w.lemma for w in words],
        heads=[-1 if w.head is None else w.head for w in words],
        deps=[w.dep for w in words],
        sent_starts=sentence_starts(len(words)),
        cats=sentence.cats,
    )
    if any(w.ent is not None for w in words):
        # As written: an I- at the start of a sentence continues an entity of the one before.
        for i, w in enumerate(words):
            if w.ent is not None:
                doc._ent_iob[i] = _IOB_CODES[w.ent[0]]
                doc._ent_type[i] = vocab.strings.add(w.ent[2:]) if w.ent != "O" else 0
    doc.user_data["sent_ids"] = [sentence.sent_id]
    doc.user_data["texts"] = [sentence.text]
    doc.user_data["paragraph_starts"] = [sentence.newpar]
    doc.user_data["space_after"] = [words[-1].space]
    if not merge_subtokens:
        doc.user_data["mwts"] = [mwts]
    return doc


def _merge_subtokens(words: list[_Word], mwts: list[list]) -> list[_Word]:
    """One word per multi-word token (see the module docstring for how annotations merge)."""
    new_index: list[int] = []  # old word index -> merged token index
    merged: list[_Word] = []
    ranges = {start: end for start, end, _ in mwts}
    forms = {start: form for start, _, form in mwts}
    i = 0
    while i < len(words):
        end = ranges.get(i, i + 1)
        part = words[i:end]
        if len(part) == 1:
            merged.append(part[0])
        else:
            root = next((w for k, w in enumerate(part, i) if w.head is None or w.head == k or not i <= w.head < end), part[0])
            merged.append(
                _Word(
                    form=forms[i],
                    lemma=" ".join(w.lemma for w in part if w.lemma) or None,
                    pos=root.pos,
                    tag="+".join(w.tag for w in part if w.tag) or None,
                    morph=_union_feats(w.morph for w in part),
                    head=root.head,
                    dep=root.dep,
                    space=part[-1].space,
                    ent=part[0].ent,
                )
            )
        new_index.extend([len(merged) - 1] * len(part))
        i = end
    for word in merged:
        if word.head is not None:
            word.head = new_index[word.head]
    return merged


def _union_feats(feats: Iterable[str | None]) -> str | None:
    values: dict[str, set[str]] = {}
    for word_feats in feats:
        for feature in (word_feats or "").split("|"):
            if "=" in feature:
                name, value = feature.split("=", 1)
                values.setdefault(name, set()).update(value.split(","))
    return "|".join(f"{name}={','.join(sorted(v))}" for name, v in sorted(values.items())) or None


def write_conllu(docs: Iterable[Doc], path: str | Path) -> Path:
    """Write Docs as CoNLL-U, one sentence per `doc.sents`, atomically ("-": to stdout).

    `# sent_id` comes from `user_data["sent_ids"]` when it has one entry per
    sentence, else it is the sentence's running number in the file; `# text`
    is the sentence's text as UD writes it (surface tokens, one space wherever
    any whitespace follows one). Unset values are written as `_`, a root's HEAD as 0.

    Whitespace is kept as UD keeps it, never as a word: a whitespace token
    (newlines, tabs, a second space, a no-break space) is left out, and the
    whitespace after each word goes into its MISC (see `whitespace_misc`), so
    the file reproduces `doc.text`. A word whose head was a whitespace token
    takes that token's head; where a whitespace token was a sentence's root,
    the first word below it becomes the root. Every line is checked as the
    CoNLL 2018 evaluation script reads it: ten columns, a FORM with a visible
    character, no tab or line break in a value.

    Each Doc starts with `# newdoc id = N` (its number in the file) and, when it has
    categories, `# cats = {...}`; entities go in MISC as `NE=B-ORG`, `NE=I-ORG`, `NE=O`.
    """
    path = Path(path)
    if str(path) == "-":
        _write(docs, sys.stdout, path)
        return path
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        _write(docs, out, path)
    return path


def _write(docs: Iterable[Doc], out: TextIO, path: Path) -> None:
    n_written = 0
    for doc_number, doc in enumerate(docs, 1):
        surface = _Surface(doc)
        sents = list(doc.sents)
        ents = _ent_tags(doc)
        sent_ids = _per_sentence(doc, "sent_ids", len(sents))
        mwts = _per_sentence(doc, "mwts", len(sents))
        new_doc = True
        for k, sent in enumerate(sents):
            words = surface.words_in(sent.start, sent.end)
            if not words:
                continue  # whitespace only: it is already the previous word's SpacesAfter
            n_written += 1
            if new_doc:
                out.write(f"# newdoc id = {doc_number}\n")
                if doc.cats:
                    out.write(f"# cats = {json.dumps(doc.cats, ensure_ascii=False)}\n")
                new_doc = False
            sent_id = sent_ids[k] if sent_ids and sent_ids[k] else str(n_written)
            # a range of one word is a surface token left whole (not expanded): no range line
            ranges = {start: (end, form) for start, end, form in (mwts[k] if mwts else []) if end - start > 1}
            text, lines = _sentence_lines(doc, surface, ents, words, sent.start, sent.end, ranges, path, doc_number)
            out.write(f"# sent_id = {sent_id}\n# text = {text}\n")
            out.writelines(lines)
            out.write("\n")


def _ent_tags(doc: Doc) -> list[str | None] | None:
    """Each token's NE= value (None: unannotated), or None when the Doc has no entity annotation."""
    if not doc.has_annotation("ENT_IOB"):
        return None
    strings = doc.vocab.strings
    return [
        None if iob == 0 else "O" if iob == 2 else _IOB_PREFIX[iob] + strings[int(label)]
        for iob, label in zip(doc._ent_iob.tolist(), doc._ent_type.tolist())
    ]


def _misc(*items: str | None) -> str:
    """A MISC column from its items (None: left out); `_` when there are none."""
    return "|".join(item for item in items if item) or "_"


# UD's escapes for whitespace in MISC values (SpacesAfter, SpacesBefore), as UDPipe writes them.
_SPACE_ESCAPES = {" ": r"\s", "\t": r"\t", "\n": r"\n", "\r": r"\r", "|": r"\p", "\\": "\\\\"}
_SPACE_UNESCAPES = {escaped[1]: char for char, escaped in _SPACE_ESCAPES.items()}


def escape_spaces(text: str) -> str:
    r"""Whitespace as a MISC value: `\s` space, `\t` tab, `\n` newline, `\r`, `\p` for "|", `\\` for "\"."""
    return "".join(_SPACE_ESCAPES.get(char, char) for char in text)


def unescape_spaces(value: str) -> str:
    """The whitespace a `SpacesAfter=` / `SpacesBefore=` value stands for (inverse of `escape_spaces`)."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in _SPACE_UNESCAPES:
            out.append(_SPACE_UNESCAPES[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def whitespace_misc(after: str) -> str | None:
    r"""The MISC field for the whitespace after a token: none for one space, `SpaceAfter=No`
    for none, else `SpacesAfter=` with the whitespace escaped (`SpacesAfter=\n\n`)."""
    if after == " ":
        return None
    if not after:
        return "SpaceAfter=No"
    return "SpacesAfter=" + escape_spaces(after)


class _Surface:
    """A Doc's words as CoNLL-U sees them: its tokens less the whitespace tokens, each with the
    exact whitespace that follows it. The Doc's text is built once, so that writing a long
    Doc stays linear in its length (`Span.text` would rebuild it for every sentence)."""

    def __init__(self, doc: Doc):
        self.text = doc.text
        offsets, self.ends = doc._char_spans()  # the words of a multi-word token share its span
        strings = doc.vocab.strings
        self.starts = offsets[:-1]
        is_space = np.fromiter((strings[int(o)].isspace() for o in doc._orth), dtype=bool, count=len(doc))
        self.is_space = is_space
        self.words = np.flatnonzero(~is_space)  # token indices of the words
        starts, ends = self.starts[self.words], self.ends[self.words]
        # the whitespace after each word: up to the next word, or to the end of the Doc ("" there means
        # only that the Doc ends, as after any sentence: no SpaceAfter=No unless the reader found none)
        next_starts = np.append(starts[1:], len(self.text))
        end = " " if doc.space_after else ""
        self.after = {int(w): self.text[e:n] or (end if k == len(self.words) - 1 else "")
                      for k, (w, e, n) in enumerate(zip(self.words, ends, next_starts))}
        self.leading = self.text[: starts[0]] if len(self.words) else ""

    def words_in(self, start: int, end: int) -> list[int]:
        """The token indices of the words (not whitespace) among tokens [start, end)."""
        return self.words[np.searchsorted(self.words, start) : np.searchsorted(self.words, end)].tolist()


def _per_sentence(doc: Doc, key: str, n_sents: int) -> list | None:
    values = doc.user_data.get(key)
    return values if isinstance(values, list) and len(values) == n_sents else None


def _word_heads(doc: Doc, surface: _Surface, words: list[int], start: int, end: int, path: Path, doc_number: int) -> dict[int, int | None]:
    """Each word's head as a token index (its own index for the root, None if unset), a
    whitespace head replaced by the first word above it; see `write_conllu`."""
    heads = doc._head
    resolved: dict[int, int | None] = {}
    orphans = []  # words below a whitespace root
    for i in words:
        head = int(heads[i])
        for _ in range(end - start):  # climb over whitespace tokens (a tree has no cycle to loop on)
            if head < 0 or head == i or not surface.is_space[head]:
                break
            above = int(heads[head])
            head = -2 if above < 0 or above == head else above  # -2: a whitespace root
        if head == -2 or (head >= 0 and surface.is_space[head]):
            orphans.append(i)
        elif head >= 0 and not start <= head < end:
            raise DataError(f"doc {doc_number}, token {i} ({doc[i].text!r}): its head {head} lies outside its sentence", path)
        else:
            resolved[i] = None if head < 0 else head
    if orphans:
        root = next((i for i in words if resolved.get(i) == i), orphans[0])
        resolved.update((i, root) for i in orphans)
    return resolved


def _sentence_lines(
    doc: Doc, surface: _Surface, ents: list[str | None] | None, words: list[int], start: int, end: int, ranges: dict,
    path: Path, doc_number: int,
) -> tuple[str, list[str]]:
    """The `# text` and the word lines (and multi-word range lines) of the sentence doc[start:end]."""
    strings = doc.vocab.strings
    heads = _word_heads(doc, surface, words, start, end, path, doc_number)
    word_ids = {i: n for n, i in enumerate(words, 1)}
    lines: list[str] = []
    text: list[str] = []  # surface tokens, each followed by " " where whitespace follows it
    mwt_end = start
    for i in words:
        offset = i - start
        n = word_ids[i]
        form = strings[int(doc._orth[i])]
        if offset in ranges:
            range_end, range_form = ranges[offset]
            mwt_end = start + range_end
            last = words[bisect_left(words, mwt_end) - 1]  # the range's last word
            misc = _misc(whitespace_misc(surface.after[last]))
            lines.append(_checked_line((f"{n}-{word_ids[last]}", range_form, *"_______", misc), path, doc_number, i))
            text += [range_form, " " if surface.after[last] else ""]
        elif i >= mwt_end:
            text += [form, " " if surface.after[i] else ""]
        head = heads[i]
        dep = strings[int(doc._dep[i])]
        if head is None:
            head_column = "_"
        elif head == i:
            head_column = "0"
            if int(doc._head[i]) != i:
                dep = "root"  # it takes the place of a whitespace root
        else:
            head_column = str(word_ids[head])
        ne = ents[i] if ents is not None else None
        misc = _misc(
            "SpacesBefore=" + escape_spaces(surface.leading) if i == surface.words[0] and surface.leading else None,
            whitespace_misc(surface.after[i]) if i >= mwt_end else None,
            ne and "NE=" + ne,
        )
        columns = (
            str(n), form, strings[int(doc._lemma[i])] or "_", strings[int(doc._pos[i])] or "_",
            strings[int(doc._tag[i])] or "_", strings[int(doc._morph[i])] or "_", head_column, dep or "_", "_", misc,
        )
        lines.append(_checked_line(columns, path, doc_number, i))
    return "".join(text).rstrip(" "), lines


_COLUMN_NAMES = ("ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC")


def _checked_line(columns: tuple[str, ...], path: Path, doc_number: int, token: int) -> str:
    """One CoNLL-U line, refused if a value holds a tab or a line break (the line would not have
    ten columns) or is empty; the FORM has a visible character since whitespace tokens are left out."""
    for name, value in zip(_COLUMN_NAMES, columns):
        if not value or "\t" in value or "\n" in value or "\r" in value:
            raise DataError(f"doc {doc_number}, token {token}: {name} {value!r} cannot be written to CoNLL-U "
                            "(empty, or holding a tab or a line break)", path)
    return "\t".join(columns) + "\n"
