# CX Hub: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format migrate seed worker beat check clean translations

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("CX Hub needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The compiled translations (locale/*/LC_MESSAGES/*.mo) are built from the .po files, never committed;
# Babel compiles them, so no gettext tools are needed. Every target that runs the app depends on this.
translations: $(VENV)/.installed
	$(PY) manage.py compile_translations

migrate: translations
	$(PY) manage.py migrate --noinput

# Demo data is loaded once; `make seed` again is a no-op (manage.py seed_demo --reset starts over).
seed: migrate
	$(PY) manage.py seed_demo --if-empty

run: seed
	@echo "CX Hub on http://$(HOST):$(PORT)/ (stop with Ctrl-C)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: translations
	$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no tests were collected"; fi; exit $$status

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Service mode: set DATABASE_URL and REDIS_URL, then run these beside `make run` or gunicorn.
worker: translations
	$(VENV)/bin/celery -A cxhub worker --loglevel=INFO

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A cxhub beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

check: translations
	$(PY) manage.py check

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache

# Scale benchmarks (docs/performance.md): PostgreSQL only; the databases must exist and be migrated.
BENCH_FULL_URL ?= postgres://postgres@127.0.0.1:5432/cxhub_scale_full
BENCH_TENTH_URL ?= postgres://postgres@127.0.0.1:5432/cxhub_scale_tenth
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/0
BENCH_RUNS ?= 5

.PHONY: bench-data bench drills

bench-data: $(VENV)/.installed
	DATABASE_URL=$(BENCH_FULL_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_FULL_URL) $(PY) bench/generate.py --customers 100000 --tickets 1000000 --responses 1000000 --years 2
	DATABASE_URL=$(BENCH_TENTH_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_TENTH_URL) $(PY) bench/generate.py --customers 100000 --tickets 1000000 --responses 1000000 --years 2 --scale 0.1

bench: $(VENV)/.installed
	DATABASE_URL=$(BENCH_FULL_URL) $(PY) bench/rollup_full.py --runs $(BENCH_RUNS)
	DATABASE_URL=$(BENCH_FULL_URL) $(PY) bench/rollup_incremental.py --runs $(BENCH_RUNS) --compare-url $(BENCH_TENTH_URL)
	DATABASE_URL=$(BENCH_FULL_URL) $(PY) bench/pages.py --runs $(BENCH_RUNS) --requests 50 --deep-page 1000
	DATABASE_URL=$(BENCH_FULL_URL) $(PY) bench/customer_upsert.py --runs $(BENCH_RUNS) --records 10000
	DATABASE_URL=$(BENCH_FULL_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/ticket_create_load.py --runs $(BENCH_RUNS)

# The restart drills (redis_restart, postgres_restart) start PostgreSQL and Redis servers of their own from
# the installed binaries, on free ports; they never touch BENCH_*_URL.
drills: $(VENV)/.installed
	DATABASE_URL=$(BENCH_TENTH_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/drills/kill_worker.py
	$(PY) bench/drills/redis_restart.py
	$(PY) bench/drills/postgres_restart.py
	DATABASE_URL=$(BENCH_TENTH_URL) $(PY) bench/drills/idempotency.py
