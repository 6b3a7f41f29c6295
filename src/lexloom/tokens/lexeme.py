"""Lexical attributes of a word string, shared by features, the Matcher and scoring, and the
word strings of a vocab as spaCy's Lexemes (`vocab["apple"]`, `token.lex`)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .vectors import WordVector

if TYPE_CHECKING:
    from .strings import Vocab

_NUM_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand million billion trillion".split()
)
_NUMBER_RE = re.compile(r"^[+-]?(\d+([.,:/]\d+)*|\.\d+)(st|nd|rd|th|s)?$")


def is_punct(text: str) -> bool:
    return bool(text) and all(unicodedata.category(c).startswith("P") or c in "`~" for c in text)


# A URL must end in a character that cannot be trailing punctuation, so that the tokenizer
# still takes the bracket and full stop of "(see http://x.org/a)." as affixes.
URL_PATTERN = (
    r"(?:(?:https?|ftp)://|www\.)"  # a scheme or a www. host
    r"[^\s<>\"]*[^\s<>\"\.,;:!?'\)\]\}]"
)
EMAIL_PATTERN = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
# a bare host name ("lexloom.io", "docs.python.org/3") under a common top-level domain
_HOST_RE = re.compile(
    r"^[a-z0-9][\w\-]*(?:\.[\w\-]+)*\."
    r"(?:com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|co|me|tv|eu|uk|us|de|fr|es|it|nl|ca|au|jp|cn|ru|br|in)"
    r"(?::\d+)?(?:/\S*)?$",
    re.IGNORECASE,
)
_URL_RE = re.compile(rf"^{URL_PATTERN}$", re.IGNORECASE)
_EMAIL_RE = re.compile(rf"^{EMAIL_PATTERN}$")


_BRACKETS = frozenset("()[]{}<>")
_QUOTES = frozenset("'\"`‘’‚‛“”„‟«»‹›「」『』〝〞")
_LEFT_PUNCT = frozenset("([{<‘‚‛“„‟«‹「『〝")
_RIGHT_PUNCT = frozenset(")]}>’”»›」』〞")


def is_bracket(text: str) -> bool:
    return text in _BRACKETS


def is_quote(text: str) -> bool:
    return bool(text) and all(c in _QUOTES for c in text)


def is_left_punct(text: str) -> bool:
    return text in _LEFT_PUNCT or text in ("``",)


def is_right_punct(text: str) -> bool:
    return text in _RIGHT_PUNCT or text in ("''",)


def is_currency(text: str) -> bool:
    return bool(text) and all(unicodedata.category(c) == "Sc" for c in text)


def like_url(text: str) -> bool:
    """A web address: with a scheme or www., or a host under a common top-level domain."""
    return "@" not in text and bool(_URL_RE.match(text) or _HOST_RE.match(text))


def like_email(text: str) -> bool:
    return bool(_EMAIL_RE.match(text))


def like_num(text: str) -> bool:
    t = text.lower()
    return bool(_NUMBER_RE.match(t.replace(",", ""))) or t in _NUM_WORDS


@lru_cache(maxsize=200_000)
def shape(text: str) -> str:
    """spaCy-style word shape: Xxxx, dd, x.x; runs of one kind cut at four."""
    out: list[str] = []
    last, run = "", 0
    for c in text:
        if c.isalpha():
            s = "X" if c.isupper() else "x"
        elif c.isdigit():
            s = "d"
        else:
            s = c
        run = run + 1 if s == last else 0
        last = s
        if run < 4:
            out.append(s)
    return "".join(out)


def norm(text: str) -> str:
    return text.lower()


def prefix(text: str, n: int = 1) -> str:
    return text[:n]


def suffix(text: str, n: int = 3) -> str:
    return text[-n:]


#: spaCy's `rank` of a word without a vector (the largest uint64).
OOV_RANK = 2**64 - 1

#: Attributes of a word string by spaCy's attribute names: the Matcher's patterns and the
#: PhraseMatcher read them, and a Token's properties (`token.is_alpha`, `token.shape_`).
WORD_ATTRS: dict[str, Callable[[str], Any]] = {
    "ORTH": lambda w: w,
    "TEXT": lambda w: w,
    "LOWER": str.lower,
    "NORM": norm,
    "SHAPE": shape,
    "PREFIX": prefix,
    "SUFFIX": suffix,
    "LENGTH": len,
    "IS_ALPHA": str.isalpha,
    "IS_DIGIT": str.isdigit,
    "IS_PUNCT": is_punct,
    "IS_SPACE": str.isspace,
    "IS_UPPER": str.isupper,
    "IS_LOWER": str.islower,
    "IS_TITLE": str.istitle,
    "LIKE_NUM": like_num,
    "LIKE_URL": like_url,
    "LIKE_EMAIL": like_email,
    "IS_ASCII": str.isascii,
    "IS_BRACKET": is_bracket,
    "IS_QUOTE": is_quote,
    "IS_LEFT_PUNCT": is_left_punct,
    "IS_RIGHT_PUNCT": is_right_punct,
    "IS_CURRENCY": is_currency,
}


def _word_attr(name: str) -> property:
    """A property computing WORD_ATTRS[name] from the object's `text`."""
    func = WORD_ATTRS[name]
    return property(lambda self: func(self.text), doc=f"{name} of the text")


class LexicalAttributes:
    """spaCy's lexical attributes, as properties of anything with a `text` and a `vocab`:
    a Token and a Lexeme. Functions of the word string (WORD_ATTRS), and `is_stop`, which
    reads the vocab's stop words (`vocab.stop_words`, changeable at run time)."""

    __slots__ = ()
    text: str
    vocab: "Vocab"

    lower_ = _word_attr("LOWER")
    norm_ = _word_attr("NORM")
    shape_ = _word_attr("SHAPE")
    prefix_ = _word_attr("PREFIX")
    suffix_ = _word_attr("SUFFIX")
    is_alpha = _word_attr("IS_ALPHA")
    is_digit = _word_attr("IS_DIGIT")
    is_punct = _word_attr("IS_PUNCT")
    is_space = _word_attr("IS_SPACE")
    is_title = _word_attr("IS_TITLE")
    is_upper = _word_attr("IS_UPPER")
    is_lower = _word_attr("IS_LOWER")
    is_ascii = _word_attr("IS_ASCII")
    is_bracket = _word_attr("IS_BRACKET")
    is_quote = _word_attr("IS_QUOTE")
    is_left_punct = _word_attr("IS_LEFT_PUNCT")
    is_right_punct = _word_attr("IS_RIGHT_PUNCT")
    is_currency = _word_attr("IS_CURRENCY")
    like_num = _word_attr("LIKE_NUM")
    like_url = _word_attr("LIKE_URL")
    like_email = _word_attr("LIKE_EMAIL")

    @property
    def is_stop(self) -> bool:
        """Whether the word, in lower case, is one of the vocab's stop words (spaCy's lists)."""
        return self.text.lower() in self.vocab.stop_words

    @property
    def lang_(self) -> str:
        return self.vocab.lang

    @property
    def lang(self) -> int:
        """The language code's id in the vocab's strings (spaCy's hash of `lang_`)."""
        return self.vocab.strings.add(self.vocab.lang)

    @property
    def is_oov(self) -> bool:
        """Whether the vocab has no vector for the word (spaCy v3's meaning)."""
        return not self.vocab.has_vector(self.text)

    @property
    def rank(self) -> int:
        """The word's row in the vocab's vectors, spaCy's index into such tables; OOV_RANK
        for a word without one."""
        row = self.vocab.vectors.row_of(self.text)
        return OOV_RANK if row is None else row

    # spaCy's values for a word its lexeme tables do not list (lexloom keeps no such tables)
    prob = -20.0
    cluster = 0
    sentiment = 0.0


class Lexeme(LexicalAttributes, WordVector):
    """A word string of a vocab, as spaCy's Lexeme: its lexical attributes, its vector
    (`vector`, `similarity`: the vocab's), and `is_stop` to set (`nlp.vocab["btw"].is_stop =
    True` adds "btw" to the vocab's stop words, in lower case, so every casing of it is one)."""

    __slots__ = ("vocab", "orth")

    def __init__(self, vocab: "Vocab", text: str):
        self.vocab = vocab
        self.orth = vocab.strings.add(text)

    @property
    def text(self) -> str:
        return self.vocab.strings[self.orth]

    orth_ = text

    def _set_stop(self, value: bool) -> None:
        (self.vocab.stop_words.add if value else self.vocab.stop_words.discard)(self.text.lower())

    is_stop = property(LexicalAttributes.is_stop.fget, _set_stop)

    def __repr__(self) -> str:
        return f"Lexeme({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexeme) and other.vocab is self.vocab and other.orth == self.orth

    def __hash__(self) -> int:
        return hash((id(self.vocab), self.orth))
