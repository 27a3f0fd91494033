# Two entry points: `make demo` (set up, build and run the example app) and `make test`
# (set up, then every check: ruff, mypy --strict, generated-code freshness, pytest with coverage).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test setup lint typecheck check-generated pytest snapshots bench dist

# Two distributions from one tree: runner-gen-runtime (packages/runner-gen-runtime/) and
# runner-gen (the root; it depends on the former, which pip takes from the same command).
$(BIN)/.installed: pyproject.toml packages/runner-gen-runtime/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e packages/runner-gen-runtime -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/runner-gen build
	$(BIN)/python -m examples.quickstart

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

check-generated: setup
	$(BIN)/runner-gen build --check

pytest: setup
	$(BIN)/pytest --cov --cov-report=term

test: lint typecheck check-generated pytest

# Regenerate the syrupy snapshots of generated code after an intended change.
snapshots: setup
	$(BIN)/pytest tests/generator/test_snapshots.py --snapshot-update

bench: setup
	$(BIN)/python -m benchmarks

# Both distributions' sdists and wheels, in dist/.
dist: setup
	$(BIN)/python -m build --no-isolation --outdir dist packages/runner-gen-runtime
	$(BIN)/python -m build --no-isolation --outdir dist .
