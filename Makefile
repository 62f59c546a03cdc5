# People and CI run the same targets. uv comes from PyPI into .tools/ when it is not on PATH.
SHELL := /bin/bash
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)

.PHONY: up test test-fast lint fmt sync bench clean images

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

sync: $(if $(findstring $(TOOLS),$(UV)),$(TOOLS)/bin/uv)
	$(UV) sync --all-packages --locked --quiet

## Start the whole platform locally (embedded NATS, Redis, Mongo-wire store, every service).
up: sync
	$(UV) run --no-sync zombilet-up

## Run every test: unit, integration against real servers, end to end.
test: sync
	$(UV) run --no-sync pytest

## Unit tests only (no servers started).
test-fast: sync
	$(UV) run --no-sync pytest -m "not integration"

SOURCES := common/src auth/src tickets/src orders/src payments/src expiration/src contact/src infra/local/src infra/images

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
