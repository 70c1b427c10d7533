# unitboard: `make run` starts the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint install browser screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

DEMO_DB := sqlite:///$(CURDIR)/unitboard.db
PORT ?= 8000

# `make run PORT=8001` serves the demo on another port; ARGS adds `serve` flags
# (ARGS=--no-simulator: the demo hospital without its background activity).
run: $(STAMP)
	$(BIN)/unitboard db upgrade --database-url $(DEMO_DB)
	$(BIN)/unitboard serve --demo --database-url $(DEMO_DB) --port $(PORT) $(ARGS)

# The screens are tested in Debian's Chromium (browser downloads do not work on closed networks).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

test: lint browser
	$(BIN)/pytest -q

# The README's screenshots, from the browser tests (which otherwise write them to a temp folder).
screenshots: $(STAMP) browser
	UNITBOARD_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -m browser -k "screenshot or the_wall_shows_initials"

# Benchmarks (numbers and ratios against a baseline run side by side; never in `make test`):
# fan-out, appends, replay, memory, loop lag, faults, call lights, transport, the ADT feed.
# Prints a table, writes bench/results.json.
bench: $(STAMP)
	$(BIN)/python loadtests/bench.py

# mypy strict on the code and on the tests (a run per folder: each has its own conftest.py).
TEST_TYPES := tests/conftest.py tests/hospital.py tests/postgres_support.py tests/store_events.py \
	tests/toy_bells tests/toy_reminders tests/integration

lint: $(STAMP)
	$(BIN)/ruff check src tests loadtests
	$(BIN)/ruff format --check src tests loadtests
	$(BIN)/mypy src
	MYPYPATH=src:tests:tests/unit:tests/e2e $(BIN)/mypy --strict $(TEST_TYPES)
	MYPYPATH=src:tests:tests/unit:tests/e2e $(BIN)/mypy --strict tests/unit
	MYPYPATH=src:tests:tests/unit:tests/e2e $(BIN)/mypy --strict tests/e2e

clean:
	rm -rf $(VENV) build dist src/*.egg-info unitboard.db unitboard.db-wal unitboard.db-shm
