"""project.yml: the one description of the workflow graph that Snakemake and DVC both run.

`load_project()` reads and checks the file and returns a `Project`: variables
substituted, every stage's inputs and outputs known, and the graph proven to be
acyclic with one writer per output. The Snakefile builds its rules from this
object and `lexloom project dvc` writes dvc.yaml from it, so the two can only
disagree if one of them is stale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, DataError

#: Folders whose content only stages write. A dep there that no stage outputs
#: can never be built, so it is an error; a dep anywhere else is a repo file
#: (a config, a script, a bundled sample) and is taken as given.
GENERATED_DIRS = ("assets/downloads", "corpus", "training", "packages", "metrics")

#: The stage that fetches the assets; it is built from `assets:`, not written by hand.
FETCH_STAGE = "fetch"

_TOP_KEYS = {"title": False, "description": False, "vars": False, "assets": False, "stages": True, "workflows": False}
_STAGE_KEYS = {"help": False, "cmd": True, "deps": False, "outs": False, "params": False, "metrics": False, "plots": False, "threads": False}
_SOURCE_KEYS = {"url": False, "sha256": False, "path": False, "extract": False}
_PLOT_KEYS = {"path": True, "x": True, "y": True, "title": False}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
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
    """A table (CSV/JSON) a stage writes, drawn as `y` columns against `x`."""

    path: str
    x: str
    y: tuple[str, ...]
    title: str | None = None


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
        return self.outs + self.metrics + tuple(p.path for p in self.plots)


@dataclass
class Project:
    """A loaded, validated project.yml."""

    path: Path
    title: str
    vars: dict[str, Any]
    assets: list[Asset]
    stages: dict[str, Stage]
    workflows: dict[str, list[str]] = field(default_factory=dict)

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
        if not isinstance(raw.get("vars") or {}, dict):
            raise self.error("vars", "expected a mapping of names to values")
        self.vars = dict(raw.get("vars") or {})
        for name, value in overrides.items():
            if name not in self.vars:
                raise self.error("vars", f"cannot override unknown variable {name!r}")
            self.vars[name] = value
        assets = self.assets(raw.get("assets") or [])
        stages: dict[str, Stage] = {}
        if assets:
            if "dataset" not in self.vars:
                raise self.error("vars", "missing 'dataset' (it picks which source of each asset to fetch)")
            if self.vars["dataset"] not in assets[0].sources:
                raise self.error("vars.dataset", f"{self.vars['dataset']!r} is not a dataset the assets define ({', '.join(assets[0].sources)})")
            stages[FETCH_STAGE] = self.fetch_stage(assets)
        stage_defs = raw["stages"]
        if not isinstance(stage_defs, dict) or not stage_defs:
            raise self.error("stages", "expected a non-empty mapping of stage names to stages")
        for name, spec in stage_defs.items():
            if name in stages:
                raise self.error(f"stages.{name}", "this name is reserved for the stage built from `assets:`")
            stages[name] = self.stage(name, spec)
        project = Project(self.path, str(raw.get("title", "")), self.vars, assets, stages)
        self.check_graph(project)
        project.workflows = self.workflows(raw.get("workflows") or {}, stages)
        return project

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
        return Stage(
            name=FETCH_STAGE,
            help=f"Fetch the {dataset!r} assets (built from `assets:` in project.yml)",
            cmd=f"lexloom project assets --dataset {dataset}",
            deps=bundled,
            outs=tuple(a.dest for a in assets),
            out_dirs=frozenset(a.dest for a in assets if a.sources[dataset].extract),
        )

    def stage(self, name: str, raw: Any) -> Stage:
        where = f"stages.{name}"
        if not _NAME.match(str(name)):
            raise self.error(where, "stage names must be identifiers (letters, digits, _)")
        spec = self.mapping(raw, where, _STAGE_KEYS)
        if not isinstance(spec["cmd"], str) or not spec["cmd"].strip():
            raise self.error(f"{where}.cmd", "expected a non-empty command string")
        cmd = " ".join(self.substitute(spec["cmd"], f"{where}.cmd").split())
        deps = [self.path_of(d, f"{where}.deps") for d in self.str_list(spec.get("deps"), f"{where}.deps")]
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
            help=str(spec.get("help", "")),
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
        y = spec["y"] if isinstance(spec["y"], list) else [spec["y"]]
        return Plot(path=self.path_of(spec["path"], f"{where}.path"), x=str(spec["x"]), y=tuple(map(str, y)), title=spec.get("title"))

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
