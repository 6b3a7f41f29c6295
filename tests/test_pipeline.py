"""The treebank pipeline end to end on a real EWT slice: the Python API, training, save/load, CLI."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.convert import convert
from lexloom.errors import ModelLoadError
from lexloom.pipeline.parser import tree_problems
from lexloom.tokens import Doc, Example, read_docbin
from lexloom.training.batchers import minibatch
from lexloom.training.schedules import compounding

from conftest import SMALL_TOK2VEC  # noqa: E402

DATA = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def small_tok2vec():
    return dict(SMALL_TOK2VEC)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    (path,) = convert(DATA, out, n_sents=1)
    return path


def test_seeds_style_training_loop_learns_tags():
    torch.manual_seed(0)
    nlp = lexloom.blank("en")
    tagger = nlp.add_pipe("tagger", config={"model": {"tok2vec": small_tok2vec()}})
    data = [
        ("I like green eggs", {"tags": ["PRP", "VBP", "JJ", "NNS"]}),
        ("Eat blue ham", {"tags": ["VB", "JJ", "NN"]}),
        ("You eat green ham", {"tags": ["PRP", "VBP", "JJ", "NN"]}),
    ]
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in data]
    optimizer = nlp.initialize(lambda: examples)
    assert set(tagger.labels) == {"PRP", "VBP", "JJ", "NNS", "VB", "NN"}
    first = None
    for i in range(40):
        losses = {}
        for batch in minibatch(data, size=compounding(4.0, 32.0, 1.001)):
            texts = [t for t, _ in batch]
            annots = [a for _, a in batch]
            nlp.update(texts, annots, drop=0.1, sgd=optimizer, losses=losses)
        first = losses["tagger"] if first is None else first
    assert losses["tagger"] < first / 5
    with nlp.use_params(optimizer.averages):
        doc = nlp("I eat green ham")
    assert [t.tag_ for t in doc] == ["PRP", "VBP", "JJ", "NN"]


def test_a_upos_tagger_learns_upos_after_a_morphologizer_and_replaces_its_upos():
    """`tagger` with attr = "pos" trains on UPOS, writes token.pos (over the morphologizer's),
    and is scored and weighted as pos_acc."""
    torch.manual_seed(0)
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec", config={"model": small_tok2vec()})
    nlp.add_pipe("morphologizer")
    upos = nlp.add_pipe("tagger", name="upos", config={"attr": "pos"})
    data = [
        ("I like green eggs", {"pos": ["PRON", "VERB", "ADJ", "NOUN"], "morphs": ["Case=Nom", "Mood=Ind", "Degree=Pos", "Number=Plur"]}),
        ("Eat blue ham", {"pos": ["VERB", "ADJ", "NOUN"], "morphs": ["Mood=Imp", "Degree=Pos", "Number=Sing"]}),
    ]
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in data]
    optimizer = nlp.initialize(lambda: examples)
    assert sorted(upos.labels) == ["ADJ", "NOUN", "PRON", "VERB"]
    assert upos.assigns() == ("token.pos",) and upos.default_score_weights() == {"pos_acc": 1.0}
    for _ in range(60):
        nlp.update(examples, drop=0.1, sgd=optimizer)
    # the morphologizer leaves its UPOS to the tagger: a doc the tagger alone annotates
    with nlp.use_params(optimizer.averages), nlp.select_pipes(disable=["morphologizer"]):
        doc = nlp("I like blue ham")
    assert [t.pos_ for t in doc] == ["PRON", "VERB", "ADJ", "NOUN"] and not doc[3].morph
    with nlp.use_params(optimizer.averages):
        scores = nlp.evaluate(examples)
    assert scores["pos_acc"] == 1.0
    with pytest.raises(ValueError, match="attr is one of 'tag', 'pos', not 'lemma'"):
        nlp.add_pipe("tagger", name="lemmas", config={"attr": "lemma"})


def train_config(tmp_path, corpus, pipeline=("tagger", "morphologizer", "trainable_lemmatizer", "parser"), steps=60):
    from lexloom.config.init import init_config

    cfg = init_config("en", list(pipeline))
    cfg["components"]["tok2vec"]["model"] = small_tok2vec()
    cfg["paths"]["train"] = str(corpus)
    cfg["paths"]["dev"] = str(corpus)
    cfg["training"].update({"max_steps": steps, "eval_frequency": steps // 2, "dropout": 0.1})
    cfg["training"]["optimizer"]["learn_rate"] = 0.003
    cfg["training"]["batcher"]["size"] = {"@schedules": "compounding.v1", "start": 300, "stop": 300, "compound": 1.0}
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / "ud.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    return path


def test_train_cli_save_load_evaluate_apply(tmp_path, corpus):
    cfg = train_config(tmp_path, corpus)
    out = tmp_path / "training"
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(cfg), "--output", str(out), "--training.dropout", "0.15"])
    assert result.exit_code == 0, result.output
    assert (out / "model-best" / "meta.json").exists() and (out / "model-last" / "config.cfg").exists()
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [30, 60]
    assert records[-1]["scores"]["tag_acc"] > records[0]["scores"]["tag_acc"]
    # the override reached the saved config
    assert "dropout = 0.15" in (out / "model-last" / "config.cfg").read_text()
    # curves beside the log: a table for DVC, pictures for people
    rows = (out / "scores.csv").read_text().splitlines()
    assert len(rows) == 3 and {"step", "loss", "loss_tagger", "loss_parser", "tag_acc", "dep_las"} <= set(rows[0].split(","))
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in (out / "curves.svg").read_bytes()[:500]
    # no pickle anywhere: weights are safetensors, tables JSON
    files = {p.suffix for p in (out / "model-best").rglob("*") if p.is_file()}
    assert files <= {".json", ".safetensors", ".cfg"}

    nlp = lexloom.load(out / "model-last")
    meta = json.loads((out / "model-last" / "meta.json").read_text())
    assert meta["pipeline"] == ["tok2vec", "tagger", "morphologizer", "trainable_lemmatizer", "parser"]
    assert meta["data"]["train"] and meta["performance"]["dep_las"] >= 0
    refs = list(read_docbin(corpus, nlp.vocab))[:20]
    docs = list(nlp.pipe([Doc(nlp.vocab, words=r.words, spaces=r.spaces) for r in refs]))
    for doc in docs:
        roots = [t for t in doc if t.head.i == t.i]
        assert len(roots) == len(list(doc.sents)) >= 1  # one root per sentence: well-formed trees
        assert all(t.tag_ and t.pos_ and t.lemma_ for t in doc)
    # a Doc that comes without sentences gets the parser's: a token starts one where its start
    # probability is above `sent_threshold`, so a lower threshold never finds fewer
    parser = nlp.get_pipe("parser")
    joined = [w for r in refs for w in r.words]
    counts = []
    for threshold in (0.99, 0.5, 0.01):
        parser.cfg["sent_threshold"] = threshold
        counts.append(len(list(nlp(Doc(nlp.vocab, words=joined)).sents)))
    parser.cfg["sent_threshold"] = 0.5
    assert counts == sorted(counts) and counts[0] < counts[-1], counts
    # with `joint_sents` the trees decide where the classifier is unsure: a token above 0.95
    # starts a sentence, one at or below 0.01 never does, and every sentence is one tree
    def parse(threshold, joint=False):
        parser.cfg.update(sent_threshold=threshold, joint_sents=joint)
        doc = nlp(Doc(nlp.vocab, words=joined))
        parser.cfg.update(sent_threshold=0.5, joint_sents=False)
        return doc, {s.start for s in doc.sents}

    (_, sure), (_, possible), (joint, joint_starts) = parse(0.95), parse(0.01), parse(0.5, joint=True)
    assert sure <= joint_starts <= possible and sure != possible, (len(sure), len(joint_starts), len(possible))
    assert sum(t.head.i == t.i for t in joint) == len(joint_starts)
    # starts set before the parser (a paragraph's first word, say) stay starts, a "no start"
    # stays none, and the parser decides every token left open, as spaCy's parser does
    forced = sorted(set(range(7, len(joined), 23)) - joint_starts)[:5]
    forbidden = sorted(joint_starts - {0})[:3]
    presets = [1 if i in forced else -1 if i in forbidden else None for i in range(len(joined))]
    parser.cfg.update(joint_sents=True)
    partly = nlp(Doc(nlp.vocab, words=joined, sent_starts=presets))
    parser.cfg.update(joint_sents=False)
    partly_starts = {s.start for s in partly.sents}
    assert set(forced) <= partly_starts and not set(forbidden) & partly_starts and forced and forbidden
    assert len(partly_starts - set(forced) - {0}) > 0  # its own starts too, not only the given ones
    assert sum(t.head.i == t.i for t in partly) == len(partly_starts)
    # sentences given in the Doc stay whole and well-formed, even one longer than the parser
    # decodes at once (its pieces are joined again), and a Doc parses the same alone as in a
    # batch whose other sentences fall between its pieces' lengths, in float and in int8 (each
    # token quantized on its own)
    lengths = [100, 160, 220, 280]
    words = joined * 2
    given = [(words[:650], [1] + [-1] * 649), (words[: sum(lengths)], [1 if i in np.cumsum([0, *lengths[:-1]]) else -1 for i in range(sum(lengths))])]
    for quantize in (False, True):
        loaded = lexloom.load(out / "model-last", quantize=quantize)

        def fresh():
            return [Doc(loaded.vocab, words=words, sent_starts=starts) for words, starts in given]

        batched = list(loaded.pipe(fresh(), batch_size=2))
        for doc, alone, n_sents in zip(batched, (loaded(doc) for doc in fresh()), (1, 4)):
            sents = list(doc.sents)
            assert len(sents) == n_sents and all(not tree_problems(doc._head[s.start : s.end], s.start) for s in sents)
            assert doc.heads == alone.heads and [t.dep_ for t in doc] == [t.dep_ for t in alone]
    with pytest.raises(ValueError, match="sent_threshold is a probability"):
        lexloom.blank("en").add_pipe("parser", config={"sent_threshold": 1.0})
    again = lexloom.load(out / "model-last")
    docs2 = list(again.pipe([Doc(again.vocab, words=r.words, spaces=r.spaces) for r in refs]))
    assert [d.heads for d in docs2] == [d.heads for d in docs] and [d.tags for d in docs2] == [d.tags for d in docs]

    metrics = tmp_path / "metrics.json"
    headline = tmp_path / "headline.json"
    result = runner.invoke(app, ["evaluate", str(out / "model-best"), str(DATA), "--output", str(metrics), "--html", str(tmp_path / "html"),
                                 "--metrics", str(headline), "--metrics-keys", "dep_las,pos_acc"])
    assert result.exit_code == 0, result.output
    scores = json.loads(metrics.read_text())
    for key in ("tag_acc", "pos_acc", "morph_acc", "lemma_acc", "dep_uas", "dep_las", "sents_f", "speed"):
        assert key in scores
    assert json.loads(headline.read_text()) == {"dep_las": scores["dep_las"], "pos_acc": scores["pos_acc"]}
    result = runner.invoke(app, ["evaluate", str(out / "model-best"), str(DATA), "--metrics", str(headline), "--metrics-keys", "ents_f"])
    assert result.exit_code == 1 and "no score 'ents_f' for this pipeline" in str(result.exception or result.output)
    assert (tmp_path / "html" / "index.html").exists()

    applied = tmp_path / "applied.conllu"
    result = runner.invoke(app, ["apply", str(out / "model-best"), str(DATA), str(applied)])
    assert result.exit_code == 0, result.output
    from udtools import udeval

    # `evaluate` and the official script on what `apply` wrote agree (same sentence boundaries)
    result = runner.invoke(app, ["evaluate", str(out / "model-best"), str(DATA), "--gold-sents", "--n-sents", "1", "--output", str(metrics)])
    assert result.exit_code == 0, result.output
    scores = json.loads(metrics.read_text())
    official = udeval.evaluate(udeval.load_conllu_file(str(DATA)), udeval.load_conllu_file(str(applied)))
    assert abs(official["LAS"].f1 - scores["dep_las"]) < 0.0001
    assert abs(official["UAS"].f1 - scores["dep_uas"]) < 0.0001
    assert abs(official["UPOS"].f1 - scores["pos_acc"]) < 0.0001


def test_loading_refuses_pickles_links_and_newer_formats(tmp_path, corpus):
    nlp = lexloom.blank("en")
    nlp.add_pipe("tagger", config={"model": {"tok2vec": small_tok2vec()}})
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("a b"), {"tags": ["X", "Y"]})])
    good = nlp.to_disk(tmp_path / "m")
    assert lexloom.load(good).pipe_names == ["tagger"]
    (good / "tagger" / "evil.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(ModelLoadError, match="pickle"):
        lexloom.load(good)
    (good / "tagger" / "evil.pkl").unlink()
    (good / "tagger" / "link.json").symlink_to("/etc/passwd")
    with pytest.raises(ModelLoadError, match="outside the model directory"):
        lexloom.load(good)
    (good / "tagger" / "link.json").unlink()
    meta = json.loads((good / "meta.json").read_text())
    meta["format_version"] = 99
    (good / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="Upgrade lexloom"):
        lexloom.load(good)
    with pytest.raises(ModelLoadError, match="neither a pipeline directory nor an installed"):
        lexloom.load("no_such_pipeline_pkg")


def test_select_pipes_and_component_errors():
    nlp = lexloom.blank("en")
    nlp.add_pipe("tagger", config={"model": {"tok2vec": small_tok2vec()}})
    nlp.add_pipe("senter", config={"model": {"tok2vec": small_tok2vec()}})
    with nlp.select_pipes(disable=["tagger"]):
        assert nlp.pipe_names == ["senter"]
    assert nlp.pipe_names == ["tagger", "senter"]
    with pytest.raises(ValueError, match="already exists"):
        nlp.add_pipe("tagger")
    with pytest.raises(ValueError, match="no component factory 'nope'"):
        nlp.add_pipe("nope")


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    commands = ["convert", "train", "evaluate", "apply", "debug-data", "pretrain", "package", "annotate"]
    for name in commands:
        assert name in top.output, name
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Example: lexloom" in result.output, name
    for sub in (["init", "config"], ["init", "fill-config"]):
        result = runner.invoke(app, sub + ["--help"])
        assert result.exit_code == 0 and "Example: lexloom" in result.output


def test_python_m_lexloom_reports_errors_cleanly(tmp_path):
    bad = tmp_path / "bad.cfg"
    bad.write_text("[nlp\n")
    proc = subprocess.run([sys.executable, "-m", "lexloom", "train", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "bad.cfg" in proc.stderr and "Traceback" not in proc.stderr


def test_int8_inference_predicts_like_float_saves_float_and_refuses_training(tmp_path, corpus):
    from torch import nn

    cfg = train_config(tmp_path, corpus, steps=40)
    out = tmp_path / "training"
    result = CliRunner().invoke(app, ["train", str(cfg), "--output", str(out), "--nlp.quantize", "true"])
    assert result.exit_code == 0, result.output
    model = out / "model-last"
    assert "quantize = true" in (model / "config.cfg").read_text()
    fast, exact = lexloom.load(model), lexloom.load(model, quantize=False)  # the config asks for int8
    trainable = [n for n, p in fast.pipeline if hasattr(p, "quantized")]
    assert trainable and all(fast.get_pipe(n).quantized and not exact.get_pipe(n).quantized for n in trainable)
    float_layers = [type(m).__name__ for n in trainable for m in fast.get_pipe(n).model.modules() if type(m) in (nn.Linear, nn.LSTM)]
    assert not float_layers
    refs = list(read_docbin(corpus, fast.vocab))[:40]
    a = list(fast.pipe([Doc(fast.vocab, words=r.words, spaces=r.spaces) for r in refs]))
    b = list(exact.pipe([Doc(exact.vocab, words=r.words, spaces=r.spaces) for r in refs]))
    tags = [(x, y) for da, db in zip(a, b) for x, y in zip(da.tags, db.tags)]
    heads = [(x, y) for da, db in zip(a, b) for x, y in zip(da.heads, db.heads)]
    assert sum(x == y for x, y in tags) >= 0.9 * len(tags) and sum(x == y for x, y in heads) >= 0.8 * len(heads)
    # saving a quantized pipeline writes its float weights, unchanged
    fast.to_disk(tmp_path / "resaved")
    again = lexloom.load(tmp_path / "resaved", quantize=False)
    for name in trainable:
        saved, original = again.get_pipe(name).model.state_dict(), exact.get_pipe(name).model.state_dict()
        assert saved.keys() == original.keys() and all(torch.equal(saved[k], original[k]) for k in saved)
    eg = Example(Doc(fast.vocab, words=refs[0].words, spaces=refs[0].spaces), refs[0])
    with pytest.raises(ValueError, match="quantize=False"):
        fast.update([eg])
    exact.update([eg], sgd=False)  # the float pipeline trains
