"""Deep detectors: what they find, causality, persistence and training details."""

from __future__ import annotations

import logging
import math
import subprocess
import sys

import numpy as np
import pytest

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.deep.base import MODEL_FILE, TRAINING_FILE

from .conftest import DEEP, FORECASTERS, QUICK, TEST_SPIKES, noisy_sine, quick


@pytest.mark.parametrize("name", DEEP)
def test_finds_every_spike_with_few_false_flags(name, fitted, spiky_test_series):
    detector = fitted[name]
    # The 99.8th percentile of the training scores (the detector's calibration grid).
    limit = np.interp(0.998, np.linspace(0, 1, len(detector.calibration_)), detector.calibration_)
    flags = detector.predict(spiky_test_series, limit).astype(bool)
    # A spike is two increments (up, then down), averaged over `smoothing` rows:
    # the spike's row and the next `smoothing` rows form its event.
    reach = detector.smoothing + 1
    events = np.zeros(len(flags), dtype=bool)
    for row in TEST_SPIKES:
        events[row : row + reach] = True
    recall = np.mean([flags[row : row + reach].any() for row in TEST_SPIKES])
    precision = (flags & events).sum() / flags.sum()
    assert recall == 1.0
    assert precision >= 0.5
    # Every spike scores well above every normal point.
    scores = detector.score(spiky_test_series)
    peaks = [scores[row : row + reach].max() for row in TEST_SPIKES]
    assert min(peaks) > 2 * scores[~events].max()


@pytest.mark.parametrize("name", DEEP)
def test_score_at_t_ignores_every_later_row(name, fitted, spiky_test_series):
    detector = fitted[name]
    scores = detector.score(spiky_test_series)
    for t in (0, 10, 16, 17, 18, 600, 1198):
        changed = spiky_test_series.copy()
        changed[t + 1 :] = np.random.default_rng(t).normal(scale=10.0, size=len(changed) - t - 1)
        np.testing.assert_array_equal(detector.score(changed)[: t + 1], scores[: t + 1])
    # Rows without a complete window of increments score 0: one more for forecasters.
    warmup = detector.warmup_rows()
    assert warmup == QUICK["window"] + (1 if name in FORECASTERS else 0)
    assert (scores[:warmup] == 0).all() and (scores[warmup : warmup + 50] > 0).any()
    assert detector.causal


@pytest.mark.parametrize("name", DEEP)
def test_save_and_load_give_identical_scores(name, fitted, spiky_test_series, tmp_path):
    detector = fitted[name]
    path = detector.save(tmp_path / name)
    assert (path / MODEL_FILE).is_file() and (path / TRAINING_FILE).is_file()
    loaded = BaseDetector.load(path)
    np.testing.assert_array_equal(
        loaded.score(spiky_test_series), detector.score(spiky_test_series)
    )
    assert loaded.history_ == detector.history_
    assert "model_" not in detector._get_state()


def test_a_saved_vae_scores_the_same_in_a_fresh_process(fitted, spiky_test_series, tmp_path):
    # A fresh process has not imported the custom sampling layer before loading.
    detector = fitted["vae"]
    detector.save(tmp_path / "vae")
    np.save(tmp_path / "values.npy", spiky_test_series)
    code = (
        "import sys, numpy as np\n"
        "from anomalia.detectors.base import BaseDetector\n"
        "folder, values, out = sys.argv[1:]\n"
        "np.save(out, BaseDetector.load(folder).score(np.load(values)))\n"
    )
    paths = [tmp_path / "vae", tmp_path / "values.npy", tmp_path / "scores.npy"]
    subprocess.run([sys.executable, "-c", code, *map(str, paths)], check=True)
    np.testing.assert_array_equal(
        np.load(tmp_path / "scores.npy"), detector.score(spiky_test_series)
    )


def test_another_seed_trains_another_network():
    values = noisy_sine(seed=11)
    first = quick("vae", random_state=0).fit(values).score(values)
    again = quick("vae", random_state=0).fit(values).score(values)
    other = quick("vae", random_state=1).fit(values).score(values)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_validation_split_is_the_last_rows_and_training_is_subsampled():
    split_params = {"window": 8, "max_windows": 50, "validation_fraction": 0.25}
    detector = quick("lstm_forecast", **split_params)
    scaled = np.arange(400, dtype=np.float32).reshape(-1, 1)  # each value names its row
    data = detector._training_data(scaled, horizon=1)
    split = 400 - math.ceil(0.25 * 400)
    # Forecast pairs: eight rows in, the next row as target; validation targets come last.
    assert data.targets.max() < split <= data.validation_targets.min()
    np.testing.assert_array_equal(data.inputs[:, -1, 0] + 1, data.targets[:, 0])
    assert len(data.inputs) <= 50 and data.inputs.flags["C_CONTIGUOUS"]
    reconstruction = quick("lstm_ae", **split_params)._training_data(scaled, horizon=0)
    assert (
        reconstruction.inputs[:, -1, 0].max()
        < split
        <= reconstruction.validation_inputs[:, -1, 0].min()
    )


def test_scaling_is_learned_from_training_data_only(fitted):
    values = noisy_sine(seed=11)
    scaler = fitted["lstm_ae"].scaler_
    np.testing.assert_allclose(scaler.center_, [np.median(values)])


def test_early_stopping_keeps_the_best_epoch_and_logs_each_epoch(caplog):
    values = noisy_sine(seed=11)
    # A large step makes the validation loss bounce, so the last epoch is not the best.
    with caplog.at_level(logging.INFO, logger="anomalia.detectors.deep"):
        detector = quick("lstm_forecast", epochs=6, patience=1, learning_rate=0.2).fit(values)
    history = detector.history_["val_loss"]
    assert detector.best_epoch_ == int(np.argmin(history)) + 1 < len(history)
    data = detector._training_data(detector._inputs(values.reshape(-1, 1)), 1)
    detector.model_.compile(loss="mse")
    kept = detector.model_.evaluate(data.validation_inputs, data.validation_targets, verbose=0)
    assert kept == pytest.approx(min(history), rel=1e-4)
    lines = [r.getMessage() for r in caplog.records]
    assert sum(f"epoch {e}/6" in line for line in lines for e in range(1, 7)) == len(history)
    assert any("training on CPU" in line or "training on GPU" in line for line in lines)


@pytest.mark.parametrize("name", ["vae", "lstm_ae"])
def test_near_constant_training_data_gives_finite_scores(name):
    # Shaped like NAB's ec2_cpu_utilization_24ae8d: a few levels 0.002 apart, half the
    # rows on one of them (tiny robust scale), and two bursts about 700 scaled units up.
    rng = np.random.default_rng(3)
    levels = [0.066, 0.068, 0.132, 0.134, 0.136, 0.2]
    values = rng.choice(levels, size=900, p=[0.19, 0.05, 0.2, 0.51, 0.03, 0.02])
    values[[151, 439, 700]] = [1.466, 1.534, 1.5]
    detector = quick(name, random_state=0, epochs=5).fit(values[:604])
    assert np.isfinite(detector.score(values)).all()
