# anomalia: `make demo` runs the whole workflow on synthetic data, `make test` runs the tests.
# Both install what is missing first (Debian packages, then the Python .venv).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ANOMALIA := $(BIN)/anomalia

.PHONY: all install system demo test lint bench clean

all: demo

system:
	@bash deployment/install_system.sh

$(STAMP): pyproject.toml deployment/install_system.sh
	@bash deployment/install_system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(ANOMALIA) generate
	$(ANOMALIA) train
	$(ANOMALIA) detect
	$(ANOMALIA) evaluate --models data/models
	$(ANOMALIA) report --models data/models
	@echo "report: reports/demo/index.html"

test: install
	$(BIN)/ruff check python tests
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check python tests
	$(BIN)/ruff format --check python tests

bench: install
	$(BIN)/python -m anomalia.bench

clean:
	rm -rf data/models data/processed/* data/raw/* reports/demo reports/metrics.csv
