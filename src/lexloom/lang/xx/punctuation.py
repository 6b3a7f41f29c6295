"""Language-neutral character classes and patterns that every language's rules build on.

Each entry of a PREFIXES / SUFFIXES / INFIXES list is a regex fragment; the
tokenizer joins a list into one alternation (see `lexloom.lang.tokenizer`),
so order matters only where two fragments match at the same place.
"""
from __future__ import annotations

import re

OPEN_BRACKETS = r"\(\[\{<«‹〈「『【"
CLOSE_BRACKETS = r"\)\]\}>»›〉」』】"
QUOTES = r"\"'`´“”„‘’‚"
CURRENCY = r"\$£€¥₹₩₽¢₪฿"
HYPHENS = r"\-–—−"
LETTER = r"[^\W\d_]"  # any Unicode letter
ALNUM = r"[^\W_]"  # any Unicode letter or digit

PREFIXES = [
    rf"[{OPEN_BRACKETS}]",
    rf"[{QUOTES}]",
    rf"[{CURRENCY}]",
    r"\.\.+",
    r"…",
    r"[¿¡§#*~]",
    rf"[{HYPHENS}]+",
]

SUFFIXES = [
    rf"[{CLOSE_BRACKETS}]",
    rf"[{QUOTES}]",
    r"\.\.+",
    r"…",
    r"[,;:!?]",
    r"(?<=[0-9])%",
    rf"(?<=[0-9])[{CURRENCY}]",
    rf"[{HYPHENS}]+",
    r"\.",
]

INFIXES = [
    r"\.\.+",
    r"…",
    rf"(?<={ALNUM})[{HYPHENS}](?={ALNUM})",
    rf"(?<={LETTER})[/,:;!?](?={LETTER})",
]

# Whole tokens whatever their punctuation: web addresses and e-mail addresses.
# A URL must end in a character that cannot be trailing punctuation, so that
# "(see http://x.org/a)." still loses its bracket and full stop as affixes.
URL_PATTERN = (
    r"(?:(?:https?|ftp)://|www\.)"  # a scheme or a www. host
    r"[^\s<>\"]*[^\s<>\"\.,;:!?'\)\]\}]"
)
EMAIL_PATTERN = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"

url_match = re.compile(rf"^(?:{URL_PATTERN}|{EMAIL_PATTERN})$", re.IGNORECASE).match
