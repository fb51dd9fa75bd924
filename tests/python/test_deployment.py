"""What can be checked of the Docker, compose and CI files without a Docker engine."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
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


def stages(found: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """The Dockerfile's instructions by stage name (``FROM image AS name``)."""
    named: dict[str, list[tuple[str, str]]] = {}
    for keyword, rest in found:
        if keyword == "FROM":
            current = named.setdefault(rest.split()[-1], [])
        current.append((keyword, rest))
    return named


@pytest.fixture(scope="module")
def all_stages() -> list[tuple[str, str]]:
    return instructions(ROOT / "Dockerfile")


@pytest.fixture(scope="module")
def dockerfile(all_stages) -> list[tuple[str, str]]:
    """The final stage: what the shipped image is made of."""
    return list(stages(all_stages).values())[-1]


def args(dockerfile, keyword: str) -> list[str]:
    return [rest for key, rest in dockerfile if key == keyword]


def test_debian_12_base(all_stages):
    assert all_stages[0][0] == "FROM"
    for base in args(all_stages, "FROM"):
        assert "bookworm" in base


def test_same_install_as_the_makefile(all_stages):
    runs = " && ".join(args(all_stages, "RUN"))
    assert "bash deployment/install_system.sh" in runs
    assert "make install" in runs
    makefile = (ROOT / "Makefile").read_text()
    assert "bash deployment/install_system.sh" in makefile
    assert re.search(r"^install: ", makefile, re.MULTILINE)
    # The script is copied before it runs, from where the Makefile expects it.
    copies = args(all_stages, "COPY")
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
    assert 'anomaliaR::serve(host="0.0.0.0", port=8001, models="/data/models")' in command
    assert plumber["ports"] == ["8001:8001"]
    assert api["build"]["target"] == list(stages(instructions(ROOT / "Dockerfile")))[-1]
    assert "127.0.0.1:8001/health" in " ".join(plumber["healthcheck"]["test"])
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


def pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on; the image and CI run 3.11
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_names(extras: str) -> set[str]:
    """Distribution names ``pip install '.[extras]'`` asks for (nested extras expanded)."""
    project = pyproject()["project"]
    names, todo, seen = set(), [e for e in extras.split(",") if e], set()
    requirements = list(project["dependencies"])
    while todo:
        extra = todo.pop()
        if extra not in seen:
            seen.add(extra)
            requirements += project["optional-dependencies"][extra]
    for requirement in requirements:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        nested = re.match(r"anomalia\[([^\]]+)\]", requirement)
        if nested:
            names |= requirement_names(nested.group(1))
        else:
            names.add(name)
    return names


DEV_OR_DEEP = {
    "pytest",
    "ruff",
    "hypothesis",
    "kubernetes-validate",
    "tensorflow",
    "keras",
    "boto3",
    "google-cloud-run",
}


def test_image_is_multi_stage_and_ships_only_runtime_extras(all_stages, dockerfile):
    named = stages(all_stages)
    assert list(named) == ["build", "runtime"]
    build = named["build"]
    assert ("ARG", "DEEP=false") in build
    (install,) = [run for run in args(build, "RUN") if "make install" in run]
    assert 'extras="serve,r,live"' in install
    assert 'if [ "$DEEP" = true ]; then extras="$extras,deep"; fi' in install
    assert 'make install EXTRAS="$extras"' in install
    assert not requirement_names("serve,r,live") & DEV_OR_DEEP
    assert {"dash", "duckdb", "influxdb"} <= requirement_names("serve,r,live")
    assert {"tensorflow", "keras"} <= requirement_names("serve,r,deep")
    assert {"fastapi", "uvicorn", "rpy2", "fastapi-offline"} <= requirement_names("serve,r")
    # The Makefile's install honours EXTRAS and installs everything by default.
    makefile = (ROOT / "Makefile").read_text()
    assert "-c constraints.txt -e '.[$(EXTRAS)]'" in makefile
    assert re.search(r"^EXTRAS \?= all,dev$", makefile, re.MULTILINE)
    # The shipped stage builds nothing: it copies the build stage's tree and venv.
    assert "--from=build /opt/anomalia /opt/anomalia" in args(dockerfile, "COPY")
    runs = " ".join(args(dockerfile, "RUN"))
    assert "make" not in runs and "pip" not in runs
    for stage in named.values():
        assert "ANOMALIA_SYSTEM=runtime" in " ".join(args(stage, "ENV"))


def missing_packages(tmp_path: Path, **env: str) -> list[str]:
    """What install_system.sh would install on a machine that has nothing (never as root)."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    for name, body in {"dpkg-query": "exit 1", "id": "echo 1000", "python3": "exit 0"}.items():
        (fake / name).write_text(f"#!/bin/sh\n{body}\n")
        (fake / name).chmod(0o755)
    result = subprocess.run(
        ["bash", str(ROOT / "deployment" / "install_system.sh")],
        env={"PATH": f"{fake}:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    return result.stderr.split("missing Debian packages: ")[1].split(";")[0].split()


def test_runtime_system_profile_leaves_out_tests_and_reports(tmp_path):
    full = missing_packages(tmp_path)
    runtime = missing_packages(tmp_path, ANOMALIA_SYSTEM="runtime")
    left_out = {"pandoc", "r-cran-rmarkdown", "r-cran-knitr", "r-cran-testthat"}
    left_out |= {"chromium", "chromium-driver"}  # the browser test's, not the image's
    assert left_out <= set(full)
    assert set(runtime) == set(full) - left_out
    assert {"r-base-core", "r-cran-forecast", "r-cran-plumber", "r-cran-reticulate"} <= set(runtime)
    assert "influxdb" in runtime  # compose's live stack runs the image's influxd


def test_cd_pushes_only_images_whose_tests_passed():
    cd = yaml.safe_load((ROOT / ".github" / "workflows" / "cd.yml").read_text())
    jobs = cd["jobs"]
    assert "make test" in [step.get("run", "") for step in jobs["test"]["steps"]]
    assert "bookworm" in jobs["test"]["container"]
    pushing = [
        name
        for name, job in jobs.items()
        if any(step.get("with", {}).get("push") is True for step in job["steps"])
        or any("docker push" in step.get("run", "") for step in job["steps"])
    ]
    assert pushing == ["image"]
    for name in pushing:
        needs = jobs[name].get("needs", [])
        assert "test" in ([needs] if isinstance(needs, str) else needs)
    build = next(s for s in jobs["image"]["steps"] if "build-push" in s.get("uses", ""))
    assert build["with"]["target"] == "runtime"


def test_license_is_the_mit_license_pyproject_names():
    project = pyproject()["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_size_estimate_follows_the_install_it_measures(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "image_size", ROOT / "deployment" / "docker" / "image_size.py"
    )
    image_size = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(image_size)
    # The same runtime profile as install_system.sh itself applies.
    runtime = missing_packages(tmp_path, ANOMALIA_SYSTEM="runtime")
    assert set(image_size.system_packages("runtime")) == set(runtime)
    assert set(image_size.system_packages("full")) == set(missing_packages(tmp_path))
    # The Python layer follows the installed requirements: no dev tools, no TensorFlow.
    shipped = image_size.python_closure({"serve", "r"})
    assert {"fastapi", "uvicorn", "numpy", "rpy2"} <= shipped
    assert not shipped & DEV_OR_DEEP
    assert {"tensorflow", "pytest"} <= image_size.python_closure({"all", "dev"})


LIVE_SERVICES = ("simulate", "stream", "dashboard")


def test_compose_runs_the_live_stack_on_the_images_influxdb(dockerfile):
    """The live services are `make run`'s processes, with options the CLI accepts, on
    an InfluxDB server run from the same image (Debian's influxd, as install_system.sh)."""
    from anomalia.cli.main import build_parser

    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    image = services["api"]["image"]
    influxdb = services["influxdb"]
    assert influxdb["image"] == image
    program, flag, config_path = influxdb["entrypoint"]
    assert (program, flag) == ("influxd", "-config")
    assert "influxdb" in (ROOT / "deployment" / "install_system.sh").read_text()
    config = (ROOT / config_path.removeprefix("/opt/anomalia/")).read_text()
    assert 'bind-address = ":8086"' in config
    assert "127.0.0.1:8086/ping" in " ".join(influxdb["healthcheck"]["test"])
    # The image's unprivileged user owns the folders the volumes mount.
    runs = " ".join(args(dockerfile, "RUN"))
    for volume in ("/var/lib/anomalia/influxdb", "/var/lib/anomalia/stream"):
        assert volume in runs
    assert "chown -R anomalia:anomalia /var/lib/anomalia" in runs
    assert re.search(r'dir = "/var/lib/anomalia/influxdb/', config)
    parser = build_parser()
    for name in LIVE_SERVICES:
        service = services[name]
        assert service["image"] == image
        assert service["depends_on"]["influxdb"]["condition"] == "service_healthy"
        command = service["entrypoint"]
        assert command[0] == "anomalia"
        options = parser.parse_args(command[1:])  # exits on an unknown option
        assert options.command == name
        assert options.store == "influxdb://influxdb:8086/anomalia"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).resolve().parent.is_dir()
            else:
                assert source in compose["volumes"]
    dashboard = parser.parse_args(services["dashboard"]["entrypoint"][1:])
    assert services["dashboard"]["ports"] == [f"127.0.0.1:{dashboard.port}:{dashboard.port}"]
    assert dashboard.insecure and dashboard.host == "0.0.0.0"
    simulate = parser.parse_args(services["simulate"]["entrypoint"][1:])
    demo_data = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text())["paths"]["data"]
    assert simulate.data == [f"/{demo_data}"]  # make demo's data, mounted at /data/raw
    assert "../../data/raw:/data/raw:ro" in services["simulate"]["volumes"]
