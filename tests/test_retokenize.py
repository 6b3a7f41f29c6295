"""Tokens merged and split with `doc.retokenize()`, and the `merge_entities` / `merge_noun_chunks`
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


def test_a_split_undoes_a_merge_on_a_gold_tree():
    doc = ewt(4)  # ... for a 15 - year term as associate judge ...
    words, heads, deps, pos, sents = [t.text for t in doc], doc._head.copy(), [t.dep_ for t in doc], [t.pos_ for t in doc], doc._sent_start.copy()
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[9:12])
    year = doc[9]
    assert (year.text, year.head.text, year.dep_, [t.text for t in year.children]) == ("15-year", "term", "compound", [])
    with doc.retokenize() as retokenizer:
        retokenizer.split(year, ["15", "-", "year"], heads=[(year, 2), (year, 0), doc[10]],
                          attrs={"DEP": ["nummod", "punct", "compound"], "POS": ["NUM", "PUNCT", "NOUN"]})
    assert [t.text for t in doc] == words and doc._head.tolist() == heads.tolist()
    assert [t.dep_ for t in doc] == deps and [t.pos_ for t in doc] == pos
    assert doc._sent_start.tolist() == sents.tolist()
    assert [doc[k].lemma_ for k in (9, 10, 11)] == ["15", "-", "year"]  # each piece its own text


def test_split_moves_the_tree_entities_spans_attributes_and_multiword_tokens():
    doc = ewt(19)  # It's not quite as freewheeling an environment as you'd imagine: Sergey Brin ...
    text, n = doc.text, len(doc)
    assert doc.multiword_tokens() == [(0, 2, "It's"), (9, 11, "you'd"), (25, 27, "company's")]
    k = next(t.i for t in doc if t.text == "freewheeling")
    head, children = doc[k].head.i, [t.i for t in doc[k].children]
    brin = next(t.i for t in doc if t.text == "Sergey")
    doc.ents = [Span(doc, k, k + 1, "MISC"), Span(doc, brin, brin + 2, "PER")]
    doc.spans["sc"] = [Span(doc, k - 1, k + 1, "X"), Span(doc, brin + 1, brin + 2, "Y")]
    Token.set_extension("mark", default=None)
    try:
        doc[k]._.mark, doc[brin]._.mark = "free", "sergey"
        with doc.retokenize() as retokenizer:
            retokenizer.split(doc[k], ["free", "wheeling"], heads=[(doc[k], 1), doc[head]])
            retokenizer.split(doc[0], ["I", "t"], heads=[(doc[0], 1), doc[doc[0].head.i]])
        assert doc.text == text and len(doc) == n + 2
        free, wheeling = doc[k + 1], doc[k + 2]
        assert (free.head.i, wheeling.head.i, free.whitespace_, wheeling.whitespace_) == (k + 2, head + 2 if head > k else head + 1, "", " ")
        # the words that hung on "freewheeling" hang on "wheeling", the piece whose head is outside
        assert sorted(t.i for t in wheeling.children) == sorted([k + 1] + [c + 1 if c < k else c + 2 for c in children])
        assert [(e.text, e.label_) for e in doc.ents] == [("freewheeling", "MISC"), ("Sergey Brin", "PER")]
        assert [e.start for e in doc.ents] == [k + 1, brin + 2]
        assert [(s.text, s.label_) for s in doc.spans["sc"]] == [("as freewheeling", "X"), ("Brin", "Y")]
        assert (free._.mark, wheeling._.mark, doc[brin + 2]._.mark) == ("free", None, "sergey")
        # "It" split inside "It's": the multi-word token covers both pieces; the others move on
        assert doc.multiword_tokens() == [(0, 3, "It's"), (11, 13, "you'd"), (27, 29, "company's")]
        assert sum(t.head.i == t.i for t in doc) == 1
    finally:
        Token.remove_extension("mark")


def test_split_pieces_take_entities_from_attrs():
    doc = ewt(4)
    doc.ents = [Span(doc, 3, 7, "PER")]  # A. Noel Anketell Kramer
    with doc.retokenize() as retokenizer:
        retokenizer.split(doc[12], ["te", "rm"], heads=[(doc[12], 1), doc[2]], attrs={"ENT_TYPE": ["", "TIME"], "TAG": ["NN", "NN"]})
    assert [(e.text, e.label_) for e in doc.ents] == [("A. Noel Anketell Kramer", "PER"), ("rm", "TIME")]
    assert (doc[12].tag_, doc[12].ent_iob_, doc[13].ent_iob_) == ("NN", "O", "B")


def test_entity_and_span_ids_move_with_their_tokens():
    doc = lexloom.blank("en")("She flew from New York to LosAngeles")
    doc.ents = [Span(doc, 3, 5, "GPE", kb_id="Q60", span_id="nyc"), Span(doc, 6, 7, "GPE", kb_id="Q65")]
    doc.spans["sc"] = [Span(doc, 4, 7, "TRIP", span_id="trip")]
    doc[1].norm_, doc[3].norm_ = "fly", "new"
    with doc.retokenize() as retokenizer:
        retokenizer.merge(doc[3:5])
        retokenizer.split(doc[6], ["Los", "Angeles"], heads=[(doc[6], 1), doc[5]])
    assert [(e.text, e.kb_id_, e.id_) for e in doc.ents] == [("New York", "Q60", "nyc"), ("LosAngeles", "Q65", "")]
    assert [t.ent_kb_id_ for t in doc] == ["", "", "", "Q60", "", "Q65", "Q65"]
    assert [(s.text, s.id_) for s in doc.spans["sc"]] == [("New York to LosAngeles", "trip")]
    assert (doc[1].norm_, doc[3].norm_) == ("fly", "new york")  # the merged word has its own


def test_bad_splits_are_refused():
    doc, other = ewt(4), ewt(1)
    bad = [
        (lambda r: r.split(doc[0], ["Bu", "ch"], [doc[0], doc[0]]), "must spell the token 'Bush'"),
        (lambda r: r.split(doc[0], ["Bu", "sh"], [doc[0]]), "1 heads for 2 pieces"),
        (lambda r: r.split(doc[0], ["Bu", "sh"], [doc[0], doc[1]], attrs={"tag": ["NNP"]}), "1 values of TAG for 2 pieces"),
        (lambda r: r.split(doc[0], ["Bu", "sh"], [doc[0], doc[1]], attrs={"head": [0, 1]}), "cannot set HEAD"),
        (lambda r: r.split(other[0], ["Presi", "dent"], [other[0], other[0]]), "tokens of the Doc being retokenized"),
    ]
    for call, message in bad:
        with pytest.raises(ValueError, match=message):
            call(doc.retokenize())
    for call, message in [
        (lambda r: (r.merge(doc[3:5]), r.split(doc[0], ["Bu", "sh"], [(doc[1], 1), doc[2]])), r"token 1 has 1 piece\(s\)"),
        (lambda r: (r.merge(doc[0:2]), r.split(doc[1], ["al", "so"], [doc[1], doc[2]])), "both split and merged"),
    ]:
        with pytest.raises(ValueError, match=message):
            with doc.retokenize() as retokenizer:
                call(retokenizer)
    assert len(doc) == 30 and doc[0].text == "Bush"  # nothing changed, nor merged before the error


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
