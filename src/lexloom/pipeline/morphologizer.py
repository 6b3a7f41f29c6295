"""`morphologizer`: UPOS and UD FEATS together, as one label per token ("POS=NOUN|Number=Sing")."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..scoring import score_token_attr
from ..tokens import Doc, Example
from .base import ModelSpec, default_tok2vec
from .factories import factory
from .tagger import Tagger

POS_FIELD = "POS"


def join_label(pos: str, morph: str) -> str:
    parts = [f"{POS_FIELD}={pos}"] if pos else []
    if morph and morph != "_":
        parts.append(morph)
    return "|".join(parts)


def split_label(label: str) -> tuple[str, str]:
    pos, feats = "", []
    for part in label.split("|"):
        if part.startswith(POS_FIELD + "="):
            pos = part[len(POS_FIELD) + 1 :]
        elif part:
            feats.append(part)
    return pos, "|".join(feats)


class Morphologizer(Tagger):
    def gold_strings(self, example: Example) -> list[str | None]:
        pos = example.get_aligned("pos")
        morph = example.get_aligned("morph")
        strings = example.reference.vocab.strings
        out: list[str | None] = []
        for p, m in zip(pos.tolist(), morph.tolist()):
            if p <= 0:
                out.append(None)
            else:
                out.append(join_label(strings[p], strings[m] if m > 0 else ""))
        return out

    def set_annotations(self, docs: Sequence[Doc], label_ids: np.ndarray) -> None:
        if not len(docs):
            return
        add = docs[0].vocab.strings.add
        pairs = [split_label(label) for label in self._labels] or [("", "")]
        pos_table = np.array([add(p) for p, _ in pairs], dtype=np.int32)
        morph_table = np.array([add(m) if m else 0 for _, m in pairs], dtype=np.int32)
        offset = 0
        for doc in docs:
            ids = label_ids[offset : offset + len(doc)]
            doc._pos[:] = pos_table[ids]
            doc._morph[:] = morph_table[ids]
            offset += len(doc)

    def score(self, examples: Sequence[Example]) -> dict:
        """`pos_acc`, `morph_acc` and `morph_per_feat`."""
        examples = list(examples)
        return {**score_token_attr(examples, "pos"), **score_token_attr(examples, "morph")}


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": default_tok2vec()}}


@factory(
    "morphologizer", DEFAULT_CONFIG, assigns=["token.pos", "token.morph"], default_score_weights={"pos_acc": 0.5, "morph_acc": 0.5},
    listens=True, grows_labels=True,
)
def make_morphologizer(nlp, name: str, model: ModelSpec, label_smoothing: float = 0.0) -> Morphologizer:
    return Morphologizer(nlp, name, model, label_smoothing=label_smoothing)
