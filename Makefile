# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: run test lint check-services fmt lock bench clean screenshots

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(PY): | $(UV)
	$(UV) venv --quiet --python $(PYTHON) $(VENV)

# Runtime dependencies (added to whatever is there, so a developer's test tools survive `make run`).
$(VENV)/.installed-base: requirements/base.txt | $(PY)
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements/base.txt
	touch $@

# The exact locked development environment.
$(VENV)/.installed-dev: requirements/dev.txt | $(PY)
	$(UV) pip sync --quiet --python $(PY) --require-hashes requirements/dev.txt
	touch $@ $(VENV)/.installed-base

## make run: install, migrate, load the catalogue and demo data, start web + worker + beat.
run: export DJANGO_DEBUG := $(or $(DJANGO_DEBUG),true)
run: $(VENV)/.installed-base
	@mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_catalogue --new-only
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@$(PY) manage.py banner
	@exec $(VENV)/bin/honcho -f Procfile.dev start

## make test: install everything, lint, check migrations, run the suite on PostgreSQL + Redis.
test: $(VENV)/.installed-dev check-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Start PostgreSQL and Redis if they are installed but stopped; fail clearly if unreachable.
check-services:
	@bash scripts/services.sh

## make lock: re-resolve requirements/*.txt from pyproject.toml (hash-pinned, no index URLs).
lock: | $(UV)
	$(UV) pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements/base.txt
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -q -o requirements/dev.txt

bench: $(VENV)/.installed-dev check-services
	$(PY) bench/catalogue.py

clean:
	rm -rf $(VENV) $(TOOLS) var staticfiles
