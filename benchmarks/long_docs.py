"""Long documents: `lexloom apply` time against document length (it must grow linearly).

    python benchmarks/long_docs.py --model training/ud/model-best [--sizes 100 600 2400 9600] [--repeats 3]

Each document is one line of a `.txt` file: the first N words of EWT dev's raw
text (its `# text` lines joined by spaces), so the pipeline finds its own
sentences. For each size the table gives the wall time of the whole `lexloom
apply MODEL doc.txt out.conllu` command, that time less the command's fixed cost
(the same command on a one-word document), and the in-process time of
`nlp.pipe` and of `write_conllu`, each the best of `--repeats` runs, with the
cost per 1,000 words: linear time shows as a flat last column. Without
`--model`, a small pipeline is trained on the bundled EWT slice first
(a minute); its sentence splitter is weak, which makes long run-on sentences,
the hard case for the parser.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "UD_English-EWT" / "en_ewt-ud-dev.conllu"
SLICE = ROOT / "tests" / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def raw_words(path: Path) -> list[str]:
    return " ".join(line[len("# text = "):].rstrip("\n") for line in open(path, encoding="utf8") if line.startswith("# text = ")).split(" ")


def train_small(work: Path) -> Path:
    from lexloom.config.init import init_config
    from lexloom.convert import convert

    (corpus,) = convert(SLICE, work / "corpus", n_sents=1)
    cfg = init_config("en", ["tagger", "morphologizer", "trainable_lemmatizer", "parser"])
    cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
    cfg["training"].update({"max_steps": 200, "eval_frequency": 100})
    cfg["training"]["logger"]["progress_bar"] = False
    config = work / "small.cfg"
    config.write_text(cfg.to_str(interpolate=False))
    subprocess.run([sys.executable, "-m", "lexloom", "train", str(config), "--output", str(work / "model")], check=True, capture_output=True)
    return work / "model" / "model-best"


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="pipeline to apply (default: train a small one)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 600, 2400, 9600])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CoNLL-U file whose # text lines make the documents")
    args = ap.parse_args()

    import lexloom
    from lexloom.convert.conllu import write_conllu

    work = Path(tempfile.mkdtemp(prefix="long-docs-"))
    model = args.model or train_small(work)
    words = raw_words(args.data)
    nlp = lexloom.load(model)
    nlp(" ".join(words[:50]))  # warm-up

    def apply(n: int) -> float:
        doc = work / f"doc{n}.txt"
        doc.write_text(" ".join(words[:n]) + "\n", encoding="utf8")
        cmd = [sys.executable, "-m", "lexloom", "apply", str(model), str(doc), str(work / f"doc{n}.conllu")]
        return best_of(args.repeats, lambda: subprocess.run(cmd, check=True, capture_output=True))

    fixed = apply(1)
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lexloom apply on one document of N words ({model})")
    for column in ("words", "sentences found", "apply (s)", "apply less fixed cost (s)", "nlp.pipe (s)", "write_conllu (s)", "ms per 1,000 words (pipe + write)"):
        table.add_column(column, justify="right")
    for n in args.sizes:
        if n > len(words):
            sys.exit(f"{args.data} has only {len(words)} words")
        text = " ".join(words[:n])
        pipe = best_of(args.repeats, lambda: nlp(text))
        doc = nlp(text)
        write = best_of(args.repeats, lambda: write_conllu([doc], work / "w.conllu"))
        wall = apply(n)
        table.add_row(f"{n:,}", f"{sum(1 for _ in doc.sents):,}", f"{wall:.2f}", f"{wall - fixed:.2f}", f"{pipe:.3f}", f"{write:.4f}",
                      f"{1000 * 1000 * (pipe + write) / n:.1f}")
    Console().print(table)
    print(f"fixed cost of the command (one-word document): {fixed:.2f} s; outputs in {work}")


if __name__ == "__main__":
    main()
