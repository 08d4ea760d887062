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

# Unit tests run Celery jobs in-process (eager); the `worker` tests start a real worker on Redis themselves.
TEST_ENV := env DJANGO_SETTINGS_MODULE=portal.settings.test \
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) CELERY_TASK_ALWAYS_EAGER=1

.PHONY: help install install-test demo test bench-load lint typecheck unit browser services clean backup restore _lint _typecheck \
	_messages _unit _browser

help:
	@echo "make demo   install, migrate, load demo data and serve http://127.0.0.1:8000 (SQLite, Celery eager)"
	@echo "make test   install, ruff, mypy, pytest on PostgreSQL + Redis, then the browser tests"
	@echo "make lint | typecheck | unit | browser | services | backup | restore BACKUP=dir | clean"

# Install into ./.venv; quick when nothing changed (stamp keyed on pyproject.toml).
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

_messages:
	@scripts/compilemessages.sh

_unit:
	@scripts/services.sh --check
	$(TEST_ENV) $(BIN)/pytest -m "not browser" $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist load) $(PYTEST_ARGS)

_browser:
	@scripts/services.sh --check
	$(TEST_ENV) $(BIN)/pytest -m browser $(PYTEST_ARGS)

# The load benchmark: gunicorn with production settings on PostgreSQL + Redis over national data, locust headless.
bench-load: install-test
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev,bench]"
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache staticfiles artifacts
