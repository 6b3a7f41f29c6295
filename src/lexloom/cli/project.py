"""`lexloom project dvc` and `lexloom project assets`: the workflow helpers around project.yml."""
from __future__ import annotations

from pathlib import Path

import typer

from ._app import project_app
from ._output import fail, good, info

PROJECT_OPTION = typer.Option(Path("project.yml"), "--project", "-p", help="The project file.", dir_okay=False)


@project_app.command("dvc")
def project_dvc(
    project_file: Path = PROJECT_OPTION,
    check: bool = typer.Option(False, "--check", help="Only check that dvc.yaml matches project.yml; exit 1 if it is stale."),
) -> None:
    """Generate dvc.yaml from project.yml, so DVC runs the same graph as Snakemake.

    Example: lexloom project dvc --check
    """
    from ..project import load_project
    from ..project.dvc import dvc_yaml_is_current, write_dvc_yaml

    project = load_project(project_file)
    dvc_file = project.root / "dvc.yaml"
    if check:
        if not dvc_yaml_is_current(project, dvc_file):
            fail(f"{dvc_file} is out of date with {project_file}: run `lexloom project dvc`")
        good(f"{dvc_file} is up to date")
        return
    write_dvc_yaml(project, dvc_file)
    good(f"wrote {dvc_file} ({len(project.stages)} stages)")


@project_app.command("assets")
def project_assets(
    project_file: Path = PROJECT_OPTION,
    dataset: str = typer.Option(None, "--dataset", "-d", help="Which source of each asset: sample (bundled) or full. Default: vars.dataset."),
    retries: int = typer.Option(4, "--retries", help="Extra attempts per download after a network error.", min=0),
    set_vars: list[str] = typer.Option([], "--set", help="Override a variable of project.yml, NAME=VALUE (repeatable), as Snakemake's --config does."),
) -> None:
    """Fetch the project's assets (copy bundled ones, download and verify the rest).

    Example: lexloom project assets --dataset full

    Example: lexloom project assets --dataset full --set treebank=UD_Spanish-GSD
    """
    from ..project import load_project
    from ..project.assets import fetch_assets

    overrides = {}
    for item in set_vars:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        overrides[name] = value
    project = load_project(project_file, overrides=overrides)
    for fetched in fetch_assets(project, dataset, retries=retries):
        good(f"{fetched.action}: {fetched.dest.relative_to(project.root)}")
        if fetched.action == "downloaded" and not fetched.verified:
            info(f"no sha256 in {project_file} for {fetched.dest.name}; add `sha256: {fetched.sha256}` to pin it")


@project_app.command("document")
def project_document(
    project_file: Path = PROJECT_OPTION,
    output: Path = typer.Option(None, "--output", "-o", help="Markdown file to write the section into (between its markers, or appended); default: print it."),
    check: bool = typer.Option(False, "--check", help="Only check that OUTPUT holds the current section; exit 1 if it is stale."),
) -> None:
    """Write the workflow section of a README from project.yml: pipelines, stages and their help, workflows, vars, assets.

    Like `spacy project document`: the section sits between two HTML comments, so
    the rest of the README is yours and only the section is replaced next time.

    Example: lexloom project document --output README.md
    """
    from ..project import load_project
    from ..project.document import document_is_current, render_document, write_document

    project = load_project(project_file)
    if output is None:
        if check:
            raise typer.BadParameter("--check needs --output", param_hint="--check")
        typer.echo(render_document(project), nl=False)
        return
    if check:
        if not document_is_current(project, output):
            fail(f"the workflow section of {output} is out of date with {project_file}: run `lexloom project document --output {output}`")
        good(f"the workflow section of {output} is up to date")
        return
    path, replaced = write_document(project, output)
    good(f"{'updated the workflow section of' if replaced else 'wrote the workflow section to'} {path}")
