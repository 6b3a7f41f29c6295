"""`[corpora.train.augmenter]`: an augmenter written as for spaCy alters the training Examples
afresh each epoch, reproducibly, on the bundled sample's UNER train slice."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

import lexloom
from lexloom.config import load_config, resolve_section
from lexloom.config.init import init_config
from lexloom.convert import convert
from lexloom.tokens import Doc, Example
from lexloom.training.data import TrainingData
from lexloom.training.loop import train
from lexloom.util import registry  # where spaCy has it

from conftest import SMALL_TOK2VEC  # noqa: E402

SAMPLE = Path(__file__).parent.parent / "assets" / "sample"
LOWER = {"@augmenters": "test.lower_case.v1", "level": 0.5}


@registry.augmenters("test.lower_case.v1")
def create_lower_case(level: float):
    """spaCy's `spacy.lower_case.v1`, as a user would write it: each Example, and with
    probability `level` a lower-cased copy of it too."""

    def augment(nlp, example):
        yield example
        if random.random() < level:
            ref = example.reference
            words = [w.lower() for w in ref.words]
            lower = Doc(nlp.vocab, words=words, spaces=ref.spaces, ents=ref.ent_biluo())
            yield Example(Doc(nlp.vocab, words=words, spaces=ref.spaces), lower)

    return augment


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    (path,) = convert(SAMPLE / "UNER_English-EWT" / "en_ewt-ud-train.iob2", tmp_path_factory.mktemp("corpus"))
    return path


def ner_config(corpus: Path, augmenter: dict | None) -> dict:
    """A small NER on `corpus`, one sentence an Example, with this augmenter."""
    cfg = init_config("en", ["ner"])
    cfg["components"]["tok2vec"]["model"] = SMALL_TOK2VEC
    cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
    cfg["corpora"]["train"]["per_sentence"] = True
    if augmenter:
        cfg["corpora"]["train"]["augmenter"] = augmenter
    cfg["corpora"]["dev"]["limit"] = 20
    cfg["system"]["threads"] = 1
    cfg["training"]["batcher"]["size"] = 300  # about twelve batches an epoch: runs cross epochs
    cfg["training"]["logger"]["progress_bar"] = False
    return cfg


def test_the_augmenter_alters_each_epoch_afresh_and_leaves_random_alone(corpus, tmp_path):
    path = tmp_path / "ner.cfg"
    path.write_text(ner_config(corpus, LOWER).to_str(interpolate=False))
    reader = resolve_section(load_config(path, interpolate=True), "corpora")["train"]
    data = TrainingData(lexloom.blank("en"), reader, shuffle_buffer=0)
    n = len(data.examples)
    random.seed(3)
    outside = random.random()
    random.seed(3)
    rng = random.Random(0)
    state = rng.getstate()
    first = [eg.reference.text for eg in data.epoch(rng)]
    assert random.random() == outside  # the augmenter's draws came from a state of its own
    second = [eg.reference.text for eg in data.epoch(rng)]
    rng.setstate(state)
    again = [eg.reference.text for eg in data.epoch(rng)]
    assert first == again and first != second
    lowered = sum(text == text.lower() and text != text.upper() for text in first)
    assert 0.35 * n < len(first) - n < 0.65 * n and lowered >= len(first) - n
    # reading the corpus itself gives the sentences as they are
    assert len(list(reader(lexloom.blank("en")))) == n


def test_a_run_that_augments_resumes_to_the_weights_of_one_never_stopped(corpus, tmp_path):
    """Stopped mid-epoch at step 17 and resumed to 30, a run with an augmenter ends with the
    weights of the run that went to 30 at once; without the augmenter they differ."""

    def config(name: str, steps: int, augmenter: dict | None) -> Path:
        cfg = ner_config(corpus, augmenter)
        cfg["training"].update({"max_steps": steps, "eval_frequency": 10})
        path = tmp_path / f"{name}.cfg"
        path.write_text(cfg.to_str(interpolate=False))
        return path

    train(config("whole", 30, LOWER), tmp_path / "whole")
    train(config("part", 17, LOWER), tmp_path / "resumed")
    train(config("whole", 30, LOWER), tmp_path / "resumed", resume=True)
    train(config("plain", 30, None), tmp_path / "plain")
    weights = {name: {p.parent.name: p.read_bytes() for p in (tmp_path / name / "model-last").glob("*/model.safetensors")} for name in ("whole", "resumed", "plain")}
    assert weights["resumed"] == weights["whole"] and set(weights["whole"]) == {"tok2vec", "ner"}
    assert weights["plain"]["ner"] != weights["whole"]["ner"]


def test_the_registry_is_where_spacy_users_look_for_it():
    assert registry is lexloom.registry
    assert registry.augmenters.get("test.lower_case.v1") is create_lower_case
