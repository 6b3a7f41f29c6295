"""Spanish tokenizer following UD Spanish-GSD and AnCora conventions.

On top of the language-neutral rules (which already split `¿` and `¡` off
the word they open):
- abbreviations and initials keep their full stop, also at the end of a
  sentence ("etc.", "Sr.", "EE.UU.", "J. G. Ballard"), as both treebanks write them;
- ranges and dates of digits stay whole ("1994-95", "23-02-2010"), as everywhere;
- superscript powers are split off their unit ("km²" -> "km" "²").

Clitics ("dárselo") and contractions ("del", "al") stay one token: the
treebanks annotate them as multi-word tokens, which this tokenizer does not expand.
"""
from __future__ import annotations

import re

from ..tokenizer import TokenizerRules
from ..xx.punctuation import INFIXES, LETTER, PREFIXES, SUFFIXES, url_match

ABBREVIATIONS = [
    # titles and forms of address
    "Sr.", "Sra.", "Srta.", "Sres.", "Dr.", "Dra.", "Lic.", "Ing.", "Arq.", "Prof.", "Ud.", "Uds.", "Vd.", "Vds.",
    "Dña.", "Mons.", "Gral.", "Cnel.", "Tte.", "Cap.", "Mr.", "Mrs.", "Ms.", "Jr.", "St.", "Sto.", "Sta.",
    # companies, places, references
    "Cía.", "Ltda.", "Inc.", "Co.", "Corp.", "Bros.", "Av.", "Avda.", "No.", "núm.", "Núm.", "pág.", "págs.",
    "art.", "cap.", "vol.", "ed.", "fig.", "tel.", "aprox.", "etc.", "vs.", "v.", "p.ej.", "a.C.", "d.C.",
    "a.m.", "p.m.", "S.A.", "n.", "f.",
]

SUFFIXES_ES = [*SUFFIXES, rf"(?<={LETTER})[²³]"]

# One or two capitals and a full stop, repeated: initials ("D.", "J.G.") and "EE.UU.", "N.E.Br.".
token_match = re.compile(r"^(?:[A-ZÁÉÍÓÚÑ][A-Za-záéíóúñ]?\.)+$").match

RULES = TokenizerRules(
    prefixes=PREFIXES,
    suffixes=SUFFIXES_ES,
    infixes=INFIXES,
    special_cases={abbreviation: [abbreviation] for abbreviation in ABBREVIATIONS},
    token_match=token_match,
    url_match=url_match,
)
