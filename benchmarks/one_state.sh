#!/usr/bin/env bash
# One graph, two engines, one state: the sequence a user meets, on a fresh copy of the project.
#
#   bash benchmarks/one_state.sh [WORKDIR]      (default: a new temporary folder)
#
# 1. `make run` (snakemake all --cores 2)   2. dvc status
# 3. dvc exp run -S training.dropout=0.3     4. dvc exp apply, then snakemake -n
# 5. git checkout params.yaml, then snakemake train --cores 4
# Prints each command's wall time and the status outputs; the logs stay in WORKDIR.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d)}
export PATH="$ROOT/.venv/bin:$PATH" GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

mkdir -p "$WORK"
cd "$ROOT"
git ls-files | grep -v -e '^tests/' -e '^benchmarks/' | while read -r f; do mkdir -p "$WORK/$(dirname "$f")"; cp -p "$f" "$WORK/$f"; done
cd "$WORK"
git init -q && git add -A && git commit -qm "fresh clone"

timed() {  # timed LOG COMMAND...: run, keep the output in LOG, print the wall time
    local log=$1; shift
    local start=$SECONDS
    "$@" >"$log" 2>&1 || { echo "FAILED: $* (see $WORK/$log)"; tail -20 "$log"; exit 1; }
    echo "[$((SECONDS - start)) s] $*"
}

timed 1-make-run.log snakemake all --cores 2
grep '^lexloom' 1-make-run.log | cut -c1-160
timed 2-dvc-status.log dvc status
cat 2-dvc-status.log
git add -A && git commit -qm "make run"

timed 3-exp-run.log dvc exp run -S training.dropout=0.3
grep -E "Running stage|Ran experiment" 3-exp-run.log
grep -h -A12 '^\[training\]' training/*/model-last/config.cfg | grep '^dropout' | sort | uniq -c
EXP=$(grep -oP 'Ran experiment\(s\): \K\S+' 3-exp-run.log)
COLUMNS=120 dvc exp show --only-changed --no-pager | tee 3-exp-show.txt
python3 -c "import sys; print('exp show, widest line:', max(len(l.rstrip()) for l in open(sys.argv[1], encoding='utf8')), 'characters')" 3-exp-show.txt

timed 4-exp-apply.log dvc exp apply "$EXP"
timed 4-snakemake-n.log snakemake -n
grep -E '^lexloom|Nothing to be done|^(local)?rule' 4-snakemake-n.log | cut -c1-200
timed 4-dvc-status.log dvc status
cat 4-dvc-status.log

git checkout params.yaml
timed 5-snakemake-train.log snakemake train --cores 4
grep -E '^(local)?rule|^lexloom' 5-snakemake-train.log | cut -c1-200
grep -m1 -A1 'reason: Params' 5-snakemake-train.log | cut -c1-160
timed 5-dvc-status.log dvc status
grep -E '^[a-z_]+:$' 5-dvc-status.log | tr '\n' ' '; echo
echo "logs: $WORK"
