"""NAB scoring (Lavin & Ahmad 2015) on hand-made corpora.

sigma(y) = 2 / (1 + exp(5 y)) - 1, so
sigma(-1)   =  0.986614  (detection at a window's first point)
sigma(-0.5) =  0.848283
sigma(-0.25)=  0.554600
sigma(1)    = -0.986614  (one window length after a window)

Rewards are divided by sigma(-1), so the earliest detection earns tp_weight.
"""

import math

import numpy as np
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.metrics import (
    REWARD_LOW_FN_RATE,
    REWARD_LOW_FP_RATE,
    STANDARD,
    NabSeries,
    nab_probationary_period,
    nab_score,
)


def sigma(y: float) -> float:
    return 2 / (1 + math.exp(5 * y)) - 1


SIGMA_FIRST = sigma(-1)  # 0.986614


def one_window(scores, window=(4, 5)):
    return NabSeries(np.asarray(scores, dtype=float), [window])


def test_sigmoid_values_in_the_module_docstring():
    assert SIGMA_FIRST == pytest.approx(0.986614, abs=1e-6)
    assert sigma(1) == pytest.approx(-0.986614, abs=1e-6)
    assert sigma(-0.25) == pytest.approx(0.554600, abs=1e-6)


def test_detection_at_the_first_point_of_the_window_scores_100():
    # raw = sigma(-1) / sigma(-1) = 1 = perfect; null = -1
    result = nab_score(one_window([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), probationary_period=0)
    standard = result["standard"]
    assert standard.score == 100.0
    assert standard.raw_score == pytest.approx(1.0)
    assert (standard.true_positives, standard.false_negatives, standard.false_positives) == (
        1,
        0,
        0,
    )
    assert standard.threshold == 1.0
    assert result.scores == {
        "standard": 100.0,
        "reward_low_FP_rate": 100.0,
        "reward_low_FN_rate": 100.0,
    }


def test_no_detection_scores_0():
    # fixed threshold above every score: raw = null = -fn_weight
    result = nab_score(one_window(np.zeros(10)), probationary_period=0, threshold=0.5)
    assert result["standard"].score == 0.0
    assert result["standard"].raw_score == -1.0
    assert result["reward_low_FN_rate"].raw_score == -2.0
    assert result["standard"].false_negatives == 1


def test_one_false_positive_before_any_window_costs_the_fp_weight():
    # raw = 1 - fp_weight; standard fp 0.11, low-FP profile 0.22
    # normalised standard = 100 * (0.89 + 1) / (1 + 1) = 94.5
    result = nab_score(
        one_window([0, 1, 0, 0, 1, 0, 0, 0, 0, 0]), probationary_period=0, threshold=0.5
    )
    assert result["standard"].raw_score == pytest.approx(1 - 0.11)
    assert result["reward_low_FP_rate"].raw_score == pytest.approx(1 - 0.22)
    assert result["standard"].score == pytest.approx(94.5)
    assert result["standard"].false_positives == 1


def test_false_alarm_after_a_window_costs_sigma_of_its_distance_times_fp():
    # window [4,6] has length 3; detection at 8: y = (8 - 6) / (3 - 1) = 1 (NAB's distance)
    # raw = 1 + 0.11 * sigma(1) = 1 - 0.108528 = 0.891472
    scores = [0, 0, 0, 0, 1, 0, 0, 0, 1, 0]
    result = nab_score(one_window(scores, (4, 6)), probationary_period=0, threshold=0.5)
    assert result["standard"].raw_score == pytest.approx(1 + 0.11 * sigma(1))
    assert result["standard"].raw_score == pytest.approx(0.891472, abs=1e-6)


def test_detection_long_after_a_window_costs_the_full_fp_weight():
    # window [2,2] (length 1), detection at 7: y = 5 > 3 -> cost -1 * 0.11; window missed -> -1
    scores = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    result = nab_score(one_window(scores, (2, 2)), probationary_period=0, threshold=0.5)
    assert result["standard"].raw_score == pytest.approx(-1 - 0.11)


def test_later_detections_in_the_same_window_earn_and_cost_nothing():
    result = nab_score(one_window([0, 0, 0, 0, 1, 1, 0, 0, 0, 0]), probationary_period=0)
    assert result["standard"].raw_score == pytest.approx(1.0)
    assert result["standard"].false_positives == 0


def test_late_detection_earns_less():
    # window [4,7] (length 4), detection at its last point: y = -(7 - 7 + 1) / 4 = -0.25
    scores = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    result = nab_score(one_window(scores, (4, 7)), probationary_period=0)
    assert result["standard"].raw_score == pytest.approx(sigma(-0.25) / SIGMA_FIRST)  # 0.562124


def test_probationary_period_rule():
    assert nab_probationary_period(100) == 15
    assert nab_probationary_period(4000) == 600
    assert nab_probationary_period(10_000) == 750


def test_detections_in_the_probationary_period_are_ignored():
    # n = 20 -> probation floor(3) = 3 points; the alarm at 1 is neither TP nor FP
    scores = np.zeros(20)
    scores[[1, 10]] = 1.0
    result = nab_score(NabSeries(scores, [(10, 11)]), threshold=0.5)["standard"]
    assert result.raw_score == pytest.approx(1.0)
    assert result.false_positives == 0


def test_window_inside_the_probationary_period_cannot_be_detected():
    # probation 10; window [2,3] is not counted in raw scores (null = -1), but NAB's
    # perfect score counts every labelled window: perfect = 2, raw = 1
    # -> 100 * (1 + 1) / (2 + 1) = 66.67
    scores = np.zeros(20)
    scores[[2, 12]] = 1.0
    result = nab_score(NabSeries(scores, [(2, 3), (12, 13)]), probationary_period=10)
    standard = result["standard"]
    assert standard.perfect_score == pytest.approx(2.0)
    assert standard.null_score == -1.0
    assert standard.raw_score == pytest.approx(1.0)
    assert standard.score == pytest.approx(200 / 3)
    assert (standard.true_positives, standard.false_negatives) == (1, 1)


def test_window_partly_inside_the_probationary_period():
    # window [8,11], probation 10: the first chance is 10, y = -(11 - 10 + 1) / 4 = -0.5
    # -> raw = sigma(-0.5) / sigma(-1) = 0.859784; perfect 1, null -1 -> 92.99
    scores = np.zeros(20)
    scores[10] = 1.0
    standard = nab_score(NabSeries(scores, [(8, 11)]), probationary_period=10)["standard"]
    assert standard.raw_score == pytest.approx(sigma(-0.5) / SIGMA_FIRST)
    assert standard.score == pytest.approx(100 * (sigma(-0.5) / SIGMA_FIRST + 1) / 2)


def test_threshold_is_optimised_for_the_raw_score():
    # candidates: never -> -1; 0.95 (FP only) -> -1.11; 0.9 -> 1 - 0.11 = 0.89
    scores = [0.95, 0, 0, 0, 0.9, 0, 0, 0, 0, 0]
    standard = nab_score(one_window(scores), probationary_period=0)["standard"]
    assert standard.threshold == 0.9
    assert standard.raw_score == pytest.approx(1 - 0.11)


def test_never_detecting_can_be_best():
    # scores all 1: detecting means 20 false alarms before the window (-2.2) -> worse than -1
    scores = np.ones(40)
    standard = nab_score(one_window(scores, (20, 21)), probationary_period=0)["standard"]
    assert standard.threshold == math.inf
    assert (standard.score, standard.raw_score) == (0.0, -1.0)
    assert (standard.true_positives, standard.false_negatives, standard.false_positives) == (
        0,
        1,
        0,
    )


def test_one_threshold_per_profile_across_the_corpus():
    # series A: window [4,5] first hit at score 0.6; series B: no window, 10 alarms at 0.7.
    # threshold 0.6: raw = 1 - 10 fp   standard: 1 - 1.1 = -0.1 > -1 -> 0.6
    #                                  low FP:   1 - 2.2 = -1.2 < -1 -> never
    first = np.zeros(10)
    first[4] = 0.6
    second = np.zeros(30)
    second[10:20] = 0.7
    corpus = [NabSeries(first, [(4, 5)], "a"), NabSeries(second, np.empty((0, 2), int), "b")]
    result = nab_score(corpus, probationary_period=0)
    assert result["standard"].threshold == 0.6
    assert result["standard"].raw_score == pytest.approx(1 - 1.1)
    assert result["standard"].false_positives == 10
    assert result["reward_low_FP_rate"].threshold == math.inf
    assert result["reward_low_FP_rate"].score == 0.0


def test_custom_profiles_and_a_corpus_without_windows():
    profiles = (STANDARD, REWARD_LOW_FP_RATE, REWARD_LOW_FN_RATE)
    result = nab_score(NabSeries(np.ones(10), []), profiles=profiles)
    assert math.isnan(result["standard"].score)  # perfect == null: undefined
    assert result["standard"].threshold == math.inf


def test_from_labels_uses_the_runs_as_windows():
    labels = [0, 0, 1, 1, 0, 1, 0, 0]
    series = NabSeries.from_labels(np.zeros(8), labels, name="x")
    assert np.asarray(series.windows).tolist() == [[2, 3], [5, 5]]


def test_adjacent_windows_are_accepted():
    nab_score(NabSeries(np.zeros(10), [(2, 3), (4, 5)]), probationary_period=0)


def _reference_raw(series_list, profile, threshold):
    """Point-by-point reading of the protocol, with NAB's probationary rule."""
    raw = 0.0
    for scores, windows in series_list:
        probation = nab_probationary_period(len(scores))
        counted = [k for k, (_, e) in enumerate(windows) if e >= probation]
        found = set()
        for i in np.flatnonzero(scores >= threshold):
            if i < probation:
                continue
            inside = [k for k, (s, e) in enumerate(windows) if s <= i <= e]
            if inside:
                k = inside[0]
                if k not in found:
                    found.add(k)
                    s, e = windows[k]
                    raw += profile.tp_weight * sigma(-(e - i + 1) / (e - s + 1)) / SIGMA_FIRST
                continue
            before = [(s, e) for s, e in windows if e < i]
            if before:
                s, e = before[-1]
                y = (i - e) / max(e - s, 1)
                raw += profile.fp_weight * (-1.0 if y >= 3 else sigma(y))
            else:
                raw -= profile.fp_weight
        raw -= profile.fn_weight * (len(counted) - len(found))
    return raw


@pytest.mark.parametrize("seed", range(8))
def test_optimum_matches_a_brute_force_sweep(seed):
    rng = np.random.default_rng(seed)
    corpus, plain = [], []
    for _ in range(3):
        n = int(rng.integers(20, 120))
        labels = np.zeros(n, dtype=int)
        for start in rng.integers(0, n - 8, size=int(rng.integers(0, 4))):
            labels[start : start + rng.integers(1, 8)] = 1
        scores = np.round(rng.random(n), 2)
        series = NabSeries.from_labels(scores, labels)
        corpus.append(series)
        plain.append((scores, [tuple(w) for w in series.windows]))
    candidates = [math.inf, *np.unique(np.concatenate([s for s, _ in plain]))]
    result = nab_score(corpus)
    for profile in (STANDARD, REWARD_LOW_FP_RATE, REWARD_LOW_FN_RATE):
        best = max(_reference_raw(plain, profile, t) for t in candidates)
        assert result[profile.name].raw_score == pytest.approx(best)
        chosen = result[profile.name].threshold
        assert _reference_raw(plain, profile, chosen) == pytest.approx(best)


def test_corpus_of_nab_size_counts_every_window_once():
    rng = np.random.default_rng(0)
    corpus = []
    for _ in range(58):
        n = 6300
        starts = np.sort(rng.choice(np.arange(800, n - 300, 400), size=2, replace=False))
        windows = np.column_stack((starts, starts + 200))
        corpus.append(NabSeries(np.round(rng.random(n), 3), windows))
    result = nab_score(corpus)
    assert result["standard"].true_positives + result["standard"].false_negatives == 116


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([(5, 3)], r"corpus\[0\] \(s\): window 0 \(5, 3\) starts after its end"),
        ([(2, 3), (3, 6)], r"window 1 \(3, 6\) overlaps or precedes the window before it"),
        ([(8, 12)], r"window 0 \(8, 12\) is outside the series of 10 points"),
        ([(1.5, 3)], r"`windows` must be integer \(start, end\) pairs.*NabSeries.from_labels"),
        ([1, 0, 1], r"`windows` must be integer \(start, end\) pairs of shape"),
    ],
)
def test_bad_windows_messages(windows, message):
    with pytest.raises(DataError, match=message):
        nab_score(NabSeries(np.zeros(10), windows, "s"))


def test_bad_scores_message_names_the_series():
    scores = np.zeros(10)
    scores[3] = np.nan
    corpus = [NabSeries(np.zeros(10), []), NabSeries(scores, [], "realTweets/x.csv")]
    with pytest.raises(DataError, match=r"corpus\[1\] \(realTweets/x.csv\) scores` must be finite"):
        nab_score(corpus)


def test_bad_arguments():
    with pytest.raises(DataError, match="`corpus` is empty"):
        nab_score([])
    with pytest.raises(ConfigError, match="`probationary_period` must be an integer ≥ 0, got -1"):
        nab_score(one_window(np.zeros(10)), probationary_period=-1)
    with pytest.raises(ConfigError, match="`threshold` must be a number or None, got nan"):
        nab_score(one_window(np.zeros(10)), threshold=float("nan"))
