"""Language-neutral character classes and rules: the defaults of every language.

Each entry of a PREFIXES / SUFFIXES / INFIXES list is a regex fragment; the
tokenizer joins a list into one alternation (see `lexloom.lang.tokenizer`),
so order matters only where two fragments match at the same place.

The classes are Unicode-wide, read from `unicodedata` when the module loads
(the Basic Multilingual Plane and the emoji blocks):

- a *letter* is any letter or combining mark (`LETTER`): a word in Devanagari,
  Thai or decomposed Latin keeps its vowel signs and accents;
- *punctuation* is any character of Unicode category P (`PUNCT`): the Arabic
  comma, the Devanagari danda and the ideographic full stop split like ",";
- *symbols* are categories Sc, Sm and So (`SYMBOLS`): currency, maths, emoji;
- numbers keep their separators: "3,202.61", "1.000.000", "12:30", "11/28/2000"
  and "1994-95" are one token each (no rule splits between two digits);
- characters of scripts written without spaces between words are one token
  each, with the combining marks that follow them (`UNSEGMENTED`): Han
  (Chinese, Japanese kanji), Hiragana and Katakana (Japanese), Thai, Lao,
  Khmer and Myanmar. This is the per-character convention of Chinese and
  Japanese processing; for Thai, Lao, Khmer and Myanmar it is a fallback that
  keeps every syllable's signs together but does not find words, which needs
  a dictionary or a learned tokenizer.
"""
from __future__ import annotations

import re
import unicodedata
from itertools import chain
from typing import Callable, Iterable

from ...tokens.lexeme import EMAIL_PATTERN, URL_PATTERN

# The code points the classes are read from: the BMP and the emoji blocks.
_CODE_POINTS = (range(0x10000), range(0x1F000, 0x1FB00))


def char_class(keep: Callable[[str], bool]) -> str:
    """The body of a regex character class (without brackets) holding every character
    of `_CODE_POINTS` for which `keep` is true, written as ranges."""
    ranges: list[list[int]] = []
    for code in chain.from_iterable(_CODE_POINTS):
        if keep(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)


def _escape(code: int) -> str:
    char = chr(code)
    return "\\" + char if char in "\\]^-[" else char


def _category(prefixes: Iterable[str]) -> Callable[[str], bool]:
    prefixes = tuple(prefixes)
    return lambda char: unicodedata.category(char).startswith(prefixes)


MARKS = char_class(_category("M"))
PUNCT = char_class(_category("P"))
SYMBOLS = char_class(_category(("Sc", "Sm", "So")))
# Punctuation that stays inside a word: apostrophes, full stops (abbreviations,
# host names), connectors, middle dots (Catalan "l·l"), Hebrew geresh and
# gershayim, the marks Armenian writes over a vowel, and characters that other
# rules handle (hyphens, slashes, and the @ # & % * \ of addresses and names).
WORD_INTERNAL = "'’‘‛ʼ.·‧׳״՚՛՜՝՞_@#&%*\\/-‐‑"
INFIX_PUNCT = char_class(lambda char: unicodedata.category(char).startswith("P") and char not in WORD_INTERNAL)

LETTER = rf"(?:[^\W\d_]|[{MARKS}])"  # any Unicode letter or combining mark
ALNUM = rf"(?:[^\W_]|[{MARKS}])"  # ... or digit

UNSEGMENTED = (
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Katakana, its extensions and half-width forms
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han: extension A, unified and compatibility ideographs
    "\U00020000-\U0003134f"  # Han: extensions B to G
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer and its symbols
    "\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"  # Myanmar and its extensions
)
# One character of an unsegmented script with the marks that follow it (a Thai
# consonant with its vowel and tone marks); a punctuation sign of those scripts
# is matched by the punctuation rules instead.
UNSEGMENTED_CHARACTER = rf"(?:(?![{PUNCT}])[{UNSEGMENTED}])[{MARKS}]*"

# Named subsets the language rules refer to.
OPEN_BRACKETS = r"\(\[\{<«‹〈「『【"
CLOSE_BRACKETS = r"\)\]\}>»›〉」』】"
QUOTES = r"\"'`´“”„‘’‚"
CURRENCY = r"\$£€¥₹₩₽¢₪฿"
HYPHENS = r"\-–—−"
ELLIPSES = [r"\.\.+", r"…"]

PREFIXES = [
    *ELLIPSES,
    rf"[{HYPHENS}]+",
    rf"(?!\.)[{PUNCT}{SYMBOLS}]",  # one punctuation sign or symbol; a lone "." stays (".NET", ".5")
]

SUFFIXES = [
    *ELLIPSES,
    rf"[{HYPHENS}]+",
    rf"(?!_)[{PUNCT}{SYMBOLS}]",
]

INFIXES = [
    *ELLIPSES,
    UNSEGMENTED_CHARACTER,
    rf"(?<={LETTER})[{HYPHENS}](?={ALNUM})",
    rf"(?<=\d)[{HYPHENS}](?={LETTER})",
    rf"(?<={LETTER})/(?={LETTER})",
    rf"(?<={LETTER})[{INFIX_PUNCT}]|[{INFIX_PUNCT}](?={LETTER})",  # a sign touching a letter: "a,b", "说：“你"
]

# Whole tokens whatever their punctuation: web addresses and e-mail addresses (the patterns
# live with the lexical attributes `like_url` and `like_email`).

url_match = re.compile(rf"^(?:{URL_PATTERN}|{EMAIL_PATTERN})$", re.IGNORECASE).match
