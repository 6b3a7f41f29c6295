"""Corpus readers: `.lexloom` files, or spaCy's `.spacy` ones (or folders of them) -> Examples
with gold tokenization."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..config.registry import registry
from ..errors import DataError
from ..evaluate import predicted_doc
from ..tokens import Doc, Example, read_docbin, read_spacy
from ..tokens.doc import pack


CORPUS_SUFFIXES = (".lexloom", ".spacy")


def corpus_files(path: str | Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.suffix in CORPUS_SUFFIXES and f.is_file())
        if not files:
            raise DataError("no .lexloom (or .spacy) files in this directory", path)
        return files
    if not path.exists():
        raise DataError("corpus not found", path)
    return [path]


class Corpus:
    """Iterate Examples of a corpus. With `max_length`, docs are cut at sentence boundaries
    into pieces of consecutive sentences of at most `max_length` tokens (a longer sentence
    is a piece of its own): short sequences train faster and still teach sentence
    boundaries. With `per_sentence`, every sentence is an Example of its own (spaCy's
    `gold_preproc`), so that training sees the same Examples however the converter grouped
    sentences into docs (`--n-sents`). `limit` keeps the first N pieces. With `gold_sents`,
    the Docs to annotate keep the reference's sentence boundaries (as `lexloom evaluate
    --gold-sents`): for data whose input comes split into sentences (IOB, CoNLL-2003), where
    the boundaries are not a prediction. `augmenter` (`[corpora.train.augmenter]`, spaCy's
    `(nlp, example) -> Examples`) alters the Examples afresh each epoch when this corpus
    trains (`TrainingData`); reading the corpus gives them as they are."""

    def __init__(
        self, path: str | Path, *, max_length: int = 0, limit: int = 0, shuffle: bool = False, seed: int = 0, per_sentence: bool = False, gold_sents: bool = False,
        augmenter: Callable[..., Iterable[Example]] | None = None,
    ):
        self.path = Path(path)
        self.gold_sents = gold_sents
        self.max_length = max_length
        self.per_sentence = per_sentence
        self.limit = limit
        self.augmenter = augmenter
        self.shuffle = shuffle
        self._rng = random.Random(seed)

    def docs(self, vocab) -> Iterator[Doc]:
        n = 0
        for f in corpus_files(self.path):
            for doc in (read_spacy if f.suffix == ".spacy" else read_docbin)(f, vocab):
                for part in self._split(doc):
                    yield part
                    n += 1
                    if self.limit and n >= self.limit:
                        return

    def _split(self, doc: Doc) -> Iterator[Doc]:
        if self.per_sentence and doc.has_annotation("SENT_START"):
            for sent in doc.sents:
                yield doc.slice(sent.start, sent.end)
            return
        if not self.max_length or len(doc) <= self.max_length:
            yield doc
            return
        sents = list(doc.sents)
        # per-sentence metadata (CoNLL-U's sent_ids, texts, multi-word tokens) follows its sentences
        per_sentence = {k: v for k, v in doc.user_data.items() if isinstance(v, list) and len(v) == len(sents)}
        for first, last in pack([len(s) for s in sents], self.max_length):
            yield self._piece(doc, sents[first].start, sents[last - 1].end, per_sentence, first, last)

    @staticmethod
    def _piece(doc: Doc, start: int, end: int, per_sentence: dict, first: int, last: int) -> Doc:
        piece = doc.slice(start, end)
        piece.user_data = {k: v[first:last] for k, v in per_sentence.items()}
        return piece

    def __call__(self, nlp) -> Iterator[Example]:
        docs = list(self.docs(nlp.vocab)) if self.shuffle else self.docs(nlp.vocab)
        if self.shuffle:
            self._rng.shuffle(docs)
        for ref in docs:
            yield Example(predicted_doc(nlp, ref, gold_sents=self.gold_sents), ref)


@registry.readers("lexloom.Corpus.v1")
def create_corpus(
    path: str, max_length: int = 0, limit: int = 0, shuffle: bool = False, seed: int = 0, per_sentence: bool = False, gold_sents: bool = False,
    augmenter: Callable[..., Iterable[Example]] | None = None,
) -> Corpus:
    return Corpus(path, max_length=max_length, limit=limit, shuffle=shuffle, seed=seed, per_sentence=per_sentence, gold_sents=gold_sents, augmenter=augmenter)
