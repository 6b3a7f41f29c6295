"""`tagger`: one label per token, XPOS (`attr = "tag"`, the default) or UPOS (`attr = "pos"`).
Also the base of other per-token classifiers."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from ..scoring import score_token_attr
from ..tokens import Doc, Example
from ..files import atomic_write_text
from .base import ModelSpec, TrainablePipe, default_tok2vec
from .batch import Batch
from .factories import factory


class Tagger(TrainablePipe):
    """Predicts the string annotation `attr` ("tag") of every token with a softmax.

    An optional tag map (spaCy v2's) gives a tag its UPOS and morphological features:
    `tagger.add_label("NNS", {"pos": "NOUN", "Number": "Plur"})`. Tokens the tagger tags
    NNS then also get `pos_` "NOUN" and `morph` "Number=Plur". Saved as tag_map.json.

    A tagger with `attr = "pos"` predicts UPOS alone. After a morphologizer it replaces the
    UPOS of its joint UPOS+FEATS label, as UDPipe 2 predicts UPOS, XPOS and FEATS apart.
    """

    attr = "tag"
    attrs = ("tag", "pos")

    def __init__(self, nlp, name: str, model: ModelSpec, label_smoothing: float = 0.0, **cfg: Any):
        super().__init__(nlp, name, model, label_smoothing=label_smoothing, **cfg)
        if "attr" in cfg:
            if cfg["attr"] not in self.attrs:
                raise ValueError(f"{name}: attr is one of {', '.join(map(repr, self.attrs))}, not {cfg['attr']!r}")
            self.attr = cfg["attr"]
        self._index: dict[str, int] = {}
        self.tag_map: dict[str, dict[str, str]] = {}

    def add_label(self, label: str | int, values: dict[str, str] | None = None) -> int:
        """Add a label; `values` is its tag map entry ({"pos": "NOUN", "Number": "Sing", ...})."""
        added = super().add_label(label)
        if values is not None:
            if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
                raise ValueError(f"{self.name}: a tag map entry is a dict of strings like {{'pos': 'NOUN'}}, not {values!r}")
            self.tag_map[self.nlp.vocab.strings.as_string(label)] = dict(values)
        return added

    # --- what the gold says, per predicted token ------------------------------------------
    def gold_strings(self, example: Example) -> list[str | None]:
        ids = example.get_aligned(self.attr)
        strings = example.reference.vocab.strings
        return [strings[int(i)] if i > 0 else None for i in ids]

    def labels_from(self, examples: Iterable[Example]) -> list[str]:
        counts: Counter[str] = Counter()
        for eg in examples:
            counts.update(s for s in self.gold_strings(eg) if s)
        return sorted(counts)

    def _label_index(self) -> dict[str, int]:
        if len(self._index) != len(self._labels):
            self._index = {label: i for i, label in enumerate(self._labels)}
        return self._index

    def gold_ids(self, examples: Sequence[Example]) -> list[np.ndarray]:
        index = self._label_index()
        return [np.array([index.get(s, -1) if s else -1 for s in self.gold_strings(eg)], dtype=np.int64) for eg in examples]

    # --- verbs ------------------------------------------------------------------------------
    def _grow_output(self, n_labels: int) -> None:
        self.model.head.grow(n_labels)

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.model.head(self.tokvecs(batch, flat=True))

    def get_loss(self, examples: Sequence[Example], batch: Batch, logits: torch.Tensor) -> torch.Tensor:
        gold = batch.flat_targets(self.gold_ids(examples))
        if not (gold >= 0).any():
            return logits.sum() * 0.0
        return F.cross_entropy(logits, gold, ignore_index=-1, label_smoothing=self.cfg["label_smoothing"])

    def predict(self, batch: Batch) -> np.ndarray:
        with torch.no_grad():
            return self.forward(batch).argmax(dim=-1).cpu().numpy()

    def set_annotations(self, docs: Sequence[Doc], label_ids: np.ndarray) -> None:
        if not len(docs):
            return
        add = docs[0].vocab.strings.add
        table = np.array([add(label) for label in self._labels] or [0], dtype=np.int32)
        values = table[label_ids] if len(label_ids) else np.zeros(0, np.int32)
        offset = 0
        for doc in docs:
            getattr(doc, "_" + self.attr)[:] = values[offset : offset + len(doc)]
            offset += len(doc)
        if self.tag_map and len(label_ids):
            self._apply_tag_map(docs, label_ids)

    def _apply_tag_map(self, docs: Sequence[Doc], label_ids: np.ndarray) -> None:
        """Each tagged token's UPOS and features from the tag map (0: the map says nothing)."""
        add = docs[0].vocab.strings.add
        entries = [self.tag_map.get(label, {}) for label in self._labels]
        pos = np.array([add(e.get("pos") or e.get("POS") or "") for e in entries], dtype=np.int32)[label_ids]
        morph = np.array(
            [add("|".join(f"{k}={v}" for k, v in sorted(e.items()) if k not in ("pos", "POS"))) for e in entries], dtype=np.int32
        )[label_ids]
        offset = 0
        for doc in docs:
            n = len(doc)
            for column, table in ((doc._pos, pos), (doc._morph, morph)):
                given = table[offset : offset + n]
                column[:] = np.where(given > 0, given, column)
            offset += n

    def save_extra(self, path: Path) -> None:
        if self.tag_map:
            atomic_write_text(path / "tag_map.json", json.dumps(self.tag_map, ensure_ascii=False, indent=1, sort_keys=True))

    def load_extra(self, path: Path) -> None:
        if (path / "tag_map.json").exists():
            self.tag_map = json.loads((path / "tag_map.json").read_text(encoding="utf8"))

    def score(self, examples: Sequence[Example]) -> dict:
        """`{attr}_acc` (`tag_acc`)."""
        return score_token_attr(examples, self.attr)

    def default_score_weights(self) -> dict[str, float | None]:
        """The factory's weights, with `tag_acc` read as `pos_acc` for a UPOS tagger."""
        own = f"{type(self).attr}_acc"
        return {(f"{self.attr}_acc" if key == own else key): w for key, w in super().default_score_weights().items()}

    def assigns(self) -> tuple[str, ...]:
        """The factory's, with "token.tag" read as "token.pos" for a UPOS tagger."""
        own = f"token.{type(self).attr}"
        return tuple(f"token.{self.attr}" if a == own else a for a in super().assigns())


DEFAULT_CONFIG = {"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": default_tok2vec()}}


@factory("tagger", DEFAULT_CONFIG, assigns=["token.tag"], default_score_weights={"tag_acc": 1.0}, listens=True, grows_labels=True)
def make_tagger(nlp, name: str, model: ModelSpec, label_smoothing: float = 0.0, attr: str = "tag") -> Tagger:
    """`attr`: the annotation it predicts, "tag" (XPOS) or "pos" (UPOS)."""
    return Tagger(nlp, name, model, label_smoothing=label_smoothing, attr=attr)
