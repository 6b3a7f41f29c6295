"""What code changed in a pipeline's language data, saved with it: tokenizer special cases
added (`nlp.tokenizer.add_special_case`) and stop words added or removed
(`nlp.Defaults.stop_words`, `nlp.vocab[word].is_stop`). Only what differs from the
language's own is written (`FILE` in the pipeline directory), and applied again at load.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import stop_words

if TYPE_CHECKING:
    from ..language import Language

FILE = "language.json"


def of(nlp: "Language") -> dict:
    """The changes of `nlp`'s language data, as JSON; empty where there are none."""
    out: dict = {}
    added = getattr(nlp.tokenizer, "added", None)
    if added:
        out["special_cases"] = added
    if nlp.vocab._stop_words is not None:  # never asked for, never changed
        default = stop_words(nlp.lang)
        more, fewer = sorted(nlp.vocab.stop_words - default), sorted(default - nlp.vocab.stop_words)
        if more or fewer:
            out["stop_words"] = {"added": more, "removed": fewer}
    return out


def apply(nlp: "Language", data: dict) -> None:
    """Make the changes `of` wrote (a TypeError or ValueError where they are not its JSON)."""
    for string, pieces in data.get("special_cases", {}).items():
        nlp.tokenizer.add_special_case(string, pieces)
    words = data.get("stop_words", {})
    nlp.vocab.stop_words = (nlp.vocab.stop_words | set(words.get("added", ()))) - set(words.get("removed", ()))
