# civicdesk: the two commands are `make run` and `make test`.
#   make run    set up, load the demo, run web server + task worker + outbox sweeper (Ctrl-C stops)
#   make test   set up, lint, type-check, test on SQLite, then on PostgreSQL (what CI runs)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Parallel test workers (pytest-xdist); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
# make bench BENCH_ARGS=--quick: 100,000 cases instead of 1,000,000 (bench/run.py --help).
BENCH_ARGS ?=
# Runs pytest and fails on exit code 5 (no tests collected), which pytest counts as "not failed".
PYTEST := scripts/pytest.sh -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

.PHONY: help bootstrap run serve-prod test lint ruff mypy layers audit test-sqlite test-postgres bench

help:
	@echo "make run      set up, migrate, load the demo, then run the web server on http://127.0.0.1:$(PORT)/,"
	@echo "              the task worker and the outbox sweeper together (Procfile, honcho; Ctrl-C stops all three)"
	@echo "make serve-prod  production shape: gunicorn workers + task worker + sweeper (Procfile.prod), DEBUG=0,"
	@echo "              PostgreSQL from DATABASE_URL, SECRET_KEY required (docs/operations.md)"
	@echo "make test     set up, lint, type-check, run the tests on SQLite and again on PostgreSQL (what CI runs)"
	@echo "make lint     ruff check, ruff format --check, mypy, the apps' layers (import-linter)"
	@echo "make test-sqlite / make test-postgres   one database only"
	@echo "make bench    the benchmarks (bench/run.py; BENCH_ARGS=--quick for 100k cases)"

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@PORT=$(PORT) $(PY) scripts/run_dev.py

serve-prod: bootstrap
	@PORT=$(PORT) $(PY) scripts/serve_prod.py

lint: bootstrap ruff mypy layers

ruff:
	@echo "== ruff check"
	@$(VENV)/bin/ruff check .
	@echo "== ruff format --check"
	@$(VENV)/bin/ruff format --check .

mypy:
	@echo "== mypy"
	@$(VENV)/bin/mypy civicdesk config

# The apps' layers (.importlinter, docs/architecture.md): an import upwards fails the build.
layers:
	@echo "== import-linter (layers)"
	@$(VENV)/bin/lint-imports --no-cache

# Known vulnerabilities in the pinned requirements (PyPI's advisory data). A finding fails the
# build; PyPI out of reach is a warning, not a hang (scripts/audit.py).
audit:
	@echo "== pip-audit"
	@$(PY) scripts/audit.py

test-sqlite: bootstrap
	@echo "== pytest on SQLite"
	@$(PYTEST)

test-postgres: bootstrap
	@echo "== pytest on PostgreSQL (a throwaway cluster: see docs/testing.md)"
	@$(PYTEST) --postgres

test: bootstrap
	@$(MAKE) --no-print-directory ruff mypy layers audit
	@$(MAKE) --no-print-directory test-sqlite test-postgres
	@echo "== make test: all passed"

bench: bootstrap
	@$(PY) bench/run.py $(BENCH_ARGS)
	@echo "== bench: the gazetteer of Kansas City's addresses (bench/geocoding.py)"
	@$(PY) bench/geocoding.py
	@echo "== bench: expected closing dates on Kansas City's cases (bench/expected.py)"
	@$(PY) bench/expected.py --results bench/results.json
	@echo "== bench: one node against two, one PostgreSQL and one object store (bench/nodes.py)"
	@$(PY) bench/nodes.py
	@echo "== bench: onboarding's memory, import and roll-up rebuild of 50,000 and 200,000 rows (bench/onboarding.py)"
	@$(PY) bench/onboarding.py --database sqlite --results bench/results.json
	@$(PY) bench/onboarding.py --database postgresql --results bench/results.json
