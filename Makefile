# One virtual environment (.venv) holds everything; `make test` builds it from the project's
# own files (requirements.txt, requirements-peer.txt, pyproject.toml) and runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test test-fast lint demo gui bench train-colornet2 clean

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

# ColorNet 2 (issue 14): a long training in resumable pieces of MINUTES (default 60) on the CPU.
# Each piece resumes runs/colornet2 (restored from the colornet2-state branch on a fresh machine) and
# ends with a checkpoint; `python -m train.run_state save` then keeps it in the repository.
COLORNET2 := --mix=intel=0.35,faces=0.25,imagenette=0.25,cifar=0.15 --film_inputs=true --film_prob=0.3 \
	--channels=32,64,128,256 --steps=60000 --val_every=1000 --val_images=512
MINUTES ?= 60
train-colornet2: $(STAMP)
	@[ -f runs/colornet2/checkpoint.npz ] || $(BIN)/python -m train.run_state restore --run runs/colornet2 \
		|| echo "no saved state: a new run starts"
	@mkdir -p runs/colornet2 && echo "python -m train.train_colornet $(COLORNET2) --out=runs/colornet2" > runs/colornet2/command.txt
	$(BIN)/python -m train.train_colornet $(COLORNET2) --out=runs/colornet2 --max_minutes=$(MINUTES) \
		$$([ -f runs/colornet2/checkpoint.npz ] && echo --resume)

clean:
	rm -rf $(VENV) .pytest_cache
