# Two entry points: `make run` (set up, then run the default workflow on the
# bundled sample) and `make test` (set up if needed, then the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2

.PHONY: run test test-stress setup clean lock docs

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake all --cores $(CORES)

PYTEST := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n $(CORES) --dist loadfile -q

test: $(STAMP)
	$(PYTEST)

# The suite as another machine would run it (see benchmarks/RESULTS.md, "The suite on any machine"):
# one thread; two threads, in a random order, with other seeds (a CPU whose kernels round
# differently trains like another seed); and with every core kept busy by other processes.
test-stress: $(STAMP)
	OMP_NUM_THREADS=1 $(PYTEST)
	OMP_NUM_THREADS=2 $(PYTEST) --random-order --seed-shift 1
	$(BIN)/python tests/under_load.py $(CORES) -- env OMP_NUM_THREADS=2 $(PYTEST) --seed-shift 2

# The CLI reference, generated from the typer app (tests/test_docs.py keeps it in sync).
docs: $(STAMP)
	$(BIN)/python -m typer lexloom.cli utils docs --name lexloom --output docs/cli.md

# Re-pin every dependency from pyproject.toml (run when changing dependencies).
lock:
	rm -rf /tmp/lexloom-lock && $(PYTHON) -m venv /tmp/lexloom-lock
	/tmp/lexloom-lock/bin/pip install -q torch==2.13.0 -e ".[workflow,test,bench,transformers]"
	/tmp/lexloom-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) .snakemake corpus/*.lexloom training/* packages/*
