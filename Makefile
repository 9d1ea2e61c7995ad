# The front door: `make run` and `make test`. Everything installs from uv.lock into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(BIN)/python

.PHONY: run install test lint fmt worker beat cluster backup restore clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --quiet
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving the portal on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python scripts/run_tests.py $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A config worker -Q celery,webhooks,mail,bulk --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

# Production on loopback: PostgreSQL, Redis, 2 gunicorn nodes behind HAProxy, 2 workers, beat.
cluster: install
	$(BIN)/python scripts/cluster.py

# pg_dump -Fc of DATABASE_URL (CVs included) into backups/; `make restore FILE=backups/….dump`.
backup: install
	$(BIN)/python manage.py backup

restore: install
	@test -n "$(FILE)" || (echo "Usage: make restore FILE=backups/icma-….dump" && exit 2)
	$(BIN)/python manage.py restore "$(FILE)"

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .cluster
