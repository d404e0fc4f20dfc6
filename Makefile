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

# The JupyterLab extension (extensions/) is built by the package build (hatch-jupyter-builder:
# jlpm install + build:prod, with Node) into workbench/labextension, which the install copies into
# the venv. A change of its sources removes that build, so the reinstall builds it again; other
# reinstalls reuse it. Without Node the install goes on without the extension (a warning).
EXT_SOURCES := $(wildcard extensions/package.json extensions/tsconfig.json extensions/yarn.lock \
                 extensions/.yarnrc.yml extensions/src/*.ts extensions/style/*)

# UV_SYSTEM_CERTS: uv trusts the system's CA store (as pip does), not only its built-in roots.
$(STAMP): pyproject.toml $(EXT_SOURCES) | $(BIN)/uv
	$(if $(filter extensions/%,$?),rm -rf workbench/labextension)
	@command -v node >/dev/null || echo "note: Node.js not found: the JupyterLab extension is not built"
	UV_SYSTEM_CERTS=$${UV_SYSTEM_CERTS:-1} $(BIN)/uv pip install --python $(BIN)/python \
	  --reinstall-package customs-risk-workbench -e '.[ui,dev]'
	touch $@

# --- JupyterLab ---------------------------------------------------------------------------

$(STORE): | $(STAMP)
	$(BIN)/workbench demo

$(LAB_TOKEN_FILE):
	@mkdir -p $(dir $@)
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(24))' > $@)
	@chmod 600 $@

# The token goes through the environment, not the command line, so `ps` does not show it.
# Named users sign in with their own tokens from $(WORKBENCH_HOME)/lab-users.json
# (docs/analysts/jupyterlab.md); the extension is checked enabled first.
lab: venv $(STORE) $(LAB_TOKEN_FILE)
	@$(BIN)/jupyter labextension list 2>&1 | grep -q "customs-risk-workbench.*enabled" \
	  || echo "note: the workbench JupyterLab extension is not installed (Node.js missing when the venv was made?)"
	@$(BIN)/jupyter server extension list 2>&1 | grep -q "workbench.lab.*enabled" \
	  || echo "note: the workbench server extension is not enabled"
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
	rm -rf .pytest_cache .test-artifacts build dist *.egg-info extensions/lib extensions/tsconfig.tsbuildinfo
	find . \( -path ./$(VENV) -o -path ./.git -o -name node_modules \) -prune \
	  -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf
