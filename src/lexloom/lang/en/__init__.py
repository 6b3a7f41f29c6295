"""English tokenizer following UD English-EWT conventions (see `punctuation.py`, `exceptions.py`)."""
from __future__ import annotations

from ...tokens import Vocab
from ..tokenizer import Tokenizer, compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from .exceptions import special_cases
from .punctuation import INFIXES, PREFIXES, SUFFIXES, token_match, url_match


def make_tokenizer(vocab: Vocab) -> Tokenizer:
    return Tokenizer(
        vocab,
        rules=special_cases(),
        prefix_search=compile_prefix_regex(PREFIXES).search,
        suffix_search=compile_suffix_regex(SUFFIXES).search,
        infix_finditer=compile_infix_regex(INFIXES).finditer,
        token_match=token_match,
        url_match=url_match,
        split_final_period=True,
    )


def English(**kwargs):
    """A blank English pipeline, as spaCy's `from spacy.lang.en import English; nlp = English()`
    (the same as `lexloom.blank("en")`)."""
    from ...language import Language

    return Language.blank("en", **kwargs)
