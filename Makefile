# People and CI run the same targets. uv comes from PyPI into .tools/ when it is not on PATH.
SHELL := /bin/bash
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)

.PHONY: up test test-fast lint fmt sync bench clean chromium k8s k8s-tools images

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

sync: $(if $(findstring $(TOOLS),$(UV)),$(TOOLS)/bin/uv)
	$(UV) sync --all-packages --locked --quiet

## Start the whole platform locally (embedded NATS, Redis, Mongo-wire store, every service).
up: sync
	$(UV) run --no-sync zombilet-up

## Debian's Chromium for the web client's browser tests, installed when missing.
chromium:
	@.ci/ensure-chromium

## Run every test: unit, integration against real servers, end to end, in a browser, the manifest checks.
test: sync chromium k8s-tools
	$(UV) run --no-sync pytest

## Unit tests only (no servers started).
test-fast: sync
	$(UV) run --no-sync pytest -m "not integration"

SOURCES := common/src auth/src tickets/src orders/src payments/src expiration/src contact/src client/src infra/local/src infra/k8s/generate.py infra/images

## Rewrite the generated Kubernetes manifests from infra/k8s/generate.py and infra/routes.toml.
k8s: sync
	$(UV) run --no-sync python infra/k8s/generate.py

# The manifest checks' tools outside the workspace: checkov in its own environment (its
# dependency tree would fight the workspace's), the Gateway API schemas from npm.
CHECKOV_VERSION := 3.3.30
CHECKOV := $(TOOLS)/checkov/bin/checkov
K8S_CHECKS := infra/k8s/checks

k8s-tools: $(CHECKOV) $(K8S_CHECKS)/node_modules/.package-lock.json

$(CHECKOV): | sync
	$(UV) venv --quiet --allow-existing $(TOOLS)/checkov
	$(UV) pip install --quiet --python $(TOOLS)/checkov/bin/python checkov==$(CHECKOV_VERSION)

$(K8S_CHECKS)/node_modules/.package-lock.json: $(K8S_CHECKS)/package-lock.json
	cd $(K8S_CHECKS) && npm ci --no-audit --no-fund --loglevel=error

## Every hot-path figure beside its same-run baseline; writes bench/results/latest.md and .png.
bench: sync
	$(UV) run --no-sync python bench/run.py

lint: sync
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy $(SOURCES)

fmt: sync
	$(UV) run --no-sync ruff check --fix .
	$(UV) run --no-sync ruff format .

## Build every image with podman and run each read-only as non-root against real servers
## (slow; not part of test). IMAGES_FLAGS=--no-cache rebuilds every layer.
images: sync
	$(UV) run --no-sync python infra/images/check_images.py $(IMAGES_FLAGS)

clean:
	rm -rf .data .pytest_cache .ruff_cache
