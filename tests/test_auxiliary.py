"""`[training] auxiliary_components`: a component trained beside the others for what it teaches
the shared tok2vec (trees beside entities), saved disabled so that the trained pipeline does not
run it; and `[nlp] disabled`, spaCy's key, which a training config may only give a component
trained already."""
from __future__ import annotations

from pathlib import Path

import pytest

import lexloom
from lexloom.config.init import init_config
from lexloom.errors import ConfigError
from lexloom.training.loop import train

from conftest import SMALL_TOK2VEC  # noqa: E402


def write_config(tmp_path: Path, corpus: Path, **training) -> Path:
    cfg = init_config("en", ["parser", "ner"])
    cfg["components"]["tok2vec"]["model"] = SMALL_TOK2VEC
    cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
    cfg["corpora"]["dev"]["limit"] = 20
    cfg["system"]["threads"] = 1
    cfg["training"].update(max_steps=30, eval_frequency=15, **training)
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / "aux.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    return path


def test_an_auxiliary_component_is_trained_then_saved_disabled(joined_uner_sample, tmp_path, one_thread):
    out = train(write_config(tmp_path, joined_uner_sample, auxiliary_components=["parser"]), tmp_path / "out")
    best = out / "model-best"
    nlp = lexloom.load(best)
    assert nlp.component_names == ["tok2vec", "parser", "ner"] and nlp.pipe_names == ["tok2vec", "ner"]
    assert nlp.config["nlp"]["disabled"] == ["parser"] and nlp.meta["disabled"] == ["parser"]
    # evaluated while it trained, it did not count in the score that picked model-best
    performance = nlp.meta["performance"]
    assert performance["dep_las"] is not None and nlp.meta["score"] == pytest.approx(performance["ents_f"])
    doc = nlp("Barack Obama visited Paris in May.")
    assert not doc.has_annotation("DEP")
    # it was trained: its labels are the corpus's deprels, and enabled it parses
    parser = nlp.get_pipe("parser")
    assert {"nsubj", "obj", "det"} <= set(parser.labels)
    nlp.enable_pipe("parser")
    assert nlp("Barack Obama visited Paris in May.").has_annotation("DEP")
    # the trained pipeline's config (the parser in both lists) trains as the one it came from
    again = train(best / "config.cfg", tmp_path / "again")
    assert lexloom.load(again / "model-last").pipe_names == ["tok2vec", "ner"]
    assert (again / "model-last" / "parser" / "model.safetensors").read_bytes() == (out / "model-last" / "parser" / "model.safetensors").read_bytes()


def test_a_disabled_component_no_source_trained_is_refused(joined_uner_sample, tmp_path):
    path = write_config(tmp_path, joined_uner_sample)
    text = path.read_text().replace('pipeline = ["tok2vec", "parser", "ner"]', 'pipeline = ["tok2vec", "parser", "ner"]\ndisabled = ["parser"]', 1)
    assert 'disabled = ["parser"]' in text
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"\[nlp\] disabled names 'parser', which would be saved untrained"):
        train(path, tmp_path / "out")
    assert not (tmp_path / "out" / "model-best").exists()
