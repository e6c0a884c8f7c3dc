# The two commands a newcomer needs: `make up` (run the system) and `make test` (run every test).
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: up down test unit integration e2e lint infra venv deps check bench clean
.DEFAULT_GOAL := help

help:
	@echo "make up      run the system locally (venv, databases, queues, demo data, four services)"
	@echo "make down    stop the services"
	@echo "make test    run every test"
	@echo "make lint    ruff (lint and format), mypy, and the import layers (import-linter)"
	@echo "make check   check the invariants against the running system"
	@echo "make bench   run the benchmark (ORDERS, RATE, CONCURRENCY, SCENARIO)"
	@echo "make bench-suite  the runs the goals are judged by, with the verdicts (RUNS)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

infra:
	@bash scripts/infra.sh

deps:
	@bash scripts/deps.sh

up: venv infra
	@bash scripts/up.sh

down:
	@bash scripts/down.sh

# scripts/infra.sh starts no local servers when the tests will use containers (tests/support/provision.py)
test integration e2e test-fault: export INFRA_FOR := tests
test: venv infra deps
	$(VENV)/bin/pytest

unit: venv
	$(VENV)/bin/pytest tests/unit

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

-include mk/*.mk

check: venv
	$(VENV)/bin/python -m checker
