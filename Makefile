# One virtual environment (.venv) holds everything; `make test` builds it from the project's
# own files (requirements.txt, requirements-peer.txt, pyproject.toml) and runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test test-fast lint demo gui bench clean

$(STAMP): requirements.txt requirements-peer.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q -e . --no-deps
	@# PyTorch CPU is an optional test oracle and benchmark peer: tests skip without it
	$(BIN)/pip install -q -r requirements-peer.txt || echo "note: PyTorch not installed; its oracle tests will skip"
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# the quick loop while working: everything but the tests marked slow (notebooks, real windows, training runs)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# lint and import order (ruff, configured in pyproject.toml); CI runs it before the tests
lint: $(STAMP)
	$(BIN)/ruff check .

demo: $(STAMP)
	$(BIN)/python -m models.samples demo/gray
	$(BIN)/colorize demo/gray -o demo/colorized --overwrite --report demo/report.json --stages demo/process

gui: $(STAMP)
	$(BIN)/colorize-studio $(IMAGE)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.engine_vs_torch --json benchmarks/results.json

clean:
	rm -rf $(VENV) .pytest_cache
