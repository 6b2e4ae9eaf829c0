# One command runs Vigil, one command runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run cluster loadtest test lint format bench bench-dashboards clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Vigil needs Python >= 3.11; set PYTHON=python3.X")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py run_vigil $(if $(VERBOSE),--verbose,)

# The production shape on one machine: PostgreSQL, Redis, two web processes, two task workers.
cluster: $(VENV)/.installed
	$(BIN)/python -m vigil_site.cluster $(if $(VERBOSE),--verbose,)

# The cluster above under load and faults, with a report (MINUTES=1 for a quick run; default 10).
loadtest: $(VENV)/.installed-dev
	$(BIN)/python -m bench.loadtest $(if $(MINUTES),--minutes $(MINUTES),)

test: $(VENV)/.installed-dev
	@scripts/ensure-chromium.sh
	@scripts/ensure-mail-servers.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy vigil_site core ai tickets knowledge copilot replay integrations dashboards
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/ticket_console.py
	$(BIN)/python bench/ticket_queue.py

bench-dashboards: $(VENV)/.installed-dev
	$(BIN)/python bench/dashboards.py

clean:
	rm -rf $(VENV) .vigil
