"""`lexloom project document`: the workflow section of README.md, written from project.yml.

Like spaCy's `spacy project document`: the generated Markdown sits between two
markers, so a README can have its own text around it and only the generated
part is replaced when the command runs again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from ..files import atomic_write_text
from .schema import FETCH_STAGE, Project

MARKER_START = "<!-- LEXLOOM PROJECT: AUTO-GENERATED DOCS START (do not remove) -->"
MARKER_END = "<!-- LEXLOOM PROJECT: AUTO-GENERATED DOCS END (do not remove) -->"


def render_document(project: Project) -> str:
    """The generated section, markers included."""
    parts = [MARKER_START, f"## The workflow: {project.title}" if project.title else "## The workflow"]
    if project.description:
        parts.append(project.description)
    parts.append(
        "Generated from `project.yml` by `lexloom project document`. Snakemake reads `project.yml` "
        "(`snakemake <stage or workflow> --cores N`); DVC runs the `dvc.yaml` generated from it "
        "(`dvc repro <stage>`). Either tool reruns a stage only when its command, its params, its data "
        "or the lexloom code it imports changed, and each sees what the other built "
        "(see `docs/workflow.md`)."
    )
    if project.pipelines:
        parts.append("### Pipelines")
        parts.append(_table(["pipeline", "what", "language", "data (train, dev)", "converter", "config", "headline metrics"], (
            [f"`{name}`", row.get("help", ""), f"`{row['lang']}`", f"`{row['train']}`, `{row['dev']}`" + (f" (train joined with `{row['join_train']}`)" if row.get("join_train") else ""), row["converter"],
             f"`{row['config']}`", ", ".join(f"`{m}`" for m in row["metrics"])]
            for name, row in project.pipelines.items()
        )))
    parts.append("### Stages")
    parts.append(_table(["stage", "what it does"], ([f"`{name}`", stage.help] for name, stage in project.stages.items())))
    if project.workflows:
        parts.append("### Workflows")
        parts.append("A workflow names its last stages; `snakemake <workflow>` runs them and everything they need.")
        parts.append(_table(["workflow", "last stages", "stages in all"], (
            [f"`{name}`", ", ".join(f"`{s}`" for s in stages), str(len(project.workflow_stages(name)))]
            for name, stages in project.workflows.items()
        )))
    if project.vars:
        parts.append("### Variables")
        parts.append("`vars:` in `project.yml`; override one for a Snakemake run with `--config name=value`.")
        parts.append(_table(["variable", "value"], ([f"`{name}`", f"`{value}`"] for name, value in project.vars.items())))
    if project.assets:
        parts.append("### Assets")
        parts.append(f"Fetched by the `{FETCH_STAGE}` stage (`lexloom project assets`), for the dataset in `vars.dataset`.")
        datasets = sorted(project.datasets())
        parts.append(_table(["file", "what", *datasets], (
            [f"`{asset.dest}`", asset.description, *(_source(asset.sources[d]) for d in datasets)]
            for asset in project.assets
        )))
    parts.append(MARKER_END)
    return "\n\n".join(parts) + "\n"


def write_document(project: Project, path: Path) -> tuple[Path, bool]:
    """Write the section into `path`: between the markers if they are there, else appended.
    Returns the path and whether an existing section was replaced."""
    section = render_document(project)
    existing = path.read_text(encoding="utf8") if path.exists() else ""
    start, end = existing.find(MARKER_START), existing.find(MARKER_END)
    if start >= 0 and end > start:
        text = existing[:start] + section.rstrip("\n") + existing[end + len(MARKER_END):]
        return atomic_write_text(path, text), True
    return atomic_write_text(path, (existing.rstrip("\n") + "\n\n" if existing else "") + section), False


def document_is_current(project: Project, path: Path) -> bool:
    """True when `path` holds exactly the section `render_document` writes."""
    if not path.exists():
        return False
    text = path.read_text(encoding="utf8")
    start, end = text.find(MARKER_START), text.find(MARKER_END)
    return start >= 0 and end > start and text[start:end + len(MARKER_END)] + "\n" == render_document(project)


def _source(source) -> str:
    if source.url:
        return f"[download]({source.url})" + (" (sha256)" if source.sha256 else "")
    return f"`{source.path}`"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


__all__ = ["MARKER_END", "MARKER_START", "document_is_current", "render_document", "write_document"]
