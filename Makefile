# The README's two commands: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint pytest docs-screenshots bench bench-ingest bench-match bench-search bench-deliver bench-billtext bench-topics clean

# setup.py builds the batch matcher's C extension (alerts/query/_matcher.c) in place.
$(STAMP): pyproject.toml setup.py alerts/query/_matcher.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser tests drive Debian's Chromium headless (no browser download is possible here).
$(CHROMIUM):
	apt-get update -q && apt-get install -y -q chromium chromium-driver

demo: $(STAMP)
	$(BIN)/fivewatch demo

test: lint pytest

pytest: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest

# The user guide's screenshots (docs/images/*.png) from its browser test; commit the result.
docs-screenshots: $(STAMP) $(CHROMIUM)
	FIVEWATCH_WRITE_DOC_SCREENSHOTS=1 $(BIN)/pytest -q tests/web/test_user_guide_screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Each benchmark prints its figures and, last, one JSON line (see bench/README.md).
bench: bench-ingest bench-match bench-search bench-deliver bench-billtext bench-topics

bench-ingest: $(STAMP)
	$(BIN)/python -m bench.ingest_bench

bench-match: $(STAMP)
	$(BIN)/python -m bench.match_bench

bench-search: $(STAMP)
	$(BIN)/python -m bench.search_bench

bench-deliver: $(STAMP)
	$(BIN)/python -m bench.deliver_bench

bench-billtext: $(STAMP)
	$(BIN)/python -m bench.billtext_bench

bench-topics: $(STAMP)
	$(BIN)/python -m bench.topics

clean:
	rm -rf var/demo outbox .pytest_cache .mypy_cache .ruff_cache
