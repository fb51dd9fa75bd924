"""Alert budgets: the number of alerts on held-back scores stays near the budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

from anomalia.detectors import make_detector
from anomalia.exceptions import ConfigError
from anomalia.thresholds import make_threshold
from anomalia.thresholds.budget import BudgetThreshold, alert_onsets, with_interval

TOLERANCE = 0.2


def autocorrelated_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """|AR(1)| scores (phi 0.8): high scores come in clusters, as real detectors' do."""
    return np.abs(lfilter([1.0], [1.0, -0.8], rng.normal(size=n)))


def test_an_alert_is_the_onset_of_a_run_of_flags():
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(alert_onsets(flags), [0, 4, 6])
    assert alert_onsets(np.zeros(5)).size == 0


@pytest.mark.parametrize("per_1000", [0.5, 2.0, 5.0, 20.0])
def test_clustered_scores_give_the_budgeted_number_of_alerts_on_held_back_data(rng, per_1000):
    train = autocorrelated_scores(rng, 20_000)
    held_back = autocorrelated_scores(rng, 100_000)
    threshold = BudgetThreshold(alerts_per_1000=per_1000).fit(train)
    budget = per_1000 * held_back.size / 1000
    alerts = alert_onsets(threshold.flag(held_back)).size
    assert abs(alerts - budget) <= TOLERANCE * budget


def test_alerts_per_day_use_the_sampling_interval(rng):
    train = autocorrelated_scores(rng, 20_000)
    days = 100
    held_back = autocorrelated_scores(rng, 288 * days)  # 5-minute data
    threshold = BudgetThreshold(alerts_per_day=4, interval="5min").fit(train)
    assert threshold.alert_rate_ == pytest.approx(4 / 288)
    alerts = alert_onsets(threshold.flag(held_back)).size
    assert abs(alerts - 4 * days) <= TOLERANCE * 4 * days


def test_budget_holds_on_a_detectors_scores_of_a_fresh_series(rng):
    time = np.arange(60_000)
    values = np.sin(2 * np.pi * time / 288) + 0.3 * rng.normal(size=time.size)
    detector = make_detector("zscore", window=48).fit(values[:10_000])
    scores = detector.score(values)
    threshold = BudgetThreshold(alerts_per_1000=2).fit(scores[100:10_000])
    held_back = scores[10_000:]
    alerts = alert_onsets(threshold.flag(held_back)).size
    assert abs(alerts - 2 * held_back.size / 1000) <= TOLERANCE * 2 * held_back.size / 1000


def test_threshold_rises_when_scores_grow_and_alerts_come_back_towards_the_budget(rng):
    train = autocorrelated_scores(rng, 20_000)
    louder = 1.5 * autocorrelated_scores(rng, 200_000)
    threshold = BudgetThreshold(alerts_per_1000=2).fit(train)
    limits, state = threshold.advance(louder)
    flags = (louder > limits).astype(int)
    assert state["threshold"] > threshold.threshold_
    early, late = alert_onsets(flags[:100_000]).size, alert_onsets(flags[100_000:]).size
    # Budget: 200 alerts per 100,000 points. The tail model learns from all history, so it
    # converges gradually: the later half is much nearer the budget than the first.
    assert 200 < late < early
    assert late - 200 < (early - 200) / 2
    # A static tail threshold with the same per-point risk keeps paging ten times over.
    static = make_threshold({"method": "pot", "risk": 2e-3}).fit(train)
    assert alert_onsets(static.flag(louder[100_000:])).size > 5 * late


@pytest.mark.parametrize("memory", [None, 500])
def test_streaming_continues_across_steps_even_inside_a_cluster(rng, memory):
    train, stream = autocorrelated_scores(rng, 5_000), autocorrelated_scores(rng, 4_000)
    threshold = BudgetThreshold(alerts_per_1000=5, memory=memory, refit_every=2).fit(train)
    expected, end = threshold.advance(stream)
    # Cut inside a cluster: the first part cannot know the cluster's peak yet.
    above = stream > threshold.initial_threshold_
    cut = int(np.flatnonzero(above[:-1] & above[1:])[len(above) // 100]) + 1
    first, middle = threshold.advance(stream[:cut])
    second, last = threshold.advance(stream[cut:], middle)
    np.testing.assert_array_equal(np.r_[first, second], expected)
    assert middle["open_peak"] is not None
    np.testing.assert_array_equal(last["peaks"], end["peaks"])


def test_reading_thresholds_twice_gives_the_same_answer(rng):
    train, stream = autocorrelated_scores(rng, 5_000), 1.5 * autocorrelated_scores(rng, 4_000)
    threshold = BudgetThreshold(alerts_per_1000=5).fit(train)
    state = threshold.initial_state()
    np.testing.assert_array_equal(threshold.flag(stream), threshold.flag(stream))
    limits, _ = threshold.advance(stream, state)
    again, _ = threshold.advance(stream, state)
    np.testing.assert_array_equal(limits, again)
    assert state["n_observations"] == 5_000


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "exactly one of `alerts_per_day` and `alerts_per_1000`"),
        ({"alerts_per_day": 2, "alerts_per_1000": 1}, "exactly one of"),
        ({"alerts_per_day": 0}, r"`alerts_per_day` must be a number in \(0.0, inf\), got 0"),
        ({"alerts_per_1000": -1}, r"`alerts_per_1000` must be a number in \(0.0, inf\)"),
        ({"alerts_per_1000": 600}, "at most 0.5 is possible"),
        ({"alerts_per_day": 2, "interval": "soon"}, "positive sampling interval"),
        ({"alerts_per_1000": 1, "initial_quantile": 1.5}, "`initial_quantile`"),
    ],
)
def test_bad_budgets_are_explained(params, message):
    with pytest.raises(ConfigError, match=message):
        make_threshold({"method": "budget", **params})


def test_alerts_per_day_without_interval_is_explained_at_fit(rng):
    threshold = make_threshold({"method": "budget", "alerts_per_day": 2})
    with pytest.raises(ConfigError, match="needs the sampling `interval`"):
        threshold.fit(rng.exponential(size=100))


def test_too_few_clusters_for_the_budget_warns(rng):
    with pytest.warns(UserWarning, match="fewer than the .* alerts budgeted"):
        threshold = BudgetThreshold(alerts_per_1000=400, initial_quantile=0.99)
        threshold.fit(rng.exponential(size=1000))
    assert threshold.threshold_ == threshold.initial_threshold_


def test_with_interval_completes_budget_specs_for_a_series():
    five = pd.Timedelta("5min")
    filled = with_interval({"method": "budget", "alerts_per_day": 1}, five)
    assert filled["interval"] == "0 days 00:05:00"
    assert filled["memory"] == 14 * 288  # 14 days of 5-minute points
    kept = {"method": "budget", "alerts_per_day": 1, "interval": "1h", "memory": None}
    assert with_interval(kept, five) == kept
    assert with_interval({"method": "quantile"}, five) == {"method": "quantile"}


def test_a_memory_follows_a_louder_regime_faster(rng):
    train = autocorrelated_scores(rng, 20_000)
    louder = 1.5 * autocorrelated_scores(rng, 200_000)
    late = {}
    for memory in (None, 20_000):
        threshold = BudgetThreshold(alerts_per_1000=2, memory=memory).fit(train)
        limits, state = threshold.advance(louder)
        late[memory] = alert_onsets((louder > limits)[100_000:]).size
        if memory is not None:
            # State stays bounded: only clusters of the last `memory` scores are kept.
            assert state["cluster_ends"].min() > state["cluster_ends"].max() - memory
    assert abs(late[20_000] - 200) < abs(late[None] - 200)
    assert abs(late[20_000] - 200) <= TOLERANCE * 200
