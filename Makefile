# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install browser demo test lint format bench serve worker requirements migrate clean

install: $(STAMP)

$(STAMP): requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py forecast procurement/demo/demo_scenario.json --output out/demo-result.json --pdf out/demo-brief.pdf --organization "Demo Company"

# Debian's chromium for the browser journeys (tests/live/); Playwright's own browser download cannot work here.
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: the browser journeys will be skipped (they fail under CI)"

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-cache --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@command -v hyperfine >/dev/null || (apt-get update -qq && apt-get install -y -qq hyperfine)
	$(BIN)/python -m benchmarks.run

# The admin and the API on http://127.0.0.1:8000 and, beside them, a Celery worker (with the reaper's beat)
# that runs the forecasts; both stop together. With nothing configured the broker is local folders.
serve: migrate
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A procurement worker -B --loglevel INFO --concurrency 1 & worker=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# A worker alone, for a server started some other way.
worker: migrate
	$(BIN)/celery -A procurement worker -B --loglevel INFO --concurrency 1

# Re-pin requirements/*.txt from requirements/*.in.
requirements: install
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras -o base.txt base.in \
	  && ../$(BIN)/pip-compile --quiet --strip-extras -o prod.txt prod.in \
	  && ../$(BIN)/pip-compile --quiet --strip-extras -o dev.txt dev.in

clean:
	rm -rf $(VENV) db.sqlite3 out var .pytest_cache .mypy_cache .ruff_cache
