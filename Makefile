# Architecture Workbench: developer entry points. `make run` and `make test` are all you need.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# uv never downloads a Python of its own: it uses the interpreter of .venv.
export UV_PYTHON_DOWNLOADS := never
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# The integration run (`make test` when services answer, or CI=true).
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/workbench_test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

# The demo login is created by `manage.py seed_demo`: user demo, password demo-workbench unless
# WORKBENCH_DEMO_PASSWORD is set.

MYPY_PATHS = $(wildcard workbench apps exporters)

# pytest exits 5 when nothing was collected (e.g. a marker selects no test): not a failure.
define pytest_ok
rc=0; $(1) || rc=$$?; if [ $$rc -ne 0 ] && [ $$rc -ne 5 ]; then exit $$rc; fi
endef

# True when something listens on 127.0.0.1:$(1).
define port_open
timeout 2 bash -c '</dev/tcp/127.0.0.1/$(1)' 2>/dev/null
endef

.PHONY: help venv lock lock-check upgrade run test lint fmt bench clean distclean

help:
	@echo "make run    - set up .venv, migrate, seed demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - pytest on SQLite; again on PostgreSQL+Redis when they answer (or CI=true)"
	@echo "make lint   - ruff, ruff format --check, mypy, import contracts, manage.py check, makemigrations --check"
	@echo "make fmt    - ruff format + ruff check --fix"
	@echo "make bench  - run bench/bench_*.py and print one table"
	@echo "make lock   - re-lock uv.lock after editing pyproject.toml (keeps pins that still fit)"
	@echo "make upgrade - newest versions pyproject.toml allows into uv.lock, then make test"
	@echo "make clean  - remove caches and collected static files (distclean: also .venv, var/)"

venv: $(STAMP)

# Everything installed comes from uv.lock: every package of the tree pinned, with hashes.
# uv itself is bootstrapped with pip from the lock's own pin and hashes, then `uv sync --frozen`
# installs exactly the lock (and removes what is not in it). Reinstall only when pyproject.toml
# or uv.lock changed since the last install.
$(STAMP): pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import tomllib; p = next(p for p in tomllib.load(open("uv.lock", "rb"))["package"] if p["name"] == "uv"); print("uv==" + p["version"], *("--hash=" + f["hash"] for f in p.get("wheels", []) + [p["sdist"]]))' > $(VENV)/uv-requirements.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-requirements.txt
	$(UV) sync --frozen --extra dev --python $(PY)
	@touch $@

# Fails when uv.lock does not match pyproject.toml (run `make lock` or `make upgrade`).
lock-check: venv
	$(UV) lock --check

# Re-lock after editing pyproject.toml, keeping every pin that still fits.
lock: venv
	$(UV) lock
	$(UV) sync --frozen --extra dev --python $(PY)
	@touch $(STAMP)

# The newest versions the ranges in pyproject.toml allow, installed and tested.
upgrade: venv
	$(UV) lock --upgrade
	$(UV) sync --frozen --extra dev --python $(PY)
	@touch $(STAMP)
	$(MAKE) test

run: venv
	$(MANAGE) migrate --noinput
	@if $(MANAGE) help seed_demo >/dev/null 2>&1; then $(MANAGE) seed_demo; fi
	@echo
	@echo "  Architecture Workbench: http://$(HOST):$(PORT)/"
	@echo "  Demo login: demo / $${WORKBENCH_DEMO_PASSWORD:-demo-workbench}   API docs: http://$(HOST):$(PORT)/api/v1/docs"
	@echo
	$(MANAGE) runserver $(HOST):$(PORT)

test: venv
	@echo "== tests: SQLite, embedded Celery, in-memory channel layer =="
	@env -u DATABASE_URL -u REDIS_URL bash -c '$(call pytest_ok,$(PY) -m pytest -m "not integration" $(PYTEST_ARGS))'
	@if [ "$${CI:-}" = "true" ] || { $(call port_open,5432) && $(call port_open,6379); }; then \
		echo "== tests: PostgreSQL + Redis, including integration =="; \
		export DATABASE_URL='$(PG_TEST_URL)' REDIS_URL='$(REDIS_TEST_URL)'; \
		$(call pytest_ok,$(PY) -m pytest $(PYTEST_ARGS)); \
	else \
		echo "PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) not reachable: integration run skipped"; \
	fi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(MYPY_PATHS)
	$(VENV)/bin/lint-imports --no-cache
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache var/static bench/out
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
