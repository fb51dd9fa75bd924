"""Every refused request gets a 4xx JSON body whose message names the problem."""

from __future__ import annotations

import io
import shutil
import tarfile

import httpx
import pytest

from .conftest import API_KEY, detect_body, make_observations


@pytest.fixture
def server(start_server):
    return start_server(max_points=500, max_body_bytes=64 * 1024, api_key=API_KEY)


@pytest.fixture
def body() -> dict:
    return detect_body(make_observations(seed=3, n=100))


def check(response: httpx.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert "Traceback" not in response.text
    for fragment in fragments:
        assert fragment in detail


def test_bad_json(server):
    with server.client() as client:
        response = client.post(
            "/models/zscore/detect",
            content=b'{"series": [',
            headers={"content-type": "application/json"},
        )
    check(response, 422, "JSON decode error")


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda b: b.pop("series"), "body.series: Field required"),
        (lambda b: b.update(series=[]), "body.series: List should have at least 1 item"),
        (lambda b: b["series"][0].update(extra=1), "body.series.0.extra: Extra inputs"),
        (lambda b: b["series"][0].update(timestamp=[1, 2]), "body.series.0.timestamp.0"),
        (lambda b: b["series"][0]["values"].update(value=["x"] * 100), "values.value.0"),
    ],
)
def test_wrong_schema(server, body, mutate, fragment):
    mutate(body)
    with server.client() as client:
        response = client.post("/models/zscore/detect", json=body)
    check(response, 422, fragment)
    assert response.json()["errors"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    ("mutate", "status", "fragments"),
    [
        (
            lambda b: b["series"][0]["values"].update(value=[1.0]),
            422,
            ["`values.value` has 1 values but `timestamp` has 100"],
        ),
        (
            lambda b: b["series"][0]["timestamp"].reverse(),
            422,
            ["column `timestamp`, row 2", "goes backwards"],
        ),
        (
            lambda b: b["series"][0]["timestamp"].__setitem__(5, "yesterday"),
            422,
            ["column `timestamp`", "row 6 ('yesterday')"],
        ),
        (
            lambda b: b["series"][0]["timestamp"].__setitem__(99, "3509-05-01T00:00:00Z"),
            422,
            ["column `timestamp`", "3509-05-01", "expected years 1678 to 2261"],
        ),
        (
            lambda b: b["series"][0].update(series_id="unknown"),
            422,
            ["series `unknown` has no trained `zscore` model", "cpu, temp"],
        ),
        (
            lambda b: b["series"][0].update(values={"other": [1.0] * 100}),
            422,
            ["series[1] (`temp`): value columns value differ from series[0]'s other"],
        ),
        (
            lambda b: [s.update(values={"other": [1.0] * 100}) for s in b["series"]],
            422,
            ["lack value column `value` the `zscore` models were trained on"],
        ),
        (
            lambda b: b["series"][0]["values"].update(timestamp=[1.0] * 100),
            422,
            ["`timestamp` cannot be a value column"],
        ),
        (
            lambda b: b["series"][0]["values"].update(value=[None] * 100),
            422,
            ["series `cpu` has no values (all missing)"],
        ),
    ],
)
def test_data_contract_errors(server, body, mutate, status, fragments):
    mutate(body)
    with server.client() as client:
        check(client.post("/models/zscore/detect", json=body), status, *fragments)


def test_too_many_points(server):
    body = detect_body(make_observations(seed=3, n=300))  # 600 points > 500
    with server.client() as client:
        response = client.post("/models/zscore/detect", json=body)
    check(response, 413, "request has 600 points; the limit is 500")


def test_body_too_large_by_content_length(server):
    with server.client() as client:
        response = client.post(
            "/models/zscore/detect",
            content=b" " * (64 * 1024 + 1),
            headers={"content-type": "application/json"},
        )
    check(response, 413, "65537 bytes is over the limit of 65536 bytes")


def test_body_too_large_while_streaming(server):
    def chunks():  # no Content-Length: the limit is enforced as the body arrives
        for _ in range(20):
            yield b" " * 8192

    with server.client() as client:
        response = client.post(
            "/models/zscore/detect", content=chunks(), headers={"content-type": "application/json"}
        )
    check(response, 413, "over the limit of 65536 bytes")


def test_unknown_model_and_version(server, body):
    with server.client() as client:
        check(client.post("/models/nope/detect", json=body), 404, "no model named `nope`")
        check(client.get("/models/nope"), 404, "registered: iforest, zscore")
        check(
            client.post("/models/zscore/detect", params={"version": 9}, json=body),
            404,
            "model `zscore` has no version 9; versions: 1",
        )
        check(client.put("/models/zscore/serving", json={"version": 4}), 404, "no version 4")
        response = client.post("/models/zscore/detect", params={"version": 0}, json=body)
        check(response, 422, "query.version")


def test_invalid_model_name(server, body):
    with server.client() as client:
        check(client.post("/models/..bad/detect", json=body), 400, "model name '..bad' is invalid")


def test_bad_file_type(server):
    with server.client() as client:
        response = client.post(
            "/models/zscore/detect/file", files={"file": ("data.xlsx", b"PK\x03\x04")}
        )
    check(response, 415, "unsupported file type .xlsx", ".csv or .parquet")


def test_bad_file_contents_name_the_upload(server):
    csv = b"series_id,timestamp,value\ncpu,2026-01-01T00:00:00Z,1.0\ncpu,not a time,2.0\n"
    broken_parquet = b"PAR1 this is not parquet"
    with server.client() as client:
        check(
            client.post("/models/zscore/detect/file", files={"file": ("obs.csv", csv)}),
            422,
            "obs.csv, column `timestamp`: mixed timezones: row 2 ('not a time')",
        )
        check(
            client.post(
                "/models/zscore/detect/file", files={"file": ("obs.parquet", broken_parquet)}
            ),
            422,
            "obs.parquet: not a readable parquet file",
        )
        check(client.post("/models/zscore/detect/file"), 422, "body.file: Field required")


def test_register_errors(server, tmp_path):
    outside = tmp_path.parent / "elsewhere"
    with server.client() as client:
        check(
            client.post("/models/zscore/versions", json={"path": str(outside)}),
            400,
            "outside the import root",
        )
        check(
            client.post("/models/zscore/versions", json={"path": str(tmp_path)}),
            422,
            "not a trained model set (no manifest.json)",
        )
        check(
            client.post("/models/zscore/versions/upload", files={"file": ("model.rar", b"Rar!")}),
            400,
            "expected an archive of a model set folder",
        )
        check(
            client.post(
                "/models/zscore/versions/upload", files={"file": ("model.tgz", b"not gzip")}
            ),
            422,
            "model.tgz: not a readable archive",
        )


def _tar(*members: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for member in members:
            bundle.addfile(member, io.BytesIO(b"x") if member.isfile() else None)
    return buffer.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, link
    member.size = 1 if kind == tarfile.REGTYPE else 0
    return member


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ([_member("../evil.txt")], "member '../evil.txt' escapes the archive"),
        ([_member("m/link", tarfile.SYMTYPE, "/etc/passwd")], "'m/link' is not a plain file"),
    ],
)
def test_unsafe_archives_are_refused(server, members, fragment):
    with server.client() as client:
        response = client.post(
            "/models/zscore/versions/upload", files={"file": ("model.tgz", _tar(*members))}
        )
    check(response, 422, fragment)


def test_scoring_before_models_loaded_is_503(start_server, tmp_path, trained_root, body):
    models = tmp_path / "slow"
    shutil.copytree(trained_root, models)
    server = start_server(models_dir=models, wait_ready=False)
    with server.client() as client:
        response = client.post("/models/zscore/detect", json=body)
    # Loading races the request: either still loading (503) or done (200); never a 500.
    assert response.status_code in (200, 503)
    if response.status_code == 503:
        assert "still loading" in response.json()["detail"]


def test_timestamps_must_fit_the_contract(server):
    body = detect_body(make_observations(seed=3, n=100))
    body["series"][0]["timestamp"][3] = body["series"][0]["timestamp"][2]
    with server.client() as client:
        check(client.post("/models/zscore/detect", json=body), 422, "duplicate timestamp")
