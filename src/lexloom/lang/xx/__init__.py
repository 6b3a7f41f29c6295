"""Language-neutral tokenizer: punctuation affixes and infixes, URLs and e-mails, no special cases."""
from __future__ import annotations

from ...tokens import Vocab
from ..tokenizer import Tokenizer, compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from .punctuation import INFIXES, PREFIXES, SUFFIXES, url_match


def make_tokenizer(vocab: Vocab) -> Tokenizer:
    return Tokenizer(
        vocab,
        rules={},
        prefix_search=compile_prefix_regex(PREFIXES).search,
        suffix_search=compile_suffix_regex(SUFFIXES).search,
        infix_finditer=compile_infix_regex(INFIXES).finditer,
        url_match=url_match,
    )
