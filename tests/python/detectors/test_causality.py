"""Every detector marked causal scores row t from rows 0..t only."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.registry import DETECTORS, make_detector

CAUSAL = [name for name in sorted(DETECTORS) if make_detector(name).causal]


def test_the_streaming_detectors_are_marked_causal():
    assert {"zscore", "mad", "arima", "iforest", "ocsvm", "lof", "dbscan"} <= set(CAUSAL)


@pytest.mark.parametrize("name", CAUSAL)
@pytest.mark.parametrize("cut", [200, 700])
def test_changing_data_after_t_never_changes_the_score_at_t(name, cut, train_series, spiky_series):
    detector = make_detector(name)
    if "random_state" in detector.get_params():
        detector.set_params(random_state=0)
    detector.fit(train_series.values, train_series.labels if detector.requires_labels else None)
    values = spiky_series.values
    altered = values.copy()
    rng = np.random.default_rng(cut)
    # A level shift, a burst of noise and a spike, all after the cut.
    altered[cut + 1 :] += 5.0 + 3.0 * rng.normal(size=len(values) - cut - 1)
    altered[cut + 50] += 40.0

    scores = detector.score(values)
    changed = detector.score(altered)

    np.testing.assert_allclose(changed[: cut + 1], scores[: cut + 1], rtol=1e-9, atol=1e-12)
    # The alteration is visible after the cut, so the test could fail.
    assert not np.allclose(changed[cut + 1 :], scores[cut + 1 :])
