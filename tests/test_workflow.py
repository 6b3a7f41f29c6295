"""The real workflow on the bundled sample, run by DVC: caching, experiments, partial reruns.

One run of the whole graph (with tiny step counts) is shared by the checks below;
`dvc repro --dry` then says what a change would rerun without running it.
"""
import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.sys.executable).parent
PIPELINES = ("ud", "ner", "textcat", "textcat_multilabel")

pytestmark = pytest.mark.slow


def run(args, cwd, check=True):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def would_run(cwd) -> set[str]:
    """The stages whose own dependencies changed (what `dvc repro --dry` announces)."""
    return _stages_run(run([str(BIN / "dvc"), "repro", "--dry"], cwd).stdout)


def repro(cwd) -> set[str]:
    """Run `dvc repro`; the stages that actually ran (DVC skips a stage whose inputs came out unchanged)."""
    return _stages_run(run([str(BIN / "dvc"), "repro"], cwd).stdout)


def _stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '(\w+)'", output))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A git + DVC copy of the project, the whole graph reproduced once with tiny trainings."""
    work = tmp_path_factory.mktemp("project")
    files = run(["git", "ls-files"], ROOT).stdout.split()
    for name in files:
        if name.startswith(("tests/", "benchmarks/")):
            continue
        dest = work / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["training"].update({"max_steps": 4, "eval_frequency": 2, "patience": 0})
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for cfg in ("ud",):  # pretraining: one short epoch on the sample
        path = work / "configs" / f"{cfg}.cfg"
        path.write_text(re.sub(r"(\[pretraining\][^\[]*?max_epochs = )\d+", r"\g<1>1", path.read_text()))
    run(["git", "init", "-q"], work)
    run(["git", "add", "-A"], work)
    run(["git", "commit", "-qm", "project"], work)
    run([str(BIN / "dvc"), "repro"], work)
    run(["git", "add", "-A"], work)
    run(["git", "commit", "-qm", "reproduced"], work)
    return work


def test_whole_graph_produces_metrics_and_packages(project):
    for pipeline in PIPELINES:
        assert (project / "metrics" / f"{pipeline}.json").exists()
        assert list((project / "packages").glob(f"en_lexloom_{pipeline}-0.1.0/dist/*.whl"))
    assert (project / "training" / "ud-pretrain" / "model-last.safetensors").exists()


def test_unchanged_graph_does_nothing(project):
    assert would_run(project) == set()
    assert "up to date" in run([str(BIN / "dvc"), "status"], project).stdout


@contextlib.contextmanager
def edited(path: Path, edit, restore_outputs_in: Path | None = None):
    """`path` changed by `edit(text)` for the duration; afterwards the original text is back
    and, with `restore_outputs_in`, the project's outputs are rebuilt to match it."""
    original = path.read_text()
    try:
        path.write_text(edit(original))
        yield
    finally:
        path.write_text(original)
        if restore_outputs_in is not None:
            repro(restore_outputs_in)


def test_editing_the_ud_config_reruns_only_the_ud_branch(project):
    cfg = project / "configs" / "ud.cfg"
    with edited(cfg, lambda text: text.replace("label_smoothing = 0.0", "label_smoothing = 0.1", 1), project):
        assert {"train_ud", "debug_data_ud", "pretrain_ud"} <= would_run(project)
        ran = repro(project)
        assert {"train_ud", "evaluate_ud", "package_ud"} <= ran
        assert all(name.endswith("_ud") for name in ran), ran


def test_editing_a_converter_reruns_from_convert(project):
    code = project / "src" / "lexloom" / "convert" / "conllu.py"
    with edited(code, lambda text: text + "\n# edited\n", project):
        ran = repro(project)
        # every convert stage reruns; the corpora come out byte-identical, so nothing after them does
        assert ran == {"convert_ud", "convert_ner", "convert_textcat", "convert_textcat_multilabel"}


def test_editing_the_scoring_code_reruns_only_evaluate(project):
    code = project / "src" / "lexloom" / "scoring" / "deps.py"
    with edited(code, lambda text: text + "\n# edited\n"):
        rerun = would_run(project)
        assert {f"evaluate_{p}" for p in PIPELINES} <= rerun
        assert not {name for name in rerun if name.startswith(("train_", "convert_", "pretrain_"))}


def test_experiment_sets_the_dropout_the_trainer_used(project):
    run([str(BIN / "dvc"), "exp", "run", "-S", "training.dropout=0.3"], project)
    for pipeline in PIPELINES:
        saved = (project / "training" / pipeline / "model-last" / "config.cfg").read_text()
        assert re.search(r"^dropout = 0\.3$", saved, re.M), pipeline
    shown = run([str(BIN / "dvc"), "exp", "show", "--no-pager", "--csv"], project).stdout
    assert "dep_las" in shown and "ents_f" in shown and "cats_macro_f" in shown
