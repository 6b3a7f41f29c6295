"""Batchers (training/batchers.py) on real EWT documents."""
from __future__ import annotations

from pathlib import Path

from lexloom.convert import read_docs
from lexloom.training.batchers import minibatch_by_padded, minibatch_by_words

EWT_SLICE = Path(__file__).parent / "data" / "edit_trees" / "en_ewt-ud-train-first300.conllu"


def sentences() -> list:
    return list(read_docs(EWT_SLICE, format="conllu", n_sents=1))


def test_batch_by_padded_bounds_padded_size_and_keeps_every_item_once():
    docs = sentences()
    batches = list(minibatch_by_padded(docs, size=400, buffer=64))
    assert sorted(id(d) for b in batches for d in b) == sorted(id(d) for d in docs)
    for b in batches:
        assert len(b) * max(len(d) for d in b) <= 400 or len(b) == 1
    # Within a window the lengths ascend: padding is a fraction of what unsorted batches pay.
    def padding(bs):
        return sum(len(b) * max(len(d) for d in b) - sum(len(d) for d in b) for b in bs)

    assert padding(batches) < padding(list(minibatch_by_words(docs, size=350))) / 3


def test_batch_by_padded_keeps_window_order_and_discards_oversize_on_request():
    docs = sentences()
    long = max(len(d) for d in docs)
    batches = list(minibatch_by_padded(docs, size=long - 1, buffer=len(docs), discard_oversize=True))
    assert all(len(d) < long for b in batches for d in b)
    flat = [len(d) for b in batches for d in b]
    assert flat == sorted(flat)  # one window: one ascending run
    windows = list(minibatch_by_padded(docs, size=10_000, buffer=50))
    assert [d for b in windows for d in b][:50] == sorted(docs[:50], key=len)
