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
VENDOR := web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: install run lint test

install: $(STAMP) $(VENDOR_STAMP)

# reinstalls only when the dependencies change; the stamp lives and dies with the venv.
# PYTHONWARNINGS silences setuptools' notes on editable installs (not errors).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-e '.[dev]'
	@touch $@

# front-end libraries (bpmn-js, dmn-js, Chart.js) from the npm registry; only their dist
# files are served, copied to web/static/vendor/ (gitignored); reruns when the lock changes.
$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/bpmn-js $(VENDOR)/dmn-js $(VENDOR)/chart.js
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
		node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -R node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js $(VENDOR)/dmn-js/
	cp -R node_modules/dmn-js/dist/assets $(VENDOR)/dmn-js/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.js/
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

# the tests run on every core (pytest-xdist; each test has its own database or schema).
# pytest exits 5 when it collects no test: not a failure here; every other status is
test: lint
	@status=0; $(BIN)/pytest -q -p no:cacheprovider -n auto $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; \
	exit $$status
