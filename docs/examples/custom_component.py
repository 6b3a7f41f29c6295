"""A trainable component of your own: is a token a noun?

`NounFlagger` learns, for every token, whether it is a noun (UPOS NOUN or PROPN in the
gold data) and stores its answer in a custom array, `doc.user_data["is_noun"]` (one bool
per token). It is scored on its own key, `is_noun_acc`.

    lexloom init config noun.cfg --pipeline noun_flagger --code custom_component.py
    lexloom train noun.cfg --output training/noun --code custom_component.py --paths.train ... --paths.dev ...
    lexloom evaluate training/noun/model-best dev.lexloom --code custom_component.py
    lexloom package training/noun/model-best packages --name nouns --version 0.1.0 --code custom_component.py
"""
from __future__ import annotations

import numpy as np
from torch.nn import functional as F

from lexloom.language import Language
from lexloom.pipeline import TrainablePipe, default_tok2vec

ATTR = "is_noun"
NOUNS = {"NOUN", "PROPN"}
LABELS = ["OTHER", "NOUN"]


class NounFlagger(TrainablePipe):
    """A token classifier over the shared tok2vec (or its own), built by `lexloom.Tagger.v1`."""

    def labels_from(self, examples):
        return list(LABELS)

    def gold_ids(self, example) -> np.ndarray:
        """Per predicted token: 1 for a gold noun, 0 for another word, -1 where the gold has no UPOS."""
        strings = example.reference.vocab.strings
        return np.array([(strings[int(p)] in NOUNS) if p > 0 else -1 for p in example.get_aligned("pos")], dtype=np.int64)

    def forward(self, batch):
        return self.model.head(self.tokvecs(batch)[batch.mask])

    def get_loss(self, examples, batch, logits):
        gold = batch.flat_targets([self.gold_ids(eg) for eg in examples])
        return F.cross_entropy(logits, gold, ignore_index=-1)

    def predict(self, batch):
        return self.forward(batch).argmax(dim=-1).cpu().numpy()

    def set_annotations(self, docs, label_ids):
        offset = 0
        for doc in docs:
            doc.user_data[ATTR] = [bool(i) for i in label_ids[offset : offset + len(doc)]]
            offset += len(doc)

    def score(self, examples):
        """`is_noun_acc`: the share of gold-annotated tokens flagged right."""
        correct = total = 0
        for eg in examples:
            gold = self.gold_ids(eg)
            guess = np.array(eg.predicted.user_data.get(ATTR, [False] * len(eg.predicted)), dtype=np.int64)
            known = gold >= 0
            correct += int((gold[known] == guess[known]).sum())
            total += int(known.sum())
        return {"is_noun_acc": correct / total if total else None}


@Language.factory(
    "noun_flagger",
    default_config={"model": {"@architectures": "lexloom.Tagger.v1", "tok2vec": default_tok2vec()}},
    assigns=["doc.user_data.is_noun"],
    requires=["token.pos"],
    default_score_weights={"is_noun_acc": 1.0},
    listens=True,
)
def make_noun_flagger(nlp, name, model):
    return NounFlagger(nlp, name, model)
