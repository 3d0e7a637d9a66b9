# Two commands a seller or contributor needs: `make demo` and `make test`.
# Both create .venv on first use; nothing else is needed but Python 3.11+.
# `make binary` builds the one-file dist/podwatch; `make test-binary` checks it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BINARY_STAMP := $(VENV)/.installed-binary
DEMO   ?= demo-root

.PHONY: demo test lint binary test-binary mutate clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "podwatch needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# `make demo` installs podwatch as a seller gets it: a plain install, because pip's editable
# mode always makes setuptools print a notice ("Editable installation ... be careful with folders")
# that alarms a first-time user. Reinstalled when the sources change. A contributor's editable
# install from `make test` serves the demo as well and is left alone.
DEMO_STAMP := $(VENV)/.installed-demo
SOURCES := pyproject.toml $(shell find podwatch rules -type f -not -path '*/__pycache__/*' 2>/dev/null)

$(DEMO_STAMP): $(SOURCES) | $(BIN)/python
	@if [ -f $(STAMP) ]; then touch $@; else \
		$(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet . && touch $@; fi

demo: $(DEMO_STAMP)
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
	$(BIN)/python -m pytest -v -m slow tests/test_binary.py

# Mutation testing (mutmut, from the `mutate` extra) of the modules where a silent bug costs money; slow,
# so neither CI nor `make test` runs it. `make mutate GROUPS="names png"` runs some groups
# (scripts/mutate.py --list), `RESUME=1` goes on from a stopped run; the survivors and their reasons are in tests/README.md.
MUTATE_STAMP := $(VENV)/.installed-mutate
$(MUTATE_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutate]'
	touch $@

mutate: $(MUTATE_STAMP)
	$(BIN)/python scripts/mutate.py $(GROUPS) $(if $(RESUME),--resume)

clean:
	rm -rf $(VENV) $(DEMO) build dist *.egg-info mutants
