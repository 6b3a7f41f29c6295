"""Config system: overrides, interpolation, registry resolution, init/fill-config, clear errors."""
import pytest
from typer.testing import CliRunner

from lexloom.cli import app
from lexloom.config import load_config, parse_overrides, registry, resolve_section
from lexloom.config.init import fill_config, init_config
from lexloom.errors import ConfigError
import lexloom.training  # noqa: F401  (registers schedules, batchers, optimizers)

CFG = """
[paths]
train = "corpus/train.lexloom"

[training]
dropout = 0.1
max_steps = 100

[training.batcher]
@batchers = "batch_by_sequence.v1"

[training.batcher.size]
@schedules = "compounding.v1"
start = 4
stop = 32
compound = 2.0

[corpora]

[corpora.train]
@readers = "lexloom.Corpus.v1"
path = ${paths.train}
"""


def test_parse_overrides_reads_json_values():
    got = parse_overrides(["--training.dropout", "0.3", "--paths.train=x.lexloom", "--training.frozen_components", '["a"]'])
    assert got == {"training.dropout": 0.3, "paths.train": "x.lexloom", "training.frozen_components": ["a"]}
    with pytest.raises(ConfigError, match="--section.key"):
        parse_overrides(["dropout", "0.3"])


def test_overrides_and_interpolation():
    cfg = load_config(text=CFG, overrides={"paths.train": "other.lexloom", "training.dropout": 0.3}, interpolate=True)
    assert cfg["training"]["dropout"] == 0.3
    assert cfg["corpora"]["train"]["path"] == "other.lexloom"


def test_unknown_override_names_section_and_key():
    with pytest.raises(ConfigError, match=r"section \[training\] has no key 'dropuot'"):
        load_config(text=CFG, overrides={"training.dropuot": 0.3})
    with pytest.raises(ConfigError, match=r"there is no section \[trainig\]"):
        load_config(text=CFG, overrides={"trainig.dropout": 0.3})


def test_registry_resolves_functions():
    cfg = load_config(text=CFG, interpolate=True)
    batcher = resolve_section(cfg, "training")["batcher"]
    assert [len(b) for b in batcher(range(30))] == [4, 8, 16, 2]
    assert registry.has("schedules", "compounding.v1")


def test_invalid_section_is_named(tmp_path):
    bad = CFG.replace('@batchers = "batch_by_sequence.v1"', '@batchers = "batch_by_nothing.v1"')
    cfg = load_config(text=bad, interpolate=True)
    with pytest.raises(ConfigError, match=r"invalid \[training\].*batch_by_nothing"):
        resolve_section(cfg, "training", "x.cfg")
    wrong_type = CFG.replace("start = 4", 'start = "four"')
    with pytest.raises(ConfigError, match=r"\[training\]"):
        resolve_section(load_config(text=wrong_type, interpolate=True), "training", "x.cfg")


def test_syntax_errors_name_the_file(tmp_path):
    path = tmp_path / "broken.cfg"
    path.write_text("[training\ndropout = 0.1\n")
    with pytest.raises(ConfigError, match="broken.cfg"):
        load_config(path)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.cfg")


def test_init_config_is_complete_and_loads(tmp_path):
    cfg = init_config("en", ["tagger", "parser"], optimize="efficiency")
    assert cfg["nlp"]["pipeline"] == ["tok2vec", "tagger", "parser"]
    assert cfg["components"]["parser"]["model"]["tok2vec"]["@architectures"] == "lexloom.Tok2VecListener.v1"
    assert cfg["training"]["optimizer"]["@optimizers"] == "Adam.v1"
    path = tmp_path / "x.cfg"
    path.write_text(cfg.to_str(interpolate=False))
    assert load_config(path, interpolate=True)["components"]["tagger"]["model"]["tok2vec"]["width"] == 96
    with pytest.raises(ConfigError, match="unknown component"):
        init_config("en", ["tagger", "nope"])


def test_fill_config_completes_a_partial_config():
    partial = load_config(text='[nlp]\nlang = "en"\npipeline = ["tagger"]\n\n[components]\n\n[components.tagger]\nfactory = "tagger"\n')
    filled = fill_config(partial)
    assert filled["components"]["tagger"]["model"]["@architectures"] == "lexloom.Tagger.v1"
    assert filled["training"]["patience"] == 1600


def test_init_cli_writes_files(tmp_path):
    runner = CliRunner()
    out = tmp_path / "ud.cfg"
    result = runner.invoke(app, ["init", "config", str(out), "--pipeline", "tagger,morphologizer", "--optimize", "accuracy"])
    assert result.exit_code == 0, result.output
    assert "BiLSTMEncoder" in out.read_text()
    filled = tmp_path / "filled.cfg"
    result = runner.invoke(app, ["init", "fill-config", str(out), str(filled)])
    assert result.exit_code == 0 and filled.exists()
