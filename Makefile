# trainplan — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= $(shell command -v chromium || echo /usr/bin/chromium)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/trainplan_test

.PHONY: help install dev-install migrate run worker test test-unit test-pg test-e2e chaos reliability bench lint browser clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.dev-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed ## create the virtualenv and install the app

dev-install: $(BIN)/.dev-installed ## install the app and what the tests need

migrate: install ## apply database migrations (DATABASE_URL, default SQLite under var/)
	@mkdir -p var
	$(BIN)/piccolo migrations forwards all > var/migrate.log 2>&1 || (cat var/migrate.log; exit 1)

run: migrate ## start the app at http://$(HOST):$(PORT) (SQLite and the offline coach by default)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m web

worker: migrate ## run a separate generation worker (set RUN_WORKER=false on the web processes)
	$(BIN)/python -m web.worker

browser: ## install Debian's chromium for the end-to-end tests when it is missing
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: dev-install browser ## install what the tests need and run every test (unit, integration, e2e)
	$(BIN)/pytest -q -m "not e2e" -p no:cacheprovider
	$(BIN)/pytest -q -m e2e tests/e2e -p no:cacheprovider
	$(BIN)/python -m tests.reliability.report --quick

test-unit: dev-install ## only the fast unit tests
	$(BIN)/pytest -q tests/unit

test-pg: dev-install ## the suite (without the browser) on PostgreSQL at PG_TEST_URL
	@$(BIN)/python -c "import asyncio, asyncpg; asyncio.run(asyncpg.connect('$(PG_TEST_URL)'.rsplit('/',1)[0] + '/postgres')).close()" 2>/dev/null \
	  || (echo "PostgreSQL is not answering at $(PG_TEST_URL)"; exit 1)
	psql "$(PG_TEST_URL:%/trainplan_test=%/postgres)" -q -c "DROP DATABASE IF EXISTS trainplan_test" -c "CREATE DATABASE trainplan_test"
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not e2e" -p no:cacheprovider

chaos: dev-install ## the chaos run: 2 web processes, 3 workers killed and restarted, Redis stopped (PostgreSQL)
	psql "$(PG_TEST_URL:%/trainplan_test=%/postgres)" -q -c "DROP DATABASE IF EXISTS trainplan_chaos" -c "CREATE DATABASE trainplan_chaos"
	DATABASE_URL=$(PG_TEST_URL:%/trainplan_test=%/trainplan_chaos) $(BIN)/pytest -q -s tests/reliability/test_chaos.py -p no:cacheprovider

test-e2e: dev-install browser ## only the browser tests (Chromium)
	$(BIN)/pytest -q -m e2e tests/e2e -p no:cacheprovider

reliability: dev-install ## the reliability report: attacks, faults and load, with the invariants checked
	$(BIN)/python -m tests.reliability.report

bench: dev-install ## benchmarks (ratios against a baseline measured in the same run)
	$(BIN)/python -m bench.run

lint: dev-install ## ruff
	$(BIN)/ruff check web tests bench
	$(BIN)/ruff format --check web tests bench

clean: ## remove the virtualenv and the local database
	rm -rf $(VENV) var
