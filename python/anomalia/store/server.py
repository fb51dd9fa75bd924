"""A private InfluxDB 1.x server for tests and benchmarks: ``influxd`` on free loopback ports.

>>> with local_influxd(folder) as url:  # doctest: +SKIP
...     store = open_store(url)         # influxdb://127.0.0.1:PORT/anomalia
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anomalia.exceptions import MissingDependencyError, StoreError

_CONFIG = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
  logging-enabled = false
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
  max-row-limit = 0
  auth-enabled = {auth}
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
"""


def influxd_path() -> str | None:
    """The ``influxd`` program, or ``None`` when it is not installed."""
    found = shutil.which("influxd") or "/usr/bin/influxd"
    return found if Path(found).exists() else None


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_influxd(
    root: str | Path, database: str = "anomalia", *, timeout: float = 30.0, auth: bool = False
) -> Iterator[str]:
    """Run ``influxd`` with its data, meta and WAL folders under ``root``; yield its store URL.

    Reporting and the internal monitor are off; the HTTP API and the RPC
    service listen on free loopback ports. With ``auth`` the server asks for
    credentials (create the first admin user through the HTTP API). The
    server is stopped (SIGTERM, then SIGKILL after 10 s) when the block ends.

    Raises
    ------
    MissingDependencyError
        Without ``influxd`` (Debian package ``influxdb``).
    StoreError
        When the server exits or does not answer ``/ping`` within ``timeout``
        seconds; the message ends with its log.
    """
    program = influxd_path()
    if program is None:
        raise MissingDependencyError(
            "influxd is not installed: apt-get install influxdb (deployment/install_system.sh)"
        )
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    config = root / "influxdb.conf"
    config.write_text(
        _CONFIG.format(root=root, rpc_port=free_port(), http_port=http_port, auth=str(auth).lower())
    )
    log_path = root / "influxd.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [program, "run", "-config", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    raise StoreError(f"influxd exited: {log_path.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/ping", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"influxd did not answer /ping within {timeout:g} s: "
                            f"{log_path.read_text()[-2000:]}"
                        ) from None
                    time.sleep(0.1)
            yield f"influxdb://127.0.0.1:{http_port}/{database}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
