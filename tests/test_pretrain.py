"""`lexloom pretrain`: the characters objective on ~150 real EWT sentences, its files, and training from them."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.config import load_config, resolve_section
from lexloom.config.init import init_config
from lexloom.convert import convert, read_docs
from lexloom.errors import ConfigError, DataError
from lexloom.language import Language
from lexloom.tokens import Doc, write_docbin
from lexloom.training.pretrain import CharacterTargets, mask_features, pretrain

DATA = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"
REPO = Path(__file__).parent.parent
TINY_TOK2VEC = {
    "@architectures": "lexloom.Tok2Vec.v1", "width": 32, "rows": [2000, 500, 1000, 500],
    "encoder": {"@architectures": "lexloom.MaxoutWindowEncoder.v1", "width": 32, "depth": 1},
}


def ewt_texts() -> list[str]:
    return [line[len("# text = "):] for line in DATA.read_text(encoding="utf8").splitlines() if line.startswith("# text = ")]


@pytest.fixture(scope="module")
def raw_jsonl(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("raw") / "ewt.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in ewt_texts()), encoding="utf8")
    return path


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    cfg = init_config("en", ["tagger"])
    cfg["components"]["tok2vec"]["model"] = TINY_TOK2VEC
    cfg["pretraining"]["batcher"]["size"] = 500
    cfg["pretraining"]["objective"]["hidden"] = 64
    cfg["pretraining"]["optimizer"]["learn_rate"] = 0.003
    # init_config wires paths.init_tok2vec into the tok2vec, as configs/ud.cfg does
    text = cfg.to_str(interpolate=False)
    assert "init_weights = ${paths.init_tok2vec}" in text
    path = tmp_path_factory.mktemp("config") / "tiny.cfg"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, config, raw_jsonl):
    out = tmp_path_factory.mktemp("pretrain") / "out"
    result = CliRunner().invoke(app, ["pretrain", str(config), str(out), "--paths.raw_text", str(raw_jsonl), "--epochs", "3", "--pretraining.n_save_every", "5"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_loss_decreases_and_every_file_is_written(pretrained):
    out, output = pretrained
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2, 3]
    words = sum(len(lexloom.blank("en").make_doc(t)) for t in ewt_texts())
    assert all(r["words"] == words for r in records)
    assert records[2]["loss"] < records[1]["loss"] < records[0]["loss"]
    expected = {"model1.safetensors", "model2.safetensors", "model3.safetensors", "model-last.safetensors", "log.jsonl"}
    first_step = 1
    for r in records:  # --pretraining.n_save_every 5: also after every fifth step
        expected |= {f"model{r['epoch']}_{s}.safetensors" for s in range(first_step, r["step"] + 1) if s % 5 == 0}
        first_step = r["step"] + 1
    assert any("_" in name for name in expected)
    assert {p.name for p in out.iterdir()} == expected
    # the table has a row per epoch
    assert "epoch" in output and output.count("\n") >= 4
    # model-last is the last epoch's weights, and holds the tok2vec layer only
    last, third = load_file(str(out / "model-last.safetensors")), load_file(str(out / "model3.safetensors"))
    assert last.keys() == third.keys() and all(torch.equal(last[k], third[k]) for k in last)
    assert all(k.startswith("model.") for k in last)
    assert not torch.equal(last["model.embed.tables.0.weight"], load_file(str(out / "model1.safetensors"))["model.embed.tables.0.weight"])


def test_training_starts_from_the_pretrained_weights(pretrained, config, tmp_path):
    out, _ = pretrained
    (corpus,) = convert(DATA, tmp_path, n_sents=10)
    weights = out / "model-last.safetensors"
    overrides = {"paths.train": str(corpus), "paths.dev": str(corpus), "paths.init_tok2vec": str(weights)}
    cfg = load_config(config, overrides=overrides, interpolate=True)
    nlp = Language.from_config(cfg)
    examples = list(resolve_section(cfg, "corpora")["train"](nlp))
    nlp.initialize(lambda: examples)
    state = nlp.get_pipe("tok2vec").model.state_dict()
    saved = load_file(str(weights))
    assert state.keys() == saved.keys() and all(torch.equal(state[k], saved[k]) for k in saved)
    # without init_tok2vec the same seed gives other weights
    fresh = Language.from_config(load_config(config, overrides={**overrides, "paths.init_tok2vec": None}, interpolate=True))
    fresh.initialize(lambda: examples)
    assert not torch.equal(fresh.get_pipe("tok2vec").model.state_dict()["model.mix.linear.weight"], saved["model.mix.linear.weight"])


def test_character_targets_are_leading_and_trailing_bytes():
    nlp = lexloom.blank("en")
    docs = [Doc(nlp.vocab, ["ab", "Berlin"]), Doc(nlp.vocab, ["été"])]
    targets = CharacterTargets(4)(docs)
    pad = [255]
    assert targets.tolist() == [
        list(b"ab") + pad * 2 + list(b"ba") + pad * 2,
        list(b"Berl") + list(b"nilr"),
        list("été".encode()[:4]) + list("été".encode()[::-1][:4]),
    ]


def test_masking_hides_about_the_asked_share_of_tokens():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 1000, size=(2000, 4, 2))
    mask_row = np.full((4, 2), -7)
    assert mask_features(ids, mask_row, 0.0, rng) is ids
    masked = mask_features(ids, mask_row, 0.5, rng)
    share = (masked == -7).all(axis=(1, 2)).mean()
    assert 0.35 < share < 0.45  # 80% of the 50% chosen
    assert (masked != ids).any(axis=(1, 2)).mean() < 0.5


def test_raw_text_formats(tmp_path):
    """Pretraining reads its raw text with read_docs: .txt, .jsonl, .lexloom, a folder; empty docs are skipped."""
    nlp = lexloom.blank("en")
    txt = tmp_path / "raw.txt"
    txt.write_text("First text here.\n\nSecond one\n", encoding="utf8")
    assert [d.text for d in read_docs(txt, nlp.vocab, make_doc=nlp.make_doc)] == ["First text here.", "Second one"]
    corpus = write_docbin(tmp_path / "raw.lexloom", [nlp.make_doc("From a corpus ."), Doc(nlp.vocab, [])])
    assert [d.text for d in read_docs(corpus, nlp.vocab)] == ["From a corpus .", ""]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": oops}\n', encoding="utf8")
    with pytest.raises(DataError, match="bad.jsonl:2:"):
        list(read_docs(bad, nlp.vocab, make_doc=nlp.make_doc))
    with pytest.raises(DataError, match="no such file"):
        read_docs(tmp_path / "missing.txt", nlp.vocab)


def test_config_errors(tmp_path, config, raw_jsonl):
    no_section = tmp_path / "no.cfg"
    text = config.read_text()
    no_section.write_text(text[: text.index("[pretraining]")])
    with pytest.raises(ConfigError, match="no \\[pretraining\\] section"):
        pretrain(no_section, tmp_path / "out")
    with pytest.raises(ConfigError, match="raw_text is not set"):
        pretrain(config, tmp_path / "out")
    with pytest.raises(ConfigError, match="not implemented"):
        pretrain(config, tmp_path / "out", overrides={"paths.raw_text": str(raw_jsonl), "pretraining.objective.type": "vectors"})
    with pytest.raises(ConfigError, match="'tagger' is a 'tagger'"):
        pretrain(config, tmp_path / "out", overrides={"paths.raw_text": str(raw_jsonl), "pretraining.component": "tagger"})
    assert not (tmp_path / "out").exists()


def test_the_ud_config_pretraining_section_resolves():
    cfg = load_config(REPO / "configs" / "ud.cfg", overrides={"paths.raw_text": "corpus/raw/ewt.jsonl"}, interpolate=True)
    section = resolve_section(cfg, "pretraining")
    assert section["component"] == "tok2vec" and section["raw_text"] == "corpus/raw/ewt.jsonl"
    assert section["objective"]["type"] == "characters"
