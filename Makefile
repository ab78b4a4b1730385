# Two commands for everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's Chromium, driven by Playwright in the browser tests (never a downloaded browser).
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup serve bench lint clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

## Development server on http://127.0.0.1:8000 with the shipped content loaded.
run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py import_content
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

## The whole test suite (uses DATABASE_URL when set, SQLite otherwise), then the
## browser tests on Debian's Chromium when it is installed.
test: $(STAMP)
	$(BIN)/ruff check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -m "not browser"
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "Browser tests on $(CHROMIUM)"; \
		CHROMIUM_PATH="$(CHROMIUM)" $(BIN)/pytest -m browser; \
	else \
		echo "Chromium not found at $(CHROMIUM): skipping the browser tests (install Debian's chromium package to run them)."; \
	fi

## The production configuration locally: DEBUG off, collectstatic, gunicorn.
serve: $(STAMP)
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-local-serve-only-not-secret} DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	DJANGO_SITE_URL=$${DJANGO_SITE_URL:-http://127.0.0.1:8000} DJANGO_SECURE_SSL_REDIRECT=0 sh -c '$(BIN)/python manage.py collectstatic --no-input -v0 && \
	$(BIN)/python manage.py migrate --no-input && $(BIN)/python manage.py import_content && \
	$(BIN)/gunicorn insr_site.wsgi --config gunicorn.conf.py'

## Speed of the production configuration (gunicorn + wrk), then of the editor's grade panel
## and save for hostile bodies, then the page cache's key count under 2,000 hostile query
## strings (Redis at 127.0.0.1:6379 db 14, or BENCH_REDIS_URL), search relevance per reader and
## /healthz and a cached page under 500 slow clients; the first three append to bench/RESULTS.md.
## BENCH_ARGS="--topics 2000" measures with 2,000 generated topics as well.
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS); status=$$?; $(BIN)/python bench/editor_inputs.py && \
	$(BIN)/python bench/cache_keys.py && $(BIN)/python bench/search_relevance.py && \
	$(BIN)/python bench/slow_clients.py && exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
