"""Tokenizer rules per language and the factory that builds a language's tokenizer.

Each language is a subpackage with `make_tokenizer(vocab) -> Tokenizer`; `xx`
is the language-neutral fallback (punctuation only, no special cases).
"""
from __future__ import annotations

import importlib
from typing import Callable

from ..config.registry import registry
from ..errors import LexloomError
from ..tokens import Vocab
from .tokenizer import Tokenizer

_LANGUAGE_MODULES = {"en": "lexloom.lang.en", "xx": "lexloom.lang.xx"}


def available_languages() -> list[str]:
    return sorted(_LANGUAGE_MODULES)


def create_tokenizer(lang: str, vocab: Vocab) -> Tokenizer:
    """Build the tokenizer for language code `lang` (e.g. "en"; "xx" for language-neutral rules)."""
    module_name = _LANGUAGE_MODULES.get(lang)
    if module_name is None:
        raise LexloomError(
            f"no tokenizer for language {lang!r}; available languages: {', '.join(available_languages())}"
        )
    return importlib.import_module(module_name).make_tokenizer(vocab)


@registry.tokenizers("lexloom.Tokenizer.v1")
def make_rule_based_tokenizer() -> Callable[[Vocab], Tokenizer]:
    """The rule-based tokenizer for the vocab's language: `[nlp.tokenizer] @tokenizers = "lexloom.Tokenizer.v1"`."""
    return lambda vocab: create_tokenizer(vocab.lang, vocab)


__all__ = ["Tokenizer", "available_languages", "create_tokenizer"]
