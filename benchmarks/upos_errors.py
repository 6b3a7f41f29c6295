"""Where a trained pipeline's UPOS errors are: on words seen in training or not, and which tags.

    python benchmarks/upos_errors.py MODEL TRAIN.conllu DEV.conllu [--top 12]

Tags DEV's gold words (paragraph starts given, sentences predicted: the main rows of
`benchmarks/ud_ewt.py`, the way `lexloom evaluate` reads a treebank) and counts each
wrong UPOS. A word is "seen" when its form occurs in TRAIN. Prints UPOS accuracy on
all words, seen words and unseen words, then the commonest confusions (gold -> predicted)
among each, with the words most often behind them: what a change aimed at UPOS has to fix.
"""
from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("train", type=Path, help="the treebank the model was trained on (its forms decide 'seen')")
    ap.add_argument("dev", type=Path)
    ap.add_argument("--top", type=int, default=12, help="confusions listed for each kind of word")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    import lexloom
    from lexloom.convert import read_docs
    from lexloom.evaluate import predicted_doc

    nlp = lexloom.load(args.model)
    seen = {word for doc in read_docs(args.train, vocab=nlp.vocab) for word in doc.words}
    refs = list(read_docs(args.dev, vocab=nlp.vocab, n_sents=10))
    predicted = nlp.pipe([predicted_doc(nlp, ref) for ref in refs])

    # for seen and unseen words: the tokens, and each confusion's words with their counts
    words = Counter()
    behind = {kind: defaultdict(Counter) for kind in ("seen", "unseen")}
    for ref, doc in zip(refs, predicted):
        for gold, guess in zip(ref, doc):
            kind = "seen" if gold.text in seen else "unseen"
            words[kind] += 1
            if gold.pos_ != guess.pos_:
                behind[kind][gold.pos_, guess.pos_][gold.text] += 1
    confusions = {kind: Counter({pair: pair_words.total() for pair, pair_words in pairs.items()}) for kind, pairs in behind.items()}
    errors = {kind: counts.total() for kind, counts in confusions.items()}

    console = Console(width=140)
    table = Table(title=f"{args.model}: UPOS on {args.dev.name}, gold words")
    for column in ("words", "tokens", "errors", "UPOS", "share of errors"):
        table.add_column(column, justify="left" if column == "words" else "right")
    total_words, total_errors = sum(words.values()), sum(errors.values())
    for kind in ("seen", "unseen"):
        table.add_row(f"{kind} in {args.train.name}", f"{words[kind]:,}", f"{errors[kind]:,}",
                      f"{100 * (1 - errors[kind] / max(words[kind], 1)):.2f}", f"{100 * errors[kind] / max(total_errors, 1):.1f}%")
    table.add_row("all", f"{total_words:,}", f"{total_errors:,}", f"{100 * (1 - total_errors / max(total_words, 1)):.2f}", "100%")
    console.print(table)

    for kind in ("seen", "unseen"):
        table = Table(title=f"commonest UPOS confusions on {kind} words")
        for column in ("gold -> predicted", "errors", "words behind them"):
            table.add_column(column, justify="right" if column == "errors" else "left")
        for (gold, guess), n in confusions[kind].most_common(args.top):
            examples = ", ".join(f"{w} ({c})" if c > 1 else w for w, c in behind[kind][gold, guess].most_common(8))
            table.add_row(f"{gold} -> {guess}", str(n), examples)
        console.print(table)


if __name__ == "__main__":
    main()
