# The two commands of the README, and what they need. Every target installs what is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench-rules bench-http

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

run: $(STAMP)  ## start the app on http://127.0.0.1:5000 with an embedded SQLite database
	COI_INSECURE_COOKIES=$${COI_INSECURE_COOKIES:-1} $(BIN)/flask run --host 127.0.0.1 --port $${PORT:-5000}

test: $(STAMP)  ## run every test (browser tests need Chromium; PostgreSQL when DATABASE_URL is set)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench-rules: $(STAMP)  ## the rules benchmark at national scale (SQLite; DATABASE_URL for PostgreSQL)
	$(BIN)/python bench/rules_bench.py $(if $(DATABASE_URL),--url $(DATABASE_URL)) $(BENCH_ARGS)
