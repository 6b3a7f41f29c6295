"""`textcat` and `textcat_multilabel` on slices of the GitHub-issues and cooking sets."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.convert import read_docs
from lexloom.language import set_seed
from lexloom.pipeline.textcat import hashed_ngrams
from lexloom.scoring import Scorer
from lexloom.tokens import Doc, Example
from lexloom.training.batchers import minibatch

from conftest import SMALL_TOK2VEC  # noqa: E402

DATA = Path(__file__).parent / "data" / "cats"


@pytest.fixture(autouse=True)
def _small_models_on_one_thread(one_thread):
    """Every test here trains small models."""


def read_examples(nlp, name: str) -> list[Example]:
    refs = read_docs(DATA / name, vocab=nlp.vocab)
    return [Example(Doc(nlp.vocab, words=ref.words, spaces=ref.spaces), ref) for ref in refs]


def train(factory: str, name: str, epochs: int, seed: int = 0, **config):
    set_seed(seed)
    nlp = lexloom.blank("en")
    nlp.add_pipe(factory, config={"model": {"tok2vec": SMALL_TOK2VEC}, "max_tokens": 64, **config})
    examples = read_examples(nlp, name)
    optimizer = nlp.initialize(lambda: examples)
    losses = []
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=16):
            losses.append(nlp.update(batch, sgd=optimizer)[factory])
    return nlp, examples, losses


def evaluate(nlp, examples: list[Example]) -> dict:
    for eg in examples:
        eg.predicted.cats = {}
    list(nlp.pipe(eg.predicted for eg in examples))
    return Scorer.for_pipeline(nlp).score(examples)


@pytest.fixture(scope="module")
def exclusive():
    return train("textcat", "docs_issues-train-150.jsonl", epochs=6)


@pytest.fixture(scope="module")
def multilabel():
    return train("textcat_multilabel", "cooking-train-150.jsonl", epochs=6)


def test_exclusive_learns_and_scores_sum_to_one(exclusive):
    nlp, examples, losses = exclusive
    assert nlp.get_pipe("textcat").labels == ("DOCUMENTATION", "OTHER")
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:3])
    scores = evaluate(nlp, examples)
    assert scores["cats_macro_f"] > 0.8
    for eg in examples:
        assert set(eg.predicted.cats) == {"DOCUMENTATION", "OTHER"}
        assert sum(eg.predicted.cats.values()) == pytest.approx(1.0, abs=1e-5)


def test_multilabel_learns_and_threshold_decides(multilabel):
    nlp, examples, losses = multilabel
    textcat = nlp.get_pipe("textcat_multilabel")
    assert len(textcat.labels) == 11 and "baking" in textcat.labels
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:3])
    scores = evaluate(nlp, examples)
    assert scores["cats_macro_auc"] > 0.9
    doc = examples[0].predicted
    assert sum(doc.cats.values()) != pytest.approx(1.0)  # independent sigmoids
    chosen = textcat.chosen_labels(doc)
    assert chosen == [label for label in textcat.labels if doc.cats[label] >= 0.5]
    textcat.threshold = 0.0
    assert textcat.chosen_labels(doc) == list(textcat.labels)
    textcat.threshold = 1.01
    assert textcat.chosen_labels(doc) == []
    textcat.threshold = 0.5


def test_threshold_comes_from_config():
    nlp = lexloom.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config={"threshold": 0.3})
    assert textcat.threshold == 0.3
    assert nlp.config["components"]["textcat_multilabel"]["threshold"] == 0.3


@pytest.mark.parametrize("which", ["exclusive", "multilabel"])
def test_save_and_load_round_trip(which, request, tmp_path):
    nlp, examples, _ = request.getfixturevalue(which)
    texts = [eg.text for eg in examples[:20]]
    before = [doc.cats for doc in nlp.pipe(texts)]
    loaded = lexloom.load(nlp.to_disk(tmp_path / "model"))
    after = [doc.cats for doc in loaded.pipe(texts)]
    assert after == before


def test_add_label_after_initialize_keeps_old_weights(exclusive, tmp_path):
    nlp = lexloom.load(exclusive[0].to_disk(tmp_path / "model"))
    textcat = nlp.get_pipe("textcat")
    bow_before = textcat.model.head.bow.weights.weight.detach().clone()
    out_before = textcat.model.head.neural.output.weight.detach().clone()
    assert textcat.add_label("QUESTION") == 1
    assert textcat.model.head.bow.weights.weight.shape[1] == 3
    assert torch.equal(textcat.model.head.bow.weights.weight[:, :2], bow_before)
    assert torch.equal(textcat.model.head.neural.output.weight[:2], out_before)
    assert set(nlp("How do I build the docs?").cats) == {"DOCUMENTATION", "OTHER", "QUESTION"}


def test_exclusive_skips_docs_without_exactly_one_positive():
    nlp = lexloom.blank("en")
    nlp.add_pipe("textcat", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    data = [
        ("fix the docs", {"cats": {"DOCS": 1.0, "BUG": 0.0}}),
        ("crash on start", {"cats": {"DOCS": 0.0, "BUG": 1.0}}),
        ("both at once", {"cats": {"DOCS": 1.0, "BUG": 1.0}}),
        ("neither", {"cats": {"DOCS": 0.0, "BUG": 0.0}}),
    ]
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in data]
    with pytest.warns(UserWarning, match=r"2 training docs are skipped.*'both at once': 2 positive labels"):
        optimizer = nlp.initialize(lambda: examples)
    assert nlp.update(examples[2:], sgd=optimizer)["textcat"] == 0.0
    assert nlp.update(examples[:2], sgd=optimizer)["textcat"] > 0.0


def test_simple_update_style_and_bow_architecture():
    set_seed(0)
    nlp = lexloom.blank("en")
    textcat = nlp.add_pipe("textcat", config={"model": {"@architectures": "lexloom.TextCatBOW.v1", "ngram_size": 2, "n_buckets": 1024}})
    textcat.add_label("POSITIVE")
    textcat.add_label("NEGATIVE")
    optimizer = nlp.initialize()
    texts = ["I love this", "what a great day", "I hate this", "what an awful day"]
    annotations = [{"cats": {"POSITIVE": float(i < 2), "NEGATIVE": float(i >= 2)}} for i in range(4)]
    for _ in range(40):
        nlp.update(texts, annotations, sgd=optimizer)
    assert nlp("a great day").cats["POSITIVE"] > 0.5
    assert nlp("an awful day").cats["NEGATIVE"] > 0.5
    assert textcat.model.tok2vec is None and textcat.model.head.neural is None


def test_member_loss_makes_each_member_a_classifier_of_its_own(exclusive):
    """With `member_loss`, the bag of n-grams and the pooled encoder each fit the training
    texts better on their own than when only their sum is trained."""
    with_members = train("textcat", "docs_issues-train-150.jsonl", epochs=6, model={"tok2vec": SMALL_TOK2VEC, "member_loss": 0.5})

    def member_losses(nlp, examples) -> list[float]:
        textcat = nlp.get_pipe("textcat")
        textcat.model.eval()
        with torch.no_grad():
            (members,) = textcat.forward(lexloom.pipeline.batch.Batch([eg.predicted for eg in examples]))
        gold = textcat.targets(examples, members.device)
        return [textcat.objective(logits, gold).item() for logits in members]

    plain = member_losses(*exclusive[:2])
    trained = member_losses(*with_members[:2])
    assert len(plain) == len(trained) == 2
    assert all(t < p for t, p in zip(trained, plain)), (trained, plain)
    assert evaluate(*with_members[:2])["cats_macro_f"] > 0.9


def test_several_models_in_one_component_are_averaged(tmp_path):
    """`n_models` models trained side by side start apart and stay apart; the component's
    probabilities are their mean, and a saved pipeline gives the same."""
    model = {"tok2vec": SMALL_TOK2VEC, "member_loss": 0.5, "n_models": 2}
    nlp, examples, losses = train("textcat", "docs_issues-train-150.jsonl", epochs=4, model=model)
    textcat = nlp.get_pipe("textcat")
    models = textcat.models()
    assert len(models) == 2
    assert not torch.equal(models[0][0].bow.weights.weight, models[1][0].bow.weights.weight)
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:3])

    batch = lexloom.pipeline.batch.Batch([eg.predicted for eg in examples[:20]])
    textcat.model.eval()
    with torch.no_grad():
        logits = [members.sum(dim=0) for members in textcat.forward(batch)]
    assert (logits[0] - logits[1]).abs().max() > 1e-2  # the models differ
    mean = torch.stack([torch.softmax(x, dim=-1) for x in logits]).mean(dim=0).numpy()
    np.testing.assert_allclose(textcat.predict(batch), mean, atol=1e-6)

    texts = [eg.text for eg in examples[:20]]
    before = [doc.cats for doc in nlp.pipe(texts)]
    loaded = lexloom.load(nlp.to_disk(tmp_path / "model"))
    assert len(loaded.get_pipe("textcat").models()) == 2
    assert [doc.cats for doc in loaded.pipe(texts)] == before


def test_ensemble_averages_pipelines_trained_apart(exclusive, tmp_path):
    """`lexloom ensemble` joins the textcats of pipelines trained with other seeds: the joined
    pipeline's probabilities are the mean of the members', before and after loading, and its
    meta names the members instead of one member's scores."""
    first, examples, _ = exclusive
    second, _, _ = train("textcat", "docs_issues-train-150.jsonl", epochs=6, seed=1)
    paths = [first.to_disk(tmp_path / "seed0", extra_meta={"performance": {"cats_score": 0.9}}), second.to_disk(tmp_path / "seed1")]
    result = CliRunner().invoke(app, ["ensemble", str(tmp_path / "joined"), *map(str, paths)])
    assert result.exit_code == 0, result.output

    texts = [" ".join(eg.text.split()[:6]) for eg in examples[:30]]  # openings: less sure than whole texts
    each = [np.array([[doc.cats[label] for label in ("DOCUMENTATION", "OTHER")] for doc in nlp.pipe(texts)]) for nlp in (first, second)]
    assert np.abs(each[0] - each[1]).max() > 1e-3  # the seeds disagree somewhere
    joined = lexloom.load(tmp_path / "joined")
    assert len(joined.get_pipe("textcat").models()) == 2
    assert joined.config["components"]["textcat"]["model"]["n_models"] == 2
    assert joined.meta["ensemble"]["members"] == [str(p) for p in paths] and "performance" not in joined.meta
    got = np.array([[doc.cats[label] for label in ("DOCUMENTATION", "OTHER")] for doc in joined.pipe(texts)])
    np.testing.assert_allclose(got, (each[0] + each[1]) / 2, atol=1e-6)


def test_ensemble_refuses_members_it_cannot_join(exclusive, multilabel, tmp_path):
    first = exclusive[0].to_disk(tmp_path / "exclusive")
    other = multilabel[0].to_disk(tmp_path / "multilabel")
    cases = [
        ([first], "at least two member pipelines"),
        ([first, other], f"{other}: no component 'textcat'"),
        ([first, first, "--component", "tagger"], "'tagger' is not a text classifier"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(app, ["ensemble", str(tmp_path / "joined"), *map(str, args)])
        assert result.exit_code != 0 and message in " ".join(str(result.exception).split()), (args, result.output, result.exception)
        assert not (tmp_path / "joined").exists()


def test_ensemble_joins_classifiers_that_share_one_tok2vec(tmp_path):
    """Two text classifiers listening to one tok2vec: each takes a copy of every member's
    tok2vec as its own, and the tok2vec, which nobody listens to then, goes. A pipeline joined
    with itself gives its own categories."""
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec", config={"model": SMALL_TOK2VEC})
    for name in ("textcat", "second"):
        nlp.add_pipe("textcat", name, config={"model": {"tok2vec": {"@architectures": "lexloom.Tok2VecListener.v1", "width": 64}}})
    examples = read_examples(nlp, "docs_issues-train-150.jsonl")[:20]
    nlp.initialize(lambda: examples)
    listening = nlp.to_disk(tmp_path / "listening")
    result = CliRunner().invoke(app, ["ensemble", str(tmp_path / "joined"), str(listening), str(listening)])
    assert result.exit_code == 0, result.output
    joined = lexloom.load(tmp_path / "joined")
    assert joined.pipe_names == ["textcat", "second"]
    assert all(joined.get_pipe(n).listener is None and len(joined.get_pipe(n).models()) == 2 for n in joined.pipe_names)
    texts = [eg.reference.text for eg in examples if len(eg.reference) <= 64]  # (longer: see ensemble.py)
    assert len(texts) >= 5
    for alone, both in zip(lexloom.load(listening).pipe(texts), joined.pipe(texts)):
        assert both.cats.keys() == alone.cats.keys()
        assert all(abs(both.cats[k] - alone.cats[k]) < 1e-5 for k in alone.cats), (alone.cats, both.cats)


def test_bow_sees_the_whole_text_and_neural_part_is_truncated(exclusive):
    nlp, _, _ = exclusive
    textcat = nlp.get_pipe("textcat")
    words = ["docs"] * 50 + ["crash"] * 200
    doc = Doc(nlp.vocab, words=words)
    batch = lexloom.pipeline.batch.Batch([doc])
    ids, offsets = textcat._bow_input(batch)
    assert len(ids) == 250 + 249  # every unigram and bigram
    tokvecs, mask = textcat._token_vectors(batch, textcat.model.tok2vec)
    assert tokvecs.shape[1] == 64 and mask.sum() == 64


def test_ngrams_stay_inside_their_doc():
    unigrams = np.array([11, 12, 13, 21, 22], dtype=np.int64)
    ids, offsets = hashed_ngrams(unigrams, np.array([3, 2]), ngram_size=3, n_buckets=2**20)
    # doc 0: 3 unigrams, 2 bigrams, 1 trigram; doc 1: 2 unigrams, 1 bigram
    assert offsets.tolist() == [0, 6]
    assert len(ids) == 9
    alone, _ = hashed_ngrams(unigrams[3:], np.array([2]), ngram_size=3, n_buckets=2**20)
    assert sorted(ids[6:].tolist()) == sorted(alone.tolist())
