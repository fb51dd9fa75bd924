"""The value-novelty detector: distance to the past, one alarm per level shift."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.novelty import ValueNoveltyDetector
from anomalia.exceptions import ConfigError


def test_a_persistent_level_shift_is_one_alarm():
    rng = np.random.default_rng(0)
    values = rng.normal(size=2000)
    values[1200:] += 10.0
    detector = ValueNoveltyDetector(onset_window=300).fit(values[:600])
    scores = detector.score(values)
    assert int(np.argmax(scores)) == 1200
    # After the onset the new level is soon familiar: few points stay above threshold.
    limit = np.quantile(detector.calibration_scores(values[:600]), 0.99)
    assert np.count_nonzero(scores[1200:] > limit) <= 5


def test_without_the_onset_filter_every_new_extreme_scores():
    values = np.array([0.0, 1.0, 0.5, 2.0, 3.0, 4.0])
    detector = ValueNoveltyDetector(onset_window=None, noise_units=0.0, surprise_decay=None)
    detector.fit(values[:3])
    np.testing.assert_allclose(detector.score(values)[3:], [1.0, 1.0, 1.0])


def test_the_unit_of_distance_is_at_least_noise_units_of_training_noise():
    rng = np.random.default_rng(0)
    values = np.cumsum(rng.normal(size=400))  # range far above the step noise
    steps = 1.4826 * np.median(np.abs(np.diff(values)))
    assert ValueNoveltyDetector(noise_units=0.0).fit(values).spread_[0, 0] == np.ptp(values)
    wide = ValueNoveltyDetector(noise_units=1000.0).fit(values).spread_[0, 0]
    assert wide == pytest.approx(1000.0 * steps)


def test_onset_window_as_a_share_of_the_training_rows():
    detector = ValueNoveltyDetector(onset_window=0.25).fit(np.arange(400.0))
    assert detector.onset_rows_ == 100


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"windows": ()}, "`windows` must hold"),
        ({"windows": (0,)}, "`windows` must be an integer >= 1"),
        ({"onset_window": 1.5}, "`onset_window` must be a number in"),
        ({"onset_window": 0}, "`onset_window` must be an integer >= 1"),
        ({"memory": 0}, "`memory` must be an integer >= 1"),
        ({"noise_units": -1.0}, "`noise_units` must be a number in"),
        ({"onset_margin": 0.9}, "`onset_margin` must be a number in"),
        ({"surprise_decay": 0}, "`surprise_decay` must be an integer >= 1"),
        ({"surprise_weight": -1.0}, "`surprise_weight` must be a number in"),
        ({"season_retry": -1.0}, "`season_retry` must be a number in"),
        ({"continuity": -0.5}, "`continuity` must be a number in"),
    ],
)
def test_bad_parameters_name_the_problem(params, message):
    with pytest.raises(ConfigError, match=message):
        ValueNoveltyDetector(**params).fit(np.arange(50.0))


def test_bounded_memory_detector_keeps_only_that_much_training_past():
    detector = ValueNoveltyDetector(memory=50).fit(np.arange(200.0))
    assert len(detector.seen_[0][0]) == 50
    # 10 was seen in training but long forgotten; 150..199 are remembered.
    scores = ValueNoveltyDetector(memory=50, onset_window=None).fit(np.arange(200.0))
    assert scores.score(np.array([10.0]))[0] > 0
    assert scores.score(np.array([180.0]))[0] == 0


def _daily(days: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days * 96)
    return np.sin(2 * np.pi * t / 96) + 0.05 * rng.normal(size=len(t))


def test_the_seasonal_view_finds_a_broken_daily_pattern_in_range():
    values = _daily()
    broken = values.copy()
    # A quarter day replays the same hours of half a day before: in range, but
    # the change from one day earlier jumps at once to about -2.
    broken[984:1008] = broken[936:960]
    plain = ValueNoveltyDetector(onset_window=None, season_weight=0.0, season_mean_weight=0.0)
    plain.fit(values[:600])
    seasonal = ValueNoveltyDetector(onset_window=None, season_weight=0.3).fit(values[:600])
    assert seasonal.season_ == [96]
    scores = seasonal.score(broken)
    assert plain.score(broken)[984:1008].max() < 0.05  # every value familiar
    assert scores[984:1008].max() > 5 * scores[600:900].max()
    assert (scores[:96] == plain.score(broken)[:96]).all()  # no season before one period


def test_the_seasonal_mean_view_finds_a_missing_peak_that_noise_hides():
    # A noisy daily cycle whose peak is missing for half a day (a holiday): every
    # value is in range, and single seasonal changes drown in the noise; the change
    # of a 12-row mean from the same hours a day earlier does not.
    rng = np.random.default_rng(0)
    t = np.arange(14 * 96)
    values = np.sin(2 * np.pi * t / 96) + 0.5 * rng.normal(size=len(t))
    holiday = values.copy()
    holiday[1056:1104] -= np.sin(2 * np.pi * t[1056:1104] / 96)
    means = ValueNoveltyDetector(season_weight=0.0, season_mean_weight=0.2).fit(values[:600])
    points = ValueNoveltyDetector(season_weight=0.3, season_mean_weight=0.0).fit(values[:600])
    assert means.season_ == points.season_ == [96]
    found = means.score(holiday)
    assert 1056 <= int(np.argmax(found)) < 1104
    assert found[1056:1104].max() > 2 * means.score(values)[600:].max()  # no alarm on normal days
    assert points.score(holiday)[1056:1104].max() < points.score(values)[600:].max()


def test_the_seasonal_view_stays_causal():
    values = _daily(seed=1)
    detector = ValueNoveltyDetector(season_weight=0.3).fit(values[:500])
    altered = values.copy()
    altered[800:] += 3.0
    np.testing.assert_array_equal(detector.score(altered)[:800], detector.score(values)[:800])


def test_a_season_too_long_for_the_training_rows_is_found_later():
    values = _daily(days=14, seed=2)
    broken = values.copy()
    broken[1080:1104] = broken[1032:1056]  # in range, a day out of step
    # 150 training rows hold under two days: no season yet; after 300 scored rows, 96.
    params = {"onset_window": None, "surprise_decay": None, "season_weight": 0.3}
    late = ValueNoveltyDetector(**params, season_mean_weight=0.0).fit(values[:150])
    never = ValueNoveltyDetector(**params, season_retry=0.0).fit(values[:150])
    assert late.season_ == [0] and late.season_rows_ == 300
    assert never.score(broken)[1080:1104].max() < 0.05  # every value familiar
    scores = late.score(broken)
    assert scores[1080:1104].max() > 5 * scores[400:1000].max()
    np.testing.assert_array_equal(scores[:300], never.score(broken)[:300])


# Seasonal mean view alone (0.0) or beside the plain seasonal view (0.3).
@pytest.mark.parametrize(("size", "season_weight"), [(1, 0.0), (13, 0.3), (290, 0.0), (1000, 0.3)])
def test_streaming_in_pieces_across_the_late_season_equals_the_whole(size, season_weight):
    values = _daily(days=12, seed=4)
    values[900] += 2.0
    detector = ValueNoveltyDetector(season_weight=season_weight).fit(values[:150])
    stream = values[150:]
    state, parts = detector.stream_start(), []
    for first in range(0, len(stream), size):
        part, state = detector.stream_score(stream[first : first + size, None], state)
        parts.append(part)
    whole = detector.score(stream)
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=0, atol=1e-12)
    assert int(np.argmax(whole)) == 750  # the spike, found after the late season starts
    assert state["late_period.0"][0] == 96  # the late seasonal views are running


def _low_counts(rows: int = 6000, seed: int = 0) -> np.ndarray:
    """Poisson counts of mean 1 (a quiet tweet volume): new one-count highs come by chance."""
    return np.random.default_rng(seed).poisson(1.0, size=rows).astype(float)


def test_the_continuity_correction_counts_one_step_beyond_the_seen_as_half():
    counts = _low_counts()
    top = counts[:600].max()
    raw = {"onset_window": None, "surprise_decay": None, "season_weight": 0.0}
    corrected = ValueNoveltyDetector(**raw).fit(counts[:600])
    plain = ValueNoveltyDetector(**raw, continuity=0.0).fit(counts[:600])
    assert corrected.resolution_[0, 0] == 1.0  # counts: a grid of step 1
    unit = corrected.spread_[0, 0]
    probe = np.array([top + 1.0, top + 9.0])
    np.testing.assert_allclose(plain.score(probe), [1.0 / unit, 8.0 / unit])
    np.testing.assert_allclose(corrected.score(probe), [0.5 / unit, 7.5 / unit])


def test_the_continuity_correction_silences_chance_highs_of_counts_but_not_a_burst():
    counts = _low_counts(seed=2)
    counts[3000] += 15.0  # a burst
    corrected = ValueNoveltyDetector().fit(counts[:600]).score(counts)
    plain = ValueNoveltyDetector(continuity=0.0).fit(counts[:600]).score(counts)
    assert int(np.argmax(corrected)) == int(np.argmax(plain)) == 3000
    level = 0.02  # about NAB's corpus threshold in raw units
    chance = np.r_[600:3000, 3001 : len(counts)]
    assert np.count_nonzero(plain[chance] > level) == 2  # two chance highs, one count each
    assert np.count_nonzero(corrected[chance] > level) == 0
    assert corrected[3000] > 0.9 * plain[3000]


def test_readings_finer_than_the_unit_or_too_coarse_for_a_grid_are_unaffected():
    rng = np.random.default_rng(5)
    smooth = np.sin(np.arange(600) / 20) + 0.1 * rng.normal(size=600)
    square = np.tile(np.r_[np.full(50, 20.0), np.full(50, 80.0)], 6)  # two levels only
    detector = ValueNoveltyDetector().fit(smooth)
    assert detector.resolution_[0, 0] < 1e-4 * detector.spread_[0, 0]
    assert ValueNoveltyDetector().fit(square).resolution_[0, 0] == 0.0


@pytest.mark.parametrize("size", [1, 7, 500])
def test_streaming_counts_in_pieces_equals_the_whole(size):
    counts = _low_counts(rows=1500, seed=6)
    counts[1200] += 12.0
    detector = ValueNoveltyDetector().fit(counts[:600])
    assert detector.resolution_[0, 0] == 1.0
    stream = counts[600:]
    state, parts = detector.stream_start(), []
    for first in range(0, len(stream), size):
        part, state = detector.stream_score(stream[first : first + size, None], state)
        parts.append(part)
    np.testing.assert_allclose(np.concatenate(parts), detector.score(stream), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("size", "season_weight"), [(7, 0.0), (100, 0.3)])
def test_streaming_the_seasonal_views_of_the_training_season_equals_the_whole(size, season_weight):
    values = _daily(days=14, seed=5)
    values[1000:1030] = values[952:982]  # half a day out of step
    detector = ValueNoveltyDetector(season_weight=season_weight).fit(values[:600])
    assert detector.season_ == [96]  # the seasonal views run from the first scored row
    state, parts = detector.stream_start(), []
    for first in range(0, len(values), size):
        part, state = detector.stream_score(values[first : first + size, None], state)
        parts.append(part)
    np.testing.assert_array_equal(np.concatenate(parts), detector.score(values))
