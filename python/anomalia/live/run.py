"""``make run``: the whole local live stack under one supervisor, stopped by Ctrl-C.

``python -m anomalia.live.run`` starts, each as an ``anomalia`` sub-command
in its own process: the simulator (replaying the demo's data into the store),
the stream detector, the HTTP API and the dashboard. It trains the demo's
models first when the model root has none (``anomalia generate`` if the data
is missing, then ``anomalia train``, as ``make demo`` does), prints the
dashboard's URL once it answers, and on Ctrl-C (SIGINT) or SIGTERM stops every
child: SIGTERM to their process group, SIGKILL after a grace period. The
children share one process group of their own, so a terminal's Ctrl-C reaches
the supervisor alone and the stop is orderly; on Linux each child also gets
SIGTERM if the supervisor itself dies (``PR_SET_PDEATHSIG``), so none is
orphaned. A child that fails (non-zero exit) stops the rest and its status is
returned; one that finishes (the simulator at the end of its data) leaves the
others running.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("anomalia.live.run")

DEFAULT_STORE = "duckdb:///data/live.duckdb"
GRACE_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Child:
    """One process of the stack: a name for messages and its command line."""

    name: str
    argv: tuple[str, ...]


def anomalia(*arguments: object) -> tuple[str, ...]:
    """The command line of an ``anomalia`` sub-command run by this Python."""
    return (sys.executable, "-m", "anomalia.cli.main", *map(str, arguments))


def stack(options: argparse.Namespace) -> list[Child]:
    """The stack's processes for the parsed options; one line per process."""
    store, models, host = options.store, options.models, options.host
    return [
        Child("simulate", anomalia("simulate", "--store", store, "--data", options.data,
                                   "--speed", options.speed, "--backfill", options.backfill,
                                   "--start-fraction", options.start_fraction)),
        Child("stream", anomalia("stream", "--store", store, "--models", models,
                                 *[f"--detector={name}" for name in options.detector or []])),
        Child("api", anomalia("serve", "--models", models, "--host", host,
                              "--port", options.api_port)),
        Child("dashboard", anomalia("dashboard", "--store", store, "--models", models,
                                    "--host", host, "--port", options.port)),
    ]  # fmt: skip


def _die_with_parent(group: int) -> Callable[[], None]:
    """``preexec_fn``: join process group ``group`` (0: lead a new one); die with the parent."""

    def prepare() -> None:
        os.setpgid(0, group)
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    return prepare


class Supervisor:
    """Start children in one process group; wait for the first to exit; stop them all."""

    def __init__(self, children: Sequence[Child], env: dict[str, str] | None = None):
        self.children = list(children)
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}
        self.finished: set[str] = set()
        self.group = 0

    def start(self) -> None:
        for child in self.children:
            process = subprocess.Popen(
                child.argv, env=self.env, preexec_fn=_die_with_parent(self.group)
            )
            self.group = self.group or process.pid
            self.processes[child.name] = process
            log.info("started %s (pid %d)", child.name, process.pid)

    def exited(self) -> tuple[str, int] | None:
        """(name, exit status) of a child that has exited, or None while all run.

        A child that finished its work (status 0: the simulator at the end of
        its data) is reported once and then left out, so the rest keep running.
        """
        for name, process in self.processes.items():
            status = process.poll()
            if status is not None and name not in self.finished:
                if status == 0:
                    self.finished.add(name)
                return name, status
        return None

    def failed(self) -> bool:
        """True once a child has exited with a non-zero status."""
        return any(process.poll() not in (None, 0) for process in self.processes.values())

    def wait(self, poll_seconds: float = 0.5) -> tuple[str, int]:
        """Block until a child exits; returns its name and exit status."""
        while (found := self.exited()) is None:
            time.sleep(poll_seconds)
        return found

    def stop(self, grace: float = GRACE_SECONDS) -> None:
        """SIGTERM to the group, SIGKILL to what is left after ``grace`` seconds; reap all."""
        if not self.group:
            return
        _signal_group(self.group, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        if any(process.poll() is None for process in self.processes.values()):
            log.warning("children still running after %.0f s: killing them", grace)
        # The group may hold grandchildren (uvicorn workers) even when the children are gone.
        _signal_group(self.group, signal.SIGKILL)
        for process in self.processes.values():
            process.wait()


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except ProcessLookupError:  # every member already exited
        pass


def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool]) -> bool:
    """True once ``host:port`` accepts a connection; False on timeout or when not ``alive()``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def ensure_models(models: Path, data: Path) -> None:
    """Train the demo's models, as ``make demo`` does, when ``models`` holds none."""
    if any(models.glob("*/manifest.json")):
        return
    if not data.is_file():
        log.info("%s is missing: generating the demo's data", data)
        subprocess.run(anomalia("generate", "--out", data), check=True)
    log.info("no models under %s: training the demo's (this takes a few minutes)", models)
    subprocess.run(anomalia("train", "--data", data, "--models", models), check=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m anomalia.live.run",
        description="Run the live stack (simulator, stream, API, dashboard) until Ctrl-C.",
    )
    parser.add_argument("--store", default=DEFAULT_STORE, metavar="URL", help=DEFAULT_STORE)
    parser.add_argument("--models", default="data/models", metavar="DIR", help="data/models")
    parser.add_argument(
        "--data", default="data/raw/synthetic.parquet", metavar="FILE", help="replayed data"
    )
    # The demo's data is 5-minute: at 300 each series gets a point a second, and replaying
    # its second half (never trained on) after a day of backfill shows flags at once.
    parser.add_argument("--speed", default="300", help="simulator: data seconds a second (300)")
    parser.add_argument("--backfill", default="1d", help="simulator: history written first (1d)")
    parser.add_argument(
        "--start-fraction", default="0.5", help="simulator: share of each series skipped (0.5)"
    )
    parser.add_argument(
        "--detector", action="append", metavar="NAME", help="streamed detectors (every trained)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface of the API and dashboard")
    parser.add_argument("--port", type=int, default=5006, help="dashboard port (5006)")
    parser.add_argument("--api-port", type=int, default=8000, help="API port (8000)")
    parser.add_argument(
        "--ready-timeout", type=float, default=120.0, metavar="SECONDS", help="dashboard start"
    )
    return parser


def _stop_on(number: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(number).name)


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _stop_on)
    supervisor = Supervisor(stack(options))
    try:
        ensure_models(Path(options.models), Path(options.data))
        supervisor.start()
        healthy = lambda: not supervisor.failed()  # noqa: E731
        if wait_for_port(options.host, options.port, options.ready_timeout, healthy):
            print(f"\n  dashboard: http://{options.host}:{options.port}/   (Ctrl-C stops)\n",
                  flush=True)  # fmt: skip
        while True:
            name, status = supervisor.wait()
            if status != 0:
                log.error("%s exited with status %d: stopping the stack", name, status)
                return status
            log.info("%s finished; the rest keep running", name)
    except KeyboardInterrupt:
        log.info("stopping the stack")
        return 0
    except subprocess.CalledProcessError as error:
        log.error("training the demo's models failed (status %d)", error.returncode)
        return error.returncode
    finally:
        # A second Ctrl-C must not cut the stop short and leave children behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
