"""A config written by `spacy init config`, given to lexloom as it is: read as lexloom's
(`lexloom/config/spacy.py`), pretrained and trained, and saved as a lexloom config; what spaCy's settings
would change and lexloom cannot do is an error naming the section and the key."""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import lexloom
from lexloom.config import load_config, resolve_section
from lexloom.convert import convert
from lexloom.language import Language
from lexloom.training.pretrain import pretrain
from lexloom.config.init import init_config
from lexloom.config.spacy import SpacyConfigWarning
from lexloom.errors import ConfigError
from lexloom.training.loop import train

SPACY = Path(__file__).parent / "data" / "spacy"
EFFICIENCY = SPACY / "efficiency.cfg"  # tok2vec, tagger, morphologizer, trainable_lemmatizer, parser, ner, senter


def test_a_spacy_config_trains_as_it_is(joined_uner_sample, tmp_path, one_thread):
    overrides = {
        "paths.train": str(joined_uner_sample), "paths.dev": str(joined_uner_sample),
        # spaCy's names, as the user's file has them: the overrides apply before the translation
        "components.tok2vec.model.encode.width": 64, "components.tok2vec.model.encode.depth": 2,
        "corpora.dev.limit": 20, "training.max_steps": 30, "training.eval_frequency": 15,
    }
    with pytest.warns(SpacyConfigWarning) as caught:
        out = train(EFFICIENCY, tmp_path / "out", overrides=overrides)
    (message,) = {str(w.message) for w in caught if w.category is SpacyConfigWarning}
    assert "[system] gpu_allocator" in message and "[components.parser] scorer, moves, update_with_oracle_cut_size" in message
    nlp = lexloom.load(out / "model-best")
    saved = (out / "model-best" / "config.cfg").read_text()
    assert "spacy." not in saved and "gpu_allocator" not in saved
    config = nlp.config.interpolate()
    tok2vec = config["components"]["tok2vec"]["model"]
    assert tok2vec["@architectures"] == "lexloom.Tok2Vec.v1" and tok2vec["width"] == 64 and tok2vec["encoder"]["depth"] == 2
    assert config["components"]["parser"]["model"]["@architectures"] == "lexloom.BiaffineParser.v1"
    assert config["components"]["ner"]["model"]["@architectures"] == "lexloom.EntityRecognizer.v1"
    # spaCy's `upstream = "*"` named; the senter keeps the small tok2vec of its own spaCy gives it
    for name in ("tagger", "morphologizer", "trainable_lemmatizer", "parser", "ner"):
        assert config["components"][name]["model"]["tok2vec"] == {"@architectures": "lexloom.Tok2VecListener.v1", "width": 64, "upstream": "tok2vec"}
    assert config["components"]["senter"]["model"]["tok2vec"]["width"] == 12
    doc = nlp("Barack Obama visited Paris in May.")
    assert all(doc.has_annotation(a) for a in ("TAG", "POS", "MORPH", "LEMMA", "DEP"))
    assert [(t.text, t.pos_) for t in doc][-1] == (".", "PUNCT")
    # the saved config is lexloom's: it trains again, with nothing left to translate
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpacyConfigWarning)
        again = train(out / "model-best" / "config.cfg", tmp_path / "again", overrides={"training.max_steps": 2})
    assert lexloom.load(again / "model-last").pipe_names == nlp.pipe_names


def test_spacy_defaults_read_as_lexloom_init_config_writes_them(tmp_path):
    """spaCy's efficiency config and lexloom's for the same components build the same tok2vec and
    listeners, and the entity recognizer takes spaCy's hidden width."""
    with pytest.warns(SpacyConfigWarning):
        ours = load_config(EFFICIENCY, interpolate=True)
    theirs = init_config("en", ["tagger", "parser", "ner"]).interpolate()
    ours_encoder, theirs_encoder = ours["components"]["tok2vec"]["model"].pop("encoder"), theirs["components"]["tok2vec"]["model"].pop("encoder")
    assert ours["components"]["tok2vec"]["model"] == theirs["components"]["tok2vec"]["model"]
    theirs_encoder.pop("dropout")  # lexloom's default, which spaCy's encoder has no setting for
    assert ours_encoder == theirs_encoder
    assert ours["components"]["ner"]["model"]["hidden"] == 64
    assert ours["corpora"]["train"] == {"@readers": "lexloom.Corpus.v1", "path": None, "max_length": 0, "limit": 0, "augmenter": None}
    assert ours["training"]["optimizer"]["L2"] == theirs["training"]["optimizer"]["L2"]
    assert ours["components"]["tok2vec"]["init_weights"] is None  # [initialize] init_tok2vec, wired to the tok2vec
    assert "initialize" in ours and not set(ours["initialize"]) - {"max_examples"}


def test_spacy_corpora_names_and_gold_preproc():
    text = EFFICIENCY.read_text().replace("[corpora.dev]", "[corpora.held_out]").replace('dev_corpus = "corpora.dev"', 'dev_corpus = "corpora.held_out"')
    text = text.replace("gold_preproc = false", "gold_preproc = true", 1)  # [corpora.train]
    with pytest.warns(SpacyConfigWarning):
        config = load_config(text=text, overrides={"paths.dev": "dev.lexloom"}, interpolate=True)
    assert config["corpora"]["dev"]["path"] == "dev.lexloom" and "held_out" not in config["corpora"]
    assert config["corpora"]["train"]["per_sentence"] is True and config["corpora"]["train"]["gold_sents"] is True


def test_a_textcat_ensemble_reads_as_lexloom_s():
    overrides = {"paths.vectors": None, "components.tok2vec.model.embed.include_static_vectors": False}
    with pytest.warns(SpacyConfigWarning):
        config = load_config(SPACY / "textcat_accuracy.cfg", overrides=overrides, interpolate=True)
    model = config["components"]["textcat"]["model"]
    assert model["@architectures"] == "lexloom.TextCatEnsemble.v1" and model["ngram_size"] == 1 and model["n_buckets"] == 262144
    assert model["tok2vec"] == {"@architectures": "lexloom.Tok2VecListener.v1", "width": 256, "upstream": "tok2vec"}
    assert config["components"]["tok2vec"]["model"]["encoder"]["depth"] == 8
    assert "threshold" not in config["components"]["textcat"]


@pytest.mark.parametrize(
    "config_file, overrides, expected",
    [
        (EFFICIENCY, {"components.parser.learn_tokens": True}, "[components.parser] learn_tokens = true: only false can be read here (lexloom's parser does not retokenize)"),
        (EFFICIENCY, {"training.annotating_components": ["tagger"]}, "[training] annotating_components = [\"tagger\"]"),
        (EFFICIENCY, {"training.before_update": "my.callback"}, "[training] before_update = \"my.callback\": only null can be read here (callbacks are not run)"),
        (EFFICIENCY, {"components.ner.model.state_type": "tagger"}, "[components.ner.model] state_type = 'tagger'"),
        (EFFICIENCY, {"components.tok2vec.model.embed.include_static_vectors": True}, "[components.tok2vec.model.embed] include_static_vectors = true"),
        (EFFICIENCY, {"components.tok2vec.model.embed.@architectures": "spacy.CharacterEmbed.v2"}, "'spacy.CharacterEmbed.v2' has no counterpart in lexloom"),
        (SPACY / "textcat_accuracy.cfg", {}, "[initialize] vectors = \"en_core_web_lg\": only null can be read here (spaCy's vectors"),
    ],
)
def test_what_lexloom_cannot_do_is_an_error(config_file, overrides, expected):
    with pytest.raises(ConfigError) as error:
        load_config(config_file, overrides=overrides)
    message = str(error.value)
    assert message.startswith(f"{config_file}: ") and expected in message, message
    assert re.search(r"see docs/spacy-users.md\)$", message)


def test_spacy_pretraining_then_training_from_its_weights(tmp_path):
    """`spacy pretrain` then `spacy train --paths.init_tok2vec`, with spaCy's config as it is."""
    conllu = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"
    raw = tmp_path / "raw.jsonl"  # spaCy's JSONL corpus of {"text": ...}
    raw.write_text("".join(json.dumps({"text": line[len("# text = "):]}) + "\n" for line in conllu.read_text().splitlines() if line.startswith("# text = ")))
    small = {"components.tok2vec.model.encode.width": 32, "components.tok2vec.model.encode.depth": 1}
    config = SPACY / "pretraining.cfg"
    with pytest.warns(SpacyConfigWarning) as caught:
        records = pretrain(config, tmp_path / "pretrain", overrides={
            **small, "paths.raw_text": str(raw), "pretraining.max_epochs": 2, "pretraining.batcher.size": 500, "pretraining.objective.hidden_size": 64,
        })
    assert "[corpora.pretrain] min_length, max_length" in str(caught[0].message)
    assert [r["epoch"] for r in records] == [1, 2] and records[1]["loss"] < records[0]["loss"] and records[0]["words"] > 2000
    weights = tmp_path / "pretrain" / "model-last.safetensors"
    (corpus,) = convert(conllu, tmp_path, n_sents=10)
    with pytest.warns(SpacyConfigWarning):
        cfg = load_config(config, overrides={**small, "paths.train": str(corpus), "paths.dev": str(corpus), "paths.init_tok2vec": str(weights)}, interpolate=True)
    nlp = Language.from_config(cfg)
    nlp.initialize(lambda: list(resolve_section(cfg, "corpora")["train"](nlp)))
    state, saved = nlp.get_pipe("tok2vec").model.state_dict(), load_file(str(weights))
    assert state.keys() == saved.keys() and all(torch.equal(state[k], saved[k]) for k in saved)


def test_spacy_bilstm_encoder_reads_as_lexloom_s():
    """spaCy's TorchBiLSTMEncoder is `width` wide with half of it in each direction."""
    encode = '[components.tok2vec.model.encode]\n@architectures = "spacy.MaxoutWindowEncoder.v2"\nwidth = 96\ndepth = 4\nwindow_size = 1\nmaxout_pieces = 3\n'
    assert encode in EFFICIENCY.read_text()
    text = EFFICIENCY.read_text().replace(encode, '[components.tok2vec.model.encode]\n@architectures = "spacy.TorchBiLSTMEncoder.v1"\nwidth = 128\ndepth = 2\ndropout = 0.2\n')
    with pytest.warns(SpacyConfigWarning):
        config = load_config(text=text, interpolate=True)
    tok2vec = config["components"]["tok2vec"]["model"]
    assert tok2vec["width"] == 128 and tok2vec["encoder"] == {"@architectures": "lexloom.BiLSTMEncoder.v1", "width": 128, "hidden": 64, "depth": 2, "dropout": 0.2}
    assert config["components"]["parser"]["model"]["tok2vec"]["width"] == 128
