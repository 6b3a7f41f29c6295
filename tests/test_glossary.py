"""`lexloom.explain`, as `spacy.explain`: every label the bundled treebank and entity samples use has a meaning."""
from __future__ import annotations

from pathlib import Path

import lexloom
from lexloom.convert import read_docs
from lexloom.tokens import Vocab

DATA = Path(__file__).parent / "data"


def test_every_label_of_the_samples_is_explained():
    labels = set()
    for path, lang in ((DATA / "ud" / "en_ewt-ud-dev-150.conllu", "en"), (DATA / "tokenizer" / "es_gsd-ud-test-slice.conllu", "es"),
                       (DATA / "ner" / "en_ewt-ud-dev-100.iob2", "en")):
        for doc in read_docs(path, Vocab(lang)):
            labels |= {t.pos_ for t in doc} | {t.dep_ for t in doc} | {e.label_ for e in doc.ents}
            if lang == "en":
                labels |= {t.tag_ for t in doc}
    labels.discard("")
    assert len(labels) > 80
    assert [label for label in sorted(labels) if not lexloom.explain(label)] == []


def test_explain_reads_like_spacy():
    assert lexloom.explain("nsubj") == "nominal subject" and lexloom.explain("ROOT") == "root"
    assert lexloom.explain("NNP") == "proper noun, singular" and lexloom.explain("GPE") == "country, city or state"
    assert lexloom.explain("no such label") is None
