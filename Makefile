# kefu — one entry point for developers and CI. `make run`, `make test`, `make lint`.
SHELL := /bin/bash
VENV  ?= .venv
BIN   := $(VENV)/bin

# A Python 3.12+ interpreter: $KEFU_PYTHON, then python3.13 / python3.12 on PATH, then pyenv's.
PYTHON := $(shell scripts/find-python)

.PHONY: run test test-sqlite test-postgres lint venv deps clean bench

$(BIN)/kefu: pyproject.toml
	@test -n "$(PYTHON)" || { scripts/find-python --explain; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(BIN)/kefu

venv: $(BIN)/kefu
	@test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund || { echo "npm ci failed: the console's front-end libraries (package.json) need Node.js and npm (apt-get install npm)" >&2; exit 1; }

run: venv
	$(BIN)/kefu migrate --no-input
	$(BIN)/kefu demo --if-empty
	$(BIN)/kefu serve --host 127.0.0.1 --port 8000

# The whole suite: SQLite, then the same suite against PostgreSQL (+ Redis, browser tests).
test: venv
	scripts/test-setup
	$(BIN)/python -m pytest -q -n 2 --dist loadfile
	KEFU_DATABASE_URL=$${KEFU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test} \
	  $(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) kefu.sqlite3* media
