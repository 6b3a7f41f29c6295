"""The data model: Doc/Token/Span views, entity helpers, DocBin, Example alignment."""
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lexloom.convert import read_docs
from lexloom.errors import DataError
from lexloom.tokens import (
    Doc, DocBin, Example, Span, Vocab, biluo_tags_to_offsets, biluo_to_iob, iob_to_biluo,
    offsets_to_biluo_tags, tags_to_entities,
)


@pytest.fixture
def doc():
    vocab = Vocab("en")
    return Doc(
        vocab,
        words=["Apple", "is", "buying", "U.K.", "startup", "for", "$", "1", "billion", "."],
        spaces=[True, True, True, True, True, True, False, True, False, False],
        tags=["NNP", "VBZ", "VBG", "NNP", "NN", "IN", "$", "CD", "CD", "."],
        heads=[2, 2, 2, 4, 2, 2, 5, 8, 6, 2],
        deps=["nsubj", "aux", "root", "compound", "obj", "prep", "pobj", "compound", "nummod", "punct"],
        ents=["U-ORG", "O", "O", "U-GPE", "O", "O", "B-MONEY", "I-MONEY", "L-MONEY", "O"],
    )


def test_text_and_views(doc):
    assert doc.text == "Apple is buying U.K. startup for $1 billion."
    assert doc[3].text == "U.K." and doc[3].idx == 16 and doc[3].tag_ == "NNP"
    assert doc[0].head.text == "buying" and doc[2].head.i == 2
    assert [t.text for t in doc[2].children] == ["Apple", "is", "startup", "for", "."]
    assert [(e.text, e.label_) for e in doc.ents] == [("Apple", "ORG"), ("U.K.", "GPE"), ("$1 billion", "MONEY")]
    assert doc.ents[2].start_char == 33 and doc.ents[2].end_char == 43
    span = doc[3:5]
    assert span.text == "U.K. startup" and span.root.text == "startup"


def test_char_span_modes(doc):
    assert doc.char_span(0, 5, "ORG").text == "Apple"
    assert doc.char_span(0, 4) is None
    assert doc.char_span(0, 4, alignment_mode="expand").text == "Apple"
    assert doc.char_span(0, 7, alignment_mode="contract").text == "Apple"
    with pytest.raises(ValueError, match="alignment_mode"):
        doc.char_span(0, 5, alignment_mode="nope")


def test_setting_overlapping_ents_is_an_error(doc):
    with pytest.raises(ValueError, match="overlaps"):
        doc.ents = [Span(doc, 0, 2, "A"), Span(doc, 1, 3, "B")]
    doc.ents = [Span(doc, 4, 5, "PRODUCT"), Span(doc, 0, 1, "ORG")]
    assert [e.label_ for e in doc.ents] == ["ORG", "PRODUCT"]


def test_tag_scheme_conversions(doc):
    assert iob_to_biluo(["B-PER", "I-PER", "O", "B-LOC"]) == ["B-PER", "L-PER", "O", "U-LOC"]
    assert iob_to_biluo(["I-PER", "I-PER", "O"], scheme="iob1") == ["B-PER", "L-PER", "O"]
    with pytest.raises(ValueError, match="token 1"):
        iob_to_biluo(["I-PER", "O"], scheme="iob2")
    assert biluo_to_iob(["B-PER", "L-PER", "U-LOC"]) == ["B-PER", "I-PER", "B-LOC"]
    assert tags_to_entities(["O", "B-X", "I-X", "L-X", "U-Y"]) == [("X", 1, 3), ("Y", 4, 4)]
    with pytest.raises(ValueError, match="never ended"):
        tags_to_entities(["B-X", "I-X"])
    tags = offsets_to_biluo_tags(doc, [(0, 5, "ORG"), (33, 43, "MONEY")])
    assert tags[0] == "U-ORG" and tags[6:9] == ["B-MONEY", "I-MONEY", "L-MONEY"]
    assert biluo_tags_to_offsets(doc, tags) == [(0, 5, "ORG"), (33, 43, "MONEY")]
    assert offsets_to_biluo_tags(doc, [(0, 3, "ORG")])[0] == "-"  # misaligned: reported as missing
    with pytest.raises(ValueError, match="overlaps"):
        offsets_to_biluo_tags(doc, [(0, 8, "A"), (6, 15, "B")])


def test_docbin_round_trip_is_exact(tmp_path, doc):
    doc.cats = {"FINANCE": 1.0, "SPORT": 0.0}
    doc[0].pos_ = "PROPN"
    doc[0].morph_ = "Number=Sing"
    doc[0].lemma_ = "Apple"
    other = Doc(Vocab("en"), words=["Hi", "!"], spaces=[False, False])
    path = DocBin(docs=[doc, other]).to_disk(tmp_path / "x.lexloom")
    back = list(DocBin().from_disk(path).get_docs())
    assert len(back) == 2
    b = back[0]
    for attr in ("words", "spaces", "heads", "tags", "text"):
        assert getattr(b, attr) == getattr(doc, attr)
    assert [t.dep_ for t in b] == [t.dep_ for t in doc]
    assert [(e.start, e.end, e.label_) for e in b.ents] == [(e.start, e.end, e.label_) for e in doc.ents]
    assert b.cats == doc.cats and b[0].pos_ == "PROPN" and b[0].morph_ == "Number=Sing" and b[0].lemma_ == "Apple"
    assert back[1].text == "Hi!" and not back[1].has_annotation("HEAD")


def test_docbin_and_doc_as_bytes(tmp_path, doc):
    doc.cats = {"FINANCE": 1.0}
    doc.spans["money"] = [Span(doc, 6, 9, "MONEY")]
    doc.user_data["source"] = "news"
    other = Doc(Vocab("en"), words=["Hi", "!"], spaces=[False, False])
    data = DocBin(docs=[doc, other]).to_bytes()
    assert data == DocBin(docs=[doc, other]).to_disk(tmp_path / "x.lexloom").read_bytes()  # the file, in memory
    bin_ = DocBin().from_bytes(data)
    assert len(bin_) == 2 and [d.text for d in bin_.get_docs()] == [doc.text, "Hi!"]
    back = Doc(Vocab("en")).from_bytes(doc.to_bytes())
    assert (back.words, back.spaces, back.heads, back.tags) == (doc.words, doc.spaces, doc.heads, doc.tags)
    assert [(e.text, e.label_) for e in back.ents] == [(e.text, e.label_) for e in doc.ents]
    assert back.cats == doc.cats and back.user_data == doc.user_data and [s.text for s in back.spans["money"]] == ["$1 billion"]
    with pytest.raises(DataError, match="<bytes>: not a .lexloom corpus"):
        DocBin().from_bytes(b"not a zip")
    with pytest.raises(ValueError, match="these hold 2"):
        Doc(Vocab("en")).from_bytes(data)


def test_morph_span_syntax_and_char_spans_as_spacy_reads_them(doc):
    doc[4].set_morph({"Number": "Sing"})
    doc[0].morph = "Number=Sing|NounType=Prop,Comm"
    morph = doc[0].morph
    assert (str(morph), len(morph), list(morph)) == ("Number=Sing|NounType=Prop,Comm", 2, ["Number=Sing", "NounType=Prop,Comm"])
    assert morph.get("NounType") == ["Prop", "Comm"] and morph.get("Case") == [] and morph.to_dict() == {"Number": "Sing", "NounType": "Prop,Comm"}
    assert "Number=Sing" in morph and "Sing" not in morph and morph == "Number=Sing|NounType=Prop,Comm"
    assert doc[4].morph_ == "Number=Sing" and not doc[1].morph
    money = doc[6:9]  # $1 billion, under "for"
    doc[5].lemma_, doc[6].lemma_, doc[7].lemma_, doc[8].lemma_ = "for", "$", "1", "billion"
    assert money.lemma_ == "$1 billion" and doc[5:7].lemma_ == "for $"
    assert [t.text for t in doc[4:6].lefts] == ["U.K."] and [t.text for t in doc[7:9].lefts] == []
    assert [t.text for t in doc[0:3].rights] == ["startup", "for", "."] and doc[0:3].n_rights == 3
    assert money.sent.text == doc.text and money.conjuncts == ()
    assert money.char_span(1, 2).text == "1" and money.char_span(0, 4, alignment_mode="expand").text == "$1 billion"
    assert money.char_span(1, 4) is None


def test_docbin_is_readable_without_lexloom(tmp_path, doc):
    """The format is a ZIP of JSON and .npy: another language can read it."""
    path = DocBin(docs=[doc]).to_disk(tmp_path / "x.lexloom")
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
        strings = json.loads(zf.read("strings.json"))
        table = np.load(io.BytesIO(zf.read(meta["chunks"][0]["name"] + "/tokens.npy")), allow_pickle=False)
    assert meta["format"] == "lexloom-docbin" and meta["n_docs"] == 1
    assert [strings[i] for i in table["orth"]] == doc.words


def test_docbin_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.lexloom"
    bad.write_text("not a zip")
    with pytest.raises(DataError, match="bad.lexloom: not a .lexloom corpus"):
        DocBin().from_disk(bad)
    with pytest.raises(DataError, match="no such file"):
        DocBin().from_disk(tmp_path / "missing.lexloom")


def test_docbin_streams_in_chunks(tmp_path, monkeypatch):
    from lexloom.tokens import docbin

    monkeypatch.setattr(docbin, "CHUNK_DOCS", 3)
    vocab = Vocab("en")
    docs = [Doc(vocab, words=[f"w{i}", "x"]) for i in range(10)]
    path = docbin.write_docbin(tmp_path / "c.lexloom", iter(docs))
    with zipfile.ZipFile(path) as zf:
        assert len(json.loads(zf.read("meta.json"))["chunks"]) == 4
    assert [d.words[0] for d in docbin.read_docbin(path)] == [f"w{i}" for i in range(10)]


def test_example_alignment_many_to_one():
    vocab = Vocab("en")
    predicted = Doc(vocab, words=["I", "don't", "know", "New", "York"])
    eg = Example.from_dict(
        predicted,
        {"words": ["I", "do", "n't", "know", "NewYork"], "tags": ["PRP", "VBP", "RB", "VB", "NNP"], "heads": [3, 3, 3, 3, 3]},
    )
    assert eg.alignment.x2y[1] == [1, 2]
    assert eg.alignment.y2x[4] == [3, 4]
    tags = eg.get_aligned("tag")
    assert vocab.strings[int(tags[0])] == "PRP" and tags[1] == -1 and tags[3] == -1
    assert eg.get_aligned("head")[0] == 2  # "know" is predicted token 2


def test_example_from_dict_checks_entities():
    vocab = Vocab("en")
    doc = Doc(vocab, words=["I", "like", "London", "."], spaces=[True, True, False, False])
    eg = Example.from_dict(doc, {"entities": [(7, 13, "GPE")]})
    assert [(e.text, e.label_) for e in eg.reference.ents] == [("London", "GPE")]
    with pytest.raises(ValueError, match="do not align"):
        Example.from_dict(doc, {"entities": [(7, 10, "GPE")]})
    with pytest.raises(ValueError, match="unknown annotation keys"):
        Example.from_dict(doc, {"ents": []})


def test_to_array_and_from_array_as_spacy_reads_them():
    """spaCy's `doc.to_array([...])` columns (relative heads, vocab ids) carry a gold EWT
    sentence's annotation to a fresh Doc of its words and back."""
    gold = list(read_docs(Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu", Vocab("en"), n_sents=1))[1]
    attrs = ["TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD", "SENT_START", "ENT_IOB", "ENT_TYPE"]
    table = gold.to_array(attrs)
    assert table.shape == (len(gold), len(attrs)) and table.dtype == np.int64
    assert gold.to_array("HEAD").tolist()[:5] == [1, 3, 1, 1, 0]  # President -> Bush -> nominated (root: 0)
    assert gold.to_array("LOWER")[0] == gold.vocab.strings["president"]
    copy = Doc(gold.vocab, words=gold.words, spaces=gold.spaces).from_array(attrs, table)
    for layer in ("_tag", "_pos", "_morph", "_lemma", "_dep", "_head", "_sent_start"):
        assert np.array_equal(getattr(copy, layer), getattr(gold, layer)), layer
    with pytest.raises(ValueError, match="to_array takes"):
        gold.to_array(["POS", "SHAPE_OF_THINGS"])
    with pytest.raises(ValueError, match="cannot set ORTH"):
        copy.from_array(["ORTH"], gold.to_array(["ORTH"]))


def _ids(ents) -> list[tuple]:
    return [(e.text, e.label_, e.kb_id_, e.id_) for e in ents]


def test_entities_keep_their_kb_ids_and_ids_per_token_as_spacy_does():
    vocab = Vocab("en")
    doc = Doc(vocab, words=["Apple", "Apple", "sued", "Apple", "Inc", "in", "Paris"])
    apple = Span(doc, 0, 1, label="ORG", kb_id="Q312", span_id="apple")
    assert (apple.kb_id_, apple.id_, apple.ent_id_) == ("Q312", "apple", "apple")
    assert vocab.strings[apple.kb_id] == "Q312" and apple.ent_id == apple.id == vocab.strings["apple"]
    # ids of the vocab work as labels do; each is settable on the Span, as in spaCy
    inc = Span(doc, 3, 5, vocab.strings.add("ORG"), kb_id=vocab.strings.add("Q1"))
    inc.id_ = "apple-inc"
    records = Span(doc, 1, 2, "ORG", kb_id="Q213710")
    records.ent_id_, records.kb_id = "records", vocab.strings.add("Q213710")
    doc.ents = [apple, records, inc, Span(doc, 6, 7, "GPE")]
    # two adjacent entities of one label stay two: each starts with its B, whatever its ids
    expected = [("Apple", "ORG", "Q312", "apple"), ("Apple", "ORG", "Q213710", "records"),
                ("Apple Inc", "ORG", "Q1", "apple-inc"), ("Paris", "GPE", "", "")]
    assert _ids(doc.ents) == expected
    assert [(t.ent_kb_id_, t.ent_id_) for t in doc[3:5]] == [("Q1", "apple-inc")] * 2
    assert doc[3].ent_kb_id == vocab.strings["Q1"] and doc[2].ent_kb_id_ == doc[2].ent_id_ == ""
    # an entity reads the ids of its first token; a token's are settable
    doc[6].ent_kb_id_, doc[6].ent_id = "Q90", vocab.strings.add("paris")
    assert _ids(doc.ents)[3] == ("Paris", "GPE", "Q90", "paris")
    assert doc.to_array(["ENT_KB_ID", "ENT_ID"])[6].tolist() == [vocab.strings["Q90"], vocab.strings["paris"]]
    # span groups keep their spans' own; setting entities again clears what they do not give
    doc.spans["sc"] = [Span(doc, 0, 2, "X", kb_id="Q9", span_id="x")]
    doc.set_ents([Span(doc, 3, 5, "ORG")], default="outside")
    assert _ids(doc.ents) == [("Apple Inc", "ORG", "", "")] and doc[0].ent_kb_id_ == doc[6].ent_id_ == ""
    assert _ids(doc.spans["sc"]) == [("Apple Apple", "X", "Q9", "x")]
    assert Span(doc, 0, 1, "ORG", kb_id="A") != Span(doc, 0, 1, "ORG", kb_id="B")


def test_entity_ids_and_set_norms_survive_every_copy_of_a_doc(tmp_path, monkeypatch):
    from lexloom.tokens import docbin

    vocab = Vocab("en")
    doc = Doc(vocab, words=["Ada", "Lovelace", "met", "Babbage", "in", "London"])
    doc.ents = [Span(doc, 0, 2, "PER", kb_id="Q7259", span_id="ada"), Span(doc, 3, 4, "PER"), Span(doc, 5, 6, "GPE", kb_id="Q84")]
    doc.spans["sc"] = [Span(doc, 0, 2, "NAME", kb_id="Q7259", span_id="ada"), Span(doc, 5, 6, "PLACE")]
    doc[2].norm_ = "meet"
    expected = _ids(doc.ents)
    json_doc = Doc(vocab).from_json(doc.to_json())
    assert doc.to_json()["spans"]["sc"][1] == {"start": 28, "end": 34, "label": "PLACE", "kb_id": ""}  # spaCy's keys
    plain = Doc(vocab, words=["no", "ids", "here"])
    monkeypatch.setattr(docbin, "CHUNK_DOCS", 1)  # a chunk with the ids and norms, a chunk without
    path = DocBin(docs=[doc, plain]).to_disk(tmp_path / "ids.lexloom")
    binned, plain_again = DocBin().from_disk(path).get_docs(Vocab("en"))
    copies = {"copy": doc.copy(), "bytes": Doc(Vocab("en")).from_bytes(doc.to_bytes()), "json": json_doc, "docbin": binned,
              "from_docs": Doc.from_docs([plain, doc]).slice(3, 9)}
    for how, again in copies.items():
        assert _ids(again.ents) == expected, how
        assert [(t.ent_kb_id_, t.ent_id_) for t in again] == [(t.ent_kb_id_, t.ent_id_) for t in doc], how
        if how != "from_docs":  # which keeps no span groups
            assert _ids(again.spans["sc"]) == _ids(doc.spans["sc"]), how
        assert [t.norm_ for t in again] == (["ada", "lovelace", "meet", "babbage", "in", "london"] if how != "json" else
                                            ["ada", "lovelace", "met", "babbage", "in", "london"]), how  # JSON has no norms
    assert _ids(doc[5:6].as_doc().ents) == [("London", "GPE", "Q84", "")]
    assert [t.ent_kb_id_ for t in plain_again] == ["", "", ""] and plain_again[1].norm_ == "ids"


def test_docbin_files_without_ids_or_norms_keep_the_old_layout(tmp_path, doc):
    """A file written before entity ids and set norms existed is one written now from Docs without
    them (version 1, the same columns): it reads with empty ids; a file with them is version 2."""
    path = DocBin(docs=[doc]).to_disk(tmp_path / "old.lexloom")
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    assert meta["version"] == 1 and meta["attrs"] == ["orth", "spaces", "tag", "pos", "morph", "lemma", "dep", "head", "sent_start", "ent_iob", "ent_type"]
    back = next(DocBin().from_disk(path).get_docs())
    assert _ids(back.ents) == [(e.text, e.label_, "", "") for e in doc.ents] and back[0].norm_ == "apple"
    doc[0].ent_kb_id_ = "Q312"
    with zipfile.ZipFile(DocBin(docs=[doc]).to_disk(tmp_path / "new.lexloom")) as zf:
        meta = json.loads(zf.read("meta.json"))
    assert meta["version"] == 2 and meta["attrs"][-1] == "ent_kb_id"


def test_a_norm_set_on_a_token_is_its_norm_everywhere():
    from lexloom.matcher import Matcher
    from lexloom.pipeline.features import FeatureExtractor, KnownFeatures

    vocab = Vocab("en")
    doc = Doc(vocab, words=["I", "luv", "NYC"])
    doc[1].norm_ = "love"
    assert (doc[1].norm_, doc[1].lex.norm_, vocab["luv"].norm_, doc[2].norm_) == ("love", "luv", "luv", "nyc")
    assert [vocab.strings[int(i)] for i in doc.to_array("NORM")] == ["i", "love", "nyc"]
    matcher = Matcher(vocab)
    matcher.add("LOVE", [[{"NORM": "love"}]])
    assert matcher(doc) == [(vocab.strings["LOVE"], 1, 2)]
    # the features a model reads: NORM's from the norm set, the others from the word
    extractor = FeatureExtractor(["NORM", "SUFFIX"], [1000, 1000])
    said = Doc(vocab, words=["I", "love", "NYC"])
    rows, said_rows = extractor([doc]), extractor([said])
    assert (rows[1, 0] == said_rows[1, 0]).all() and (rows[1, 1] != said_rows[1, 1]).any()
    known = KnownFeatures(["NORM"], [1])
    known.learn([said])
    assert known([doc])[:, 0].tolist() == [1, 1, 1] and known([Doc(vocab, words=["luv"])])[:, 0].tolist() == [0]
    doc[1].norm_ = ""  # back to the word's own
    assert doc[1].norm_ == "luv" and matcher(doc) == []


# --- word vectors, similarity and user hooks, as spaCy's -----------------------------------
def vectors_vocab() -> Vocab:
    vocab = Vocab("en")
    for word, vector in {"dog": [1, 0, 0], "puppy": [0.8, 0.6, 0], "cat": [0.6, 0.8, 0], "Paris": [0, 0, 2]}.items():
        vocab.set_vector(word, vector)
    return vocab


def test_word_vectors_live_in_the_vocab():
    empty = Vocab("en")
    assert (empty.vectors.shape, empty.vectors.size, len(empty.vectors), empty.vectors_length) == ((0, 0), 0, 0, 0)
    assert not empty.has_vector("dog") and empty.get_vector("dog").shape == (0,)
    vocab = vectors_vocab()
    vectors = vocab.vectors
    assert vectors.n_keys == 4 and vectors.shape[1] == 3 and vectors.size == vectors.shape[0] * 3
    assert list(vectors.keys()) == ["dog", "puppy", "cat", "Paris"] and "cat" in vectors and "Cat" not in vectors
    assert vectors[vocab.strings["puppy"]].tolist() == pytest.approx([0.8, 0.6, 0]) and vectors.find(key="cat") == 2
    # a word takes its exact form's vector, else its lower-cased form's, as the tok2vec reads them
    assert vocab.has_vector("Dog") and vocab.get_vector("DOG").tolist() == [1, 0, 0]
    assert not vocab.has_vector("paris") and vocab.get_vector("mouse").tolist() == [0, 0, 0]
    assert vocab["Dog"].has_vector and vocab["dog"].vector_norm == 1.0
    vocab.set_vector("dog", [0, 1, 0])
    assert vectors.n_keys == 4 and vocab.get_vector("dog").tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="expected 3 values"):
        vocab.set_vector("rat", [1, 2])
    with pytest.raises(KeyError, match="'rat'"):
        vectors["rat"]
    vocab.reset_vectors(width=5)
    assert vocab.vectors.shape == (0, 5) and vocab.get_vector("dog").tolist() == [0] * 5


def test_vectors_and_similarity_of_docs_spans_tokens_and_lexemes():
    vocab = vectors_vocab()
    doc = Doc(vocab, words=["my", "dog", "and", "your", "cat"])
    assert doc[1].vector.tolist() == [1, 0, 0] and not doc[0].has_vector and doc[0].vector_norm == 0.0
    assert doc.vector == pytest.approx([0.32, 0.16, 0]) and doc.has_vector  # the mean of every token's
    assert doc[1:3].vector == pytest.approx([0.5, 0, 0]) and doc[1:3].vector_norm == pytest.approx(0.5)
    assert doc[0:1].vector.tolist() == [0, 0, 0] and not doc[0:1].has_vector and not doc[2:2].vector.any()
    puppy = Doc(vocab, words=["puppy"])
    assert doc[1].similarity(doc[4]) == pytest.approx(0.6)  # the cosine
    assert doc[1].similarity(puppy) == pytest.approx(0.8) and vocab["dog"].similarity(vocab["puppy"]) == pytest.approx(0.8)
    assert doc[1:2].similarity(puppy[0]) == pytest.approx(0.8) and puppy.similarity(vocab["cat"]) == pytest.approx(0.96)
    assert doc.similarity(Doc(vocab, words=["Paris"])) == 0.0  # orthogonal
    assert doc.similarity(Doc(vocab, words=doc.words)) == 1.0 and doc[0].similarity(vocab["my"]) == 1.0  # the same words


def test_similarity_without_vectors_warns_and_is_zero_as_spacy_does():
    vocab = Vocab("en")
    doc = Doc(vocab, words=["my", "dog"])
    with pytest.warns(UserWarning) as warned:
        assert doc.similarity(Doc(vocab, words=["a", "cat"])) == 0.0 and doc[1].similarity(doc[0]) == 0.0
    assert [str(w.message).split(":")[0] for w in warned] == [
        "Doc.similarity", "Evaluating Doc.similarity based on empty vectors", "Token.similarity", "Evaluating Token.similarity based on empty vectors",
    ]
    assert "the pipeline has no word vectors" in str(warned[0].message)
    vocab = vectors_vocab()  # with vectors, but none for these words
    with pytest.warns(UserWarning, match="Span.similarity based on empty vectors") as warned:
        assert Doc(vocab, words=["my", "dog"])[:1].similarity(Doc(vocab, words=["a"])) == 0.0
    assert len(warned) == 1


def test_user_hooks_replace_vectors_similarity_and_sentences():
    vocab = vectors_vocab()
    doc = Doc(vocab, words=["my", "dog", ".", "your", "cat"])
    assert not {"user_hooks", "user_span_hooks", "user_token_hooks"} & set(doc.__dict__)  # made on first use only

    class SimilarityModel:  # spaCy's documented example: a component that sets the hooks
        def __call__(self, doc):
            doc.user_hooks["similarity"] = self.similarity
            doc.user_span_hooks["similarity"] = self.similarity
            doc.user_token_hooks["similarity"] = self.similarity
            return doc

        def similarity(self, obj1, obj2):
            return float(len(obj1.text) == len(obj2.text))

    SimilarityModel()(doc)
    other = Doc(vocab, words=["a", "cat"])
    assert (doc.similarity(other), doc[1].similarity(other[1]), doc[:2].similarity(other)) == (0.0, 1.0, 0.0)
    assert other.similarity(Doc(vocab, words=["a", "puppy"])) == pytest.approx(0.96)  # a Doc without hooks
    # a token hook's vectors make the Doc's and Span's mean, as spaCy sums token.vector
    doc.user_token_hooks["vector"] = lambda token: np.full(3, len(token), dtype=np.float32)
    assert doc[1].vector.tolist() == [3, 3, 3] and doc[3:5].vector.tolist() == [3.5, 3.5, 3.5]
    doc.user_hooks["vector_norm"] = lambda d: 42.0
    doc.user_span_hooks["has_vector"] = lambda span: len(span) > 1
    assert doc.vector_norm == 42.0 and doc[:2].vector_norm == pytest.approx(np.sqrt(3 * 2.5**2))
    assert doc[:2].has_vector and not doc[4:5].has_vector
    doc.user_hooks["sents"] = lambda d: [d[:3], d[3:]]
    assert [s.text for s in doc.sents] == ["my dog .", "your cat"] and doc[4].sent.text == "your cat"
    doc.user_token_hooks["sent"] = lambda token: token.doc[:]
    assert doc[4].sent.text == doc.text
    # copies keep the hooks, as spaCy's `copy` and `as_doc`; bytes do not carry functions
    assert doc.copy().similarity(other) == 0.0 and doc[:2].as_doc().user_hooks["similarity"] == doc.user_hooks["similarity"]
    assert "user_hooks" not in Doc(vocab).from_bytes(doc.to_bytes()).__dict__


def two_sentences() -> Doc:
    """"She ate pizza . He slept ." parsed, with its two sentences marked."""
    return Doc(
        Vocab("en"), words=["She", "ate", "pizza", ".", "He", "slept", "."], heads=[1, 1, 1, 1, 5, 5, 5],
        deps=["nsubj", "ROOT", "obj", "punct", "nsubj", "ROOT", "punct"], sent_starts=[1, 0, 0, 0, 1, 0, 0],
    )


def test_attrs_constants_are_the_names_lexloom_takes():
    from lexloom import attrs
    from lexloom.attrs import HEAD, IS_ALPHA, LENGTH, LOWER, ORTH, SHAPE

    assert all(getattr(attrs, name) == name for name in attrs.NAMES) and attrs.intify_attr("lower") == LOWER
    doc = two_sentences()
    table = doc.to_array([ORTH, LOWER, SHAPE, IS_ALPHA, LENGTH, HEAD])
    strings = doc.vocab.strings
    assert [strings[i] for i in table[:, 1]][:2] == ["she", "ate"] and strings[int(table[0, 2])] == "Xxx"
    assert table[:, 3].tolist() == [1, 1, 1, 0, 1, 1, 0] and table[:, 4].tolist() == [3, 3, 5, 1, 2, 5, 1]
    assert table[:, 5].tolist() == [1, 0, -1, -2, 1, 0, -1]
    with pytest.raises(ValueError, match="cannot set SHAPE: it is the word's"):
        doc.from_array([SHAPE], table[:, 2:3])


def test_count_by_counts_tokens_by_attribute_value():
    from lexloom.attrs import IS_PUNCT, LOWER

    doc = Doc(Vocab("en"), words=["The", "cat", "saw", "the", "dog", "."])
    counts = doc.count_by(LOWER)
    assert {doc.vocab.strings[k]: n for k, n in counts.items()} == {"the": 2, "cat": 1, "saw": 1, "dog": 1, ".": 1}
    assert doc.count_by(IS_PUNCT) == {0: 5, 1: 1}
    assert doc.count_by(IS_PUNCT, exclude=lambda t: t.is_punct, counts={1: 7}) == {1: 7, 0: 5}  # adds to `counts`


def test_lca_matrix_of_a_parsed_doc_and_span():
    doc = two_sentences()
    lca = doc.get_lca_matrix()
    assert lca.shape == (7, 7) and (lca == lca.T).all() and np.diag(lca).tolist() == list(range(7))
    assert lca[0, 2] == 1 and lca[2, 3] == 1 and lca[4, 6] == 5  # "She"/"pizza" meet at "ate"
    assert (lca[:4, 4:] == -1).all()  # different sentences
    # in a span, offsets are the span's, and an ancestor outside it is none
    assert doc[2:4].get_lca_matrix().tolist() == [[0, -1], [-1, 1]]
    assert doc[1:3].get_lca_matrix().tolist() == [[0, 0], [0, 1]]


def test_span_sents_to_array_and_sentiment():
    doc = two_sentences()
    assert [s.text for s in doc[2:5].sents] == ["She ate pizza .", "He slept ."]  # across the boundary
    assert [s.text for s in doc[4:6].sents] == ["He slept ."]
    assert [s.text for s in doc[4:4].sents] == ["He slept ."]  # an empty span: the sentence it starts
    assert doc[2:5].to_array(["ORTH", "HEAD"]).tolist() == doc.to_array(["ORTH", "HEAD"])[2:5].tolist()
    assert (doc.sentiment, doc[0].sentiment, doc[:2].sentiment) == (0.0, 0.0, 0.0)
    doc.user_token_hooks["sentiment"] = lambda token: float(len(token))
    assert doc[0].sentiment == 3.0 and doc[:3].sentiment == pytest.approx(11 / 3)  # the tokens' mean
    doc.user_span_hooks["sentiment"] = lambda span: -1.0
    assert doc[:3].sentiment == -1.0
    doc.sentiment = 0.25
    assert doc.copy().sentiment == 0.25 and Doc(doc.vocab).from_bytes(doc.to_bytes()).sentiment == 0.25


def test_token_entity_codes_and_lexeme_defaults_as_spacy():
    doc = two_sentences()
    pizza = doc[2]
    assert (pizza.ent_iob, pizza.ent_iob_, pizza.ent_type) == (0, "", 0)
    doc.ents = []
    pizza.ent_type_ = "FOOD"  # as spaCy's: the type only, so no entity of an O token
    assert (pizza.ent_type_, pizza.ent_iob_, doc.ents) == ("FOOD", "O", ())
    pizza.ent_iob = 3
    assert [(e.text, e.label_) for e in doc.ents] == [("pizza", "FOOD")]
    doc[0].ent_type = doc.vocab.strings.add("PERSON")
    assert doc[0].ent_type_ == "PERSON"
    with pytest.raises(ValueError, match="ent_iob is 1"):
        pizza.ent_iob = 0
    assert (pizza.prob, pizza.cluster, pizza.lex.prob) == (-20.0, 0, -20.0)
    assert doc.vocab.strings[doc.lang] == "en" == doc.vocab.strings[pizza.lang]
    assert pizza.is_oov and pizza.lex_id == 2**64 - 1
    doc.vocab.set_vector("cat", [0.0, 1.0])
    doc.vocab.set_vector("pizza", [1.0, 0.0])
    assert not pizza.is_oov and pizza.lex_id == pizza.rank == pizza.lex.rank == 1 and doc[0].is_oov


def test_doc_to_dict_and_from_dict():
    doc = two_sentences()
    doc.ents = [Span(doc, 2, 3, "FOOD")]
    doc.spans["sc"] = [Span(doc, 0, 3, "CLAUSE")]
    doc.cats = {"FOOD": 1.0}
    doc.sentiment = 0.5
    doc.user_data["source"] = "test"
    data = doc.to_dict()
    assert data["text"] == doc.text and data["sentiment"] == 0.5
    copy = Doc(Vocab("en")).from_dict(data)
    assert copy.words == doc.words and copy.heads == doc.heads
    assert [t.dep_ for t in copy] == [t.dep_ for t in doc] and [s.text for s in copy.sents] == [s.text for s in doc.sents]
    assert [(e.text, e.label_) for e in copy.ents] == [("pizza", "FOOD")] and copy.cats == {"FOOD": 1.0}
    assert copy.sentiment == 0.5 and copy.user_data == {"source": "test"}
    assert copy.spans["sc"][0].doc is copy and copy.spans["sc"][0].text == "She ate pizza"
    lean = Doc(doc.vocab).from_dict(doc.to_dict(exclude=["user_data", "sentiment", "cats"]))
    assert (lean.user_data, lean.sentiment, lean.cats) == ({}, 0.0, {})


def test_morph_analysis_is_exported():
    from lexloom.tokens import MorphAnalysis

    doc = Doc(Vocab("en"), words=["cats"], morphs=["Number=Plur"])
    assert isinstance(doc[0].morph, MorphAnalysis) and doc[0].morph.get("Number") == ["Plur"]


def test_has_dep_has_head_sent_start_and_flags_as_spacy(doc):
    doc[4].dep_ = ""  # "startup" keeps its head, loses its label
    doc[9].head, doc[9].dep_ = doc[9], ""  # "." heads itself, unlabelled: no head annotation
    assert [t.has_dep() for t in doc] == [True] * 4 + [False] + [True] * 4 + [False]
    assert [t.has_head() for t in doc] == [True] * 9 + [False]  # the root heads itself with a label
    bare = Doc(doc.vocab, words=["no", "parse"])
    assert [(t.has_dep(), t.has_head()) for t in bare] == [(False, False), (False, False)]
    sents = Doc(doc.vocab, words=["Hi", ".", "Bye", "."], sent_starts=[1, 0, 1, 0])
    assert [t.sent_start for t in sents] == [False, -1, 1, -1]  # spaCy 3's raw codes, False for the first
    sents[3].sent_start = True
    assert sents[3].is_sent_start and [s.text for s in sents.sents] == ["Hi .", "Bye", "."]
    assert doc[2:5].orth_ == doc[2:5].text == "buying U.K. startup"
    from lexloom.attrs import IS_DIGIT, IS_TITLE

    assert doc[7].check_flag(IS_DIGIT) and doc[0].check_flag(IS_TITLE) and not doc[0].check_flag("is_digit")
    with pytest.raises(ValueError, match="check_flag takes a flag such as IS_ALPHA.*not 'LOWER'"):
        doc[0].check_flag("LOWER")
