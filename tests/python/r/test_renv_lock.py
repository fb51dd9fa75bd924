"""renv.lock records exactly the R and package versions installed here."""

from __future__ import annotations

import json

from .conftest import ROOT, run_r

LOCK = json.loads((ROOT / "renv.lock").read_text())


def test_lock_matches_installed_versions(r_env):
    names = sorted(LOCK["Packages"])
    code = (
        "cat(paste(R.version$major, R.version$minor, sep = '.'), '\\n', sep = '');"
        f"for (p in c({', '.join(repr(n) for n in names)})) "
        "cat(p, if (nzchar(system.file(package = p))) packageDescription(p)$Version "
        "else 'MISSING', '\\n')"
    )
    lines = run_r(code, r_env).splitlines()
    assert lines[0] == LOCK["R"]["Version"], "R version differs: run `make renv-lock`"
    installed = dict(line.split() for line in lines[1:])
    locked = {name: entry["Version"] for name, entry in LOCK["Packages"].items()}
    differ = {n: (locked[n], installed[n]) for n in names if locked[n] != installed[n]}
    assert not differ, f"renv.lock (locked, installed) differ: {differ}; run `make renv-lock`"


def test_lock_covers_every_package_the_description_names():
    description = (ROOT / "R" / "DESCRIPTION").read_text()
    fields = {}
    for block in description.split("\n"):
        if block and not block[0].isspace():
            key, _, value = block.partition(":")
            fields[key] = value
            current = key
        elif block:
            fields[current] += block
    used = set()
    for field in ("Imports", "Suggests"):
        for entry in fields.get(field, "").split(","):
            name = entry.split("(")[0].strip()
            if name and name not in {"stats", "utils", "tools", "methods", "grDevices"}:
                used.add(name)
    missing = sorted(used - set(LOCK["Packages"]))
    assert not missing, f"renv.lock lacks {missing}; run `make renv-lock`"
    for entry in LOCK["Packages"].values():
        assert entry["Source"] == "Repository"
