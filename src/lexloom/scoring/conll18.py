"""The CoNLL 2018 shared task's evaluation: a system's CoNLL-U against the gold CoNLL-U of the same text.

Written from the task's published definitions (Zeman et al., "CoNLL 2018 Shared
Task: Multilingual Parsing from Raw Text to Universal Dependencies", and its
evaluation script `conll18_ud_eval.py`):

- Both files must spell the same characters once whitespace is left out: every
  FORM is read without its space characters (Unicode category Zs), and the
  FORMs of the surface tokens (multi-word token ranges and words outside them)
  are concatenated. Tokens and sentences are spans of that character string.
- **Tokens** and **Sentences**: precision, recall and F1 of spans with the same
  start and end.
- **Words** are aligned by their character spans. A word inside a multi-word
  token has the span of the whole token, so wherever either side has a
  multi-word token, the words of the smallest stretch of characters that
  covers it on both sides are aligned by the longest common subsequence of
  their lowercased forms. Words: aligned words / system words (P), / gold words (R).
- Every other metric counts an aligned word as correct when its annotation
  matches, over the gold and system word counts (F1 is reported):
  **UPOS**, **XPOS**, **UFeats** (universal features only), **AllTags** (the
  three together), **Lemmas** (a gold lemma `_` matches anything), **UAS** (the
  head is the word aligned to the gold head), **LAS** (and the relation, without
  its `:subtype`); **CLAS**, **MLAS** and **BLEX** count content words only
  (relations in `CONTENT_DEPRELS`): CLAS as LAS, MLAS adding UPOS, UFeats and
  the function-word children (`FUNCTIONAL_DEPRELS`) with theirs, BLEX adding the lemma.

One difference from the script: a HEAD of `_` (a pipeline without a parser)
is read as "no head" (never correct) instead of refusing the file. Anything
else the script refuses is refused here, naming the file and line.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterable, Sequence

from ..errors import DataError

UNIVERSAL_FEATURES = frozenset({
    "PronType", "NumType", "Poss", "Reflex", "Foreign", "Abbr", "Gender", "Animacy", "Number", "Case",
    "Definite", "Degree", "VerbForm", "Mood", "Tense", "Aspect", "Voice", "Evident", "Polarity", "Person", "Polite",
})
CONTENT_DEPRELS = frozenset({
    "nsubj", "obj", "iobj", "csubj", "ccomp", "xcomp", "obl", "vocative", "expl", "dislocated", "advcl", "advmod",
    "discourse", "nmod", "appos", "nummod", "acl", "amod", "conj", "fixed", "flat", "compound", "list", "parataxis",
    "orphan", "goeswith", "reparandum", "root", "dep",
})
FUNCTIONAL_DEPRELS = frozenset({"aux", "cop", "mark", "det", "clf", "case", "cc"})

METRICS = ("Tokens", "Sentences", "Words", "UPOS", "XPOS", "UFeats", "AllTags", "Lemmas", "UAS", "LAS", "CLAS", "MLAS", "BLEX")

ROOT = -1  # a word's head index when it is the root
NO_HEAD = -2  # HEAD `_`
_NOT_ALIGNED = -3  # a system head whose word has no gold partner


@dataclass
class Word:
    """One syntactic word. `start`/`end` are its token's character span (a multi-word token's
    for its words); `head` is an index into the treebank's words, or ROOT / NO_HEAD."""

    start: int
    end: int
    form: str
    lemma: str
    upos: str
    xpos: str
    feats: str  # universal features only, sorted
    deprel: str  # without its subtype
    head: int
    in_mwt: bool
    functional_children: list[int] = field(default_factory=list)

    @property
    def is_content(self) -> bool:
        return self.deprel in CONTENT_DEPRELS


@dataclass
class Sentence:
    """A sentence's character span and what the raw text needs of it: its `# text`, whether a
    new document or paragraph starts with it, and the whitespace after its last token."""

    start: int
    end: int
    text: str | None = None
    newdoc: bool = False
    newpar: bool = False
    surface: str = ""  # its tokens with their whitespace, for a sentence without `# text`
    space_after: str = " "


@dataclass
class Treebank:
    """A CoNLL-U file as the evaluation sees it."""

    characters: str
    tokens: list[tuple[int, int]]
    sentences: list[Sentence]
    words: list[Word]
    path: str = ""


@dataclass(frozen=True)
class Score:
    """Counts of one metric; precision, recall and F1 follow from them (0 where undefined)."""

    gold: int
    system: int
    correct: int
    aligned: int | None = None

    @property
    def precision(self) -> float:
        return self.correct / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.correct / (self.system + self.gold) if self.system + self.gold else 0.0

    @property
    def aligned_accuracy(self) -> float | None:
        return self.correct / self.aligned if self.aligned else None


# --- reading --------------------------------------------------------------------------------
def read_treebank(path: str | Path) -> Treebank:
    """Read a CoNLL-U file for evaluation; malformed input raises DataError with FILE:LINE."""
    from ..lines import read_blocks

    return _TreebankReader(str(path)).read(read_blocks(path))


class _TreebankReader:
    def __init__(self, path: str):
        self.path = path
        self.characters: list[str] = []
        self.length = 0
        self.tokens: list[tuple[int, int]] = []
        self.sentences: list[Sentence] = []
        self.words: list[Word] = []

    def fail(self, message: str, line: int) -> DataError:
        return DataError(message, self.path, line)

    def read(self, blocks: Iterable[list[tuple[int, str]]]) -> Treebank:
        for block in blocks:
            self._sentence(block)
        return Treebank("".join(self.characters), self.tokens, self.sentences, self.words, self.path)

    def _sentence(self, block: list[tuple[int, str]]) -> None:
        from ..convert.conllu import unescape_spaces

        sentence = Sentence(self.length, self.length)
        first_word = len(self.words)
        heads: list[tuple[int, int]] = []  # (HEAD as written, line)
        mwt_end = 0  # ID of the last word of the open multi-word token
        surface: list[str] = []
        for number, line in block:
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                key = key.strip()
                if key == "text":
                    sentence.text = value.strip()
                elif key.startswith("newdoc"):
                    sentence.newdoc = True
                elif key.startswith("newpar"):
                    sentence.newpar = True
                continue
            columns = line.split("\t")
            if len(columns) != 10:
                raise self.fail(f"expected 10 tab-separated columns, found {len(columns)}", number)
            word_id = columns[0]
            if "." in word_id:
                continue  # empty nodes belong to enhanced dependencies
            in_mwt = mwt_end > 0 and word_id.isdigit() and int(word_id) <= mwt_end
            if not in_mwt:
                form = "".join(c for c in columns[1] if unicodedata.category(c) != "Zs")
                if not form:
                    raise self.fail(f"FORM {columns[1]!r} is empty once its spaces are left out", number)
                self.characters.append(form)
                self.tokens.append((self.length, self.length + len(form)))
                self.length += len(form)
                misc = columns[9].split("|")
                spaces = next((unescape_spaces(f[12:]) for f in misc if f.startswith("SpacesAfter=")), None)
                sentence.space_after = spaces if spaces is not None else "" if "SpaceAfter=No" in misc else " "
                surface += [columns[1], sentence.space_after]
            if "-" in word_id:
                start, _, end = word_id.partition("-")
                if not (start.isdigit() and end.isdigit()) or int(start) != len(self.words) - first_word + 1 or int(end) < int(start):
                    raise self.fail(f"multi-word token ID {word_id!r} does not start at the next word", number)
                mwt_end = int(end)
                continue
            expected = len(self.words) - first_word + 1
            if word_id != str(expected):
                raise self.fail(f"word ID {word_id!r}, expected {expected}", number)
            if columns[6] == "_":
                head = NO_HEAD
            elif columns[6].isdigit():
                head = int(columns[6])
                heads.append((head, number))
            else:
                raise self.fail(f"HEAD {columns[6]!r} is not a word ID", number)
            start, end = self.tokens[-1]
            self.words.append(Word(
                start=start, end=end,
                form=columns[1] if in_mwt else self.characters[-1],
                lemma=columns[2], upos=columns[3], xpos=columns[4],
                feats="|".join(sorted(f for f in columns[5].split("|") if f.split("=", 1)[0] in UNIVERSAL_FEATURES)),
                deprel=columns[7].split(":")[0],
                head=head, in_mwt=in_mwt,
            ))
        last_line = block[-1][0]
        n_words = len(self.words) - first_word
        if not n_words:
            raise self.fail("a sentence without words", last_line)
        if mwt_end > n_words:
            raise self.fail(f"multi-word token range ends at word {mwt_end}, past the last word", last_line)
        self._link_heads(first_word, heads, last_line)
        sentence.end = self.length
        sentence.surface = "".join(surface[:-1])
        self.sentences.append(sentence)

    def _link_heads(self, first: int, heads: list[tuple[int, int]], last_line: int) -> None:
        """Heads as word indices; refuse a HEAD outside the sentence, a cycle, or other than one root."""
        words = self.words[first:]
        lines = iter(heads)
        for word in words:
            if word.head == NO_HEAD:
                continue
            head, number = next(lines)
            if head > len(words):
                raise self.fail(f"HEAD {head} points outside the sentence of {len(words)} words", number)
            word.head = ROOT if head == 0 else first + head - 1
        if all(word.head == NO_HEAD for word in words):
            return
        roots = sum(word.head == ROOT for word in words)
        if roots != 1:
            raise self.fail(f"the sentence has {roots} roots, not one", last_line)
        for k, word in enumerate(words):
            seen = {first + k}
            head = word.head
            while head >= 0:
                if head in seen:
                    raise self.fail("the sentence's heads form a cycle", last_line)
                seen.add(head)
                head = self.words[head].head
        for index, word in enumerate(words, first):
            if word.head >= 0 and word.deprel in FUNCTIONAL_DEPRELS:
                self.words[word.head].functional_children.append(index)


# --- alignment ------------------------------------------------------------------------------
def align_words(gold: Sequence[Word], system: Sequence[Word]) -> list[tuple[int, int]]:
    """(gold index, system index) of every aligned pair of words, in order."""
    pairs: list[tuple[int, int]] = []
    gi = si = 0
    while gi < len(gold) and si < len(system):
        if gold[gi].in_mwt or system[si].in_mwt:
            gs, ss, gi, si = _multiword_stretch(gold, system, gi, si)
            pairs += _lcs_pairs(gold, system, range(gs, gi), range(ss, si))
        elif (gold[gi].start, gold[gi].end) == (system[si].start, system[si].end):
            pairs.append((gi, si))
            gi, si = gi + 1, si + 1
        elif gold[gi].start <= system[si].start:
            gi += 1
        else:
            si += 1
    return pairs


def _multiword_stretch(gold: Sequence[Word], system: Sequence[Word], gi: int, si: int) -> tuple[int, int, int, int]:
    """The words [gs, gi) and [ss, si) of the smallest stretch of characters that covers the
    multi-word token at gi or si on both sides."""
    if gold[gi].in_mwt:
        end = gold[gi].end
        if not system[si].in_mwt and system[si].start < gold[gi].start:
            si += 1
    else:
        end = system[si].end
        if not gold[gi].in_mwt and gold[gi].start < system[si].start:
            gi += 1
    gs, ss = gi, si
    while not _past(gold, gi, end) or not _past(system, si, end):
        if gi < len(gold) and (si >= len(system) or gold[gi].start <= system[si].start):
            end = max(end, gold[gi].end) if gold[gi].in_mwt else end
            gi += 1
        else:
            end = max(end, system[si].end) if system[si].in_mwt else end
            si += 1
    return gs, ss, gi, si


def _past(words: Sequence[Word], i: int, end: int) -> bool:
    if i >= len(words):
        return True
    return words[i].start >= end if words[i].in_mwt else words[i].end > end


def _lcs_pairs(gold: Sequence[Word], system: Sequence[Word], g_range: range, s_range: range) -> list[tuple[int, int]]:
    """Align two stretches of words by the longest common subsequence of their lowercased forms."""
    g_forms = [gold[i].form.lower() for i in g_range]
    s_forms = [system[i].form.lower() for i in s_range]
    n, m = len(g_forms), len(s_forms)
    if not n or not m:
        return []
    lcs = [[0] * (m + 1) for _ in range(n + 1)]  # lcs[g][s]: of the suffixes from g and s
    for g in range(n - 1, -1, -1):
        for s in range(m - 1, -1, -1):
            lcs[g][s] = lcs[g + 1][s + 1] + 1 if g_forms[g] == s_forms[s] else max(lcs[g + 1][s], lcs[g][s + 1])
    pairs = []
    g = s = 0
    while g < n and s < m:
        if g_forms[g] == s_forms[s]:
            pairs.append((g_range[g], s_range[s]))
            g, s = g + 1, s + 1
        elif lcs[g][s] == lcs[g + 1][s]:
            g += 1
        else:
            s += 1
    return pairs


# --- scores ---------------------------------------------------------------------------------
def _span_score(gold: Sequence[tuple[int, int]], system: Sequence[tuple[int, int]]) -> Score:
    correct = gi = si = 0
    while gi < len(gold) and si < len(system):
        if system[si][0] < gold[gi][0]:
            si += 1
        elif gold[gi][0] < system[si][0]:
            gi += 1
        else:
            correct += gold[gi][1] == system[si][1]
            gi, si = gi + 1, si + 1
    return Score(len(gold), len(system), correct)


def evaluate(gold: Treebank, system: Treebank) -> dict[str, Score]:
    """The scores of METRICS for `system` against `gold`; both must spell the same characters."""
    if gold.characters != system.characters:
        at = next((i for i, (a, b) in enumerate(zip(gold.characters, system.characters)) if a != b),
                  min(len(gold.characters), len(system.characters)))
        raise DataError(
            f"the system's tokens do not spell the gold text: from character {at} (whitespace left out), "
            f"gold {gold.characters[at:at + 20]!r}, system {system.characters[at:at + 20]!r}",
            system.path or None,
        )
    pairs = align_words(gold.words, system.words)
    to_gold = {s: g for g, s in pairs}
    gw, sw = gold.words, system.words

    def gold_head(index: int) -> int:
        return gw[index].head

    def system_head(index: int) -> int:
        head = sw[index].head
        return head if head < 0 else to_gold.get(head, _NOT_ALIGNED)

    def lemma_matches(g: Word, s: Word) -> bool:
        return g.lemma == "_" or g.lemma == s.lemma

    def gold_children(g: int) -> list[tuple]:
        return [(c, gw[c].deprel, gw[c].upos, gw[c].feats) for c in gw[g].functional_children]

    def system_children(s: int) -> list[tuple]:
        return [(to_gold.get(c, _NOT_ALIGNED), sw[c].deprel, sw[c].upos, sw[c].feats) for c in sw[s].functional_children]

    def aligned(key: Callable[[int, int], bool], content_only: bool = False) -> Score:
        chosen = [(g, s) for g, s in pairs if not content_only or gw[g].is_content]
        n_gold = sum(w.is_content for w in gw) if content_only else len(gw)
        n_system = sum(w.is_content for w in sw) if content_only else len(sw)
        return Score(n_gold, n_system, sum(1 for g, s in chosen if key(g, s)), len(chosen))

    def same(attr: Callable[[Word], Hashable]) -> Callable[[int, int], bool]:
        return lambda g, s: attr(gw[g]) == attr(sw[s])

    def las(g: int, s: int) -> bool:
        return gold_head(g) != NO_HEAD and gold_head(g) == system_head(s) and gw[g].deprel == sw[s].deprel

    return {
        "Tokens": _span_score(gold.tokens, system.tokens),
        "Sentences": _span_score([(x.start, x.end) for x in gold.sentences], [(x.start, x.end) for x in system.sentences]),
        "Words": Score(len(gw), len(sw), len(pairs)),
        "UPOS": aligned(same(lambda w: w.upos)),
        "XPOS": aligned(same(lambda w: w.xpos)),
        "UFeats": aligned(same(lambda w: w.feats)),
        "AllTags": aligned(same(lambda w: (w.upos, w.xpos, w.feats))),
        "Lemmas": aligned(lambda g, s: lemma_matches(gw[g], sw[s])),
        "UAS": aligned(lambda g, s: gold_head(g) != NO_HEAD and gold_head(g) == system_head(s)),
        "LAS": aligned(las),
        "CLAS": aligned(las, content_only=True),
        "MLAS": aligned(lambda g, s: las(g, s) and same(lambda w: (w.upos, w.feats))(g, s)
                        and gold_children(g) == system_children(s), content_only=True),
        "BLEX": aligned(lambda g, s: las(g, s) and lemma_matches(gw[g], sw[s]), content_only=True),
    }


# The flat keys of `flat_scores`: spaCy-style names for the shared task's metrics.
KEYS = {
    "Tokens": "tokens", "Sentences": "sents", "Words": "words", "UPOS": "upos", "XPOS": "xpos", "UFeats": "ufeats",
    "AllTags": "alltags", "Lemmas": "lemmas", "UAS": "uas", "LAS": "las", "CLAS": "clas", "MLAS": "mlas", "BLEX": "blex",
}
_SEGMENTATION = ("Tokens", "Sentences", "Words")


def flat_scores(scores: dict[str, Score], prefix: str = "raw_") -> dict[str, float]:
    """One flat dict on the 0-1 scale: `{prefix}tokens_p/_r/_f`, `sents_…`, `words_…`, then the
    F1 of every other metric under its own name (`{prefix}upos`, `{prefix}las`, ...)."""
    flat: dict[str, float] = {}
    for metric, score in scores.items():
        key = prefix + KEYS[metric]
        if metric in _SEGMENTATION:
            flat.update({f"{key}_p": score.precision, f"{key}_r": score.recall, f"{key}_f": score.f1})
        else:
            flat[key] = score.f1
    return flat
