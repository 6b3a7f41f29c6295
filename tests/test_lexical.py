"""Lexical attributes as spaCy code reads them: stop words, URLs and e-mails, case, neighbours and
conjuncts; and the Matcher's flags for them."""
from __future__ import annotations

from pathlib import Path

import pytest

import lexloom
from lexloom.convert import read_docs
from lexloom.errors import ModelLoadError
from lexloom.matcher import Matcher
from lexloom.tokens import Doc, Vocab


def test_stop_words_per_language():
    en, es = lexloom.blank("en"), lexloom.blank("es")
    assert [t.text for t in en("The results are not in, but THEY will be soon.") if t.is_stop] == ["The", "are", "not", "in", "but", "THEY", "will", "be"]
    assert [t.text for t in es("La casa de mi madre está cerca del río.") if t.is_stop] == ["La", "de", "mi", "está", "del"]
    assert not any(t.is_stop for t in lexloom.blank("fi")("ja se on"))  # no list for this language


@pytest.mark.parametrize(
    "word, url, email",
    [("https://github.com/x/y", True, False), ("www.lexloom.io", True, False), ("docs.python.org/3/", True, False),
     ("lexloom.io:8080", True, False), ("e.g.", False, False), ("end.of", False, False), ("U.S.", False, False),
     ("ana@example.org", False, True), ("@handle", False, False), ("3.14", False, False)],
)
def test_urls_and_emails(word, url, email):
    token = Doc(Vocab("en"), words=[word])[0]
    assert (token.like_url, token.like_email) == (url, email)


def test_case_neighbours_and_conjuncts():
    doc = lexloom.blank("en")("Ada LOVELACE wrote notes")
    assert [(t.is_title, t.is_upper, t.is_lower, t.is_ascii) for t in doc[:3]] == [(True, False, False, True), (False, True, False, True), (False, False, True, True)]
    assert doc[1].nbor().text == "wrote" and doc[1].nbor(-1).text == "Ada"
    with pytest.raises(IndexError, match="no neighbour"):
        doc[3].nbor()
    ewt = list(read_docs(Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu", Vocab("en"), n_sents=1))
    sheikh = ewt[7]  # Today's incident proves that Sharon has lost his patience and his hope in peace.
    patience, hope = (next(t for t in sheikh if t.text == w) for w in ("patience", "hope"))
    assert patience.conjuncts == (hope,) and hope.conjuncts == (patience,) and sheikh[0].conjuncts == ()


def test_matcher_flags():
    nlp = lexloom.blank("en")
    matcher = Matcher(nlp.vocab)
    matcher.add("CONTENT", [[{"IS_STOP": False, "IS_ALPHA": True}]])
    matcher.add("LINK", [[{"LIKE_URL": True}], [{"LIKE_EMAIL": True}]])
    doc = nlp("The notes are on www.lexloom.io or ask ana@example.org")
    assert [(s.label_, s.text) for s in matcher(doc, as_spans=True)] == [("CONTENT", "notes"), ("LINK", "www.lexloom.io"), ("CONTENT", "ask"), ("LINK", "ana@example.org")]


def test_brackets_quotes_currency_and_sentence_ends():
    doc = lexloom.blank("en")("« Cost : $ 5 » ( “ net ” )")
    flags = [(t.text, t.is_bracket, t.is_quote, t.is_left_punct, t.is_right_punct, t.is_currency) for t in doc if not t.is_alpha and not t.like_num]
    assert flags == [
        ("«", False, True, True, False, False), (":", False, False, False, False, False), ("$", False, False, False, False, True),
        ("»", False, True, False, True, False), ("(", True, False, True, False, False), ("“", False, True, True, False, False),
        ("”", False, True, False, True, False), (")", True, False, False, True, False),
    ]
    assert (doc.lang_, doc[0].lang_) == ("en", "en")
    ewt = list(read_docs(Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu", Vocab("en"), n_sents=3))[0]
    ends = [t.i for t in ewt if t.is_sent_end]
    assert ends == [s.end - 1 for s in ewt.sents] and len(ends) == 3
    matcher = Matcher(ewt.vocab)
    matcher.add("CURRENCY", [[{"IS_CURRENCY": True}, {"LIKE_NUM": True}]])
    assert [s.text for s in matcher(doc, as_spans=True)] == ["$ 5"]


def test_stop_words_changed_by_code_apply_at_once_and_save(tmp_path):
    nlp = lexloom.blank("en")
    text = "btw the results are in"
    assert [t.is_stop for t in nlp(text)] == [False, True, False, True, True]
    nlp.Defaults.stop_words |= {"btw"}  # spaCy's idioms, each applying to this pipeline at once
    nlp.Defaults.stop_words -= {"are"}
    nlp.vocab["Results"].is_stop = True  # a Lexeme: lower-cased, so every casing is a stop word
    doc = nlp(text)
    assert [t.is_stop for t in doc] == [True, True, True, False, True]
    assert doc[2].lex.is_stop and not nlp.vocab["are"].is_stop and nlp.vocab["btw"].lower_ == "btw"
    matcher = Matcher(nlp.vocab)
    matcher.add("STOP", [[{"IS_STOP": True}]])
    assert [s.text for s in matcher(doc, as_spans=True)] == ["btw", "the", "results", "in"]
    nlp.to_disk(tmp_path / "model")
    assert [t.is_stop for t in lexloom.load(tmp_path / "model")(text)] == [True, True, True, False, True]
    assert [t.is_stop for t in lexloom.blank("en")(text)] == [False, True, False, True, True]  # the language's list is untouched
    (tmp_path / "model" / "language.json").write_text('{"stop_words": {"added": 3}}')
    with pytest.raises(ModelLoadError, match=r"language.json: not a language data file \(TypeError"):
        lexloom.load(tmp_path / "model")
