"""What code changed in a pipeline's language data, saved with it: tokenizer special cases
added (`nlp.tokenizer.add_special_case`), tokenizer rules replaced with a regex's method
(`nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer`) and stop words added
or removed (`nlp.Defaults.stop_words`, `nlp.vocab[word].is_stop`). Only what differs from the
language's own is written (`FILE` in the pipeline directory), and applied again at load.
"""
from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any, Callable

from . import language_rules, shipped_stop_words
from .tokenizer import Tokenizer

if TYPE_CHECKING:
    from ..language import Language

FILE = "language.json"
# The tokenizer's rules that code may replace, and the methods of a compiled regex they may be.
RULES = ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match")
_METHODS = ("search", "match", "fullmatch", "finditer")
_UNSAVED = "unsaved"


def of(nlp: "Language") -> dict:
    """The changes of `nlp`'s language data, as JSON; empty where there are none."""
    out: dict = {}
    added = getattr(nlp.tokenizer, "added", None)
    if added:
        out["special_cases"] = added
    rules = _replaced_rules(nlp)
    if rules:
        out["tokenizer"] = rules
    if nlp.vocab._stop_words is not None:  # never asked for, never changed
        default = shipped_stop_words(nlp.lang)
        more, fewer = sorted(nlp.vocab.stop_words - default), sorted(default - nlp.vocab.stop_words)
        if more or fewer:
            out["stop_words"] = {"added": more, "removed": fewer}
    return out


def apply(nlp: "Language", data: dict) -> None:
    """Make the changes `of` wrote (a TypeError or ValueError where they are not its JSON)."""
    for string, pieces in data.get("special_cases", {}).items():
        nlp.tokenizer.add_special_case(string, pieces)
    for name, regex in data.get("tokenizer", {}).items():
        if name not in RULES:
            raise ValueError(f"no tokenizer rule {name!r}; the rules are {', '.join(RULES)}")
        setattr(nlp.tokenizer, name, _from_json(regex))
    words = data.get("stop_words", {})
    nlp.vocab.stop_words = (nlp.vocab.stop_words | set(words.get("added", ()))) - set(words.get("removed", ()))


def _replaced_rules(nlp: "Language") -> dict:
    """The tokenizer's rules that are not the language's own, as `_as_json` writes them."""
    if not isinstance(nlp.tokenizer, Tokenizer):
        return {}
    own = Tokenizer.from_rules(nlp.vocab, language_rules(nlp.lang))
    out = {}
    for name in RULES:
        rule = _as_json(getattr(nlp.tokenizer, name))
        if rule == _as_json(getattr(own, name)):
            continue
        if rule == _UNSAVED:
            warnings.warn(
                f"nlp.tokenizer.{name} is not a method of a compiled regex (re.compile(...).search, .match, "
                ".finditer), so the pipeline is saved without it: set it again after loading", stacklevel=4,
            )
            continue
        out[name] = rule
    return out


def _as_json(rule: Callable | None) -> dict | str | None:
    """A rule as the regex it is a method of: {"pattern", "flags", "method"}; None for no rule;
    `_UNSAVED` for any other function."""
    if rule is None:
        return None
    regex = getattr(rule, "__self__", None)
    if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str) or rule.__name__ not in _METHODS:
        return _UNSAVED
    return {"pattern": regex.pattern, "flags": regex.flags, "method": rule.__name__}


def _from_json(saved: Any) -> Callable | None:
    if saved is None:
        return None
    if saved["method"] not in _METHODS:
        raise ValueError(f"a tokenizer rule is a regex's {', '.join(_METHODS)}, not {saved['method']!r}")
    try:
        return getattr(re.compile(saved["pattern"], saved["flags"]), saved["method"])
    except re.error as e:
        raise ValueError(f"not a regex: {saved['pattern']!r} ({e})") from None
