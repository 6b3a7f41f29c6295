"""spaCy's token attribute constants (`from spacy.attrs import ORTH, LOWER`), by name.

spaCy's are ints, ids in one global symbol table. lexloom's string ids belong to each
vocab (`vocab.strings`), so here each constant is the attribute's name: `ORTH == "ORTH"`.
Everything in lexloom that takes an attribute takes its name, so spaCy code reads the same:

    doc.to_array([ORTH, LOWER, HEAD])
    matcher.add("X", [[{LOWER: "hello"}, {IS_PUNCT: True}]])
    nlp.tokenizer.add_special_case("gimme", [{ORTH: "gim"}, {ORTH: "me"}])

Code that compares these constants with spaCy's numbers (`attr == 65`) does not carry over.
`IS_SENT_START` is the Matcher's name for a token that starts a sentence (SENT_START is
the array column).
"""
from __future__ import annotations

from .tokens.token import IOB_STRINGS

#: Every attribute name spaCy's `spacy.attrs` defines, in spaCy's order, and IS_SENT_START.
NAMES: tuple[str, ...] = (
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_PUNCT", "IS_SPACE", "IS_TITLE", "IS_UPPER",
    "LIKE_URL", "LIKE_NUM", "LIKE_EMAIL", "IS_STOP", "IS_BRACKET", "IS_QUOTE",
    "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY",
    "ID", "ORTH", "LOWER", "NORM", "SHAPE", "PREFIX", "SUFFIX", "LENGTH", "CLUSTER", "LEMMA",
    "POS", "TAG", "DEP", "ENT_IOB", "ENT_TYPE", "ENT_ID", "ENT_KB_ID", "HEAD", "SENT_START",
    "SPACY", "PROB", "LANG", "MORPH", "IDX", "IS_SENT_START",
)
#: spaCy's `IDS` (name -> constant); here each constant is its name.
IDS: dict[str, str] = {name: name for name in NAMES}
globals().update(IDS)


def intify_attr(name: str) -> str | None:
    """spaCy's `intify_attr`: the constant for an attribute name in any case (None if
    there is none). Here the constant is the upper-case name."""
    return IDS.get(str(name).upper())


__all__ = ["IDS", "IOB_STRINGS", "NAMES", "intify_attr", *NAMES]
