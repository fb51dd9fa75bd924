"""Batch is a stream fed all at once: any chunking gives the same answers.

Flags and status are compared exactly. Scores are compared with
``atol=1e-12`` rather than bit for bit: the feature detectors compute rolling
means and standard deviations with pandas, whose running sums start at the
first row they are given, so the last bits of a window's mean depend on where
the scored array starts. SPOT and the budget refit a Pareto tail by maximum
likelihood on the peaks, which turns those 1e-13 differences into about 1e-8
in the threshold, hence ``rtol=1e-6`` for thresholds.

Every detector runs in chunks of 1 row with the SPOT threshold (the one whose
state moves most) and in chunks of 7 and 1000 rows with each of the four.
"""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.registry import core_detectors, make_detector
from anomalia.engine import advance, check_streamable, start
from anomalia.exceptions import StreamingError

from .conftest import THRESHOLDS, fitted_detector, stream_model

CAUSAL = [name for name in core_detectors() if make_detector(name).causal]
CHUNK_SIZES = (1, 7, 1000)
N_STREAM = 150


def _in_chunks(model, values, size):
    state = start(model)
    parts = []
    for first in range(0, len(values), size):
        answers, state = advance(model, state, values[first : first + size])
        parts.append(answers)
    return {
        field: np.concatenate([getattr(part, field) for part in parts])
        for field in ("score", "threshold", "is_anomaly", "warming_up")
    }, state


@pytest.fixture(scope="module")
def stream_values() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    time = np.arange(600 + N_STREAM)
    values = np.sin(2 * np.pi * time / 50) + 0.3 * rng.normal(size=time.size)
    values[[150, 420, 600 + 100, 600 + 130]] += 5.0
    labels = np.zeros(time.size, dtype=np.int8)
    labels[[150, 420]] = 1
    return values[:600], labels[:600], values[600:]


@pytest.mark.parametrize("name", CAUSAL)
def test_every_causal_detector_streams_in_chunks_exactly_as_whole(name, stream_values):
    train, labels, stream = stream_values
    detector = fitted_detector(name, train, labels)
    calibration = detector.calibration_scores(train)
    check_streamable(stream_model(detector, train, THRESHOLDS["static"], calibration))
    flagged = 0
    for kind, spec in THRESHOLDS.items():
        model = stream_model(detector, train, spec, calibration)
        whole, end = advance(model, start(model), stream)
        # The engine's scores are the detector's own (some keep an incremental state).
        np.testing.assert_allclose(whole.score, detector.score(stream), rtol=0, atol=1e-12)
        assert whole.warming_up[: detector.warmup_rows()].all()
        assert not whole.warming_up[detector.warmup_rows() :].any()
        assert not whole.is_anomaly[whole.warming_up].any()
        flagged += int(whole.is_anomaly.sum())
        for size in CHUNK_SIZES if kind == "spot" else CHUNK_SIZES[1:]:
            got, state = _in_chunks(model, stream, size)
            np.testing.assert_allclose(got["score"], whole.score, rtol=0, atol=1e-12)
            np.testing.assert_allclose(got["threshold"], whole.threshold, rtol=1e-6, atol=0)
            np.testing.assert_array_equal(got["is_anomaly"], whole.is_anomaly)
            np.testing.assert_array_equal(got["warming_up"], whole.warming_up)
            assert state.n_seen == end.n_seen == len(stream)
    # The comparison means something only if some rows were flagged.
    assert flagged > 0


def test_scoring_the_same_rows_twice_from_one_state_gives_the_same_answers(stream_values):
    train, labels, stream = stream_values
    detector = fitted_detector("zscore", train, labels)
    for spec in (THRESHOLDS["spot"], THRESHOLDS["budget"]):
        model = stream_model(detector, train, spec)
        first, state = advance(model, start(model), stream[:100])
        once, after_once = advance(model, state, stream[100:])
        twice, after_twice = advance(model, state, stream[100:])
        np.testing.assert_array_equal(once.is_anomaly, twice.is_anomaly)
        np.testing.assert_array_equal(once.threshold, twice.threshold)
        assert after_once.threshold["n_observations"] == after_twice.threshold["n_observations"]


def test_a_non_causal_model_scores_whole_but_refuses_to_stream(stream_values, monkeypatch):
    train, labels, stream = stream_values
    detector = fitted_detector("zscore", train, labels)
    model = stream_model(detector, train, {"method": "dynamic", "window": 50})
    answers, state = advance(model, start(model), stream)
    assert answers.score.shape == stream.shape
    with pytest.raises(StreamingError, match="threshold `dynamic` judges each batch"):
        advance(model, state, stream[:1])
    monkeypatch.setattr(type(detector), "causal", False)
    with pytest.raises(StreamingError, match="not causal"):
        check_streamable(stream_model(detector, train, THRESHOLDS["static"]))
