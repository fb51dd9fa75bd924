"""The guides in docs/: present, linked, and their commands and URLs true to the code.

Every `anomalia ...` line in a guide's bash blocks must name a real command
and only options that command takes (commands still being built elsewhere are
listed and skipped); every curl in the deployment guide must hit a route the
service or the plumber service has.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from anomalia.cli.main import build_parser

ROOT = Path(__file__).parents[2]
GUIDES = [
    "model_architectures.md",
    "data_pipeline.md",
    "anomaly_detection_strategies.md",
    "deployment_guide.md",
]
# Specified by issue 11 and shown in the guides before they exist.
NOT_BUILT_YET = {"stream", "dashboard"}


def bash_lines(text: str) -> list[str]:
    """Command lines of the ```bash blocks, continuations joined, comments dropped."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def subcommands(parser: argparse.ArgumentParser | None = None) -> dict:
    """Sub-command name -> its parser (``bench nab`` nested one level)."""
    parser = parser or build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_exists_and_the_readme_links_it(guide):
    assert (ROOT / "docs" / guide).is_file()
    assert f"docs/{guide}" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("guide", GUIDES)
def test_anomalia_commands_in_the_guide_exist(guide):
    commands = subcommands()
    checked = 0
    for line in bash_lines((ROOT / "docs" / guide).read_text()):
        for part in re.split(r"&&|\|", line):
            words = shlex.split(part.strip().replace("[", "").replace("]", ""))
            if not words or words[0] not in ("anomalia", ".venv/bin/anomalia"):
                continue
            name = words[1]
            if name in NOT_BUILT_YET:
                continue
            assert name in commands, f"{guide}: `anomalia {name}` is no command"
            command, rest = commands[name], words[2:]
            nested = subcommands(command)
            if nested:
                assert rest and rest[0] in nested, f"{guide}: `anomalia {name} {rest[:1]}`"
                command, rest = nested[rest[0]], rest[1:]
            options = set(command._option_string_actions)
            for word in rest:
                flag = word.split("=")[0]
                if flag.startswith("--"):
                    assert flag in options, f"{guide}: `anomalia {name}` has no option {flag}"
            checked += 1
    if guide != "model_architectures.md":
        assert checked, f"{guide} shows no anomalia command"


def test_deployment_guide_curls_hit_real_routes():
    from anomalia.service.main import create_app
    from anomalia.service.settings import Settings

    app = create_app(Settings(models_dir=ROOT / "no-models-here"))
    api_paths = set(app.openapi()["paths"])
    serve_r = (ROOT / "R" / "R" / "serve.R").read_text()
    plumber_paths = set(re.findall(r'pr_(?:get|post)\(router, "([^"]+)"', serve_r))
    assert "/health" in plumber_paths
    text = (ROOT / "docs" / "deployment_guide.md").read_text()
    urls = re.findall(r"curl [^\n]*?http://127\.0\.0\.1:(\d+)(/[^\s'\"]*)", text)
    assert urls
    for port, path in urls:
        known = api_paths if port == "8000" else plumber_paths
        assert path in known, f"curl :{port}{path} is no route"
