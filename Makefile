# Two commands on a fresh clone: `make demo` and `make test`. Python 3.11 and git are all
# they need: each creates the virtual environment and installs the pinned requirements.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench messages clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/communs demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

messages: $(STAMP)
	cd src/communs && COMMUNS_HOME=$$(mktemp -d) ../../$(BIN)/communs makemessages -l fr --no-obsolete && COMMUNS_HOME=$$(mktemp -d) ../../$(BIN)/communs compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
