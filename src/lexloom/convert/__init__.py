"""Format converters: CoNLL-U, IOB, CoNLL-2003 and JSONL files -> Docs -> `.lexloom` corpora.

Each reader streams Docs and raises `DataError` naming FILE:LINE for malformed
input; `convert` writes one `.lexloom` file per input file, atomically (a
failure half-way leaves no output file). `.lexloom` -> CoNLL-U goes the
other way with `to="conllu"`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ..errors import DataError, LexloomError
from ..tokens import Doc, Vocab, read_docbin, write_docbin
from ._lines import read_lines
from .conll03 import DOCSTART, read_conll03
from .conllu import read_conllu, write_conllu
from .iob import read_iob
from .jsonl import read_jsonl

CONVERTERS = {"conllu": read_conllu, "iob": read_iob, "conll03": read_conll03, "jsonl": read_jsonl}
OUTPUT_FORMATS = ("lexloom", "conllu")
# Extensions taken from a directory (a single file given by name may have any extension; its content is sniffed).
CONVERTIBLE_SUFFIXES = {".conllu": "conllu", ".jsonl": "jsonl", ".json": "jsonl", ".iob": "iob", ".iob2": "iob", ".bio": "iob", ".conll": "iob"}
_SNIFF_LINES = 50


@dataclass
class CorpusStats:
    """Counts over the Docs a conversion wrote."""

    files: int = 0
    docs: int = 0
    sentences: int = 0
    words: int = 0

    def count(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        """Pass `docs` through, counting them."""
        for doc in docs:
            self.docs += 1
            self.sentences += sum(1 for _ in doc.sents)
            self.words += len(doc)
            yield doc


def detect_converter(path: str | Path) -> str:
    """The converter for a file, by extension (`.conllu`, `.jsonl`/`.json`) or else by content.

    A `-DOCSTART-` line near the top means conll03. Otherwise known IOB
    extensions (`.iob`, `.iob2`, `.bio`, `.conll`) mean iob, whose reader tells
    its layouts apart itself; a file with another extension is jsonl if it
    starts with `{`, conllu if its first token line has ten tab-separated
    columns, and iob otherwise.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".conllu", ".jsonl", ".json"):
        return CONVERTIBLE_SUFFIXES[suffix]
    head = [text for _, text in islice(read_lines(path), _SNIFF_LINES)]
    if any(text.split()[:1] == [DOCSTART] for text in head):
        return "conll03"
    if suffix in CONVERTIBLE_SUFFIXES:
        return CONVERTIBLE_SUFFIXES[suffix]
    first = next((text for text in head if text.strip() and not text.startswith("#")), "")
    if first.lstrip().startswith("{"):
        return "jsonl"
    if len(first.split("\t")) == 10:
        return "conllu"
    return "iob"


def convert_file(
    path: str | Path,
    *,
    converter: str = "auto",
    n_sents: int = 1,
    merge_subtokens: bool = False,
    lang: str = "en",
    vocab: Vocab | None = None,
) -> Iterator[Doc]:
    """Stream the Docs of one input file. JSONL text is tokenized with `lang`'s tokenizer."""
    vocab = vocab or Vocab(lang)
    name = detect_converter(path) if converter == "auto" else converter
    if name not in CONVERTERS:
        raise LexloomError(f"unknown converter {name!r}; choose one of auto, {', '.join(CONVERTERS)}")
    if merge_subtokens and name != "conllu":
        raise LexloomError(f"merge_subtokens applies to CoNLL-U input only, not {name} ({path})")
    if name == "conllu":
        return read_conllu(path, vocab, n_sents=n_sents, merge_subtokens=merge_subtokens)
    if name == "jsonl":
        return read_jsonl(path, vocab, tokenizer=_tokenizer(lang, vocab))
    return CONVERTERS[name](path, vocab, n_sents=n_sents)


def _tokenizer(lang: str, vocab: Vocab):
    # Imported here so that reading annotated formats never needs the tokenizer rules.
    from ..lang import create_tokenizer

    return create_tokenizer(lang, vocab)


def convert(
    input_path: str | Path,
    output_dir: str | Path,
    *,
    converter: str = "auto",
    n_sents: int = 1,
    merge_subtokens: bool = False,
    lang: str = "en",
    to: str = "lexloom",
    stats: CorpusStats | None = None,
) -> list[Path]:
    """Convert a file, or every convertible file of a directory, into OUTPUT_DIR/<stem>.lexloom
    (or, with `to="conllu"`, `.lexloom` corpora into OUTPUT_DIR/<stem>.conllu). Returns the paths written."""
    if to not in OUTPUT_FORMATS:
        raise LexloomError(f"unknown output format {to!r}; choose one of {', '.join(OUTPUT_FORMATS)}")
    stats = stats if stats is not None else CorpusStats()
    output_dir = Path(output_dir)
    suffix = "." + to
    inputs = _input_files(Path(input_path), to)
    outputs = [output_dir / (path.stem + suffix) for path in inputs]
    if len(set(outputs)) != len(outputs):
        raise LexloomError(f"input files in {input_path} share a name stem, so their outputs would collide")
    for path, output in zip(inputs, outputs):
        if to == "conllu":
            write_conllu(stats.count(read_docbin(path)), output)
        else:
            docs = convert_file(path, converter=converter, n_sents=n_sents, merge_subtokens=merge_subtokens, lang=lang)
            write_docbin(output, stats.count(docs))
        stats.files += 1
    return outputs


def _input_files(input_path: Path, to: str) -> list[Path]:
    if not input_path.exists():
        raise DataError("no such file or directory", input_path)
    if input_path.is_file():
        if to == "conllu" and input_path.suffix != ".lexloom":
            raise DataError("converting to CoNLL-U needs a .lexloom corpus as input", input_path)
        return [input_path]
    wanted = {".lexloom"} if to == "conllu" else set(CONVERTIBLE_SUFFIXES)
    files = sorted(p for p in input_path.iterdir() if p.is_file() and p.suffix.lower() in wanted and not p.name.startswith("."))
    if not files:
        raise DataError(f"no files to convert (looked for {', '.join(sorted(wanted))})", input_path)
    return files


__all__ = [
    "CONVERTERS", "CorpusStats", "convert", "convert_file", "detect_converter",
    "read_conll03", "read_conllu", "read_iob", "read_jsonl", "write_conllu",
]
