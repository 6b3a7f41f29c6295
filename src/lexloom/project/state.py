"""One state for two engines: whichever of Snakemake and DVC ran last, the other agrees.

Snakemake and DVC each keep their own record of what they built: Snakemake
compares modification times and keeps per-output metadata (the command, the
params, the set of inputs) in `.snakemake/`; DVC compares content hashes with
`dvc.lock`. Left alone, each sees the other's outputs as out of date. The
Snakefile closes the gap both ways, through each tool's own door:

- **Snakemake -> DVC.** When a Snakemake run ends (`onsuccess`, and `onerror`
  for the jobs that did finish), `record_in_dvc` runs `dvc commit --force` on
  the stages Snakemake just ran: DVC hashes their dependencies, params and
  outputs into `dvc.lock` and caches the outputs, as if `dvc repro` had run them.
  That is honest because Snakemake has just built exactly those outputs from
  exactly those inputs, with the commands in dvc.yaml, which is why it is only
  done when dvc.yaml is the graph Snakemake ran (no stale dvc.yaml, no
  `--config` override that changes a command).
- **DVC -> Snakemake.** When `dvc.lock` changed since Snakemake last looked
  (`dvc repro`, `dvc exp run`, `dvc exp apply`, `dvc checkout`, a `git
  checkout`...), `adopt_dvc_state` asks `dvc status` which stages have the
  outputs and the files that dvc.lock records, and runs `snakemake --touch` on
  them with the commands and params *from dvc.lock*: their outputs' times are put
  in order and Snakemake's metadata says how DVC built them. A stage whose
  params.yaml sections changed since (say `git checkout params.yaml` after an
  experiment) is then rerun by Snakemake, which names the params that changed;
  a stage whose files changed is left alone, and Snakemake reruns it because
  the files are newer than its outputs. Snakemake keeps a directory output's
  time in `<dir>/.snakemake_timestamp`, which `.dvcignore` hides from DVC.

Set `LEXLOOM_DVC_SYNC=0` to switch both off.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from ..files import atomic_write_text
from .dvc import dvc_yaml_is_current
from .schema import Project

#: Environment variable: "0" turns the synchronisation off (the nested touch run sets it).
SYNC_ENV = "LEXLOOM_DVC_SYNC"
#: Set for the nested `snakemake --touch`: rules take their command and params from dvc.lock.
FROM_LOCK_ENV = "LEXLOOM_SNAKEMAKE_FROM_DVC_LOCK"
#: Where Snakemake's side remembers the dvc.lock it last agreed with.
STAMP = Path(".snakemake") / "lexloom-dvc.lock.sha256"
_RULE_LINE = re.compile(r"^\s*(?:local)?rule (\w+):", re.M)


def sync_enabled(project: Project) -> bool:
    return os.environ.get(SYNC_ENV, "1") != "0" and (project.root / ".dvc").is_dir()


def graph_mismatch(project: Project) -> str | None:
    """Why DVC's graph is not the one Snakemake runs (None when it is)."""
    if not (project.root / "dvc.yaml").is_file():
        return "there is no dvc.yaml (run `lexloom project dvc`)"
    if not dvc_yaml_is_current(project):
        return "dvc.yaml differs from project.yml with these vars (run `lexloom project dvc`, or drop the --config overrides)"
    return None


def record_in_dvc(project: Project, stages: Iterable[str], log=print) -> bool:
    """`dvc commit --force` the stages Snakemake ran, so `dvc status` agrees; True if done."""
    stages = [s for s in dict.fromkeys(stages) if s in project.stages]
    if not stages or not sync_enabled(project):
        return False
    if (why := graph_mismatch(project)) is not None:
        log(f"lexloom: not recording {', '.join(stages)} in dvc.lock: {why}")
        return False
    result = _dvc(project, ["commit", "--force", "--quiet", *stages])
    if result.returncode != 0:
        log(f"lexloom: `dvc commit` failed, so DVC does not know what Snakemake built:\n{result.stderr.strip()}")
        return False
    log(f"lexloom: recorded in dvc.lock (dvc commit): {', '.join(stages)}")
    _write_stamp(project)
    return True


def adopt_dvc_state(project: Project, snakefile: Path, overrides: dict | None = None, log=print) -> list[str]:
    """Make Snakemake's records describe the outputs DVC built since Snakemake last ran; the stages adopted."""
    lock = project.root / "dvc.lock"
    if not sync_enabled(project) or not lock.is_file() or _read_stamp(project) == _digest(lock):
        return []
    if graph_mismatch(project) is not None:
        return []
    result = _dvc(project, ["status", "--json", "--quiet"])
    try:
        changed = json.loads(result.stdout or "{}") if result.returncode == 0 else None
    except json.JSONDecodeError:
        changed = None
    if not isinstance(changed, dict):
        log(f"lexloom: `dvc status` failed; Snakemake keeps its own view:\n{result.stderr.strip()}")
        return []
    recorded = lock_records(project)
    adoptable = [name for name in project.stages if name in recorded and _outputs_and_files_as_recorded(changed.get(name, []))]
    if adoptable:
        touch = _touch(project, snakefile, adoptable, overrides or {})
        if touch.returncode != 0:
            log(f"lexloom: could not adopt DVC's outputs (snakemake --touch failed):\n{touch.stderr.strip()[-2000:]}")
            return []
        touched = sorted(set(_RULE_LINE.findall(touch.stdout + touch.stderr)) & set(adoptable))
        if touched:
            log(f"lexloom: dvc.lock changed since Snakemake last ran; Snakemake now records what DVC built: {', '.join(touched)}")
    _write_stamp(project)
    return adoptable


def lock_records(project: Project) -> dict[str, tuple[str, str]]:
    """Each stage in dvc.lock -> (its command, its params as the Snakefile serialises them)."""
    lock = project.root / "dvc.lock"
    if not lock.is_file():
        return {}
    stages = (yaml.safe_load(lock.read_text(encoding="utf8")) or {}).get("stages") or {}
    records = {}
    for name, entry in stages.items():
        params = (entry.get("params") or {}).get("params.yaml") or {}
        records[name] = (entry.get("cmd", ""), stage_params_json(params))
    return records


def stage_params_json(sections: dict) -> str:
    """A stage's params.yaml sections as the Snakefile gives them to Snakemake (which reruns when they change)."""
    return json.dumps(sections, sort_keys=True)


def _outputs_and_files_as_recorded(changes: list) -> bool:
    """True when `dvc status` reports no changed output and no changed file for a stage
    (changed params and a changed command are fine: Snakemake will see them itself)."""
    for change in changes:
        if not isinstance(change, dict):
            return False
        for kind, detail in change.items():
            if kind == "changed outs":
                return False
            if kind == "changed deps" and any(not isinstance(v, dict) for v in (detail or {}).values()):
                return False
    return True


def _touch(project: Project, snakefile: Path, stages: Sequence[str], overrides: dict) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--directory", str(project.root),
            "--touch", "--no-hooks", "--cores", "1", "--allowed-rules", *stages]
    if overrides:
        args += ["--config", *(f"{k}={v}" for k, v in overrides.items())]
    args += ["--", *stages]
    env = {**os.environ, SYNC_ENV: "0", FROM_LOCK_ENV: "1"}
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=project.root)


def _dvc(project: Project, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dvc", *args], capture_output=True, text=True, cwd=project.root)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_stamp(project: Project) -> str | None:
    stamp = project.root / STAMP
    return stamp.read_text().strip() if stamp.is_file() else None


def _write_stamp(project: Project) -> None:
    lock = project.root / "dvc.lock"
    if lock.is_file():
        atomic_write_text(project.root / STAMP, _digest(lock) + "\n")


def rule_view(project: Project, params: dict) -> dict[str, tuple[str, str]]:
    """Each stage -> (command, params JSON) for its Snakemake rule: from project.yml and
    params.yaml, or, in the nested touch run, from dvc.lock for the stages it records."""
    view = {name: (stage.cmd, stage_params_json({key: params.get(key) for key in stage.params})) for name, stage in project.stages.items()}
    if os.environ.get(FROM_LOCK_ENV) == "1":
        view.update((name, record) for name, record in lock_records(project).items() if name in view)
    return view


__all__ = ["FROM_LOCK_ENV", "SYNC_ENV", "adopt_dvc_state", "graph_mismatch", "lock_records", "record_in_dvc", "rule_view", "sync_enabled"]
