# anomalia: `make demo` runs the whole workflow on synthetic data, `make test` runs the tests.
# Both install what is missing first (Debian packages, then the Python .venv).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Extras of the Python install; the image asks for runtime ones only (see the Dockerfile).
EXTRAS ?= all,dev
ANOMALIA := $(BIN)/anomalia

.PHONY: all install system demo test lint bench lock clean
.PHONY: r-install r-test r-check r-docs renv-lock

# The R package (R/) installs into a project-local library; R code that reads
# parquet uses the project's Python through reticulate.
RLIB := .Rlib
R_STAMP := $(RLIB)/.installed-stamp
R_SOURCES := $(shell find R -type f -not -path '*/tests/*' 2>/dev/null)
export R_LIBS := $(CURDIR)/$(RLIB)
export RETICULATE_PYTHON := $(CURDIR)/$(BIN)/python

all: demo

system:
	@bash deployment/install_system.sh

# constraints.txt pins every Python dependency to the versions the tests pass with.
$(STAMP): pyproject.toml constraints.txt deployment/install_system.sh
	@bash deployment/install_system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP) $(R_STAMP)

# Re-installed whenever a file of the R package changes.
$(R_STAMP): $(STAMP) $(R_SOURCES)
	@mkdir -p $(RLIB)
	R CMD INSTALL --no-multiarch --no-test-load --library=$(RLIB) R >$(RLIB)/install.log 2>&1 \
		|| { cat $(RLIB)/install.log; exit 1; }
	@touch $(R_STAMP)

r-install: $(R_STAMP)

r-test: $(R_STAMP)
	Rscript -e 'testthat::test_dir("R/tests/testthat", package = "anomaliaR", load_package = "installed", stop_on_failure = TRUE)'

# R CMD check of the built package (examples included; the testthat suite runs
# in r-test): any ERROR, WARNING or NOTE fails. TZ spares lubridate asking
# timedatectl; file timestamps would need the internet.
R_CHECK_DIR := $(RLIB)/check
r-check: $(R_STAMP)
	@rm -rf $(R_CHECK_DIR) && mkdir -p $(R_CHECK_DIR)
	cd $(R_CHECK_DIR) && R CMD build --no-build-vignettes $(CURDIR)/R >build.log 2>&1 || { cat build.log; exit 1; }
	cd $(R_CHECK_DIR) && TZ=UTC _R_CHECK_FUTURE_FILE_TIMESTAMPS_=false _R_CHECK_FORCE_SUGGESTS_=false ANOMALIA_ROOT=$(CURDIR) \
		R CMD check --no-manual --no-build-vignettes --no-tests anomaliaR_*.tar.gz >check.log 2>&1; \
		grep -q '^Status: OK' check.log || { cat check.log; exit 1; }

# Regenerate R/man and R/NAMESPACE from the roxygen2 comments.
r-docs:
	Rscript -e 'roxygen2::roxygenise("R")'

# Record the installed R and package versions (tests/python/r/test_renv_lock.py checks them).
renv-lock:
	Rscript R/tools/renv_lock.R renv.lock

demo: install
	$(ANOMALIA) generate
	$(ANOMALIA) train
	$(ANOMALIA) detect
	$(ANOMALIA) evaluate --models data/models --report
	$(ANOMALIA) report --models data/models
	@echo "reports: reports/demo/index.html, reports/evaluation/index.html"

test: install
	$(BIN)/ruff check python tests
	$(BIN)/pytest
	$(MAKE) --no-print-directory r-test
	$(MAKE) --no-print-directory r-check

lint: install
	$(BIN)/ruff check python tests
	$(BIN)/ruff format --check python tests

bench: install
	$(BIN)/python -m anomalia.bench

.PHONY: bench-deep
bench-deep: install
	$(BIN)/python -m anomalia.detectors.deep.bench --points 10000 --repeats 3

# Re-resolve the newest dependencies allowed by pyproject.toml into constraints.txt.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install -q --disable-pip-version-check -e '.[all,dev]'
	.lockenv/bin/python -m pip freeze --exclude-editable | grep -v '^anomalia' > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf data/models data/processed/* data/raw/* reports/demo reports/metrics.csv

# Serve the models trained by `make demo` on http://127.0.0.1:8000 (docs at /docs).
.PHONY: serve
serve: install
	$(ANOMALIA) serve --models data/models

# The long schemathesis run of docs/reliability.md (about 10,000 requests, 10 to 20 minutes
# on two busy cores) and the service load test of docs/benchmarks.md.
.PHONY: fuzz loadtest
FUZZ_EXAMPLES ?= 860
fuzz: install
	PATH=$(CURDIR)/$(BIN):$$PATH bash tests/python/service/long_fuzz.sh $(FUZZ_EXAMPLES)

loadtest: install
	$(BIN)/python -m anomalia.service.loadtest --models data/models --model zscore \
		--points 1000 --clients 1 8 --requests 150 --repeats 3 --workers 2

# The live stack (docs/live.md): simulator -> store -> anomalia stream -> API and dashboard
# on http://127.0.0.1:5006; trains the demo's models first if data/models has none.
# Ctrl-C stops every process. STORE=influxdb://127.0.0.1:8086/anomalia for a running InfluxDB.
.PHONY: run
STORE ?= duckdb:///data/live.duckdb
run: install
	$(BIN)/python -m anomalia.live.run --store $(STORE) --models data/models
