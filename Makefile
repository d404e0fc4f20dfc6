# Customs Risk Workbench: set-up, JupyterLab, tests and benchmarks.
#
#   make lab    set up, build the demo store if missing, start JupyterLab on notebooks/
#   make test   set up (and install Chromium if missing), run the whole suite
#
# The venv is reused: the package is reinstalled only when pyproject.toml is newer than
# .venv/.installed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The store lives here unless WORKBENCH_HOME is already set; absolute, so a notebook kernel
# (whose working directory is notebooks/) finds the same store.
WORKBENCH_HOME ?= $(CURDIR)/.data
export WORKBENCH_HOME
STORE := $(WORKBENCH_HOME)/workbench.duckdb

LAB_PORT ?= 8888
LAB_TOKEN_FILE := $(CURDIR)/.data/lab-token
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PYTEST_ARGS ?=

.PHONY: help venv lab demo test bench clean

help:
	@echo "make lab     set up, build the demo store if missing, start JupyterLab on notebooks/"
	@echo "make test    set up, install Chromium if missing, run the whole suite (PYTEST_ARGS=...)"
	@echo "make demo    generate a synthetic world and load it into the store in $(WORKBENCH_HOME)"
	@echo "make bench   run the benchmarks"
	@echo "make clean   remove caches, build output and test artifacts (keeps .venv and .data)"

# --- set-up -------------------------------------------------------------------------------

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# UV_SYSTEM_CERTS: uv trusts the system's CA store (as pip does), not only its built-in roots.
$(STAMP): pyproject.toml | $(BIN)/uv
	UV_SYSTEM_CERTS=$${UV_SYSTEM_CERTS:-1} $(BIN)/uv pip install --python $(BIN)/python -e '.[ui,dev]'
	touch $@

# --- JupyterLab ---------------------------------------------------------------------------

$(STORE): | $(STAMP)
	$(BIN)/workbench demo

$(LAB_TOKEN_FILE):
	@mkdir -p $(dir $@)
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(24))' > $@)
	@chmod 600 $@

# The token goes through the environment, not the command line, so `ps` does not show it.
lab: venv $(STORE) $(LAB_TOKEN_FILE)
	@echo "JupyterLab: http://127.0.0.1:$(LAB_PORT)/lab?token=$$(cat $(LAB_TOKEN_FILE))"
	@echo "store:      $(STORE)"
	JUPYTER_TOKEN="$$(cat $(LAB_TOKEN_FILE))" $(BIN)/jupyter lab \
	  --ServerApp.root_dir=$(CURDIR)/notebooks \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) --ServerApp.port_retries=0 \
	  --no-browser $(LAB_ROOT_FLAG)

demo: venv
	$(BIN)/workbench demo

# --- tests and benchmarks -----------------------------------------------------------------

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

test: venv $(CHROMIUM)
	@start=$$(date +%s); status=0; \
	$(BIN)/pytest -n 2 $(PYTEST_ARGS) || status=$$?; \
	echo "suite took $$(( $$(date +%s) - start )) s"; \
	exit $$status

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf .pytest_cache .test-artifacts build dist *.egg-info
	find . \( -path ./$(VENV) -o -path ./.git -o -name node_modules \) -prune \
	  -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf
