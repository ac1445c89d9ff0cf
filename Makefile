# `make up` runs a single-node cluster on the embedded defaults; `make test` runs every test.
# Both start from a fresh Debian machine: they install system and Python packages themselves.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= .microkube
# Debian packages the tests and the default cluster need (added to as components land).
APT_PACKAGES := etcd-server etcd-client containerd runc containernetworking-plugins busybox-static \
	iptables nftables iproute2 conntrack
# Every distribution in the workspace: the kernel first, then each plugin (bundles excluded:
# they only name dependencies that are installed here from the checkout).
DISTS := core $(sort $(filter-out plugins/bundles/%,$(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml plugins/*/*/pyproject.toml))))
STAMP := $(VENV)/.installed

.PHONY: up test lint format system-deps install clean

up: install
	$(BIN)/microkube up --data-dir $(DATA_DIR)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(STAMP)

# apt-get only when something is missing, so a prepared machine does not wait on the network.
# Python itself comes from apt only when no usable python3 with venv is on the PATH.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! { command -v $(PYTHON) >/dev/null 2>&1 && $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null; }; then \
		missing="$$missing python3 python3-venv python3-pip"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(STAMP): requirements-dev.txt $(foreach d,$(DISTS),$(d)/pyproject.toml) | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt $(foreach d,$(DISTS),-e ./$(d))
	# The CRI stubs of the containerd runtime: --no-deps, their metadata pins protobuf<7 (the
	# generated code works with protobuf 7, which microkube-cri-containerd installs).
	$(BIN)/python -m pip install -q --no-deps container-runtime-interface-api==2.0.1
	touch $(STAMP)

clean:
	rm -rf $(VENV) $(DATA_DIR)
