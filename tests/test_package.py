"""`lexloom package`: a pipeline directory becomes an sdist and a wheel that install and load."""
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lexloom.cli import app
from lexloom.errors import ConfigError, DataError, ModelLoadError
from lexloom.packaging import package_pipeline


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """A tiny stand-in for a trained pipeline: config, meta and one component folder."""
    model = tmp_path / "model-best"
    (model / "tagger").mkdir(parents=True)
    (model / "config.cfg").write_text('[nlp]\nlang = "en"\npipeline = ["tagger"]\n', encoding="utf8")
    meta = {
        "lang": "en",
        "name": "pipeline",
        "version": "0.0.0",
        "pipeline": ["tagger"],
        "labels": {"tagger": ["NN", "VB"]},
        "performance": {"tag_acc": 0.9123, "tag_per_type": {"NN": 0.9}},
        "license": "CC BY-SA 4.0",
    }
    (model / "meta.json").write_text(json.dumps(meta), encoding="utf8")
    (model / "tagger" / "labels.json").write_text('["NN", "VB"]', encoding="utf8")
    return model


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One package build shared by the tests that only inspect it (a build takes ~1 s)."""
    tmp = tmp_path_factory.mktemp("built")
    model = tmp / "model-best"
    (model / "tagger").mkdir(parents=True)
    (model / "config.cfg").write_text('[nlp]\nlang = "en"\n', encoding="utf8")
    (model / "meta.json").write_text(json.dumps({"lang": "en", "pipeline": ["tagger"], "performance": {"tag_acc": 0.9123}}), encoding="utf8")
    (model / "tagger" / "labels.json").write_text('["NN", "VB"]', encoding="utf8")
    return package_pipeline(model, tmp / "packages", name="demo_tagger", version="1.2.0")


def test_layout_and_archives(built):
    project = built.project_dir
    assert project.name == "en_demo_tagger-1.2.0"
    assert built.sdist == project / "dist" / "en_demo_tagger-1.2.0.tar.gz"
    assert built.wheel.name == "en_demo_tagger-1.2.0-py3-none-any.whl"
    bundled = project / "en_demo_tagger" / "en_demo_tagger-1.2.0"
    assert json.loads((bundled / "meta.json").read_text())["version"] == "1.2.0"
    assert "| `tag_acc` | 0.9123 |" in (project / "README.md").read_text()
    assert not list(project.glob("*.egg-info")) and not (project / "build").exists()
    wheel_names = zipfile.ZipFile(built.wheel).namelist()
    assert "en_demo_tagger/en_demo_tagger-1.2.0/tagger/labels.json" in wheel_names
    assert "en_demo_tagger/__init__.py" in wheel_names
    sdist_names = tarfile.open(built.sdist).getnames()
    assert "en_demo_tagger-1.2.0/en_demo_tagger/en_demo_tagger-1.2.0/config.cfg" in sdist_names
    # no temporary folders left beside the result
    assert [p.name for p in project.parent.iterdir()] == [project.name]


def test_installed_wheel_loads_bundled_directory(built, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target), str(built.wheel)],
        check=True,
    )
    # Stand in for lexloom.load (the fake model cannot really be built) to see what the package passes it.
    probe = (
        "import json, lexloom, en_demo_tagger\n"
        "lexloom.load = lambda path, **kw: (path, kw)\n"
        "path, kw = en_demo_tagger.load(gpu_id=-1)\n"
        "print(json.dumps({'path': str(path), 'kw': kw, 'file': en_demo_tagger.__file__, 'version': en_demo_tagger.__version__}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env, cwd=tmp_path)
    seen = json.loads(out.stdout)
    installed = target / "en_demo_tagger"
    assert Path(seen["file"]) == installed / "__init__.py"
    assert Path(seen["path"]) == installed / "en_demo_tagger-1.2.0"
    assert (Path(seen["path"]) / "config.cfg").is_file()
    assert (Path(seen["path"]) / "tagger" / "labels.json").read_text() == '["NN", "VB"]'
    assert seen["kw"] == {"gpu_id": -1} and seen["version"] == "1.2.0"


@pytest.mark.parametrize("name", ["my-pipe", "1ud", "class", "ud.core", ""])
def test_refuses_names_that_are_not_identifiers(model_dir, tmp_path, name):
    with pytest.raises(ConfigError, match="not a valid Python identifier"):
        package_pipeline(model_dir, tmp_path / "out", name=name, version="1.0.0")
    assert not (tmp_path / "out").exists()


def test_refuses_bad_version_and_incomplete_model(model_dir, tmp_path):
    with pytest.raises(ConfigError, match="not a valid version"):
        package_pipeline(model_dir, tmp_path / "out", name="ud", version="one")
    (model_dir / "config.cfg").unlink()
    with pytest.raises(ModelLoadError, match="missing config.cfg"):
        package_pipeline(model_dir, tmp_path / "out", name="ud", version="1.0.0")
    assert not (tmp_path / "out").exists()


def test_bad_meta_json_names_file_and_line(model_dir, tmp_path):
    (model_dir / "meta.json").write_text('{\n  "lang": "en",\n  oops\n}', encoding="utf8")
    with pytest.raises(DataError, match=r"meta.json:3: invalid JSON"):
        package_pipeline(model_dir, tmp_path / "out", name="ud", version="1.0.0")


def test_cli_with_meta_overrides(model_dir, tmp_path):
    overrides = tmp_path / "meta-extra.json"
    overrides.write_text(json.dumps({"description": "UD tagger for tests"}), encoding="utf8")
    result = CliRunner().invoke(
        app, ["package", str(model_dir), str(tmp_path / "out"), "--name", "ud", "--version", "0.3.0", "--meta-json", str(overrides)]
    )
    assert result.exit_code == 0, result.output
    project = tmp_path / "out" / "en_ud-0.3.0"
    assert json.loads((project / "meta.json").read_text())["description"] == "UD tagger for tests"
    assert "UD tagger for tests" in (project / "README.md").read_text()
    assert (project / "dist" / "en_ud-0.3.0.tar.gz").is_file()
