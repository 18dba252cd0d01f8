# Developer and CI entry points. GNU make. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k outbox -x"
PYTEST_ARGS ?=
# The second run of `make test`: every test starts at this instant instead of now (tests/clock.py):
# years ahead, half past midnight in London the night after the clocks went forward.
TEST_CLOCK_AHEAD ?= 2031-03-30T23:30:00+00:00
# Local commands act on the development database (settings.py: SQLite unless DATABASE_URL).
DEV_ENV := DEBUG=true

.PHONY: help venv run test lint format migrate seed shell clean bench vendor-check backup restore

help: ## List the targets
	@echo "Usage: make TARGET"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed ## Create .venv and install requirements-dev.txt (re-runs when requirements change)

run: $(VENV)/.installed ## Run the app on http://127.0.0.1:8000 with demo data (+ worker and beat when Redis is up)
	bash scripts/run-dev.sh

test: $(VENV)/.installed ## Start PostgreSQL/Redis/Chromium if needed, lint (and the layers), check migrations, run pytest (today, then years ahead)
	bash scripts/ensure-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)
	@echo "== the same suite with the clock at $(TEST_CLOCK_AHEAD)"
	TEST_CLOCK_AT=$(TEST_CLOCK_AHEAD) DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff check, ruff format --check, djlint --lint, import-linter (the layers)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/lint-imports

# djlint --reformat exits 1 when it changed a file, which is the point here.
format: $(VENV)/.installed ## Rewrite code and templates in the house style
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint templates --reformat --quiet || true

migrate: $(VENV)/.installed ## Apply migrations to the development database
	$(DEV_ENV) $(PY) manage.py migrate

seed: $(VENV)/.installed ## Load the demo data (manage.py seed_demo)
	$(DEV_ENV) $(PY) manage.py seed_demo

backup: $(VENV)/.installed ## Back up the database (DATABASE_URL): pg_dump -Fc, or the SQLite file; FILE=path to choose where
	$(DEV_ENV) bash scripts/backup.sh $(FILE)

restore: $(VENV)/.installed ## Restore FILE=path (from make backup) into the database, replacing its contents
	$(DEV_ENV) bash scripts/restore.sh $(FILE)

shell: $(VENV)/.installed ## Django shell on the development database
	$(DEV_ENV) $(PY) manage.py shell

bench: $(VENV)/.installed ## Run every bench/*.py in order (needs PostgreSQL and Redis)
	bash scripts/ensure-services.sh
	@set -e; shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no bench/*.py to run"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(PY) "$$f"; done

vendor-check: ## List vendored static files (static/vendor/) behind their newest npm release
	python3 scripts/vendor-check.py

clean: ## Remove caches, collected static files, test output and .run/ (keeps db.sqlite3 and .venv)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles test-results bench/out .run
