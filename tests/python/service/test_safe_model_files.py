"""Model files handed to the service are data: a pickle in them is refused and never runs."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import tarfile
import time
from pathlib import Path

import httpx
import pytest


class Payload:
    """Unpickling this runs a shell command that creates ``path``."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def poisoned_copy(trained_root: Path, target: Path, marker: Path, *, old_format: bool) -> Path:
    """A trained zscore model set with a pickle payload in it.

    ``old_format`` makes it look as an older anomalia wrote it (pickled state and
    threshold instead of the safe files); otherwise one pickle is added beside them.
    """
    folder = Path(shutil.copytree(trained_root / "zscore", target))
    payload = pickle.dumps(Payload(marker))
    if old_format:
        for series in folder.glob("series-*"):
            for stem in ("state", "threshold"):
                for path in series.glob(f"{stem}.*"):
                    path.unlink()
                (series / f"{stem}.pkl").write_bytes(payload)
    else:
        (folder / "series-0000" / "threshold.pkl").write_bytes(payload)
    return folder


def tgz(folder: Path) -> bytes:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as bundle:
        bundle.add(folder, arcname=folder.name)
    return archive.getvalue()


@pytest.mark.parametrize("old_format", [True, False], ids=["old-pickled", "pickle-added"])
def test_uploaded_archive_with_a_pickle_payload_is_refused(
    start_server, trained_root, tmp_path, old_format
):
    marker = tmp_path / "payload-ran"
    folder = poisoned_copy(trained_root, tmp_path / "evil", marker, old_format=old_format)
    server = start_server(api_key="secret")
    with server.client() as client:
        answer = client.post(
            "/models/evil/versions/upload", files={"file": ("evil.tgz", tgz(folder))}
        )
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert "pickles" in detail and "anomalia train" in detail
        assert "Traceback" not in detail
        assert client.get("/models/evil").status_code == 404
    assert not marker.exists()
    assert not list((server.settings.registry_path / "evil").glob("[0-9]*"))


def test_registering_a_folder_with_a_pickle_payload_is_refused(
    start_server, trained_root, tmp_path
):
    marker = tmp_path / "payload-ran"
    folder = poisoned_copy(trained_root, tmp_path / "evil", marker, old_format=True)
    with start_server(api_key="secret").client() as client:
        answer = client.post("/models/evil/versions", json={"path": str(folder)})
        assert answer.status_code == 422, answer.text
        assert "anomalia train" in answer.json()["detail"]
    assert not marker.exists()


def test_an_old_pickled_model_in_the_models_folder_is_reported_not_run(
    start_server, trained_root, tmp_path
):
    marker = tmp_path / "payload-ran"
    models = tmp_path / "models"
    models.mkdir()
    poisoned_copy(trained_root, models / "zscore", marker, old_format=True)
    server = start_server(models_dir=models, wait_ready=False)
    deadline = time.monotonic() + 30
    while (ready := httpx.get(f"{server.url}/ready")).json()["detail"] == "models are loading":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert ready.status_code == 503
    assert "pickles" in ready.json()["detail"] and "anomalia train" in ready.json()["detail"]
    assert not marker.exists()
