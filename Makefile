# The two commands of the README: `make demo` and `make test`. Each builds its own
# virtual environment in .venv; `make test` also fetches and starts Neo4j itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench audit lock clean

demo: $(VENV)/.installed-demo
	$(BIN)/maillage demo

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(MAKE) audit
	$(BIN)/python -m pytest

# The locked dependencies against the PyPI advisories (a known vulnerability fails the build; a package the
# service cannot tell about is listed as skipped). Where pip-audit's services do not answer (this build network
# refuses PyPI's per-release documents and cannot reach OSV), .ci/pypi_audit.py reads the advisories PyPI lists
# in each project's document, which are those of its latest release: every pin at the latest release is audited.
audit: $(VENV)/.installed-test
	$(BIN)/pip-audit -r requirements.lock --no-deps --disable-pip --progress-spinner off
	$(BIN)/python .ci/pypi_audit.py requirements.lock

# requirements.lock: every package and version installed, after a change of pyproject.toml.
lock: $(VENV)/.installed-test
	( head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable | grep -v '^maillage' \
	  | sed -E 's#^([A-Za-z0-9_.-]+) @ file://.*/[A-Za-z0-9_]+-([0-9][^-]*)-.*#\1==\2#' ) > requirements.lock.new
	mv requirements.lock.new requirements.lock

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/load_interco.py
	$(BIN)/python benchmarks/views.py
	$(BIN)/python benchmarks/queries.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-demo: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -c requirements.lock -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -c requirements.lock -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .cache maillage-data
