"""The ``make run`` supervisor: one process group, orderly stop, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from anomalia.live.run import Child, Supervisor

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups and prctl")


def sleeper(name: str, ready: Path, ignore_term: bool = False) -> Child:
    code = (
        "import signal, sys, time\n"
        + ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" if ignore_term else "")
        + f"open({str(ready)!r}, 'w').close()\n"
        + "time.sleep(120)\n"
    )
    return Child(name, (sys.executable, "-c", code))


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0): it has exited, its parent has not reaped it yet.
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"


def test_children_share_a_group_of_their_own_and_stop_together(tmp_path):
    supervisor = Supervisor([sleeper(f"c{i}", tmp_path / f"c{i}") for i in range(3)])
    supervisor.start()
    try:
        wait_for(lambda: all((tmp_path / f"c{i}").exists() for i in range(3)))
        pids = [process.pid for process in supervisor.processes.values()]
        assert {os.getpgid(pid) for pid in pids} == {supervisor.group}
        assert supervisor.group != os.getpgid(0)  # a terminal's Ctrl-C reaches the supervisor only
        assert supervisor.exited() is None
    finally:
        started = time.monotonic()
        supervisor.stop(grace=10)
    assert time.monotonic() - started < 5  # SIGTERM was enough
    assert all(process.returncode == -signal.SIGTERM for process in supervisor.processes.values())
    with pytest.raises(ProcessLookupError):
        os.killpg(supervisor.group, 0)


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path):
    supervisor = Supervisor([sleeper("stubborn", tmp_path / "ready", ignore_term=True)])
    supervisor.start()
    wait_for((tmp_path / "ready").exists)
    supervisor.stop(grace=0.5)
    assert supervisor.processes["stubborn"].returncode == -signal.SIGKILL


def test_a_child_that_exits_is_reported_once(tmp_path):
    done = Child("done", (sys.executable, "-c", "exit(0)"))
    supervisor = Supervisor([sleeper("long", tmp_path / "ready"), done])
    supervisor.start()
    try:
        assert supervisor.wait(poll_seconds=0.05) == ("done", 0)
        assert supervisor.exited() is None and not supervisor.failed()  # the rest run on
    finally:
        supervisor.stop()
    supervisor = Supervisor([Child("broken", (sys.executable, "-c", "exit(3)"))])
    supervisor.start()
    try:
        assert supervisor.wait(poll_seconds=0.05) == ("broken", 3)
        assert supervisor.failed()
    finally:
        supervisor.stop()


def test_children_die_with_a_killed_supervisor(tmp_path):
    ready = tmp_path / "ready"
    child_code = f"import time; open({str(ready)!r}, 'w').close(); time.sleep(120)"
    script = (
        "import sys, time\n"
        "from anomalia.live.run import Child, Supervisor\n"
        f"s = Supervisor([Child('c', (sys.executable, '-c', {child_code!r}))])\n"
        "s.start()\n"
        "print(s.processes['c'].pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    wait_for(ready.exists)
    parent.kill()  # kill -9: no chance to clean up
    parent.wait()
    wait_for(lambda: gone(child), timeout=10)
