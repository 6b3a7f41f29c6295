"""Language-neutral rules, the defaults of every language without a module of its own:
Unicode punctuation and symbols, numbers with separators, URLs and e-mails,
per-character splitting of scripts written without spaces (see `punctuation.py`)."""
from __future__ import annotations

from ..tokenizer import TokenizerRules
from .punctuation import INFIXES, PREFIXES, SUFFIXES, url_match

RULES = TokenizerRules(prefixes=PREFIXES, suffixes=SUFFIXES, infixes=INFIXES, url_match=url_match)
