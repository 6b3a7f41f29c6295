"""Multi-word tokens never seen: how well the `mwt` expander's ending model judges them.

    python benchmarks/mwt_endings.py --data ../shared/data

Two-fold cross-validation on a training file, as the model's L2 was chosen: the expander
is initialized on every other document (10-sentence documents, as the workflow converts),
then judges each token of the remaining documents whose lowercased form the first half
never showed: a multi-word token it calls one is a hit, one it calls a word is missed, a
word it calls multi-word is split. Printed per file and L2: hits, split, missed, errors.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FILES = {"GSD dev": ("UD_Spanish-GSD/es_gsd-ud-dev.conllu", "es"), "EWT train": ("UD_English-EWT/en_ewt-ud-train.conllu", "en")}


def surface_tokens(docs) -> list[tuple[str, bool]]:
    """(form, is multi-word) of each surface token of the docs."""
    from lexloom.pipeline.mwt import multiword_pairs

    out = []
    for ref in docs:
        inside = np.zeros(len(ref), dtype=bool)
        for start, end, _ in ref.multiword_tokens():
            inside[start:end] = True
        out += [(w, False) for w, i in zip(ref.words, inside) if not i and not w.isspace()]
        out += [(form, True) for form, _ in multiword_pairs(ref)]
    return out


def cross_validate(path: Path, lang: str, l2s: list[float]) -> dict[float, Counter]:
    import lexloom
    from lexloom.convert.conllu import read_conllu
    from lexloom.tokens import Example

    nlp = lexloom.blank(lang)
    docs = list(read_conllu(path, nlp.vocab, n_sents=10))
    results: dict[float, Counter] = {l2: Counter() for l2 in l2s}
    for fold in range(2):
        train = [d for i, d in enumerate(docs) if i % 2 != fold]
        held_out = [d for i, d in enumerate(docs) if i % 2 == fold]
        mwt = nlp.add_pipe("mwt", name=f"mwt_{fold}")
        mwt.initialize(lambda: [Example(d, d) for d in train])
        unseen = [(form, multiword) for form, multiword in surface_tokens(held_out) if form.lower() not in mwt.counts["lower"]]
        for l2 in l2s:
            mwt.fit_endings(l2=l2)
            for form, multiword in unseen:
                said = mwt.is_multiword(form)
                results[l2]["hit" if multiword and said else "missed" if multiword else "split" if said else "word"] += 1
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--l2", default="1e-4,1e-5,1e-6,0", help="comma-separated L2 penalties to compare")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    l2s = [float(x) for x in args.l2.split(",")]
    print(f"{'file':10} {'L2':>7} {'hits':>5} {'split':>6} {'missed':>7} {'errors':>7}")
    for name, (relative, lang) in FILES.items():
        for l2, c in cross_validate(args.data / relative, lang, l2s).items():
            print(f"{name:10} {l2:7.0e} {c['hit']:5d} {c['split']:6d} {c['missed']:7d} {c['split'] + c['missed']:7d}")


if __name__ == "__main__":
    main()
