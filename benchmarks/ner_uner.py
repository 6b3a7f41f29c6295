"""NER benchmark: train configs/ner.cfg on Universal NER English-EWT train, score on its dev.

    .venv/bin/python benchmarks/ner_uner.py [--minutes 14] [--seeds 0 [1 [2]]] [--vs-spacy] [--spacy-minutes 15]

The corpora are converted the way the workflow converts them (`lexloom convert
--n-sents 10`: documents of 10 sentences; the train file with UD English-EWT's tags and trees
joined to its sentences, `--join`, for the config's UPOS tagger) and also one sentence per document. The
config is trained once per seed (default: seeds 0 and 1, as the workflow's `ner` row), two at
a time, one thread each, as the workflow's `seeds:` does, on the workflow's corpus, and
several are joined by `lexloom ensemble`.
Prints ents_p / ents_r / ents_f of the model (or ensemble) overall and per type (10-sentence dev
docs) and ents_f on one-sentence dev docs, each seed's own ents_f (mean and spread),
the training wall time (all seeds) and the inference words/s of `nlp.pipe` over the
10-sentence dev Docs (gold tokens, one CPU thread, the pipeline as `lexloom.load` gives it:
int8 where the config says `[nlp] quantize`). With --vs-spacy, spaCy 3.8's
default NER (`spacy init config --pipeline ner`) trains on the same documents in the
same run (its DocBins are built from our Docs, so both see identical tokens and
entities) and the ratios are printed; the two are timed in alternation, and the speed
ratio is the median of the rounds' ratios (with their range). Exit status 1 if ents_f < 68
on either grouping or, with --vs-spacy, if lexloom's inference is not at least 1.5 times
spaCy's words/s. `--rescore` scores the models an earlier run left in --work again (and
trains only what is missing: a run of a config and seed gives the same model, step for
step, on one machine).

Example: .venv/bin/python benchmarks/ner_uner.py --vs-spacy
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ud_ewt import SPEED_ROUNDS, alternating_seconds, paired_speeds, ratio_spread  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "UNER_English-EWT"
TREEBANK = ROOT.parent / "shared" / "data" / "UD_English-EWT"
TARGET_F = 68.0
SPEED_RATIO = 1.5  # lexloom's inference words/s at least this many times spaCy's
GROUPINGS = (10, 1)  # sentences per doc: the workflow's (`--n-sents 10`) first


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


def convert_corpus(work: Path, n_sents: int, data: Path, treebank: Path) -> Path:
    from lexloom.convert import convert

    corpus = work / f"corpus-{n_sents}"
    convert(data / "en_ewt-ud-train.iob2", corpus, n_sents=n_sents, join=treebank / "en_ewt-ud-train.conllu")
    convert(data / "en_ewt-ud-dev.iob2", corpus, n_sents=n_sents)
    return corpus


def timed_run(cmd: list[str], out: Path, rescore: bool, timeout: float | None = None) -> float:
    """`run_timed` unless `rescore` finds `out/model-best` from an earlier run; either way the
    run's wall seconds (kept beside `out`)."""
    record = out.parent / f"{out.name}-train.json"
    if not (rescore and (out / "model-best").exists()):
        record.write_text(json.dumps({"wall": run_timed(cmd, out.parent / f"{out.name}-train.log", timeout)}))
    return json.loads(record.read_text())["wall"] if record.exists() else float("nan")


def wall_text(seconds: float) -> str:
    """Seconds as printed; '-' for a run --rescore found without its record (nan)."""
    return f"{seconds:,.0f}" if seconds == seconds else "-"


def train_lexloom(corpus: Path, out: Path, minutes: float | None, seed: int, rescore: bool = False) -> dict:
    cmd = [
        sys.executable, "-m", "lexloom", "train", "configs/ner.cfg", "--output", str(out),
        "--paths.train", str(corpus / "en_ewt-ud-train.lexloom"), "--paths.dev", str(corpus / "en_ewt-ud-dev.lexloom"),
        "--training.logger.progress_bar", "false", "--system.seed", str(seed), "--system.threads", "1",
    ]
    if minutes is not None:
        cmd += ["--training.max_minutes", str(minutes)]
    wall = timed_run(cmd, out, rescore)
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    best = max(records, key=lambda r: r["score"])
    return {"wall": wall, "steps": records[-1]["step"], "best": (best["step"], best["seconds"]), "curve": [(r["seconds"], r["scores"]["ents_f"]) for r in records]}


def train_ensemble(corpus: Path, work: Path, minutes: float | None, seeds: list[int], rescore: bool = False) -> dict:
    """Each seed trained apart, two at a time, then joined (`lexloom ensemble`), as the workflow does."""
    start = time.perf_counter()
    outs = [work / f"lexloom-seed{seed}" for seed in seeds]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda args: train_lexloom(corpus, *args), [(out, minutes, seed, rescore) for out, seed in zip(outs, seeds)]))
    members = [out / "model-best" for out in outs]
    model = work / "lexloom-ensemble" if len(seeds) > 1 else members[0]
    if len(seeds) > 1:
        run_timed([sys.executable, "-m", "lexloom", "ensemble", str(model), *map(str, members)], work / "lexloom-ensemble.log")
    wall = max(r["wall"] for r in runs) if rescore else time.perf_counter() - start
    return {"wall": wall, "runs": runs, "members": members, "model": model}


def evaluate_lexloom(model: Path, dev: Path) -> dict:
    import torch

    import lexloom
    from lexloom.scoring import Scorer
    from lexloom.evaluate import predicted_doc
    from lexloom.tokens import Example, read_docbin

    torch.set_num_threads(1)
    nlp = lexloom.load(model)
    refs = list(read_docbin(dev, nlp.vocab))
    list(nlp.pipe([predicted_doc(nlp, r, gold_sents=True) for r in refs[:64]]))  # warm-up
    docs = [predicted_doc(nlp, r, gold_sents=True) for r in refs]
    start = time.perf_counter()
    list(nlp.pipe(docs))
    seconds = time.perf_counter() - start
    scores = Scorer(["ents"]).score([Example(d, r) for d, r in zip(docs, refs)])
    return {"scores": scores, "wps": sum(len(d) for d in docs) / seconds}


def alternating_speeds(our_model: Path, our_dev: Path, their_model: Path, their_dev: Path) -> tuple[float, float, list[float]]:
    """lexloom's and spaCy's words/s over the same dev documents, `nlp.pipe` timed in
    alternation (`alternating_seconds`, `SPEED_ROUNDS` rounds, one thread): each one's
    fastest round, and lexloom's words/s over spaCy's in each round."""
    import spacy
    import torch
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin

    import lexloom
    from lexloom.evaluate import predicted_doc
    from lexloom.tokens import read_docbin

    torch.set_num_threads(1)
    ours, theirs = lexloom.load(our_model), spacy.load(their_model)
    our_refs = list(read_docbin(our_dev, ours.vocab))
    their_refs = list(SpacyDocBin().from_disk(their_dev).get_docs(theirs.vocab))
    make_ours = lambda: [predicted_doc(ours, r, gold_sents=True) for r in our_refs]  # noqa: E731
    make_theirs = lambda: [SpacyDoc(theirs.vocab, words=[t.text for t in r], spaces=[bool(t.whitespace_) for t in r]) for r in their_refs]  # noqa: E731
    list(ours.pipe(make_ours()[:64]))  # warm-up
    list(theirs.pipe(make_theirs()[:64]))
    return paired_speeds(alternating_seconds({"lexloom": (ours.pipe, make_ours), "spacy": (theirs.pipe, make_theirs)}, SPEED_ROUNDS))


def train_spacy(corpus: Path, dev_corpora: dict[int, Path], work: Path, minutes: float, rescore: bool = False) -> dict:
    import spacy
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin

    from lexloom.tokens import Vocab, biluo_to_iob, read_docbin

    spacy_corpus = work / "spacy-corpus"
    spacy_corpus.mkdir(exist_ok=True)
    blank = spacy.blank("en")
    sources = {"train": corpus / "en_ewt-ud-train.lexloom", "dev": corpus / "en_ewt-ud-dev.lexloom"}
    sources.update({f"dev-{n}": c / "en_ewt-ud-dev.lexloom" for n, c in dev_corpora.items()})
    for split, source in sources.items():
        docbin = SpacyDocBin()
        for doc in read_docbin(source, Vocab("en")):
            docbin.add(SpacyDoc(blank.vocab, words=doc.words, spaces=doc.spaces, ents=biluo_to_iob(doc.ent_biluo())))
        docbin.to_disk(spacy_corpus / f"{split}.spacy")
    cfg = work / "spacy-ner.cfg"
    subprocess.run([sys.executable, "-m", "spacy", "init", "config", str(cfg), "--lang", "en", "--pipeline", "ner",
                    "--optimize", "efficiency", "--force"], check=True, capture_output=True)
    out = work / "spacy-out"
    cmd = [sys.executable, "-m", "spacy", "train", str(cfg), "--output", str(out),
           "--paths.train", str(spacy_corpus / "train.spacy"), "--paths.dev", str(spacy_corpus / "dev.spacy")]
    wall = timed_run(cmd, out, rescore, timeout=minutes * 60)
    return {"wall": wall, "model": out / "model-best", "dev": {n: evaluate_spacy(out / "model-best", spacy_corpus / f"dev-{n}.spacy") for n in dev_corpora},
            "dev_path": spacy_corpus / f"dev-{GROUPINGS[0]}.spacy"}


def evaluate_spacy(model: Path, dev: Path) -> dict:
    import spacy
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin as SpacyDocBin
    from spacy.training import Example as SpacyExample

    nlp = spacy.load(model)
    refs = list(SpacyDocBin().from_disk(dev).get_docs(nlp.vocab))
    list(nlp.pipe(SpacyDoc(nlp.vocab, words=[t.text for t in r[:20]]) for r in refs[:64]))  # warm-up
    docs = [SpacyDoc(nlp.vocab, words=[t.text for t in r], spaces=[bool(t.whitespace_) for t in r]) for r in refs]
    start = time.perf_counter()
    predicted = list(nlp.pipe(docs))
    seconds = time.perf_counter() - start
    scores = nlp.get_pipe("ner").score([SpacyExample(p, r) for p, r in zip(predicted, refs)])
    return {"scores": scores, "wps": sum(len(d) for d in docs) / seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=None, help="override the config's training.max_minutes")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="train once per seed and join them (the workflow's ner row: two)")
    ap.add_argument("--vs-spacy", action="store_true")
    ap.add_argument("--spacy-minutes", type=float, default=15.0, help="stop spaCy's training after this long")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp dir)")
    ap.add_argument("--data", type=Path, default=DATA, help="folder with en_ewt-ud-{train,dev}.iob2")
    ap.add_argument("--treebank", type=Path, default=TREEBANK, help="folder with en_ewt-ud-train.conllu, joined to the train file")
    ap.add_argument("--rescore", action="store_true", help="score the models an earlier run left in --work, training only what is missing")
    args = ap.parse_args()
    if args.rescore and args.work is None:
        sys.exit("--rescore needs the --work of an earlier run")
    work = args.work or Path(tempfile.mkdtemp(prefix="ner-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpora = {n: convert_corpus(work, n, args.data, args.treebank) for n in GROUPINGS}
    workflow = corpora[GROUPINGS[0]]
    ours = train_ensemble(workflow, work, args.minutes, args.seeds, args.rescore)
    ours["dev"] = {n: evaluate_lexloom(ours["model"], c / "en_ewt-ud-dev.lexloom") for n, c in corpora.items()}
    if len(args.seeds) > 1:  # each seed alone too; one seed is the model scored above
        each = [100 * evaluate_lexloom(member, workflow / "en_ewt-ud-dev.lexloom")["scores"]["ents_f"] for member in ours["members"]]
    else:
        each = [100 * ours["dev"][GROUPINGS[0]]["scores"]["ents_f"]]
    theirs = train_spacy(workflow, corpora, work, args.spacy_minutes, args.rescore) if args.vs_spacy else None
    ratios = None
    if theirs:  # both timed again, in alternation
        ours["dev"][GROUPINGS[0]]["wps"], theirs["dev"][GROUPINGS[0]]["wps"], ratios = alternating_speeds(
            ours["model"], workflow / "en_ewt-ud-dev.lexloom", theirs["model"], theirs["dev_path"])

    from rich.console import Console
    from rich.table import Table

    main_n, other_n = GROUPINGS
    joined = f"{len(args.seeds)} seeds joined" if len(args.seeds) > 1 else "one seed"
    table = Table(title=f"UNER English-EWT dev (gold tokens), trained on {main_n}-sentence docs ({joined}), {os.cpu_count()} CPU cores, inference on 1 thread")
    for column in ["metric", "lexloom"] + (["spaCy 3.8", "lexloom / spaCy"] if theirs else []):
        table.add_column(column, justify="left" if column == "metric" else "right")
    mine, their = ours["dev"][main_n], theirs and theirs["dev"][main_n]
    rows = [(f"{k.upper()} ({main_n}-sentence docs)", mine["scores"][f"ents_{k}"], their and their["scores"][f"ents_{k}"]) for k in "prf"]
    rows.append((f"F ({other_n}-sentence docs)", ours["dev"][other_n]["scores"]["ents_f"], theirs and theirs["dev"][other_n]["scores"]["ents_f"]))
    for label in sorted(mine["scores"]["ents_per_type"]):
        theirs_t = (their["scores"]["ents_per_type"] or {}).get(label, {}) if theirs else {}
        rows.append((f"{label} F", mine["scores"]["ents_per_type"][label]["f"], theirs and theirs_t.get("f")))
    for name, ours_v, their_v in rows:
        row = [name, f"{100 * ours_v:.2f}"]
        if theirs:
            row += [f"{100 * their_v:.2f}" if their_v is not None else "-", f"x{ours_v / their_v:.2f}" if their_v else "-"]
        table.add_row(*row)
    for name, ours_v, their_v in (("training wall time (s)", ours["wall"], theirs and theirs["wall"]), ("inference words/s (nlp.pipe)", mine["wps"], their and their["wps"])):
        row = [name, wall_text(ours_v)]
        if theirs:
            row += [f"{their_v:,.0f}", f"x{ours_v / their_v:.2f}" if row[1] != "-" else "-"]
        table.add_row(*row)
    Console().print(table)
    if ratios:
        print(f"lexloom / spaCy words/s: {ratio_spread(ratios)} (the ratio row above: each one's fastest round)")
    for seed, run, seed_f in zip(args.seeds, ours["runs"], each):
        curve = ", ".join(f"{seconds / 60:.1f} min: {100 * f:.2f}" for seconds, f in run["curve"])
        print(f"seed {seed}: ents_f {seed_f:.2f} ({main_n}-sentence docs), {run['steps']} steps, best at step {run['best'][0]} "
              f"({run['best'][1] / 60:.1f} min), {wall_text(run['wall'])} s wall; dev ents_f against training time: {curve}")
    if len(each) > 1:
        print(f"seeds alone: ents_f {statistics.mean(each):.2f} ± {statistics.stdev(each):.2f} (mean ± sd); joined: {100 * mine['scores']['ents_f']:.2f}")
    print(f"outputs in {work}")
    failed = any(100 * d["scores"]["ents_f"] < TARGET_F for d in ours["dev"].values())
    failed = failed or bool(ratios and statistics.median(ratios) < SPEED_RATIO)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
