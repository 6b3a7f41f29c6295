"""Outputs are all-or-nothing (a failed write leaves the previous file or directory as it
was), and other users can read them."""
import errno
import os
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lexloom
from lexloom.cli import app
from lexloom.errors import LexloomError
from lexloom.packaging import package_pipeline
from lexloom.tokens import Doc, Example, read_docbin
from lexloom.files import atomic_path, atomic_write_text

from conftest import SMALL_TOK2VEC

UD = Path(__file__).parent / "data" / "ud" / "en_ewt-ud-dev-150.conllu"


def test_full_disk_leaves_the_previous_output(tmp_path):
    target = atomic_write_text(tmp_path / "metrics.json", '{"las": 0.8}')
    with pytest.raises(LexloomError, match=r"metrics.json: cannot write .*left as it was"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == '{"las": 0.8}'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(LexloomError, match="not-a-dir/out.lexloom: cannot write here"):
        atomic_write_text(blocker / "out.lexloom", "data")


def test_directory_outputs_are_swapped_whole(tmp_path):
    model = tmp_path / "model-best"
    with atomic_path(model) as tmp:
        tmp.mkdir()
        (tmp / "meta.json").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(model) as tmp:
            tmp.mkdir()
            (tmp / "meta.json").write_text("new")
            raise RuntimeError("killed halfway")
    assert (model / "meta.json").read_text() == "old"
    with atomic_path(model) as tmp:
        tmp.mkdir()
        (tmp / "meta.json").write_text("new")
    assert (model / "meta.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-best"]


# --- modes: what one user writes, others can read ------------------------------------------------
def not_readable_by_others(root: Path) -> list[str]:
    """Files others cannot read and folders they cannot enter, below and including `root`."""
    bad = []
    for p in [root, *root.rglob("*")]:
        mode = p.stat().st_mode
        needed = 0o005 if p.is_dir() else 0o004
        if mode & needed != needed:
            bad.append(f"{p.relative_to(root.parent)} {stat.filemode(mode)}")
    return bad


@pytest.fixture
def umask():
    """Run with a given umask, restoring the process's own afterwards."""
    saved = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


def test_saved_pipeline_corpus_and_metrics_have_the_umask_modes(tmp_path, umask):
    umask(0o022)
    runner = CliRunner()
    result = runner.invoke(app, ["convert", str(UD), str(tmp_path / "corpus"), "--n-sents", "5"])
    assert result.exit_code == 0, result.output
    corpus = tmp_path / "corpus" / "en_ewt-ud-dev-150.lexloom"
    nlp = lexloom.blank("en")
    nlp.add_pipe("tagger", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    nlp.initialize(lambda: [Example(Doc(nlp.vocab, words=d.words, spaces=d.spaces), d) for d in read_docbin(corpus, nlp.vocab)])
    model = nlp.to_disk(tmp_path / "model")
    result = runner.invoke(app, ["evaluate", str(model), str(corpus), "--output", str(tmp_path / "metrics" / "tagger.json")])
    assert result.exit_code == 0, result.output
    assert (model / "tagger" / "model.safetensors").stat().st_mode & 0o777 == 0o644  # safetensors writes 0600
    for root in (model, corpus, tmp_path / "metrics"):
        assert not_readable_by_others(root) == []
    # A stricter umask is the user's choice, and is kept.
    umask(0o077)
    private = nlp.to_disk(tmp_path / "private")
    assert (private / "tagger" / "model.safetensors").stat().st_mode & 0o777 == 0o600
    assert (private / "tagger").stat().st_mode & 0o777 == 0o700


def test_packaged_and_installed_pipeline_is_readable_whatever_the_umask(tmp_path, umask):
    """What is shipped goes to other users on other machines: its members are 0644 / 0755
    even when the user who built it keeps everything private."""
    nlp = lexloom.blank("en")
    nlp.add_pipe("tagger", config={"model": {"tok2vec": SMALL_TOK2VEC}})
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc("a b c"), {"tags": ["X", "Y", "Z"]})])
    umask(0o077)
    built = package_pipeline(nlp.to_disk(tmp_path / "model"), tmp_path / "packages", name="modes", version="1.0.0")
    with tarfile.open(built.sdist) as tar:
        private = [f"{m.name} {oct(m.mode)}" for m in tar.getmembers() if m.mode & 0o444 != 0o444]
    assert private == []
    with zipfile.ZipFile(built.wheel) as whl:
        private = [f"{i.filename} {oct(i.external_attr >> 16)}" for i in whl.infolist() if (i.external_attr >> 16) & 0o444 != 0o444]
    assert private == []
    umask(0o022)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(built.wheel)], check=True)
    assert not_readable_by_others(site / "en_modes") == []
    assert (site / "en_modes" / "en_modes-1.0.0" / "tagger" / "model.safetensors").is_file()
