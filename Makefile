# Two commands a seller or contributor needs: `make demo` and `make test`.
# Both create .venv on first use; nothing else is needed but Python 3.11+.
# `make binary` builds the one-file dist/podwatch; `make test-binary` checks it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BINARY_STAMP := $(VENV)/.installed-binary
DEMO   ?= demo-root

.PHONY: demo test lint binary test-binary clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "podwatch needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/python scripts/demo.py $(DEMO)

# The linter and the type checker first: a finding of either fails `make test` as a test would.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check podwatch tests benchmarks scripts
	$(BIN)/mypy

# PyInstaller (the `binary` extra) is only needed by these two targets, so `make test` stays lean.
$(BINARY_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,binary]'
	touch $@

binary: $(BINARY_STAMP)
	$(BIN)/python -m PyInstaller --noconfirm --clean podwatch.spec
	@ls -l dist/podwatch

# Builds dist/podwatch first when it is missing or older than the sources, then runs the sample orders through it.
test-binary: $(BINARY_STAMP)
	$(BIN)/python -m pytest -q -m slow tests/test_binary.py

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info
