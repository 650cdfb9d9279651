# The README's two commands: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint pytest bench bench-search bench-match clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium chromium-driver; }
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fivewatch demo

test: lint pytest

pytest: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench-search: $(STAMP)
	$(BIN)/python -m bench.search

bench-match: $(STAMP)
	$(BIN)/python -m bench.match

clean:
	rm -rf var/demo outbox .pytest_cache .mypy_cache .ruff_cache

.PHONY: bench-deliver
bench-deliver: $(STAMP)
	$(BIN)/python -m bench.deliver
