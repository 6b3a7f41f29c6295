"""Corpus conversion figures on UD EWT: file size, write and load time, text fidelity.

Converts EWT train CoNLL-U into a `.lexloom` corpus with `--n-sents 10` (as
`lexloom convert` does), then reports the file's size, the conversion time,
the time to load every Doc back, and whether each sentence's text rebuilt
from the tokens and their SpaceAfter equals its `# text` comment (checked on
train and dev, with and without merged multi-word tokens). Exit status 1 if a
target is missed or a text differs.

Example: .venv/bin/python benchmarks/corpus.py
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lexloom.convert import convert, read_conllu
from lexloom.tokens import DocBin, Vocab

REPO_ROOT = Path(__file__).resolve().parent.parent
EWT = REPO_ROOT / ".." / "shared" / "data" / "UD_English-EWT"
MAX_SIZE_MB = 2.37
MAX_LOAD_S = 2.0
MAX_CONVERT_S = 20.0


def text_mismatches(path: Path, merge_subtokens: bool) -> tuple[int, int]:
    """(sentences, sentences whose rebuilt text differs from `# text`)."""
    n_sentences = n_bad = 0
    for doc in read_conllu(path, Vocab("en"), merge_subtokens=merge_subtokens):
        n_sentences += 1
        n_bad += doc.text != doc.user_data["texts"][0]
    return n_sentences, n_bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=EWT, help="folder with en_ewt-ud-{train,dev}.conllu")
    parser.add_argument("--n-sents", type=int, default=10)
    args = parser.parse_args()
    train = args.data / "en_ewt-ud-train.conllu"
    rows: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        (corpus,) = convert(train, tmp, n_sents=args.n_sents)
        convert_s = time.perf_counter() - started
        size_mb = corpus.stat().st_size / 1e6
        started = time.perf_counter()
        docs = list(DocBin().from_disk(corpus).get_docs())
        load_s = time.perf_counter() - started
    rows.append(("EWT train .lexloom size", f"{size_mb:.3f} MB", f"<= {MAX_SIZE_MB} MB", size_mb <= MAX_SIZE_MB))
    rows.append(("convert EWT train", f"{convert_s:.2f} s", f"< {MAX_CONVERT_S:.0f} s", convert_s < MAX_CONVERT_S))
    rows.append((f"load {len(docs):,} docs back", f"{load_s:.2f} s", f"< {MAX_LOAD_S:.0f} s", load_s < MAX_LOAD_S))
    for split in ("train", "dev"):
        for merge in (False, True):
            n, bad = text_mismatches(args.data / f"en_ewt-ud-{split}.conllu", merge)
            label = f"{split}: doc.text == # text" + (" (merged MWTs)" if merge else "")
            rows.append((label, f"{n - bad:,} / {n:,}", "all", bad == 0))
    table = Table(title=f"lexloom corpus figures (--n-sents {args.n_sents})", header_style="bold")
    for column in ("figure", "value", "target", "ok"):
        table.add_column(column)
    for figure, value, target, ok in rows:
        table.add_row(figure, value, target, "yes" if ok else "[red]NO[/]")
    Console().print(table)
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
