"""Throughput of data-parallel training: 1 process vs N processes on this machine's CPU.

    python benchmarks/distributed.py [--nproc 2] [--steps 150] [--threads-total 2]

Trains configs/ud.cfg on UD English-EWT train for a fixed number of steps, once in one
process with all the threads and once in N processes splitting them, and prints the
training words/s (all ranks together), wall time and dev LAS.
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
DATA = ROOT.parent / "shared" / "data" / "UD_English-EWT"


def train(corpus: Path, out: Path, nproc: int, threads: int, steps: int) -> dict:
    cmd = [
        sys.executable, "-m", "lexloom", "train", "configs/ud.cfg", "--output", str(out), "--nproc", str(nproc),
        "--paths.train", str(corpus / "en_ewt-ud-train.lexloom"), "--paths.dev", str(corpus / "en_ewt-ud-dev.lexloom"),
        "--training.max_steps", str(steps), "--training.eval_frequency", str(steps), "--training.max_minutes", "0",
        "--training.logger.progress_bar", "false", "--system.threads", str(threads),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - start
    last = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
    # rank 0 counts its own words; every rank trains on a batch of the same size per step
    words = last["words"] * nproc
    return {"wall": wall, "train_seconds": last["seconds"], "wps": words / last["seconds"], "las": last["scores"]["dep_las"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--threads-total", type=int, default=2)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ddp-bench-"))
    corpus = work / "corpus"
    for split in ("train", "dev"):
        subprocess.run([sys.executable, "-m", "lexloom", "convert", str(args.data / f"en_ewt-ud-{split}.conllu"), str(corpus), "--n-sents", "10"],
                       check=True, capture_output=True, cwd=ROOT)
    one = train(corpus, work / "one", 1, args.threads_total, args.steps)
    many = train(corpus, work / "many", args.nproc, max(1, args.threads_total // args.nproc), args.steps)
    print(f"{'processes':>10} {'threads each':>13} {'train words/s':>14} {'wall s':>8} {'dev LAS':>8}")
    print(f"{1:>10} {args.threads_total:>13} {one['wps']:>14,.0f} {one['wall']:>8.1f} {100 * one['las']:>8.2f}")
    print(f"{args.nproc:>10} {max(1, args.threads_total // args.nproc):>13} {many['wps']:>14,.0f} {many['wall']:>8.1f} {100 * many['las']:>8.2f}")
    print(f"speed-up x{many['wps'] / one['wps']:.2f} ({args.steps} steps each; {args.nproc} processes see {args.nproc}x the words per step)")


if __name__ == "__main__":
    main()
