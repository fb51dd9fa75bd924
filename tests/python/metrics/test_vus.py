"""VUS-ROC and VUS-PR (Paparrizos et al. 2022)."""

import math

import numpy as np
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.metrics import vus, vus_pr, vus_roc


def test_hand_computed_surface():
    # y = [0,0,1,0,0], scores = [0, .5, 1, 0, 0]; n_thresholds=5 puts quantiles on
    # the sorted scores, so thresholds are {1, .5, 0}. max_buffer=1 -> l in {0, 1}.
    #
    # l = 0: labels [0,0,1,0,0], P = 1, N = 4
    #   t=1: TP 1 FP 0 -> TPR 1, FPR 0, precision 1 ... ROC area 1, AP 1
    # l = 1: w = sqrt(1 - 1/2); labels [0,w,1,w,0]; P = (1 + 1 + 2w)/2 = 1 + w; N = 4 - w
    #   t=1  : detect {2}:   TP 1,     FP 0     -> TPR 1/(1+w), FPR 0, precision 1
    #   t=.5 : detect {1,2}: TP 1+w,   FP 1-w   -> TPR 1, FPR (1-w)/(4-w), precision (1+w)/2
    #   t=0  : all:          TP 1+2w,  FP 4-2w  -> TPR 1 (clipped), FPR (4-2w)/(4-w)
    #   (existence is 1 throughout: the event itself scores the maximum)
    #   ROC = FPR_.5 * (TPR_1 + 1)/2 + (1 - FPR_.5) * 1
    #   AP  = TPR_1 * 1 + (1 - TPR_1) * (1+w)/2 = 1/(1+w) + w/2
    w = math.sqrt(0.5)
    tpr_1 = 1 / (1 + w)
    fpr_half = (1 - w) / (4 - w)
    roc_1 = fpr_half * (tpr_1 + 1) / 2 + (1 - fpr_half)
    pr_1 = 1 / (1 + w) + w / 2  # = 0.93934
    result = vus([0, 0, 1, 0, 0], [0, 0.5, 1, 0, 0], max_buffer=1, n_thresholds=5)
    assert result.roc == pytest.approx((1 + roc_1) / 2)
    assert result.pr == pytest.approx((1 + pr_1) / 2)
    assert result.pr == pytest.approx(0.969670, abs=1e-6)


def test_buffer_zero_perfect_scores_give_one():
    y = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0])
    assert vus(y, y.astype(float), max_buffer=0) == (1.0, 1.0)


def test_buffer_credits_a_peak_just_before_the_event():
    y = np.array([0] * 10 + [1] + [0] * 10)
    scores = np.zeros(21)
    scores[9] = 1.0  # one step early
    assert vus_roc(y, scores, max_buffer=3) > vus_roc(y, scores, max_buffer=0)
    assert vus_pr(y, scores, max_buffer=3) > vus_pr(y, scores, max_buffer=0)


def _reference_vus(y_true, scores, max_buffer, n_thresholds=250):
    """Direct, loop-based reading of the definitions in the vus module docstring."""
    n = len(y_true)
    events = []
    for i in range(n):
        if y_true[i] and (i == 0 or not y_true[i - 1]):
            events.append([i, i])
        if y_true[i]:
            events[-1][1] = i
    thresholds = np.unique(np.quantile(scores, np.linspace(0, 1, n_thresholds)))[::-1]
    rocs, prs = [], []
    for buffer in range(max_buffer + 1):
        soft = y_true.astype(float)
        for start, end in events:
            for d in range(1, buffer + 1):
                weight = math.sqrt(1 - d / (buffer + 1))
                for i in (start - d, end + d):
                    if 0 <= i < n:
                        soft[i] = max(soft[i], weight)
        positives = (y_true.sum() + soft.sum()) / 2
        negatives = n - positives
        fpr, tpr, precision = [0.0], [0.0], []
        for threshold in thresholds:
            pred = scores >= threshold
            tp = float(soft @ pred)
            fp = float((1 - soft) @ pred)
            found = [
                scores[max(s - buffer, 0) : min(e + buffer, n - 1) + 1].max() >= threshold
                for s, e in events
            ]
            tpr.append(min(tp / positives, 1.0) * np.mean(found))
            fpr.append(fp / negatives)
            precision.append(tp / (tp + fp))
        fpr.append(1.0)
        tpr.append(1.0)
        rocs.append(
            sum((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2 for k in range(1, len(fpr)))
        )
        prs.append(sum((tpr[k + 1] - tpr[k]) * precision[k] for k in range(len(precision))))
    return np.mean(rocs), np.mean(prs)


@pytest.mark.parametrize("seed", range(5))
def test_matches_a_direct_implementation_of_the_definition(seed):
    rng = np.random.default_rng(seed)
    y = np.zeros(120, dtype=int)
    for start in rng.integers(0, 110, size=4):
        y[start : start + rng.integers(1, 8)] = 1
    scores = np.round(rng.random(120) + 0.6 * y, 2)
    expected = _reference_vus(y, scores, max_buffer=6, n_thresholds=40)
    result = vus(y, scores, max_buffer=6, n_thresholds=40)
    assert result.roc == pytest.approx(expected[0])
    assert result.pr == pytest.approx(expected[1])


def test_default_max_buffer_is_twice_the_median_event_length():
    rng = np.random.default_rng(1)
    y = np.zeros(300, dtype=int)
    y[[*range(20, 23), *range(100, 105), *range(200, 204)]] = 1  # lengths 3, 5, 4 -> median 4
    scores = rng.random(300) + y
    assert vus(y, scores) == vus(y, scores, max_buffer=8)


def test_many_buffer_lengths_are_subsampled():
    rng = np.random.default_rng(2)
    y = np.zeros(500, dtype=int)
    y[200:210] = 1
    scores = rng.random(500) + y
    full = vus(y, scores, max_buffer=100, max_n_buffers=101)
    sampled = vus(y, scores, max_buffer=100, max_n_buffers=21)
    assert sampled.roc == pytest.approx(full.roc, abs=0.01)
    assert sampled.pr == pytest.approx(full.pr, abs=0.01)


def test_degenerate_labels():
    assert all(math.isnan(v) for v in vus([0, 0, 0], [0.1, 0.5, 0.2]))
    all_anomalous = vus([1, 1, 1], [0.1, 0.5, 0.2])
    assert math.isnan(all_anomalous.roc)
    assert all_anomalous.pr == pytest.approx(1.0)


def test_constant_scores_are_uninformative_at_buffer_zero():
    # one threshold, everything detected: ROC (0,0)-(1,1)-(1,1) -> 0.5; AP = share of positives
    result = vus([0, 1, 0, 0], [0.3, 0.3, 0.3, 0.3], max_buffer=0)
    assert result == (pytest.approx(0.5), pytest.approx(0.25))


def test_informative_scores_on_100k_points_beat_chance():
    rng = np.random.default_rng(3)
    y = np.zeros(100_000, dtype=int)
    for start in rng.integers(0, 99_900, size=80):
        y[start : start + rng.integers(5, 100)] = 1
    scores = rng.random(100_000) + 0.5 * y
    result = vus(y, scores)
    assert 0.5 < result.roc <= 1.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_buffer": -1}, r"`max_buffer` must be an integer ≥ 0, got -1"),
        ({"max_buffer": 2.5}, r"`max_buffer` must be an integer ≥ 0, got 2.5"),
        ({"n_thresholds": 1}, r"`n_thresholds` must be an integer ≥ 2, got 1"),
        ({"max_n_buffers": 0}, r"`max_n_buffers` must be an integer ≥ 2, got 0"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(ConfigError, match=message):
        vus([0, 1, 0], [0.1, 0.9, 0.2], **options)


def test_bad_scores_message():
    with pytest.raises(DataError, match="`scores` must be finite, got nan at index 0"):
        vus([0, 1], [float("nan"), 1.0])
