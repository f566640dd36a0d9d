# consumption-monitor: two commands set everything up — `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

VENDOR := src/consumption_monitor/web/static/vendor/echarts.min.js

.PHONY: install vendor system-deps demo test lint typecheck pytest bench bench-quick docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) vendor

# Apache ECharts is vendored into the package from the npm registry (scripts/vendor-echarts.sh).
vendor: $(VENDOR)

$(VENDOR): scripts/vendor-echarts.sh
	bash scripts/vendor-echarts.sh

system-deps:
	bash scripts/system-deps.sh test

demo: install
	bash scripts/system-deps.sh demo
	$(BIN)/cmon demo

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install system-deps
	$(BIN)/pytest

test: lint typecheck pytest

docs: install
	$(BIN)/python -m consumption_monitor.docsgen

bench: install
	$(BIN)/python -m benchmarks

bench-quick: install
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache cmon-data
