"""dvc.yaml, generated from project.yml so DVC runs exactly the graph Snakemake runs.

The file is committed (DVC needs it in the repo) but never edited by hand:
`lexloom project dvc` rewrites it and `lexloom project dvc --check` fails when
the committed copy no longer matches project.yml.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..files import atomic_write_text
from .schema import Plot, Project, Stage

HEADER = "# Generated from project.yml by `lexloom project dvc`: edit project.yml, then rerun that command.\n"


def dvc_config(project: Project) -> dict[str, Any]:
    """The content of dvc.yaml as plain data, stages in project.yml order."""
    stages = {name: _dvc_stage(stage) for name, stage in project.stages.items()}
    plots = [_dvc_plot(plot) for stage in project.stages.values() for plot in stage.plots]
    config: dict[str, Any] = {"stages": stages}
    if plots:
        config["plots"] = plots
    return config


def _dvc_plot(plot: Plot) -> Any:
    """A top-level plot: an image is its path; a table names its columns (under a plot id
    when several plots draw one table), with a title and axis labels."""
    if plot.is_image:
        return plot.path
    props: dict[str, Any] = {"x": plot.x, "y": {plot.path: list(plot.y)} if plot.name else list(plot.y)}
    props.update((k, v) for k, v in (("title", plot.title), ("x_label", plot.x_label), ("y_label", plot.y_label)) if v)
    return {plot.name or plot.path: props}


def _dvc_stage(stage: Stage) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if stage.help:
        entry["desc"] = stage.help
    entry["cmd"] = stage.cmd
    if stage.deps:
        entry["deps"] = list(stage.deps)
    if stage.params:
        entry["params"] = list(stage.params)
    outs = list(dict.fromkeys(list(stage.outs) + [plot.path for plot in stage.plots]))
    if outs:
        entry["outs"] = outs
    if stage.metrics:
        entry["metrics"] = list(stage.metrics)
    return entry


def render_dvc_yaml(project: Project) -> str:
    """dvc.yaml's text: a header, then stable YAML (insertion order, no flow style)."""
    body = yaml.safe_dump(dvc_config(project), sort_keys=False, default_flow_style=False, width=10_000, allow_unicode=True)
    return HEADER + body


def write_dvc_yaml(project: Project, path: str | Path | None = None) -> Path:
    """Write dvc.yaml (default: beside project.yml) atomically; returns its path."""
    path = Path(path) if path is not None else project.root / "dvc.yaml"
    return atomic_write_text(path, render_dvc_yaml(project))


def dvc_yaml_is_current(project: Project, path: str | Path | None = None) -> bool:
    """True when the file at `path` is exactly what `write_dvc_yaml` would write."""
    path = Path(path) if path is not None else project.root / "dvc.yaml"
    return path.exists() and path.read_text(encoding="utf8") == render_dvc_yaml(project)
