"""NER benchmark: train configs/ner.cfg on Universal NER English-EWT train, score on its dev.

    .venv/bin/python benchmarks/ner_uner.py [--minutes 15] [--vs-spacy] [--spacy-minutes 15]

Prints ents_p / ents_r / ents_f overall and per type, the training wall time and
the inference words/s of `nlp.pipe` over the dev Docs (gold tokens, one sentence
per Doc, one CPU thread). With --vs-spacy, spaCy 3.8's default NER (`spacy init
config --pipeline ner`) trains on the same sentences in the same run (its
DocBins are built from our Docs, so both see identical tokens and entities) and
the ratios are printed. Exit status 1 if ents_f < 62.35 or, with --vs-spacy,
if lexloom is slower than spaCy.

Example: .venv/bin/python benchmarks/ner_uner.py --vs-spacy
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

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "UNER_English-EWT"
TARGET_F = 62.35


def run_timed(cmd: list[str], log: Path, timeout: float | None = None) -> float:
    """Run a command with its output in `log`; stop it after `timeout` seconds (spaCy has no
    wall-clock budget of its own: its model-best is on disk already). Returns wall seconds."""
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()
            status = 0
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed; see {log}:\n{log.read_text()[-3000:]}")
    return time.perf_counter() - start


def convert_corpus(work: Path) -> Path:
    from lexloom.convert import convert

    corpus = work / "corpus"
    for split in ("train", "dev"):
        convert(DATA / f"en_ewt-ud-{split}.iob2", corpus)
    return corpus


def train_lexloom(corpus: Path, out: Path, minutes: float | None) -> dict:
    cmd = [
        sys.executable, "-m", "lexloom", "train", "configs/ner.cfg", "--output", str(out),
        "--paths.train", str(corpus / "en_ewt-ud-train.lexloom"), "--paths.dev", str(corpus / "en_ewt-ud-dev.lexloom"),
        "--training.logger.progress_bar", "false",
    ]
    if minutes is not None:
        cmd += ["--training.max_minutes", str(minutes)]
    wall = run_timed(cmd, out.parent / "lexloom-train.log")
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    return {"wall": wall, "steps": records[-1]["step"], **evaluate_lexloom(out / "model-best", corpus / "en_ewt-ud-dev.lexloom")}


def evaluate_lexloom(model: Path, dev: Path) -> dict:
    import torch

    import lexloom
    from lexloom.scoring import Scorer
    from lexloom.tokens import Doc, Example, read_docbin

    torch.set_num_threads(1)
    nlp = lexloom.load(model)
    refs = list(read_docbin(dev, nlp.vocab))
    docs = [Doc(nlp.vocab, words=r.words, spaces=r.spaces) for r in refs]
    list(nlp.pipe(docs[:64]))  # warm-up
    docs = [Doc(nlp.vocab, words=r.words, spaces=r.spaces) for r in refs]
    start = time.perf_counter()
    list(nlp.pipe(docs))
    seconds = time.perf_counter() - start
    scores = Scorer(["ents"]).score([Example(d, r) for d, r in zip(docs, refs)])
    return {"scores": scores, "wps": sum(len(d) for d in docs) / seconds}


def train_spacy(corpus: Path, work: Path, minutes: float) -> dict:
    import spacy
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin

    from lexloom.tokens import Vocab, biluo_to_iob, read_docbin

    spacy_corpus = work / "spacy-corpus"
    spacy_corpus.mkdir(exist_ok=True)
    blank = spacy.blank("en")
    for split in ("train", "dev"):
        docbin = SpacyDocBin()
        for doc in read_docbin(corpus / f"en_ewt-ud-{split}.lexloom", Vocab("en")):
            docbin.add(SpacyDoc(blank.vocab, words=doc.words, spaces=doc.spaces, ents=biluo_to_iob(doc.ent_biluo())))
        docbin.to_disk(spacy_corpus / f"{split}.spacy")
    cfg = work / "spacy-ner.cfg"
    subprocess.run([sys.executable, "-m", "spacy", "init", "config", str(cfg), "--lang", "en", "--pipeline", "ner",
                    "--optimize", "efficiency", "--force"], check=True, capture_output=True)
    out = work / "spacy-out"
    cmd = [sys.executable, "-m", "spacy", "train", str(cfg), "--output", str(out),
           "--paths.train", str(spacy_corpus / "train.spacy"), "--paths.dev", str(spacy_corpus / "dev.spacy")]
    wall = run_timed(cmd, work / "spacy-train.log", timeout=minutes * 60)
    nlp = spacy.load(out / "model-best")
    from spacy.training import Example as SpacyExample

    refs = list(SpacyDocBin().from_disk(spacy_corpus / "dev.spacy").get_docs(nlp.vocab))
    list(nlp.pipe(SpacyDoc(nlp.vocab, words=[t.text for t in r[:20]]) for r in refs[:64]))  # warm-up
    docs = [SpacyDoc(nlp.vocab, words=[t.text for t in r], spaces=[bool(t.whitespace_) for t in r]) for r in refs]
    start = time.perf_counter()
    predicted = list(nlp.pipe(docs))
    seconds = time.perf_counter() - start
    scores = nlp.get_pipe("ner").score([SpacyExample(p, r) for p, r in zip(predicted, refs)])
    return {"wall": wall, "scores": scores, "wps": sum(len(d) for d in docs) / seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=None, help="override the config's training.max_minutes")
    ap.add_argument("--vs-spacy", action="store_true")
    ap.add_argument("--spacy-minutes", type=float, default=15.0, help="stop spaCy's training after this long")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp dir)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ner-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = convert_corpus(work)
    ours = train_lexloom(corpus, work / "lexloom-out", args.minutes)
    theirs = train_spacy(corpus, work, args.spacy_minutes) if args.vs_spacy else None

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"UNER English-EWT dev (gold tokens), {os.cpu_count()} CPU cores, inference on 1 thread")
    for column in ["metric", "lexloom"] + (["spaCy 3.8", "lexloom / spaCy"] if theirs else []):
        table.add_column(column, justify="left" if column == "metric" else "right")
    rows = [(k.upper(), ours["scores"][f"ents_{k}"], theirs and theirs["scores"][f"ents_{k}"]) for k in "prf"]
    for label in sorted(ours["scores"]["ents_per_type"]):
        ours_t = ours["scores"]["ents_per_type"][label]
        theirs_t = (theirs["scores"]["ents_per_type"] or {}).get(label, {}) if theirs else {}
        rows.append((f"{label} F", ours_t["f"], theirs and theirs_t.get("f")))
    for name, ours_v, their_v in rows:
        row = [name, f"{100 * ours_v:.2f}"]
        if theirs:
            row += [f"{100 * their_v:.2f}" if their_v is not None else "-", f"x{ours_v / their_v:.2f}" if their_v else "-"]
        table.add_row(*row)
    for name, key in (("training wall time (s)", "wall"), ("inference words/s (nlp.pipe)", "wps")):
        row = [name, f"{ours[key]:,.0f}"]
        if theirs:
            row += [f"{theirs[key]:,.0f}", f"x{ours[key] / theirs[key]:.2f}"]
        table.add_row(*row)
    Console().print(table)
    print(f"outputs in {work}; lexloom steps: {ours['steps']}")
    failed = 100 * ours["scores"]["ents_f"] < TARGET_F or (theirs and ours["wps"] < theirs["wps"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
