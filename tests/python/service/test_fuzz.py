"""Property-based fuzzing of the endpoints: no input, however odd, gets a 500.

Bodies come from hand-written strategies: near-valid detect requests (right
shape, odd contents: mismatched lengths, NaN/Infinity, unsorted or garbled
timestamps, unknown series and columns, huge numbers), arbitrary JSON, and
arbitrary uploads. Each test counts the requests it sent and prints the count
(``pytest -s``); ``ANOMALIA_FUZZ_SCALE`` multiplies the number of examples.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from urllib.parse import quote

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Examples per test in the everyday suite; ANOMALIA_FUZZ_SCALE=10 fuzzes ten times longer.
SCALE = float(os.environ.get("ANOMALIA_FUZZ_SCALE", "1"))
MAX_EXAMPLES = {
    name: max(1, round(count * SCALE))
    for name, count in {
        "odd": 120,
        "plausible": 80,
        "json": 60,
        "upload": 40,
        "registry": 40,
    }.items()
}
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

START = pd.Timestamp("2026-03-01", tz="UTC")
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e3, max_value=1e3),
    st.none(),
)


def _stamps(steps: list[int]) -> list[str]:
    return [
        (START + pd.Timedelta(minutes=5 * int(i))).isoformat() for i in pd.Series(steps).cumsum()
    ]


timestamps = st.one_of(
    # Increasing with gaps: valid.
    st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=120).map(_stamps),
    # Possibly repeated or going backwards.
    st.lists(st.integers(min_value=-3, max_value=400), min_size=1, max_size=120).map(_stamps),
    st.lists(st.text(max_size=30), min_size=1, max_size=10),
    st.lists(
        st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(
            lambda moment: moment.isoformat()
        ),
        min_size=1,
        max_size=20,
    ),
)
columns = st.one_of(st.sampled_from(["value", "other", "label", "timestamp"]), st.text(max_size=8))


@st.composite
def series(draw):
    stamps = draw(timestamps)
    n = len(stamps) + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
    names = draw(st.lists(columns, min_size=0, max_size=2, unique=True))
    return {
        "series_id": draw(st.one_of(st.sampled_from(["cpu", "temp"]), st.text(max_size=10))),
        "timestamp": stamps,
        "values": {
            name: draw(st.lists(floats, min_size=max(n, 0), max_size=max(n, 0))) for name in names
        },
    }


@st.composite
def plausible_series(draw):
    """Right ids, column and lengths; odd values (gaps, extremes, NaN)."""
    stamps = _stamps(
        draw(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=150))
    )
    number = st.floats(min_value=-1e6, max_value=1e6)
    values = st.one_of(number, number, number, number, st.none(), st.just(float("nan")))
    return {
        "series_id": draw(st.sampled_from(["cpu", "temp"])),
        "timestamp": stamps,
        "values": {"value": draw(st.lists(values, min_size=len(stamps), max_size=len(stamps)))},
    }


plausible_bodies = st.fixed_dictionaries(
    {
        "series": st.lists(
            plausible_series(), min_size=1, max_size=2, unique_by=lambda s: s["series_id"]
        )
    }
)
odd_bodies = st.fixed_dictionaries({"series": st.lists(series(), min_size=0, max_size=3)})
json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
models = st.sampled_from(["zscore", "iforest", "zscore", "iforest", "nope", "..", "a b", "%2e%2e"])
versions = st.one_of(
    st.none(), st.none(), st.integers(min_value=-2, max_value=4), st.text(max_size=5)
)


@pytest.fixture
def fuzz_client(start_server):
    server = start_server(max_points=2000, max_body_bytes=256 * 1024)
    with server.client() as client:
        yield client


def check(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert isinstance(response.json()["detail"], str)


def post_json(client, path: str, body: object, params: dict | None = None):
    # json.dumps writes NaN and Infinity, which many clients send; httpx would refuse.
    return client.post(
        path,
        content=json.dumps(body),
        params=params,
        headers={"content-type": "application/json"},
    )


def fuzz_detect(client, bodies, examples: int) -> Counter[int]:
    statuses: Counter[int] = Counter()

    @settings(FUZZ, max_examples=examples)
    @given(body=bodies, model=models, version=versions)
    def run(body, model, version):
        params = {} if version is None else {"version": version}
        response = post_json(client, f"/models/{model}/detect", body, params)
        check(response)
        statuses[response.status_code] += 1

    run()
    return statuses


def test_odd_detect_bodies(fuzz_client):
    statuses = fuzz_detect(fuzz_client, odd_bodies, MAX_EXAMPLES["odd"])
    print(f"fuzz odd detect bodies: {statuses.total()} requests, statuses {dict(statuses)}")
    assert statuses.total() >= MAX_EXAMPLES["odd"]


def test_plausible_detect_bodies(fuzz_client):
    statuses = fuzz_detect(fuzz_client, plausible_bodies, MAX_EXAMPLES["plausible"])
    print(f"fuzz plausible detect bodies: {statuses.total()} requests, statuses {dict(statuses)}")
    assert statuses.total() >= MAX_EXAMPLES["plausible"]
    assert statuses[200] > 0  # the fuzz reaches scoring, not only validation


def test_arbitrary_json(fuzz_client):
    sent = []

    @settings(FUZZ, max_examples=MAX_EXAMPLES["json"])
    @given(body=json_values, path=st.sampled_from(["detect", "versions", "serving"]))
    def run(body, path):
        if path == "serving":
            response = fuzz_client.put(
                "/models/zscore/serving",
                content=json.dumps(body),
                headers={"content-type": "application/json"},
            )
        else:
            response = post_json(fuzz_client, f"/models/zscore/{path}", body)
        check(response)
        sent.append(1)

    run()
    print(f"fuzz arbitrary JSON: {len(sent)} requests")
    assert len(sent) >= MAX_EXAMPLES["json"]


def test_uploads(fuzz_client):
    sent = []
    names = st.one_of(
        st.sampled_from(["o.csv", "o.parquet", "o.pq", "o.txt", "m.tgz", "m.zip", "m.tar", ""]),
        st.text(max_size=12),
    )
    contents = st.one_of(
        st.binary(max_size=2000),
        st.just(b"series_id,timestamp,value\ncpu,2026-01-01T00:00:00Z,1\n"),
        st.lists(
            st.tuples(st.sampled_from(["cpu", "temp", "x"]), st.text(max_size=25), floats),
            max_size=20,
        ).map(
            lambda rows: (
                "series_id,timestamp,value\n" + "".join(f"{a},{b!r},{c}\n" for a, b, c in rows)
            ).encode("utf-8", "replace")
        ),
    )

    @settings(FUZZ, max_examples=MAX_EXAMPLES["upload"])
    @given(name=names, data=contents, target=st.sampled_from(["detect/file", "versions/upload"]))
    def run(name, data, target):
        check(fuzz_client.post(f"/models/zscore/{target}", files={"file": (name, data)}))
        sent.append(1)

    run()
    print(f"fuzz uploads: {len(sent)} requests")
    assert len(sent) >= MAX_EXAMPLES["upload"]


def test_registry_requests(fuzz_client):
    sent = []

    @settings(FUZZ, max_examples=MAX_EXAMPLES["registry"])
    @given(
        name=st.text(min_size=1, max_size=12).map(lambda s: quote(s, safe="")),
        path=st.text(max_size=30),
        version=st.integers(min_value=-5, max_value=10),
    )
    def run(name, path, version):
        check(fuzz_client.get(f"/models/{name}"))
        check(post_json(fuzz_client, f"/models/{name}/versions", {"path": path, "serve": False}))
        check(fuzz_client.put(f"/models/{name}/serving", json={"version": version}))
        sent.append(3)

    run()
    print(f"fuzz registry: {sum(sent)} requests")
    assert len(sent) >= MAX_EXAMPLES["registry"]


# ---------------------------------------------------------------- schemathesis
# Requests generated from the service's own OpenAPI document, positive (valid by the
# schema) and negative (breaking it), against a real server holding the key, so that
# the registration routes are reached too. The long run is `make fuzz` (docs/reliability.md).
SCHEMA_EXAMPLES = max(1, round(20 * SCALE))


def test_schemathesis_finds_no_server_error(start_server):
    import requests
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    from .conftest import API_KEY

    server = start_server(api_key=API_KEY, max_points=2000, max_body_bytes=256 * 1024)
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    session = requests.Session()
    session.headers["X-API-Key"] = API_KEY
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(FUZZ, max_examples=SCHEMA_EXAMPLES, database=None)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(base_url=server.url, session=session)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path}: {response.text}")

            try:
                run()
            except Unsatisfiable:  # nothing to break: a route without parameters or body
                assert mode is GenerationMode.NEGATIVE, operation.path
    print(f"schemathesis: {statuses.total()} requests, statuses {dict(sorted(statuses.items()))}")
    assert not failures, failures[:3]
    assert statuses.total() >= 250
    assert statuses[200] > 0 and statuses[422] > 0
