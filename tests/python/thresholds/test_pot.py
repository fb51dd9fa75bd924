from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import genpareto

from anomalia.thresholds import PeaksOverThreshold, StreamingPOT
from anomalia.thresholds.pareto import fit_pareto, tail_quantile


def test_pot_threshold_matches_the_true_exponential_quantile(exponential_scores):
    threshold = PeaksOverThreshold(risk=1e-3, initial_quantile=0.98).fit(exponential_scores)
    assert threshold.threshold_ == pytest.approx(-np.log(1e-3), rel=0.1)
    assert threshold.n_peaks_ == pytest.approx(1000, abs=1)
    assert abs(threshold.shape_) < 0.1


def test_pot_extrapolates_a_heavy_tail(rng):
    scores = genpareto.rvs(0.2, size=50_000, random_state=rng)
    threshold = PeaksOverThreshold(risk=1e-4, initial_quantile=0.95).fit(scores)
    assert threshold.threshold_ == pytest.approx(genpareto.ppf(1 - 1e-4, 0.2), rel=0.15)
    # Far beyond what a quantile of the training scores could reach reliably.
    assert threshold.threshold_ > np.quantile(scores, 0.999)


@pytest.mark.parametrize("shape", [-0.3, 0.0, 0.25, 0.8])
def test_pareto_fit_recovers_known_parameters_and_beats_scipy(rng, shape):
    excesses = genpareto.rvs(shape, scale=2.0, size=5000, random_state=rng)
    fitted_shape, fitted_scale = fit_pareto(excesses)
    assert fitted_shape == pytest.approx(shape, abs=0.06)
    assert fitted_scale == pytest.approx(2.0, rel=0.08)
    scipy_shape, _, scipy_scale = genpareto.fit(excesses, floc=0)
    ours = genpareto.logpdf(excesses, fitted_shape, scale=fitted_scale).sum()
    theirs = genpareto.logpdf(excesses, scipy_shape, scale=scipy_scale).sum()
    assert ours >= theirs - 1e-6


def test_few_excesses_fall_back_to_an_exponential_tail():
    assert fit_pareto(np.array([1.0, 3.0])) == (0.0, 2.0)
    assert fit_pareto(np.array([])) == (0.0, 0.0)


def test_quantile_formula_is_continuous_at_zero_shape():
    exponential = tail_quantile(1.0, 0.0, 2.0, risk=1e-4, n_observations=1000, n_peaks=20)
    assert exponential == pytest.approx(1.0 - 2.0 * np.log(1e-4 * 1000 / 20))
    nearly = tail_quantile(1.0, 1e-9, 2.0, risk=1e-4, n_observations=1000, n_peaks=20)
    assert nearly == pytest.approx(exponential, rel=1e-6)


def test_few_training_peaks_warn_and_still_give_a_threshold_above_them(rng):
    scores = rng.exponential(size=60)
    with pytest.warns(UserWarning, match="too few to fit the tail shape"):
        threshold = PeaksOverThreshold(risk=1e-3, initial_quantile=0.9).fit(scores)
    assert np.isfinite(threshold.threshold_)
    assert threshold.threshold_ > threshold.initial_threshold_


def test_constant_training_scores_do_not_break_the_fit():
    with pytest.warns(UserWarning, match="only 0 training score"):
        threshold = PeaksOverThreshold(risk=1e-3).fit(np.full(500, 0.5))
    np.testing.assert_array_equal(threshold.flag([0.5, 0.6]), [0, 1])


def naive_spot(threshold: StreamingPOT, scores: np.ndarray) -> np.ndarray:
    """Algorithm 2 of Siffer et al., one point at a time (reference for the tests)."""
    t, z = threshold.initial_threshold_, threshold.threshold_
    shape, scale = threshold.shape_, threshold.scale_
    peaks = list(threshold.peaks_)
    n, since_refit, out = threshold.n_train_, 0, []
    for score in scores:
        out.append(z)
        if score > z:
            continue
        n += 1
        if score > t:
            peaks.append(score - t)
            since_refit += 1
            if since_refit == threshold.refit_every:
                shape, scale = fit_pareto(np.array(peaks))
                since_refit = 0
            z = tail_quantile(
                t, shape, scale, risk=threshold.risk, n_observations=n, n_peaks=len(peaks)
            )
    return np.array(out)


@pytest.mark.parametrize("refit_every", [1, 4])
def test_spot_walk_over_peaks_equals_the_point_by_point_algorithm(rng, refit_every):
    train = rng.exponential(size=2000)
    stream = np.r_[rng.exponential(size=500), 2.0 * rng.exponential(size=500), [50.0]]
    reference = StreamingPOT(risk=1e-3, refit_every=refit_every).fit(train)
    expected = naive_spot(reference, stream)
    threshold = StreamingPOT(risk=1e-3, refit_every=refit_every).fit(train)
    limits, state = threshold.advance(stream)
    np.testing.assert_allclose(limits, expected, rtol=1e-12)
    assert state["threshold"] == pytest.approx(expected[-1])


def test_spot_raises_its_threshold_when_scores_scale_up(rng):
    train = rng.exponential(size=5000)
    stream = np.r_[rng.exponential(size=5000), 3.0 * rng.exponential(size=5000)]
    threshold = StreamingPOT(risk=1e-3).fit(train)
    static = PeaksOverThreshold(risk=1e-3).fit(train)
    limits, state = threshold.advance(stream)
    before = limits[:5000].max()
    assert before <= 1.05 * static.threshold_
    assert limits[-1] > 1.25 * before
    assert np.all(limits[-1000:] > before)
    assert state["threshold"] == limits[-1]
    # Adapted, it flags fewer of the larger scores than the static threshold.
    larger = 3.0 * rng.exponential(size=5000)
    assert threshold.flag(larger, state).mean() < 0.7 * static.flag(larger).mean()


def test_spot_on_a_stationary_stream_stays_near_pot_and_flags_rarely(rng, exponential_scores):
    static = PeaksOverThreshold(risk=1e-3).fit(exponential_scores[:20_000])
    streaming = StreamingPOT(risk=1e-3).fit(exponential_scores[:20_000])
    limits, state = streaming.advance(exponential_scores[20_000:])
    flags = exponential_scores[20_000:] > limits
    assert state["threshold"] == pytest.approx(static.threshold_, rel=0.1)
    assert flags.mean() < 3e-3


def test_spot_continues_one_stream_across_steps_and_reading_changes_nothing(rng):
    train, stream = rng.exponential(size=3000), rng.exponential(size=3000) * 1.5
    threshold = StreamingPOT(risk=1e-3).fit(train)
    expected, end = threshold.advance(stream)
    first, middle = threshold.advance(stream[:1234])
    second, last = threshold.advance(stream[1234:], middle)
    np.testing.assert_array_equal(np.r_[first, second], expected)
    assert last["n_observations"] == end["n_observations"]
    # Reading thresholds twice gives the same answer: nothing moved.
    np.testing.assert_array_equal(threshold.thresholds(stream), expected)
    assert threshold.initial_state()["n_observations"] == 3000
