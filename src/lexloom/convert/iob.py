"""IOB-tagged files in their three common layouts, told apart by their first token line:

- `word|tag` (or `word|pos|tag`) tokens, one sentence per line (spaCy's `iob`
  format); blank lines are ignored;
- one token per line in whitespace-separated columns, word first and entity
  tag last, blank line between sentences (see `conll03.read_conll_columns`);
- CoNLL-U-like `ID FORM TAG ...` tab-separated lines with `#` comments, as in
  Universal NER: the spaces are rebuilt from the `# text` comment so that the
  Doc's text equals it, and `# sent_id` / `# text` go to `doc.user_data` as
  one-entry-per-sentence lists (`sent_ids`, `texts`).

IOB1, IOB2 and BILUO/BIOES are recognised per file (see `_entities`).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import DataError
from ..tokens import Doc, Vocab
from ._entities import check_tag, file_scheme, to_biluo
from ..lines import read_blocks, read_lines
from ._sentences import Sentence as _Sentence, group_sentences, read_comment, sentence_starts
from .conll03 import read_conll_columns

WORD_TAG, COLUMNS, CONLLU_LIKE = "word|tag", "columns", "conllu-like"


def read_iob(path: str | Path, vocab: Vocab, *, n_sents: int = 1) -> Iterator[Doc]:
    """Stream the Docs of an IOB file in any of the three layouts, `n_sents` sentences per Doc."""
    layout = sniff_layout(path)
    if layout == COLUMNS:
        yield from read_conll_columns(path, vocab, n_sents=n_sents)
        return
    parse = _parse_word_tag if layout == WORD_TAG else _parse_conllu_like
    scheme = file_scheme(sentence.ent_tags for sentence in parse(path))
    docs = (_sentence_doc(sentence, vocab, scheme, path) for sentence in parse(path))
    yield from group_sentences(docs, n_sents)


def sniff_layout(path: str | Path) -> str:
    """WORD_TAG, COLUMNS or CONLLU_LIKE, judged by the first line that is neither blank nor a comment."""
    for _, text in read_lines(path):
        if not text.strip() or text.startswith("#"):
            continue
        fields = text.split("\t")
        if len(fields) >= 3 and fields[0].isdigit():
            return CONLLU_LIKE
        if all("|" in token for token in text.split()):
            return WORD_TAG
        return COLUMNS
    return COLUMNS


def _parse_word_tag(path: str | Path) -> Iterator[_Sentence]:
    for number, text in read_lines(path):
        tokens = text.split()
        if not tokens:
            continue
        sentence = _Sentence(lines=[number] * len(tokens))
        for token in tokens:
            parts = token.split("|")
            if len(parts) not in (2, 3) or not all(parts):
                raise DataError(f"token {token!r} is not word|tag or word|pos|tag", path, number)
            sentence.words.append(parts[0])
            if len(parts) == 3:
                sentence.pos_tags.append(parts[1])
            sentence.ent_tags.append(check_tag(parts[-1], path, number))
        if sentence.pos_tags and len(sentence.pos_tags) != len(sentence.words):
            raise DataError("some tokens are word|pos|tag and others word|tag", path, number)
        yield sentence


def _parse_conllu_like(path: str | Path) -> Iterator[_Sentence]:
    for block in read_blocks(path):
        sentence = _Sentence(sent_id="", text="")
        for number, text in block:
            if text.startswith("#"):
                read_comment(text, sentence)
                continue
            fields = text.split("\t")
            if len(fields) < 3:
                raise DataError(f"expected ID, FORM and TAG tab-separated columns, found {len(fields)}", path, number)
            if "-" in fields[0] or "." in fields[0]:
                continue  # multi-word token ranges and empty nodes carry no entity tags
            if fields[0] != str(len(sentence.words) + 1):
                raise DataError(f"word ID {fields[0]!r} is out of order (expected {len(sentence.words) + 1})", path, number)
            sentence.words.append(fields[1])
            sentence.ent_tags.append(check_tag(fields[2], path, number))
            sentence.lines.append(number)
        if sentence.words:
            if sentence.text:
                sentence.spaces = spaces_from_text(sentence.words, sentence.text, path, sentence.lines)
            yield sentence


def spaces_from_text(words: list[str], text: str, path: str | Path, lines: list[int]) -> list[bool]:
    """Whether each word is followed by whitespace in `text`, which must hold the words in order.

    `lines[k]` is the file line of word k, named in the error if it is not found."""
    spaces = []
    position = 0
    for k, word in enumerate(words):
        if not text.startswith(word, position):
            raise DataError(
                f"word {k + 1} {word!r} does not match the '# text' comment at character {position} ({text[position:position + 20]!r})",
                path,
                lines[k],
            )
        position += len(word)
        spaces.append(text[position : position + 1].isspace())
        while position < len(text) and text[position].isspace():
            position += 1
    spaces[-1] = False
    return spaces


def _sentence_doc(sentence: _Sentence, vocab: Vocab, scheme: str, path: str | Path) -> Doc:
    doc = Doc(
        vocab,
        sentence.words,
        sentence.spaces,
        tags=sentence.pos_tags or None,
        ents=to_biluo(sentence.ent_tags, scheme, path, sentence.lines),
        sent_starts=sentence_starts(len(sentence.words)),
    )
    if sentence.text is not None:
        doc.user_data["sent_ids"] = [sentence.sent_id]
        doc.user_data["texts"] = [sentence.text]
    return doc
