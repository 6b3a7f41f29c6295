"""spaCy's character classes (`from spacy.lang.char_classes import ALPHA, LIST_ELLIPSES`), for
tokenizer rules written as spaCy's docs write them, made of lexloom's own Unicode-wide sets
(`xx/punctuation.py`; the units of `en/punctuation.py`):

    infixes = LIST_ELLIPSES + LIST_ICONS + [r"(?<=[{a}]),(?=[{a}])".format(a=ALPHA)]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer

The forms are spaCy's: ALPHA, ALPHA_LOWER, ALPHA_UPPER, CONCAT_QUOTES and CONCAT_ICONS (ICONS)
are the insides of a character class (`[{a}]`); HYPHENS, QUOTES, PUNCT, CURRENCY and UNITS are
alternations (`(?:{h})`); the LIST_ names are lists of regex fragments, one alternative each.
(`xx/punctuation.py`'s HYPHENS, QUOTES and CURRENCY are class insides; these are spaCy's.)
As in spaCy, ALPHA_LOWER and ALPHA_UPPER include the scripts without case.
"""
from __future__ import annotations

import re
import unicodedata

from .en.punctuation import UNITS as _UNITS
from .xx.punctuation import CURRENCY as _CURRENCY, ELLIPSES, HYPHENS as _HYPHENS, INFIX_PUNCT, MARKS, QUOTES as _QUOTES, char_class


def _characters(inside: str) -> list[str]:
    """Each character of a class's inside without ranges (`\\-–—`), as a regex fragment."""
    return re.findall(r"\\.|.", inside)


# Letters with their combining marks, as the tokenizer's rules read a letter.
ALPHA = char_class(str.isalpha) + MARKS
ALPHA_LOWER = char_class(lambda char: char.isalpha() and not char.isupper()) + MARKS
ALPHA_UPPER = char_class(lambda char: char.isalpha() and not char.islower()) + MARKS
ICONS = CONCAT_ICONS = char_class(lambda char: unicodedata.category(char) == "So")  # emoji, dingbats, ©
CONCAT_QUOTES = _QUOTES

LIST_ELLIPSES = list(ELLIPSES)
LIST_ICONS = [f"[{ICONS}]"]
LIST_QUOTES = _characters(_QUOTES)
LIST_HYPHENS = _characters(_HYPHENS)
LIST_CURRENCY = _characters(_CURRENCY)
LIST_UNITS = [re.escape(unit) for unit in _UNITS]
# Punctuation that does not belong inside a word (brackets, commas, colons, quotes, ...): not the
# full stop, hyphen, apostrophe or slash, which spaCy's list leaves out too.
LIST_PUNCT = [f"[{INFIX_PUNCT}]"]

QUOTES = "|".join(LIST_QUOTES)
HYPHENS = "|".join(LIST_HYPHENS)
CURRENCY = "|".join(LIST_CURRENCY)
UNITS = "|".join(LIST_UNITS)
PUNCT = "|".join(LIST_PUNCT)

__all__ = [
    "ALPHA", "ALPHA_LOWER", "ALPHA_UPPER", "CONCAT_ICONS", "CONCAT_QUOTES", "CURRENCY", "HYPHENS", "ICONS", "LIST_CURRENCY",
    "LIST_ELLIPSES", "LIST_HYPHENS", "LIST_ICONS", "LIST_PUNCT", "LIST_QUOTES", "LIST_UNITS", "PUNCT", "QUOTES", "UNITS",
]
