"""Maximum-spanning-tree decoding speed: `decode_batch` on EWT-like sentence lengths.

Two cases: random scores (every sentence goes through Chu-Liu-Edmonds, the fallback) and
confident scores whose per-token best heads already form a tree (the fast path). Prints a
markdown table of words/s, median of --repeats runs, on one thread.

Usage: .venv/bin/python benchmarks/mst_decode.py [--sentences 512] [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from lexloom.convert import read_conllu
from lexloom.models.mst import decode_batch
from lexloom.tokens import Vocab

EWT_SLICE = Path(__file__).resolve().parent.parent / "tests" / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(3)
    sentence_lengths = np.array([len(sent) for doc in read_conllu(EWT_SLICE, Vocab()) for sent in doc.sents])
    lengths = rng.choice(sentence_lengths, size=args.sentences)
    size = lengths.max() + 1
    random_scores = np.log(rng.dirichlet(np.ones(size), size=(len(lengths), size)))
    confident_scores = random_scores.copy()
    for b, n in enumerate(lengths):
        confident_scores[b, np.arange(1, n + 1), np.arange(n)] += 10.0
    print(f"{args.sentences} sentences, {int(lengths.sum()):,} words, median of {args.repeats}\n")
    print("| scores | words/s |\n|---|---|")
    for name, scores in (("random (Chu-Liu-Edmonds for every sentence)", random_scores), ("confident (fast path)", confident_scores)):
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            decode_batch(scores, lengths)
            seconds.append(time.perf_counter() - start)
        print(f"| {name} | {lengths.sum() / statistics.median(seconds):,.0f} |")


if __name__ == "__main__":
    main()
