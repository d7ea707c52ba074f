# sredesk: `make run` serves the demo, `make test` runs the whole suite. `make help` lists all.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite:///var/demo.db
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/sredesk: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.dev: $(BIN)/sredesk
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

.PHONY: install
install: $(BIN)/sredesk ## Create .venv and install sredesk

.PHONY: dev
dev: $(VENV)/.dev ## Install the development tools too

.PHONY: run
run: install ## Initialise a SQLite demo desk and serve it on 127.0.0.1:8000
	@mkdir -p var
	SREDESK_DATABASE_URL=$(DEMO_DB) $(BIN)/sredesk init
	SREDESK_DATABASE_URL=$(DEMO_DB) $(BIN)/sredesk serve --host $(HOST) --port $(PORT)

.PHONY: test
test: dev ## Run the whole suite (SQLite, PostgreSQL, the browser), one worker a core
	$(BIN)/pytest -n auto --durations=25 --cov=sredesk.core --cov-report=term:skip-covered --cov-fail-under=90

.PHONY: lint
lint: dev ## Check style and imports with ruff
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

.PHONY: typecheck
typecheck: dev ## Type-check with mypy --strict
	$(BIN)/mypy

.PHONY: coverage
coverage: dev ## Run the suite and report the core's line coverage
	$(BIN)/pytest --cov=sredesk --cov-report=term-missing:skip-covered

.PHONY: bench
bench: dev ## Run the benchmarks under bench/
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

.PHONY: clean
clean: ## Remove the virtual environment and the demo database
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
