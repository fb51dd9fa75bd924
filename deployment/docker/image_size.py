"""Estimate the image's size from its layers, without a container engine.

    .venv/bin/python deployment/docker/image_size.py            # runtime image, as shipped
    .venv/bin/python deployment/docker/image_size.py --extras serve,r,deep

Two layers dominate, and both are measured on a machine where ``make install``
ran (Debian 12, the image's distribution):

* Debian packages: every package ``deployment/install_system.sh`` installs with
  ``ANOMALIA_SYSTEM=runtime``, with the dependencies apt would pull in
  (``apt-cache depends --recurse``, no recommends), less the packages the
  base image already has (the essential and required ones with their
  dependencies, and those the python image adds); sizes are dpkg's
  Installed-Size.
* The Python environment: every distribution ``pip install '.[EXTRAS]'``
  brings, found from the installed metadata (requirements followed with
  their markers), sizes summed over the files each one installed.

The base image (``python:3.11-slim-bookworm``) comes on top; it is not
measured here.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import os
import re
import subprocess
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# What python:3.11-slim-bookworm adds to debian:bookworm-slim: the packages its Dockerfile
# installs, and the libraries its Python build links to (kept by that Dockerfile).
PYTHON_IMAGE_PACKAGES = [
    "ca-certificates",
    "netbase",
    "tzdata",
    "libbz2-1.0",
    "libcrypt1",
    "libdb5.3",
    "libexpat1",
    "libffi8",
    "libgdbm6",
    "liblzma5",
    "libncursesw6",
    "libnsl2",
    "libreadline8",
    "libsqlite3-0",
    "libssl3",
    "libtinfo6",
    "libtirpc3",
    "libuuid1",
    "zlib1g",
]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def python_closure(extras: set[str], project: str = "anomalia") -> set[str]:
    """Names of the distributions installing ``project[extras]`` brings."""
    seen: set[str] = set()
    visited: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(canonical(project), frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        if (name, wanted) in visited:
            continue
        visited.add((name, wanted))
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker and not any(
                requirement.marker.evaluate(environment) for environment in environments
            ):
                continue
            todo.append((canonical(requirement.name), frozenset(requirement.extras)))
    return seen


def distribution_bytes(name: str) -> int:
    distribution = metadata.distribution(name)
    total = 0
    for file in distribution.files or []:
        path = Path(distribution.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def system_packages(profile: str) -> list[str]:
    """The packages install_system.sh lists, less those the runtime profile leaves out."""
    text = (ROOT / "deployment" / "install_system.sh").read_text()
    names = text.split("packages=(", 1)[1].split(")", 1)[0].split()
    if profile == "full":
        return names
    case = re.search(r"^\s+([a-z0-9.| -]+)\) ;;$", text, re.MULTILINE).group(1)
    left_out = {name.strip() for name in case.split("|")}
    return [name for name in names if name not in left_out]


def debian_closure(packages: list[str]) -> set[str]:
    """The packages and everything they depend on, as installed here (apt lists each once)."""
    output = subprocess.run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--installed",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *packages,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line for line in output.splitlines() if line and line[0] not in " <|"}


def installed() -> dict[str, tuple[int, bool]]:
    """name -> (installed bytes, in a minimal Debian) for every installed package."""
    output = subprocess.run(
        [
            "dpkg-query",
            "-W",
            "-f",
            "${Package}\t${Installed-Size}\t${Priority}\t${Essential}\t${Status}\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    packages = {}
    for line in output.splitlines():
        package, size, priority, essential, status = line.split("\t")
        if status.endswith(" installed"):
            minimal = essential == "yes" or priority == "required"
            packages[package] = (int(size or 0) * 1024, minimal)
    return packages


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extras", default="serve,r", help="the image's extras (default: serve,r)")
    parser.add_argument(
        "--system",
        choices=["runtime", "full"],
        default="runtime",
        help="install_system.sh profile (full: with testthat, knitr, rmarkdown, pandoc)",
    )
    parser.add_argument("--top", type=int, default=8, help="largest items listed per layer")
    args = parser.parse_args()

    packages = installed()
    base = debian_closure(
        [name for name, (_, minimal) in packages.items() if minimal]
        + [name for name in PYTHON_IMAGE_PACKAGES if name in packages]
    )
    closure = debian_closure(system_packages(args.system)) - base
    added = {name: packages[name][0] for name in closure if name in packages}
    debian_total = sum(added.values())

    extras = {extra for extra in args.extras.split(",") if extra}
    names = sorted(python_closure(extras) - {"anomalia"})
    python = {name: distribution_bytes(name) for name in names}
    for tool in ("pip", "setuptools"):  # the venv's own
        python.setdefault(tool, distribution_bytes(tool))
    python_total = sum(python.values())

    print(
        f"Debian packages ({args.system} profile): {len(added)} packages, {megabytes(debian_total)}"
    )
    for name, size in sorted(added.items(), key=lambda item: -item[1])[: args.top]:
        print(f"    {name:<32} {megabytes(size):>9}")
    print(f"Python .venv [{args.extras}]: {len(python)} distributions, {megabytes(python_total)}")
    for name, size in sorted(python.items(), key=lambda item: -item[1])[: args.top]:
        print(f"    {name:<32} {megabytes(size):>9}")
    print(
        f"Layers added to python:3.11-slim-bookworm: {megabytes(debian_total + python_total)}"
        f" (uncompressed; machine: {os.uname().machine})"
    )


if __name__ == "__main__":
    main()
