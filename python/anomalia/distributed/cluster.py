"""The Dask client: an existing cluster named by ``--scheduler``, or a LocalCluster of processes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from anomalia.exceptions import ConfigError

log = logging.getLogger("anomalia")

INSTALL = "pip install 'anomalia[dask]'"


def require_distributed() -> Any:
    """The ``distributed`` module; ImportError naming the install command without it."""
    try:
        import distributed
    except ImportError:
        raise ImportError(f"--engine dask needs dask and distributed: {INSTALL}") from None
    return distributed


def check_scheduler(address: str) -> str:
    """``tcp://HOST:PORT`` (or tls://, inproc://), else a ConfigError saying so."""
    scheme, sep, rest = address.partition("://")
    if not sep or scheme not in ("tcp", "tls", "inproc", "ucx") or not rest:
        raise ConfigError(f"--scheduler must be an address like tcp://HOST:8786, got {address!r}")
    return address


@contextmanager
def open_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A connected :class:`distributed.Client`, closed (with its LocalCluster) on exit.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://dask-scheduler:8786``.
        None starts a :class:`distributed.LocalCluster` on this machine.
    workers : int, default 2
        LocalCluster workers: processes of one thread each (scoring holds
        the GIL, so threads would not run in parallel).
    """
    distributed = require_distributed()
    # The scheduler of a LocalCluster runs in this process: its INFO lines would
    # drown anomalia's own; warnings (a worker lost, a task rerun) still show.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be an integer >= 1, got {workers!r}")
    if scheduler:
        client = distributed.Client(check_scheduler(scheduler), timeout="30s")
        log.info("connected to the Dask scheduler at %s", scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            silence_logs=logging.WARNING,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        log.info("started a local Dask cluster of %d worker process(es)", workers)
        yield client


def n_workers(client: Any) -> int:
    """Workers the scheduler knows now (at least 1)."""
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
