# Netloom developer commands. Needs only Python 3.11 (or newer) and make.
#
#   make run    set up .venv if needed, then open Netloom with the default example
#   make test   set up .venv if needed, then ruff, import-linter and the whole test suite
#   make lint   ruff and import-linter only
#   make bench  run every benchmark in bench/
#   make dist   build the stand-alone bundle dist/netloom/ with PyInstaller (slow; not in CI)
#   make dist-check  smoke-check that bundle (packaging/smoke_check.sh)
#   make clean  remove .venv and caches

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Prefer python3.11; fall back to python3. Override with `make PYTHON=/path/to/python run`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

.PHONY: help run test lint bench clean venv dist dist-check

help:
	@echo "make run    open Netloom (sets up .venv on first use; downloads ~2.5 GB)"
	@echo "make test   ruff, import-linter and the test suite"
	@echo "make lint   ruff and import-linter only"
	@echo "make bench  run every bench/*.py"
	@echo "make dist   build the stand-alone bundle dist/netloom/ (PyInstaller; several minutes)"
	@echo "make dist-check  smoke-check the bundle: CLI, examples, Keras, a screenshot"
	@echo "make clean  remove .venv and caches"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Netloom needs Python 3.11 or newer: no python3.11 or python3 found on PATH." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Netloom needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)." >&2; \
		echo "Install Python 3.11 or run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV). On Debian or Ubuntu: sudo apt install python3.11-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --upgrade pip

# Reinstall only when pyproject.toml changes (or the venv is new).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/netloom --plugins plugins

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q
	KERAS_BACKEND=jax $(BIN)/pytest -q -p no:cacheprovider tests/training

bench: $(STAMP)
	@shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "No benchmarks in bench/."; exit 0; fi; \
	for file in "$${files[@]}"; do \
		echo "== $$file"; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python "$$file" || exit 1; \
	done

# PyInstaller is a build tool, not a dependency: installed into .venv on first `make dist`.
$(BIN)/pyinstaller: | $(STAMP)
	$(BIN)/python -m pip install 'pyinstaller>=6.10'

dist: $(STAMP) $(BIN)/pyinstaller
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/netloom.spec
	@echo "Built dist/netloom/ ($$(du -sh dist/netloom | cut -f1)); check it with: make dist-check"

# Does not rebuild: checks whatever dist/netloom/ holds (run `make dist` first).
dist-check:
	bash packaging/smoke_check.sh dist/netloom

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
