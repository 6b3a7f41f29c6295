"""Raw text to words: the learned segmenter and multi-word-token expander of `configs/ud.cfg`, alone.

    python benchmarks/segmenter.py --steps 2000 --threads 1 --data ../shared/data --work /tmp/segmenter-bench

For each treebank (`en_ewt`: EWT train -> dev; `es_gsd`: Spanish-GSD dev -> test, as
`benchmarks/raw_text.py` uses them) it trains the `segmenter` and `mwt` components of
`configs/ud.cfg` with `lexloom train` for `--steps` steps (the same optimizer, batches and
settings as in the full pipeline, where they learn in its first `max_updates` steps), then
reads the gold file's raw text (one document per paragraph, `lexloom.raw_text.raw_texts`)
and scores tokens, sentences and words with the CoNLL 2018 scorer. Speed is `nlp.make_docs`
on those texts, best of three, in characters and (gold) words per second.

`--senter` also measures the other way to find sentences: a `senter` over the pipeline's
BiLSTM tok2vec, trained in the same run, deciding the boundaries of the segmenter's tokens.

Results go to WORK/results.json; the table to stdout.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
TREEBANKS = {
    "en_ewt": ("en", "UD_English-EWT", "en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu"),
    "es_gsd": ("es", "UD_Spanish-GSD", "es_gsd-ud-dev.conllu", "es_gsd-ud-test.conllu"),
}
SENTER = {
    "factory": "senter",
    "model": {"@architectures": "lexloom.Tagger.v1", "hidden": 0, "dropout": 0.1,
              "tok2vec": {"@architectures": "lexloom.Tok2VecListener.v1", "width": 256, "upstream": "tok2vec"}},
}


def train(key: str, args, senter: bool) -> Path:
    lang, folder, train_file, gold_file = TREEBANKS[key]
    work = args.work / key
    corpus = work / "corpus"
    for name in (train_file, gold_file):
        if not (corpus / name.replace(".conllu", ".lexloom")).exists():
            subprocess.run([sys.executable, "-m", "lexloom", "convert", str(args.data / folder / name), str(corpus), "--n-sents", "10"],
                           check=True, capture_output=True, cwd=ROOT)
    from lexloom.config import load_config

    config = load_config(args.config)
    config["nlp"]["lang"] = lang
    config["nlp"]["pipeline"] = ["segmenter", "mwt"] + (["tok2vec", "senter"] if senter else [])
    for name in [n for n in config["components"] if n not in config["nlp"]["pipeline"]]:
        del config["components"][name]
    if senter:
        config["components"]["senter"] = SENTER
        # the tok2vec reads whole paragraphs: pieces cut at the segmenter's sentences would
        # hide from the senter the context across the boundaries it is to judge
        config["components"]["tok2vec"]["model"]["piece_length"] = 0
    config["components"]["segmenter"]["max_updates"] = 0
    config["system"]["seed"] = args.seed
    config["training"].update({"max_steps": args.steps, "max_minutes": 0, "patience": 0, "eval_frequency": args.steps})
    config["training"]["score_weights"] = {"segmenter_token_f": 0.5, "segmenter_sent_f": 0.5}
    config["training"]["logger"]["progress_bar"] = False
    cfg = work / ("senter.cfg" if senter else "segmenter.cfg")
    cfg.write_text(config.to_str(interpolate=False))
    out = work / ("senter" if senter else "segmenter")
    cmd = [sys.executable, "-m", "lexloom", "train", str(cfg), "--output", str(out), "--system.threads", str(args.threads),
           "--paths.train", str(corpus / train_file.replace(".conllu", ".lexloom")),
           "--paths.dev", str(corpus / gold_file.replace(".conllu", ".lexloom"))]
    started = time.perf_counter()
    log = work / f"{out.name}.log"
    with open(log, "w") as file:
        if subprocess.run(cmd, stdout=file, stderr=subprocess.STDOUT, cwd=ROOT).returncode:
            sys.exit(f"{' '.join(cmd)} failed; see {log}")
    print(f"{key}: trained {out.name} in {time.perf_counter() - started:.0f} s")
    return out / "model-last"


def score(model: Path, gold: Path, threads: int, disable: list[str]) -> dict:
    import torch

    import lexloom
    from lexloom.raw_text import evaluate_raw_text, raw_texts
    from lexloom.scoring.conll18 import read_treebank

    torch.set_num_threads(threads)
    nlp = lexloom.load(model, disable=disable)
    scores = evaluate_raw_text(nlp, gold)
    treebank = read_treebank(gold)
    texts = raw_texts(treebank)
    seconds = min(_timed(nlp, texts) for _ in range(3))
    return {
        "tokens_f": scores["raw_tokens_f"], "sents_f": scores["raw_sents_f"], "sents_p": scores["raw_sents_p"],
        "sents_r": scores["raw_sents_r"], "words_f": scores["raw_words_f"],
        "chars_per_s": sum(map(len, texts)) / seconds, "words_per_s": len(treebank.words) / seconds,
    }


def _timed(nlp, texts) -> float:
    start = time.perf_counter()
    nlp.make_docs(texts)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--treebanks", nargs="+", choices=sorted(TREEBANKS), default=sorted(TREEBANKS))
    ap.add_argument("--steps", type=int, default=2000, help="training steps (the segmenter's max_updates in configs/ud.cfg)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "ud.cfg", help="its segmenter and mwt are trained")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--senter", action="store_true", help="also train a senter over the tok2vec and compare its sentences")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    args.work = (args.work or Path(tempfile.mkdtemp(prefix="segmenter-bench-"))).resolve()
    args.data = args.data.resolve()
    results = {}
    for key in args.treebanks:
        gold = args.data / TREEBANKS[key][1] / TREEBANKS[key][3]
        model = train(key, args, senter=False)
        results[key] = {"segmenter": score(model, gold, args.threads, [])}
        if args.senter:
            both = train(key, args, senter=True)
            results[key]["segmenter (senter run)"] = score(both, gold, args.threads, ["senter"])
            results[key]["senter over tok2vec"] = score(both, gold, args.threads, [])
    results["args"] = {k: str(v) for k, v in vars(args).items()}
    (args.work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'treebank':8} {'sentences from':24} {'Tokens':>7} {'Sents':>7} {'(P':>7} {'R)':>7} {'Words':>7} {'chars/s':>9} {'words/s':>8}")
    for key in args.treebanks:
        for name, s in results[key].items():
            print(f"{key:8} {name:24} {100 * s['tokens_f']:7.2f} {100 * s['sents_f']:7.2f} {100 * s['sents_p']:7.2f} "
                  f"{100 * s['sents_r']:7.2f} {100 * s['words_f']:7.2f} {s['chars_per_s']:9,.0f} {s['words_per_s']:8,.0f}")
    print(f"outputs in {args.work}")


if __name__ == "__main__":
    main()
