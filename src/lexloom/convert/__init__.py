"""Reading and writing Docs in every format, and `convert` (files -> `.lexloom` corpora).

`read_docs(path, vocab)` is the one way to read Docs from a path: a `.lexloom` corpus,
spaCy's `.spacy` corpus (`tokens/spacy_docbin.py`, read without spaCy), CoNLL-U, IOB (three layouts), CoNLL-2003, JSONL (texts with spans and cats, or Docs in
`to_json()` shape), plain text (one text per line), a folder of such files, or "-" for
stdin. The format comes from the extension, else from the content (`detect_format`).
Readers stream Docs and raise `DataError` naming FILE:LINE for malformed input.
`write_docs(docs, path)` writes `.lexloom`, `.conllu` or `.jsonl` (by the extension, or
`format`), atomically, or to stdout for "-". `convert` writes one `.lexloom` file per
input file (or, with `to="conllu"`, `.lexloom` corpora back to CoNLL-U), optionally with the
annotation layers of another file's same sentences joined in (`join.py`).
spaCy v2's JSON training format is written and read as Python objects (`spacy_json.py`).
"""
from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ..errors import DataError, LexloomError
from ..tokens import Doc, Vocab, read_docbin, read_spacy, write_docbin
from ..files import read_lines
from .conll03 import DOCSTART, read_conll03
from .conllu import read_conllu, write_conllu
from ._sentences import group_sentences
from .iob import read_iob
from .join import JoinStats, index_sentences, join_annotations
from .jsonl import read_jsonl, write_jsonl
from .spacy_json import docs_to_json, json_to_docs
from .text import read_text

FORMATS = ("lexloom", "spacy", "conllu", "jsonl", "txt", "iob", "conll03")
WRITERS = {".lexloom": "lexloom", ".conllu": "conllu", ".jsonl": "jsonl"}
OUTPUT_FORMATS = ("lexloom", "conllu")
# Formats by extension; `.txt` and other extensions are told apart by their content.
SUFFIXES = {
    ".lexloom": "lexloom", ".spacy": "spacy", ".conllu": "conllu", ".jsonl": "jsonl", ".json": "jsonl",
    ".iob": "iob", ".iob2": "iob", ".bio": "iob", ".conll": "iob", ".txt": "txt",
}
# Extensions read from a folder (a file given by name may have any extension): not `.txt`,
# which in a data folder is more often a README or a licence than a corpus.
FOLDER_SUFFIXES = {suffix for suffix, name in SUFFIXES.items() if name != "txt"}
# Extensions `convert` takes from a directory.
CONVERTIBLE_SUFFIXES = FOLDER_SUFFIXES - {".lexloom"}
_SNIFF_LINES = 50
_IOB_FIELD = re.compile(r"(.+\|)?(O|[BILUES]-\S+)")
STDIN = "-"


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


def detect_format(path: str | Path) -> str:
    """The format of a file: by extension (`.lexloom`, `.spacy`, `.conllu`, `.jsonl`/`.json`), else by content.

    A `-DOCSTART-` line near the top means conll03. Otherwise known IOB extensions
    (`.iob`, `.iob2`, `.bio`, `.conll`) mean iob, whose reader tells its layouts apart
    itself. A file with another extension (`.txt` too) is jsonl if it starts with `{`,
    conllu if its first token line has ten tab-separated columns, iob if every line
    ends in an entity tag (`O`, `B-PER`, `word|B-PER`), and plain text otherwise.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if SUFFIXES.get(suffix) in ("lexloom", "spacy", "conllu", "jsonl"):
        return SUFFIXES[suffix]
    head = [text for _, text in islice(read_lines(path), _SNIFF_LINES)]
    if any(text.split()[:1] == [DOCSTART] for text in head):
        return "conll03"
    if SUFFIXES.get(suffix) == "iob":
        return "iob"
    lines = [text for text in head if text.strip() and not text.startswith("#")]
    first = lines[0] if lines else ""
    if first.lstrip().startswith("{"):
        return "jsonl"
    if len(first.split("\t")) == 10:
        return "conllu"
    if lines and all(_IOB_FIELD.fullmatch(text.split()[-1]) for text in lines):
        return "iob"
    return "txt"


def read_docs(
    path: str | Path,
    vocab: Vocab | None = None,
    *,
    format: str = "auto",
    n_sents: int = 1,
    merge_subtokens: bool = False,
    make_doc: Callable[[str], Doc] | None = None,
) -> Iterator[Doc]:
    """Stream the Docs of a file, of the files in a folder (sorted, recursively; any
    extension of SUFFIXES but `.txt`) or of stdin ("-"). Texts (JSONL, plain text) are tokenized by `make_doc`, by default
    the tokenizer of `vocab.lang`; `n_sents` sentences go into one Doc (CoNLL-U, IOB,
    CoNLL-2003 without -DOCSTART-); `merge_subtokens` applies to CoNLL-U."""
    vocab = vocab if vocab is not None else Vocab("en")
    if format != "auto" and format not in FORMATS:
        raise LexloomError(f"unknown format {format!r}; choose one of auto, {', '.join(FORMATS)}")
    if str(path) == STDIN:
        return _read_stdin(vocab, format, n_sents, merge_subtokens, make_doc)
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or directory", path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES and not p.name.startswith("."))
        if not files:
            raise DataError(f"no files to read (looked for {', '.join(sorted(FOLDER_SUFFIXES))})", path)
        return (doc for f in files for doc in _read_file(f, vocab, format, n_sents, merge_subtokens, make_doc))
    return _read_file(path, vocab, format, n_sents, merge_subtokens, make_doc)


def _read_file(path: Path, vocab: Vocab, format: str, n_sents: int, merge_subtokens: bool, make_doc) -> Iterator[Doc]:
    name = detect_format(path) if format == "auto" else format
    if merge_subtokens and name != "conllu":
        raise LexloomError(f"merge_subtokens applies to CoNLL-U input only, not {name} ({path})")
    if name == "lexloom":
        return read_docbin(path, vocab)
    if name == "spacy":
        return read_spacy(path, vocab)
    if name == "conllu":
        return read_conllu(path, vocab, n_sents=n_sents, merge_subtokens=merge_subtokens)
    if name in ("jsonl", "txt"):
        tokenizer = make_doc or _tokenizer(vocab)
        return read_jsonl(path, vocab, tokenizer=tokenizer) if name == "jsonl" else read_text(path, vocab, tokenizer=tokenizer)
    return (read_iob if name == "iob" else read_conll03)(path, vocab, n_sents=n_sents)


def _read_stdin(vocab: Vocab, format: str, n_sents: int, merge_subtokens: bool, make_doc) -> Iterator[Doc]:
    """Stdin, held in a temporary file (the format may need sniffing); errors name <stdin>."""
    with tempfile.TemporaryDirectory(prefix="lexloom-stdin-") as tmp:
        path = Path(tmp) / "stdin"
        path.write_bytes(sys.stdin.buffer.read())
        try:
            yield from _read_file(path, vocab, format, n_sents, merge_subtokens, make_doc)
        except DataError as e:
            raise DataError(e.reason, "<stdin>", e.line) from None


def _tokenizer(vocab: Vocab):
    # Imported here so that reading annotated formats never needs the tokenizer rules.
    from ..lang import create_tokenizer

    return create_tokenizer(vocab.lang, vocab)


def output_format(path: str | Path, format: str | None = None) -> str:
    """The format `write_docs` writes to `path`: `format`, else by the extension ("-": conllu)."""
    path = Path(path)
    if format is None:
        format = "conllu" if str(path) == STDIN else WRITERS.get(path.suffix.lower())
    if format not in WRITERS.values():
        raise DataError(f"unknown output format {format or path.suffix!r}; expected one of {', '.join(WRITERS)}", path)
    return format


def write_docs(docs: Iterable[Doc], path: str | Path, format: str | None = None) -> Path:
    """Write Docs as `.lexloom`, `.conllu` or `.jsonl` (spaCy's to_json() per line), by the
    extension or `format`, atomically; "-" writes to stdout (CoNLL-U unless `format` says)."""
    format = output_format(path, format)
    path = Path(path)
    if format == "conllu":
        return write_conllu(docs, path)
    if format == "jsonl":
        return write_jsonl(docs, path)
    if str(path) == STDIN:
        with tempfile.TemporaryDirectory(prefix="lexloom-stdout-") as tmp:
            sys.stdout.buffer.write(write_docbin(Path(tmp) / "out.lexloom", docs).read_bytes())
            sys.stdout.flush()
        return path
    return write_docbin(path, docs)


def convert(
    input_path: str | Path,
    output_dir: str | Path,
    *,
    converter: str = "auto",
    n_sents: int = 1,
    merge_subtokens: bool = False,
    lang: str = "en",
    to: str = "lexloom",
    join: str | Path | None = None,
    stats: CorpusStats | None = None,
    join_stats: JoinStats | None = None,
) -> list[Path]:
    """Convert a file, or every convertible file of a directory, into OUTPUT_DIR/<stem>.lexloom
    (or, with `to="conllu"`, `.lexloom` corpora into OUTPUT_DIR/<stem>.conllu). With `join`
    (a CoNLL-U or IOB file with `# sent_id`s), each sentence takes the layers it lacks from the
    sentence of `join` with its sent_id and words (`join.py`), counted in `join_stats`.
    Returns the paths written."""
    if to not in OUTPUT_FORMATS:
        raise LexloomError(f"unknown output format {to!r}; choose one of {', '.join(OUTPUT_FORMATS)}")
    if join is not None and to != "lexloom":
        raise LexloomError("join adds annotations while making .lexloom corpora; it does not apply to --to conllu")
    join_stats = join_stats if join_stats is not None else JoinStats()
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
            # joining works on single sentences, grouped into Docs of n_sents afterwards; the
            # join file is read into this file's vocab (a corpus keeps its vocab's strings)
            vocab = Vocab(lang)
            docs = read_docs(path, vocab, format=converter, n_sents=1 if join else n_sents, merge_subtokens=merge_subtokens)
            if join is not None:
                partners = index_sentences(read_docs(join, vocab, merge_subtokens=merge_subtokens), join)
                docs = group_sentences(join_annotations(docs, path, partners, join, join_stats), n_sents)
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
    "FORMATS", "CorpusStats", "JoinStats", "convert", "detect_format", "docs_to_json", "json_to_docs", "read_conll03", "read_conllu", "read_docs",
    "output_format", "read_iob", "read_jsonl", "read_spacy", "read_text", "write_conllu", "write_docs", "write_jsonl",
]
