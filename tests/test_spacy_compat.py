"""What spaCy users write, run as they write it: spaCy's import paths, labels given as
string ids, v2's verbs (each warning once), load(disable/exclude/enable), select_pipes,
pipe(as_tuples), span groups, `._` extensions and displacy."""
import io
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


def test_spacy_top_level_and_util_names(tmp_path):
    from lexloom import language
    from lexloom.config import load_config as config_load_config
    from lexloom.lang import tokenizer
    from lexloom.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, get_lang_class, is_package, load_config

    assert lexloom.Language is language.Language
    assert (compile_prefix_regex, compile_suffix_regex, compile_infix_regex) == (
        tokenizer.compile_prefix_regex, tokenizer.compile_suffix_regex, tokenizer.compile_infix_regex)
    English = get_lang_class("en")
    assert English is get_lang_class("en") and issubclass(English, lexloom.Language)
    nlp = English()
    assert nlp.lang == "en" and [t.text for t in nlp("don't")] == ["do", "n't"]
    assert get_lang_class("grc")().lang == "grc"  # any code: the language-neutral rules
    with pytest.raises(LexloomError, match="'english' is not a language code"):
        get_lang_class("english")
    config_path = nlp.to_disk(tmp_path / "blank") / "config.cfg"
    assert load_config is config_load_config
    assert load_config(config_path, overrides={"nlp.lang": "es"})["nlp"]["lang"] == "es"
    assert English.from_config(load_config(config_path)).lang == "en"
    assert is_package("torch") and not is_package("no-such-package-here")


def test_prefer_and_require_gpu_on_a_machine_without_one(monkeypatch):
    from lexloom import language

    monkeypatch.setattr(language, "_default_gpu_id", -1)  # put back whatever the test leaves
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert lexloom.prefer_gpu() is False and lexloom.blank("en").device == torch.device("cpu")
    with pytest.raises(LexloomError, match="require_gpu: torch sees no CUDA device"):
        lexloom.require_gpu(gpu_id=0)
    assert lexloom.require_cpu() is True


def test_require_gpu_sets_the_device_of_pipelines_made_without_a_gpu_id(monkeypatch):
    """The GPU branch without a GPU: a blank pipeline only records its device."""
    from lexloom import language

    monkeypatch.setattr(language, "_default_gpu_id", -1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert lexloom.require_gpu(gpu_id=1) is True
    assert lexloom.blank("en").device == torch.device("cuda:1") and language.default_gpu_id() == 1
    assert lexloom.blank("en", gpu_id=-1).device == torch.device("cpu")  # an explicit gpu_id wins
    assert lexloom.Language.from_config({"nlp": {"lang": "en", "pipeline": []}}).device == torch.device("cuda:1")
    assert lexloom.prefer_gpu(gpu_id=0) is True and lexloom.blank("en").device == torch.device("cuda:0")
    with pytest.raises(LexloomError, match="no GPU 2; torch sees 2"):
        lexloom.require_gpu(gpu_id=2)
    lexloom.require_cpu()
    assert lexloom.blank("en").device == torch.device("cpu")


def test_info_lists_versions_and_installed_pipelines(monkeypatch, tmp_path, capsys):
    """A pipeline package as `lexloom package` lays it out, installed on sys.path."""
    from typer.testing import CliRunner

    from lexloom.cli import app

    bundled = tmp_path / "en_fake" / "en_fake-1.2.0"
    lexloom.blank("en").to_disk(bundled)
    (tmp_path / "en_fake" / "__init__.py").write_text("from pathlib import Path\nMODEL_DIR = Path(__file__).parent / 'en_fake-1.2.0'\n")
    dist_info = tmp_path / "en_fake-1.2.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: en_fake\nVersion: 1.2.0\n")
    (dist_info / "RECORD").write_text("en_fake/__init__.py,,\nen_fake/en_fake-1.2.0/meta.json,,\nen_fake/en_fake-1.2.0/config.cfg,,\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    data = lexloom.info()
    assert data["lexloom version"] == lexloom.__version__ and data["Python version"].count(".") == 2
    assert data["Pipelines"]["en_fake"] == "1.2.0" and capsys.readouterr().out == ""
    assert lexloom.info("en_fake")["lang"] == "en"
    lexloom.info(silent=False)
    out = capsys.readouterr().out
    assert "Info about lexloom" in out and "en_fake (1.2.0)" in out and f"lexloom version   {lexloom.__version__}" in out
    result = CliRunner().invoke(app, ["info", "en_fake", "--markdown"])
    assert result.exit_code == 0 and "## Info about pipeline 'en_fake'" in result.output and "* **lang:** en" in result.output
    with pytest.raises(ModelLoadError, match="'en_missing' is neither a pipeline directory nor an installed pipeline package"):
        lexloom.info("en_missing")


def test_symbols_are_the_names_they_stand_for():
    from lexloom import attrs
    from lexloom.symbols import GPE, IDS, NOUN, ORTH, VERB, dobj, nsubj

    assert (ORTH, NOUN, VERB, nsubj, dobj, GPE) == ("ORTH", "NOUN", "VERB", "nsubj", "dobj", "GPE")
    assert ORTH is attrs.ORTH and set(attrs.NAMES) <= set(IDS) and "list" not in IDS
    nlp = lexloom.blank("en")
    nlp.tokenizer.add_special_case("gimme", [{ORTH: "gim"}, {ORTH: "me"}])
    doc = Doc(nlp.vocab, words=["Dogs", "bark"], pos=["NOUN", "VERB"], heads=[1, 1], deps=["nsubj", "root"])
    assert [t.text for t in nlp("gimme")] == ["gim", "me"]
    assert [t.text for t in doc if t.pos_ == NOUN and t.dep_ == nsubj] == ["Dogs"]

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


def test_to_bytes_and_from_bytes_carry_the_whole_pipeline(saved_pipeline):
    nlp = lexloom.load(saved_pipeline)
    nlp.tokenizer.add_special_case("gimme", [{"ORTH": "gim"}, {"ORTH": "me"}])
    nlp.disable_pipe("parser")
    data = nlp.to_bytes()
    assert data == nlp.to_bytes()  # the same pipeline, the same bytes
    other = lexloom.blank("en")
    assert other.from_bytes(data) is other
    assert other.component_names == ["tagger", "parser", "ner"] and other.disabled == ["parser"]
    assert all(proc.nlp is other for _, proc in other.components)
    other.enable_pipe("parser")
    nlp.enable_pipe("parser")
    text = "gimme the old stone bridge over the river Elbe"
    ours, theirs = nlp(text), other(text)
    assert [t.text for t in theirs][:2] == ["gim", "me"]
    assert [(t.tag_, t.head.i, t.dep_) for t in ours] == [(t.tag_, t.head.i, t.dep_) for t in theirs]
    assert [(e.start, e.end, e.label_) for e in ours.ents] == [(e.start, e.end, e.label_) for e in theirs.ents]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_from_bytes_refuses_what_to_bytes_did_not_write(saved_pipeline):
    good = lexloom.load(saved_pipeline).to_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    nlp = lexloom.blank("en")
    with pytest.raises(ModelLoadError, match=r"nlp.from_bytes: not the bytes of nlp.to_bytes\(\) \(File is not a zip file\)"):
        nlp.from_bytes(b"not a pipeline")
    with pytest.raises(ModelLoadError, match="not a zip file"):
        nlp.from_bytes(good[: len(good) // 2])
    with pytest.raises(ModelLoadError, match=r"\(no meta.json in it\)"):
        nlp.from_bytes(_zip({"config.cfg": files["config.cfg"]}))
    with pytest.raises(ModelLoadError, match="pickled files are not loaded"):
        nlp.from_bytes(_zip({**files, "tagger/model.pkl": b"cos\nsystem\n."}))
    with pytest.raises(ModelLoadError, match="<bytes>: archive member '../escape.txt' would be written outside"):
        nlp.from_bytes(_zip({**files, "../escape.txt": b"x"}))
    with pytest.raises(ModelLoadError, match=r"nlp.from_bytes: <bytes>: corrupt component files \(SafetensorError"):
        nlp.from_bytes(_zip({**files, "tagger/model.safetensors": b"garbage"}))
    with pytest.raises(TypeError, match="takes the bytes of nlp.to_bytes"):
        nlp.from_bytes("text")
    assert nlp.component_names == []  # a refused from_bytes leaves the pipeline as it was


def test_replace_rename_and_pipe_labels(tmp_path):
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec", config={"model": dict(SMALL_TOK2VEC)})
    listener = {"tok2vec": {"@architectures": "lexloom.Tok2VecListener.v1", "width": 64}}
    nlp.add_pipe("tagger", config={"model": listener}).add_label("NN")
    nlp.add_pipe("ner", config=SMALL)
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "Apple"}])
    nlp.add_pipe("sentencizer")
    assert nlp.pipe_labels == {"tagger": ["NN"], "ner": [], "entity_ruler": ["ORG"]}
    nlp.disable_pipe("ner")
    nlp.rename_pipe("ner", "entities")
    assert nlp.component_names == ["tok2vec", "tagger", "entities", "entity_ruler", "sentencizer"]
    assert nlp.disabled == ["entities"] and nlp.get_pipe("entities").name == "entities"
    assert nlp.config["nlp"]["pipeline"] == nlp.component_names and nlp.config["components"]["entities"]["factory"] == "ner"
    with pytest.raises(ValueError, match="'tagger' already exists"):
        nlp.rename_pipe("entities", "tagger")
    with pytest.raises(ValueError, match="tagger listen to 'tok2vec' by its name"):
        nlp.rename_pipe("tok2vec", "encoder")
    with pytest.raises(KeyError, match="no component 'parser'"):
        nlp.rename_pipe("parser", "syntax")
    ruler = nlp.replace_pipe("entities", "entity_ruler", config={"overwrite_ents": True})
    assert nlp.get_pipe("entities") is ruler and ruler.name == "entities" and nlp.disabled == []
    assert nlp.component_names == ["tok2vec", "tagger", "entities", "entity_ruler", "sentencizer"]
    assert nlp.config["components"]["entities"]["factory"] == "entity_ruler"
    assert nlp.pipe_labels["entities"] == []
    with pytest.raises(KeyError, match="no component 'parser'"):
        nlp.replace_pipe("parser", "sentencizer")
    with pytest.raises(TypeError, match="takes a factory name"):
        nlp.replace_pipe("sentencizer", lambda doc: doc)
    nlp.remove_pipe("entities")
    nlp.add_pipe("sentencizer", name="entities")  # removing a component forgets that it was disabled
    assert "entities" in nlp.pipe_names
    nlp.initialize()
    again = lexloom.load(nlp.to_disk(tmp_path / "renamed"))  # saved and loaded under their new names
    assert again.component_names == nlp.component_names and again.get_pipe("entities").factory == "sentencizer"


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


# --- spaCy's Language attributes, util helpers, training and scoring names ---------------------
def test_max_length_batch_size_path_and_factories(tmp_path):
    from lexloom.language import Language

    nlp = lexloom.blank("en")
    assert (nlp.max_length, nlp.batch_size, nlp.path) == (1_000_000, 256, None)
    nlp.max_length = 10
    for run in (nlp, nlp.make_doc, lambda text: list(nlp.pipe([text]))):
        with pytest.raises(ValueError, match=r"12 characters is longer than nlp.max_length \(10\).*nlp.max_length = len\(text\)"):
            run("twelve chars")
    assert nlp("ten chars!").text == "ten chars!"
    nlp.batch_size = 2  # texts nlp.pipe reads at a time: each batch is made into Docs at once
    seen = []
    make_docs = nlp.make_docs
    nlp.make_docs = lambda texts, pipeline=None: (seen.append(len(texts)), make_docs(texts, pipeline))[1]
    assert [d.text for d in nlp.pipe(["a", "b", "c", "d", "e"])] == ["a", "b", "c", "d", "e"]
    assert seen == [2, 2, 1]
    nlp.to_disk(tmp_path / "p")
    assert lexloom.load(tmp_path / "p").path == tmp_path / "p"
    assert Language.has_factory("ner") and not Language.has_factory("no_such_factory")
    assert "tagger" in Language.factories and callable(Language.factories["tagger"])


def test_class_level_stop_words_reach_later_pipelines_and_are_saved(tmp_path):
    from lexloom.lang.en import English

    before = lexloom.blank("en")
    before.vocab.stop_words  # read before the change: keeps its own list
    English.Defaults.stop_words.add("btw")
    try:
        nlp = English()
        assert nlp("btw")[0].is_stop and not before("btw")[0].is_stop
        nlp.to_disk(tmp_path / "p")
    finally:
        English.Defaults.stop_words.discard("btw")
    assert lexloom.load(tmp_path / "p")("btw")[0].is_stop
    assert not lexloom.blank("en")("btw")[0].is_stop


def test_util_helpers(tmp_path):
    import logging
    from pathlib import Path

    from lexloom import util

    words, spaces = util.get_words_and_spaces(["Hello", ",", "world", "!"], "Hello,  world!")
    assert (words, spaces) == (["Hello", ",", " ", "world", "!"], [False, True, False, False, False])
    assert Doc(lexloom.blank("en").vocab, words, spaces).text == "Hello,  world!"
    with pytest.raises(ValueError, match="do not make up the text 'Hello world'"):
        util.get_words_and_spaces(["Hello", "word"], "Hello world")
    assert util.ensure_path("a/b") == Path("a/b") and util.ensure_path(None) is None
    with util.make_tempdir() as tmp, util.working_dir(tmp) as cwd:
        assert Path.cwd() == cwd == tmp.resolve()
    assert not tmp.exists() and Path.cwd() != cwd
    assert util.load_model is lexloom.load and isinstance(util.get_installed_models(), list)
    assert isinstance(util.logger, logging.Logger) and util.logger.name == "lexloom"


def test_docs_to_json_round_trip():
    from lexloom.convert import json_to_docs
    from lexloom.training import docs_to_json, tags_to_entities

    vocab = lexloom.blank("en").vocab
    doc = Doc(
        vocab, ["Anna", "lives", "in", "Rome", ".", "She", "smiles"], [True, True, True, False, True, True, False],
        tags=["NNP", "VBZ", "IN", "NNP", ".", "PRP", "VBZ"], heads=[1, 1, 3, 1, 1, 6, 6],
        deps=["nsubj", "ROOT", "case", "obl", "punct", "nsubj", "ROOT"], sent_starts=[1, 0, 0, 0, 0, 1, 0],
        ents=["U-PER", "O", "O", "U-LOC", "O", "O", "O"], cats={"TRAVEL": 1.0},
    )
    data = docs_to_json([doc])
    paragraph = data["paragraphs"][0]
    assert paragraph["raw"] == doc.text and [len(s["tokens"]) for s in paragraph["sentences"]] == [5, 2]
    assert paragraph["sentences"][0]["tokens"][3] == {"id": 3, "orth": "Rome", "space": "", "tag": "NNP", "head": -2, "dep": "obl", "ner": "U-LOC"}
    back = next(json_to_docs(data, vocab))
    assert (back.text, back.tags, back.heads, back.cats) == (doc.text, doc.tags, doc.heads, doc.cats)
    assert [(e.text, e.label_) for e in back.ents] == [("Anna", "PER"), ("Rome", "LOC")]
    assert [s.text for s in back.sents] == ["Anna lives in Rome.", "She smiles"]
    assert docs_to_json(back) == data
    assert tags_to_entities(["U-PER", "O", "B-LOC", "L-LOC"]) == [("PER", 0, 0), ("LOC", 2, 3)]  # ends inclusive


def test_get_aligned_over_a_tokenization_mismatch():
    from lexloom.training import Example

    vocab = lexloom.blank("en").vocab
    predicted = Doc(vocab, ["New York", "is", "big"], [True, True, False])
    reference = Doc(
        vocab, ["New", "York", "is", "big"], [True, True, True, False],
        tags=["NNP", "NNPS", "VBZ", "JJ"], pos=["PROPN", "PROPN", "AUX", "ADJ"], ents=["B-GPE", "L-GPE", "O", "-"],
    )
    eg = Example(predicted, reference)
    assert eg.get_aligned("TAG", as_string=True) == [None, "VBZ", "JJ"]  # two reference tags disagree
    assert eg.get_aligned("POS", as_string=True) == ["PROPN", "AUX", "ADJ"]  # they agree
    assert eg.get_aligned_ner() == ["U-GPE", "O", None]
    assert Example(predicted, Doc(vocab, ["New", "York", "is", "big"])).get_aligned_ner() == [None] * 3
    with pytest.raises(ValueError, match="cannot align 'head' as strings"):
        eg.get_aligned("HEAD", as_string=True)


def test_docbin_merge(tmp_path):
    vocab = lexloom.blank("en").vocab
    first = DocBin(docs=[Doc(vocab, ["a"]), Doc(vocab, ["b"])])
    first.to_disk(tmp_path / "first.lexloom")
    loaded = DocBin().from_disk(tmp_path / "first.lexloom")
    loaded.merge(DocBin(docs=[Doc(vocab, ["c"], ents=["U-X"])]))
    assert len(loaded) == 3
    docs = list(DocBin().from_bytes(loaded.to_bytes()).get_docs(vocab))
    assert [d.text for d in docs] == ["a", "b", "c"] and [e.label_ for e in docs[2].ents] == ["X"]
    with pytest.raises(TypeError, match="takes another DocBin"):
        loaded.merge([Doc(vocab, ["d"])])
