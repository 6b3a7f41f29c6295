"""Effect of pretraining on low data: NER on 10% of UNER train, with and without a tok2vec
pretrained on the raw text of all of UD English-EWT train.

    python benchmarks/pretrain_low_data.py [--fraction 0.1] [--pretrain-epochs 2] [--train-minutes 4]

Pretrains the tok2vec of configs/ner.cfg with `lexloom pretrain` (the characters
objective), then trains configs/ner.cfg twice on the same 10% slice, the second time
from the pretrained weights (`--paths.init_tok2vec`), and scores both on UNER dev.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def lexloom(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "lexloom", *args], check=True, cwd=ROOT, capture_output=True)


def best_scores(out: Path) -> dict:
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    return max(records, key=lambda r: r["score"])["scores"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fraction", type=float, default=0.1)
    ap.add_argument("--pretrain-epochs", type=int, default=2)
    ap.add_argument("--train-minutes", type=float, default=4.0)
    ap.add_argument("--data", type=Path, default=SHARED)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pretrain-bench-"))

    from lexloom.config import load_config
    from lexloom.config.init import fill_config
    from lexloom.convert import convert
    from lexloom.tokens import Vocab, read_docbin, write_docbin

    # the NER config, completed with the [pretraining] defaults
    cfg = fill_config(load_config(ROOT / "configs" / "ner.cfg"))
    cfg["pretraining"]["max_epochs"] = args.pretrain_epochs
    cfg_path = work / "ner.cfg"
    cfg_path.write_text(cfg.to_str(interpolate=False))

    (train,) = convert(args.data / "UNER_English-EWT" / "en_ewt-ud-train.iob2", work / "full", n_sents=10)
    (dev,) = convert(args.data / "UNER_English-EWT" / "en_ewt-ud-dev.iob2", work / "dev", n_sents=10)
    docs = list(read_docbin(train, Vocab("en")))
    step = round(1 / args.fraction)
    small = write_docbin(work / "train-small.lexloom", docs[::step])
    raw = work / "ewt.jsonl"
    subprocess.run([sys.executable, "scripts/conllu_raw_text.py", str(args.data / "UD_English-EWT" / "en_ewt-ud-train.conllu"), str(raw)],
                   check=True, cwd=ROOT, capture_output=True)
    lexloom("pretrain", str(cfg_path), str(work / "pretrain"), "--paths.raw_text", str(raw))

    common = ["--paths.train", str(small), "--paths.dev", str(dev), "--training.max_minutes", str(args.train_minutes),
              "--training.eval_frequency", "100", "--training.logger.progress_bar", "false"]
    lexloom("train", str(cfg_path), "--output", str(work / "plain"), *common)
    lexloom("train", str(cfg_path), "--output", str(work / "pretrained"), *common,
            "--paths.init_tok2vec", str(work / "pretrain" / "model-last.safetensors"))
    plain, pretrained = best_scores(work / "plain"), best_scores(work / "pretrained")
    print(f"NER on {len(docs[::step])} of {len(docs)} UNER train docs ({args.fraction:.0%}), {args.train_minutes} min each; "
          f"tok2vec pretrained {args.pretrain_epochs} epochs on EWT train raw text")
    print(f"{'':>22} {'ents_p':>7} {'ents_r':>7} {'ents_f':>7}")
    for name, s in (("without pretraining", plain), ("with pretraining", pretrained)):
        print(f"{name:>22} {100 * s['ents_p']:>7.2f} {100 * s['ents_r']:>7.2f} {100 * s['ents_f']:>7.2f}")
    print(f"{'difference':>22} {'':>7} {'':>7} {100 * (pretrained['ents_f'] - plain['ents_f']):>+7.2f}")
    print(f"outputs in {work}")


if __name__ == "__main__":
    main()
