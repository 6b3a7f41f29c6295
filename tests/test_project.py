"""project.yml -> Project -> Snakemake rules and dvc.yaml: one graph, validated, never stale."""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lexloom.cli import app
from lexloom.errors import ConfigError, DataError
from lexloom.project import FETCH_STAGE, load_project
from lexloom.project.dvc import dvc_config, dvc_yaml_is_current, render_dvc_yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PIPELINES = ["ud", "ner", "textcat", "textcat_multilabel"]


def tool(name: str) -> str:
    """dvc / snakemake from the same environment as this Python."""
    return str(BIN / name)


# --- the real project ------------------------------------------------------------------


def test_real_project_loads_with_every_branch():
    project = load_project(ROOT / "project.yml")
    for pipeline in PIPELINES:
        for step in ("convert", "debug_data", "train", "evaluate", "package"):
            assert f"{step}_{pipeline}" in project.stages
        assert project.stages[f"evaluate_{pipeline}"].metrics == (f"metrics/{pipeline}.json",)
        assert project.stages[f"train_{pipeline}"].params == ("training", pipeline)
    assert project.workflow_stages("ud") == [
        "fetch", "convert_ud", "debug_data_ud", "raw_text_ud", "pretrain_ud", "train_ud", "evaluate_ud", "package_ud"
    ]
    # variables are substituted everywhere
    package_ud = project.stages["package_ud"]
    assert package_ud.outs == ("packages/en_lexloom_ud-0.1.0",) and package_ud.out_dirs == {"packages/en_lexloom_ud-0.1.0"}
    assert "${" not in "".join(s.cmd for s in project.stages.values())


def test_fetch_stage_follows_the_dataset():
    sample = load_project(ROOT / "project.yml").stages[FETCH_STAGE]
    full = load_project(ROOT / "project.yml", overrides={"dataset": "full"}).stages[FETCH_STAGE]
    assert sample.cmd == "lexloom project assets --dataset sample"
    assert full.cmd == "lexloom project assets --dataset full"
    assert sample.outs == full.outs
    assert "assets/sample/UD_English-EWT/en_ewt-ud-train.conllu" in sample.deps
    assert not any("UD_English-EWT" in d for d in full.deps)  # downloaded, not bundled
    for dep in sample.deps:
        assert (ROOT / dep).is_file(), dep


def test_bundled_sample_is_small_and_licensed():
    sample = ROOT / "assets" / "sample"
    assert sum(f.stat().st_size for f in sample.rglob("*") if f.is_file()) < 1_200_000  # five slices, each a few hundred sentences at most
    for folder in sample.iterdir():
        if folder.is_dir():
            assert (folder / "LICENSE.txt").is_file(), folder
    assert "CC BY-SA 4.0" in (sample / "README.md").read_text()


def test_committed_dvc_yaml_is_current():
    project = load_project(ROOT / "project.yml")
    assert dvc_yaml_is_current(project, ROOT / "dvc.yaml"), "dvc.yaml is stale: run `lexloom project dvc`"


def test_params_yaml_has_every_section_a_stage_reads():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for stage in load_project(ROOT / "project.yml").stages.values():
        for key in stage.params:
            assert key.split(".")[0] in params, (stage.name, key)


# --- dvc.yaml generation and --check ---------------------------------------------------


def _copy_project(dest: Path) -> Path:
    """The files the workflow tools read, plus empty stand-ins for configs written elsewhere."""
    for name in ("project.yml", "Snakefile", "params.yaml", "dvc.yaml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "scripts", dest / "scripts")
    shutil.copytree(ROOT / "assets" / "sample", dest / "assets" / "sample")
    shutil.copytree(ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (dest / "configs").mkdir()
    for pipeline in PIPELINES:
        (dest / "configs" / f"{pipeline}.cfg").write_text("[nlp]\n", encoding="utf8")
    return dest


def test_dvc_check_fails_when_stale_and_regeneration_fixes_it(tmp_path):
    _copy_project(tmp_path)
    runner = CliRunner()
    project_file = str(tmp_path / "project.yml")
    assert runner.invoke(app, ["project", "dvc", "--check", "-p", project_file]).exit_code == 0
    text = (tmp_path / "project.yml").read_text().replace("n_sents: 10", "n_sents: 5")
    (tmp_path / "project.yml").write_text(text)
    stale = runner.invoke(app, ["project", "dvc", "--check", "-p", project_file])
    assert stale.exit_code == 1 and "out of date" in stale.output
    assert runner.invoke(app, ["project", "dvc", "-p", project_file]).exit_code == 0
    assert "--n-sents 5" in (tmp_path / "dvc.yaml").read_text()
    assert runner.invoke(app, ["project", "dvc", "--check", "-p", project_file]).exit_code == 0


def test_dvc_yaml_is_stable_and_declares_plots():
    project = load_project(ROOT / "project.yml")
    assert render_dvc_yaml(project) == render_dvc_yaml(load_project(ROOT / "project.yml"))
    config = dvc_config(project)
    assert list(config["stages"]) == list(project.stages)
    tables = {name: spec for entry in config["plots"] if isinstance(entry, dict) for name, spec in entry.items()}
    images = [entry for entry in config["plots"] if isinstance(entry, str)]
    scores = tables["ud_dev_scores"]
    assert scores["x"] == "step" and "dep_las" in scores["y"]["training/ud/scores.csv"]
    assert scores["title"] and scores["x_label"] == "training step" and scores["y_label"].startswith("dev score")
    assert tables["ud_loss"]["y"] == {"training/ud/scores.csv": ["loss"]}
    # the static pictures are plots too: `dvc plots show` embeds them, no network needed
    assert images == [f"training/{p}/curves.png" for p in PIPELINES]
    outs = config["stages"]["train_ud"]["outs"]
    assert {"training/ud/scores.csv", "training/ud/curves.png", "training/ud/curves.svg"} <= set(outs) and len(outs) == len(set(outs))


# --- Snakemake and DVC see the same graph ----------------------------------------------


def _snakemake_jobs(workdir: Path) -> dict[str, dict[str, set[str]]]:
    """Rule name -> {"input", "output"} from a forced dry run of every target."""
    result = subprocess.run(
        [tool("snakemake"), "-n", "--forceall", "all", "--cores", "1"],
        cwd=workdir, capture_output=True, text=True, env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jobs: dict[str, dict[str, set[str]]] = {}
    current = None
    for line in result.stdout.splitlines():
        if match := re.match(r"^(?:local)?rule (\w+):$", line):
            current = jobs.setdefault(match.group(1), {"input": set(), "output": set()})
        elif current is not None and (match := re.match(r"^\s+(input|output): (.*)$", line)):
            current[match.group(1)] = set(match.group(2).split(", "))
    return jobs


def test_snakemake_rules_match_dvc_stages(tmp_path):
    workdir = _copy_project(tmp_path)
    jobs = _snakemake_jobs(workdir)
    dvc_stages = yaml.safe_load((workdir / "dvc.yaml").read_text())["stages"]
    assert set(jobs) - {"all"} == set(dvc_stages)
    for name, stage in dvc_stages.items():
        deps = set(stage.get("deps", []))
        folders = [d.rstrip("/") + "/" for d in deps if d.startswith("src/") and (workdir / d).is_dir()]
        # Snakemake lists the files of a code folder; DVC hashes the folder.
        inputs = {next((f.rstrip("/") for f in folders if path.startswith(f)), path) for path in jobs[name]["input"]}
        assert inputs == deps, name
        assert jobs[name]["output"] == set(stage.get("outs", [])) | set(stage.get("metrics", [])), name
    # DVC itself reads the generated file to the same list of stages
    subprocess.run(["git", "init", "-q"], cwd=workdir, check=True)
    subprocess.run([tool("dvc"), "init", "-q"], cwd=workdir, check=True)
    listed = subprocess.run([tool("dvc"), "stage", "list", "--name-only"], cwd=workdir, capture_output=True, text=True, check=True)
    assert listed.stdout.split() == list(dvc_stages)


def test_snakemake_honours_vars_from_config(tmp_path):
    workdir = _copy_project(tmp_path)
    result = subprocess.run(
        [tool("snakemake"), "-n", "-p", "--forceall", "assets/downloads/ud/train.conllu", "--config", "dataset=full", "--cores", "1"],
        cwd=workdir, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "lexloom project assets --dataset full" in result.stdout


def test_snakemake_lists_every_stage_with_its_help(tmp_path):
    workdir = _copy_project(tmp_path)
    result = subprocess.run([tool("snakemake"), "--list-rules"], cwd=workdir, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    listed = dict(re.match(r"^(\w+)(?: \((.*)\))?$", line).groups() for line in result.stdout.splitlines() if line.strip())
    project = load_project(ROOT / "project.yml")
    for name, stage in project.stages.items():
        assert listed[name] == stage.help and stage.help, name
    assert listed["all"].startswith("workflow: ")


# --- one var swaps the treebank ---------------------------------------------------------


def test_treebank_var_alone_names_the_files_and_the_language():
    spanish = load_project(ROOT / "project.yml", overrides={"treebank": "UD_Spanish-GSD"})
    assert spanish.vars["treebank_lang"] == "es" and spanish.vars["lang"] == "es"
    fetch = spanish.stages[FETCH_STAGE]
    assert {"assets/sample/UD_Spanish-GSD/es_gsd-ud-train.conllu", "assets/sample/UD_Spanish-GSD/es_gsd-ud-dev.conllu"} <= set(fetch.deps)
    for dep in fetch.deps:
        assert (ROOT / dep).is_file(), dep
    assert "--lang es" in spanish.stages["convert_ud"].cmd and "--nlp.lang es" in spanish.stages["train_ud"].cmd
    assert "--nlp.lang es" in spanish.stages["pretrain_ud"].cmd
    assert spanish.stages["package_ud"].outs == ("packages/es_lexloom_ud-0.1.0",)
    # the NER and text classification data stay English
    assert "--lang en" in spanish.stages["convert_ner"].cmd and spanish.stages["package_ner"].outs == ("packages/en_lexloom_ner-0.1.0",)
    full = load_project(ROOT / "project.yml", overrides={"treebank": "UD_Spanish-GSD", "dataset": "full"})
    urls = [source.url for _, source in full.asset_sources()]
    assert "https://raw.githubusercontent.com/UniversalDependencies/UD_Spanish-GSD/r2.16/es_gsd-ud-train.conllu" in urls
    assert "https://raw.githubusercontent.com/UniversalDependencies/UD_Spanish-GSD/r2.16/es_gsd-ud-dev.conllu" in urls
    # `lang` can still be set apart from the treebank
    other = load_project(ROOT / "project.yml", overrides={"treebank": "UD_Norwegian-Bokmaal", "lang": "nb"})
    assert other.vars["treebank_prefix"] == "no_bokmaal" and "--lang nb" in other.stages["convert_ud"].cmd


def test_unknown_treebank_names_are_explained():
    with pytest.raises(ConfigError, match=r"vars\.treebank: 'UD_Klingon-QO'.*set vars\.treebank_lang"):
        load_project(ROOT / "project.yml", overrides={"treebank": "UD_Klingon-QO"})
    with pytest.raises(ConfigError, match=r"vars\.treebank: 'Spanish' is not a UD treebank name"):
        load_project(ROOT / "project.yml", overrides={"treebank": "Spanish"})


# --- pipelines described once ----------------------------------------------------------


def test_each_pipeline_row_becomes_its_stages():
    project = load_project(ROOT / "project.yml")
    assert list(project.pipelines) == PIPELINES
    for name, row in project.pipelines.items():
        train = project.stages[f"train_{name}"]
        assert train.cmd.startswith(f"lexloom train {row['config']} --output training/{name} ")
        assert f"--params-key {name}" in train.cmd and row["config"] in train.deps
        assert f"corpus/{name}/debug-data.json" in train.deps
        evaluate = project.stages[f"evaluate_{name}"]
        assert f"--metrics metrics/{name}.json --metrics-keys {','.join(row['metrics'])}" in evaluate.cmd
        assert f"metrics/details/{name}.json" in evaluate.outs  # every score, but not a DVC metric
        joined = (row["join_train"],) if row.get("join_train") else ()
        assert project.stages[f"convert_{name}"].deps[-2 - len(joined):] == (row["train"], row["dev"], *joined)
    # the extra input of the ner row: the treebank whose tags join its train sentences
    convert_ner = project.stages["convert_ner"]
    assert convert_ner.cmd.split(" && ")[0].endswith(" --join assets/downloads/ner/ud-train.conllu")
    assert "--join" not in convert_ner.cmd.split(" && ")[1]  # dev is scored on entities alone
    # the extra input of the ud row: the pretrained tok2vec (the folder that holds it, for both tools)
    assert "--paths.init_tok2vec training/ud-pretrain/model-last.safetensors" in project.stages["train_ud"].cmd
    assert "training/ud-pretrain" in project.stages["train_ud"].deps


def test_a_row_with_several_seeds_trains_each_apart_and_ships_their_ensemble():
    """textcat has `seeds: [0, 1, 2]`: three trainings that differ only in their seed and
    output, joined by `lexloom ensemble`; evaluate and package take the joined pipeline."""
    project = load_project(ROOT / "project.yml")
    assert project.pipelines["textcat"]["seeds"] == [0, 1, 2]
    names = [s for s in project.stages if s.endswith("textcat") or "_textcat_seed" in s]
    assert names == ["convert_textcat", "debug_data_textcat", "train_textcat", "train_textcat_seed1", "train_textcat_seed2",
                     "ensemble_textcat", "evaluate_textcat", "package_textcat"]
    first = project.stages["train_textcat"]
    assert first.cmd.endswith(" --system.seed 0")
    for seed in (1, 2):
        member = project.stages[f"train_textcat_seed{seed}"]
        assert member.cmd == first.cmd.replace("--output training/textcat ", f"--output training/textcat-seed{seed} ").replace(
            "--system.seed 0", f"--system.seed {seed}")
        assert member.deps == first.deps and member.params == first.params and not member.plots
        assert f"training/textcat-seed{seed}/model-best" in member.outs
    ensemble = project.stages["ensemble_textcat"]
    members = ("training/textcat/model-best", "training/textcat-seed1/model-best", "training/textcat-seed2/model-best")
    assert ensemble.cmd == "lexloom ensemble training/textcat-ensemble " + " ".join(members)
    assert set(members) <= set(ensemble.deps) and "src/lexloom/ensemble.py" in ensemble.deps
    for stage in ("evaluate_textcat", "package_textcat"):
        assert " training/textcat-ensemble " in project.stages[stage].cmd and "training/textcat-ensemble" in project.stages[stage].deps
    # one seed, or none: the stages of a single model
    assert "--system.seed" not in project.stages["train_ud"].cmd and "ensemble_ud" not in project.stages


def test_pipeline_rows_are_checked(tmp_path):
    text = BASE.replace("stages:", "pipelines:\n  tagger:\n    lang: en\n    converter: conllu\n    train: a.conllu\n    dev: b.conllu\nstages:", 1)
    with pytest.raises(ConfigError, match=r"pipelines\.tagger: missing required key 'config'"):
        _load(tmp_path, text)
    text = text.replace("dev: b.conllu", "dev: b.conllu\n    config: c.cfg\n    metrics: [tag_acc]\n    plot: [tag_acc]")
    with pytest.raises(ConfigError, match=r"pipelines\.tagger: unknown key 'plot'"):
        _load(tmp_path, text)
    with pytest.raises(ConfigError, match=r"pipelines\.tagger \(convert_tagger\)\.cmd: unknown variable \$\{vars\.n_sents\}"):
        _load(tmp_path, text.replace("plot:", "plots:"))  # the templates' variables
    text = text.replace("plot:", "plots:").replace("vars: {", "vars: {n_sents: 10, gpu_id: -1, package_name: x, package_version: 1.0, ")
    project = _load(tmp_path, text)
    assert [s for s in project.stages if s.endswith("_tagger")] == [f"{step}_tagger" for step in ("convert", "debug_data", "train", "evaluate", "package")]
    for seeds in ("[]", "[1, 1]", "[-1]", "3", "[a]"):
        with pytest.raises(ConfigError, match=r"pipelines\.tagger\.seeds: expected a list of distinct seeds"):
            _load(tmp_path, text.replace("config: c.cfg", f"config: c.cfg\n    seeds: {seeds}"))
    project = _load(tmp_path, text.replace("config: c.cfg", "config: c.cfg\n    seeds: [7]"))  # one seed: one model, that seed
    assert project.stages["train_tagger"].cmd.endswith(" --system.seed 7") and "ensemble_tagger" not in project.stages


def test_sample_curves_have_ten_points_at_least():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for pipeline in PIPELINES:
        training = {**params["training"], **(params.get(pipeline, {}).get("training") or {})}
        assert training["max_steps"] // training["eval_frequency"] >= 10, pipeline


# --- code dependencies: the import closure of each command -----------------------------


def test_each_stage_depends_on_the_code_it_imports():
    stages = load_project(ROOT / "project.yml").stages

    def code(name):
        return {d for d in stages[name].deps if d.startswith("src/")}

    for pipeline in PIPELINES:
        train = code(f"train_{pipeline}")
        assert {"src/lexloom/language.py", "src/lexloom/tokens", "src/lexloom/pipeline", "src/lexloom/training/loop.py"} <= train
        assert any(d.startswith("src/lexloom/config") for d in train)
        evaluate = code(f"evaluate_{pipeline}")  # the prediction code, not only the CLI
        assert {"src/lexloom/language.py", "src/lexloom/pipeline", "src/lexloom/scoring", "src/lexloom/render.py"} <= evaluate
        assert "src/lexloom/language.py" not in code(f"convert_{pipeline}")
        assert "src/lexloom/packaging.py" in code(f"package_{pipeline}")
    assert "src/lexloom/pipeline" in code("pretrain_ud")  # tok2vec.py and features.py among it
    assert "scripts/conllu_raw_text.py" in stages["raw_text_ud"].deps
    drawing = [name for name, stage in stages.items() if "src/lexloom/render.py" in stage.deps]
    assert sorted(drawing) == sorted(f"evaluate_{p}" for p in PIPELINES)


CLOSURE_PACKAGE = {
    "__init__.py": "def blank():\n    from .language import Language\n",
    "language.py": "from . import pipes\n",
    "pipes/__init__.py": "from . import tagger\n",
    "pipes/tagger.py": "",
    "render.py": "",
    "lang/__init__.py": "import importlib\ndef get(code):\n    return importlib.import_module(f'lexloom.lang.{code}')\n",
    "lang/en.py": "RULES = 1\ndef English():\n    from ..render import draw\n",  # loaded through a string: for RULES
    "lang/de.py": "",
    "unused.py": "",
    "cli/__init__.py": "from ._app import app\nfrom . import make, show\n",
    "cli/_app.py": "app = object()\nsub_app = object()\napp.add_typer(sub_app, name='project')\n",
    "cli/make.py": "from ._app import app, sub_app\n@app.command('make')\ndef make():\n    from .. import blank\n    from ..lang import get\n@sub_app.command()\ndef check_it():\n    pass\n",
    "cli/show.py": "from ._app import app\n@app.command('show')\ndef show():\n    from ..render import draw\n",
}


def test_the_closure_follows_imports_inside_functions_and_module_name_strings(tmp_path):
    from lexloom.project.code_deps import code_deps

    for name, text in CLOSURE_PACKAGE.items():
        path = tmp_path / "src" / "lexloom" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    make = set(code_deps("lexloom make --fast && echo done", tmp_path))
    # `from .. import blank` runs blank's imports; the package imported only as a parent runs its top level,
    # and so does a module loaded through a string (lang/en.py's English() is not followed to render.py)
    assert {"src/lexloom/language.py", "src/lexloom/pipes", "src/lexloom/lang"} <= make
    assert not make & {"src/lexloom/render.py", "src/lexloom/cli/show.py", "src/lexloom/unused.py"}
    show = set(code_deps("lexloom show", tmp_path))
    assert "src/lexloom/render.py" in show and "src/lexloom/language.py" not in show
    assert "src/lexloom/cli/make.py" in code_deps("lexloom project check-it", tmp_path)
    with pytest.raises(ConfigError, match="`lexloom nope` is not a command"):
        code_deps("lexloom nope", tmp_path)


@pytest.mark.parametrize("args", [
    ["convert", str(ROOT / "assets" / "sample" / "UD_Spanish-GSD" / "es_gsd-ud-dev.conllu"), "{out}", "--converter", "conllu"],
    ["convert", str(ROOT / "assets" / "sample" / "textcat_docs_issues" / "eval.jsonl"), "{out}", "--converter", "jsonl", "--lang", "en"],
    ["init", "config", "{out}.cfg", "--lang", "en", "--pipeline", "tagger,parser"],
])
def test_the_modules_a_command_really_imports_are_in_its_closure(tmp_path, args):
    """Run the command and list the lexloom modules it imported: each is in the static closure, or was
    imported only by the top level of another command's module (which just registers that command)."""
    from lexloom.project.code_deps import SourceTree

    args = [a.replace("{out}", str(tmp_path / "out")) for a in args]
    probe = (
        "import atexit, json, sys\n"
        "listing = sys.argv[1]\n"
        "atexit.register(lambda: open(listing, 'w').write(json.dumps(sorted(m for m in sys.modules if m.startswith('lexloom')))))\n"
        "from lexloom.cli import main\n"
        "sys.argv = ['lexloom'] + sys.argv[2:]\n"
        "main()\n"
    )
    listing = tmp_path / "modules.json"
    result = subprocess.run([sys.executable, "-c", probe, str(listing), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    tree = SourceTree(ROOT / "src" / "lexloom")
    command = tree.commands.get(" ".join(args[:2])) or tree.commands[args[0]]
    others = {m for m in tree.commands.values() if m != command}
    imported = {m for m in json.loads(listing.read_text()) if tree.path(m)}
    closure = tree.closure([("lexloom.cli", True), (command, True)], skip=others)
    registering, todo = set(), list(others)
    while todo:  # what the other command modules' top levels import
        module = todo.pop()
        if module not in registering and tree.path(module):
            registering.add(module)
            todo += [m for m, _ in tree.imports(module)[0]] + [module.rpartition(".")[0]]
    assert command in imported and command in closure
    assert imported <= closure | registering, imported - closure - registering


# --- the README's workflow section ------------------------------------------------------


def test_readme_workflow_section_is_current():
    from lexloom.project.document import document_is_current

    assert document_is_current(load_project(ROOT / "project.yml"), ROOT / "README.md"), "run `lexloom project document --output README.md`"


def test_document_replaces_only_its_section(tmp_path):
    from lexloom.project.document import MARKER_END, MARKER_START

    _copy_project(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text("# My project\n\nmy words\n")
    runner = CliRunner()
    args = ["project", "document", "-p", str(tmp_path / "project.yml"), "--output", str(readme)]
    assert runner.invoke(app, args).exit_code == 0
    text = readme.read_text()
    assert text.startswith("# My project\n\nmy words\n") and MARKER_START in text and MARKER_END in text
    for stage in ("train_ud", "evaluate_textcat_multilabel", "pretrain_ud"):
        assert f"`{stage}`" in text
    assert "| `treebank` | `UD_English-EWT` |" in text
    assert "`assets/downloads/ner/dev.iob2` (train joined with `assets/downloads/ner/ud-train.conllu`) |" in text
    readme.write_text(text.replace("`train_ud`", "`train_old`") + "\nmy appendix\n")
    stale = runner.invoke(app, args + ["--check"])
    assert stale.exit_code == 1 and "out of date" in stale.output
    assert runner.invoke(app, args).exit_code == 0
    assert readme.read_text() == text + "\nmy appendix\n"
    assert runner.invoke(app, args + ["--check"]).exit_code == 0


# --- validation errors name the file and the key ---------------------------------------

BASE = """
vars: {dataset: sample, lang: en}
stages:
  convert:
    cmd: lexloom convert in.conllu corpus --lang ${vars.lang}
    deps: [in.conllu]
    outs: [corpus/train.lexloom]
  train:
    cmd: lexloom train cfg
    deps: [corpus/train.lexloom]
    outs: [training/model/]
workflows:
  all: [train]
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "project.yml"
    path.write_text(textwrap.dedent(text), encoding="utf8")
    return load_project(path)


def test_minimal_project(tmp_path):
    project = _load(tmp_path, BASE)
    assert project.stages["convert"].cmd == "lexloom convert in.conllu corpus --lang en"
    assert project.stages["train"].out_dirs == {"training/model"}
    assert project.workflow_stages("all") == ["convert", "train"]


@pytest.mark.parametrize(
    "edit, message",
    [
        (("workflows:", "extras: 1\nworkflows:"), r"top level: unknown key 'extras'"),
        (("stages:\n  convert:", "stages:\n- convert:"), r"stages: expected a mapping of stage names to stages, got list"),
        (("    deps: [in.conllu]", "    dep: [in.conllu]"), r"stages\.convert: unknown key 'dep'"),
        (("    cmd: lexloom train cfg\n", ""), r"stages\.train: missing required key 'cmd'"),
        (("${vars.lang}", "${vars.language}"), r"stages\.convert\.cmd: unknown variable \$\{vars\.language\}"),
        (("deps: [corpus/train.lexloom]", "deps: [corpus/dev.lexloom]"), r"stages\.train\.deps: 'corpus/dev.lexloom' is in a generated folder but no stage writes it"),
        (("outs: [training/model/]", "outs: [corpus/train.lexloom]"), r"stages\.train\.outs: 'corpus/train.lexloom' is also written by stage 'convert'"),
        (("deps: [in.conllu]", "deps: [in.conllu, training/model/meta.json]"), r"dependency cycle: .*convert -> train|dependency cycle: .*train -> convert"),
        (("all: [train]", "all: [evaluate]"), r"workflows\.all: unknown stage 'evaluate'"),
        (("deps: [in.conllu]", "deps: [../outside.txt]"), r"must be relative and inside the project"),
    ],
)
def test_invalid_projects_are_explained(tmp_path, edit, message):
    old, new = edit
    assert old in BASE
    with pytest.raises(ConfigError, match=rf"project\.yml: .*{message}"):
        _load(tmp_path, BASE.replace(old, new, 1))


def test_a_var_without_a_value_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"project\.yml: vars\.lang: has no value \(in project\.yml\)"):
        _load(tmp_path, BASE.replace("lang: en}", "lang: }", 1))
    (tmp_path / "project.yml").write_text(textwrap.dedent(BASE), encoding="utf8")
    with pytest.raises(ConfigError, match=r"vars\.lang: has no value \(given in the overrides\)"):
        load_project(tmp_path / "project.yml", overrides={"lang": ""})
    with pytest.raises(ConfigError, match=r"vars\.lang: expected a string or a number, got list"):
        _load(tmp_path, BASE.replace("lang: en}", "lang: [en, de]}", 1))


def test_repo_file_deps_need_no_stage(tmp_path):
    project = _load(tmp_path, BASE.replace("deps: [corpus/train.lexloom]", "deps: [corpus/train.lexloom, configs/never_made.cfg]"))
    assert "configs/never_made.cfg" in project.stages["train"].deps


def test_yaml_syntax_error_has_line(tmp_path):
    with pytest.raises(DataError, match=r"project\.yml:3: invalid YAML: found character '\\t'"):
        _load(tmp_path, "vars: {}\nstages:\n\tcmd: x\n")


def test_assets_need_one_source_per_dataset(tmp_path):
    text = BASE + "assets:\n  - dest: in.conllu\n    sample: {path: a.conllu}\n    full: {url: 'https://x/a', path: a.conllu}\n"
    with pytest.raises(ConfigError, match=r"assets\[0\]\.full: give exactly one of 'url' or 'path'"):
        _load(tmp_path, text)


# --- DVC mechanics the CI evaluate job relies on ---------------------------------------

DUMMY_DVC_YAML = """
stages:
  train_ud:
    cmd: python train.py
    deps: [train.py, data.txt]
    outs: [model.txt]
  evaluate_ud:
    cmd: python evaluate.py
    deps: [evaluate.py, model.txt]
    metrics: [metrics/ud.json]
"""
TRAIN_PY = "open('runs.log', 'a').write('train\\n'); open('model.txt', 'w').write(open('data.txt').read().upper())\n"
EVALUATE_PY = (
    "import json, os; open('runs.log', 'a').write('evaluate\\n'); os.makedirs('metrics', exist_ok=True)\n"
    "json.dump({'score': len(open('model.txt').read())}, open('metrics/ud.json', 'w'))\n"
)


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]} {result.stderr[-2000:]}"
    return result.stdout


@pytest.mark.slow
def test_ci_evaluate_pulls_and_reruns_only_changed_stages(tmp_path):
    origin, remote, clone = tmp_path / "origin", tmp_path / "remote", tmp_path / "clone"
    origin.mkdir()
    (origin / "dvc.yaml").write_text(DUMMY_DVC_YAML)
    (origin / "train.py").write_text(TRAIN_PY)
    (origin / "evaluate.py").write_text(EVALUATE_PY)
    (origin / "data.txt").write_text("some data")
    (origin / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "ci_evaluate.sh", origin / "scripts" / "ci_evaluate.sh")
    (origin / ".gitignore").write_text("runs.log\n")
    _run(["git", "init", "-q"], origin)
    _run([tool("dvc"), "init", "-q"], origin)
    _run([tool("dvc"), "remote", "add", "-d", "storage", str(remote)], origin)
    _run([tool("dvc"), "repro"], origin)
    _run([tool("dvc"), "push"], origin)
    _run(["git", "add", "-A"], origin)
    _run(["git", "commit", "-q", "-m", "trained"], origin)

    _run(["git", "clone", "-q", str(origin), str(clone)], tmp_path)
    _run(["bash", "scripts/ci_evaluate.sh", "ud"], clone)
    assert (clone / "model.txt").read_text() == "SOME DATA"  # pulled, not rebuilt
    assert not (clone / "runs.log").exists()  # nothing was out of date

    (clone / "evaluate.py").write_text(EVALUATE_PY + "# changed\n")
    _run(["bash", "scripts/ci_evaluate.sh", "ud"], clone)
    assert (clone / "runs.log").read_text() == "evaluate\n"  # only the changed stage reran


def test_slurm_profile_plans_the_graph(tmp_path):
    """`snakemake --profile profiles/slurm -n` works with the SLURM executor plugin installed."""
    workdir = _copy_project(tmp_path)
    shutil.copytree(ROOT / "profiles", workdir / "profiles")
    result = subprocess.run(
        [tool("snakemake"), "--profile", "profiles/slurm", "-n", "all"],
        cwd=workdir, capture_output=True, text=True, env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "train_ud" in result.stdout and "package_textcat_multilabel" in result.stdout
