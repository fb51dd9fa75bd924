"""Scores against the series' decayed recent maximum."""

from __future__ import annotations

import numpy as np

from anomalia.postprocess import surprise


def test_a_score_is_divided_by_the_recent_maximum_by_hand():
    scores = np.array([2.0, 1.0, 0.0, 4.0])
    decay = 2.0
    out, _ = surprise(scores, decay=decay, weight=1.0)
    # m[1] = 2, m[3] = max(2 e^{-1}, 1 e^{-1/2}) ... each earlier score times exp(-age / decay)
    m1, m3 = 2.0, max(2.0 * np.exp(-2 / decay), 1.0 * np.exp(-1 / decay))
    np.testing.assert_allclose(out, [2.0, 1.0 / (1.0 + m1), 0.0, 16.0 / (4.0 + m3)])


def test_weight_zero_leaves_scores_unchanged_and_quiet_spells_restore_sensitivity():
    scores = np.zeros(500)
    scores[[10, 20, 480]] = 1.0
    np.testing.assert_array_equal(surprise(scores, decay=50.0, weight=0.0)[0], scores)
    out, _ = surprise(scores, decay=50.0, weight=1.0)
    assert out[20] < 0.6  # ten rows after an equal score: routine
    assert out[480] > 0.999  # after 460 quiet rows: news again


def test_a_stream_cut_into_pieces_gives_the_scores_of_the_whole():
    rng = np.random.default_rng(3)
    scores = np.abs(rng.standard_cauchy(size=1000)) * (rng.random(1000) < 0.3)
    whole, end = surprise(scores, decay=37.0, weight=1.4)
    parts, peak, start = [], -np.inf, 0
    for size in (1, 7, 300, 692):
        part, peak = surprise(scores[start : start + size], 37.0, 1.4, start=start, peak=peak)
        parts.append(part)
        start += size
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert peak == end
