"""English affix and infix rules, tuned to UD English-EWT's tokenization.

What EWT does, as read off its train split, and the rule that follows it:
- clitics are split: "do n't", "Bush 's", "I 'm" -> suffixes after a letter;
- numbers lose their currency, "%" and units: "$ 5", "5 %", "10 km", "3:30 pm",
  but ordinals and decades stay whole ("21st", "1970s");
- hyphens split words ("long - term", "15 - year") except after a short list of
  bound prefixes ("e-mail", "non-stop", "re-read") and inside phone numbers
  ("713-853-3989") -> an infix, with `token_match` keeping the exceptions whole;
- a slash between words splits ("and / or"); dates ("11/28/2000") stay whole;
- punctuation and symbols beyond ASCII (emoji, "、", "।") split like the
  language-neutral rules, and scripts written without spaces split per character.
"""
from __future__ import annotations

import re

from ..xx.punctuation import (
    ALNUM, CLOSE_BRACKETS, CURRENCY, ELLIPSES, EMAIL_PATTERN, HYPHENS, LETTER, OPEN_BRACKETS, PUNCT, QUOTES, SYMBOLS,
    UNSEGMENTED_CHARACTER, URL_PATTERN,
)

APOSTROPHES = "'’`"
CLITICS = rf"(?<={LETTER})(?:[nN][{APOSTROPHES}][tT]|[{APOSTROPHES}](?:[sSmMdD]|ll|LL|re|RE|ve|VE))"
UNITS = (
    "km", "m", "cm", "mm", "mi", "ft", "kg", "g", "mg", "lb", "lbs", "oz", "ml", "l", "k", "K", "M",
    "am", "pm", "AM", "PM", "a.m.", "p.m.", "hr", "hrs", "h", "min", "mins", "sec", "secs",
    "mph", "kph", "kb", "KB", "mb", "MB", "gb", "GB", "TB", "x", "yr", "yrs", "Hz", "MM", "watt",
)
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in UNITS)

# Doubled quotes are one token in EWT: `` '' ‘’ ’’
_DOUBLE_QUOTES = r"``|''|‘’|’’|‘‘|“”|\"\""

PREFIXES = [
    r"<<",
    rf"[{OPEN_BRACKETS}]",
    _DOUBLE_QUOTES,
    rf"[{QUOTES}]",
    r"US\$",
    rf"[{CURRENCY}]",
    *ELLIPSES,
    r"\*+",
    r"=+",
    r"[¿¡§#~@]",
    r"--+",
    rf"[{HYPHENS}]",
    rf"(?![\x00-\x7f])[{PUNCT}{SYMBOLS}]",  # any other sign beyond ASCII: emoji, "、", "।"
]

SUFFIXES = [
    CLITICS,
    r">>",
    rf"[{CLOSE_BRACKETS}]",
    _DOUBLE_QUOTES,
    rf"[{QUOTES}]",
    *ELLIPSES,
    r"\.?[!?]+",  # "?!", ".?"
    r"[,;:]",
    r"(?<=[0-9])%",
    rf"(?<=[0-9])(?:{_UNIT_ALTERNATION})",
    rf"(?<=[0-9])[{CURRENCY}]",
    rf"[{HYPHENS}]+",
    r"\*+",
    r"\.",
    rf"(?![\x00-\x7f])[{PUNCT}{SYMBOLS}]",
]

INFIXES = [
    UNSEGMENTED_CHARACTER,
    *ELLIPSES,
    r"--+",
    rf"(?<={ALNUM})[{HYPHENS}](?={ALNUM})",
    rf"(?<={LETTER})/(?={LETTER})",
    rf"(?<={LETTER})[,;!?:](?={LETTER})",
    rf"(?<={LETTER})[{OPEN_BRACKETS}{CLOSE_BRACKETS}](?={ALNUM})",
    rf"(?<=[0-9])[{HYPHENS}](?=[0-9])",
]

# Prefixes EWT writes attached with a hyphen, keeping the word whole.
BOUND_PREFIXES = (
    "e", "non", "pre", "post", "pro", "anti", "co", "re", "multi", "mid", "ex", "semi", "neo", "sub",
    "cross", "intra", "arch", "psycho", "socio", "counter", "couter", "vice", "over", "under", "bi",
    "de", "un", "mis", "ultra", "pseudo", "quasi", "micro", "macro", "mega", "mini", "trans", "tri",
)
_BOUND_PREFIXED = rf"(?i:{'|'.join(BOUND_PREFIXES)})-{ALNUM}[\w-]*"
_PHONE = r"(?:1-)?(?:\d{3}[-/])?\d{3}-\d{4}|\d{5}-\d{4}|x\d*-?\d{4,5}"
_DATE = r"\d{1,2}/\d{1,2}(?:/\d{2,4})?"
_INITIALS = r"(?:[A-Za-z]\.)+"  # "W.", "U.S.", "p.m.", "e.g."
_ORDINAL_OR_DECADE = r"\d+(?:st|nd|rd|th|s)|['’]\d\ds?"  # "21st", "1970s", "'72"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_FILENAME = r"[\w#.-]+\.(?i:doc|docx|xls|xlsx|pdf|txt|htm|html|jpg|gif|png|ppt|zip|exe|mp3|wav|csv)"
EMOTICONS = (
    ":)", ":-)", ":(", ":-(", ";)", ";-)", ":D", ":-D", ":P", ":-P", ":p", ":-p", ":o", ":O", ":/", ":-/",
    ":|", ":'(", "XD", "xD", "<3", "</3", "^_^", "^^", "o_O", "O_o", "-_-", ":]", ":[", "=)", "=(", ";D",
)
_EMOTICON = "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True))

token_match = re.compile(
    rf"^(?:{_BOUND_PREFIXED}|{_PHONE}|{_DATE}|{_INITIALS}|{_ORDINAL_OR_DECADE}|{_TIME}|{_FILENAME}|{_EMOTICON})$"
).match
url_match = re.compile(rf"^(?:{URL_PATTERN}|{EMAIL_PATTERN})$", re.IGNORECASE).match
