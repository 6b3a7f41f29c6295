"""Raw-text accuracy against spaCy 3.8: same data, same training time, same scorer, same run.

The full comparison (about an hour on two cores: per treebank both systems train at once,
one core each), lexloom with its learned segmenter and multi-word-token expander:

    python benchmarks/raw_text.py --minutes 30 --threads 1 --concurrent \\
        --data ../shared/data --work /tmp/raw-text-bench

and the same with the rule-based tokenizer instead (`--tokenizer rules`).

A quick check that everything runs (a few minutes, figures meaningless):

    python benchmarks/raw_text.py --minutes 1 --limit 300 --eval-limit 100 --eval-frequency 20 --threads 1 --concurrent

Treebanks (`--treebanks`): `en_ewt` trains on UD English-EWT train and is scored on
its dev file; `es_gsd` trains on UD Spanish-GSD dev (its train file is not in
`../shared/data`) and is scored on its test file. Each file is also the dev set
that picks each system's model-best.

- lexloom trains `configs/ud.cfg` (`--nlp.lang` set per treebank) for `--minutes`
  (its `training.max_minutes`), in one run: its learned `segmenter` (tokens and
  sentences from raw text) and `mwt` expander (multi-word tokens into words) learn
  from the treebank's `# text`, SpaceAfter and multi-word tokens in the same run as the
  rest of the pipeline. `--tokenizer rules` trains it without them, so that the
  rule-based tokenizer and the parser's sentence classifier segment the raw text (the
  baseline before the learned segmenter). spaCy trains the pipeline its UD project uses
  (`spacy init config --pipeline tagger,morphologizer,trainable_lemmatizer,parser
  --optimize efficiency`, data converted with `--n-sents 10 --merge-subtokens`) and is
  stopped after the same number of minutes; each keeps its model-best.
- Both annotate the same raw text, rebuilt from the gold file by
  `lexloom.raw_text.raw_texts` (one document per paragraph), their Docs are written
  by the same CoNLL-U writer and scored by the same CoNLL 2018 scorer
  (`lexloom.scoring.conll18`, which agrees with the official script).
- spaCy's Docs are copied into lexloom Docs for writing: one word per spaCy
  token, its label "ROOT" written as UD's "root"; for a treebank without XPOS
  (GSD) its tags are left out, since `spacy convert` copies UPOS into them. spaCy is trained on merged
  multi-word tokens, so each of its tokens is one word: where the gold file splits
  a token into words ("del" = "de" + "el", "don't" = "do" + "n't"), spaCy's word
  matches none of them unless its tokenizer split the token itself. lexloom's
  `mwt` component expands them into their words; its rule-based tokenizer
  (`--tokenizer rules`) keeps Spanish contractions whole and splits English clitics
  ("do" "n't") as EWT does.
- Raw words/s is the speed of each `nlp.pipe` on the raw texts alone.
- Both models are also scored on the gold file's words (`--gold-words`, on by default), as
  `benchmarks/ud_ewt.py` scores them: documents of 10 sentences with the paragraph starts
  the treebank marks (none in GSD), the pipeline predicting the sentences; lexloom by its
  Scorer, spaCy's tags by `spacy evaluate` and its UAS and LAS on the same words and
  paragraph starts as lexloom's (`reading_scores`); each on `--threads`.

Figures, the commands and the environment go to WORK/results.json; the table to stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# benchmarks/ud_ewt.py: the gold-word scoring, and inference timed as best of three (gold words: seven alternating rounds)
from ud_ewt import (
    ROWS as GOLD_WORD_METRICS, alternating_best_seconds, evaluate_lexloom, gold_word_speeds, limit_threads, ratio_spread, reading_scores, thread_env,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Treebank:
    name: str
    lang: str
    folder: str
    train: str
    gold: str  # scored from raw text; also the dev set of both trainings


TREEBANKS = {
    "en_ewt": Treebank("UD English-EWT (train -> dev)", "en", "UD_English-EWT", "en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu"),
    "es_gsd": Treebank("UD Spanish-GSD (dev -> test)", "es", "UD_Spanish-GSD", "es_gsd-ud-dev.conllu", "es_gsd-ud-test.conllu"),
}
# configs/ud.cfg without its learned segmenter and multi-word-token expander (`--tokenizer rules`)
RULE_TOKENIZER_PIPELINE = ["tok2vec", "tagger", "morphologizer", "trainable_lemmatizer", "parser"]
METRICS = [("Tokens", "tokens_f"), ("Sentences", "sents_f"), ("Words", "words_f"), ("UPOS", "upos"), ("XPOS", "xpos"),
           ("UFeats", "ufeats"), ("AllTags", "alltags"), ("Lemmas", "lemmas"), ("UAS", "uas"), ("LAS", "las"),
           ("CLAS", "clas"), ("MLAS", "mlas"), ("BLEX", "blex")]


def first_sentences(source: Path, target: Path, limit: int) -> Path:
    """The first `limit` sentences of a CoNLL-U file (all of them for 0)."""
    if not limit:
        return source
    blocks = source.read_text(encoding="utf8").split("\n\n")
    target.write_text("\n\n".join(b for b in blocks[:limit] if b.strip()) + "\n\n", encoding="utf8")
    return target


class Training:
    """A training command run in the background, stopped after `minutes` if it has not ended;
    `wait` returns (wall seconds, peak RSS in MB)."""

    def __init__(self, cmd: list[str], log: Path, minutes: float, threads: int):
        self.cmd, self.log_path, self.minutes, self.threads = cmd, log, minutes, threads

    def start(self) -> "Training":
        self.log = open(self.log_path, "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT, env=thread_env(self.threads))
        return self

    def wait(self, stop: bool) -> tuple[float, float]:
        if stop:
            remaining = self.minutes * 60 - (time.perf_counter() - self.started)
            try:
                self.proc.wait(timeout=max(remaining, 0))
            except subprocess.TimeoutExpired:
                self.proc.terminate()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.log.close()
        if not stop and status != 0:
            sys.exit(f"{' '.join(self.cmd)} failed; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}")
        return time.perf_counter() - self.started, usage.ru_maxrss / 1024


def lexloom_training(tb: Treebank, train: Path, gold: Path, work: Path, args) -> tuple[Training, Path]:
    corpus = work / "lexloom-corpus"
    for path in (train, gold):
        subprocess.run([sys.executable, "-m", "lexloom", "convert", str(path), str(corpus), "--n-sents", "10"], check=True, capture_output=True, cwd=ROOT)
    out = work / "lexloom-out"
    threads = args.train_threads or args.threads
    pipeline = [] if args.tokenizer == "learned" else ["--nlp.pipeline", json.dumps(RULE_TOKENIZER_PIPELINE)]
    cmd = [sys.executable, "-m", "lexloom", "train", args.config, "--output", str(out), "--nlp.lang", tb.lang, *pipeline,
           "--paths.train", str(corpus / (train.stem + ".lexloom")), "--paths.dev", str(corpus / (gold.stem + ".lexloom")),
           "--training.max_minutes", str(args.minutes), "--training.logger.progress_bar", "false", "--system.threads", str(threads)]
    if args.eval_frequency:
        cmd += ["--training.eval_frequency", str(args.eval_frequency)]
    return Training(cmd, work / "lexloom-train.log", args.minutes, threads), out / "model-best"


def spacy_training(tb: Treebank, train: Path, gold: Path, work: Path, args) -> tuple[Training, Path]:
    corpus = work / "spacy-corpus"
    corpus.mkdir(exist_ok=True)
    for path in (train, gold):
        subprocess.run([sys.executable, "-m", "spacy", "convert", str(path), str(corpus), "--n-sents", "10", "--merge-subtokens",
                        "--converter", "conllu"], check=True, capture_output=True)
    cfg = work / "spacy.cfg"
    subprocess.run([sys.executable, "-m", "spacy", "init", "config", str(cfg), "--lang", tb.lang, "--pipeline",
                    "tagger,morphologizer,trainable_lemmatizer,parser", "--optimize", "efficiency", "--force"], check=True, capture_output=True)
    out = work / "spacy-out"
    cmd = [sys.executable, "-m", "spacy", "train", str(cfg), "--output", str(out),
           "--paths.train", str(corpus / (train.stem + ".spacy")), "--paths.dev", str(corpus / (gold.stem + ".spacy")),
           "--training.max_steps", "0", "--training.max_epochs", "0", "--training.patience", "0"]
    if args.eval_frequency:
        cmd += ["--training.eval_frequency", str(args.eval_frequency)]
    return Training(cmd, work / "spacy-train.log", args.minutes, args.threads), out / "model-best"


def has_xpos(path: Path) -> bool:
    """Whether a CoNLL-U file fills the XPOS of most of its words."""
    with open(path, encoding="utf8") as file:
        xpos = [c[4] for c in (line.split("\t") for line in file if line[:1].isdigit()) if len(c) == 10]
    return sum(x != "_" for x in xpos) > len(xpos) / 2


class SpacyAsLexloom:
    """spaCy's pipeline behind lexloom's `pipe`: spaCy annotates, its Docs are copied into lexloom
    Docs (one word per token; "ROOT" as "root"). Without `tags` its tags are left out:
    `spacy convert` fills an empty XPOS with the UPOS, so for a treebank without XPOS (GSD)
    spaCy's tags are UPOS, not an XPOS to score."""

    def __init__(self, path: Path, tags: bool):
        import spacy

        from lexloom.tokens import Vocab

        self.nlp = spacy.load(path)
        self.vocab = Vocab(self.nlp.lang)
        self.tags = tags

    def pipe(self, texts, batch_size: int = 64):
        from lexloom.tokens import Doc

        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield Doc(
                self.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc],
                tags=[t.tag_ if self.tags else None for t in doc], pos=[t.pos_ for t in doc], morphs=[str(t.morph) for t in doc],
                lemmas=[t.lemma_ for t in doc], heads=[t.head.i for t in doc],
                deps=["root" if t.dep_ == "ROOT" else t.dep_ for t in doc], sent_starts=[t.is_sent_start for t in doc],
            )


def score_raw(nlp, gold: Path, system: Path, threads: int) -> dict:
    """Raw-text scores of `nlp` (lexloom, or spaCy behind `SpacyAsLexloom`); its speed is
    timed by `raw_speeds`."""
    from lexloom.raw_text import evaluate_raw_text

    if threads:
        import torch

        torch.set_num_threads(threads)
    return evaluate_raw_text(nlp, gold, system_path=system)


def raw_speeds(systems: dict, gold: Path, outputs: dict) -> dict:
    """Each system's words (in the CoNLL-U it wrote to `outputs[name]`) over the best of three
    `nlp.pipe` runs on the raw texts alone (spaCy's own pipe, without the copying into
    lexloom Docs), the systems timed in alternation, after the scored runs as a warm-up."""
    from lexloom.raw_text import raw_texts
    from lexloom.scoring.conll18 import read_treebank

    texts = raw_texts(read_treebank(gold))
    pipes = {name: nlp.nlp.pipe if isinstance(nlp, SpacyAsLexloom) else nlp.pipe for name, nlp in systems.items()}
    timed = alternating_best_seconds({name: (lambda given, pipe=pipe: pipe(given, batch_size=64), lambda: texts) for name, pipe in pipes.items()})
    speeds = {}
    for name, (seconds, _) in timed.items():
        lines = outputs[name].read_text(encoding="utf8").splitlines()
        speeds[name] = sum(1 for line in lines if line[:1].isdigit() and "-" not in line.split("\t")[0]) / seconds
    return speeds


def score_gold_words(work: Path, gold: Path, our_best: Path, their_best: Path, threads: int) -> dict:
    """Both models on the gold file's words (10-sentence documents, their paragraph starts,
    predicted sentences); speed
    as words over the best of seven `nlp.pipe` rounds that alternate the systems, and each
    round's ratio (`gold_word_speeds`)."""
    our_corpus = work / "lexloom-corpus" / (gold.stem + ".lexloom")
    ours = evaluate_lexloom(our_best, our_corpus, threads, repeats=1)  # timed below, beside spaCy
    corpus = work / "spacy-corpus" / (gold.stem + ".spacy")
    metrics = work / "spacy-gold-words.json"
    subprocess.run([sys.executable, "-m", "spacy", "evaluate", str(their_best), str(corpus), "--output", str(metrics)],
                   check=True, capture_output=True, env=thread_env(threads))
    theirs = json.loads(metrics.read_text())
    theirs.update(reading_scores(our_best, our_corpus, their_best, corpus, ("paragraphs",))["paragraphs"]["spacy"])  # the parse from the same input
    ours["speed"], theirs["speed"], ratios = gold_word_speeds(our_best, our_corpus, their_best, corpus)
    keys = ("pos_acc", "tag_acc", "morph_acc", "lemma_acc", "dep_uas", "dep_las", "speed")
    return {"lexloom": {k: ours.get(k) for k in keys}, "spacy": {k: theirs.get(k) for k in keys}, "speed_ratios": ratios}


def run_treebank(key: str, args) -> dict:
    import lexloom

    tb = TREEBANKS[key]
    work = args.work / key
    work.mkdir(parents=True, exist_ok=True)
    train = first_sentences(args.data / tb.folder / tb.train, work / tb.train, args.limit)
    gold = first_sentences(args.data / tb.folder / tb.gold, work / tb.gold, args.eval_limit)
    ours, our_best = lexloom_training(tb, train, gold, work, args)
    theirs, their_best = spacy_training(tb, train, gold, work, args)
    if args.rescore:  # the models trained by an earlier run in WORK, and its training figures
        trained = json.loads((args.work / "results.json").read_text())[key]
        our_wall, our_rss = trained["lexloom"]["train_wall"], trained["lexloom"]["rss_mb"]
        their_wall, their_rss = trained["spacy"]["train_wall"], trained["spacy"]["rss_mb"]
    elif args.concurrent:
        ours.start(), theirs.start()
        our_wall, our_rss = ours.wait(stop=False)
        their_wall, their_rss = theirs.wait(stop=True)
    else:
        our_wall, our_rss = ours.start().wait(stop=False)
        their_wall, their_rss = theirs.start().wait(stop=True)
    if not their_best.exists():
        sys.exit(f"spaCy saved no model-best in {args.minutes} minutes: lower --eval-frequency (see {work / 'spacy-train.log'})")
    systems = {"lexloom": lexloom.load(our_best), "spacy": SpacyAsLexloom(their_best, has_xpos(train))}
    outputs = {name: work / f"{name}.conllu" for name in systems}
    scores = {name: score_raw(nlp, gold, outputs[name], args.threads) for name, nlp in systems.items()}
    for name, speed in raw_speeds(systems, gold, outputs).items():
        scores[name]["raw_speed"] = speed
    results = {
        "treebank": tb.name, "train": str(train), "gold": str(gold), "lexloom_tokenizer": args.tokenizer,
        "lexloom": {"scores": scores["lexloom"], "train_wall": our_wall, "rss_mb": our_rss},
        "spacy": {"scores": scores["spacy"], "train_wall": their_wall, "rss_mb": their_rss},
        "commands": {"lexloom": ours.cmd, "spacy": theirs.cmd},
    }
    if args.gold_words:
        results["gold_words"] = score_gold_words(work, gold, our_best, their_best, args.threads)
    return results


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{results['treebank']}, scored from raw text (CoNLL 2018 F1), {os.cpu_count()} CPU cores, "
                        f"lexloom's tokenizer: {results['lexloom_tokenizer']}")
    for column, justify in (("metric", "left"), ("lexloom", "right"), ("spaCy 3.8", "right"), ("lexloom − spaCy", "right")):
        table.add_column(column, justify=justify)
    ours, theirs = results["lexloom"], results["spacy"]
    for name, key in METRICS:
        a, b = 100 * ours["scores"]["raw_" + key], 100 * theirs["scores"]["raw_" + key]
        table.add_row(name, f"{a:.2f}", f"{b:.2f}", f"{a - b:+.2f}")
    a, b = ours["scores"]["raw_speed"], theirs["scores"]["raw_speed"]
    table.add_row("raw words/s (nlp.pipe)", f"{a:,.0f}", f"{b:,.0f}", f"x{a / b:.2f}")
    table.add_row("training wall time (s)", f"{ours['train_wall']:,.0f}", f"{theirs['train_wall']:,.0f}", "")
    table.add_row("peak training RSS (MB)", f"{ours['rss_mb']:,.0f}", f"{theirs['rss_mb']:,.0f}", "")
    Console().print(table)
    if "gold_words" not in results:
        return
    table = Table(title=f"{results['treebank']}, gold words (10-sentence documents, their paragraph starts, predicted sentences)")
    for column, justify in (("metric", "left"), ("lexloom", "right"), ("spaCy 3.8", "right"), ("lexloom − spaCy", "right")):
        table.add_column(column, justify=justify)
    ours, theirs = results["gold_words"]["lexloom"], results["gold_words"]["spacy"]
    for name, key in GOLD_WORD_METRICS:
        if ours[key] is not None and theirs[key] is not None:
            a, b = 100 * ours[key], 100 * theirs[key]
            table.add_row(name, f"{a:.2f}", f"{b:.2f}", f"{a - b:+.2f}")
    table.add_row("words/s (nlp.pipe)", f"{ours['speed']:,.0f}", f"{theirs['speed']:,.0f}", f"x{ours['speed'] / theirs['speed']:.2f}")
    Console().print(table)
    if "speed_ratios" in results["gold_words"]:  # results.json of runs before it lack it
        print(f"gold-word words/s, lexloom over spaCy in each round: {ratio_spread(results['gold_words']['speed_ratios'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--treebanks", nargs="+", choices=sorted(TREEBANKS), default=sorted(TREEBANKS))
    ap.add_argument("--minutes", type=float, default=30.0, help="training time of each system")
    ap.add_argument("--tokenizer", choices=["learned", "rules"], default="learned",
                    help="lexloom's raw text -> words: the learned segmenter and mwt expander of configs/ud.cfg, or the rule-based tokenizer")
    ap.add_argument("--concurrent", action="store_true", help="train both systems at the same time (one core each with --threads 1)")
    ap.add_argument("--threads", type=int, default=0, help="threads per system (0: each library's default)")
    ap.add_argument("--train-threads", type=int, default=0,
                    help="lexloom's training threads, if not --threads (configs/ud.cfg is sized for 2 cores)")
    ap.add_argument("--config", default="configs/ud.cfg", help="the lexloom config to train")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N sentences only (0: all)")
    ap.add_argument("--eval-limit", type=int, default=0, help="score the first N gold sentences only (0: all)")
    ap.add_argument("--eval-frequency", type=int, default=0, help="steps between dev evaluations for both (0: each config's own)")
    ap.add_argument("--rescore", action="store_true",
                    help="score the models an earlier run trained in --work again (its results.json gives the training figures)")
    ap.add_argument("--gold-words", action=argparse.BooleanOptionalAction, default=True,
                    help="also score both models on the gold file's words (as benchmarks/ud_ewt.py does)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding UD_English-EWT/ and UD_Spanish-GSD/")
    ap.add_argument("--work", type=Path, default=None, help="keep outputs here (default: a temp dir)")
    args = ap.parse_args()
    limit_threads(args.threads)
    args.work = args.work or Path(tempfile.mkdtemp(prefix="raw-text-bench-"))
    args.data = args.data.resolve()
    if args.rescore and not (args.work / "results.json").exists():
        sys.exit(f"--rescore: no results.json of an earlier run in {args.work}")
    all_results = {}
    for key in args.treebanks:
        all_results[key] = run_treebank(key, args)
        print_table(all_results[key])
    all_results["args"] = {k: str(v) for k, v in vars(args).items()}
    (args.work / "results.json").write_text(json.dumps(all_results, indent=2) + "\n")
    print(f"outputs in {args.work}")


if __name__ == "__main__":
    main()
