"""The real workflow on the bundled sample, run by Snakemake and DVC: one state, exact reruns, experiments.

One run of the whole graph by Snakemake (what `make run` does, with tiny step
counts) is shared by the checks below; `dvc repro --dry` and `snakemake -n` then
say what a change would rerun without running it. The last test walks through
the sequence a user meets: Snakemake, then a DVC experiment, then Snakemake again.
"""
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PIPELINES = ("ud", "ner", "textcat", "textcat_multilabel")
EVERY_BRANCH = ("train", "evaluate", "package")

pytestmark = pytest.mark.slow


def run(args, cwd, check=True, env=None):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", **(env or {})}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def dvc(*args, cwd, **kwargs):
    return run([str(BIN / "dvc"), *args], cwd, **kwargs)


def snakemake(*args, cwd, **kwargs):
    return run([str(BIN / "snakemake"), *args], cwd, **kwargs)


def would_run(cwd) -> set[str]:
    """The stages whose own dependencies changed (what `dvc repro --dry` announces)."""
    return _stages_run(dvc("repro", "--dry", cwd=cwd).stdout)


def repro(cwd) -> set[str]:
    """Run `dvc repro`; the stages that actually ran (DVC skips a stage whose inputs came out unchanged)."""
    return _stages_run(dvc("repro", cwd=cwd).stdout)


def _stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '(\w+)'", output))


def snakemake_plans(cwd, target="all") -> set[str]:
    """The stages `snakemake -n` would run."""
    return set(re.findall(r"^(?:local)?rule (\w+):$", snakemake("-n", target, cwd=cwd).stdout, re.M)) - {target}


def branches(*steps) -> set[str]:
    """The stages of these steps in every pipeline. A pipeline with several `seeds` (textcat)
    trains each apart and joins them: train_<p>_seed<s> and ensemble_<p> belong to its train step."""
    from lexloom.project import load_project

    stages = set(load_project(ROOT / "project.yml").stages)
    names = {f"{step}_{pipeline}" for step in steps for pipeline in PIPELINES}
    if "train" in steps:
        names |= {n for p in PIPELINES for n in stages if n.startswith(f"train_{p}_seed") or n == f"ensemble_{p}"}
    return names


def copy_project(work: Path) -> Path:
    """A git + DVC copy of the project's committed files, with tiny trainings."""
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
    run([str(BIN / "lexloom"), "project", "dvc"], work)  # the copy's code, so its own closure
    run(["git", "init", "-q"], work)
    run(["git", "add", "-A"], work)
    run(["git", "commit", "-qm", "project"], work)
    return work


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The copy, the whole graph run once by Snakemake as `make run` does."""
    work = copy_project(tmp_path_factory.mktemp("project"))
    ran = snakemake("all", "--cores", "2", cwd=work)
    (work / "make-run.log").write_text(ran.stdout + ran.stderr)
    run(["git", "add", "-A"], work)
    run(["git", "commit", "-qm", "ran"], work)
    return work


def test_make_run_leaves_dvc_agreeing(project):
    assert "lexloom: recorded in dvc.lock (dvc commit)" in (project / "make-run.log").read_text()
    status = dvc("status", cwd=project).stdout
    assert "Data and pipelines are up to date" in status, status
    assert would_run(project) == set()
    locked = yaml.safe_load((project / "dvc.lock").read_text())["stages"]
    assert set(locked) == set(yaml.safe_load((project / "dvc.yaml").read_text())["stages"])


def test_whole_graph_produces_metrics_curves_and_packages(project):
    for pipeline in PIPELINES:
        headline = json.loads((project / "metrics" / f"{pipeline}.json").read_text())
        details = json.loads((project / "metrics" / "details" / f"{pipeline}.json").read_text())
        assert headline and all(details[key] == value for key, value in headline.items())
        assert "speed" in details and "speed" not in headline
        assert list((project / "packages").glob(f"en_lexloom_{pipeline}-0.1.0/dist/*.whl"))
        for name in ("scores.csv", "curves.png", "curves.svg", "log.jsonl"):
            assert (project / "training" / pipeline / name).stat().st_size > 0, (pipeline, name)
    assert (project / "training" / "ud-pretrain" / "model-last.safetensors").exists()
    shown = json.loads(dvc("metrics", "show", "--json", cwd=project).stdout)
    keys = {key for files in shown.values() for data in files["data"].values() for key in data["data"]}
    assert keys == {"dep_las", "ents_f", "cats_score", "cats_macro_f"}  # a handful, no per-type tables, no speed


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


def _in_a_function_body(text: str, function: str) -> str:
    """A harmless edit inside `function`'s body (DVC hashes bytes, Snakemake compares times and checksums)."""
    head = re.search(rf"^(\s*)def {function}\(.*?\).*?:\n", text, re.M | re.S)
    assert head, function
    return text[:head.end()] + f"{head.group(1)}    # edited\n" + text[head.end():]


def test_editing_language_py_reruns_training_and_what_follows(project):
    code = project / "src" / "lexloom" / "language.py"
    with edited(code, lambda text: _in_a_function_body(text, "update")):
        rerun = would_run(project)
        # the stages that import language.py: train and evaluate, and the two that build the
        # pipeline from the config before training (debug-data, pretraining); nothing upstream
        assert branches("train", "evaluate") <= rerun
        assert rerun <= branches("debug_data", "train", "evaluate") | {"pretrain_ud"}
        planned = snakemake_plans(project)
        assert branches("train", "evaluate", "package") <= planned
        assert planned <= branches("debug_data", "train", "evaluate", "package") | {"pretrain_ud"}


def test_editing_render_py_reruns_only_what_draws_html(project):
    code = project / "src" / "lexloom" / "render.py"
    with edited(code, lambda text: text + "\n# edited\n"):
        assert would_run(project) == branches("evaluate")
        assert snakemake_plans(project) == branches("evaluate")
    assert snakemake_plans(project) == set()  # the same bytes again: Snakemake's checksum forgives the newer time


def test_editing_the_ud_config_reruns_only_the_ud_branch(project):
    cfg = project / "configs" / "ud.cfg"
    with edited(cfg, lambda text: text.replace("label_smoothing = 0.0", "label_smoothing = 0.1", 1), project):
        assert {"train_ud", "debug_data_ud", "pretrain_ud"} <= would_run(project)
        ran = repro(project)
        assert {"train_ud", "evaluate_ud", "package_ud"} <= ran
        assert all(name.endswith("_ud") for name in ran), ran


def test_editing_a_converter_reruns_what_imports_it(project):
    code = project / "src" / "lexloom" / "convert" / "conllu.py"
    with edited(code, lambda text: text + "\n# edited\n", project):
        ran = repro(project)
        # the convert stages rerun, and the others that import the converters (evaluate reads
        # CoNLL-U, pretraining reads raw text); the corpora come out byte-identical, so the
        # other pipelines' training does not
        assert branches("convert") | branches("evaluate") <= ran
        assert not ran & {"train_ner", "train_textcat", "train_textcat_multilabel"}
        assert not ran & {f"package_{p}" for p in PIPELINES if p != "ud"}


def test_editing_the_scoring_code_reruns_training_and_evaluation(project):
    code = project / "src" / "lexloom" / "scoring" / "deps.py"
    with edited(code, lambda text: text + "\n# edited\n"):
        rerun = would_run(project)
        # training scores the dev set to choose model-best, so it runs the scorer too
        assert branches("train", "evaluate") <= rerun
        assert not rerun & (branches("convert", "package") | {"fetch", "raw_text_ud"})


def test_snakemake_and_dvc_share_one_state(project):
    """Snakemake, a DVC experiment, `dvc exp apply`, then Snakemake again; each sees the other's work."""
    run(["git", "add", "-A"], project)
    run(["git", "commit", "-qm", "before the experiment", "--allow-empty"], project)
    assert snakemake_plans(project) == set()  # the earlier tests' `dvc repro` runs are adopted

    # a DVC experiment reruns exactly the stages that read `training`, and what follows them
    experiment = dvc("exp", "run", "-S", "training.dropout=0.3", cwd=project).stdout
    assert _stages_run(experiment) == branches(*EVERY_BRANCH)
    for pipeline in PIPELINES:
        saved = (project / "training" / pipeline / "model-last" / "config.cfg").read_text()
        training = saved[saved.index("[training]\n"):]
        assert re.search(r"^dropout = 0\.3$", training[:training.index("\n[", 1)], re.M), pipeline
    name = re.search(r"Ran experiment\(s\): (\S+)", experiment).group(1)

    # readable experiments: every headline score and the changed param within 120 columns
    shown = dvc("exp", "show", "--only-changed", "--no-pager", cwd=project, env={"COLUMNS": "120"}).stdout
    lines = shown.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 120
    assert "training.dropout" in lines[1] and not re.search(r"metrics/\S+\.json:", shown)
    _every_headline_score_fits(project)

    # DVC -> Snakemake: after `dvc exp apply`, Snakemake takes over what DVC built
    dvc("exp", "apply", name, cwd=project)
    plan = snakemake("-n", cwd=project)
    assert "Nothing to be done" in plan.stdout, plan.stdout[-3000:]
    assert "Snakemake now records what DVC built" in plan.stderr
    assert "Data and pipelines are up to date" in dvc("status", cwd=project).stdout

    # back to the committed params: Snakemake reruns training, and says why
    run(["git", "checkout", "params.yaml"], project)
    retrained = snakemake("train", "--cores", "4", cwd=project)
    log = retrained.stdout + retrained.stderr  # a real run reports its jobs on stderr
    assert set(re.findall(r"^(?:local)?rule (\w+):$", log, re.M)) - {"train"} == branches("train")
    assert "Params have changed since last execution" in log
    # Snakemake -> DVC: the retrained stages are recorded; evaluate and package are out of date for both
    recorded = re.search(r"lexloom: recorded in dvc.lock \(dvc commit\): (.*)", retrained.stderr)
    assert recorded and set(recorded.group(1).split(", ")) == branches("train"), retrained.stderr[-2000:]
    assert would_run(project) == branches("evaluate", "package")
    assert snakemake_plans(project) == branches("evaluate", "package")

    # the project as the other tests expect it, whichever order they run in: all up to date
    repro(project)
    assert would_run(project) == set() and snakemake_plans(project) == set()


def _every_headline_score_fits(project: Path) -> None:
    """The worst case of a real run: every headline score differs between the rows. The table keeps
    them all, in full, within 120 columns (DVC folds the model hashes into its `…` column)."""
    saved = {p: (project / "metrics" / f"{p}.json").read_text() for p in PIPELINES}
    try:
        headline = set()
        for pipeline in PIPELINES:
            scores = json.loads(saved[pipeline])
            headline |= set(scores)
            (project / "metrics" / f"{pipeline}.json").write_text(json.dumps({k: 0.123456789 for k in scores}))
        header = dvc("exp", "show", "--only-changed", "--no-pager", cwd=project, env={"COLUMNS": "120"}).stdout.splitlines()[1]
        assert len(header.rstrip()) <= 120
        assert headline | {"training.dropout"} <= set(header.split()), header
    finally:
        for pipeline, text in saved.items():
            (project / "metrics" / f"{pipeline}.json").write_text(text)


def test_one_var_runs_the_ud_branch_on_another_treebank(tmp_path):
    """`treebank=UD_Spanish-GSD` alone: the Spanish sample's files, Spanish tokenization, an es_ package.

    GSD has no XPOS: configs/ud.cfg's `unannotated = "skip"` leaves its tagger out."""
    work = copy_project(tmp_path)
    snakemake("ud", "--cores", "2", "--config", "treebank=UD_Spanish-GSD", cwd=work)
    assert (work / "assets" / "downloads" / "ud" / "train.conllu").read_text() == (
        ROOT / "assets" / "sample" / "UD_Spanish-GSD" / "es_gsd-ud-train.conllu").read_text()
    meta = json.loads((work / "training" / "ud" / "model-best" / "meta.json").read_text())
    assert meta["lang"] == "es"
    assert "dep_las" in json.loads((work / "metrics" / "ud.json").read_text())
    details = json.loads((work / "metrics" / "details" / "ud.json").read_text())
    assert {"dep_las", "raw_tokens_f", "raw_sents_f", "raw_words_f", "raw_las"} <= set(details)  # gold words and raw text
    assert list((work / "packages").glob("es_lexloom_ud-0.1.0/dist/*.whl"))
