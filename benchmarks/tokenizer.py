"""Tokenizer accuracy and speed: lexloom's English tokenizer against spaCy's, on UD EWT.

Accuracy is measured on the raw `# text` of each sentence against the gold
syntactic words, as character-offset spans: a multi-word token counts as its
words when they spell out its surface form (`don't` = `do` + `n't`), otherwise
as the single surface token. Speed is tokens per second, tokenizing each
sentence text separately, and once more with the whole file as one text; both
tokenizers are warmed up first and the median of several repeats is reported.

The gold reading lives here (and not in lexloom's CoNLL-U converter) so the
benchmark only needs the raw file. `tests/test_tokenizer.py` reuses it.

Example: .venv/bin/python benchmarks/tokenizer.py --repeats 5
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from lexloom.errors import DataError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "UD_English-EWT" / "en_ewt-ud-dev.conllu"

Span = tuple[int, int]


@dataclass
class GoldSentence:
    """One sentence's raw text and its gold token spans (character offsets into `text`)."""

    text: str
    spans: list[Span]
    line: int  # line of the `# text` comment, for error messages


def _gold_spans(text: str, tokens: list[tuple[str, list[str]]], path: Path, line: int) -> list[Span]:
    """Place each surface token in `text` and split it into its words where they spell it out."""
    spans: list[Span] = []
    pos = 0
    for form, words in tokens:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith(form, pos):
            raise DataError(f"token {form!r} not found at offset {pos} of the # text", path, line)
        if len(words) > 1 and "".join(words) == form:
            for word in words:
                spans.append((pos, pos + len(word)))
                pos += len(word)
        else:
            spans.append((pos, pos + len(form)))
            pos += len(form)
    return spans


def read_gold(path: Path) -> list[GoldSentence]:
    """Read `# text` and the surface-token / multi-word-token lines of a CoNLL-U file."""
    sentences: list[GoldSentence] = []
    text: str | None = None
    text_line = 0
    tokens: list[tuple[str, list[str]]] = []  # (surface form, words; [] for a plain token)
    mwt_end = 0  # last word id covered by the open multi-word token
    with open(path, encoding="utf8") as file:
        for number, raw in enumerate(file, start=1):
            row = raw.rstrip("\n")
            if row.startswith("# text = "):
                text, text_line = row[len("# text = "):], number
            elif row.startswith("#"):
                continue
            elif not row.strip():
                if tokens:
                    if text is None:
                        raise DataError("sentence without a # text line", path, number)
                    sentences.append(GoldSentence(text, _gold_spans(text, tokens, path, text_line), text_line))
                text, tokens, mwt_end = None, [], 0
            else:
                columns = row.split("\t")
                if len(columns) != 10:
                    raise DataError(f"expected 10 tab-separated columns, got {len(columns)}", path, number)
                token_id, form = columns[0], columns[1]
                if "." in token_id:  # empty node: no surface text
                    continue
                if "-" in token_id:
                    mwt_end = int(token_id.split("-")[1])
                    tokens.append((form, []))
                elif int(token_id) <= mwt_end:
                    tokens[-1][1].append(form)
                else:
                    tokens.append((form, [form]))
    if tokens and text is not None:
        sentences.append(GoldSentence(text, _gold_spans(text, tokens, path, text_line), text_line))
    return sentences


def word_spans(text: str, words: Sequence[str], spaces: Sequence[bool]) -> list[Span]:
    """Character spans of `words` in `text`, skipping the whitespace between them.

    Whitespace-only words (runs of spaces kept as tokens) are not counted as tokens.
    """
    spans = []
    pos = 0
    for word, space in zip(words, spaces):
        if not word.isspace():
            spans.append((pos, pos + len(word)))
        pos += len(word) + space
    return spans


@dataclass
class PRF:
    precision: float
    recall: float
    f1: float


def span_prf(gold: Iterable[list[Span]], predicted: Iterable[list[Span]]) -> PRF:
    """Micro precision / recall / F1 of predicted token spans against gold spans, per sentence."""
    tp = n_gold = n_pred = 0
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        tp += len(set(gold_spans) & set(pred_spans))
        n_gold += len(gold_spans)
        n_pred += len(pred_spans)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0)


# A tokenizer here is `text -> (words, spaces)`.
SplitFunction = Callable[[str], tuple[list[str], list[bool]]]


def lexloom_tokenizer() -> tuple[SplitFunction, Callable[[str], object]]:
    from lexloom.lang import create_tokenizer
    from lexloom.tokens import Vocab

    tokenizer = create_tokenizer("en", Vocab("en"))
    return tokenizer.split, tokenizer


def spacy_tokenizer() -> tuple[SplitFunction, Callable[[str], object]]:
    import spacy

    tokenizer = spacy.blank("en").tokenizer

    def split(text: str) -> tuple[list[str], list[bool]]:
        doc = tokenizer(text)
        return [t.text for t in doc], [bool(t.whitespace_) for t in doc]

    return split, tokenizer


def score(split: SplitFunction, sentences: list[GoldSentence]) -> PRF:
    predicted = []
    for sentence in sentences:
        words, spaces = split(sentence.text)
        predicted.append(word_spans(sentence.text, words, spaces))
    return span_prf((s.spans for s in sentences), predicted)


def tokens_per_second(
    tokenizers: dict[str, Callable[[str], object]], texts: list[str], repeats: int
) -> dict[str, float]:
    """Median tokens/s of each tokenizer over `repeats` timed passes, after one untimed warm-up pass.

    The tokenizers take turns within each repeat, so a busy machine slows them alike.
    """
    n_tokens = {name: sum(len(tokenize(t)) for t in texts) for name, tokenize in tokenizers.items()}  # warm-up
    rates: dict[str, list[float]] = {name: [] for name in tokenizers}
    for _ in range(repeats):
        for name, tokenize in tokenizers.items():
            start = time.perf_counter()
            for text in texts:
                tokenize(text)
            rates[name].append(n_tokens[name] / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CoNLL-U file with # text lines")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes per measurement (median reported)")
    parser.add_argument("--errors", type=int, default=0, help="print this many lexloom mistakes (for tuning)")
    args = parser.parse_args(argv)

    sentences = read_gold(args.data.resolve())
    texts = [s.text for s in sentences]
    whole_file = ["\n".join(texts)]
    candidates = {"lexloom": lexloom_tokenizer(), "spaCy 3.8 blank en": spacy_tokenizer()}
    accuracy = {name: score(split, sentences) for name, (split, _) in candidates.items()}
    tokenizers = {name: tokenize for name, (_, tokenize) in candidates.items()}
    # lexloom's words and spaces without building the Doc: shows what the Doc costs
    split_only = "lexloom .split() (no Doc)"
    tokenizers[split_only] = lambda text, split=candidates["lexloom"][0]: split(text)[0]
    accuracy[split_only] = accuracy["lexloom"]
    per_sentence = tokens_per_second(tokenizers, texts, args.repeats)
    whole = tokens_per_second(tokenizers, whole_file, args.repeats)
    rows = [(name, accuracy[name], per_sentence[name], whole[name]) for name in tokenizers]

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Tokenizer on {args.data.name}: {len(sentences)} sentences, "
                        f"{sum(len(s.spans) for s in sentences)} gold tokens")
    for column in ("tokenizer", "P", "R", "F1", "tokens/s (per sentence)", "tokens/s (whole file)"):
        table.add_column(column, justify="left" if column == "tokenizer" else "right")
    for name, prf, sentence_rate, file_rate in rows:
        table.add_row(name, f"{100 * prf.precision:.2f}", f"{100 * prf.recall:.2f}", f"{100 * prf.f1:.2f}",
                      f"{sentence_rate:,.0f}", f"{file_rate:,.0f}")
    ours, theirs = rows[0], rows[1]
    table.add_row("ratio lexloom / spaCy (both building a Doc)", "", "", "",
                  f"{ours[2] / theirs[2]:.2f}x", f"{ours[3] / theirs[3]:.2f}x")
    Console().print(table)

    if args.errors:
        _print_errors(lexloom_tokenizer()[0], sentences, args.errors)
    return 0


def _print_errors(split: SplitFunction, sentences: list[GoldSentence], limit: int) -> None:
    """Show the gold and predicted tokens around each disagreement (a tuning aid)."""
    shown = 0
    for sentence in sentences:
        words, spaces = split(sentence.text)
        pred = set(word_spans(sentence.text, words, spaces))
        gold = set(sentence.spans)
        if pred == gold:
            continue
        text = sentence.text
        missed = sorted(gold - pred)
        extra = sorted(pred - gold)
        print(f"line {sentence.line}: gold {[text[a:b] for a, b in missed]}  ours {[text[a:b] for a, b in extra]}")
        shown += 1
        if shown >= limit:
            break


if __name__ == "__main__":
    sys.exit(main())
