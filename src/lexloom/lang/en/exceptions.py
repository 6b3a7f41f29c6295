"""English special cases: chunks whose tokens no affix rule can find, in UD English-EWT style.

Contractions with an apostrophe ("don't", "I'm", "Bush's") need no entry here:
the suffix rules split `n't`, `'s`, `'m`, `'re`, `'ve`, `'ll` and `'d` off any
word (see `punctuation.py`). What is listed here:

- contractions written without their apostrophe, which EWT splits like the
  full form ("dont" -> "do" "nt", "im" -> "i" "m"), and the fused forms
  "cannot", "gonna", "gotta", "wanna". They were chosen from the multi-word
  tokens of EWT train whose form is split more often than kept whole; forms
  that are mostly ordinary words ("its", "your", "lets") are left out.
- abbreviations that keep their full stop ("Mr.", "etc.", "Sept."); single
  initials ("W.") and dotted letter sequences ("U.S.", "p.m.") are matched by
  `token_match` instead.
"""
from __future__ import annotations

from typing import Iterable

# Form -> the pieces EWT splits it into, lowercase; case variants are generated.
_FUSED = {
    "cannot": ["can", "not"],
    "gonna": ["gon", "na"],
    "gotta": ["got", "ta"],
    "wanna": ["wan", "na"],
    "im": ["i", "m"],
    "ive": ["i", "ve"],
    "youre": ["you", "re"],
    "hes": ["he", "s"],
    "thats": ["that", "s"],
    "theres": ["there", "s"],
    "whats": ["what", "s"],
}
# Verbs written with "nt" for "n't": "dont" -> "do" "nt"; "cant" -> "ca" "nt" like "can't".
_NT_VERBS = [
    "ai", "ar", "are", "ca", "could", "did", "do", "does", "had", "has", "have", "is", "should",
    "was", "were", "wo", "would",
]

ABBREVIATIONS = [
    # titles
    "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Rev.", "Gen.", "Gov.", "Sen.", "Rep.", "Reps.", "Lt.", "Col.",
    "Capt.", "Sgt.", "Jr.", "Sr.", "St.", "Ft.", "Mt.", "Hon.", "Pres.",
    # months and days
    "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.",
    "Mon.", "Tue.", "Tues.", "Wed.", "Thu.", "Thur.", "Thurs.", "Fri.", "Sat.", "Sun.",
    # companies and addresses
    "Inc.", "Co.", "Corp.", "Ltd.", "Bros.", "Ave.", "Blvd.", "Rd.", "Dept.", "Univ.", "Assn.",
    # Latin and everyday
    "etc.", "vs.", "eg.", "ie.", "et.", "al.", "approx.", "esp.", "ext.", "info.", "yrs.", "No.", "no.",
    "Vol.", "vol.", "Sec.", "Attn.", "Para.", "Conf.", "Spec.", "Arrv.", "arrv.", "Ph.", "Mob.", "fig.",
    "pp.", "co.", "dept.", "min.", "max.", "est.",
]


def _case_variants(form: str, pieces: list[str]) -> Iterable[tuple[str, list[str]]]:
    """lower, Title and UPPER spellings, with the pieces cased to match."""
    yield form, pieces
    yield form[0].upper() + form[1:], [pieces[0][0].upper() + pieces[0][1:], *pieces[1:]]
    yield form.upper(), [p.upper() for p in pieces]


def special_cases() -> dict[str, list[str]]:
    cases: dict[str, list[str]] = {}
    fused = dict(_FUSED)
    fused.update({verb + "nt": [verb, "nt"] for verb in _NT_VERBS})
    for form, pieces in fused.items():
        for variant, variant_pieces in _case_variants(form, pieces):
            cases[variant] = variant_pieces
    for abbreviation in ABBREVIATIONS:
        cases[abbreviation] = [abbreviation]
    return cases
