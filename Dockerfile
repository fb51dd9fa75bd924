# anomalia: the HTTP service (Python) and the R half in one Debian 12 image.
# Build: docker build -t anomalia .    With the deep detectors: --build-arg DEEP=true
# Run: see deployment/docker/docker-compose.yml and docs/deployment_guide.md.
#
# Two stages: `build` runs the workstation's install (deployment/install_system.sh,
# then `make install`) with runtime extras only (the service, R, the live stack);
# `runtime` gets the same Debian packages and copies the finished .venv and .Rlib,
# leaving pip's and make's work behind. No pytest, ruff or hypothesis; TensorFlow
# only with DEEP=true.

FROM python:3.11-slim-bookworm AS build

ARG DEEP=false
# dask + distributed, so the image also runs `dask scheduler` / `dask worker` (docs/scaling.md).
ARG DASK=true
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    ANOMALIA_SYSTEM=runtime

WORKDIR /opt/anomalia

# The system layer changes rarely, so it is built first and stays cached. The
# script is the one the Makefile runs: R 4.2 and the r-cran-* packages.
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
COPY deployment/install_system.sh deployment/install_system.sh
RUN bash deployment/install_system.sh && rm -rf /var/lib/apt/lists/*

# The same install as on a workstation, `make install` (Python .venv pinned by
# constraints.txt, the R package in R/ into .Rlib), with the service's extras only.
COPY . .
RUN extras="serve,r,live"; if [ "$DEEP" = true ]; then extras="$extras,deep"; fi \
    && if [ "$DASK" = true ]; then extras="$extras,dask"; fi \
    && make install EXTRAS="$extras" && rm -rf /root/.cache


FROM python:3.11-slim-bookworm AS runtime

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ANOMALIA_SYSTEM=runtime

WORKDIR /opt/anomalia

COPY deployment/install_system.sh deployment/install_system.sh
RUN bash deployment/install_system.sh && rm -rf /var/lib/apt/lists/*

# The venv was made at this same path by this same Python, so it works where it lands;
# the source stays beside it (the install is editable, as on a workstation).
COPY --from=build /opt/anomalia /opt/anomalia

# Run as an unprivileged user; it owns only the folders it writes (the registry, and the
# live stack's InfluxDB data and stream checkpoints: deployment/docker/docker-compose.yml).
RUN useradd --system --uid 10001 --no-create-home --home-dir /opt/anomalia anomalia \
    && mkdir -p /data/models /var/lib/anomalia/registry /var/lib/anomalia/influxdb \
        /var/lib/anomalia/stream \
    && chown -R anomalia:anomalia /var/lib/anomalia
USER anomalia

# R finds anomaliaR in .Rlib and reads parquet through the venv's pyarrow.
ENV PATH=/opt/anomalia/.venv/bin:$PATH \
    R_LIBS=/opt/anomalia/.Rlib \
    RETICULATE_PYTHON=/opt/anomalia/.venv/bin/python \
    TZ=UTC \
    ANOMALIA_MODELS_DIR=/data/models \
    ANOMALIA_REGISTRY_DIR=/var/lib/anomalia/registry
VOLUME ["/var/lib/anomalia/registry"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

ENTRYPOINT ["anomalia", "serve", "--host", "0.0.0.0", "--port", "8000"]
