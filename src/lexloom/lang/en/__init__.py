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


def English(**kwargs):
    """A blank English pipeline, as spaCy's `from spacy.lang.en import English; nlp = English()`
    (the same as `lexloom.blank("en")`)."""
    from ...language import Language

    return Language.blank("en", **kwargs)
