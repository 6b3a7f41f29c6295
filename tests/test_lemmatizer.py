"""The trainable lemmatizer on real EWT: labels that are an edit tree and a case rule, and the
lookup of forms seen in training."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import lexloom
from lexloom.convert import convert
from lexloom.errors import ModelLoadError
from lexloom.pipeline.edit_trees import EditTrees
from lexloom.pipeline.lemmatizer import parse_label
from lexloom.tokens import Doc, Example, read_docbin

from conftest import SMALL_TOK2VEC  # noqa: E402
from test_edit_trees import EWT_SLICE, read_form_lemma_pairs  # noqa: E402

DEV = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def blank_lemmatizer(lookup: bool = True):
    nlp = lexloom.blank("en")
    lemmatizer = nlp.add_pipe("trainable_lemmatizer", config={"model": {"tok2vec": dict(SMALL_TOK2VEC)}, "lookup": lookup})
    return nlp, lemmatizer


@pytest.fixture(scope="module")
def ewt_docs(tmp_path_factory):
    """The EWT train slice (300 sentences) and the dev slice (150), as gold Docs."""
    out = tmp_path_factory.mktemp("corpus")
    nlp = lexloom.blank("en")
    train, dev = (list(read_docbin(convert(path, out, n_sents=1)[0], nlp.vocab)) for path in (EWT_SLICE, DEV))
    return train, dev


def test_every_label_rebuilds_its_lemma_and_case_rules_share_labels():
    _, lemmatizer = blank_lemmatizer()
    pairs = read_form_lemma_pairs(EWT_SLICE)
    labels = [lemmatizer._label(form, lemma) for form, lemma in pairs]
    for (form, lemma), label in zip(pairs, labels):
        assert lemmatizer._apply(parse_label(label), form) == lemma, (form, lemma, label)
    bare = EditTrees()
    assert len(set(labels)) < len({bare.add(form, lemma) for form, lemma in pairs})
    # capitalised common words share one label whatever their first letter, lower-case names another
    assert lemmatizer._label("The", "the") == lemmatizer._label("Every", "every") != lemmatizer._label("the", "the")
    assert lemmatizer._label("samantha", "Samantha") == lemmatizer._label("kerala", "Kerala")
    assert lemmatizer._label("Newsgroups", "newsgroup") == lemmatizer._label("Dogs", "dog")
    assert parse_label("12") == ("", 12)  # a label of a model trained before case rules


def test_seen_forms_take_their_training_lemma_by_upos():
    nlp, lemmatizer = blank_lemmatizer()
    words = ["I", "saw", "the", "saw"]
    example = Example.from_dict(Doc(nlp.vocab, words=words), {"pos": ["PRON", "VERB", "DET", "NOUN"], "lemmas": ["I", "see", "the", "saw"]})
    nlp.initialize(lambda: [example])
    assert lemmatizer.table[("saw", "VERB")] == "see" and lemmatizer.table[("saw", "NOUN")] == "saw"
    assert ("saw", "") not in lemmatizer.table  # half "see", half "saw": the classifier decides
    assert lemmatizer.table[("the", "")] == "the"
    doc = nlp(Doc(nlp.vocab, words=["the", "saw", "saw", "I"], pos=["DET", "NOUN", "VERB", "PRON"]))
    assert [t.lemma_ for t in doc] == ["the", "saw", "see", "I"]
    lemmatizer.cfg["lookup"] = False  # the classifier alone: "saw" -> "see" was seen once, no tree for it
    assert nlp(Doc(nlp.vocab, words=["saw"], pos=["VERB"]))[0].lemma_ != "see"


def test_lookup_lemmatizes_seen_words_of_unseen_text_and_survives_saving(ewt_docs, tmp_path):
    """Untrained classifiers, so what is right on dev comes from the table: dev's words that the
    train slice saw with their UPOS get their lemma, where the classifier alone gets fewer."""
    train, dev = ewt_docs
    lemmas, tables = {}, {}
    for lookup in (True, False):
        nlp, lemmatizer = blank_lemmatizer(lookup)
        nlp.initialize(lambda: [Example(d, d) for d in train])
        predicted = list(nlp.pipe([Doc(nlp.vocab, words=d.words, pos=[t.pos_ for t in d]) for d in dev]))
        lemmas[lookup], tables[lookup] = [t.lemma_ for d in predicted for t in d], lemmatizer.table
        if lookup:
            nlp.to_disk(tmp_path / "model")
            loaded = lexloom.load(tmp_path / "model")
            assert loaded.get_pipe("trainable_lemmatizer").table == lemmatizer.table
            again = list(loaded.pipe([Doc(loaded.vocab, words=d.words, pos=[t.pos_ for t in d]) for d in dev]))
            assert [t.lemma_ for d in again for t in d] == lemmas[True]
    assert tables[False] == {}
    gold = [(t.text, t.pos_, t.lemma_) for d in dev for t in d]
    seen = [k for k, (form, pos, _) in enumerate(gold) if (form, pos) in tables[True]]
    assert len(seen) > 0.5 * len(gold)
    accuracy = {lookup: sum(lemmas[lookup][k] == gold[k][2] for k in seen) / len(seen) for lookup in (True, False)}
    assert accuracy[True] > 0.95 and accuracy[False] < accuracy[True] - 0.1


def test_a_malformed_lookup_file_is_named(ewt_docs, tmp_path):
    train, _ = ewt_docs
    nlp, _ = blank_lemmatizer()
    nlp.initialize(lambda: [Example(d, d) for d in train[:20]])
    nlp.to_disk(tmp_path / "model")
    (tmp_path / "model" / "trainable_lemmatizer" / "lookup.json").write_text(json.dumps([["dogs", "NOUN"]]))
    with pytest.raises(ModelLoadError, match="lookup.json"):
        lexloom.load(tmp_path / "model")
