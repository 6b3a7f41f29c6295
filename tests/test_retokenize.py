"""Tokens merged with `doc.retokenize()`, and the `merge_entities` / `merge_noun_chunks`
components, on gold EWT trees and UNER entities."""
from __future__ import annotations

from pathlib import Path

import pytest

import lexloom
from lexloom.convert import read_docs
from lexloom.tokens import Span, Token, Vocab
from lexloom.tokens.retokenize import cut_multiword_token

DATA = Path(__file__).parent / "data"


def ewt(k: int):
    return list(read_docs(DATA / "ud" / "en_ewt-ud-dev-150.conllu", Vocab("en"), n_sents=1))[k]


def test_merge_keeps_the_text_and_hangs_the_tree_on_the_merged_token():
    doc = ewt(4)  # Bush also nominated A. Noel Anketell Kramer for a 15-year term as associate judge ...
    text, n = doc.text, len(doc)
    name, term = doc[3:7], doc[8:13]  # both taken before the block: they stay valid inside it
    doc.ents = [Span(doc, 3, 5, "PER")]  # an entity over part of what is merged
    doc.spans["sc"] = [Span(doc, 9, 11, "AGE"), Span(doc, 13, 14, "CASE")]
    Token.set_extension("mark", default=None)
    try:
        doc[3]._.mark, doc[4]._.mark, doc[13]._.mark = "first", "second", "as"
        with doc.retokenize() as retokenizer:
            retokenizer.merge(name, attrs={"LEMMA": "Kramer"})
            retokenizer.merge(term)
        assert doc.text == text and len(doc) == n - 3 - 4
        kramer, term = doc[3], doc[5]
        assert (kramer.text, kramer.lemma_, kramer.pos_, kramer.dep_, kramer.head.text) == ("A. Noel Anketell Kramer", "Kramer", "PROPN", "obj", "nominated")
        assert (term.text, term.lemma_, term.dep_, term.head.text) == ("a 15-year term", "term", "obl", "nominated")
        assert [t.text for t in term.children] == ["for", "judge"]  # "for" was a child of "term", "judge" too
        assert [(e.text, e.label_) for e in doc.ents] == [("A. Noel Anketell Kramer", "PER")]
        assert [(s.text, s.label_) for s in doc.spans["sc"]] == [("a 15-year term", "AGE"), ("as", "CASE")]
        assert (kramer._.mark, doc[6]._.mark) == ("first", "as")
        assert all(0 <= h < len(doc) for h in doc._head)
    finally:
        Token.remove_extension("mark")


def test_a_merge_over_the_sentence_root_is_the_root():
    doc = ewt(1)  # President Bush on Tuesday nominated two individuals ...
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[3:5])  # "Tuesday" hangs on "nominated", the root
    merged = doc[3]
    assert (merged.text, merged.dep_, merged.pos_, merged.head.i) == ("Tuesday nominated", "root", "VERB", 3)
    assert [t.text for t in merged.children] == ["Bush", "on", "individuals", "replace", "."]


def test_bad_merges_are_refused():
    doc, other = ewt(0), ewt(1)
    with pytest.raises(ValueError, match=r"overlaps span \[0, 3\)"):
        with doc.retokenize() as retokenizer:
            retokenizer.merge(doc[0:3])
            retokenizer.merge(doc[2:4])
    with pytest.raises(ValueError, match="cannot set HEAD"):
        doc.retokenize().merge(doc[0:2], attrs={"head": 1})
    with pytest.raises(ValueError, match="spans of the Doc being retokenized"):
        doc.retokenize().merge(other[0:2])
    assert len(doc) == 7  # nothing merged


def test_merge_entities_component_on_uner():
    nlp = lexloom.blank("en")
    merge = nlp.add_pipe("merge_entities")
    docs = list(read_docs(DATA / "ner" / "en_ewt-ud-dev-100.iob2", nlp.vocab))
    n_ents = 0
    for doc in docs:
        before = [(e.text, e.label_) for e in doc.ents]
        text, n, words = doc.text, len(doc), sum(len(e) - 1 for e in doc.ents)
        merge(doc)
        assert doc.text == text and [(e.text, e.label_) for e in doc.ents] == before
        assert all(len(e) == 1 for e in doc.ents) and len(doc) == n - words
        n_ents += len(before)
    assert n_ents >= 50


def test_merge_noun_chunks_component_on_ewt():
    nlp = lexloom.blank("en")
    merge = nlp.add_pipe("merge_noun_chunks")
    merged = 0
    for k in range(20):
        doc = ewt(k)
        mwts = doc.multiword_tokens()
        # a chunk that would cut a multi-word token ("It" of "It's") stays as it is
        spans = [c for c in doc.noun_chunks if len(c) > 1 and not cut_multiword_token(mwts, c.start, c.end)]
        chunks = [c.text for c in spans]
        n, text, words = len(doc), doc.text, sum(len(c) - 1 for c in spans)
        merge(doc)
        assert doc.text == text and len(doc) == n - words
        assert [c for c in chunks if c in {t.text for t in doc}] == chunks
        assert sum(t.head.i == t.i for t in doc) == 1  # still one tree
        merged += len(chunks)
    assert merged >= 40
