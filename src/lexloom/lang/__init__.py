"""Tokenizer rules per language and the factory that builds a language's tokenizer.

Every language code gets a tokenizer. A language with a subpackage here
(`en`, `es`) has rules of its own, each a `RULES` record (`TokenizerRules`), and
its stop words (`stop_words.py`, spaCy's lists);
any other code gets the language-neutral rules of `xx`: Unicode punctuation
and symbols, numbers with separators, URLs and e-mails, and scripts written
without spaces split per character (see `xx/punctuation.py`).
"""
from __future__ import annotations

import functools
import importlib
import re
from typing import Callable

from ..config.registry import registry
from ..errors import LexloomError
from ..tokens import Vocab
from .tokenizer import Tokenizer, TokenizerRules

# Languages with rules of their own; every other code uses "xx".
_LANGUAGE_MODULES = {"en": "lexloom.lang.en", "es": "lexloom.lang.es", "xx": "lexloom.lang.xx"}
_STOP_WORD_MODULES = {"en": "lexloom.lang.en.stop_words", "es": "lexloom.lang.es.stop_words"}
# ISO 639-1 or 639-3 codes as UD names its treebanks ("en", "grc", "qtd"), optionally with a region or variant.
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")


def available_languages() -> list[str]:
    """The language codes with rules of their own (any other valid code uses "xx")."""
    return sorted(_LANGUAGE_MODULES)


def check_language_code(lang: str) -> str:
    """`lang` if it is a language code (two or three lowercase letters, as UD uses), else a clear error."""
    if not isinstance(lang, str) or not _LANGUAGE_CODE.match(lang):
        raise LexloomError(
            f"{lang!r} is not a language code: use an ISO 639 code as UD does, e.g. en, es, grc "
            f"(rules of their own: {', '.join(available_languages())}; other codes use the language-neutral rules)"
        )
    return lang


def language_rules(lang: str) -> TokenizerRules:
    """The tokenizer rules for `lang`: its own, else the language-neutral ones."""
    check_language_code(lang)
    return importlib.import_module(_LANGUAGE_MODULES.get(lang, _LANGUAGE_MODULES["xx"])).RULES


def shipped_stop_words(lang: str) -> frozenset[str]:
    """The stop words lexloom ships for `lang`, in lower case (spaCy's lists for en and es;
    none for other codes)."""
    module = _STOP_WORD_MODULES.get(lang)
    return frozenset(importlib.import_module(module).STOP_WORDS if module else ())


@functools.cache
def stop_words(lang: str) -> set[str]:
    """The stop words of `lang`: the language's own set, which a Vocab copies when it is first
    asked for them, and which code may change (`English.Defaults.stop_words.add("btw")`)."""
    return set(shipped_stop_words(lang))


def create_tokenizer(lang: str, vocab: Vocab) -> Tokenizer:
    """Build the tokenizer for language code `lang` (e.g. "en"; "xx" for language-neutral rules)."""
    return Tokenizer.from_rules(vocab, language_rules(lang))


@registry.tokenizers("lexloom.Tokenizer.v1")
def make_rule_based_tokenizer() -> Callable[[Vocab], Tokenizer]:
    """The rule-based tokenizer for the vocab's language: `[nlp.tokenizer] @tokenizers = "lexloom.Tokenizer.v1"`."""
    return lambda vocab: create_tokenizer(vocab.lang, vocab)


__all__ = ["Tokenizer", "TokenizerRules", "available_languages", "check_language_code", "create_tokenizer", "language_rules"]
