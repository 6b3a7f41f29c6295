"""Text classification benchmarks: GitHub issues (exclusive) and cooking questions (multi-label).

    .venv/bin/python benchmarks/textcat.py [--task docs_issues|cooking|both] [--vs-spacy] [--spacy-minutes 10]

textcat_docs_issues trains configs/textcat.cfg on train.jsonl and scores eval.jsonl;
textcat_cooking trains configs/textcat_multilabel.cfg on train.jsonl and scores
dev.jsonl. Printed per task: macro F, micro F, macro AUC, training wall time and
inference words/s of `nlp.pipe` over the dev Docs (already tokenized, one CPU
thread). With --vs-spacy, spaCy 3.8 trains the model of its textcat project (a
tok2vec ensembled with a bag of words, see `write_spacy_config`) on the same Docs
in the same run, and the ratios are printed. Exit status 1 if lexloom is below
spaCy's published macro F and AUC (or, with --vs-spacy, below the measured ones
or slower).

Example: .venv/bin/python benchmarks/textcat.py --task both --vs-spacy
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ner_uner import run_timed

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TASKS = {
    # task: (data folder, dev file, our config, spaCy component, spaCy's published macro F and AUC)
    "docs_issues": ("textcat_docs_issues", "eval.jsonl", "configs/textcat.cfg", "textcat", 86.1, 93.3),
    "cooking": ("textcat_cooking", "dev.jsonl", "configs/textcat_multilabel.cfg", "textcat_multilabel", 49.7, 88.6),
}


def convert_corpus(folder: str, dev_file: str, work: Path) -> tuple[Path, Path]:
    from lexloom.convert import convert

    corpus = work / "corpus"
    (train,) = convert(DATA / folder / "train.jsonl", corpus)
    (dev,) = convert(DATA / folder / dev_file, corpus)
    return train, dev


def train_lexloom(config: str, train: Path, dev: Path, out: Path) -> dict:
    cmd = [sys.executable, "-m", "lexloom", "train", config, "--output", str(out), "--paths.train", str(train),
           "--paths.dev", str(dev), "--training.logger.progress_bar", "false"]
    wall = run_timed(cmd, out.parent / "lexloom-train.log")
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    import torch

    import lexloom
    from lexloom.scoring import Scorer
    from lexloom.tokens import Doc, Example, read_docbin

    torch.set_num_threads(1)
    nlp = lexloom.load(out / "model-best")
    refs = list(read_docbin(dev, nlp.vocab))
    list(nlp.pipe(Doc(nlp.vocab, words=r.words[:50]) for r in refs[:64]))  # warm-up
    docs = [Doc(nlp.vocab, words=r.words, spaces=r.spaces) for r in refs]
    start = time.perf_counter()
    list(nlp.pipe(docs))
    seconds = time.perf_counter() - start
    scores = Scorer.for_pipeline(nlp).score([Example(d, r) for d, r in zip(docs, refs)])
    return {"wall": wall, "steps": records[-1]["step"], "scores": scores, "wps": sum(len(d) for d in docs) / seconds}


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


def train_spacy(component: str, train: Path, dev: Path, work: Path, minutes: float) -> dict:
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
    wall = run_timed(cmd, work / "spacy-train.log", timeout=minutes * 60)
    return {"wall": wall, **evaluate_spacy(out / "model-best", component, paths["dev"])}


def evaluate_spacy(model: Path, component: str, dev: Path) -> dict:
    import spacy
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin
    from spacy.training import Example as SpacyExample

    nlp = spacy.load(model)
    refs = list(SpacyDocBin().from_disk(dev).get_docs(nlp.vocab))
    list(nlp.pipe(SpacyDoc(nlp.vocab, words=[t.text for t in r[:50]]) for r in refs[:64]))  # warm-up
    docs = [SpacyDoc(nlp.vocab, words=[t.text for t in r], spaces=[bool(t.whitespace_) for t in r]) for r in refs]
    start = time.perf_counter()
    predicted = list(nlp.pipe(docs))
    seconds = time.perf_counter() - start
    scores = nlp.get_pipe(component).score([SpacyExample(p, r) for p, r in zip(predicted, refs)])
    return {"scores": scores, "wps": sum(len(d) for d in docs) / seconds}


def run_task(task: str, work: Path, vs_spacy: bool, spacy_minutes: float) -> bool:
    folder, dev_file, config, component, published_f, published_auc = TASKS[task]
    work.mkdir(parents=True, exist_ok=True)
    train, dev = convert_corpus(folder, dev_file, work)
    ours = train_lexloom(config, train, dev, work / "lexloom-out")
    theirs = train_spacy(component, train, dev, work, spacy_minutes) if vs_spacy else None

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{folder} ({dev_file}), {os.cpu_count()} CPU cores, inference on 1 thread")
    for column in ["metric", "lexloom", "spaCy published"] + (["spaCy 3.8 here", "lexloom / spaCy here"] if theirs else []):
        table.add_column(column, justify="left" if column == "metric" else "right")
    rows = [("macro F", "cats_macro_f", published_f), ("micro F", "cats_micro_f", None), ("macro AUC", "cats_macro_auc", published_auc)]
    for name, key, published in rows:
        ours_v = 100 * ours["scores"][key]
        row = [name, f"{ours_v:.2f}", f"{published:.1f}" if published else "-"]
        if theirs:
            their_v = 100 * float(theirs["scores"].get(key) or 0)
            row += [f"{their_v:.2f}", f"x{ours_v / their_v:.2f}" if their_v else "-"]
        table.add_row(*row)
    for name, key in (("training wall time (s)", "wall"), ("inference words/s (nlp.pipe)", "wps")):
        row = [name, f"{ours[key]:,.0f}", "-"]
        if theirs:
            row += [f"{theirs[key]:,.0f}", f"x{ours[key] / theirs[key]:.2f}"]
        table.add_row(*row)
    Console().print(table)
    print(f"outputs in {work}; lexloom steps: {ours['steps']}")
    ok = 100 * ours["scores"]["cats_macro_f"] > published_f and 100 * ours["scores"]["cats_macro_auc"] > published_auc
    if theirs:
        ok = ok and ours["wps"] >= theirs["wps"]
        ok = ok and ours["scores"]["cats_macro_f"] >= float(theirs["scores"].get("cats_macro_f") or 0)
        ok = ok and ours["scores"]["cats_macro_auc"] >= float(theirs["scores"].get("cats_macro_auc") or 0)
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["docs_issues", "cooking", "both"], default="both")
    ap.add_argument("--vs-spacy", action="store_true")
    ap.add_argument("--spacy-minutes", type=float, default=10.0, help="stop spaCy's training after this long")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp dir)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="textcat-bench-"))
    tasks = list(TASKS) if args.task == "both" else [args.task]
    results = [run_task(task, work / task, args.vs_spacy, args.spacy_minutes) for task in tasks]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
