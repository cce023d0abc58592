# clientflow's commands for people and CI (see README.md):
#   make install   .venv with clientflow and its development tools (idempotent)
#   make run       install, create the embedded database, load the demo, serve on :5000
#   make test      install, lint, type-check, check import rules, run the tests
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clientflow-installed

.PHONY: install run lint test

install: $(STAMP)

# reinstalls only when the dependencies change; the stamp lives and dies with the venv.
# PYTHONWARNINGS silences setuptools' notes on editable installs (not errors).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-e '.[dev]'
	@touch $@

run: install
	$(BIN)/clientflow init-db
	@if find processes -name '*.bpmn' 2>/dev/null | grep -q .; then \
		$(BIN)/clientflow deploy processes/; \
	else \
		echo "processes/ holds no process yet: nothing to deploy"; \
	fi
	$(BIN)/clientflow demo
	$(BIN)/clientflow serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collects no test: not a failure here; every other status is
test: lint
	@status=0; $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; \
	exit $$status
