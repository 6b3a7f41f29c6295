"""Turn a trained pipeline directory into an installable Python package (sdist and wheel).

`package_pipeline(model, out, name="ud", version="1.0.0")` writes
`out/<lang>_ud-1.0.0/`: a setuptools project whose package `<lang>_ud` bundles
the pipeline directory as package data and exposes `load(**overrides)`, so
`lexloom.load("en_ud")` and `import en_ud; en_ud.load()` both work once it is
installed. With `code=[functions.py]` the package also ships those files (the user's
own registered components) and imports them before it loads the pipeline, so that it
loads by name on a machine without them. The project is built in a temporary folder (including `dist/` with
the sdist and the wheel) and renamed into place only when everything worked.

Building calls setuptools' PEP 517 hooks (`setuptools.build_meta`) in a
subprocess, which is what `python -m build --no-isolation` does, without
needing the `build` package or network access.
"""
from __future__ import annotations

import json
import keyword
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from packaging.version import InvalidVersion, Version

from .about import __title__, __version__ as lexloom_version
from .errors import ConfigError, DataError, LexloomError, ModelLoadError
from .files import atomic_path, set_default_modes

SHIPPED_UMASK = 0o022
_ASCII_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

INIT_TEMPLATE = '''"""{package}: the lexloom pipeline "{name}" {version}, packaged with `lexloom package`."""
from pathlib import Path

__version__ = "{version}"

#: The bundled pipeline directory (config.cfg, meta.json, one folder per component).
MODEL_DIR = Path(__file__).parent / "{model_dir}"
{code_imports}

def load(**overrides):
    """Load the bundled pipeline; keyword arguments go to `lexloom.load` (e.g. gpu_id=0)."""
    import lexloom

    return lexloom.load(MODEL_DIR, **overrides)
'''

PYPROJECT_TEMPLATE = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{package}"
version = "{version}"
description = {description}
readme = "README.md"
requires-python = ">=3.11"
license = {{ text = {license} }}
dependencies = [{requirement}]

[tool.setuptools]
packages = ["{package}"]
include-package-data = true

[tool.setuptools.package-data]
"{package}" = ["{model_dir}/**/*"]
"""


@dataclass(frozen=True)
class BuiltPackage:
    """Where `package_pipeline` put things."""

    project_dir: Path
    sdist: Path
    wheel: Path


def package_pipeline(
    model_dir: str | Path, output_dir: str | Path, *, name: str, version: str, meta_overrides: dict[str, Any] | None = None,
    code: Sequence[str | Path] = (),
) -> BuiltPackage:
    """Build `output_dir/<lang>_<name>-<version>/` with the project and its `dist/` (sdist + wheel);
    the Python files `code` go into the package, imported when it is."""
    model_dir = Path(model_dir)
    code = [Path(c) for c in code]
    for path in code:
        if not path.is_file():
            raise DataError("no such file (--code takes a Python file)", path)
        if path.suffix != ".py" or not path.stem.isidentifier() or keyword.iskeyword(path.stem) or path.stem == "__init__":
            raise DataError("--code takes a Python file whose name is a module name, like functions.py", path)
    if len({p.name for p in code}) != len(code):
        raise DataError("two --code files share a name", code[0])
    if not _ASCII_IDENTIFIER.match(name) or keyword.iskeyword(name):
        raise ConfigError(f"package name {name!r} is not a valid Python identifier (use letters, digits and _, not starting with a digit)")
    try:
        version = str(Version(version))
    except InvalidVersion:
        raise ConfigError(f"package version {version!r} is not a valid version (PEP 440), e.g. 1.0.0") from None
    meta = _read_meta(model_dir)
    meta.update(meta_overrides or {})
    lang = meta.get("lang")
    if not isinstance(lang, str) or not _ASCII_IDENTIFIER.match(lang):
        raise DataError(f"'lang' must be a language code like \"en\", got {lang!r}", model_dir / "meta.json")
    package = f"{lang}_{name}"
    meta.update({"name": name, "version": version})
    bundled = f"{package}-{version}"
    project_dir = Path(output_dir) / bundled

    with atomic_path(project_dir) as tmp:
        package_root = tmp / package
        shutil.copytree(model_dir, package_root / bundled)
        meta_text = json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        (package_root / bundled / "meta.json").write_text(meta_text, encoding="utf8")
        (tmp / "meta.json").write_text(meta_text, encoding="utf8")
        for path in code:
            shutil.copyfile(path, package_root / path.name)
        imports = "".join(f"from . import {p.stem}  # noqa: E402,F401  (registers the pipeline's own components)\n" for p in code)
        (package_root / "__init__.py").write_text(
            INIT_TEMPLATE.format(package=package, name=name, version=version, model_dir=bundled, code_imports=imports and "\n" + imports), encoding="utf8"
        )
        (tmp / "pyproject.toml").write_text(_pyproject(package, version, bundled, meta), encoding="utf8")
        (tmp / "README.md").write_text(_readme(package, version, meta), encoding="utf8")
        (tmp / "LICENSE").write_text(_license(meta), encoding="utf8")
        _build(tmp)
    dist = project_dir / "dist"
    return BuiltPackage(project_dir, dist / f"{package}-{version}.tar.gz", next(dist.glob(f"{package}-{version}-*.whl")))


def _read_meta(model_dir: Path) -> dict[str, Any]:
    if not model_dir.is_dir():
        raise ModelLoadError(f"{model_dir}: no such pipeline directory")
    for required in ("config.cfg", "meta.json"):
        if not (model_dir / required).is_file():
            raise ModelLoadError(f"{model_dir}: not a pipeline directory (missing {required})")
    meta_path = model_dir / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf8"))
    except json.JSONDecodeError as e:
        raise DataError(f"invalid JSON: {e.msg}", meta_path, e.lineno) from None
    if not isinstance(meta, dict):
        raise DataError("expected a JSON object", meta_path)
    return meta


def _scores(meta: dict[str, Any]) -> dict[str, float]:
    """The flat numeric scores of meta.json (`performance`, or `scores`), per-type tables left out."""
    scores = meta.get("performance") or meta.get("scores") or {}
    return {k: v for k, v in scores.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _pyproject(package: str, version: str, bundled: str, meta: dict[str, Any]) -> str:
    major, minor = Version(lexloom_version).release[:2]
    return PYPROJECT_TEMPLATE.format(
        package=package,
        version=version,
        model_dir=bundled,
        description=json.dumps(meta.get("description") or f"lexloom pipeline {package}"),
        license=json.dumps(meta.get("license") or "unknown"),
        requirement=json.dumps(f"lexloom>={major}.{minor},<{major}.{minor + 1}"),
    )


def _readme(package: str, version: str, meta: dict[str, Any]) -> str:
    lines = [f"# {package} {version}", ""]
    if meta.get("description"):
        lines += [str(meta["description"]), ""]
    lines += [
        "| | |",
        "| --- | --- |",
        f"| language | `{meta.get('lang')}` |",
        f"| pipeline | {', '.join(f'`{c}`' for c in meta.get('pipeline', [])) or '-'} |",
        f"| lexloom | {meta.get('lexloom_version', lexloom_version)} |",
        f"| license | {meta.get('license') or 'unknown'} |",
        "",
        "```python",
        "import lexloom",
        f'nlp = lexloom.load("{package}")',
        "```",
        "",
    ]
    scores = _scores(meta)
    if scores:
        lines += ["## Scores", "", "| score | value |", "| --- | ---: |"]
        lines += [f"| `{key}` | {value:.4f} |" if isinstance(value, float) else f"| `{key}` | {value} |" for key, value in sorted(scores.items())]
        lines.append("")
    labels = meta.get("labels") or {}
    if any(labels.values()):
        lines += ["## Labels", ""]
        lines += [f"- `{component}`: {', '.join(map(str, names))}" for component, names in labels.items() if names]
        lines.append("")
    return "\n".join(lines)


def _license(meta: dict[str, Any]) -> str:
    license_name = meta.get("license") or "unknown"
    return (
        f"This pipeline package is distributed under: {license_name}.\n\n"
        "The data a pipeline was trained on carries its own licence; see the\n"
        "sources named in README.md and meta.json.\n"
    )


def _build(project_dir: Path) -> None:
    """Build sdist and wheel into `project_dir/dist` with setuptools' PEP 517 hooks."""
    hooks = "from setuptools import build_meta as b; b.build_sdist('dist'); b.build_wheel('dist')"
    # What is shipped is read by other users on other machines: its members are 0644 / 0755
    # whatever this user's umask is (the build copies the files it packs under the umask).
    set_default_modes(project_dir, umask=SHIPPED_UMASK)
    result = subprocess.run([sys.executable, "-c", hooks], cwd=project_dir, capture_output=True, text=True, umask=SHIPPED_UMASK)
    if result.returncode != 0:
        raise LexloomError(f"building the package in {project_dir} failed:\n{result.stderr.strip()[-2000:]}")
    shutil.rmtree(project_dir / "build", ignore_errors=True)
    for egg_info in project_dir.glob("*.egg-info"):
        shutil.rmtree(egg_info)


def is_package(name: str) -> bool:
    """Whether a Python distribution `name` is installed, as spaCy's `util.is_package`."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution(name)
    except (PackageNotFoundError, ValueError):
        return False
    return True


def installed_pipelines() -> dict[str, str]:
    """The pipeline packages installed (those `lexloom package` builds, which bundle
    `<package>/<package>-<version>/meta.json`): package name -> version."""
    from importlib.metadata import distributions

    found = {}
    for dist in distributions():
        for package, bundled, name in (file.parts for file in dist.files or () if len(file.parts) == 3):
            if name == "meta.json" and bundled == f"{package}-{dist.version}":
                found[package] = dist.version
    return dict(sorted(found.items()))


def pipeline_meta(name_or_path: str | Path) -> dict[str, Any]:
    """The meta.json of a pipeline directory or of an installed pipeline package."""
    path = Path(name_or_path)
    if not path.exists() and str(name_or_path).isidentifier():
        import importlib

        try:
            path = importlib.import_module(str(name_or_path)).MODEL_DIR
        except (ImportError, AttributeError):
            raise ModelLoadError(f"{name_or_path!r} is neither a pipeline directory nor an installed pipeline package") from None
    return _read_meta(path)


def info(model: str | None = None, *, markdown: bool = False, silent: bool = True) -> dict:
    """spaCy's `spacy.info()`: this install (lexloom's version and place, the platform, Python's
    and torch's versions, the pipeline packages installed), or with `model` (a pipeline
    directory or an installed pipeline package) its meta.json. `silent=False` prints it as
    `lexloom info` does (`markdown=True`: as Markdown, for an issue)."""
    import platform
    from importlib.metadata import version

    if model is not None:
        data, title = pipeline_meta(model), f"Info about pipeline '{model}'"
    else:
        title = f"Info about {__title__}"
        data = {
            f"{__title__} version": lexloom_version,
            "Location": str(Path(__file__).parent),
            "Platform": platform.platform(),
            "Python version": platform.python_version(),
            "PyTorch version": version("torch"),
            "Pipelines": installed_pipelines(),
        }
    if not silent:
        print(format_info(title, data, markdown=markdown))
    return data


def format_info(title: str, data: dict, *, markdown: bool = False) -> str:
    """`info`'s text: a line a key, as `spacy info` prints it (tables such as a pipeline's
    labels and scores left out); pipelines as `name (version)`."""
    rows = []
    for key, value in data.items():
        if isinstance(value, dict) and key != "Pipelines":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{name} ({v})" for name, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        rows.append((str(key), str(value)))
    if markdown:
        return "\n".join([f"## {title}", "", *(f"* **{key}:** {value}".rstrip() for key, value in rows)])
    width = max((len(key) for key, _ in rows), default=0) + 3
    return "\n".join([f" {title} ".center(78, "="), "", *(f"{key:<{width}}{value}".rstrip() for key, value in rows)])
