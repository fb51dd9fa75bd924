"""A deployment as an ordered list of steps: printed by ``--dry-run``, carried out otherwise.

``deploy_aws.py`` and ``deploy_gcp.py`` describe their deployment as data: shell
commands (docker, gcloud), SDK calls (``client.method(**params)``), uploads of
the trained models, waiters and a final health check. ``--dry-run`` prints that
list in order; the real run walks the same list, so what was printed is what
runs. Values known only once a call returned (an ARN, a URL) are :class:`Ref`
placeholders, filled from earlier results at run time and printed as
``${name}``. Cloud SDKs are imported by the real run only, when a step needs
them.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The repository root: the image is built from it, and its pyproject.toml gives the tag.
ROOT = Path(__file__).resolve().parents[2]
API_PORT = 8000
PLUMBER_PORT = 8001
PLUMBER_COMMAND = ["Rscript", "-e", f'anomaliaR::serve(host="0.0.0.0", port={PLUMBER_PORT})']
#: Where both services read the trained model sets in their containers.
MODELS_PATH = "/data/models"


def project_version() -> str:
    """anomalia's version from pyproject.toml (the default image tag)."""
    text = (ROOT / "pyproject.toml").read_text()
    return text.split('\nversion = "', 1)[1].split('"', 1)[0]


@dataclass(frozen=True)
class Ref:
    """A value an earlier step saved under ``name``."""

    name: str


@dataclass(frozen=True)
class Join:
    """A string made of literal parts and :class:`Ref` parts (``Join(Ref("uri"), ":0.1.0")``)."""

    parts: tuple[Any, ...]

    def __init__(self, *parts: Any) -> None:
        object.__setattr__(self, "parts", parts)


@dataclass(frozen=True)
class Json:
    """A JSON document as a string (an IAM policy), with :class:`Ref` values filled first."""

    document: Any


@dataclass
class Command:
    """A shell command, run as an argument list (never through a shell)."""

    argv: list[Any]
    stdin: Any = None

    def describe(self) -> str:
        text = "$ " + " ".join(shlex.quote(str(show(part))) for part in self.argv)
        return text + (f"   (stdin: {show(self.stdin)})" if self.stdin is not None else "")


@dataclass
class Call:
    """One SDK call, ``client.method(**params)``; ``save`` keeps parts of its answer.

    ``save`` maps a name to a path into the answer (``"Secret.ARN"``,
    ``"loadBalancers.0.dnsName"``) or to a function of the answer; ``operation=True`` waits for a
    long-running operation's result first (Google Cloud); ``exists`` names the
    error codes that mean "already there": the step is then skipped, or
    ``if_exists`` is called instead (an update for a create); ``then`` is
    called only after the call itself succeeded (a secret's first value).
    """

    client: str
    method: str
    params: dict[str, Any]
    save: dict[str, str | Callable[[Any], Any]] = field(default_factory=dict)
    operation: bool = False
    exists: tuple[str, ...] = ()
    if_exists: Call | None = None
    then: Call | None = None

    def describe(self) -> str:
        params = json.dumps(show(self.params), indent=2, sort_keys=False)
        saved = f"   -> {', '.join(f'${{{name}}}' for name in self.save)}" if self.save else ""
        text = f"{self.client}.{self.method}({params}){saved}"
        if self.if_exists is not None:
            text += f"\n  if it exists: {self.if_exists.client}.{self.if_exists.method}(...)"
        if self.then is not None:
            text += "\n  then: " + self.then.describe()
        return text


@dataclass
class Upload:
    """Every file under ``source`` to ``destination`` (a bucket), keeping relative paths.

    ``put(client, path, key)`` sends one file with the SDK client named ``client``.
    """

    source: Path
    destination: str
    client: str
    put: Callable[[Any, Path, str], None]

    def files(self) -> list[Path]:
        if not self.source.is_dir():
            return []
        return sorted(path for path in self.source.rglob("*") if path.is_file())

    def describe(self) -> str:
        count = len(self.files())
        found = f"{count} files" if count else "no files yet: run `anomalia train` first"
        return f"upload {os.path.relpath(self.source)}/ -> {self.destination}  ({found})"


@dataclass
class Waiter:
    """One of boto3's waiters: ``client.get_waiter(name).wait(**params)``."""

    client: str
    name: str
    params: dict[str, Any]

    def describe(self) -> str:
        params = json.dumps(show(self.params), sort_keys=False)
        return f"{self.client}.get_waiter({self.name!r}).wait(**{params})"


@dataclass
class HealthCheck:
    """GET ``url`` until it answers 200."""

    url: Any
    headers: dict[str, Any] = field(default_factory=dict)
    timeout: float = 600

    def describe(self) -> str:
        headers = "".join(f" -H '{key}: {show(value)}'" for key, value in self.headers.items())
        return f"$ curl -fsS{headers} {show(self.url)}"


Step = Command | Call | Upload | Waiter | HealthCheck


def show(value: Any) -> Any:
    """``value`` with every :class:`Ref` written as ``${name}``, for printing."""
    if isinstance(value, Ref):
        return f"${{{value.name}}}"
    if isinstance(value, Join):
        return "".join(str(show(part)) for part in value.parts)
    if isinstance(value, Json):
        return json.dumps(show(value.document))
    if isinstance(value, dict):
        return {key: show(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [show(item) for item in value]
    return value


def resolve(value: Any, saved: dict[str, Any]) -> Any:
    """``value`` with every :class:`Ref` replaced by what an earlier step saved."""
    if isinstance(value, Ref):
        if value.name not in saved:
            raise RuntimeError(f"no earlier step saved ${{{value.name}}}")
        return saved[value.name]
    if isinstance(value, Join):
        return "".join(str(resolve(part, saved)) for part in value.parts)
    if isinstance(value, Json):
        return json.dumps(resolve(value.document, saved))
    if isinstance(value, dict):
        return {key: resolve(item, saved) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, saved) for item in value]
    return value


def dig(answer: Any, path: str) -> Any:
    """Follow ``path`` (dots, list indices) into a dict answer or a response object."""
    for part in path.split("."):
        if part.isdigit():
            answer = answer[int(part)]
        elif isinstance(answer, dict):
            answer = answer[part]
        else:
            answer = getattr(answer, part)
    return answer


def print_plan(steps: list[Step], title: str, out: Any = None) -> None:
    out = out or sys.stdout
    print(f"# {title}: {len(steps)} steps, in order (dry run: nothing is called)", file=out)
    for number, step in enumerate(steps, 1):
        lines = step.describe().splitlines()
        print(f"{number:2d}. {lines[0]}", file=out)
        for line in lines[1:]:
            print(f"    {line}", file=out)


def plan_as_json(steps: list[Step]) -> list[dict[str, Any]]:
    """The plan as data, for tests and reviews (``--dry-run --json``)."""
    rows = []
    for step in steps:
        row: dict[str, Any] = {"kind": type(step).__name__.lower(), "text": step.describe()}
        if isinstance(step, Command):
            row["argv"] = [str(show(part)) for part in step.argv]
        elif isinstance(step, Call):
            row.update(client=step.client, method=step.method, params=show(step.params))
            row["save"] = sorted(step.save)
            for key in ("if_exists", "then"):
                if getattr(step, key) is not None:
                    row[key] = {
                        "method": getattr(step, key).method,
                        "params": show(getattr(step, key).params),
                    }
        elif isinstance(step, Upload):
            row.update(source=str(step.source), destination=step.destination)
        elif isinstance(step, Waiter):
            row.update(client=step.client, waiter=step.name, params=show(step.params))
        elif isinstance(step, HealthCheck):
            row["url"] = show(step.url)
        rows.append(row)
    return rows


def error_code(error: Exception) -> str:
    """The service's error code of an SDK exception (boto3's ClientError or google's)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code", "")
    return type(error).__name__


def call(step: Call, client: Callable[[str], Any], saved: dict[str, Any]) -> None:
    """One SDK call; its saved values go into ``saved``."""
    try:
        answer = getattr(client(step.client), step.method)(**resolve(step.params, saved))
    except Exception as error:
        if error_code(error) not in step.exists:
            raise
        if step.if_exists is None:
            print(f"    already there ({error_code(error)}): kept as it is")
            return
        print(f"    already there ({error_code(error)}): {step.if_exists.method} instead")
        call(step.if_exists, client, saved)
        return
    if step.operation:
        answer = answer.result()
    for name, path in step.save.items():
        saved[name] = path(answer) if callable(path) else dig(answer, path)
    if step.then is not None:
        call(step.then, client, saved)


def run(
    steps: list[Step], client: Callable[[str], Any], saved: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Carry the steps out in order; ``client(name)`` makes an SDK client on first use."""
    saved = saved if saved is not None else {}
    for number, step in enumerate(steps, 1):
        print(f"[{number}/{len(steps)}] {step.describe().splitlines()[0]}", flush=True)
        if isinstance(step, Command):
            stdin = resolve(step.stdin, saved)
            subprocess.run(
                [str(part) for part in resolve(step.argv, saved)],
                input=stdin.encode() if stdin is not None else None,
                check=True,
            )
        elif isinstance(step, Call):
            call(step, client, saved)
        elif isinstance(step, Upload):
            files = step.files()
            if not files:
                raise RuntimeError(f"{step.source} holds no models: run `anomalia train` first")
            sdk = client(step.client)
            for path in files:
                step.put(sdk, path, path.relative_to(step.source).as_posix())
        elif isinstance(step, Waiter):
            client(step.client).get_waiter(step.name).wait(**resolve(step.params, saved))
        elif isinstance(step, HealthCheck):
            url = resolve(step.url, saved)
            headers = resolve(step.headers, saved)
            deadline = time.monotonic() + step.timeout
            while True:
                try:
                    request = urllib.request.Request(url, headers=headers)
                    with urllib.request.urlopen(request, timeout=10) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} did not answer 200")
                time.sleep(10)
    return saved
