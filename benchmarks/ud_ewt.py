"""Treebank benchmark: train configs/ud.cfg on UD English-EWT train, score on dev with gold tokens.

    python benchmarks/ud_ewt.py [--config configs/ud.cfg] [--minutes 28] [--threads N] [--pretrain]
        [--vs-spacy [--spacy-minutes 30] [--concurrent] | --spacy-model DIR] [--rescore --work DIR]

Prints UPOS, XPOS, UFeats, lemma, UAS, LAS (and UAS and LAS with each reading of what
comes with the words: paragraph starts, nothing, gold sentences), training wall time, training words/s,
peak training memory (RSS of the training process) and inference words/s of
`nlp.pipe` on CPU (the best of three timed runs; beside spaCy, the best of seven rounds that
alternate the two systems, with the spread of the per-round ratio). Dev is scored on documents
of 10 sentences, as spaCy's UD project converts them, whose sentences the pipeline predicts
inside the paragraphs the treebank marks (`# newpar`: the layout raw text has, which
`lexloom evaluate` gives with gold words too); spaCy's main rows come from `spacy evaluate`.
With --vs-spacy, spaCy 3.8 trains the equivalent pipeline (tagger, morphologizer,
trainable_lemmatizer, parser on a shared tok2vec, from `spacy init config`) on the
same data in the same run, and the ratios are printed. With --spacy-model, an
already-trained spaCy pipeline (e.g. `spacy-out/model-best` of a `raw_text.py` run) is
scored and timed beside lexloom's instead. The dev curve (LAS against training minutes,
from the training log) is printed below the table. With --rescore, the lexloom model an
earlier run left in --work is scored again (with --vs-spacy: beside a spaCy trained now).
With --pretrain, the tok2vec is first pretrained on the raw text of the training file's
`# text` lines, as the workflow's `raw_text_ud` and `pretrain_ud` stages do, and training
starts from it; pretraining's wall time counts against --minutes (training gets the rest).
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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "UD_English-EWT"


def run_measured(cmd: list[str], log: Path) -> tuple[float, float]:
    """Run a command, return (wall seconds, peak RSS in MB) of that process tree's largest process."""
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed; see {log}:\n{log.read_text()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def thread_env(threads: int) -> dict:
    """This process's environment, with `threads` threads for OpenMP and BLAS (0: unchanged)."""
    env = dict(os.environ)
    if threads:
        env.update({k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    return env


def limit_threads(threads: int) -> None:
    """Give this process's numpy and torch (spaCy's and lexloom's inference) `threads` threads:
    set before numpy is first imported, as its BLAS reads them once."""
    os.environ.update(thread_env(threads))


REPEATS = 3  # inference is timed this many times, after a warm-up, and the best time kept


def alternating_seconds(runs: dict, repeats: int = REPEATS) -> dict:
    """For each named run `(annotate, make_input)`, the seconds of each of `repeats` timed calls
    of `annotate(make_input())` (fresh input each time: a pipeline that sets sentence starts must
    not find them set by the previous call) and the last call's output. The rounds alternate
    between the runs (A B A B ...): this machine's speed drifts by tens of percent over
    minutes, and a system timed minutes after another would carry the drift into the ratio."""
    seconds: dict = {name: [] for name in runs}
    outputs: dict = {}
    for _ in range(repeats):
        for name, (annotate, make_input) in runs.items():
            given = make_input()
            start = time.perf_counter()
            outputs[name] = list(annotate(given))
            seconds[name].append(time.perf_counter() - start)
    return {name: (seconds[name], outputs[name]) for name in runs}


def alternating_best_seconds(runs: dict, repeats: int = REPEATS) -> dict:
    """`alternating_seconds`, each run's shortest time."""
    return {name: (min(seconds), out) for name, (seconds, out) in alternating_seconds(runs, repeats).items()}


def best_seconds(annotate, make_input, repeats: int = REPEATS) -> tuple[float, list]:
    """`alternating_best_seconds` of one run."""
    return alternating_best_seconds({"": (annotate, make_input)}, repeats)[""]


def evaluate_lexloom(model: Path, dev: Path, threads: int, repeats: int = REPEATS) -> dict:
    """Scores on dev and words/s (best of `repeats` runs: 1 when `gold_word_speeds` times it again)."""
    import torch

    import lexloom
    from lexloom.evaluate import predicted_doc
    from lexloom.scoring import Scorer
    from lexloom.tokens import Doc, Example, read_docbin

    if threads:
        torch.set_num_threads(threads)
    nlp = lexloom.load(model)
    refs = list(read_docbin(dev, nlp.vocab))
    nlp(Doc(nlp.vocab, words=refs[0].words[:20]))  # warm-up
    seconds, docs = best_seconds(lambda docs: nlp.pipe(docs, batch_size=256), lambda: [predicted_doc(nlp, r) for r in refs], repeats)
    return Scorer.for_pipeline(nlp).score([Example(d, r) for d, r in zip(docs, refs)], seconds=seconds)


# rounds of `gold_word_speeds`: enough for the spread of the per-round ratio to show the drift
SPEED_ROUNDS = 7


def gold_word_speeds(our_model: Path, our_dev: Path, their_model: Path, their_dev: Path) -> tuple[float, float, list[float]]:
    """lexloom's and spaCy's words/s on the gold words of dev (a `.lexloom` and a `.spacy`
    corpus of the same documents): `nlp.pipe` over fresh Docs of the words and their
    paragraph starts (`gold_word_docs`), timed in
    alternation (`alternating_seconds`, `SPEED_ROUNDS` rounds), one process, the threads
    `limit_threads` set. Returns each one's words/s in its fastest round, and lexloom's
    words/s over spaCy's in each round: the two timed seconds apart, so the spread of these
    ratios is what the machine's drift does to the one the target compares (x1.13 and x1.35
    for the same models a minute apart, benchmarks/RESULTS.md, "The Intel machine").
    (`spacy evaluate`'s own figure comes from one pass: 5,550 to 8,931 words/s for one model
    on an idle machine.)"""
    import spacy
    from spacy.tokens import Doc as SpacyDoc

    import lexloom
    from lexloom.tokens import Doc

    ours, theirs = lexloom.load(our_model), spacy.load(their_model)
    make_ours, make_theirs, _ = gold_word_docs(ours, our_dev, theirs, their_dev)
    ours(Doc(ours.vocab, words=make_ours("paragraphs")[0].words[:20]))  # warm-up
    list(theirs.pipe([SpacyDoc(theirs.vocab, words=[t.text for t in make_theirs("paragraphs")[0]][:20])]))
    timed = alternating_seconds({
        "lexloom": (lambda docs: ours.pipe(docs, batch_size=256), lambda: make_ours("paragraphs")),
        "spacy": (lambda docs: theirs.pipe(docs, batch_size=256), lambda: make_theirs("paragraphs")),
    }, SPEED_ROUNDS)
    return paired_speeds(timed)


def paired_speeds(timed: dict) -> tuple[float, float, list[float]]:
    """From `alternating_seconds` of a "lexloom" and a "spacy" run: each one's words/s in its
    fastest round, and lexloom's words/s over spaCy's in each round."""
    (our_seconds, our_docs), (their_seconds, their_docs) = timed["lexloom"], timed["spacy"]
    our_words, their_words = sum(len(d) for d in our_docs), sum(len(d) for d in their_docs)
    ratios = [(our_words / a) / (their_words / b) for a, b in zip(our_seconds, their_seconds)]
    return our_words / min(our_seconds), their_words / min(their_seconds), ratios


# what comes with the gold words: paragraph starts (the main rows), nothing, the gold sentences
READINGS = {"paragraphs": "paragraph starts given", "nothing": "nothing given", "gold": "gold sentences given"}


def gold_word_docs(ours, our_dev: Path, theirs=None, their_dev: Path | None = None):
    """Makers of fresh dev Docs of the gold words, for lexloom and (with `theirs`) spaCy, in one
    of the `READINGS`: with the paragraph starts the treebank marks set as sentence starts and
    the rest left open (`lexloom.evaluate.predicted_doc`), with nothing set, or with the gold
    sentences. spaCy's Docs are those of its own corpus of the same documents (merged
    subtokens), which gets the same paragraph starts by sentence. Returns
    `(make_ours, make_theirs, (our_refs, their_refs))`; both makers take a reading."""
    from lexloom.evaluate import predicted_doc
    from lexloom.pipeline.segmenter import paragraph_starts
    from lexloom.tokens import Doc, read_docbin

    our_refs = list(read_docbin(our_dev, ours.vocab))

    def make_ours(reading: str) -> list:
        if reading == "nothing":
            return [Doc(ours.vocab, words=r.words, spaces=r.spaces) for r in our_refs]
        return [predicted_doc(ours, r, gold_sents=reading == "gold") for r in our_refs]

    if theirs is None:
        return make_ours, None, (our_refs, None)
    from spacy.tokens import Doc as SpacyDoc
    from spacy.tokens import DocBin

    their_refs = list(DocBin().from_disk(their_dev).get_docs(theirs.vocab))
    paragraph_firsts = []
    for ours_ref, their_ref in zip(our_refs, their_refs, strict=True):
        sentences = list(their_ref.sents)
        news = paragraph_starts(ours_ref)
        if len(news) != len(sentences):
            raise ValueError(f"{their_dev}: a document has {len(sentences)} sentences, {len(news)} in {our_dev}")
        paragraph_firsts.append({s.start for s, new in zip(sentences, news) if new and s.start})

    def make_theirs(reading: str) -> list:
        def starts(ref, firsts):
            if reading == "gold":
                return [bool(t.is_sent_start) for t in ref]
            return [True if t.i in firsts or t.i == 0 else None for t in ref] if reading == "paragraphs" else None
        return [SpacyDoc(theirs.vocab, words=[t.text for t in r], spaces=[bool(t.whitespace_) for t in r], sent_starts=starts(r, f))
                for r, f in zip(their_refs, paragraph_firsts)]

    return make_ours, make_theirs, (our_refs, their_refs)


def reading_scores(our_model: Path, our_dev: Path, their_model: Path | None = None, their_dev: Path | None = None, readings=tuple(READINGS)) -> dict:
    """UAS and LAS of lexloom and (with `their_model`) spaCy in each of the `READINGS` of the gold
    words (all, or those of `readings`): `{reading: {system: {"dep_uas", "dep_las"}}}`. With
    gold sentences it is the parse alone; with nothing given, the whole sentence decision of a
    ten-sentence document (on EWT dev the two differ by 1.5 to 2 LAS for both parsers). Both parsers keep the sentence starts set
    before them and decide the rest (lexloom's `use_doc_sents`; spaCy's parser does too).
    spaCy's main rows come from `spacy evaluate`, which makes its Docs from the text with
    spaCy's own tokenizer; on the same model its gold-word LAS with nothing given is about
    0.6 lower (67.29 against 67.92 in RESULTS)."""
    import lexloom
    from lexloom.tokens import Example

    ours = lexloom.load(our_model)
    theirs = None
    if their_model is not None:
        import spacy

        theirs = spacy.load(their_model)
    make_ours, make_theirs, (our_refs, their_refs) = gold_word_docs(ours, our_dev, theirs, their_dev)
    scores: dict = {}
    for reading in readings:
        scores[reading] = {"lexloom": ours.evaluate([Example(d, r) for d, r in zip(make_ours(reading), our_refs)], in_place=True)}
        if theirs is not None:
            from spacy.training import Example as SpacyExample

            scores[reading]["spacy"] = theirs.evaluate([SpacyExample(d, r) for d, r in zip(make_theirs(reading), their_refs)])
    return {reading: {name: {key: float(s[key]) for key in ("dep_uas", "dep_las")} for name, s in by.items()} for reading, by in scores.items()}


def ratio_spread(ratios: list[float]) -> str:
    """The per-round ratios of `gold_word_speeds` in a few words."""
    return f"median x{statistics.median(ratios):.2f}, from x{min(ratios):.2f} to x{max(ratios):.2f} over {len(ratios)} alternating rounds"


def pretrain_lexloom(train_conllu: Path, out: Path, threads: int, config: str) -> tuple[Path, float]:
    """Pretrain `config`'s tok2vec on the raw text of `train_conllu`, as the workflow does.
    Returns the weights and the wall seconds both steps took."""
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw.jsonl"
    subprocess.run([sys.executable, "scripts/conllu_raw_text.py", str(train_conllu), str(raw)], check=True, capture_output=True, cwd=ROOT)
    run_measured([sys.executable, "-m", "lexloom", "pretrain", config, str(out / "weights"), "--paths.raw_text", str(raw),
                  "--system.threads", str(threads)], out / "pretrain.log")
    return out / "weights" / "model-last.safetensors", time.perf_counter() - start


def train_lexloom(
    corpus: Path, out: Path, minutes: float, threads: int, config: str = "configs/ud.cfg", inference_threads: int | None = None, repeats: int = REPEATS,
    rescore: bool = False, init_tok2vec: Path | None = None, nproc: int = 1,
) -> dict:
    """Train `config` on `threads` threads (unless `rescore`: the model an earlier run left in
    `out`), from `init_tok2vec` if given; score model-best on dev, timed on `inference_threads`
    (default: `threads`). With `nproc` > 1 it trains data-parallel in that many processes,
    which share the `threads`."""
    measured = out.parent / "lexloom-train.json"  # the training process's wall time and peak RSS
    if not rescore:
        cmd = [
            sys.executable, "-m", "lexloom", "train", config, "--output", str(out),
            "--paths.train", str(corpus / "en_ewt-ud-train.lexloom"), "--paths.dev", str(corpus / "en_ewt-ud-dev.lexloom"),
            "--training.max_minutes", str(minutes), "--training.logger.progress_bar", "false", "--system.threads", str(max(1, threads // nproc)),
        ]
        if nproc > 1:
            cmd += ["--nproc", str(nproc)]
        if init_tok2vec is not None:
            cmd += ["--paths.init_tok2vec", str(init_tok2vec)]
        seconds, rss = run_measured(cmd, out.parent / "lexloom-train.log")
        measured.write_text(json.dumps({"wall": seconds, "rss_mb": rss}))
    trained = json.loads(measured.read_text()) if measured.exists() else {"wall": None, "rss_mb": None}
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    words, train_seconds = records[-1]["words"], records[-1]["seconds"]
    scores = evaluate_lexloom(out / "model-best", corpus / "en_ewt-ud-dev.lexloom", threads if inference_threads is None else inference_threads, repeats)
    curve = [(r["seconds"] / 60, 100 * r["scores"]["dep_las"]) for r in records if "dep_las" in r.get("scores", {})]
    return {"scores": scores, **trained, "train_wps": words / train_seconds, "steps": records[-1]["step"], "curve": curve}


class SpacyRun:
    """spaCy 3.8 trained on the same data: started with `start`, stopped after `minutes`
    (spaCy has no wall-clock limit; model-best is already on disk), scored by `spacy evaluate`."""

    def __init__(self, work: Path, minutes: float, data: Path, threads: int):
        self.work, self.minutes, self.threads = work, minutes, threads
        self.corpus = work / "spacy-corpus"
        for split in ("train", "dev"):
            convert_spacy(data, self.corpus, split)
        cfg = work / "spacy.cfg"
        subprocess.run([sys.executable, "-m", "spacy", "init", "config", str(cfg), "--lang", "en", "--pipeline",
                        "tagger,morphologizer,trainable_lemmatizer,parser", "--optimize", "efficiency", "--force"], check=True, capture_output=True)
        self.out = work / "spacy-out"
        self.cmd = [sys.executable, "-m", "spacy", "train", str(cfg), "--output", str(self.out),
                    "--paths.train", str(self.corpus / "en_ewt-ud-train.spacy"), "--paths.dev", str(self.corpus / "en_ewt-ud-dev.spacy"),
                    "--training.max_steps", "0", "--training.max_epochs", "0", "--training.patience", "0"]
        self.env = thread_env(threads)

    def start(self) -> None:
        self.log = open(self.work / "spacy-train.log", "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT, env=self.env)

    def finish(self) -> dict:
        remaining = self.minutes * 60 - (time.perf_counter() - self.started)
        try:
            self.proc.wait(timeout=max(remaining, 0))
        except subprocess.TimeoutExpired:
            self.proc.terminate()
        _, _, usage = os.wait4(self.proc.pid, 0)
        wall = time.perf_counter() - self.started
        self.log.close()
        return {**score_spacy(self.out / "model-best", self.corpus / "en_ewt-ud-dev.spacy", self.threads), "wall": wall, "rss_mb": usage.ru_maxrss / 1024}


def convert_spacy(data: Path, corpus: Path, split: str) -> Path:
    """An EWT file as spaCy's UD project converts it (10-sentence docs, merged subtokens)."""
    corpus.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "spacy", "convert", str(data / f"en_ewt-ud-{split}.conllu"), str(corpus),
                    "--n-sents", "10", "--merge-subtokens", "--converter", "conllu"], check=True, capture_output=True)
    return corpus / f"en_ewt-ud-{split}.spacy"


def score_spacy(model: Path, dev: Path, threads: int) -> dict:
    """`spacy evaluate`'s scores of a spaCy pipeline on dev (its speed: `gold_word_speeds`)."""
    metrics = dev.parent / "spacy-metrics.json"
    subprocess.run([sys.executable, "-m", "spacy", "evaluate", str(model), str(dev), "--output", str(metrics)],
                   check=True, capture_output=True, env=thread_env(threads))
    return {"scores": json.loads(metrics.read_text()), "model": model, "dev": dev}


ROWS = [("UPOS", "pos_acc"), ("XPOS", "tag_acc"), ("UFeats", "morph_acc"), ("Lemma", "lemma_acc"), ("UAS", "dep_uas"), ("LAS", "dep_las")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default="configs/ud.cfg", help="the lexloom config to train (configs/ud.cfg, configs/ud_accuracy.cfg)")
    ap.add_argument("--minutes", type=float, default=28.0, help="lexloom training budget (config's max_minutes)")
    ap.add_argument("--spacy-model", type=Path, default=None, help="score and time this trained spaCy pipeline beside lexloom's")
    ap.add_argument("--vs-spacy", action="store_true")
    ap.add_argument("--spacy-minutes", type=float, default=30.0)
    ap.add_argument("--concurrent", action="store_true",
                    help="train spaCy at the same time as lexloom, each on --threads threads (one core each with --threads 1)")
    ap.add_argument("--threads", type=int, default=0, help="threads for training and inference (0: each library's default)")
    ap.add_argument("--train-threads", type=int, default=0, help="lexloom's training threads, if not --threads (ud_accuracy.cfg trains on 2)")
    ap.add_argument("--nproc", type=int, default=1, help="train lexloom data-parallel in this many processes, sharing --train-threads")
    ap.add_argument("--rescore", action="store_true",
                    help="score the lexloom model an earlier run trained in --work again, without training it")
    ap.add_argument("--pretrain", action="store_true", help="pretrain the tok2vec on the training text first, as the workflow does")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with en_ewt-ud-{train,dev}.conllu")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp dir)")
    args = ap.parse_args()
    if args.rescore and not (args.work and (args.work / "lexloom-out" / "model-best").exists()):
        sys.exit("--rescore needs the --work of an earlier run (its lexloom-out/model-best)")
    limit_threads(args.threads)
    work = args.work or Path(tempfile.mkdtemp(prefix="ud-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    for split in ("train", "dev"):
        subprocess.run([sys.executable, "-m", "lexloom", "convert", str(args.data / f"en_ewt-ud-{split}.conllu"), str(corpus), "--n-sents", "10"],
                       check=True, capture_output=True, cwd=ROOT)
    spacy_run = SpacyRun(work, args.spacy_minutes, args.data, args.threads) if args.vs_spacy else None
    if spacy_run and args.concurrent:
        spacy_run.start()
    compared = args.vs_spacy or args.spacy_model is not None  # then `gold_word_speeds` times lexloom again, beside spaCy
    train_threads = args.train_threads or args.threads
    init_tok2vec, pretrain_seconds = None, 0.0
    if args.pretrain and not args.rescore:
        init_tok2vec, pretrain_seconds = pretrain_lexloom(args.data / "en_ewt-ud-train.conllu", work / "pretrain", train_threads, args.config)
    ours = train_lexloom(corpus, work / "lexloom-out", args.minutes - pretrain_seconds / 60, train_threads, args.config, args.threads,
                         1 if compared else REPEATS, args.rescore, init_tok2vec, args.nproc)
    if spacy_run and not args.concurrent:
        spacy_run.start()
    theirs = spacy_run.finish() if spacy_run else None
    if args.spacy_model:
        theirs = {**score_spacy(args.spacy_model, convert_spacy(args.data, work / "spacy-corpus", "dev"), args.threads), "wall": None, "rss_mb": None}
    if theirs:  # both systems' inference timed again, in alternation
        ours["scores"]["speed"], theirs["scores"]["speed"], ratios = gold_word_speeds(
            work / "lexloom-out" / "model-best", corpus / "en_ewt-ud-dev.lexloom", theirs["model"], theirs["dev"])

    given = reading_scores(work / "lexloom-out" / "model-best", corpus / "en_ewt-ud-dev.lexloom",
                           theirs and theirs["model"], theirs and theirs["dev"])

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{args.config} on UD English-EWT dev (gold tokens and paragraphs, predicted sentences), {os.cpu_count()} CPU cores")
    table.add_column("metric")
    table.add_column("lexloom", justify="right")
    if theirs:
        table.add_column("spaCy 3.8", justify="right")
        table.add_column("lexloom − spaCy", justify="right")
    rows = [(name, ours["scores"][key], theirs and float(theirs["scores"].get(key) or 0)) for name, key in ROWS]
    rows += [(f"{name}, gold words, {said}", given[reading]["lexloom"][key], theirs and given[reading]["spacy"][key])
             for reading, said in READINGS.items() for name, key in (("UAS", "dep_uas"), ("LAS", "dep_las"))]
    for name, ours_v, their_v in rows:
        row = [name, f"{100 * ours_v:.2f}"]
        if theirs:
            row += [f"{100 * their_v:.2f}", f"{100 * (ours_v - their_v):+.2f}"]
        table.add_row(*row)
    speed = ours["scores"]["speed"]
    extra = [
        *([("pretraining wall time (s)", pretrain_seconds, None)] if pretrain_seconds else []),
        ("training wall time (s)", ours["wall"], theirs and theirs["wall"]),
        ("training words/s", ours["train_wps"], None),
        ("peak training RSS (MB)", ours["rss_mb"], theirs and theirs["rss_mb"]),
        ("inference words/s (nlp.pipe)", speed, theirs and theirs["scores"].get("speed")),
    ]
    for name, ours_v, their_v in extra:
        row = [name, f"{ours_v:,.0f}" if ours_v else "-"]
        if theirs:
            row += [f"{their_v:,.0f}" if their_v else "-", f"x{ours_v / their_v:.2f}" if ours_v and their_v else "-"]
        table.add_row(*row)
    Console(width=120).print(table)
    if theirs:
        print(f"words/s, lexloom over spaCy in each round: {ratio_spread(ratios)}")
    print("dev LAS during training (minutes: LAS): " + ", ".join(f"{m:.1f}: {las:.2f}" for m, las in ours["curve"]))
    print(f"outputs in {work}; lexloom steps: {ours['steps']}")


if __name__ == "__main__":
    main()
