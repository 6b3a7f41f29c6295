"""spaCy's `.spacy` corpora, read without spaCy (`lexloom/tokens/spacy_docbin.py`): the same Docs as
lexloom's own conversion of the same CoNLL-U, every layer spaCy stores, training and
`convert` taking them as they take `.lexloom` files, and clear errors for what is not one."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import msgpack
import numpy as np
import pytest

import lexloom
from lexloom.convert import convert, read_docs
from lexloom.errors import DataError
from lexloom.tokens import Doc, Span, Token, Vocab, read_docbin, read_spacy
from lexloom.tokens.spacy_docbin import string_key
from lexloom.training.corpus import Corpus

DATA = Path(__file__).parent / "data"
UD = DATA / "spacy" / "en_ewt-ud-dev-150.spacy"  # spacy convert ../ud/en_ewt-ud-dev-150.conllu --n-sents 10
ANNOTATED = DATA / "spacy" / "annotated.spacy"  # make_annotated.py
USER_DATA = DATA / "spacy" / "user_data.spacy"  # make_annotated.py, store_user_data=True


def test_spacy_convert_and_lexloom_convert_give_the_same_docs():
    vocab = Vocab("en")
    ours = list(read_docs(DATA / "ud" / "en_ewt-ud-dev-150.conllu", vocab, n_sents=10))
    theirs = list(read_docs(UD, vocab))
    assert len(theirs) == len(ours) == 15
    for a, b in zip(theirs, ours):
        for layer in ("_orth", "_tag", "_pos", "_lemma", "_head", "_sent_start", "_ent_iob"):
            assert np.array_equal(getattr(a, layer), getattr(b, layer)), layer
        # spaCy's converter writes UD's `root` as `ROOT`, and features in byte order (NumType before Number)
        assert [t.dep_ if t.dep_ != "ROOT" else "root" for t in a] == [t.dep_ for t in b]
        assert [sorted(str(t.morph).split("|")) for t in a] == [sorted(str(t.morph).split("|")) for t in b]
        # spaCy keeps the space after a Doc's last token, lexloom's conversion does not
        assert np.array_equal(a._spaces[:-1], b._spaces[:-1])
    first = theirs[0]
    assert [(t.text, t.pos_, t.tag_, t.dep_, t.head.text) for t in first[:3]] == [("From", "ADP", "IN", "case", "AP"), ("the", "DET", "DT", "det", "AP"), ("AP", "PROPN", "NNP", "obl", "comes")]
    assert first[3].dep_ == "ROOT"
    assert str(first[1].morph) == "Definite=Def|PronType=Art" and len(list(first.sents)) == 10


def test_every_layer_spacy_stores():
    first, second = read_spacy(ANNOTATED, Vocab("en"))
    assert first.text == "Ada Lovelace visited New York."
    assert [(e.text, e.label_) for e in first.ents] == [("Ada Lovelace", "PERSON"), ("New York", "GPE")]
    assert first.cats == {"TRAVEL": 1.0, "SPORT": 0.0}
    group = [(0, 2, "NAME"), (3, 5, "PLACE"), (0, 5, "EVENT")]
    assert {k: [(s.start, s.end, s.label_) for s in v] for k, v in first.spans.items()} == {"sc": group, "copy": group, "verbs": [(2, 3, "ACTION")]}
    assert not first.has_annotation("DEP") and not first.has_annotation("TAG")
    # a label of the user's own (hashed), a token of unknown entity annotation, a token without a head
    assert [(e.text, e.label_) for e in second.ents] == [("Pixel 7", "GADGET")] and second[4].ent_iob_ == ""
    assert [(t.pos_, t.tag_, t.lemma_, t.dep_) for t in second[:4]] == [("PRON", "PRP$", "my", "poss"), ("PROPN", "NNP", "Pixel", "nsubj"), ("NUM", "CD", "7", "nummod"), ("VERB", "VBD", "freeze", "ROOT")]
    assert second._head.tolist() == [1, 3, 1, 3, -1] and str(second[0].morph) == "Person=1|Poss=Yes"


def test_training_and_convert_read_spacy_files(tmp_path):
    nlp = lexloom.blank("en")
    examples = list(Corpus(UD, per_sentence=True)(nlp))
    assert len(examples) == 150 and examples[0].reference[0].dep_ == "case"
    # a folder of both kinds, as `--paths.train corpus/`
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.spacy").write_bytes(ANNOTATED.read_bytes())
    (written,) = convert(UD, tmp_path / "corpus")
    assert written.name == "en_ewt-ud-dev-150.lexloom"
    assert [len(d) for d in read_docbin(written)] == [len(d) for d in read_spacy(UD, Vocab("en"))]
    docs = list(Corpus(tmp_path / "corpus").docs(nlp.vocab))
    assert len(docs) == 2 + 15 and docs[0].cats == {"TRAVEL": 1.0, "SPORT": 0.0}


@pytest.fixture
def extensions():
    """The custom attributes make_annotated.py gave its spaCy Docs, registered here, then removed."""
    added = [(Doc, "source"), (Doc, "embedding"), (Doc, "checked"), (Token, "is_colour"), (Span, "score")]
    for cls, name in added:
        cls.set_extension(name, default=False if name in ("checked", "is_colour") else None)
    yield
    for cls, name in added:
        cls.remove_extension(name)


def test_custom_attributes_read_as_in_spacy(tmp_path, extensions):
    doc, plain = read_spacy(USER_DATA, Vocab("en"))
    assert doc.text == "The red bike is fast." and plain.user_data == {}
    assert doc._.source == "email" and doc._.checked is False
    # spaCy keys them by characters, lexloom by tokens: the same token and span either way
    assert [t._.is_colour for t in doc] == [False, True, False, False, False, False]
    assert doc[1:3]._.score == 0.75 and doc[0:3]._.score is None
    # a numpy array and a tuple come as lists, as a .lexloom file stores them
    assert doc._.embedding == [[0.5, -1.0], [2.0, 0.0]] and doc.user_data["reviewed_by"] == ["ana", "ben"]
    (written,) = convert(USER_DATA, tmp_path)
    again = next(iter(read_docbin(written)))
    assert again.user_data == doc.user_data and again[1]._.is_colour is True


def _rewrite(tmp_path: Path, change, source: Path = ANNOTATED) -> Path:
    msg = msgpack.unpackb(zlib.decompress(source.read_bytes()), raw=False, strict_map_key=False)
    change(msg)
    path = tmp_path / "bad.spacy"
    path.write_bytes(zlib.compress(msgpack.packb(msg)))
    return path


def _with_ids(msg: dict) -> None:
    """Give "Ada Lovelace" spaCy's ENT_KB_ID and ENT_ID, the span groups' first span a
    knowledge-base id and an id, as spaCy writes them (hashed, their strings in the file), and
    "Ada" a NORM of its own."""
    tokens = np.frombuffer(msg["tokens"], dtype="<u8").reshape(-1, len(msg["attrs"])).copy()
    tokens[0:2, msg["attrs"].index(452)] = string_key("Q7259")
    tokens[0:2, msg["attrs"].index(454)] = string_key("ada")
    tokens[0, msg["attrs"].index(67)] = string_key("augusta")
    msg["tokens"] = tokens.tobytes()
    msg["strings"] += ["Q7259", "ada", "name-1", "augusta"]
    groups = msgpack.unpackb(msg["span_groups"][0], raw=False, strict_map_key=False)
    renamed = {}
    for packed_group, names in groups.items():
        group = msgpack.unpackb(packed_group, raw=False, strict_map_key=False)
        _, _, *rest = struct.unpack(">QQQllll", group["spans"][0])
        group["spans"][0] = struct.pack(">QQQllll", string_key("name-1"), string_key("Q7259"), *rest)
        renamed[msgpack.packb(group)] = names
    msg["span_groups"][0] = msgpack.packb(renamed)


def test_entity_and_span_ids_of_a_spacy_file(tmp_path):
    first, _ = read_spacy(_rewrite(tmp_path, _with_ids), Vocab("en"))
    assert [(e.text, e.kb_id_, e.id_) for e in first.ents] == [("Ada Lovelace", "Q7259", "ada"), ("New York", "", "")]
    assert [(s.text, s.label_, s.kb_id_, s.id_) for s in first.spans["sc"]][:2] == [("Ada Lovelace", "NAME", "Q7259", "name-1"), ("New York", "PLACE", "", "")]
    assert first.spans["verbs"][0].kb_id_ == "Q7259"
    untouched, _ = read_spacy(ANNOTATED, Vocab("en"))
    assert [t.ent_kb_id_ for t in untouched] == [""] * 6
    assert first[0].norm_ == "ada"  # spaCy's NORM column is not read (it holds every token's norm)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda tmp: (tmp / "x.spacy").write_bytes(b"not zlib") and tmp / "x.spacy", "not a spaCy DocBin (.spacy): not zlib-compressed"),
        (lambda tmp: _rewrite(tmp, lambda m: m.pop("strings")), "not a spaCy DocBin (.spacy): no strings"),
        (lambda tmp: _rewrite(tmp, lambda m: m.update(strings=[s for s in m["strings"] if s != "Lovelace"])), "doc 1: a token refers to string"),
        (lambda tmp: _rewrite(tmp, lambda m: m.update(lengths=np.array([6, 4], dtype="<i4").tobytes())), "11 token rows"),
        (
            lambda tmp: _rewrite(tmp, lambda m: m.update(user_data=[msgpack.packb({("._.", "score", 5, 12): 1.0}), None]), USER_DATA),
            "doc 1: custom attribute 'score' belongs to characters 5 to 12, which are not whole tokens",
        ),
    ],
)
def test_what_is_not_a_spacy_docbin(tmp_path, make, expected):
    path = make(tmp_path)
    with pytest.raises(DataError) as error:
        list(read_spacy(path, Vocab("en")))
    assert str(path) in str(error.value) and expected in str(error.value), str(error.value)
