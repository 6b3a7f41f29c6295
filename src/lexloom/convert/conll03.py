"""CoNLL-2003 and other token-per-line column files.

One token per line, whitespace-separated columns, a blank line between
sentences. The first column is the word and the last the entity tag; with
three or more columns the second is the part-of-speech tag (stored as `tag`)
and the columns between it and the entity tag (CoNLL-2003's chunk tag) are
not kept. `-DOCSTART-` lines separate documents: a file that has them gives
one Doc per document and `n_sents` is not used, as in spaCy's converter.
The entity scheme (IOB1, IOB2, BILUO/BIOES) is judged once for the file.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import DataError
from ..tokens import Doc, Vocab
from ._entities import check_tag, file_scheme, to_biluo
from ..lines import read_blocks
from ._sentences import Sentence as _Sentence, group_sentences, join_sentences, sentence_starts

DOCSTART = "-DOCSTART-"
CONLL03_COLUMNS = 4  # word, POS, chunk, NER




def read_conll03(path: str | Path, vocab: Vocab, *, n_sents: int = 1) -> Iterator[Doc]:
    """Stream the Docs of a CoNLL-2003 file (exactly four columns: word POS chunk NER)."""
    return read_conll_columns(path, vocab, n_sents=n_sents, n_columns=CONLL03_COLUMNS)


def read_conll_columns(path: str | Path, vocab: Vocab, *, n_sents: int = 1, n_columns: int | None = None) -> Iterator[Doc]:
    """Stream the Docs of a token-per-line column file; `n_columns` None accepts any count of 2 or more,
    as long as every line of the file has the same."""
    has_docstart = False

    def tag_sequences() -> Iterator[list[str]]:
        nonlocal has_docstart
        for item in _parse_columns(path, n_columns):
            if item is None:
                has_docstart = True
            else:
                yield item.ent_tags

    # A first pass judges the entity scheme (and finds document breaks) without holding the file in memory.
    scheme = file_scheme(tag_sequences())
    items = _parse_columns(path, n_columns)
    if has_docstart:
        yield from _documents(items, vocab, scheme, path)
    else:
        yield from group_sentences((_sentence_doc(s, vocab, scheme, path) for s in items if s is not None), n_sents)


def _documents(items: Iterator[_Sentence | None], vocab: Vocab, scheme: str, path: str | Path) -> Iterator[Doc]:
    """One Doc per -DOCSTART- document."""
    document: list[Doc] = []
    for item in items:
        if item is not None:
            document.append(_sentence_doc(item, vocab, scheme, path))
        elif document:
            yield join_sentences(document)
            document = []
    if document:
        yield join_sentences(document)


def _sentence_doc(sentence: _Sentence, vocab: Vocab, scheme: str, path: str | Path) -> Doc:
    return Doc(
        vocab,
        sentence.words,
        tags=sentence.pos_tags or None,
        ents=to_biluo(sentence.ent_tags, scheme, path, sentence.lines),
        sent_starts=sentence_starts(len(sentence.words)),
    )


def _parse_columns(path: str | Path, n_columns: int | None) -> Iterator[_Sentence | None]:
    """Yield each sentence, and None for each -DOCSTART- line."""
    expected = n_columns
    expected_from = "CoNLL-2003 has word, POS, chunk and NER" if n_columns else ""
    for block in read_blocks(path):
        sentence = _Sentence()
        for number, text in block:
            columns = text.split()
            if columns[0] == DOCSTART:
                if sentence.words:
                    yield sentence
                    sentence = _Sentence()
                yield None
                continue
            if expected is None:
                if len(columns) < 2:
                    raise DataError("expected a word and an entity tag, found one column", path, number)
                expected, expected_from = len(columns), f"as on line {number}"
            if len(columns) != expected:
                raise DataError(f"expected {expected} columns ({expected_from}), found {len(columns)}", path, number)
            sentence.words.append(columns[0])
            if expected > 2:
                sentence.pos_tags.append(columns[1])
            sentence.ent_tags.append(check_tag(columns[-1], path, number))
            sentence.lines.append(number)
        if sentence.words:
            yield sentence
