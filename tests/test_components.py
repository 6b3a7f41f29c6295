"""Components of the user's own: a trainable one from a `--code` file through train, evaluate
and package to a package that loads by name; `Language.component`; and the two built-ins
written with that public API alone, `entity_ruler` and `sentencizer`."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.config.init import init_config
from lexloom.convert import convert, read_docs
from lexloom.errors import ConfigError, DataError, LexloomError
from lexloom.language import Language
from lexloom.tokens import Doc, Example
from lexloom.config.registry import import_code

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "custom_component.py"
UD = ROOT / "tests" / "data" / "ud" / "en_ewt-ud-dev-150.conllu"
PATTERNS = ROOT / "tests" / "data" / "gadgets" / "patterns.jsonl"
# A training sentence of the UD slice, and which of its words are nouns (UPOS NOUN or PROPN).
SENTENCE = "President Bush on Tuesday nominated two individuals to replace retiring jurists on federal courts in the Washington area."
NOUNS = [True, True, False, True, False, False, True, False, False, False, True, False, False, True, False, False, True, True, False]


def lexloom_cli(*args, cwd: Path) -> str:
    """Run `lexloom ...` in a fresh process (so that only --code registers the user's component)."""
    result = subprocess.run([sys.executable, "-m", "lexloom", *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_users_trainable_component_trains_evaluates_packages_and_loads_by_name(tmp_path):
    code = tmp_path / "code" / "functions.py"
    code.parent.mkdir()
    shutil.copy(EXAMPLE, code)
    (corpus,) = convert(UD, tmp_path / "corpus", n_sents=3)
    cfg = init_config("en", ["tagger"])
    cfg["nlp"]["pipeline"] = ["tok2vec", "noun_flagger"]
    cfg["components"]["noun_flagger"] = {"factory": "noun_flagger", "model": cfg["components"].pop("tagger")["model"]}
    cfg["components"]["tok2vec"]["model"].update({"width": 64, "rows": [2000, 500, 1000, 500]})
    cfg["components"]["tok2vec"]["model"]["encoder"].update({"width": 64, "depth": 2})
    cfg["system"]["threads"] = 1
    cfg["training"].update({"max_steps": 60, "eval_frequency": 20})
    cfg["training"]["optimizer"]["learn_rate"] = 0.005
    cfg["training"]["batcher"]["size"] = 300
    cfg["training"]["logger"]["progress_bar"] = False
    config = tmp_path / "noun.cfg"
    config.write_text(cfg.to_str(interpolate=False))
    paths = ["--paths.train", corpus, "--paths.dev", corpus]

    unknown = subprocess.run([sys.executable, "-m", "lexloom", "train", config, "--output", tmp_path / "out", *paths], capture_output=True, text=True)
    assert unknown.returncode == 1 and "no component factory 'noun_flagger'" in unknown.stderr and "Traceback" not in unknown.stderr

    lexloom_cli("train", config, "--output", tmp_path / "out", "--code", code, *paths, cwd=tmp_path)
    model = tmp_path / "out" / "model-best"
    # A quarter of the words are nouns: flagging none scores 0.75; the model learns its training set.
    assert json.loads((model / "meta.json").read_text())["performance"]["is_noun_acc"] > 0.95
    lexloom_cli("evaluate", model, corpus, "--code", code, "--output", tmp_path / "scores.json", cwd=tmp_path)
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["is_noun_acc"] > 0.95 and "tag_acc" not in scores

    lexloom_cli("package", model, tmp_path / "packages", "--name", "nouns", "--version", "0.1.0", "--code", code, cwd=tmp_path)
    wheel = next((tmp_path / "packages" / "en_nouns-0.1.0" / "dist").glob("*.whl"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site), str(wheel)], check=True)
    shutil.rmtree(code.parent)  # the package must load without the original file
    probe = (
        "import json, lexloom\n"
        "nlp = lexloom.load('en_nouns')\n"
        f"doc = nlp({SENTENCE!r})\n"
        "print(json.dumps({'pipeline': nlp.pipe_names, 'flags': doc.user_data['is_noun']}))\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["pipeline"] == ["tok2vec", "noun_flagger"]
    assert len(seen["flags"]) == len(NOUNS)
    assert sum(flag == noun for flag, noun in zip(seen["flags"], NOUNS)) >= len(NOUNS) - 2


def test_import_code_errors_name_the_file_and_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\ndef f(:\n")
    with pytest.raises(LexloomError, match=r"broken.py:2: "):
        import_code(broken)
    failing = tmp_path / "failing.py"
    failing.write_text("import os\nraise RuntimeError('no GPU here')\n")
    with pytest.raises(LexloomError, match=r"failing.py:2: importing it failed: RuntimeError: no GPU here"):
        import_code(failing)
    with pytest.raises(LexloomError, match="no such file"):
        import_code(tmp_path / "missing.py")


def test_a_function_component_runs_in_the_pipeline_and_saves_with_it(tmp_path):
    @Language.component("test_upper_lemmas", assigns=["token.lemma"])
    def upper_lemmas(doc):
        for token in doc:
            token.lemma_ = token.text.upper()
        return doc

    nlp = lexloom.blank("en")
    nlp.add_pipe("test_upper_lemmas")
    nlp.add_pipe("sentencizer", first=True)
    assert [t.lemma_ for t in nlp("a b.")] == ["A", "B", "."]
    assert nlp.get_pipe_meta("test_upper_lemmas").assigns == ("token.lemma",)
    nlp.to_disk(tmp_path / "model")
    assert [t.lemma_ for t in lexloom.load(tmp_path / "model")("c")] == ["C"]


def test_a_factory_may_return_any_callable_as_spacy_allows(tmp_path):
    class Shouter:
        """A component of the kind spaCy code writes: a plain class with __call__, a method of
        its own, and to_disk/from_disk."""

        def __init__(self, suffix):
            self.suffix, self.words = suffix, set()

        def add_words(self, words):
            self.words.update(words)

        def __call__(self, doc):
            for token in doc:
                if token.text in self.words:
                    token.lemma_ = token.text.upper() + self.suffix
            return doc

        def to_disk(self, path):
            (path / "words.json").write_text(json.dumps(sorted(self.words)))

        def from_disk(self, path):
            self.words = set(json.loads((path / "words.json").read_text()))
            return self

    @Language.factory("test_shouter", default_config={"suffix": "!"})
    def make_shouter(nlp, name, suffix):
        return Shouter(suffix)

    nlp = lexloom.blank("en")
    nlp.add_pipe("test_shouter", config={"suffix": "!!"}).add_words(["hey"])  # its own method reads through
    assert [t.lemma_ for t in nlp("hey you")] == ["HEY!!", ""]
    assert [d[0].lemma_ for d in nlp.pipe(["hey", "you"])] == ["HEY!!", ""]
    nlp.to_disk(tmp_path / "model")
    assert [t.lemma_ for t in lexloom.load(tmp_path / "model")("hey")] == ["HEY!!"]  # config and words saved

    @Language.factory("test_not_a_component")
    def make_nothing(nlp, name):
        return 42

    with pytest.raises(ConfigError, match="made int, not a component"):
        nlp.add_pipe("test_not_a_component")


def test_sentencizer_starts_a_sentence_after_final_punctuation():
    nlp = lexloom.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp('It works. Does it?! He said "yes." Then he left')
    assert [s.text for s in doc.sents] == ["It works.", "Does it?!", 'He said "yes."', "Then he left"]
    known = Doc(nlp.vocab, ["a", ".", "b", "c"], sent_starts=[True, False, False, True])
    assert [t.is_sent_start for t in nlp(known)] == [True, False, False, True]  # given starts are kept
    nlp.get_pipe("sentencizer").overwrite = True
    assert [t.is_sent_start for t in nlp(known)] == [True, False, True, False]
    reference = Doc(nlp.vocab, ["a", ".", "b", "."], sent_starts=[True, False, True, False])
    assert nlp.evaluate([Example(Doc(nlp.vocab, ["a", ".", "b", "."]), reference)])["sents_f"] == 1.0


def gadget_ruler(nlp, **config):
    ruler = nlp.add_pipe("entity_ruler", config=config)
    ruler.add_patterns_file(PATTERNS)
    ruler.add_patterns([{"label": "ORG", "pattern": "Apple"}, {"label": "ORG", "pattern": "apple store"}])
    return ruler


def test_entity_ruler_token_and_phrase_patterns_saved_as_jsonl(tmp_path):
    nlp = lexloom.blank("en")
    ruler = gadget_ruler(nlp, phrase_matcher_attr="LOWER")
    doc = nlp("The APPLE Store sells the iPhone 11 and the Galaxy Note 9")
    assert [(e.text, e.label_) for e in doc.ents] == [("APPLE Store", "ORG"), ("iPhone 11", "GADGET"), ("Galaxy Note 9", "GADGET")]
    assert ruler.labels == ("GADGET", "ORG")
    nlp.to_disk(tmp_path / "model")
    saved = [json.loads(line) for line in (tmp_path / "model" / "entity_ruler" / "patterns.jsonl").read_text().splitlines()]
    assert saved == ruler.patterns and len(saved) == len(PATTERNS.read_text().splitlines()) + 2
    loaded = lexloom.load(tmp_path / "model")
    assert [(e.text, e.label_) for e in loaded("apple store").ents] == [("apple store", "ORG")]
    with pytest.raises(ValueError, match=r"entity_ruler: pattern 0: X: pattern 0, token 0: unknown token attribute"):
        ruler.add_patterns([{"label": "X", "pattern": [{"LOWR": "x"}]}])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"label": "X", "pattern": "x"}\n{"pattern": "y"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: expected an object"):
        ruler.add_patterns_file(bad)


def test_ruler_pattern_ids_become_the_ids_of_entities_and_spans_and_are_saved(tmp_path):
    nlp = lexloom.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "ORG", "pattern": "Apple", "id": "apple"},
        {"label": "ORG", "pattern": [{"LOWER": "apple"}, {"LOWER": "inc"}], "id": "apple"},
        {"label": "ORG", "pattern": "Microsoft", "id": "msft"},
        {"label": "GPE", "pattern": "Seattle"},
    ])
    spans = nlp.add_pipe("span_ruler")
    spans.add_patterns([{"label": "COMPANY", "pattern": "Microsoft", "id": "msft"}])
    text = "Apple Inc and Microsoft Microsoft in Seattle"
    expected = [("Apple Inc", "ORG", "apple"), ("Microsoft", "ORG", "msft"), ("Microsoft", "ORG", "msft"), ("Seattle", "GPE", "")]
    doc = nlp(text)
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == expected and doc[1].ent_id_ == "apple"
    assert [(s.text, s.label_, s.id_) for s in doc.spans["ruler"]] == [("Microsoft", "COMPANY", "msft")] * 2
    assert ruler.ids == ("apple", "msft") and ruler.labels == ("GPE", "ORG")
    nlp.to_disk(tmp_path / "model")
    saved = [json.loads(line) for line in (tmp_path / "model" / "entity_ruler" / "patterns.jsonl").read_text().splitlines()]
    assert [p.get("id") for p in saved] == ["apple", "apple", "msft", None]
    loaded = lexloom.load(tmp_path / "model")
    again = loaded(text)
    assert [(e.text, e.label_, e.ent_id_) for e in again.ents] == expected and again.spans["ruler"][0].id_ == "msft"
    with pytest.raises(ValueError, match='entity_ruler: pattern 0: a pattern\'s "id" is a string, not 7'):
        ruler.add_patterns([{"label": "ORG", "pattern": "IBM", "id": 7}])


def every_token_a_person() -> Language:
    """A pipeline whose (untrained) ner calls every token a one-token PER entity."""
    import torch

    nlp = lexloom.blank("en")
    ner = nlp.add_pipe("ner")
    for label in ("ORG", "PER"):
        ner.add_label(label)
    nlp.initialize()
    output = [m for m in ner.model.head.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        output.weight.zero_()
        output.bias.zero_()
        output.bias[1 + 4 + 3] = 10.0  # classes: O, then B/I/L/U of ORG, then of PER
    return nlp


def test_entity_ruler_before_or_after_ner_and_overwrite_ents():
    text = "Apple makes the iPhone 8"
    assert [e.label_ for e in every_token_a_person()(text).ents] == ["PER"] * 5
    # before the ner: the ruler's entities are kept, the ner predicts around them
    before = lexloom.blank("en")
    gadget_ruler(before)
    before.add_pipe("ner", source=every_token_a_person())
    assert [(e.text, e.label_) for e in before(text).ents] == [("Apple", "ORG"), ("makes", "PER"), ("the", "PER"), ("iPhone 8", "GADGET")]
    # after the ner: overwrite_ents decides whose entity stays
    for overwrite, expected in ((False, ["PER"] * 5), (True, ["ORG", "PER", "PER", "GADGET"])):
        after = every_token_a_person()
        gadget_ruler(after, overwrite_ents=overwrite)
        assert after.pipe_names == ["ner", "entity_ruler"]
        assert [e.label_ for e in after(text).ents] == expected


def test_span_ruler_keeps_every_match_in_a_span_group_and_saves(tmp_path):
    """The UNER sample's names as patterns: the span group holds every gold entity (and the
    overlapping matches an entity ruler would drop); with annotate_ents the entities are the
    entity ruler's."""
    nlp = lexloom.blank("en")
    gold = list(read_docs(Path(__file__).parent / "data" / "ner" / "en_ewt-ud-train-200.iob2", nlp.vocab))
    names = sorted({(e.label_, tuple(t.text for t in e)) for doc in gold for e in doc.ents})
    patterns = [{"label": label, "pattern": [{"ORTH": w} for w in words]} for label, words in names]
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "names"})
    ruler.add_patterns(patterns)
    examples = []
    for doc in gold:
        reference = doc.copy()
        reference.spans["names"] = list(reference.ents)
        examples.append(Example(Doc(nlp.vocab, words=doc.words, spaces=doc.spaces), reference))
    scores = nlp.evaluate(examples)
    assert scores["spans_names_r"] == 1.0 and 0.5 < scores["spans_names_p"] < 1.0
    doc = nlp(gold[0].text)
    assert {(e.start, e.end, e.label_) for e in gold[0].ents} <= {(s.start, s.end, s.label_) for s in doc.spans["names"]}
    assert not doc.ents  # annotate_ents is off

    both = lexloom.blank("en")
    both.add_pipe("span_ruler", config={"annotate_ents": True}).add_patterns(patterns)
    entities = lexloom.blank("en")
    entities.add_pipe("entity_ruler").add_patterns(patterns)
    texts = [doc.text for doc in gold[:60]]
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in both.pipe(texts)] == [[(e.start, e.end, e.label_) for e in d.ents] for d in entities.pipe(texts)]
    both.to_disk(tmp_path / "model")
    loaded = lexloom.load(tmp_path / "model")
    assert len(loaded.get_pipe("span_ruler")) == len(patterns)
    assert [(s.text, s.label_) for s in loaded(texts[0]).spans["ruler"]] == [(s.text, s.label_) for s in both(texts[0]).spans["ruler"]]


def test_analyze_pipes_reports_what_each_component_needs(capsys):
    nlp = lexloom.blank("en")
    nlp.add_pipe("merge_noun_chunks")
    nlp.add_pipe("ner")
    nlp.add_pipe("merge_entities")
    analysis = nlp.analyze_pipes(pretty=True)
    assert analysis["summary"]["merge_entities"] == {"assigns": ["token.orth"], "requires": ["doc.ents"], "scores": [], "retokenizes": True}
    assert analysis["summary"]["ner"]["assigns"] == ["doc.ents"] and not analysis["summary"]["ner"]["retokenizes"]
    # noun chunks need a parse and UPOS that nothing before them assigns; the entities come from the ner
    assert analysis["problems"] == {"merge_noun_chunks": ["token.dep", "token.pos"], "ner": [], "merge_entities": []}
    assert analysis["attrs"]["doc.ents"] == {"assigns": ["ner"], "requires": ["merge_entities"]}
    assert "'merge_noun_chunks' requirements not met: token.dep, token.pos" in capsys.readouterr().out
    nlp.disable_pipe("merge_noun_chunks")
    assert all(not attrs for attrs in nlp.analyze_pipes(keys=["assigns"])["problems"].values())
