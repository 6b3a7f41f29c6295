"""spaCy's symbols (`from spacy.symbols import ORTH, NOUN, nsubj`), each the string it names.

spaCy's are ids in one global table. lexloom's string ids belong to each vocab, and everything
that takes an attribute or a label takes its name, so here a symbol is that name:
`ORTH == "ORTH"` (the constants of `lexloom.attrs`), `NOUN == "NOUN"`, `nsubj == "nsubj"`,
`GPE == "GPE"`. Compare them with the string attributes: `token.pos_ == NOUN`,
`token.dep_ == nsubj`.

    nlp.tokenizer.add_special_case("gimme", [{ORTH: "gim"}, {ORTH: "me"}])

The relations are UD's, which lexloom's parsers predict, and, so that spaCy code imports as it
is, the ClearNLP names of spaCy's English pipelines (`dobj`, `pobj`, `prep`, ...), which they
do not predict.
"""
from __future__ import annotations

import builtins

from . import attrs
from .glossary import ENTITIES, RELATIONS, UPOS

#: spaCy's parts of speech: UD's, and the two spaCy keeps from before (CONJ, EOL).
POS_NAMES = (*UPOS, "CONJ", "EOL")
#: UD's relations without subtypes (but `list`, which would hide Python's), then spaCy's
#: English (ClearNLP) ones UD does not have.
DEP_NAMES = (
    *(label for label in RELATIONS if label.isidentifier() and not hasattr(builtins, label)),
    "acomp", "agent", "attr", "auxpass", "complm", "csubjpass", "dobj", "hmod", "hyph", "infmod", "intj", "meta", "neg",
    "nn", "npadvmod", "nsubjpass", "num", "number", "oprd", "partmod", "pcomp", "pobj", "poss", "possessive", "preconj",
    "prep", "prt", "quantmod", "rcmod", "relcl",
)
#: spaCy's `IDS` (name -> symbol); here each symbol is its name.
IDS: dict[str, str] = {name: name for name in (*attrs.NAMES, *POS_NAMES, *DEP_NAMES, *ENTITIES)}
globals().update(IDS)

__all__ = ["DEP_NAMES", "IDS", "POS_NAMES", *IDS]
