"""English tokenizer following UD English-EWT conventions (see `punctuation.py`, `exceptions.py`)."""
from __future__ import annotations

from ..tokenizer import TokenizerRules
from .exceptions import special_cases
from .punctuation import INFIXES, PREFIXES, SUFFIXES, token_match, url_match

RULES = TokenizerRules(
    prefixes=PREFIXES,
    suffixes=SUFFIXES,
    infixes=INFIXES,
    special_cases=special_cases(),
    token_match=token_match,
    url_match=url_match,
    split_final_period=True,
)


# spaCy's `from spacy.lang.en import English; nlp = English()`: the class `util.get_lang_class("en")`
# gives, a blank English pipeline as `lexloom.blank("en")` is
def __getattr__(name: str):
    if name == "English":
        from ...language import get_lang_class

        return get_lang_class("en")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
