"""The curl examples of docs/api_usage.md, run as written against a real server.

Each example is a ```bash block preceded by ``<!-- expect: STATUS [auth]
[fields=a,b] -->``. The examples run in order, with real ``curl``, in a
workspace laid out as after ``make demo`` (``anomalia generate`` and
``anomalia train`` on a small configuration); ``auth`` examples run against a
second server that requires an API key.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from anomalia.cli.main import main

DOC = Path(__file__).parents[3] / "docs" / "api_usage.md"
EXAMPLE = re.compile(
    r"<!-- expect: (?P<status>\d{3})(?P<auth> auth)?(?: fields=(?P<fields>[\w,]+))? -->\n"
    r"```bash\n(?P<script>.*?)```",
    re.DOTALL,
)
DOC_URL = "http://localhost:8000"
KEY = "docs-example-key"
# Each curl call writes its body to $BODY and appends its status to $STATUS.
PRELUDE = """
curl() { command curl --show-error -o "$BODY" -w '%{http_code}\\n' "$@" >> "$STATUS"; }
"""


def examples() -> list[dict]:
    found = [m.groupdict() for m in EXAMPLE.finditer(DOC.read_text())]
    assert len(found) >= 12, "the curl examples of docs/api_usage.md were not found"
    return found


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """Like a clone after `make demo`: data/raw/synthetic.parquet and data/models/."""
    workspace = tmp_path / "clone"
    (workspace / "configs").mkdir(parents=True)
    config = {
        "synthetic": {"n_series": 2, "length": 600, "freq": "5min", "seed": 1},
        "train": {
            "detectors": ["zscore", "iforest"],
            "train_fraction": 0.5,
            "params": {"zscore": {"window": 48}, "iforest": {"random_state": 0}},
        },
    }
    (workspace / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(workspace)
    assert main(["generate", "--quiet"]) == 0
    assert main(["train", "--quiet"]) == 0
    return workspace


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl program")
def test_curl_examples_in_the_docs_work(workspace, start_server, tmp_path):
    models = workspace / "data" / "models"
    servers = {
        False: start_server(models_dir=models),
        True: start_server(models_dir=models, api_key=KEY),
    }
    for number, example in enumerate(examples(), start=1):
        server = servers[bool(example["auth"])]
        body, status = tmp_path / f"body-{number}", tmp_path / f"status-{number}"
        status.write_text("")
        script = PRELUDE + example["script"].replace(DOC_URL, server.url)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=workspace,
            env={
                "BODY": str(body),
                "STATUS": str(status),
                "ANOMALIA_API_KEY": KEY,
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        where = f"example {number} of {DOC.name}:\n{example['script']}"
        assert result.returncode == 0, f"{where}\n{result.stderr}"
        statuses = status.read_text().split()
        assert statuses and statuses[-1] == example["status"], f"{where}\n{body.read_text()}"
        if example["fields"]:
            answer = json.loads(body.read_text())
            first = answer[0] if isinstance(answer, list) else answer
            missing = set(example["fields"].split(",")) - set(first)
            assert not missing, f"{where}\nmissing fields {missing} in {body.read_text()[:500]}"
