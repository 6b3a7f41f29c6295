"""Raw-text evaluation: run a pipeline on a gold treebank's raw text and score it as CoNLL 2018 did.

Every other score starts from the gold words. Here the pipeline gets only the
text, as a user's pipeline does: it finds the tokens, the sentences and then
everything else, and `scoring.conll18` aligns its words to the gold words by
their characters.

The text is rebuilt from the gold file the way the shared task gave it to the
systems (and the way Stanza and UDPipe read UD's `.txt` files): each sentence's
`# text` (its tokens and their `SpaceAfter`, where it has none), followed by the
whitespace after its last token. A paragraph is one document: a new one starts
at every `# newpar` and `# newdoc`, so paragraph breaks are known boundaries, as
the blank lines of UD's `.txt` files are. A file that marks neither (UD
Spanish-GSD, for one) is one document, as its `.txt` file is one paragraph.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .convert.conllu import write_conllu
from .errors import DataError
from .scoring.conll18 import Treebank, evaluate, flat_scores, read_treebank


def raw_texts(gold: Treebank) -> list[str]:
    """The gold file's raw text, one string per paragraph (see the module docstring)."""
    texts: list[str] = []
    parts: list[str] = []
    marked = any(s.newdoc or s.newpar for s in gold.sentences)
    for sentence in gold.sentences:
        if parts and marked and (sentence.newdoc or sentence.newpar):
            texts.append("".join(parts).rstrip())
            parts = []
        parts += [sentence.text if sentence.text is not None else sentence.surface, sentence.space_after]
    if parts:
        texts.append("".join(parts).rstrip())
    return texts


def evaluate_raw_text(nlp, gold_path: str | Path, *, batch_size: int = 64, system_path: str | Path | None = None) -> dict:
    """Annotate the raw text of the CoNLL-U file `gold_path` with `nlp` and score the result with the
    CoNLL 2018 definitions: `raw_tokens_f`, `raw_sents_f`, `raw_words_f` (and their `_p`, `_r`),
    `raw_upos`, `raw_xpos`, `raw_ufeats`, `raw_alltags`, `raw_lemmas`, `raw_uas`, `raw_las`,
    `raw_clas`, `raw_mlas`, `raw_blex` (F1, 0-1) and `raw_speed` (words per second from raw text).
    The system's CoNLL-U, as `lexloom apply` writes it, is kept at `system_path` if one is given."""
    gold = read_treebank(gold_path)
    texts = raw_texts(gold)
    if not texts:
        raise DataError("the gold file holds no sentences", gold_path)
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        written = write_conllu(docs, system_path or Path(tmp) / "system.conllu")
        system = read_treebank(written)
    scores = flat_scores(evaluate(gold, system))
    scores["raw_speed"] = len(system.words) / seconds if seconds > 0 else None
    return scores
