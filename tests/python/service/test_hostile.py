"""Attacks from the audit, each refused or bounded: bombs, floods, poisoned registry state."""

from __future__ import annotations

import json
import shutil
import time

import httpx
import pytest

from .archive_bombs import MIB, tar_gz_bomb, zip_bomb, zip_of_many_files
from .conftest import API_KEY, detect_body, make_observations


@pytest.fixture
def server(start_server):
    return start_server(api_key=API_KEY)


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def refused(response: httpx.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert "Traceback" not in response.text
    for fragment in fragments:
        assert fragment in detail, detail


def test_twenty_thousand_series_entries_refused_in_under_a_second(server):
    stamp = "2026-01-01T00:00:00Z"
    entries = [
        {"series_id": f"s{i}", "timestamp": [stamp], "values": {"value": [1.0]}}
        for i in range(20_000)
    ]
    body = json.dumps({"series": entries}).encode()
    assert len(body) > 1_000_000
    with server.client() as client:
        client.get("/health")  # connection open: time the request, not the handshake
        response, seconds = timed(
            lambda: client.post(
                "/models/zscore/detect",
                content=body,
                headers={"content-type": "application/json"},
            )
        )
    refused(response, 413, "more than 1000 series; the limit is 1000", "ANOMALIA_MAX_SERIES")
    print(f"refused in {seconds:.3f} s")
    assert seconds < 1.0


def test_too_many_value_columns_refused(server):
    body = detect_body(make_observations(n=10))
    body["series"][0]["values"] = {f"c{i}": [1.0] * 10 for i in range(101)}
    with server.client() as client:
        response = client.post("/models/zscore/detect", json=body)
    refused(response, 413, "101 value columns in series `cpu`", "ANOMALIA_MAX_COLUMNS")


def test_hundred_thousand_column_csv_refused_in_under_a_second(server):
    header = "series_id,timestamp," + ",".join(f"v{i}" for i in range(100_000))
    row = "cpu,2026-01-01T00:00:00Z," + ",".join("1" for _ in range(100_000))
    data = f"{header}\n{row}\n".encode()
    with server.client() as client:
        client.get("/health")
        response, seconds = timed(
            lambda: client.post("/models/zscore/detect/file", files={"file": ("wide.csv", data)})
        )
    refused(response, 413, "upload 'wide.csv': 100002 columns; the limit is 203")
    print(f"refused in {seconds:.3f} s")
    assert seconds < 1.0


def test_csv_with_too_many_rows_refused_before_parsing(start_server):
    server = start_server(max_points=100)
    frame = make_observations(n=60)  # 120 rows
    with server.client() as client:
        response = client.post(
            "/models/zscore/detect/file",
            files={"file": ("obs.csv", frame.to_csv(index=False).encode())},
        )
    refused(response, 413, "upload 'obs.csv': 120 rows; the limit is 100 points")


def upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/models/bomb/versions/upload", files={"file": (name, data)})


@pytest.mark.parametrize(
    ("filename", "build", "fragment"),
    [
        # 1 GiB of zeros in about 1 MiB: over the size limit (512 MiB) by its header.
        ("bomb.zip", lambda: zip_bomb(1024), "unpacks to more than"),
        ("bomb.tgz", lambda: tar_gz_bomb(1024), "unpacks to more than"),
        # 100 MiB in about 100 KiB: under the size limit, over the ratio (200).
        ("ratio.zip", lambda: zip_bomb(100), "ANOMALIA_MAX_ARCHIVE_RATIO"),
        # A header that lies (1 KiB declared): reading stops at the declared size.
        ("liar.zip", lambda: zip_bomb(1024, declared=1024), "not a readable archive"),
        ("many.zip", lambda: zip_of_many_files(60_000), "more than 1000 members"),
    ],
)
def test_hostile_archives_refused_quickly(server, filename, build, fragment):
    data = build()
    assert len(data) < 6 * MIB
    with server.client() as client:
        client.get("/health")
        response, seconds = timed(lambda: upload(client, filename, data))
        refused(response, 422, filename, fragment)
        assert client.get("/models/bomb").status_code == 404
    assert seconds < 2.0
    registry = server.settings.registry_path
    assert not [p.name for p in registry.iterdir() if p.name.startswith(".upload")]


def test_reregistering_the_same_content_copies_nothing(server):
    registry = server.settings.registry_path
    source = server.settings.models_dir / "zscore"
    with server.client() as client:
        answers = [
            client.post("/models/zscore/versions", json={"path": str(source)}) for _ in range(10)
        ]
    assert [a.status_code for a in answers] == [200] * 10  # imported at start-up already
    assert {a.json()["version"] for a in answers} == {1}
    assert sorted(p.name for p in (registry / "zscore").iterdir() if p.is_dir()) == ["1"]


def series(metrics_text: str) -> set[str]:
    return {line.rsplit(" ", 1)[0] for line in metrics_text.splitlines() if line[:1] != "#"}


def test_method_name_flood_leaves_metrics_size_unchanged(server):
    with server.client() as client:
        for method in ("FOO", "BAR"):  # the folded labels exist before the flood
            client.request(method, "/models")
            client.request(method, f"/made/up/{method}")
        client.get("/metrics")  # the scrape's own series exist too
        before = client.get("/metrics").text
        for number in range(60):
            client.request(f"M{number}X", "/models")
            client.request(f"Z{number}", f"/nowhere/{number}")
        after = client.get("/metrics").text
    # The same series; only their counts grew (a few more digits).
    assert series(after) == series(before)
    assert len(after) - len(before) < 200
    assert "M1X" not in after and "/nowhere" not in after
    assert 'method="other"' in after


@pytest.fixture
def registered(start_server, tmp_path):
    """A models folder whose registry the first server wrote (then stopped)."""
    server = start_server()
    with server.client() as client:
        assert client.get("/ready").json()["models"] == {"iforest": 1, "zscore": 1}
    return server.settings.models_dir


@pytest.mark.parametrize(
    ("damage", "file_named"),
    [
        (lambda root: (root / "zscore" / "registry.json").write_text("{not json"), "registry.json"),
        (lambda root: (root / "zscore" / "registry.json").write_text("[]"), "registry.json"),
        (lambda root: (root / "zscore" / "1" / "manifest.json").write_text("{"), "zscore"),
        (lambda root: shutil.rmtree(root / "zscore" / "1"), "zscore"),
    ],
)
def test_a_poisoned_model_is_named_and_skipped(start_server, registered, damage, file_named):
    damage(registered / ".registry")
    server = start_server(models_dir=registered)  # waits for /ready 200
    with server.client() as client:
        ready = client.get("/ready").json()
        assert ready["status"] == "degraded"
        assert ready["models"] == {"iforest": 1}
        assert "zscore" in ready["failed"] and file_named in ready["failed"]["zscore"]
        body = detect_body(make_observations(seed=4, n=100))
        assert client.post("/models/iforest/detect", json=body).status_code == 200
        broken = client.post("/models/zscore/detect", json=body)
        refused(broken, 503, "model `zscore` failed to load", file_named)
        listed = {m["name"]: m for m in client.get("/models").json()}
        assert listed["iforest"]["error"] is None
        assert file_named in listed["zscore"]["error"]


def _http(sock, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request on an open socket; read one response."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    headers = {key.lower(): value for key, value in headers.items()}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def test_a_500_names_its_own_request_and_keeps_the_connection(server, monkeypatch):
    import socket
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    from anomalia.service import scoring

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, with /secret/path in its message")

    monkeypatch.setattr(scoring, "score_observations", broken)
    body = json.dumps(detect_body(make_observations(seed=4, n=50))).encode()
    url = urlsplit(server.url)

    def request(request_id: str) -> bytes:
        return (
            f"POST /models/zscore/detect HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"X-API-Key: {API_KEY}\r\nX-Request-ID: {request_id}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    def one_connection(number: int) -> None:
        with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
            for attempt in range(2):
                request_id = f"req-{number}-{attempt}"
                status, headers, answer = _http(sock, request(request_id))
                assert status == 500
                assert headers["x-request-id"] == request_id
                payload = json.loads(answer)
                assert payload["request_id"] == request_id
                assert request_id in payload["detail"]
                assert "secret" not in payload["detail"] and "Traceback" not in payload["detail"]
            # The same connection still serves.
            status, _, _ = _http(
                sock, f"GET /health HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode()
            )
            assert status == 200

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one_connection, range(4)))
