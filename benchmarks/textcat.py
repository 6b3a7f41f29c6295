"""Text classification benchmarks: GitHub issues (exclusive) and cooking questions (multi-label).

    .venv/bin/python benchmarks/textcat.py [--task docs_issues|cooking|both] [--seeds 0,1,2,3,4] [--vs-spacy] [--spacy-minutes 10]
        [--config CFG] [--members K]

textcat_docs_issues trains configs/textcat.cfg on train.jsonl and scores eval.jsonl;
textcat_cooking trains configs/textcat_multilabel.cfg on train.jsonl and scores
dev.jsonl. Each task is trained once per seed (`--system.seed`): with a few hundred
training texts, a seed (or another machine's float rounding) moves the scores by
about a point, so one run says little. Printed per task: macro F, micro F and macro
AUC of every seed, their mean and spread (standard deviation and range), training
wall time and inference words/s of `nlp.pipe` over the dev Docs (already tokenized,
one CPU thread, best of three runs). With --members K, each seed s stands for an ensemble
(`lexloom ensemble`) of K models trained apart with seeds s*K .. s*K+K-1; its training
time is the sum of theirs, and the single models' mean and spread are printed too. With --vs-spacy, spaCy 3.8 trains the model of its textcat project
(a tok2vec ensembled with a bag of words, see `write_spacy_config`) on the same Docs
in the same run, once, and the ratios to lexloom's mean are printed. Exit status 1
unless lexloom's mean beats spaCy's published macro F and AUC by more than their
standard deviation over the seeds (and, with --vs-spacy, is at least twice as fast
as spaCy and not below its measured scores).

Example: .venv/bin/python benchmarks/textcat.py --task both --seeds 0,1,2,3,4 --vs-spacy
Figures go to WORK/TASK/results.json too; `--rescore` scores the models of an earlier run again.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ner_uner import run_timed
from ud_ewt import best_seconds  # inference timed as the best of three runs on fresh Docs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TASKS = {
    # task: (data folder, dev file, our config, spaCy component, spaCy's published macro F and AUC)
    "docs_issues": ("textcat_docs_issues", "eval.jsonl", "configs/textcat.cfg", "textcat", 86.1, 93.3),
    "cooking": ("textcat_cooking", "dev.jsonl", "configs/textcat_multilabel.cfg", "textcat_multilabel", 49.7, 88.6),
}


def convert_corpus(folder: str, dev_file: str, work: Path, data: Path) -> tuple[Path, Path]:
    from lexloom.convert import convert

    corpus = work / "corpus"
    (train,) = convert(data / folder / "train.jsonl", corpus)
    (dev,) = convert(data / folder / dev_file, corpus)
    return train, dev


def train_lexloom(config: str, train: Path, dev: Path, out: Path, seed: int = 0, rescore: bool = False) -> dict:
    """Train (unless `rescore`: the model an earlier run left in `out`, its training time from
    its log) and score on dev, timing inference."""
    cmd = [sys.executable, "-m", "lexloom", "train", config, "--output", str(out), "--paths.train", str(train),
           "--paths.dev", str(dev), "--training.logger.progress_bar", "false", "--system.seed", str(seed)]
    wall = None if rescore else run_timed(cmd, out.parent / "lexloom-train.log")
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    wall = wall if wall is not None else records[-1]["seconds"]
    return {"wall": wall, "steps": records[-1]["step"], **score_lexloom(out / "model-best", dev)}


def train_ensemble(config: str, train: Path, dev: Path, work: Path, seed: int, members: int, rescore: bool = False) -> dict:
    """`members` models trained apart (seeds seed*members ..), joined by `lexloom ensemble` and
    scored; "members" holds each one's own run."""
    seeds = [seed * members + j for j in range(members)]
    runs = [train_lexloom(config, train, dev, work / f"lexloom-seed{s}", s, rescore) for s in seeds]
    joined = work / f"lexloom-ensemble{seed}"
    cmd = [sys.executable, "-m", "lexloom", "ensemble", str(joined)] + [str(work / f"lexloom-seed{s}" / "model-best") for s in seeds]
    subprocess.run(cmd, check=True, capture_output=True)
    return {"wall": sum(r["wall"] for r in runs), "steps": [r["steps"] for r in runs], "members": runs, **score_lexloom(joined, dev)}


def score_lexloom(model: Path, dev: Path) -> dict:
    """Scores on dev, and inference words/s (one thread, best of three)."""
    import torch

    import lexloom
    from lexloom.scoring import Scorer
    from lexloom.tokens import Doc, Example, read_docbin

    torch.set_num_threads(1)
    nlp = lexloom.load(model)
    refs = list(read_docbin(dev, nlp.vocab))
    list(nlp.pipe(Doc(nlp.vocab, words=r.words[:50]) for r in refs[:64]))  # warm-up
    seconds, docs = best_seconds(nlp.pipe, lambda: [Doc(nlp.vocab, words=r.words, spaces=r.spaces) for r in refs])
    scores = Scorer.for_pipeline(nlp).score([Example(d, r) for d, r in zip(docs, refs)])
    return {"scores": scores, "wps": sum(len(d) for d in docs) / seconds}


def write_spacy_config(component: str, path: Path) -> None:
    """The model of spaCy's textcat project (explosion/projects, tutorials/textcat_docs_issues):
    a tok2vec (hash embeddings of NORM, PREFIX, SUFFIX, SHAPE; width 96, depth 4) read through a
    listener and ensembled with a unigram bag of words. Everything else, training included, is
    `spacy init config`'s default for the component."""
    from spacy.util import load_config

    subprocess.run([sys.executable, "-m", "spacy", "init", "config", str(path), "--lang", "en", "--pipeline", component,
                    "--optimize", "efficiency", "--force"], check=True, capture_output=True)
    cfg = load_config(path, interpolate=False)
    cfg["nlp"]["pipeline"] = ["tok2vec", component]
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 96, "rows": [2000, 1000, 1000, 1000],
             "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"], "include_static_vectors": False}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 96, "depth": 4, "window_size": 1, "maxout_pieces": 3}
    cfg["components"]["tok2vec"] = {"factory": "tok2vec", "model": {"@architectures": "spacy.Tok2Vec.v2", "embed": embed, "encode": encode}}
    cfg["components"][component]["model"] = {
        "@architectures": "spacy.TextCatEnsemble.v2",
        "nO": None,
        "linear_model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": component == "textcat",
                         "ngram_size": 1, "no_output_layer": False, "length": 262144, "nO": None},
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "tok2vec"},
    }
    cfg.to_disk(path)


def train_spacy(component: str, train: Path, dev: Path, work: Path, minutes: float, rescore: bool = False) -> dict:
    import spacy
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin

    from lexloom.tokens import Vocab, read_docbin

    blank = spacy.blank("en")
    paths = {}
    for split, path in (("train", train), ("dev", dev)):
        docbin = SpacyDocBin()
        for doc in read_docbin(path, Vocab("en")):
            sdoc = SpacyDoc(blank.vocab, words=doc.words, spaces=doc.spaces)
            sdoc.cats = dict(doc.cats)
            docbin.add(sdoc)
        paths[split] = work / f"{split}.spacy"
        docbin.to_disk(paths[split])
    cfg = work / "spacy.cfg"
    write_spacy_config(component, cfg)
    out = work / "spacy-out"
    cmd = [sys.executable, "-m", "spacy", "train", str(cfg), "--output", str(out),
           "--paths.train", str(paths["train"]), "--paths.dev", str(paths["dev"])]
    wall = None if rescore else run_timed(cmd, work / "spacy-train.log", timeout=minutes * 60)
    return {"wall": wall, **evaluate_spacy(out / "model-best", component, paths["dev"])}


def evaluate_spacy(model: Path, component: str, dev: Path) -> dict:
    import spacy
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin
    from spacy.training import Example as SpacyExample

    nlp = spacy.load(model)
    refs = list(SpacyDocBin().from_disk(dev).get_docs(nlp.vocab))
    list(nlp.pipe(SpacyDoc(nlp.vocab, words=[t.text for t in r[:50]]) for r in refs[:64]))  # warm-up
    seconds, predicted = best_seconds(nlp.pipe, lambda: [SpacyDoc(nlp.vocab, words=[t.text for t in r], spaces=[bool(t.whitespace_) for t in r]) for r in refs])
    scores = nlp.get_pipe(component).score([SpacyExample(p, r) for p, r in zip(predicted, refs)])
    return {"scores": scores, "wps": sum(len(d) for d in predicted) / seconds}


METRICS = [("macro F", "cats_macro_f"), ("micro F", "cats_micro_f"), ("macro AUC", "cats_macro_auc")]
SPEED_RATIO = 2.0  # lexloom's inference words/s at least this many times spaCy's


def spread(values: list[float]) -> tuple[float, float, float]:
    """Mean, standard deviation (n - 1) and range of `values`."""
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std, max(values) - min(values)


def run_task(task: str, work: Path, seeds: list[int], vs_spacy: bool, spacy_minutes: float, rescore: bool = False, config: str | None = None,
             members: int = 1, *, data: Path) -> bool:
    folder, dev_file, task_config, component, published_f, published_auc = TASKS[task]
    config = config or task_config
    published = {"cats_macro_f": published_f, "cats_macro_auc": published_auc}
    work.mkdir(parents=True, exist_ok=True)
    train, dev = convert_corpus(folder, dev_file, work, data)
    if members > 1:
        runs = {seed: train_ensemble(config, train, dev, work, seed, members, rescore) for seed in seeds}
    else:
        runs = {seed: train_lexloom(config, train, dev, work / f"lexloom-seed{seed}", seed, rescore) for seed in seeds}
    theirs = train_spacy(component, train, dev, work, spacy_minutes, rescore) if vs_spacy else None
    (work / "results.json").write_text(json.dumps({"lexloom": {str(s): r for s, r in runs.items()}, "spacy": theirs}, indent=2, default=float) + "\n")

    from rich.console import Console
    from rich.table import Table

    what = f"ensembles of {members} models trained apart" if members > 1 else "one model"
    table = Table(title=f"{config} on {folder} ({dev_file}), {what}, {os.cpu_count()} CPU cores, inference on 1 thread, seeds {seeds}")
    columns = ["metric"] + [f"seed {s}" for s in seeds] + ["mean", "std", "range", "spaCy published", "mean - published"]
    columns += ["spaCy 3.8 here", "mean / spaCy here"] if theirs else []
    for column in columns:
        table.add_column(column, justify="left" if column == "metric" else "right")
    ok = True
    summary = {}
    for name, key in METRICS:
        values = [100 * runs[s]["scores"][key] for s in seeds]
        mean, std, span = spread(values)
        summary[key] = mean
        row = [name] + [f"{v:.2f}" for v in values] + [f"{mean:.2f}", f"{std:.2f}", f"{span:.2f}"]
        if key in published:
            margin = mean - published[key]
            ok = ok and margin > std
            row += [f"{published[key]:.1f}", f"{margin:+.2f}"]
        else:
            row += ["-", "-"]
        if theirs:
            their_v = 100 * float(theirs["scores"].get(key) or 0)
            ok = ok and mean >= their_v
            row += [f"{their_v:.2f}", f"x{mean / their_v:.2f}" if their_v else "-"]
        table.add_row(*row)
    if members > 1:  # the single models the ensembles are made of
        for name, key in METRICS:
            values = [100 * m["scores"][key] for s in seeds for m in runs[s]["members"]]
            mean, std, span = spread(values)
            table.add_row(f"{name}, single models ({len(values)})", *[""] * len(seeds), f"{mean:.2f}", f"{std:.2f}", f"{span:.2f}")
    for name, key in (("training wall time (s)", "wall"), ("inference words/s (nlp.pipe)", "wps")):
        values = [runs[s][key] for s in seeds]
        mean = statistics.fmean(values)
        row = [name] + [f"{v:,.0f}" for v in values] + [f"{mean:,.0f}", "", "", "-", ""]
        if theirs and theirs[key] is None:  # --rescore: spaCy's training time is not known
            row += ["-", "-"]
        elif theirs:
            row += [f"{theirs[key]:,.0f}", f"x{mean / theirs[key]:.2f}"]
            if key == "wps":
                ok = ok and mean >= SPEED_RATIO * theirs[key]
        table.add_row(*row)
    Console(width=250).print(table)
    print(f"outputs in {work}; lexloom steps: {[runs[s]['steps'] for s in seeds]}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["docs_issues", "cooking", "both"], default="both")
    ap.add_argument("--config", default=None, help="train this config instead of the task's own (one --task only)")
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds; each trains a model")
    ap.add_argument("--members", type=int, default=1, help="each seed trains this many models apart and joins them (lexloom ensemble)")
    ap.add_argument("--vs-spacy", action="store_true")
    ap.add_argument("--spacy-minutes", type=float, default=10.0, help="stop spaCy's training after this long")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp dir)")
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding textcat_docs_issues/ and textcat_cooking/")
    ap.add_argument("--rescore", action="store_true", help="score the models an earlier run left in --work again, without training")
    args = ap.parse_args()
    if args.rescore and args.work is None:
        sys.exit("--rescore needs the --work of the earlier run")
    if args.config and args.task == "both":
        sys.exit("--config trains one task: name it with --task")
    work = args.work or Path(tempfile.mkdtemp(prefix="textcat-bench-"))
    tasks = list(TASKS) if args.task == "both" else [args.task]
    seeds = [int(s) for s in args.seeds.split(",")]
    results = [run_task(task, work / task, seeds, args.vs_spacy, args.spacy_minutes, args.rescore, args.config, args.members, data=args.data) for task in tasks]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
