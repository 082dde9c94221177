# One virtual environment (.venv) holds everything; `make test` builds it from the project's
# own files (requirements.txt, requirements-peer.txt, pyproject.toml) and runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test test-fast lint demo gui bench screenshots shots train-colornet3 device-check device-train clean

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
	$(BIN)/python -m models.samples demo/gray --sheet demo/before_after.png
	$(BIN)/colorize demo/gray -o demo/colorized --overwrite --report demo/report.json --stages demo/process

gui: $(STAMP)
	$(BIN)/colorize-studio $(IMAGE)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.engine_vs_torch --json benchmarks/results.json

# On a lent GPU machine only (the device tool runs it there; its python3 has CuPy, numba and pytest, and
# no venv is built): the CUDA variants of the engine and training tests, then ColorNet's training step
# timed on the GPU at training's batch of 16 and at 128, against the CPU in the same run.
DEVICE_OUT ?= runs/device
DEVICE_PY := PYTHONPATH=. python3
device-check:
	@mkdir -p $(DEVICE_OUT)
	$(DEVICE_PY) -m pytest -q -rs -p no:cacheprovider -k cuda --junitxml=$(DEVICE_OUT)/cuda_tests.xml \
		tests/test_ops.py tests/test_nn_ops.py tests/test_module.py tests/test_train_colornet.py
	$(DEVICE_PY) -m benchmarks.colornet_speed --device cuda --rounds 1 --repeats 10 --json $(DEVICE_OUT)/speed_cuda_b16.json
	$(DEVICE_PY) -m benchmarks.colornet_speed --device cuda --batch 128 --rounds 1 --repeats 10 \
		--json $(DEVICE_OUT)/speed_cuda_b128.json
	$(DEVICE_PY) -m benchmarks.colornet_speed --rounds 1 --repeats 5 --threads 16 --json $(DEVICE_OUT)/speed_cpu_b16.json

# On a lent GPU machine: go on with a ColorNet run for DEVICE_MINUTES (issue 28's prepared script). Prepare here first:
#   .venv/bin/python -m train.device_run pack --run runs/colornet3 --out runs/device/pack.npz    (< 40 MiB)
#   .venv/bin/python -m train.device_run state --run runs/colornet3 --out runs/device/state.npz  (< 16 MiB)
# then run `make device-train DEVICE_OUT=$$OUT` there carrying runs/device; bring OUT/state.npz back with
#   .venv/bin/python -m train.device_run restore --state STATE --run runs/colornet3
DEVICE_MINUTES ?= 9
device-train:
	@mkdir -p $(DEVICE_OUT)
	$(DEVICE_PY) -m train.device_run train --pack runs/device/pack.npz --state runs/device/state.npz \
		--minutes $(DEVICE_MINUTES) --device cuda --out $(DEVICE_OUT)

# The studio's screenshots, every mode at a large (1400x1000: docs/studio_MODE.png, the README's) and at
# the smallest supported screen (1280x800: docs/studio_1280x800/), remade headlessly (needs xvfb-run;
# after new weights, rerun and look at them). Historical photos: only ones dated before 1900 are committed
# (public domain by age).
DATA ?= ../shared/data
HIST := $(DATA)/historical-dev/deoldify_test_images_
FRAMES := --exit-after-frames 8
screenshots: $(STAMP)
	$(BIN)/python -m models.samples demo/gray --sheet docs/before_after.png
	@mkdir -p docs/studio_1280x800
	$(MAKE) --no-print-directory shots SIZE=1400x1000 TO=docs/studio_
	$(MAKE) --no-print-directory shots SIZE=1280x800 TO=docs/studio_1280x800/

SHOT = xvfb-run -a -s "-screen 0 $(SIZE)x24" $(BIN)/colorize-studio --window $(SIZE)
shots:
	$(SHOT) demo/gray/astronaut.png --compare 0.3 --screenshot $(TO)automatic.png $(FRAMES)
	$(SHOT) demo/gray/camera.png --mode interactive --hint 86,119,#5a8fd0 --hint 447,347,#3c8c28 \
		--hint 348,472,#3c8c28 --screenshot $(TO)interactive.png $(FRAMES)
	$(SHOT) demo/gray/rocket.png --mode layers --layer decoders.1 --screenshot $(TO)layers.png $(FRAMES)
	$(SHOT) $(HIST)_Ballet1890Russia.jpg --mode era --screenshot $(TO)era.png $(FRAMES)
	$(SHOT) $(HIST)_1880sBrooklynBridge.jpg --mode styles --style "Van Gogh, The Starry Night" \
		--screenshot $(TO)styles.png $(FRAMES)
	$(SHOT) $(HIST)_1880sBrooklynBridge.jpg --mode regions --condition sky=#00BFFF \
		--screenshot $(TO)regions.png $(FRAMES)

# ColorNet 3 (issue 28): the shipped model's recipe, in resumable pieces of MINUTES (default 60) on the CPU.
# A new run starts from INIT (default the shipped weights: a further fine-tune; ColorNet 3 itself started
# from ColorNet 2's, whose sha256 its card records); an existing runs/colornet3 is resumed. A run's state
# lives in runs/ only: finish it within a sitting, or carry it with `python -m train.device_run state`.
COLORNET3 := --mix=intel=0.25,diverse=0.35,faces=0.15,imagenette=0.15,cifar=0.10 --film_inputs=true \
	--film_prob=0.3 --output_stride=2 --scene_set=v2 --zoom_prob=0.5 --init_partial=true --lr=5e-4 --warmup=200 \
	--steps=24000 --val_every=1000 --val_images=512 --best_by=balanced_accuracy
MINUTES ?= 60
INIT ?= weights/colornet.npz
train-colornet3: $(STAMP)
	$(BIN)/python -m train.train_colornet $(COLORNET3) --out=runs/colornet3 --max_minutes=$(MINUTES) \
		$$([ -f runs/colornet3/checkpoint.npz ] && echo --resume || echo --init=$(INIT))

clean:
	rm -rf $(VENV) .pytest_cache
