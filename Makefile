# Two commands for a fresh machine with Python 3.11+:
#   make demo   install into .venv, migrate, load demo data, serve on http://127.0.0.1:$(PORT)
#   make test   lint, type-check, run the whole suite on SQLite and (when it answers) PostgreSQL

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint system-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	RAINFOREST_DEMO=1 PORT=$(PORT) $(BIN)/rainforest demo

system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy $(wildcard src/rainforest/core src/rainforest/*/domain.py src/rainforest/*/domain_*.py)

test: $(STAMP) system-deps lint
	@bash scripts/test.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
