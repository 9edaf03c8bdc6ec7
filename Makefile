# mailgate: `make run` serves the demo on http://127.0.0.1:8000/graphql, `make test` runs the tests.
# Every MAILGATE_* variable in the environment is honoured (see README.md).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv run test lint format migrate schema bench bench-peers stress clean

help:
	@echo "make run      migrate, load demo data, serve http://127.0.0.1:8000/graphql (user_test / TestPassword)"
	@echo "make test     run the test suite (SQLite, and PostgreSQL when it answers on 127.0.0.1:5432), with coverage"
	@echo "make lint     ruff check, ruff format --check, mypy (strict), the import contract (lint-imports)"
	@echo "make migrate  apply database migrations"
	@echo "make schema   print the served GraphQL SDL (FEDERATION=1 for the subgraph SDL)"
	@echo "make bench    measure on PostgreSQL at scale (BENCH_ARGS=--quick for ~3 min, --sqlite for the SQLite list page)"
	@echo "make bench-peers  the same queries against PostGraphile 4/5 and Apollo in ../shared/peers (needs root)"
	@echo "make stress   30 clients x 60 s of mixed writes against a real server, SQLite and PostgreSQL"

# The virtualenv, created with $(PYTHON) when missing; reinstalled when pyproject.toml changes.
venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $(STAMP)

run: venv
	$(BIN)/mailgate migrate
	MAILGATE_DEMO_DATA=$${MAILGATE_DEMO_DATA:-1} $(BIN)/mailgate serve

# PostgreSQL tests skip (with the reason in the summary) when PostgreSQL does not answer,
# unless CI or MAILGATE_REQUIRE_POSTGRES=1 is set: then they fail.
test: venv
	@$(BIN)/python -c "import os, socket, sys; os.environ.get('MAILGATE_TEST_DATABASE_URL') and sys.exit(0); socket.create_connection(('127.0.0.1', 5432), 2).close()" 2>/dev/null \
		|| echo "note: PostgreSQL does not answer on 127.0.0.1:5432; PostgreSQL tests will be skipped (set MAILGATE_TEST_DATABASE_URL, or run .ci/run)"
	$(BIN)/pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app schema resolvers db
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: venv
	$(BIN)/mailgate migrate

schema: venv
	@$(BIN)/mailgate export-schema $(if $(FEDERATION),--federation)

# Timings are printed, never asserted. See tests/bench/__main__.py for BENCH_ARGS.
bench: venv
	$(BIN)/python -m tests.bench $(BENCH_ARGS)
	$(BIN)/python -m tests.bench_contacts

# The peer rig (../shared/peers, copied to $$MAILGATE_PEERS_DIR, default /tmp/mailgate-peers) with mailgate
# from this checkout; see tests/bench/peers/run.sh.
bench-peers: venv
	tests/bench/peers/run.sh $(BENCH_ARGS)

# Loopback only; STRESS_CLIENTS, STRESS_SECONDS, STRESS_DATABASES=sqlite,postgresql to change it.
stress: venv
	$(BIN)/python -m tests.stress

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache .coverage build *.egg-info
