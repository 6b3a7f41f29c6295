#!/usr/bin/env bash
# Re-evaluate trained pipelines in CI: fetch what DVC has cached, then rerun only
# what is out of date up to each evaluate stage (normally just evaluate itself).
#
#   scripts/ci_evaluate.sh                 # every pipeline
#   scripts/ci_evaluate.sh ud ner          # some of them
#
# Needs a DVC remote that holds the trained models (`dvc push` after training).
set -euo pipefail
cd "$(dirname "$0")/.."

pipelines=("$@")
if [ ${#pipelines[@]} -eq 0 ]; then
    pipelines=(ud ner textcat textcat_multilabel)
fi
stages=()
for pipeline in "${pipelines[@]}"; do
    stages+=("evaluate_${pipeline}")
done

# --with-deps: also the trained models the evaluate stages read. --allow-missing: a
# remote without some outputs is not an error here; repro rebuilds them.
dvc pull --allow-missing --with-deps "${stages[@]}"
dvc repro "${stages[@]}"
dvc metrics show
