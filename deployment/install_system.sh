#!/usr/bin/env bash
# System packages anomalia needs on Debian 12, installed only when missing:
# python3-venv for the .venv, R 4.2 with the r-cran-* packages the R half uses
# (no CRAN here: Debian's builds only), pandoc for knitted reports, the InfluxDB 1.x
# server for the live store, and chromium with its driver for the dashboard's browser test.
# Used by the Makefile and the Dockerfile alike; safe to run again.
set -euo pipefail

packages=(
    r-base-core pandoc
    r-cran-forecast r-cran-caret r-cran-plumber r-cran-rmarkdown r-cran-knitr
    r-cran-testthat r-cran-ggplot2 r-cran-zoo r-cran-mice r-cran-reticulate
    r-cran-jsonlite r-cran-cli r-cran-rlang r-cran-httr r-cran-randomforest r-cran-rpart
    r-cran-roxygen2 r-cran-future r-cran-promises
    influxdb chromium chromium-driver
)

# The image sets ANOMALIA_SYSTEM=runtime: serving needs neither testthat nor the
# EDA report's knitr, rmarkdown and pandoc (with its dependencies, a third of R's size),
# nor the browser the tests drive.
if [ "${ANOMALIA_SYSTEM:-full}" = runtime ]; then
    runtime=()
    for package in "${packages[@]}"; do
        case "$package" in
            pandoc | r-cran-rmarkdown | r-cran-knitr | r-cran-testthat | chromium | chromium-driver) ;;
            *) runtime+=("$package") ;;
        esac
    done
    packages=("${runtime[@]}")
fi

# R reads parquet through pyarrow with reticulate, which loads libpython: Debian's
# own python3 ships without the shared library until libpython3.X is installed.
if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    packages+=("libpython$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
fi

need=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || need+=("$package")
done
# Debian's python3 ships venv without ensurepip until python3-venv is installed,
# so the only reliable check is to make a throwaway environment.
probe=$(mktemp -d)
python3 -m venv "$probe/venv" >/dev/null 2>&1 || need+=(python3-venv)
rm -rf "$probe"

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_system.sh: missing Debian packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"
