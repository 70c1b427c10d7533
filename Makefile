# unitboard: `make run` starts the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint install browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/unitboard serve --demo --database-url sqlite:///$(CURDIR)/unitboard.db

# The screens are tested in Debian's Chromium (browser downloads do not work on closed networks).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

test: $(STAMP) browser
	$(BIN)/pytest -q

# Benchmarks (numbers and ratios against a baseline run side by side; never in `make test`):
# fan-out, appends, replay, memory, loop lag. Prints a table, writes bench/results.json.
bench: $(STAMP)
	$(BIN)/python loadtests/bench.py

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) build dist src/*.egg-info unitboard.db unitboard.db-wal unitboard.db-shm
