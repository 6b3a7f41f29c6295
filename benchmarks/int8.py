"""int8 against float inference: one trained pipeline, loaded both ways, in one process.

    python benchmarks/int8.py MODEL GOLD.conllu [--raw] [--repeats 5]

Loads MODEL twice, with `quantize=False` and `quantize=True` (`Language.quantize`: the
LSTM and linear layers in int8), scores both on GOLD (from its raw text with `--raw`, as
`benchmarks/raw_text.py` does; otherwise on its words, in 10-sentence documents with
predicted sentences, as `lexloom evaluate` does) and times `nlp.pipe` over the same
input, alternating the two pipelines `--repeats` times and keeping each one's best, on
one thread (`alternating_best_seconds`: both are timed in every round, so the ratio holds
on a machine whose speed drifts). Prints a table: each score, words/s, and the difference.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ud_ewt import alternating_best_seconds, limit_threads  # noqa: E402

limit_threads(1)

HEADLINE = {
    "raw": ("raw_tokens_f", "raw_sents_f", "raw_words_f", "raw_upos", "raw_xpos", "raw_ufeats", "raw_lemmas", "raw_uas", "raw_las"),
    "words": ("pos_acc", "tag_acc", "morph_acc", "lemma_acc", "sents_f", "dep_uas", "dep_las"),
}


def scores_and_input(nlp, gold: Path, raw: bool, work: Path) -> tuple[dict, object]:
    """The pipeline's scores on GOLD, and a function making fresh input for timing."""
    from lexloom.convert import read_docs
    from lexloom.evaluate import evaluate_pipeline, predicted_doc
    from lexloom.raw_text import evaluate_raw_text, raw_texts
    from lexloom.scoring.conll18 import read_treebank

    if raw:
        texts = raw_texts(read_treebank(gold))
        return evaluate_raw_text(nlp, gold, system_path=work), lambda: texts
    refs = list(read_docs(gold, vocab=nlp.vocab, n_sents=10))
    scores, _ = evaluate_pipeline(nlp, refs)
    return scores, lambda: [predicted_doc(nlp, r) for r in refs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("gold", type=Path)
    ap.add_argument("--raw", action="store_true", help="score and time from the gold file's raw text")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    import tempfile

    import torch
    from rich.console import Console
    from rich.table import Table

    import lexloom

    torch.set_num_threads(1)
    pipelines = {"float": lexloom.load(args.model, quantize=False), "int8": lexloom.load(args.model, quantize=True)}
    scores, make_input = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, nlp in pipelines.items():
            scores[name], make_input[name] = scores_and_input(nlp, args.gold, args.raw, Path(tmp) / f"{name}.conllu")
    timed = alternating_best_seconds(
        {name: (lambda given, nlp=nlp: nlp.pipe(given, batch_size=64), make_input[name]) for name, nlp in pipelines.items()}, args.repeats)

    table = Table(title=f"{args.model} on {args.gold.name} ({'raw text' if args.raw else 'gold words'}), one thread")
    for column in ("metric", "float", "int8", "int8 − float"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for key in HEADLINE["raw" if args.raw else "words"]:
        a, b = scores["float"].get(key), scores["int8"].get(key)
        if a is not None and b is not None:
            table.add_row(key, f"{100 * a:.2f}", f"{100 * b:.2f}", f"{100 * (b - a):+.2f}")
    speed = {name: sum(len(d) for d in docs) / seconds for name, (seconds, docs) in timed.items()}
    table.add_row(f"words/s (best of {args.repeats})", f"{speed['float']:,.0f}", f"{speed['int8']:,.0f}", f"x{speed['int8'] / speed['float']:.2f}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
