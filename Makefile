# Two commands for a newcomer: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# `make test` talks to real services. Override to use another database name, e.g.
#   make test TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist workers for the unit/integration run (each worker gets its own test database). `--dist load`
# hands tests out in pytest-django's order (db tests before transactional ones, which flush the reference
# data), so every worker keeps that order; `--dist loadfile` would not.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

TYPED_APPS := portal programme enterprises assessments reporting

# The lock: every runtime, dev and bench dependency pinned for Python 3.11 on Linux. Every install takes it
# (scripts/install.sh, the Dockerfile, bench-load); `make lock` regenerates it with uv from pyproject.toml.
LOCK := requirements/constraints.txt
UV_VERSION := 0.13.9
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
UV_STAMP := $(UV_VENV)/.uv-$(UV_VERSION)
# `make test-lowest`: the lowest versions pyproject.toml allows (uv's lowest-direct resolution) in their own venv.
LOWEST_VENV := .venv-lowest
LOWEST_PYTHON ?= 3.11
LOWEST_DATABASE_URL ?= $(TEST_DATABASE_URL)_lowest

# Unit tests run Celery jobs in-process (eager); the `worker` tests start a real worker on Redis themselves.
TEST_ENV := env DJANGO_SETTINGS_MODULE=portal.settings.test \
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) CELERY_TASK_ALWAYS_EAGER=1

.PHONY: help install install-test demo test test-lowest lock bench-load lint typecheck imports unit browser services \
	clean backup restore _lint _typecheck _imports _messages _unit _browser

help:
	@echo "make demo   install, migrate, load demo data and serve http://127.0.0.1:8000 (SQLite, Celery eager)"
	@echo "make test   install, ruff, mypy, lint-imports, pytest on PostgreSQL + Redis, then the browser tests"
	@echo "make test-lowest   ruff, mypy, lint-imports and tests/smoke on the lowest versions pyproject.toml allows"
	@echo "make lock [UPGRADE=1]   regenerate requirements/constraints.txt (UPGRADE=1: newest versions allowed)"
	@echo "make lint | typecheck | imports | unit | browser | services | backup | restore BACKUP=dir | clean"

# Install into ./.venv with the lock's versions; quick when nothing changed (stamp keyed on pyproject.toml and
# the lock).
install:
	@PYTHON=$(PYTHON) scripts/install.sh

install-test:
	@PYTHON=$(PYTHON) scripts/install.sh --test

demo: install
	@scripts/demo.sh

# Every stage runs even when an earlier one fails, so one run shows every problem; the target fails if any did.
test: install-test
	@failed=""; \
	echo "==> ruff check ."; $(MAKE) --no-print-directory _lint || failed="$$failed ruff"; \
	echo "==> mypy $(TYPED_APPS)"; $(MAKE) --no-print-directory _typecheck || failed="$$failed mypy"; \
	echo "==> lint-imports (the boundaries between the apps)"; \
		$(MAKE) --no-print-directory _imports || failed="$$failed lint-imports"; \
	$(MAKE) --no-print-directory _messages || failed="$$failed compilemessages"; \
	echo "==> pytest (unit + integration) on PostgreSQL and Redis"; \
		$(MAKE) --no-print-directory _unit || failed="$$failed pytest"; \
	echo "==> pytest -m browser (Playwright + Debian's Chromium)"; \
		$(MAKE) --no-print-directory _browser || failed="$$failed browser"; \
	if [ -n "$$failed" ]; then echo "==> make test FAILED in:$$failed"; exit 1; fi; \
	echo "==> make test passed"

lint: install
	@$(MAKE) --no-print-directory _lint

typecheck: install
	@$(MAKE) --no-print-directory _typecheck

imports: install
	@$(MAKE) --no-print-directory _imports

unit: install-test
	@$(MAKE) --no-print-directory _messages _unit

browser: install-test
	@$(MAKE) --no-print-directory _messages _browser

services:
	@scripts/services.sh

# Backups of a PostgreSQL deployment (DATABASE_URL from the environment) with the uploaded files:
#   make backup [BACKUP_DIR=backups]        -> backups/backup-<timestamp>/
#   make restore BACKUP=backups/backup-...  -> restores, then checks every table's row count
BACKUP_DIR ?= backups
backup: install
	$(BIN)/python manage.py backup --out $(BACKUP_DIR)

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/backup-<timestamp>"; exit 2; }
	$(BIN)/python manage.py restore $(BACKUP)

_lint:
	$(BIN)/ruff check .

_typecheck:
	$(BIN)/mypy $(TYPED_APPS)

# The import contracts of pyproject.toml ([tool.importlinter]): which app may import which.
_imports:
	$(BIN)/lint-imports

_messages:
	@scripts/compilemessages.sh

_unit:
	@scripts/services.sh --check
	$(TEST_ENV) $(BIN)/pytest -m "not browser and not smoke" $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist load) $(PYTEST_ARGS)

_browser:
	@scripts/services.sh --check
	$(TEST_ENV) $(BIN)/pytest -m browser $(PYTEST_ARGS)

# The load benchmark: gunicorn with production settings on PostgreSQL + Redis over national data, locust headless.
bench-load: install-test
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev,bench]" -c $(LOCK)
	$(BIN)/python benchmarks/load.py

$(UV_STAMP):
	rm -rf $(UV_VENV)
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	touch $@

define LOCK_HEADER
# Pinned versions of every runtime, dev and bench dependency (pyproject.toml), for Python 3.11 on Linux.
# scripts/install.sh (`make demo`, `make test`), `make bench-load` and the Dockerfile install with
# `pip install ... -c requirements/constraints.txt`, so every machine runs the versions the tests ran.
# Do not edit by hand. After changing pyproject.toml run `make lock` (uv pip compile; pins that still fit are
# kept); `make lock UPGRADE=1` moves every pin to the newest version pyproject.toml allows.
endef
export LOCK_HEADER

# Regenerate the lock from pyproject.toml. Not a dependency of `install`: the lock is committed.
lock: $(UV_STAMP)
	@mkdir -p $(dir $(LOCK))
	$(UV) pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 --python-platform linux \
		--no-header --quiet $(if $(filter-out 0,$(UPGRADE)),--upgrade) -o $(LOCK)
	@{ printf '%s\n' "$$LOCK_HEADER"; cat $(LOCK); } >$(LOCK).tmp && mv $(LOCK).tmp $(LOCK)
	@echo "==> wrote $(LOCK) ($$(grep -c '==' $(LOCK)) pins)"

# The lowest versions pyproject.toml allows, installed fresh into $(LOWEST_VENV): ruff, mypy, lint-imports, then
# the smoke suite (tests/smoke) on SQLite and on PostgreSQL, Celery eager with Redis as the broker. A floor that cannot
# run the code fails here. Every stage runs; the target fails if any did. Packages are copied, not hard-linked
# from uv's cache, as tools that walk the checkout (compilemessages) may write into the venv.
test-lowest: $(UV_STAMP)
	@scripts/services.sh --check
	@echo "==> $(LOWEST_VENV): the lowest versions pyproject.toml allows (Python $(LOWEST_PYTHON))"
	@rm -rf $(LOWEST_VENV)
	@UV_PYTHON_DOWNLOADS=never $(UV) venv -q --python $(LOWEST_PYTHON) $(LOWEST_VENV)
	@$(UV) pip install -q --link-mode copy --python $(LOWEST_VENV)/bin/python --resolution lowest-direct -e ".[dev]"
	@failed=""; \
	echo "==> ruff check . (lowest)"; $(LOWEST_VENV)/bin/ruff check . || failed="$$failed ruff"; \
	echo "==> mypy $(TYPED_APPS) (lowest)"; \
		$(LOWEST_VENV)/bin/mypy --cache-dir $(LOWEST_VENV)/mypy-cache $(TYPED_APPS) || failed="$$failed mypy"; \
	echo "==> lint-imports (lowest)"; $(LOWEST_VENV)/bin/lint-imports || failed="$$failed lint-imports"; \
	for url in sqlite:///$(CURDIR)/var/lowest.sqlite3 $(LOWEST_DATABASE_URL); do \
		echo "==> pytest tests/smoke (lowest) on $${url%%://*}"; \
		env DJANGO_SETTINGS_MODULE=portal.settings.test DATABASE_URL=$$url CELERY_BROKER_URL=$(TEST_BROKER_URL) \
			CELERY_TASK_ALWAYS_EAGER=1 SMOKE_LOWEST_VERSIONS=1 \
			$(LOWEST_VENV)/bin/pytest -p no:cacheprovider -m smoke tests/smoke $(PYTEST_ARGS) \
			|| failed="$$failed smoke-$${url%%://*}"; \
	done; \
	if [ -n "$$failed" ]; then echo "==> make test-lowest FAILED in:$$failed"; exit 1; fi; \
	echo "==> make test-lowest passed"

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache staticfiles artifacts $(LOWEST_VENV)
