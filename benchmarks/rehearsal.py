"""Rehearsal at full scale: add GADGET to a NER trained on all of UNER English-EWT.

    .venv/bin/python benchmarks/rehearsal.py --base training/ner/model-best [--steps 40] [--ratio 8]

The base model (PER/ORG/LOC, e.g. from `benchmarks/ner_uner.py --work DIR`, or trained here
with configs/ner.cfg when --base is not given) is updated through `lexloom train` on the
GADGET data of tests/data/gadgets (texts marked by the Matcher with `lexloom annotate`),
once without and once with rehearsal on the UNER train texts, and the old labels' micro F1
on the whole UNER dev set is printed for the three models. The issue's requirement: the
drop with rehearsal is below 2 points.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "UNER_English-EWT"
GADGETS = ROOT / "tests" / "data" / "gadgets"
OLD = ("PER", "ORG", "LOC")


def lexloom(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "lexloom", *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"lexloom {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def update_config(base: Path, out: Path, steps: int, ratio: float, raw: Path) -> Path:
    """configs/ner.cfg with tok2vec and ner sourced from `base`, rehearsing on `raw`."""
    from lexloom.config import load_config

    cfg = load_config(ROOT / "configs" / "ner.cfg")
    cfg["components"] = {"tok2vec": {"source": str(base)}, "ner": {"source": str(base)}}
    cfg["corpora"]["raw"] = {"@readers": "lexloom.Corpus.v1", "path": str(raw)}
    cfg["training"].update({"max_steps": steps, "max_minutes": 0, "eval_frequency": steps, "patience": 0, "rehearse_ratio": ratio})
    cfg["training"]["optimizer"]["learn_rate"] = {"@schedules": "warmup_linear.v1", "initial_rate": 0.001, "warmup_steps": max(steps // 4, 1), "total_steps": steps}
    cfg["training"]["logger"]["progress_bar"] = False
    out.write_text(cfg.to_str(interpolate=False))
    return out


def old_label_f1(model: Path, dev: Path) -> dict[str, float]:
    """Micro F1 over the old labels' spans of `dev`, and each old label's F1."""
    import lexloom as ll
    from lexloom.scoring.spans import score_spans
    from lexloom.tokens import Doc, Example, read_docbin

    nlp = ll.load(model)
    refs = list(read_docbin(dev, nlp.vocab))
    docs = nlp.pipe([Doc(nlp.vocab, words=r.words, spaces=r.spaces) for r in refs])
    scores = score_spans([Example(d, r) for d, r in zip(docs, refs)], labels=OLD)
    return {"micro": 100 * scores["ents_f"], **{label: 100 * scores["ents_per_type"].get(label, {}).get("f", 0.0) for label in OLD}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=Path, help="a trained PER/ORG/LOC pipeline (default: train configs/ner.cfg here)")
    ap.add_argument("--steps", type=int, default=40, help="update steps on the GADGET data")
    ap.add_argument("--ratio", type=float, default=8.0, help="rehearse_ratio: rehearsal words per new-data word")
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rehearsal-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    for split in ("train", "dev"):
        lexloom("convert", str(DATA / f"en_ewt-ud-{split}.iob2"), str(corpus))
    train, dev = corpus / "en_ewt-ud-train.lexloom", corpus / "en_ewt-ud-dev.lexloom"
    gadgets = work / "gadgets.lexloom"
    lexloom("annotate", str(GADGETS / "patterns.jsonl"), str(GADGETS / "texts.jsonl"), str(gadgets))
    base = args.base
    if base is None:
        lexloom("train", "configs/ner.cfg", "--output", str(work / "base"), "--paths.train", str(train), "--paths.dev", str(dev),
                "--training.logger.progress_bar", "false")
        base = work / "base" / "model-best"
    rows = {"base": old_label_f1(base, dev)}
    for name, ratio in (("without rehearsal", 0.0), ("with rehearsal", args.ratio)):
        cfg = update_config(base.resolve(), work / f"update-{ratio}.cfg", args.steps, ratio, train)
        out = work / f"update-{ratio}"
        lexloom("train", str(cfg), "--output", str(out), "--paths.train", str(gadgets), "--paths.dev", str(dev))
        rows[name] = old_label_f1(out / "model-last", dev)

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Old labels on UNER EWT dev after {args.steps} GADGET update steps (rehearse_ratio {args.ratio})")
    for column in ("model", "PER/ORG/LOC micro F1", "drop", "PER F1", "ORG F1", "LOC F1"):
        table.add_column(column, justify="right" if column != "model" else "left")
    for name, f in rows.items():
        table.add_row(name, f"{f['micro']:.2f}", f"{rows['base']['micro'] - f['micro']:.2f}", *(f"{f[label]:.2f}" for label in OLD))
    Console().print(table)
    print(json.dumps({k: round(v["micro"], 2) for k, v in rows.items()}))


if __name__ == "__main__":
    main()
