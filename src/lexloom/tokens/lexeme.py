"""Lexical attributes of a word string, shared by features, the Matcher and scoring."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Callable

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
