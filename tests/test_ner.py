"""The `ner` component on a Universal NER slice, its BILUO decoding, labels and serialization."""
from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lexloom
from lexloom.convert import read_docs
from lexloom.language import set_seed
from lexloom.models.biluo import class_names, constrained_crf_loss, is_valid_biluo, n_classes, transition_rules, viterbi_biluo
from lexloom.pipeline.batch import Batch
from lexloom.scoring import Scorer
from lexloom.tokens import Doc, Example, Span
from lexloom.tokens.iob import validate_biluo
from lexloom.training.batchers import minibatch
from lexloom.training.schedules import compounding

from conftest import SMALL_TOK2VEC  # noqa: E402

DATA = Path(__file__).parent / "data" / "ner"


@pytest.fixture(autouse=True)
def _small_models_on_one_thread(one_thread):
    """Every test here trains small models."""


def read_examples(nlp, name: str) -> list[Example]:
    refs = read_docs(DATA / name, vocab=nlp.vocab)
    return [Example(Doc(nlp.vocab, words=ref.words, spaces=ref.spaces), ref) for ref in refs]


def ents_f(nlp, examples: list[Example]) -> float:
    for eg in examples:
        eg.predicted.ents = []
    list(nlp.pipe(eg.predicted for eg in examples))
    return Scorer(["ents"]).score(examples)["ents_f"]


@pytest.fixture(scope="module")
def trained():
    """A small NER trained for a few dozen steps on 200 UNER sentences, and its losses."""
    set_seed(0)
    nlp = lexloom.blank("en")
    nlp.add_pipe("ner", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    train = read_examples(nlp, "en_ewt-ud-train-200.iob2")
    optimizer = nlp.initialize(lambda: train)
    optimizer.learn_rate = 0.003
    losses = []
    rng = random.Random(0)
    for _ in range(6):
        rng.shuffle(train)
        for batch in minibatch(train, size=16):
            losses.append(nlp.update(batch, sgd=optimizer, drop=0.1)["ner"])
    return nlp, train, losses


def test_loss_decreases_and_entities_are_learned(trained):
    nlp, train, losses = trained
    assert nlp.get_pipe("ner").labels == ("LOC", "ORG", "PER")
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5])
    assert ents_f(nlp, train) > 0.5


def test_predictions_are_valid_spans(trained):
    nlp, _, _ = trained
    dev = read_examples(nlp, "en_ewt-ud-dev-100.iob2")
    for doc in nlp.pipe(eg.predicted for eg in dev):
        tags = doc.ent_biluo()
        assert "-" not in tags
        validate_biluo(tags)


def test_save_and_load_give_identical_predictions(trained, tmp_path):
    nlp, _, _ = trained
    texts = ["Barack Obama visited Microsoft in Seattle .", "I bought it from Amazon last week ."]
    before = [[(e.start, e.end, e.label_) for e in nlp(t).ents] for t in texts]
    nlp.to_disk(tmp_path / "model")
    loaded = lexloom.load(tmp_path / "model")
    assert loaded.get_pipe("ner").labels == nlp.get_pipe("ner").labels
    after = [[(e.start, e.end, e.label_) for e in loaded(t).ents] for t in texts]
    assert after == before
    sent = read_examples(loaded, "en_ewt-ud-dev-100.iob2")[0].predicted
    probe = loaded.get_pipe("ner").model.head.net[-1].weight
    assert torch.equal(probe, nlp.get_pipe("ner").model.head.net[-1].weight)
    assert len(loaded(sent)) == len(sent)


def test_add_label_after_training_keeps_old_weights(trained, tmp_path):
    nlp = lexloom.load(trained[0].to_disk(tmp_path / "model"))
    ner = nlp.get_pipe("ner")
    old = ner.model.head.net[-1]
    old_weight, old_bias = old.weight.detach().clone(), old.bias.detach().clone()
    assert ner.add_label("GADGET") == 1
    assert ner.add_label("GADGET") == 0
    new = ner.model.head.net[-1]
    assert ner.labels == ("LOC", "ORG", "PER", "GADGET")
    assert new.out_features == n_classes(4)
    assert torch.equal(new.weight[: n_classes(3)], old_weight)
    assert torch.equal(new.bias[: n_classes(3)], old_bias)
    doc = nlp("Barack Obama visited Microsoft in Seattle .")
    assert is_valid_biluo(np.array([ner._classes()[t] for t in doc.ent_biluo()]))


def test_negative_and_unannotated_docs():
    nlp = lexloom.blank("en")
    ner = nlp.add_pipe("ner", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    ner.add_label("PER")
    nlp.initialize()
    negative = Example.from_dict(nlp.make_doc("no names here"), {"entities": []})
    unannotated = Example.from_dict(nlp.make_doc("no annotation here"), {})
    gold = ner.gold_classes([negative, unannotated])
    assert gold[0].tolist() == [0, 0, 0]  # all "O": negative evidence
    assert gold[1].tolist() == [-1, -1, -1]  # "-": no loss
    losses = nlp.update([unannotated])
    assert losses["ner"] == 0.0


def test_misaligned_entities_are_reported():
    nlp = lexloom.blank("en")
    nlp.add_pipe("ner", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    reference = Doc(nlp.vocab, words=["San", "Francisco", "rocks"], spaces=[False, True, False], ents=["U-LOC", "O", "O"])
    predicted = Doc(nlp.vocab, words=["SanFran", "cisco", "rocks"], spaces=[False, True, False])
    with pytest.warns(UserWarning, match=r"1 reference entities do not align.*'San' \(LOC\)"):
        nlp.initialize(lambda: [Example(predicted, reference)])


@settings(max_examples=60, deadline=None)
@given(
    n_labels=st.integers(1, 3),
    lengths=st.lists(st.integers(1, 9), min_size=1, max_size=5),
    seed=st.integers(0, 2**31 - 1),
)
def test_viterbi_only_yields_valid_sequences(n_labels, lengths, seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(0, 3, size=(len(lengths), max(lengths), n_classes(n_labels)))
    paths = viterbi_biluo(scores, np.array(lengths))
    for row, n in enumerate(lengths):
        assert is_valid_biluo(paths[row, :n])
        assert (paths[row, n:] == 0).all()


@settings(max_examples=30, deadline=None)
@given(length=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_viterbi_finds_the_best_valid_sequence(length, seed):
    scores = np.random.default_rng(seed).normal(0, 3, size=(1, length, n_classes(1)))
    path = viterbi_biluo(scores, np.array([length]))[0]
    steps = np.arange(length)
    best = max(
        (np.array(seq) for seq in itertools.product(range(n_classes(1)), repeat=length) if is_valid_biluo(np.array(seq))),
        key=lambda seq: scores[0, steps, seq].sum(),
    )
    assert scores[0, steps, path].sum() == pytest.approx(scores[0, steps, best].sum())


def test_transition_rules_follow_biluo():
    allowed, may_start, may_end = transition_rules(2)
    names = class_names(["A", "B"])
    ok = {(names[p], names[n]) for p, n in zip(*np.nonzero(allowed))}
    assert ("B-A", "I-A") in ok and ("I-A", "L-A") in ok and ("L-A", "U-B") in ok and ("O", "B-B") in ok
    assert ("B-A", "I-B") not in ok and ("O", "I-A") not in ok and ("U-A", "L-A") not in ok and ("B-A", "O") not in ok
    assert [names[c] for c in np.flatnonzero(may_start)] == ["O", "B-A", "U-A", "B-B", "U-B"]
    assert [names[c] for c in np.flatnonzero(may_end)] == ["O", "L-A", "U-A", "L-B", "U-B"]


def test_seeds_style_training_with_simple_updates():
    training_data = [
        ("I want to buy the iPhone X", {"entities": [(18, 26, "GADGET")]}),
        ("The iPhone X is expensive", {"entities": [(4, 12, "GADGET")]}),
        ("My new iPad arrived", {"entities": [(7, 11, "GADGET")]}),
        ("She sold her iPad yesterday", {"entities": [(13, 17, "GADGET")]}),
        ("We walked to the park", {"entities": []}),
        ("The weather is nice today", {"entities": []}),
    ]
    set_seed(0)
    nlp = lexloom.blank("en")
    ner = nlp.add_pipe("ner", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    ner.add_label("GADGET")
    optimizer = nlp.initialize()
    rng = random.Random(0)
    for _ in range(25):
        rng.shuffle(training_data)
        losses: dict = {}
        for batch in minibatch(training_data, size=compounding(4.0, 32.0, 1.001)):
            texts = [text for text, _ in batch]
            annotations = [annotation for _, annotation in batch]
            nlp.update(texts, annotations, sgd=optimizer, losses=losses, drop=0.1)
    assert losses["ner"] < 0.1
    assert [(e.text, e.label_) for e in nlp("I want to buy the iPad").ents] == [("iPad", "GADGET")]
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in training_data]
    nlp.update(examples, sgd=optimizer)


def test_crf_loss_is_the_gold_sequences_share_among_valid_ones():
    rng = np.random.default_rng(0)
    emissions = torch.tensor(rng.normal(0, 2, size=(1, 3, n_classes(1))))
    names = class_names(["X"])
    valid = [np.array(s) for s in itertools.product(range(n_classes(1)), repeat=3) if is_valid_biluo(np.array(s))]
    score = {tuple(s.tolist()): float(emissions[0, np.arange(3), s].sum()) for s in valid}
    log_z = np.logaddexp.reduce(list(score.values()))
    mask = torch.ones(1, 3, dtype=torch.bool)
    gold = torch.tensor([[names.index("B-X"), names.index("L-X"), 0]])
    loss = constrained_crf_loss(emissions, mask, gold)
    assert float(loss) == pytest.approx(log_z - score[tuple(gold[0].tolist())], rel=1e-6)
    partial = torch.tensor([[names.index("B-X"), -1, -1]])  # "-": any valid continuation
    started = [v for k, v in score.items() if k[0] == names.index("B-X")]
    assert float(constrained_crf_loss(emissions, mask, partial)) == pytest.approx(log_z - np.logaddexp.reduce(started), rel=1e-6)
    assert float(constrained_crf_loss(emissions, mask, torch.full((1, 3), -1))) == pytest.approx(0.0, abs=1e-9)


def test_per_sentence_training_does_not_depend_on_how_sentences_are_grouped(tmp_path):
    """`per_sentence` corpora: one-sentence and ten-sentence documents of the same sentences
    train the same weights, bit for bit (the workflow converts with --n-sents 10)."""
    from lexloom.config.init import init_config
    from lexloom.convert import convert
    from lexloom.training.loop import train

    weights = []
    for n_sents in (1, 10):
        (corpus,) = convert(DATA / "en_ewt-ud-train-200.iob2", tmp_path / f"corpus-{n_sents}", n_sents=n_sents)
        cfg = init_config("en", ["ner"])
        cfg["components"]["tok2vec"]["model"] = SMALL_TOK2VEC
        cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
        cfg["corpora"]["train"]["per_sentence"] = True
        cfg["corpora"]["dev"]["limit"] = 5
        cfg["system"]["threads"] = 1
        cfg["training"].update({"max_steps": 12, "eval_frequency": 12})
        cfg["training"]["logger"]["progress_bar"] = False
        path = tmp_path / f"ner-{n_sents}.cfg"
        path.write_text(cfg.to_str(interpolate=False))
        out = train(path, tmp_path / f"out-{n_sents}")
        weights.append({p.parent.name: p.read_bytes() for p in (out / "model-last").glob("*/model.safetensors")})
    assert weights[0] == weights[1] and set(weights[0]) == {"tok2vec", "ner"}


def test_each_dev_evaluation_starts_from_unannotated_docs(tmp_path):
    """The training loop evaluates the same dev examples again and again. The NER keeps the
    entities a Doc already has, so each evaluation must annotate fresh copies: the score the
    log records for the last step is the score of those weights on unannotated dev Docs."""
    import json

    from lexloom.config.init import init_config
    from lexloom.convert import convert
    from lexloom.training.corpus import Corpus
    from lexloom.training.loop import train

    (corpus,) = convert(DATA / "en_ewt-ud-train-200.iob2", tmp_path / "corpus", n_sents=10)
    cfg = init_config("en", ["ner"])
    cfg["components"]["tok2vec"]["model"] = SMALL_TOK2VEC
    cfg["paths"]["train"] = cfg["paths"]["dev"] = str(corpus)
    cfg["system"]["threads"] = 1
    cfg["training"].update({"max_steps": 40, "eval_frequency": 8, "patience": 0})
    cfg["training"]["logger"]["progress_bar"] = False
    path = tmp_path / "ner.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    out = train(path, tmp_path / "out")
    logged = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    last = [r for r in logged if "scores" in r and r["step"] == 40][-1]["scores"]
    nlp = lexloom.load(out / "model-last")
    examples = list(Corpus(corpus)(nlp))
    fresh = nlp.evaluate(examples)
    assert fresh["ents_f"] > 0 and last["ents_f"] == pytest.approx(fresh["ents_f"], abs=1e-9)
    assert not any(eg.predicted.ents for eg in examples)  # the caller's Docs stay unannotated
    assert nlp.evaluate(examples)["ents_f"] == fresh["ents_f"]


def test_a_doc_of_ten_sentences_reads_as_ten_docs_of_one(trained):
    """With pieces of one sentence (`piece_length = 1`, as configs/ner.cfg) and the sentence
    boundaries given (`--gold-sents`, `gold_sents = true`), the recognizer finds in a Doc of ten
    sentences exactly the entities it finds in each sentence alone: its window encoder stops
    at sentence starts, and no entity crosses one."""
    nlp, train, _ = trained
    sentences = sorted((eg.reference for eg in train), key=lambda d: d.text)[:60]
    layer = nlp.get_pipe("ner").model.tok2vec
    layer.piece_length = 1
    try:
        expected, found, offset = [], [], 0
        for doc in nlp.pipe([Doc(nlp.vocab, words=s.words, spaces=s.spaces) for s in sentences]):
            expected += [(e.start + offset, e.end + offset, e.label_) for e in doc.ents]
            offset += len(doc)
        groups = [sentences[k : k + 10] for k in range(0, len(sentences), 10)]
        grouped = [
            Doc(nlp.vocab, words=[w for s in g for w in s.words], spaces=[sp for s in g for sp in s.spaces],
                sent_starts=[i == 0 for s in g for i in range(len(s))])
            for g in groups
        ]
        offset = 0
        for doc in nlp.pipe(grouped):
            found += [(e.start + offset, e.end + offset, e.label_) for e in doc.ents]
            offset += len(doc)
    finally:
        layer.piece_length = 0
    assert len(expected) >= 10 and found == expected


def test_the_shipped_config_reads_ten_sentence_docs_as_their_sentences(tmp_path):
    """configs/ner.cfg as the workflow runs it, on corpora converted with `--n-sents 10`: its
    dev reader keeps the sentence boundaries and its tok2vec reads each sentence on its own,
    so every token of a ten-sentence dev Doc gets the vector and the entities it gets in its
    sentence alone, in float and in int8. (Both settings were once lost from the config
    unnoticed: the training log's dev F fell 3.5 points while the test above, which sets them
    by hand, passed.)"""
    from lexloom.config import load_config, resolve_section
    from lexloom.convert import convert
    from lexloom.language import Language

    [path] = convert(DATA / "en_ewt-ud-train-200.iob2", tmp_path, n_sents=10)
    small = {"width": 32, "rows": [2000, 200, 1000, 250]}
    overrides = {"paths.train": str(path), "paths.dev": str(path), "components.ner.model.hidden": 32,
                 **{f"components.tok2vec.model.{key}": value for key, value in small.items()},
                 "components.tok2vec.model.encoder.width": 32}
    config = load_config(Path(__file__).parent.parent / "configs" / "ner.cfg", overrides=overrides, interpolate=True)
    nlp = Language.from_config(config)
    for name in ("upos", "parser"):  # this IOB corpus has no tags nor trees: `train` leaves them out
        nlp.remove_pipe(name)
    corpora = resolve_section(config, "corpora")
    set_seed(0)
    optimizer = nlp.initialize(lambda: corpora["train"](nlp))
    optimizer.learn_rate = 0.003
    train = list(corpora["train"](nlp))
    for _ in range(6):
        for batch in minibatch(train, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    dev = list(corpora["dev"](nlp))
    assert all(len(eg.reference) > 10 and len(list(eg.predicted.sents)) > 1 for eg in dev[:-1])
    for quantized in (False, True):  # in int8 (`[nlp] quantize`) each token is quantized on its own
        if quantized:
            nlp.quantize()
        tok2vec, n_entities = nlp.get_pipe("tok2vec").model.eval(), 0
        for eg in dev[:4]:
            doc = eg.predicted
            alone = [Doc(nlp.vocab, words=s.words, spaces=s.spaces) for s in (d.as_doc() for d in doc.sents)]
            with torch.no_grad():
                whole = tok2vec(Batch([doc]))[0, : len(doc)]
                parts = torch.cat([tok2vec(Batch([a]))[0, : len(a)] for a in alone])
            if quantized:  # int8 products are exact: the same vectors, bit for bit
                assert torch.equal(whole, parts)
            else:
                torch.testing.assert_close(whole, parts)
            found = [(e.start_char, e.end_char, e.label_) for e in nlp(doc).ents]
            offsets = [s.start_char for s in doc.sents]
            expected = [(e.start_char + o, e.end_char + o, e.label_) for a, o in zip(nlp.pipe(alone), offsets) for e in a.ents]
            assert found == expected
            n_entities += len(found)
        assert n_entities >= 20  # the model finds entities: the comparison is not between empty lists


def listening_pipeline(seed: int, data: str | Path = "en_ewt-ud-train-200.iob2", upos: bool = False):
    """tok2vec + a ner listening to it (and with `upos` a UPOS tagger too), as configs/ner.cfg,
    trained briefly on 200 sentences (or `data`)."""
    set_seed(seed)
    nlp = lexloom.blank("en")
    nlp.add_pipe("tok2vec", config={"model": SMALL_TOK2VEC})
    listener = {"tok2vec": {"@architectures": "lexloom.Tok2VecListener.v1", "width": 64}}
    if upos:
        nlp.add_pipe("tagger", name="upos", config={"attr": "pos", "model": listener})
    nlp.add_pipe("ner", config={"model": listener})
    train = read_examples(nlp, data)
    optimizer = nlp.initialize(lambda: train)
    optimizer.learn_rate = 0.003
    for _ in range(3):
        for batch in minibatch(train, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    return nlp


def test_ensemble_averages_recognizers_trained_apart(tmp_path):
    """`lexloom ensemble` joins NER pipelines trained with other seeds: each member's shared
    tok2vec becomes its model's own, and the joined recognizer decodes the mean of the
    members' class probabilities, before and after loading."""
    from typer.testing import CliRunner

    from lexloom.cli import app

    members = [listening_pipeline(seed) for seed in (0, 1)]
    paths = [nlp.to_disk(tmp_path / f"seed{i}") for i, nlp in enumerate(members)]
    result = CliRunner().invoke(app, ["ensemble", str(tmp_path / "joined"), *map(str, paths)])
    assert result.exit_code == 0, result.output
    joined = lexloom.load(tmp_path / "joined")
    assert joined.pipe_names == ["ner"] and len(joined.get_pipe("ner").models()) == 2
    assert joined.config["components"]["ner"]["model"]["n_models"] == 2

    docs = [eg.predicted for eg in read_examples(joined, "en_ewt-ud-train-200.iob2")[:40]]  # where members find entities
    batch = Batch(docs)
    with torch.no_grad():
        probs = []
        for nlp in members:
            nlp.get_pipe("tok2vec").forward(batch)
            probs.append(torch.softmax(nlp.get_pipe("ner").forward(batch)[0], dim=-1))
        assert (probs[0] - probs[1]).abs().max() > 1e-2  # the seeds disagree
        mean = torch.log((probs[0] + probs[1]) / 2)
        got = torch.log_softmax(joined.get_pipe("ner").forward(Batch(docs)), dim=-1)
        got = torch.logsumexp(got, dim=0) - np.log(2)
    torch.testing.assert_close(got[batch.mask], mean[batch.mask], atol=1e-5, rtol=1e-5)
    before = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in joined.pipe([Doc(joined.vocab, words=d.words) for d in docs])]
    assert sum(map(len, before)) >= 10
    again = lexloom.load(joined.to_disk(tmp_path / "again"))
    assert [[(e.start, e.end, e.label_) for e in doc.ents] for doc in again.pipe([Doc(again.vocab, words=d.words) for d in docs])] == before


def test_ensemble_keeps_the_tok2vec_a_tagger_shares(joined_uner_sample, tmp_path):
    """With a UPOS tagger listening to the tok2vec as well (configs/ner.cfg), the joined
    recognizer takes each member's tok2vec as its own and the tagger keeps the first member's:
    its tags are the first member's, before and after loading."""
    from lexloom.ensemble import ensemble_pipelines

    corpus = joined_uner_sample
    members = [listening_pipeline(seed, corpus, upos=True) for seed in (0, 1)]
    paths = [nlp.to_disk(tmp_path / f"seed{i}") for i, nlp in enumerate(members)]
    joined = ensemble_pipelines(paths)
    assert joined.pipe_names == ["tok2vec", "upos", "ner"]
    ner = joined.get_pipe("ner")
    assert ner.listener is None and len(ner.models()) == 2
    assert joined.get_pipe("upos").listener.upstream == "tok2vec"
    words = [eg.reference.words for eg in read_examples(joined, corpus)[:40]]

    def annotations(nlp):
        docs = list(nlp.pipe([Doc(nlp.vocab, words=w) for w in words]))
        return [[t.pos_ for t in doc] for doc in docs], [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]

    tags, ents = annotations(joined)
    assert tags == annotations(members[0])[0] != annotations(members[1])[0]
    assert sum(tag == "PROPN" for doc in tags for tag in doc) >= 20 and sum(map(len, ents)) >= 10
    assert annotations(lexloom.load(joined.to_disk(tmp_path / "joined"))) == (tags, ents)

    # the tagger trained for the tok2vec's sake only, saved disabled (an auxiliary component):
    # the joined pipeline runs the members' encoders and not the first tok2vec once more
    for nlp, path in zip(members, paths):
        nlp.disable_pipe("upos")
        nlp.to_disk(path)
    joined = ensemble_pipelines(paths)
    assert joined.pipe_names == ["ner"] and joined.disabled == ["tok2vec", "upos"]
    assert annotations(joined)[1] == ents
    joined.enable_pipe("tok2vec")
    joined.enable_pipe("upos")
    assert annotations(joined) == (tags, ents)


def test_no_entity_crosses_a_sentence_boundary_the_doc_has(trained):
    """A sentence start inside an entity the model finds without sentences: the entity is
    not predicted across it, wherever the start is put."""
    nlp, train, _ = trained
    found = ((eg.reference, ent) for eg in train for ent in nlp(Doc(nlp.vocab, words=eg.reference.words)).ents if len(ent) > 1)
    ref, ent = next(found)  # a model trained on these sentences finds multi-token entities in them
    for start in range(ent.start + 1, ent.end):
        starts = [i in (0, start) for i in range(len(ref))]
        doc = nlp(Doc(nlp.vocab, words=ref.words, sent_starts=starts))
        assert all(not (e.start < start < e.end) for e in doc.ents), (start, [(e.start, e.end) for e in doc.ents])


def test_blocked_tokens_are_never_an_entity(trained):
    """`doc.set_ents(..., blocked=[...], default="unmodified")`, as spaCy: the recognizer
    predicts around blocked tokens, and `doc.ents` never shows them as an entity."""
    nlp, train, _ = trained
    found = ((eg.reference, ent) for eg in train for ent in nlp(Doc(nlp.vocab, words=eg.reference.words)).ents if len(ent) > 1)
    ref, ent = next(found)
    doc = Doc(nlp.vocab, words=ref.words)
    doc.set_ents([], blocked=[doc[ent.start : ent.end]], default="unmodified")
    assert doc.ents == () and [t.ent_iob_ for t in doc[ent.start : ent.end]] == ["B"] * len(ent)
    doc = nlp(doc)
    assert all(e.end <= ent.start or e.start >= ent.end for e in doc.ents)
    with pytest.raises(ValueError, match="in two of the spans"):
        doc.set_ents([Span(doc, ent.start, ent.end, "PER")], outside=[doc[ent.start : ent.start + 1]])
