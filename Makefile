# napari-cuda — the two commands a newcomer needs:
#   make demo   install everything, start JupyterLab on demo/ (a git-ignored working copy of
#               examples/) with quickstart.ipynb open; prints the URL last; one Ctrl+C stops it
#   make test   install everything, run every check and test
# Python packages go to .venv/ at the repo root; npm packages to node_modules/.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.stamp
DEMO_PORT ?= 8888

.PHONY: demo test bench soak lint format unit test-ts test-py test-e2e test-gpu bench-gpu build install system-deps browser-deps clean

# ffmpeg, Node.js, python3-venv (and the EGL/GL headers where a CUDA toolkit exists), when missing.
system-deps:
	@scripts/ensure-system-deps.sh

# The same plus Debian's chromium, for the browser tests and the benchmark.
browser-deps:
	@scripts/ensure-system-deps.sh --browser

$(STAMP)-venv: kernel-bridge/pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -U "pip>=25.1"
	$(PIP) install -q --group kernel-bridge/pyproject.toml:dev
	@touch $@

# .venv lies inside this repository, whose package.json says "type": "module": Node would load the
# CommonJS scripts that Python packages ship in .venv (JupyterLab's yarn.js) as ES modules, and they
# fail ('Fail to get yarn configuration ... Dynamic require of "util" is not supported' at every
# `jupyter lab`). A package.json without "type" gives .venv Node's default, as anywhere outside
# this repository (the daemon bundle, an ES module, is then detected as one, as in a user's install).
$(VENV)/package.json: $(STAMP)-venv
	@echo '{"private": true}' > $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: $(STAMP)-venv $(VENV)/package.json node_modules/.stamp
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npm run -s build

install: build
	$(PIP) install -q --force-reinstall --no-deps ./kernel-bridge
	$(PIP) install -q ./kernel-bridge

demo: system-deps install
	@scripts/demo.sh $(DEMO_PORT)

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

test-e2e: browser-deps install
	$(VENV)/bin/pytest -q tests/e2e

test: browser-deps install lint
	npm run -s test:unit
	scripts/test-gpu.sh  # GPU vs CPU frames, stability, encoder probe; skips (and says why) without a GPU
	$(VENV)/bin/pytest tests/python tests/e2e

bench: browser-deps install
	$(PY) tests/bench/bench.py

# Fault injection (daemon/ffmpeg/kernel kills, a stalled client, reload, several views; ~8 min); last
# line is one JSON object. Shorter: make soak SOAK_ARGS=--quick
soak: browser-deps install
	$(PY) tests/soak/soak.py $(SOAK_ARGS)

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
