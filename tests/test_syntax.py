"""Subtrees and noun chunks from UD trees (`lexloom/tokens/syntax.py`), on gold EWT and GSD trees."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import lexloom
from lexloom.convert import read_docs
from lexloom.tokens import Vocab

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def ewt():
    return list(read_docs(DATA / "ud" / "en_ewt-ud-dev-150.conllu", Vocab("en"), n_sents=1))


def test_noun_chunks_of_english_sentences(ewt):
    chunks = [[c.text for c in doc.noun_chunks] for doc in ewt[:12]]
    assert chunks[0] == ["the AP", "this story"]  # "From" left out
    assert chunks[1] == ["President Bush", "Tuesday", "two individuals", "retiring jurists", "federal courts", "the Washington area"]
    assert chunks[4][:5] == ["Bush", "A. Noel Anketell Kramer", "a 15-year term", "associate judge", "the District of Columbia Court"]
    assert chunks[7] == ["Today's incident", "Sharon", "his patience", "his hope", "peace"]
    assert chunks[11][:3] == ["The US", "yet another helicopter", "hostile fire"]
    assert all(c.label_ == "NP" for c in ewt[0].noun_chunks)


def test_noun_chunks_of_a_head_initial_language():
    docs = list(itertools.islice(read_docs(DATA / "tokenizer" / "es_gsd-ud-test-slice.conllu", Vocab("es"), n_sents=1), 2))
    # adjectives and flat names after the noun stay in its chunk; a noun predicate's subject is its own
    assert [c.text for c in docs[0].noun_chunks] == ["la familia", "del escritor vallisoletano", "Blas Pajarero", "cuya casa", "la Plaza", "San Pedro"]
    assert [c.text for c in docs[1].noun_chunks] == ["La Provincia", "una provincia", "del departamento", "del Beni", "Bolivia"]


def test_noun_chunks_are_ordered_disjoint_and_headed_by_nominals(ewt):
    n = 0
    for doc in ewt:
        chunks = list(doc.noun_chunks)
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
        assert all(c.root.pos_ in ("NOUN", "PROPN", "PRON") for c in chunks)
        for sent in doc.sents:
            assert [(c.start, c.end) for c in sent.noun_chunks] == [(c.start, c.end) for c in chunks if sent.start <= c.start < sent.end]
        n += len(chunks)
    assert n > 400


def test_noun_chunks_need_a_parse():
    nlp = lexloom.blank("en")
    with pytest.raises(ValueError, match="noun_chunks needs the Doc's DEP annotation"):
        list(nlp("The cat sat.").noun_chunks)


def test_subtree_edges_and_ancestors(ewt):
    doc = ewt[1]  # President Bush on Tuesday nominated two individuals to replace ...
    root = doc[4]
    assert root.text == "nominated" and list(root.subtree) == list(doc) and list(root.ancestors) == []
    replace = doc[8]
    assert (replace.left_edge.text, replace.right_edge.text) == ("to", "area")
    assert [t.text for t in doc[16].ancestors] == ["area", "courts", "jurists", "replace", "nominated"]
    assert root.is_ancestor(doc[16]) and not doc[16].is_ancestor(root)
    assert (replace.n_lefts, replace.n_rights) == (1, 1)
    for doc in ewt:
        for token in doc:
            below = [t for t in doc if t == token or token.is_ancestor(t)]
            assert list(token.subtree) == below
            assert (token.left_edge, token.right_edge) == (below[0], below[-1])
