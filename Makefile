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
# Playwright drives Debian's chromium (/usr/bin/chromium); it never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# Python writes its bytecode caches (a machine may set PYTHONDONTWRITEBYTECODE), and the install
# compiles the dependencies' once, in parallel: otherwise every process of the test run
# (pytest-xdist's workers, the Celery workers and gunicorns the fault tests start) compiles every
# module it imports again, ~13 s of CPU each.
unexport PYTHONDONTWRITEBYTECODE
NPM ?= npm
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint check-services chromium pdf-libs fmt lock bench bench-catalogue bench-ingest bench-triage bench-load clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(PY): | $(UV)
	$(UV) venv --quiet --python $(PYTHON) $(VENV)

# Runtime dependencies (added to whatever is there, so a developer's test tools survive `make run`).
$(VENV)/.installed-base: requirements/base.txt | $(PY)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --require-hashes -r requirements/base.txt
	touch $@

# The exact locked development environment.
$(VENV)/.installed-dev: requirements/dev.txt | $(PY)
	$(UV) pip sync --quiet --compile-bytecode --python $(PY) --require-hashes requirements/dev.txt
	touch $@ $(VENV)/.installed-base

# The portal's browser libraries (Chart.js), exactly as package-lock.json pins them, into
# node_modules/ (served by Django's staticfiles; nothing is vendored into git).
node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

# The offline portal's scripts (frontend/: the page's outbox and the service worker with
# Workbox), bundled by esbuild from node_modules into static/dist/ (built, never committed).
FRONTEND := $(wildcard frontend/*.js)
static/dist/.built: $(FRONTEND) node_modules/.installed
	$(NPM) run --silent build
	touch $@

# Debian's chromium for the browser tests, installed once (apt-get; sudo only when not root).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# What WeasyPrint (the PDF handouts) needs from Debian: Pango and a font (apt-get, once).
pdf-libs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	fi

## make run: install, migrate, load the catalogue and demo data, start web + worker + beat.
run: export DJANGO_DEBUG := $(or $(DJANGO_DEBUG),true)
run: $(VENV)/.installed-base node_modules/.installed static/dist/.built pdf-libs
	@mkdir -p var
	$(PY) manage.py push_key --dev
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_catalogue --new-only
	$(PY) manage.py load_instrument --shipped
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@$(PY) manage.py banner
	@exec $(VENV)/bin/honcho -f Procfile.dev start

## make test: install everything, lint, check the layering, the types and migrations, run the suite on PostgreSQL + Redis.
test: $(VENV)/.installed-dev node_modules/.installed static/dist/.built chromium pdf-libs check-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

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

## make bench: every benchmark in bench/ (each prints its figures; minutes, not part of make test)
bench: bench-catalogue bench-ingest bench-triage bench-load

bench-catalogue: $(VENV)/.installed-dev check-services
	$(PY) bench/catalogue.py

bench-ingest: $(VENV)/.installed-dev check-services
	$(PY) bench/ingest.py

bench-triage: $(VENV)/.installed-dev check-services
	$(PY) bench/triage.py

bench-load: $(VENV)/.installed-dev check-services
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) $(TOOLS) var staticfiles node_modules static/dist
