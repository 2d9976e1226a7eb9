# napari-cuda — the two commands a newcomer needs:
#   make demo   install everything, start JupyterLab on examples/quickstart.ipynb
#   make test   install everything, run every check and test
# Python packages go to .venv/ at the repo root; npm packages to node_modules/.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.stamp
DEMO_PORT ?= 8888

.PHONY: demo test bench lint format unit test-ts test-py test-e2e test-gpu bench-gpu build install system-deps clean

system-deps:
	@scripts/ensure-system-deps.sh --browser

$(STAMP)-venv: kernel-bridge/pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -U "pip>=25.1"
	$(PIP) install -q --group kernel-bridge/pyproject.toml:dev
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: $(STAMP)-venv node_modules/.stamp
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npm run build

install: build
	$(PIP) install -q --force-reinstall --no-deps ./kernel-bridge
	$(PIP) install -q ./kernel-bridge

demo: system-deps install
	@echo "Starting JupyterLab on examples/quickstart.ipynb (Ctrl+C to stop)"
	$(VENV)/bin/jupyter lab examples/quickstart.ipynb --no-browser \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$(DEMO_PORT) $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

lint: node_modules/.stamp $(STAMP)-venv
	npm run -s typecheck
	npm run -s format:check
	$(VENV)/bin/ruff check kernel-bridge tests examples
	$(VENV)/bin/ruff format --check kernel-bridge tests examples

format: node_modules/.stamp $(STAMP)-venv
	npm run -s format
	$(VENV)/bin/ruff format kernel-bridge tests examples
	$(VENV)/bin/ruff check --fix kernel-bridge tests examples

test-ts: build
	npm run -s test:unit

test-py: install
	$(VENV)/bin/pytest -q tests/python

test-e2e: system-deps install
	$(VENV)/bin/pytest -q tests/e2e

test: system-deps install lint
	npm run -s test:unit
	scripts/test-gpu.sh  # GPU vs CPU frames, stability, encoder probe; skips (and says why) without a GPU
	$(VENV)/bin/pytest tests/python tests/e2e

bench: system-deps install
	$(PY) tests/bench/bench.py

# GPU machine (EGL + CUDA): build the native addon, then GPU-vs-CPU tests, stability, resize storm,
# encoder probe. Without a GPU they skip and say why.
test-gpu: node_modules/.stamp
	scripts/test-gpu.sh

# Last line: {"device", "scenarios": [{name, width, height, backend, encoder, fps, *_ms_p50, ...}]}
bench-gpu: node_modules/.stamp
	node scripts/build-native.mjs
	node --import tsx scripts/bench-gpu.ts

clean:
	rm -rf lib labextension kernel-bridge/napari_cuda/_daemon $(VENV) node_modules
