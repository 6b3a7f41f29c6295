"""`sentencizer`: rule-based sentence starts, for pipelines that do not learn them.

Written only with the API every user has (`factory`, `Pipe`, `token.is_sent_start`,
`doc.multiword_tokens`). As spaCy's: a sentence starts at the first token after a run of
sentence-final punctuation ("." "!" "?" and their counterparts in other scripts) that is
not itself punctuation. Tokens whose start is already known (a senter or the input set it)
keep it, unless `overwrite` is set. Multi-word tokens stay with their words.
"""
from __future__ import annotations

from typing import Sequence

from ..scoring import score_sents
from ..tokens import Doc, Example
from .base import Pipe
from .factories import factory

PUNCT_CHARS = (
    "!", ".", "?", "։", "؟", "۔", "܀", "܁", "܂", "߹", "।", "॥", "၊", "။", "።", "፧", "፨", "᙮", "᜵", "᜶",
    "᠃", "᠉", "᥄", "᥅", "᪨", "᪩", "᪪", "᪫", "᭚", "᭛", "᭞", "᭟", "᰻", "᰼", "᱾", "᱿", "‼", "‽", "⁇",
    "⁈", "⁉", "⸮", "⸼", "꓿", "꘎", "꘏", "꛳", "꛷", "꡶", "꡷", "꣎", "꣏", "꤯", "꧈", "꧉", "꩝", "꩞",
    "꩟", "꫰", "꫱", "꯫", "﹒", "﹖", "﹗", "！", "．", "？", "。", "｡",
)


class Sentencizer(Pipe):
    def __init__(self, nlp, name: str, *, punct_chars: Sequence[str] | None = None, overwrite: bool = False):
        super().__init__(nlp, name)
        self.punct_chars = frozenset(punct_chars or PUNCT_CHARS)
        self.overwrite = overwrite

    def __call__(self, doc: Doc) -> Doc:
        mwts = doc.multiword_tokens()  # kept per sentence: they follow the sentences set here
        seen_end = False
        for i, token in enumerate(doc):
            ends = all(char in self.punct_chars for char in token.text)
            start = i == 0
            if seen_end and not ends and not token.is_punct:
                start, seen_end = True, False
            elif ends:
                seen_end = True
            if self.overwrite or token.is_sent_start is None:
                token.is_sent_start = start
        if mwts:
            doc.set_multiword_tokens(mwts)
        return doc

    def score(self, examples: Sequence[Example]) -> dict:
        """`sents_p`, `sents_r`, `sents_f`."""
        return score_sents(examples)


@factory("sentencizer", {"punct_chars": None, "overwrite": False}, assigns=["token.is_sent_start"], default_score_weights={"sents_f": 1.0})
def make_sentencizer(nlp, name: str, punct_chars: list[str] | None = None, overwrite: bool = False) -> Sentencizer:
    return Sentencizer(nlp, name, punct_chars=punct_chars, overwrite=overwrite)
