"""project.yml: the one description of the workflow graph that Snakemake and DVC both run.

`load_project()` reads and checks the file and returns a `Project`: variables
substituted, each row of `pipelines:` expanded into its stages (convert_<name>,
debug_data_<name>, train_<name>, evaluate_<name>, package_<name>; with `seeds:`,
also train_<name>_seed<s> for each further seed and ensemble_<name>) from the
templates below, every stage's code dependencies derived from the import closure
of its command (`code_deps.py`), every stage's inputs and outputs known, and the
graph proven to be acyclic with one writer per output. The Snakefile builds its
rules from this object and `lexloom project dvc` writes dvc.yaml from it, so the
two can only disagree if one of them is stale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, DataError
from .code_deps import SourceTree, find_package_dir
from .ud import treebank_names

#: Folders whose content only stages write. A dep there that no stage outputs
#: can never be built, so it is an error; a dep anywhere else is a repo file
#: (a config, a script, a bundled sample) and is taken as given.
GENERATED_DIRS = ("assets/downloads", "corpus", "training", "packages", "metrics")

#: The stage that fetches the assets; it is built from `assets:`, not written by hand.
FETCH_STAGE = "fetch"

_TOP_KEYS = {"title": False, "description": False, "vars": False, "assets": False, "pipelines": False, "stages": False, "workflows": False}
_STAGE_KEYS = {"help": False, "cmd": True, "deps": False, "outs": False, "params": False, "metrics": False, "plots": False, "threads": False}
_SOURCE_KEYS = {"url": False, "sha256": False, "path": False, "extract": False}
_PLOT_KEYS = {"name": False, "path": True, "x": False, "y": False, "title": False, "x_label": False, "y_label": False}
_PIPELINE_KEYS = {
    "help": False, "lang": True, "converter": True, "train": True, "dev": True, "config": True, "package": False,
    "metrics": True, "plots": False, "init_tok2vec": False, "evaluate_args": False, "raw_text": False, "seeds": False,
    "join_train": False,
}
#: Converters that group sentences into documents (`--n-sents`).
_SENTENCE_CONVERTERS = ("conllu", "iob", "conll03")

#: The stages of one row of `pipelines:`, in order. `{...}` fields come from the row
#: (see `_pipeline_fields`); `${vars.x}` is substituted afterwards, as everywhere.
PIPELINE_STAGES: dict[str, dict[str, Any]] = {
    "convert": {
        "help": "{name}: convert the train and dev files ({converter}) to .lexloom corpora",
        "cmd": "lexloom convert {train} corpus/{name} --converter {converter}{n_sents} --lang {lang}{join_arg}"
               " && lexloom convert {dev} corpus/{name} --converter {converter}{n_sents} --lang {lang}",
        "deps": ["{train}", "{dev}", "{join_train}"],
        "outs": ["{train_corpus}", "{dev_corpus}"],
    },
    "debug_data": {
        "help": "{name}: check the corpora against {config} before training",
        "cmd": "lexloom debug-data {config} --nlp.lang {lang} --paths.train {train_corpus} --paths.dev {dev_corpus} --output corpus/{name}/debug-data.json",
        "deps": ["{config}", "{train_corpus}", "{dev_corpus}"],
        "outs": ["corpus/{name}/debug-data.json"],
    },
    "train": {
        "help": "{name}: train {config}{about}{seed_help}; loss and dev-score curves in training/{name}/curves.png",
        "cmd": "lexloom train {config} --output {train_dir} --nlp.lang {lang} --paths.train {train_corpus} --paths.dev {dev_corpus}"
               " --params params.yaml --params-key {name} --gpu-id ${{vars.gpu_id}}{init_tok2vec_arg}{seed_arg}",
        "deps": ["{config}", "{train_corpus}", "{dev_corpus}", "corpus/{name}/debug-data.json", "{init_tok2vec}"],
        "params": ["training", "{name}"],
        "outs": ["{train_dir}/model-best/", "{train_dir}/model-last/", "{train_dir}/log.jsonl", "{train_dir}/curves.svg"],
        "plots": [
            {"name": "{name}_dev_scores", "path": "training/{name}/scores.csv", "x": "step", "y": "{plots}",
             "title": "{name}: dev scores during training", "x_label": "training step", "y_label": "dev score (0-1)"},
            {"name": "{name}_loss", "path": "training/{name}/scores.csv", "x": "step", "y": ["loss"],
             "title": "{name}: training loss (all components, summed per evaluation interval)", "x_label": "training step", "y_label": "loss"},
            {"path": "training/{name}/curves.png"},
        ],
        "threads": 4,
    },
    "evaluate": {
        "help": "{name}: score {model} on the dev corpus; headline scores in metrics/{name}.json",
        "cmd": "lexloom evaluate {model} {eval_data} --output metrics/details/{name}.json"
               " --metrics metrics/{name}.json --metrics-keys {metrics} --html metrics/html/{name} --gpu-id ${{vars.gpu_id}}{evaluate_args}",
        "deps": ["{model}", "{eval_data}"],
        "metrics": ["metrics/{name}.json"],
        "outs": ["metrics/details/{name}.json", "metrics/html/{name}/"],
    },
    "package": {
        "help": "{name}: build the installable package {lang}_${{vars.package_name}}_{package}",
        "cmd": "lexloom package {model} packages --name ${{vars.package_name}}_{package} --version ${{vars.package_version}}",
        "deps": ["{model}"],
        "outs": ["packages/{lang}_${{vars.package_name}}_{package}-${{vars.package_version}}/"],
    },
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Variables derived from `vars.treebank` (a UD treebank name) unless project.yml sets them.
_TREEBANK_VARS = ("treebank_lang", "treebank_prefix")
_VAR = re.compile(r"\$\{vars\.([A-Za-z0-9_]+)\}")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Source:
    """Where one asset comes from for one dataset: a URL (with its sha256) or a repo path."""

    url: str | None = None
    sha256: str | None = None
    path: str | None = None
    extract: bool = False


@dataclass(frozen=True)
class Asset:
    """A file (or, if `extract`, a folder) that the fetch stage puts at `dest`."""

    dest: str
    description: str
    sources: dict[str, Source]


@dataclass(frozen=True)
class Plot:
    """A table (CSV/JSON) a stage writes, drawn as `y` columns against `x`; or, without
    `x` and `y`, an image (PNG/SVG) shown as it is. `name` tells apart several plots of
    one table (default: the path)."""

    path: str
    x: str | None = None
    y: tuple[str, ...] = ()
    title: str | None = None
    x_label: str | None = None
    y_label: str | None = None
    name: str | None = None

    @property
    def is_image(self) -> bool:
        return not self.y


@dataclass(frozen=True)
class Stage:
    """One command of the workflow with everything it reads and writes.

    Paths are relative to the project root; `out_dirs` is the subset of
    `outs` that are folders (written with a trailing "/" in project.yml).
    `outs` excludes `metrics` and plot files, which are outputs too.
    """

    name: str
    cmd: str
    help: str = ""
    deps: tuple[str, ...] = ()
    outs: tuple[str, ...] = ()
    out_dirs: frozenset[str] = frozenset()
    params: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    plots: tuple[Plot, ...] = ()
    threads: int = 1

    @property
    def all_outputs(self) -> tuple[str, ...]:
        """Every path this stage writes: outs, metrics and plot files."""
        return tuple(dict.fromkeys(self.outs + self.metrics + tuple(p.path for p in self.plots)))


@dataclass
class Project:
    """A loaded, validated project.yml."""

    path: Path
    title: str
    vars: dict[str, Any]
    assets: list[Asset]
    stages: dict[str, Stage]
    workflows: dict[str, list[str]] = field(default_factory=dict)
    #: The rows of `pipelines:`, variables substituted (name -> field -> value).
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""

    @property
    def root(self) -> Path:
        return self.path.parent

    def asset_sources(self, dataset: str | None = None) -> list[tuple[Asset, Source]]:
        """Each asset with its source for `dataset` (default: `vars.dataset`)."""
        dataset = dataset or self.vars.get("dataset")
        datasets = self.datasets()
        if dataset not in datasets:
            raise ConfigError(f"{self.path}: unknown dataset {dataset!r} (assets define: {', '.join(sorted(datasets))})")
        return [(asset, asset.sources[dataset]) for asset in self.assets]

    def datasets(self) -> set[str]:
        return set(self.assets[0].sources) if self.assets else set()

    def producer(self) -> dict[str, str]:
        """Map each output path to the stage that writes it."""
        return {out: stage.name for stage in self.stages.values() for out in stage.all_outputs}

    def workflow_stages(self, workflow: str) -> list[str]:
        """The named stages of `workflow` plus every stage they need, in project.yml order."""
        if workflow not in self.workflows:
            raise ConfigError(f"{self.path}: no workflow {workflow!r} (there are: {', '.join(self.workflows)})")
        wanted: set[str] = set()
        producer = self.producer()
        todo = list(self.workflows[workflow])
        while todo:
            name = todo.pop()
            if name not in wanted:
                wanted.add(name)
                todo.extend(p for p in (_producer_of(d, producer) for d in self.stages[name].deps) if p)
        return [name for name in self.stages if name in wanted]


def load_project(path: str | Path = "project.yml", overrides: dict[str, Any] | None = None) -> Project:
    """Read and validate project.yml; `overrides` replace `vars` entries (e.g. {"dataset": "full"})."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: project file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf8"))
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})", path) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise DataError(f"invalid YAML: {getattr(e, 'problem', e)}", path, mark.line + 1 if mark else None) from None
    return _Validator(path).project(raw, overrides or {})


class _Validator:
    """Builds a Project from parsed YAML; every error names the file and the key path."""

    def __init__(self, path: Path):
        self.path = path
        self.vars: dict[str, Any] = {}
        self.asset_overrides: dict[str, Any] = {}
        package_dir = find_package_dir(path.parent)
        self.source_tree = SourceTree(package_dir) if package_dir else None

    def error(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {message}")

    def mapping(self, value: Any, where: str, keys: dict[str, bool]) -> dict:
        if not isinstance(value, dict):
            raise self.error(where, f"expected a mapping, got {type(value).__name__}")
        for key in value:
            if key not in keys:
                raise self.error(where, f"unknown key {key!r} (allowed: {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in value:
                raise self.error(where, f"missing required key {key!r}")
        return value

    def str_list(self, value: Any, where: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(where, "expected a list of non-empty strings")
        return value

    def substitute(self, text: str, where: str) -> str:
        if not isinstance(text, str):
            raise self.error(where, f"expected a string, got {type(text).__name__}")

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name not in self.vars:
                raise self.error(where, f"unknown variable ${{vars.{name}}} (defined: {', '.join(self.vars)})")
            return str(self.vars[name])

        return _VAR.sub(replace, text)

    def project(self, raw: Any, overrides: dict[str, Any]) -> Project:
        raw = self.mapping(raw, "top level", _TOP_KEYS)
        self.vars = self.variables(raw.get("vars") or {}, overrides)
        self.asset_overrides = self.overrides_of(raw.get("vars") or {}, raw.get("assets") or [], overrides)
        assets = self.assets(raw.get("assets") or [])
        stages: dict[str, Stage] = {}
        if assets:
            if "dataset" not in self.vars:
                raise self.error("vars", "missing 'dataset' (it picks which source of each asset to fetch)")
            if self.vars["dataset"] not in assets[0].sources:
                raise self.error("vars.dataset", f"{self.vars['dataset']!r} is not a dataset the assets define ({', '.join(assets[0].sources)})")
            stages[FETCH_STAGE] = self.fetch_stage(assets)
        pipelines = self.pipelines(raw.get("pipelines") or {})
        stage_defs = raw.get("stages") or {}
        if not isinstance(stage_defs, dict):
            raise self.error("stages", f"expected a mapping of stage names to stages, got {type(stage_defs).__name__}")
        for pipeline, row in pipelines.items():
            for name, spec in self.pipeline_stages(pipeline, row).items():
                if name in stage_defs:
                    raise self.error(f"stages.{name}", f"this name is taken by a stage of pipelines.{pipeline}")
                stages[name] = self.stage(name, spec, where=f"pipelines.{pipeline} ({name})")
        for name, spec in stage_defs.items():
            if name in stages:
                raise self.error(f"stages.{name}", "this name is reserved for the stage built from `assets:`")
            stages[name] = self.stage(name, spec)
        if len(stages) == (FETCH_STAGE in stages):
            raise self.error("stages", "no stages: add `pipelines:` or `stages:`")
        project = Project(self.path, str(raw.get("title", "")), self.vars, assets, stages, pipelines=pipelines,
                          description=str(raw.get("description", "")))
        self.check_graph(project)
        project.stages = _needs_first(_deps_on_folders(project.stages), project.producer())
        project.workflows = self.workflows(raw.get("workflows") or {}, project.stages)
        return project

    def variables(self, raw: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        """`vars:` with the overrides, the names derived from `treebank`, and `${vars.x}` inside values resolved."""
        if not isinstance(raw, dict):
            raise self.error("vars", "expected a mapping of names to values")
        self.vars = dict(raw)
        for name, value in overrides.items():
            if name not in self.vars and name not in _TREEBANK_VARS:
                raise self.error("vars", f"cannot override unknown variable {name!r}")
            self.vars[name] = value
        for name, value in self.vars.items():
            # `n_sents:` with nothing after it, or `--config n_sents=`, would reach a command as an
            # empty argument (or "None") and fail far from here.
            if value is None or value == "":
                given = "given in the overrides" if name in overrides else "in project.yml"
                raise self.error(f"vars.{name}", f"has no value ({given}); give one, e.g. {name}: VALUE")
            if not isinstance(value, (str, int, float, bool)):
                raise self.error(f"vars.{name}", f"expected a string or a number, got {type(value).__name__}")
        if "treebank" in self.vars and not all(name in self.vars for name in _TREEBANK_VARS):
            try:
                lang, prefix = treebank_names(str(self.vars["treebank"]))
            except ConfigError as e:
                raise self.error("vars.treebank", str(e)) from None
            self.vars.setdefault("treebank_lang", lang)
            self.vars.setdefault("treebank_prefix", prefix)
        for _ in range(len(self.vars)):  # a value may name another variable, which may name another...
            resolved = {k: self.substitute(v, f"vars.{k}") if isinstance(v, str) else v for k, v in self.vars.items()}
            if resolved == self.vars:
                break
            self.vars = resolved
        else:
            raise self.error("vars", "variables refer to each other in a cycle")
        return self.vars

    def overrides_of(self, raw_vars: dict, raw_assets: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        """The overrides that change an asset (directly, or through the variables an asset names),
        which the fetch stage must pass on to `lexloom project assets`."""
        names = set(_VAR.findall(yaml.safe_dump(raw_assets)))
        todo = list(names)
        while todo:
            name = todo.pop()
            more = set(_VAR.findall(str(raw_vars.get(name, "")))) | ({"treebank"} if name in _TREEBANK_VARS else set())
            todo += list(more - names)
            names |= more
        return {k: v for k, v in overrides.items() if k in names}

    def pipelines(self, raw: Any) -> dict[str, dict[str, Any]]:
        """The rows of `pipelines:`, checked, variables substituted."""
        if not isinstance(raw, dict):
            raise self.error("pipelines", "expected a mapping of pipeline names to their data, converter, config...")
        rows = {}
        for name, spec in raw.items():
            where = f"pipelines.{name}"
            if not _NAME.match(str(name)):
                raise self.error(where, "pipeline names must be identifiers (letters, digits, _)")
            spec = self.mapping(spec, where, _PIPELINE_KEYS)
            row: dict[str, Any] = {}
            for key, value in spec.items():
                if key in ("metrics", "plots"):
                    row[key] = self.str_list(value, f"{where}.{key}")
                elif key == "raw_text":
                    if not isinstance(value, bool):
                        raise self.error(f"{where}.raw_text", f"expected true or false, got {type(value).__name__}")
                    row[key] = value
                elif key == "seeds":
                    if not isinstance(value, list) or not value or not all(type(v) is int and v >= 0 for v in value) or len(set(value)) != len(value):
                        raise self.error(f"{where}.seeds", f"expected a list of distinct seeds (integers >= 0), got {value!r}")
                    row[key] = value
                else:
                    row[key] = self.substitute(str(value), f"{where}.{key}") if value is not None else ""
            if row.get("raw_text") and row["converter"] != "conllu":
                raise self.error(f"{where}.raw_text", "raw-text scores need a CoNLL-U dev file (converter: conllu), whose # text lines are the raw text")
            for key in ("train", "dev", "config", "init_tok2vec", "join_train"):
                if row.get(key):
                    row[key] = self.path_of(row[key], f"{where}.{key}")
            if Path(row["train"]).stem == Path(row["dev"]).stem:
                raise self.error(where, f"train and dev files have the same name {Path(row['train']).stem!r}: their corpora would overwrite each other")
            if not row["metrics"]:
                raise self.error(f"{where}.metrics", "name at least one headline score (e.g. dep_las)")
            rows[str(name)] = row
        return rows

    def pipeline_stages(self, name: str, row: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The stage specs of one pipeline by stage name, from PIPELINE_STAGES. With several
        `seeds`, train_<name> trains the first; each further seed is trained apart by
        train_<name>_seed<s>, and ensemble_<name> joins their model-best pipelines into
        training/<name>-ensemble, which evaluate_<name> and package_<name> take."""
        seeds = row.get("seeds") or []
        fields = {
            "name": name,
            "train": row["train"],
            "dev": row["dev"],
            "converter": row["converter"],
            "config": row["config"],
            "lang": row["lang"],
            "package": row.get("package") or name,
            "metrics": ",".join(row["metrics"]),
            "about": f" ({row['help']})" if row.get("help") else "",
            "train_corpus": f"corpus/{name}/{Path(row['train']).stem}.lexloom",
            "dev_corpus": f"corpus/{name}/{Path(row['dev']).stem}.lexloom",
            "n_sents": " --n-sents ${vars.n_sents}" if row["converter"] in _SENTENCE_CONVERTERS else "",
            "init_tok2vec": row.get("init_tok2vec", ""),
            # join_train: a file of the train file's sentences whose layers join them (lexloom convert --join)
            "join_train": row.get("join_train", ""),
            "join_arg": f" --join {row['join_train']}" if row.get("join_train") else "",
            "init_tok2vec_arg": f" --paths.init_tok2vec {row['init_tok2vec']}" if row.get("init_tok2vec") else "",
            # raw_text: evaluate on the gold CoNLL-U itself, from its words and from its raw text (--raw)
            "eval_data": row["dev"] if row.get("raw_text") else f"corpus/{name}/{Path(row['dev']).stem}.lexloom",
            "evaluate_args": (" --raw --n-sents ${vars.n_sents}" if row.get("raw_text") else "")
            + (f" {row['evaluate_args']}" if row.get("evaluate_args") else ""),
            "train_dir": f"training/{name}",
            "seed_arg": f" --system.seed {seeds[0]}" if seeds else "",
            "seed_help": f" with seed {seeds[0]}" if seeds else "",
            "model": f"training/{name}-ensemble" if len(seeds) > 1 else f"training/{name}/model-best",
        }
        plots = ["score"] + [y for y in row.get("plots") or [] if y != "score"]

        def expand(template: Any, **changed: str) -> Any:
            if template == "{plots}":
                return plots
            if isinstance(template, str):
                return template.format(**{**fields, **changed})
            if isinstance(template, list):
                return [e for e in (expand(t, **changed) for t in template) if e != ""]
            if isinstance(template, dict):
                return {k: expand(v, **changed) for k, v in template.items()}
            return template

        stages = {f"{step}_{name}": expand(template) for step, template in PIPELINE_STAGES.items()}
        if len(seeds) < 2:
            return stages
        tail = {key: stages.pop(key) for key in (f"evaluate_{name}", f"package_{name}")}  # after the ensemble
        members = [f"training/{name}/model-best"]
        for seed in seeds[1:]:
            out = f"training/{name}-seed{seed}"
            member = expand(PIPELINE_STAGES["train"], train_dir=out, seed_arg=f" --system.seed {seed}")
            stages[f"train_{name}_seed{seed}"] = {
                "help": f"{name}: train {row['config']} with seed {seed}, a member of the ensemble",
                **{key: member[key] for key in ("cmd", "deps", "params", "outs", "threads")},
            }
            members.append(f"{out}/model-best")
        stages[f"ensemble_{name}"] = {
            "help": f"{name}: join the models of seeds {', '.join(map(str, seeds))} (lexloom ensemble), which evaluate and package take",
            "cmd": f"lexloom ensemble training/{name}-ensemble {' '.join(members)}",
            "deps": members,
            "outs": [f"training/{name}-ensemble/"],
        }
        return {**stages, **tail}

    def assets(self, raw: Any) -> list[Asset]:
        if not isinstance(raw, list):
            raise self.error("assets", "expected a list of assets")
        assets: list[Asset] = []
        datasets: set[str] | None = None
        for i, spec in enumerate(raw):
            where = f"assets[{i}]"
            if not isinstance(spec, dict):
                raise self.error(where, "expected a mapping with 'dest' and one source per dataset")
            if "dest" not in spec:
                raise self.error(where, "missing required key 'dest'")
            dest = self.substitute(str(spec["dest"]), f"{where}.dest")
            sources = {}
            for dataset, source in spec.items():
                if dataset in ("dest", "description"):
                    continue
                sources[dataset] = self.source(source, f"{where}.{dataset}")
            if not sources:
                raise self.error(where, "no source: add e.g. `sample: {path: ...}` or `full: {url: ..., sha256: ...}`")
            if datasets is not None and set(sources) != datasets:
                raise self.error(where, f"defines datasets {sorted(sources)} but earlier assets define {sorted(datasets)}")
            datasets = set(sources)
            assets.append(Asset(dest=dest, description=str(spec.get("description", "")), sources=sources))
        return assets

    def source(self, raw: Any, where: str) -> Source:
        spec = self.mapping(raw, where, _SOURCE_KEYS)
        url, path = spec.get("url"), spec.get("path")
        if (url is None) == (path is None):
            raise self.error(where, "give exactly one of 'url' or 'path'")
        sha256 = spec.get("sha256")
        if sha256 is not None and not _SHA256.match(str(sha256)):
            raise self.error(f"{where}.sha256", "expected 64 lowercase hex digits")
        return Source(
            url=self.substitute(url, f"{where}.url") if url else None,
            sha256=sha256,
            path=self.substitute(path, f"{where}.path") if path else None,
            extract=bool(spec.get("extract", False)),
        )

    def fetch_stage(self, assets: list[Asset]) -> Stage:
        dataset = self.vars["dataset"]
        bundled = tuple(a.sources[dataset].path for a in assets if a.sources[dataset].path)
        cmd = f"lexloom project assets --dataset {dataset}" + "".join(f" --set {k}={v}" for k, v in sorted(self.asset_overrides.items()))
        return Stage(
            name=FETCH_STAGE,
            help=f"Fetch the {dataset!r} assets (built from `assets:` in project.yml)",
            cmd=cmd,
            deps=(self.source_tree.code_deps(cmd, self.path.parent) if self.source_tree else ()) + bundled,
            outs=tuple(a.dest for a in assets),
            out_dirs=frozenset(a.dest for a in assets if a.sources[dataset].extract),
        )

    def stage(self, name: str, raw: Any, where: str | None = None) -> Stage:
        where = where or f"stages.{name}"
        if not _NAME.match(str(name)):
            raise self.error(where, "stage names must be identifiers (letters, digits, _)")
        spec = self.mapping(raw, where, _STAGE_KEYS)
        if not isinstance(spec["cmd"], str) or not spec["cmd"].strip():
            raise self.error(f"{where}.cmd", "expected a non-empty command string")
        cmd = " ".join(self.substitute(spec["cmd"], f"{where}.cmd").split())
        deps = [self.path_of(d, f"{where}.deps") for d in self.str_list(spec.get("deps"), f"{where}.deps")]
        try:
            code = self.source_tree.code_deps(cmd, self.path.parent) if self.source_tree else ()
        except ConfigError as e:
            raise self.error(f"{where}.cmd", str(e)) from None
        deps = [d for d in code if d not in deps] + deps
        raw_outs = self.str_list(spec.get("outs"), f"{where}.outs")
        outs = [self.path_of(o, f"{where}.outs") for o in raw_outs]
        metrics = [self.path_of(m, f"{where}.metrics") for m in self.str_list(spec.get("metrics"), f"{where}.metrics")]
        plots = [self.plot(p, f"{where}.plots[{i}]") for i, p in enumerate(spec.get("plots") or [])]
        threads = spec.get("threads", 1)
        if not isinstance(threads, int) or threads < 1:
            raise self.error(f"{where}.threads", "expected a positive integer")
        for key, paths in (("deps", deps), ("outs", outs), ("metrics", metrics)):
            if len(set(paths)) != len(paths):
                raise self.error(f"{where}.{key}", "lists a path twice")
        return Stage(
            name=name,
            cmd=cmd,
            help=self.substitute(str(spec.get("help", "")), f"{where}.help"),
            deps=tuple(deps),
            outs=tuple(outs),
            out_dirs=frozenset(out for out, text in zip(outs, raw_outs) if text.endswith("/")),
            params=tuple(self.str_list(spec.get("params"), f"{where}.params")),
            metrics=tuple(metrics),
            plots=tuple(plots),
            threads=threads,
        )

    def path_of(self, text: str, where: str) -> str:
        path = self.substitute(text, where).rstrip("/")
        if Path(path).is_absolute() or ".." in Path(path).parts:
            raise self.error(where, f"{path!r}: paths must be relative and inside the project")
        return path

    def plot(self, raw: Any, where: str) -> Plot:
        spec = self.mapping(raw, where, _PLOT_KEYS)
        y = spec.get("y") or []
        y = y if isinstance(y, list) else [y]
        if bool(y) != bool(spec.get("x")):
            raise self.error(where, "give both `x` and `y` (a table), or neither (an image)")
        text = {k: self.substitute(str(spec[k]), f"{where}.{k}") if spec.get(k) is not None else None for k in ("title", "x_label", "y_label", "name")}
        return Plot(path=self.path_of(spec["path"], f"{where}.path"), x=str(spec["x"]) if y else None, y=tuple(map(str, y)), **text)

    def check_graph(self, project: Project) -> None:
        producer: dict[str, str] = {}
        for stage in project.stages.values():
            for out in stage.all_outputs:
                if out in producer:
                    raise self.error(f"stages.{stage.name}.outs", f"{out!r} is also written by stage {producer[out]!r}")
                producer[out] = stage.name
        for a in producer:
            for b in producer:
                if a != b and Path(b).is_relative_to(Path(a)) and producer[a] != producer[b]:
                    raise self.error(f"stages.{producer[b]}.outs", f"{b!r} lies inside {a!r}, an output of stage {producer[a]!r}")
        edges: dict[str, list[str]] = {}
        for stage in project.stages.values():
            edges[stage.name] = []
            for dep in stage.deps:
                if needed := _producer_of(dep, producer):
                    edges[stage.name].append(needed)
                elif any(Path(dep).is_relative_to(g) for g in GENERATED_DIRS):
                    raise self.error(
                        f"stages.{stage.name}.deps",
                        f"{dep!r} is in a generated folder but no stage writes it (outputs: {', '.join(sorted(producer)) or 'none'})",
                    )
        _check_acyclic(edges, self)

    def workflows(self, raw: Any, stages: dict[str, Stage]) -> dict[str, list[str]]:
        if not isinstance(raw, dict):
            raise self.error("workflows", "expected a mapping of workflow names to lists of stages")
        workflows = {}
        for name, members in raw.items():
            where = f"workflows.{name}"
            if name in stages:
                raise self.error(where, "a workflow cannot have the name of a stage")
            members = self.str_list(members, where)
            for member in members:
                if member not in stages:
                    raise self.error(where, f"unknown stage {member!r}")
            workflows[name] = members
        return workflows


def _producer_of(path: str, producer: dict[str, str]) -> str | None:
    """The stage that writes `path` itself or a folder holding it; None for repo files."""
    for candidate in [Path(path), *Path(path).parents]:
        if str(candidate) in producer:
            return producer[str(candidate)]
    return None


def _deps_on_folders(stages: dict[str, Stage]) -> dict[str, Stage]:
    """A dep inside a folder that a stage writes becomes that folder: Snakemake cannot
    depend on a file inside another rule's directory output, and the folder is what
    the producing stage's record covers in both tools."""
    folders = {out for stage in stages.values() for out in stage.out_dirs}

    def folder_of(dep: str) -> str:
        return next((f for f in folders if Path(dep).is_relative_to(f) and dep != f), dep)

    return {name: replace(stage, deps=tuple(dict.fromkeys(folder_of(d) for d in stage.deps))) for name, stage in stages.items()}


def _needs_first(stages: dict[str, Stage], producer: dict[str, str]) -> dict[str, Stage]:
    """The stages in their written order, except that each comes after the stages it needs
    (so the pretraining stages, written after the pipelines, come before train_ud)."""
    ordered: dict[str, Stage] = {}

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dep in stages[name].deps:
            needed = _producer_of(dep, producer)
            if needed and needed != name:
                visit(needed)
        ordered[name] = stages[name]

    for name in stages:
        visit(name)
    return ordered


def _check_acyclic(edges: dict[str, list[str]], validator: _Validator) -> None:
    """Depth-first search; a stage met again while still on the stack closes a cycle."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for needed in edges[name]:
            if state.get(needed) == 1:
                cycle = trail[trail.index(needed):] + [name, needed] if needed in trail else [name, needed]
                raise validator.error(f"stages.{name}.deps", f"dependency cycle: {' -> '.join(cycle)}")
            if needed not in state:
                visit(needed, trail + [name])
        state[name] = 2

    for name in edges:
        if name not in state:
            visit(name, [])
