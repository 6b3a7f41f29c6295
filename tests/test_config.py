"""Config system: overrides, interpolation, registry resolution, init/fill-config, clear errors."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexloom.cli import app
from lexloom.config import load_config, parse_overrides, registry, resolve_section
from lexloom.config.init import fill_config, init_config
from lexloom.errors import ConfigError
import lexloom.training  # noqa: F401  (registers schedules, batchers, optimizers)

UD = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"

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
    with pytest.raises(ConfigError, match=r"^x.cfg: \[training.batcher.size\] start = \"four\": expected a number$"):
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


# --- every value checked before work starts ---------------------------------------------------
def test_a_flag_without_a_value_is_an_error_naming_it():
    for args in (["--training.dropout"], ["--training.dropout", "--paths.train", "x"]):
        with pytest.raises(ConfigError, match=r"^--training.dropout has no value"):
            parse_overrides(args)


@pytest.mark.parametrize(
    "section, key, value, expected",
    [
        ("training", "dropout", '"abc"', r'\[training\] dropout = "abc": expected a number'),
        ("training", "dropout", "true", r"\[training\] dropout = true: expected a number"),
        ("training", "max_steps", "1.5", r"\[training\] max_steps = 1.5: expected a whole number"),
        ("training", "dropout", "[0.1]", r"\[training\] dropout = \[0.1\]: expected a number"),
        ("training.batcher.size", "start", '"four"', r'\[training.batcher.size\] start = "four": expected a number'),
    ],
)
def test_values_of_the_wrong_type_name_section_key_value_and_type(section, key, value, expected):
    cfg = load_config(text=CFG, overrides={f"{section}.{key}": json.loads(value)}, interpolate=True)
    with pytest.raises(ConfigError, match=rf"^x.cfg: {expected}$"):
        resolve_section(cfg, "training", "x.cfg")


def test_a_misspelt_key_in_a_config_file_is_an_error():
    cfg = load_config(text=CFG.replace("max_steps = 100", "max_step = 100"), interpolate=True)
    with pytest.raises(ConfigError, match=r"^x.cfg: invalid \[training\]: unknown key 'max_step'"):
        resolve_section(cfg, "training", "x.cfg")


@pytest.fixture(scope="module")
def tagger_setup(tmp_path_factory):
    """A tagger config and a small corpus, for `lexloom train` runs that must fail before training."""
    tmp = tmp_path_factory.mktemp("validate")
    result = CliRunner().invoke(app, ["convert", str(UD), str(tmp), "--n-sents", "10"])
    assert result.exit_code == 0, result.output
    cfg = tmp / "tagger.cfg"
    cfg.write_text(init_config("en", ["tagger"]).to_str(interpolate=False))
    corpus = str(tmp / "en_ewt-ud-dev-150.lexloom")
    return cfg, ["--paths.train", corpus, "--paths.dev", corpus, "--training.max_steps", "2"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--training.dropout", "abc"], r'\[training\] dropout = "abc": expected a number'),
        (["--training.dropout"], r"--training.dropout has no value"),
        (["--system.gpu_id", "cpu"], r'\[system\] gpu_id = "cpu": expected a whole number'),
        (["--training.optimizer.learn_rate", "fast"], r'\[training.optimizer\] learn_rate = "fast": expected a number'),
        (["--components.tagger.model.nO", "3"], r"cannot override components.tagger.model.nO"),
    ],
)
def test_train_refuses_bad_values_before_it_starts(tagger_setup, tmp_path, args, message):
    cfg, paths = tagger_setup
    result = CliRunner().invoke(app, ["train", str(cfg), "--output", str(tmp_path / "out"), *paths, *args])
    assert isinstance(result.exception, ConfigError) and re.search(message, str(result.exception)), result.output
    assert not (tmp_path / "out").exists()  # nothing was trained or written


def test_the_command_line_shows_the_error_without_a_traceback(tagger_setup, tmp_path):
    cfg, paths = tagger_setup
    result = subprocess.run([sys.executable, "-m", "lexloom", "train", str(cfg), *paths, "--training.dropout", "abc"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().endswith('[training] dropout = "abc": expected a number'), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_component_settings_are_checked_against_the_factory(tagger_setup, tmp_path):
    cfg, paths = tagger_setup
    bad = tmp_path / "bad.cfg"
    bad.write_text(cfg.read_text().replace('[components.tagger]\n', '[components.tagger]\nlabel_smoothing = "x"\n'))
    result = CliRunner().invoke(app, ["train", str(bad), "--output", str(tmp_path / "out"), *paths])
    assert '[components.tagger]: label_smoothing = "x": expected a number' in str(result.exception), result.output
    bad.write_text(cfg.read_text().replace('[components.tagger]\n', '[components.tagger]\nsmoothing = 0.1\n'))
    result = CliRunner().invoke(app, ["train", str(bad), "--output", str(tmp_path / "out"), *paths])
    assert "[components.tagger]: smoothing: unknown setting" in str(result.exception), result.output


def test_params_yaml_values_are_checked(tagger_setup, tmp_path):
    cfg, paths = tagger_setup
    params = tmp_path / "params.yaml"
    for text, message in (("training:\n  dropout:\n", "params.yaml: training.dropout has no value"),
                          ("training:\n  dropout: abc\n", '[training] dropout = "abc": expected a number')):
        params.write_text(text)
        result = CliRunner().invoke(app, ["train", str(cfg), "--output", str(tmp_path / "out"), "--params", str(params), *paths])
        assert isinstance(result.exception, ConfigError) and message in str(result.exception), result.output


CONFIGS = Path(__file__).parent.parent / "configs"


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.cfg")))
def test_every_shipped_config_makes_its_pipeline(name):
    from lexloom.language import Language

    config = load_config(CONFIGS / name, interpolate=True)
    nlp = Language.from_config(config)
    assert nlp.pipe_names == config["nlp"]["pipeline"]


def test_ud_accuracy_is_ud_with_a_deeper_encoder_and_more_time():
    """configs/ud_accuracy.cfg repeats configs/ud.cfg; this keeps the two from drifting apart:
    they differ in these settings only."""
    def flat(section, prefix=""):
        out = {}
        for key, value in section.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = value
        return out

    ud, accurate = flat(load_config(CONFIGS / "ud.cfg")), flat(load_config(CONFIGS / "ud_accuracy.cfg"))
    assert ud.keys() == accurate.keys()
    differ = {key for key in ud if ud[key] != accurate[key]}
    assert differ == {
        "system.threads", "components.tok2vec.model.encoder.hidden", "components.tok2vec.model.encoder.depth",
        "components.parser.model.arc_hidden",
        "components.parser.model.label_hidden", "training.patience", "training.max_steps", "training.max_minutes",
        "training.eval_frequency",
    }
