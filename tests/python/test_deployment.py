"""What can be checked of the Docker, compose and CI files without a Docker engine."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "deployment" / "docker" / "docker-compose.yml"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions(ROOT / "Dockerfile")


def args(dockerfile, keyword: str) -> list[str]:
    return [rest for key, rest in dockerfile if key == keyword]


def test_debian_12_base(dockerfile):
    assert dockerfile[0][0] == "FROM"
    assert "bookworm" in dockerfile[0][1]


def test_same_install_as_the_makefile(dockerfile):
    runs = " && ".join(args(dockerfile, "RUN"))
    assert "bash deployment/install_system.sh" in runs
    assert "make install" in runs
    makefile = (ROOT / "Makefile").read_text()
    assert "bash deployment/install_system.sh" in makefile
    assert re.search(r"^install: ", makefile, re.MULTILINE)
    # The script is copied before it runs, from where the Makefile expects it.
    copies = args(dockerfile, "COPY")
    assert "deployment/install_system.sh deployment/install_system.sh" in copies
    assert (ROOT / "deployment" / "install_system.sh").is_file()


def test_runs_as_a_non_root_user(dockerfile):
    users = args(dockerfile, "USER")
    assert users and users[-1] not in ("root", "0", "0:0")
    last_user = max(i for i, (key, _) in enumerate(dockerfile) if key == "USER")
    assert not any(key == "RUN" for key, _ in dockerfile[last_user:])


def test_health_check_hits_health_on_the_exposed_port(dockerfile):
    exposed = args(dockerfile, "EXPOSE")
    assert exposed == ["8000"]
    (check,) = args(dockerfile, "HEALTHCHECK")
    assert "127.0.0.1:8000/health" in check
    entrypoint = json.loads(args(dockerfile, "ENTRYPOINT")[0])
    assert entrypoint[:2] == ["anomalia", "serve"]
    assert entrypoint[entrypoint.index("--port") + 1] == "8000"
    assert entrypoint[entrypoint.index("--host") + 1] == "0.0.0.0"


def test_dockerignore_keeps_environments_and_data_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "data"} <= set(ignored)


def test_compose_file_builds_this_dockerfile_and_maps_the_ports(dockerfile):
    compose = yaml.safe_load(COMPOSE.read_text())
    api, plumber = compose["services"]["api"], compose["services"]["plumber"]
    context = (COMPOSE.parent / api["build"]["context"]).resolve()
    assert context == ROOT.resolve()
    assert (context / api["build"]["dockerfile"]).is_file()
    assert api["ports"] == ["8000:8000"]
    assert api["ports"][0].split(":")[1] == args(dockerfile, "EXPOSE")[0]
    assert plumber["image"] == api["image"]
    command = " ".join(plumber["entrypoint"])
    assert 'anomaliaR::serve(host="0.0.0.0", port=8001)' in command
    assert plumber["ports"] == ["8001:8001"]
    for service in (api, plumber):
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).resolve().parent.is_dir()
            else:
                assert source in compose["volumes"]


def test_ci_runs_make_test_and_cd_pushes_the_image():
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    steps = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert "make test" in steps
    assert "bookworm" in ci["jobs"]["test"]["container"]
    cd = yaml.safe_load((ROOT / ".github" / "workflows" / "cd.yml").read_text())
    # YAML reads the key `on` as True.
    assert cd[True]["push"]["tags"] == ["v*"]
    build = next(s for s in cd["jobs"]["image"]["steps"] if "build-push" in s.get("uses", ""))
    assert build["with"]["push"] is True and build["with"]["file"] == "Dockerfile"
    assert cd["jobs"]["image"]["permissions"]["packages"] == "write"


def test_jenkinsfile_tests_then_builds_and_pushes():
    text = (ROOT / "Jenkinsfile").read_text()
    commands = re.findall(r"sh '([^']*)'", text)
    assert "make test" in commands
    build = next(c for c in commands if c.startswith("docker build"))
    assert shlex.split(build)[-3:] == ["-f", "Dockerfile", "."]
    assert any(c.startswith("docker push") for c in commands)
    assert text.index("make test") < text.index("docker build") < text.index("docker push")


def test_image_points_r_at_the_library_make_install_fills(dockerfile):
    (workdir,) = args(dockerfile, "WORKDIR")
    rlib = re.search(r"^RLIB := (\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    env = " ".join(args(dockerfile, "ENV"))
    assert f"R_LIBS={workdir}/{rlib}" in env
    assert f"RETICULATE_PYTHON={workdir}/.venv/bin/python" in env
