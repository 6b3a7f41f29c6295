"""What spaCy users write, run as they write it: spaCy's import paths, labels given as
string ids, v2's verbs (each warning once), load(disable/exclude/enable), select_pipes,
pipe(as_tuples), span groups, `._` extensions and displacy."""
import json
import socket
import threading
import urllib.request
import warnings
import zipfile

import pytest
import torch

import lexloom
from lexloom import compat, displacy
from lexloom.compat import V2APIWarning
from lexloom.errors import LexloomError, ModelLoadError
from lexloom.matcher import Matcher
from lexloom.tokens import Doc, DocBin, Span, Token

from conftest import SMALL_TOK2VEC  # noqa: E402

SMALL = {"model": {"tok2vec": dict(SMALL_TOK2VEC)}}


# --- where spaCy users import things from --------------------------------------------------
def test_spacy_import_paths():
    from lexloom.lang.en import English
    from lexloom.training import Example
    from lexloom.training.batchers import minibatch as batchers_minibatch
    from lexloom.training.schedules import compounding as schedules_compounding
    from lexloom.util import compounding, filter_spans, minibatch

    assert minibatch is batchers_minibatch and compounding is schedules_compounding
    assert Example is lexloom.tokens.Example
    assert [len(b) for b in minibatch(range(10), size=compounding(2.0, 4.0, 2.0))] == [2, 4, 4]
    nlp = English()
    assert nlp.lang == "en" and [t.text for t in nlp.tokenizer("It's here.")] == ["It", "'s", "here", "."]
    doc = nlp("the new iPhone X case")
    assert [s.text for s in filter_spans([doc[1:3], doc[2:5], doc[0:1]])] == ["the", "iPhone X case"]
    with pytest.raises(AttributeError):
        lexloom.util.not_there  # noqa: B018


# --- labels given as ids ---------------------------------------------------------------------
def test_match_ids_label_spans_ents_and_docbin(tmp_path):
    nlp = lexloom.blank("en")
    matcher = Matcher(nlp.vocab)
    matcher.add("GADGET", [[{"LOWER": "pixel"}, {"IS_DIGIT": True}], [{"LOWER": "kindle"}]])
    docs = []
    for doc in nlp.pipe(["My Pixel 7 broke", "a Kindle and a Pixel 8", "nothing here"]):
        doc.ents = [Span(doc, start, end, label=match_id) for match_id, start, end in matcher(doc)]
        docs.append(doc)
    match_id = nlp.vocab.strings["GADGET"]
    assert nlp.vocab.strings[match_id] == "GADGET"
    assert [(e.text, e.label_, e.label) for e in docs[1].ents] == [("Kindle", "GADGET", match_id), ("Pixel 8", "GADGET", match_id)]
    DocBin(docs=docs).to_disk(tmp_path / "train.lexloom")
    read = list(DocBin().from_disk(tmp_path / "train.lexloom").get_docs(lexloom.blank("en").vocab))
    assert [[(e.text, e.label_) for e in d.ents] for d in read] == [[("Pixel 7", "GADGET")], [("Kindle", "GADGET"), ("Pixel 8", "GADGET")], []]
    strings = zipfile.ZipFile(tmp_path / "train.lexloom").read("strings.json").decode()
    assert '"GADGET"' in strings

    doc = nlp("Ada met Alan")
    person = nlp.vocab.strings.add("PERSON")
    doc.ents = [(person, 0, 1), ("PERSON", 2, 3)]
    assert [(e.text, e.label_) for e in doc.ents] == [("Ada", "PERSON"), ("Alan", "PERSON")]
    ner = nlp.add_pipe("ner", config=SMALL)
    assert ner.add_label(match_id) == 1 and ner.labels == ("GADGET",)
    with pytest.raises(ValueError, match="label id 99999 is not in this StringStore"):
        Span(doc, 0, 1, label=99999)
    with pytest.raises(TypeError, match="a label is a string or a string id"):
        Span(doc, 0, 1, label=1.5)


# --- the v2 verbs ----------------------------------------------------------------------------
def test_each_v2_spelling_warns_once_and_names_the_v3_one(monkeypatch):
    monkeypatch.setattr(compat, "_warned", set())
    nlp = lexloom.blank("en")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("tagger", "parser"):
            nlp.add_pipe(nlp.create_pipe(name, config=SMALL))
        for _ in range(2):
            nlp.begin_training()
            with nlp.disable_pipes("parser"):
                nlp.update(["we sing"], [{"tags": ["PRP", "VBP"]}])
    messages = [str(w.message) for w in caught if issubclass(w.category, V2APIWarning)]
    assert issubclass(V2APIWarning, FutureWarning)
    assert len(messages) == 4, messages
    assert any("nlp.create_pipe" in m and 'nlp.add_pipe("name"' in m for m in messages)
    assert any("disable_pipes" in m and "select_pipes" in m for m in messages)
    assert any("begin_training" in m and "nlp.initialize()" in m for m in messages)
    assert any("update(texts, annotations)" in m and "Example.from_dict" in m for m in messages)
    assert all(w.filename == __file__ for w in caught if issubclass(w.category, V2APIWarning))


@pytest.mark.filterwarnings("ignore::lexloom.compat.V2APIWarning")
def test_create_pipe_and_add_pipe_positions():
    nlp = lexloom.blank("en")
    ner = nlp.create_pipe("ner", config=SMALL)
    assert nlp.pipe_names == [] and ner.name == "ner"
    assert nlp.add_pipe(ner, last=True) is ner
    nlp.add_pipe(nlp.create_pipe("tagger", config=SMALL), first=True)
    nlp.add_pipe(nlp.create_pipe("parser", config=SMALL), before="ner")
    nlp.add_pipe(nlp.create_pipe("senter", config=SMALL), name="sentences", after="tagger")
    assert nlp.pipe_names == ["tagger", "sentences", "parser", "ner"]
    assert nlp.get_pipe("sentences").name == "sentences"
    assert nlp.config["nlp"]["pipeline"] == nlp.pipe_names
    assert nlp.remove_pipe("sentences").factory == "senter" and nlp.pipe_names == ["tagger", "parser", "ner"]
    with pytest.raises(ValueError, match="no component 'lemmatizer' to add 'textcat' next to"):
        nlp.add_pipe("textcat", after="lemmatizer")
    with pytest.raises(ValueError, match="already exists"):
        nlp.add_pipe(nlp.create_pipe("ner", config=SMALL))
    # v2's textcat settings map onto the v3 components and models
    assert nlp.create_pipe("textcat", config={"exclusive_classes": False}).factory == "textcat_multilabel"
    bow = nlp.create_pipe("textcat", config={"exclusive_classes": True, "architecture": "bow"})
    assert bow.factory == "textcat" and bow.spec.tok2vec is None
    with pytest.raises(ValueError, match="textcat architecture 'lstm'"):
        nlp.create_pipe("textcat", config={"architecture": "lstm"})


def test_update_steps_the_initialized_optimizer_unless_sgd_is_false():
    from lexloom.training import Example

    torch.manual_seed(0)
    nlp = lexloom.blank("en")
    tagger = nlp.add_pipe("tagger", config=SMALL)
    tagger.add_label("NN")
    tagger.add_label("VB")
    optimizer = nlp.initialize()
    examples = [Example.from_dict(nlp.make_doc("dogs run"), {"tags": ["NN", "VB"]})]
    weights = lambda: [p.detach().clone() for _, p in nlp.named_parameters()]  # noqa: E731
    before = weights()
    nlp.update(examples, sgd=False)
    assert all(torch.equal(a, b) for a, b in zip(before, weights())) and optimizer.step_count == 0
    nlp.update(examples)
    assert optimizer.step_count == 1 and not all(torch.equal(a, b) for a, b in zip(before, weights()))


# --- loading and selecting components ----------------------------------------------------------
@pytest.fixture(scope="module")
def saved_pipeline(tmp_path_factory):
    nlp = lexloom.blank("en")
    for name in ("tagger", "parser", "ner"):
        proc = nlp.add_pipe(name, config=SMALL)
        proc.add_label("X")
    nlp.initialize()
    return nlp.to_disk(tmp_path_factory.mktemp("saved") / "pipeline")


def test_load_with_disable_exclude_and_enable(saved_pipeline, tmp_path):
    nlp = lexloom.load(saved_pipeline, disable=["parser"], exclude=["ner"])
    assert nlp.component_names == ["tagger", "parser"] and nlp.pipe_names == ["tagger"] and nlp.disabled == ["parser"]
    doc = nlp("a short text")
    assert doc.has_annotation("TAG") and not doc.has_annotation("HEAD")
    nlp.enable_pipe("parser")
    assert nlp.pipe_names == ["tagger", "parser"] and nlp("a short text").has_annotation("HEAD")
    nlp.to_disk(tmp_path / "without-ner")  # the excluded component is gone from the config too
    assert lexloom.load(tmp_path / "without-ner").component_names == ["tagger", "parser"]
    assert lexloom.load(saved_pipeline, enable=["ner"]).pipe_names == ["ner"]
    with pytest.warns(UserWarning, match="'lemmatizer' not in the pipeline"):
        lexloom.load(saved_pipeline, disable=["lemmatizer"])


def test_nlp_disabled_in_the_config_as_spacy(saved_pipeline, tmp_path):
    """What is disabled when saved loads disabled (`[nlp] disabled`, as spaCy writes it)."""
    nlp = lexloom.load(saved_pipeline, disable=["parser"])
    path = nlp.to_disk(tmp_path / "saved")
    again = lexloom.load(path)
    assert again.config["nlp"]["disabled"] == ["parser"] and again.pipe_names == ["tagger", "ner"]
    assert lexloom.load(path, exclude=["parser"]).component_names == ["tagger", "ner"]
    again.enable_pipe("parser")
    assert "disabled" not in lexloom.load(again.to_disk(tmp_path / "enabled")).config["nlp"]
    config = (path / "config.cfg").read_text()
    (path / "config.cfg").write_text(config.replace('disabled = ["parser"]', 'disabled = ["senter"]'))
    with pytest.raises(ModelLoadError, match=r"\[nlp\] disabled = \['senter'\]: expected a list of names from \[nlp\] pipeline"):
        lexloom.load(path)


def test_select_pipes_in_and_out_of_a_with_block(saved_pipeline):
    nlp = lexloom.load(saved_pipeline)
    with nlp.select_pipes(enable="ner"):
        assert nlp.pipe_names == ["ner"]
    assert nlp.pipe_names == ["tagger", "parser", "ner"]
    disabled = nlp.select_pipes(disable=["tagger", "parser"])
    assert nlp.pipe_names == ["ner"] and disabled == ["tagger", "parser"]
    disabled.restore()
    assert nlp.pipe_names == ["tagger", "parser", "ner"]
    with pytest.raises(KeyError, match="no component 'textcat'"):
        nlp.select_pipes(enable=["textcat"])


def test_pipe_as_tuples_keeps_each_context_with_its_text(saved_pipeline):
    nlp = lexloom.load(saved_pipeline)
    texts = [("word " * n).strip() for n in (5, 1, 9, 3, 7, 2)]
    pairs = [(text, {"id": i}) for i, text in enumerate(texts)]
    out = list(nlp.pipe(pairs, as_tuples=True, batch_size=4, disable=["parser"]))
    assert [(doc.text, context["id"]) for doc, context in out] == [(t, i) for i, t in enumerate(texts)]
    assert all(doc.has_annotation("TAG") and not doc.has_annotation("HEAD") for doc, _ in out)
    assert nlp.pipe_names == ["tagger", "parser", "ner"]


# --- span groups --------------------------------------------------------------------------------
def test_span_groups_are_saved_in_lexloom_files(tmp_path):
    from lexloom.training import Example

    nlp = lexloom.blank("en")
    doc = nlp("the red brick house on Elm Street")
    doc.spans["sc"] = [Span(doc, 1, 4, "BUILDING"), Span(doc, 2, 3, nlp.vocab.strings.add("MATERIAL"))]
    doc.spans["sc"].append(Span(doc, 5, 7, "STREET"))
    doc.spans["empty"] = []
    plain = nlp("no groups here")
    plain.cats = {"POSITIVE": True, "NEGATIVE": False}  # v2's way of giving categories
    DocBin(docs=[doc, plain]).to_disk(tmp_path / "spans.lexloom")
    read, read_plain = DocBin().from_disk(tmp_path / "spans.lexloom").get_docs(lexloom.blank("en").vocab)
    assert {k: [(s.text, s.label_) for s in g] for k, g in read.spans.items()} == {
        "sc": [("red brick house", "BUILDING"), ("brick", "MATERIAL"), ("Elm Street", "STREET")],
        "empty": [],
    }
    assert dict(read_plain.spans) == {} and read_plain.cats == {"POSITIVE": 1.0, "NEGATIVE": 0.0}
    extras = json.loads(zipfile.ZipFile(tmp_path / "spans.lexloom").read("000000/docs.json"))
    assert "spans" not in extras[1]  # a Doc without groups is stored as before span groups existed
    with pytest.raises(ValueError, match="belongs to another Doc"):
        doc.spans["sc"].append(Span(plain, 0, 1))
    copied = doc.copy()
    assert [s.text for s in copied.spans["sc"]] == ["red brick house", "brick", "Elm Street"] and copied.spans["sc"][0].doc is copied
    eg = Example.from_dict(nlp.make_doc("a blue door"), {"spans": {"sc": [(2, 11, "THING")]}})
    assert [(s.text, s.label_) for s in eg.reference.spans["sc"]] == [("blue door", "THING")]


# --- ._ extensions -----------------------------------------------------------------------------
@pytest.fixture
def extensions():
    added = []

    def add(cls, name, **kwargs):
        cls.set_extension(name, **kwargs)
        added.append((cls, name))

    yield add
    for cls, name in added:
        if cls.has_extension(name):
            cls.remove_extension(name)


def test_extensions_default_getter_setter_method(extensions, tmp_path):
    nlp = lexloom.blank("en")
    extensions(Token, "is_colour", default=False)
    extensions(Doc, "colours", getter=lambda doc: [t.text for t in doc if t._.is_colour])
    extensions(Doc, "notes", default=[])
    store = {}
    extensions(Span, "kind", getter=lambda span: store.get((span.start, span.end), "?"), setter=lambda span, v: store.__setitem__((span.start, span.end), v))
    extensions(Span, "shout", method=lambda span, end="!": span.text.upper() + end)
    doc = nlp("a red and a green door")
    for token in doc:
        token._.is_colour = token.text in ("red", "green")
    assert doc._.colours == ["red", "green"]
    doc._.notes.append("painted")
    assert nlp("x")._.notes == [] and Doc.get_extension("notes").default == []
    doc[4:6]._.kind = "object"
    assert doc[4:6]._.kind == "object" and doc[0:1]._.kind == "?"
    assert doc[4:6]._.shout("?") == "GREEN DOOR?" and doc[4:6]._.get("kind") == "object" and doc._.has("notes")
    with pytest.raises(AttributeError, match="has a getter or method and no setter"):
        doc._.colours = []
    with pytest.raises(AttributeError, match="Token has no extension 'nope'"):
        doc[0]._.nope  # noqa: B018
    with pytest.raises(ValueError, match="already exists"):
        Token.set_extension("is_colour", default=True)
    Token.set_extension("is_colour", default=None, force=True)
    with pytest.raises(ValueError, match="exactly one of default=, getter= or method="):
        Token.set_extension("both", default=1, getter=len)
    # stored values go to user_data under string keys, so a DocBin keeps them
    DocBin(docs=[doc]).to_disk(tmp_path / "ext.lexloom")
    (read,) = DocBin().from_disk(tmp_path / "ext.lexloom").get_docs(lexloom.blank("en").vocab)
    assert [t._.is_colour for t in read] == [False, True, False, False, True, False]
    assert read._.notes == ["painted"]
    assert Doc.remove_extension("notes").default == [] and not Doc.has_extension("notes")


# --- displacy --------------------------------------------------------------------------------------
def annotated_doc():
    vocab = lexloom.blank("en").vocab
    return Doc(vocab, words=["Ada", "visited", "<Oslo>"], heads=[1, 1, 1], deps=["nsubj", "ROOT", "obj"], tags=["NNP", "VBD", "NNP"], pos=["PROPN", "VERB", "PROPN"], ents=["U-PER", "O", "U-LOC"])


def test_displacy_render_dep_and_ent():
    doc = annotated_doc()
    dep = displacy.render(doc, style="dep")
    assert dep.count("<svg") == 1 and ">nsubj</text>" in dep and ">VERB</text>" in dep and "&lt;Oslo&gt;" in dep
    assert "<Oslo>" not in dep and "<script" not in dep
    ent = displacy.render([doc, doc[1:3]], style="ent", options={"ents": ["LOC"], "colors": {"LOC": "#abcdef"}})
    assert ent.count('<mark class="ent"') == 2 and "background: #abcdef" in ent and ">PER</span>" not in ent
    page = displacy.render(doc, style="ent", page=True)
    assert page.startswith("<!DOCTYPE html>") and "Ada" in page
    with pytest.raises(ValueError, match="unknown displacy style 'tree'"):
        displacy.render(doc, style="tree")
    with pytest.raises(LexloomError, match="needs IPython"):
        displacy.render(doc, jupyter=True)


def test_displacy_span_style_stacks_overlapping_spans():
    from html.parser import HTMLParser

    doc = annotated_doc()
    doc.spans["sc"] = [Span(doc, 0, 2, "CLAUSE"), Span(doc, 1, 3, "VISIT"), Span(doc, 2, 3, "CITY")]
    html = displacy.render(doc, style="span", options={"colors": {"CITY": "#abcdef"}})
    assert [html.count(f">{label}</span>") for label in ("CLAUSE", "VISIT", "CITY")] == [1, 1, 1]  # each label once, where it starts
    assert all(f">{word}<" in html for word in ("Ada", "visited", "&lt;Oslo&gt;")) and "<Oslo>" not in html

    class Lines(HTMLParser):  # the span lines under each token, by their rows
        def __init__(self):
            super().__init__()
            self.tops: list[list[str]] = []

        def handle_starttag(self, tag, attrs):
            cls, style = dict(attrs).get("class", ""), dict(attrs).get("style", "")
            if cls == "token":
                self.tops.append([])
            elif cls.startswith("line"):
                self.tops[-1].append(style.split("top: ")[1])

    lines = Lines()
    lines.feed(html)
    # VISIT overlaps CLAUSE, so it goes a row down; CITY overlaps VISIT only, so it takes the first row
    assert lines.tops == [["40px"], ["40px", "57px"], ["57px", "40px"]] and "background: #abcdef" in html
    other = displacy.render(doc[2:3], style="span", options={"spans_key": "sc"})  # a Span: its part of the spans
    assert ">VISIT</span>" in other and ">CLAUSE</span>" not in other
    with pytest.warns(UserWarning, match=r"no spans to show in doc.spans\['people'\]"):
        displacy.render(doc, style="span", options={"spans_key": "people"})


def test_displacy_serve_answers_with_the_page():
    doc = annotated_doc()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    threading.Thread(target=displacy.serve, args=(doc,), kwargs={"style": "ent", "port": port, "host": "127.0.0.1"}, daemon=True).start()
    for _ in range(100):
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
            break
        except OSError:
            threading.Event().wait(0.05)
    assert body.startswith("<!DOCTYPE html>") and ">LOC</span>" in body
