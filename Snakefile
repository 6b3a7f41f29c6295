# Snakemake rules built from project.yml: one rule per stage, one target rule per workflow.
#
#   snakemake -n                          # the plan for `all`
#   snakemake --list-rules                # every stage with its help
#   snakemake train --cores 4             # everything up to trained pipelines, branches in parallel
#   snakemake ud --cores 2 --config dataset=full gpu_id=0
#   snakemake all --profile profiles/slurm
#
# `--config NAME=VALUE` overrides `vars:` in project.yml. dvc.yaml is generated
# from the same project (`lexloom project dvc`), so both tools run one graph, and
# they share one state (src/lexloom/project/state.py): what Snakemake runs is
# recorded in dvc.lock when it finishes, and what DVC built since Snakemake last
# ran is adopted here, before planning, for the stages `dvc status` calls up to date.
import sys
from pathlib import Path

import yaml

from lexloom.project import load_project
from lexloom.project.state import adopt_dvc_state, record_in_dvc, rule_view

ROOT = Path(workflow.basedir)
PROJECT = load_project(ROOT / "project.yml", overrides=dict(config))
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf8")) or {}


PRODUCED = PROJECT.producer()


def stage_inputs(stage):
    # A folder of the repository (code, say) counts by its files: Snakemake compares
    # modification times, and a folder's own does not change when a file in it does.
    inputs = []
    for dep in stage.deps:
        folder = ROOT / dep
        if dep not in PRODUCED and folder.is_dir():
            inputs += sorted(str(p.relative_to(ROOT)) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        else:
            inputs.append(dep)
    return inputs


def stage_outputs(stage):
    return [directory(path) if path in stage.out_dirs else path for path in stage.all_outputs]


# A rule's `shell:` is evaluated when the job runs, after this loop has moved on,
# so the command travels in `params` (evaluated now) and the shell only expands it.
# Torch and its BLAS read the thread variables at start-up: a job uses the threads
# it was given.
STAGE_SHELL = "export OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads}; {params.cmd}"


# Each stage's command and the params.yaml sections it reads: Snakemake reruns a
# stage when either changes (they are its rule's params).
RULES = rule_view(PROJECT, PARAMS)


# Target rules first: the first rule is Snakemake's default target (`all`).
for workflow_name in sorted(PROJECT.workflows, key=lambda name: name != "all"):
    rule:
        name: workflow_name
        input: [out for name in PROJECT.workflows[workflow_name] for out in PROJECT.stages[name].all_outputs]
        localrule: True
        default_target: workflow_name == "all"
    workflow.get_rule(workflow_name).docstring = f"workflow: {', '.join(PROJECT.workflows[workflow_name])} and what they need"


for stage in PROJECT.stages.values():
    rule:
        name: stage.name
        input: stage_inputs(stage)
        output: stage_outputs(stage)
        params: cmd=RULES[stage.name][0], hyperparameters=RULES[stage.name][1]
        threads: stage.threads
        shell: STAGE_SHELL
    workflow.get_rule(stage.name).docstring = stage.help


# DVC ran since Snakemake last did? Record what it built, before planning (in the main
# process only: a cluster job reads this file again).
if workflow.is_main_process:
    adopt_dvc_state(PROJECT, Path(workflow.main_snakefile), overrides=dict(config), log=lambda message: print(message, file=sys.stderr))


def ran_stages():
    return [job.rule.name for job in workflow.dag.finished_jobs if job.rule.name in PROJECT.stages]


onsuccess:
    record_in_dvc(PROJECT, ran_stages(), log=lambda message: print(message, file=sys.stderr))


onerror:
    record_in_dvc(PROJECT, ran_stages(), log=lambda message: print(message, file=sys.stderr))
