"""The shared deep pipeline: expectation and MSE, onsets, streaming, tunable parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.detectors.params import check_detector_params
from anomalia.detectors.registry import make_detector
from anomalia.engine import advance, start
from anomalia.exceptions import ConfigError
from anomalia.metrics.expectation import expectation_mse
from anomalia.modelset import SeriesModel
from anomalia.thresholds import make_threshold

from .conftest import DEEP, noisy_sine, quick

TUNED = ("window", "units", "layers", "dropout", "optimizer", "learning_rate", "batch_size")


@pytest.mark.parametrize("name", DEEP)
def test_expected_follows_the_series_and_its_mse_is_reported(name, fitted):
    detector = fitted[name]
    values = noisy_sine(seed=12)
    expected = detector.expected(values)
    assert expected.shape == values.shape
    warmup = detector.warmup_rows()
    assert np.isnan(expected[:warmup]).all() and np.isfinite(expected[warmup:]).all()
    # In units of the training IQR (about 1.4 for a unit sine): noise of 0.2 leaves
    # an MSE near (0.2 * sqrt(2) / 1.4)^2 = 0.04; a flat guess at the median, about 0.25.
    judged = detector.mse(values, start=600)
    assert judged < 0.1
    unit = detector.scaler_.scale_
    assert judged == pytest.approx(expectation_mse(values, expected, start=600, unit=unit))
    assert 0 < detector.mse_ < 0.1
    assert detector.expected(values.reshape(-1, 1)).shape == (len(values), 1)


def test_a_level_shift_alarms_once_at_its_onset(fitted):
    values = noisy_sine(seed=13)
    values[700:] += 3.0  # and stays there
    scores = fitted["lstm_ae"].score(values)
    assert 700 <= int(np.argmax(scores)) <= 703
    # The new level is change no longer: every later row scores far below the onset.
    assert scores[705:].max() < 0.3 * scores.max()


def test_smoothing_averages_and_onsets_keep_new_maxima():
    detector = make_detector("conv_ae", smoothing=2, onset_window=3)
    detector.onset_rows_ = 3
    raw = np.array([0.0, 2.0, 2.0, 1.0, 0.0, 6.0, 0.0, 0.0, 0.0, 0.0])
    # Trailing means of 2: 0, 1, 2, 1.5, 0.5, 3, 3, 0, 0, 0; kept where above the 3 before.
    expected = [0.0, 1.0, 2.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(detector._postprocess(raw), expected)


def test_onset_window_as_a_share_of_the_training_rows(fitted):
    assert fitted["vae"].onset_rows_ == int(0.75 * len(noisy_sine(seed=11)))


@pytest.mark.parametrize("name", DEEP)
def test_the_engine_streams_deep_detectors_in_chunks_exactly_as_whole(name, fitted):
    detector = fitted[name]
    train, stream = noisy_sine(seed=11), noisy_sine(seed=14, n=900)
    stream[[300, 700]] += [4.0, 6.0]
    calibration = detector.calibration_scores(train)
    model = SeriesModel(
        detector=detector,
        # Scores are in units of the largest training score: above 1 is new.
        threshold=make_threshold({"method": "static", "value": 1.0}).fit(calibration),
        train_end=pd.Timestamp("2024-01-01", tz="UTC"),
        n_train=len(train),
        frequency=pd.Timedelta("5min"),
        calibration=calibration,
    )
    whole, _ = advance(model, start(model), stream)
    np.testing.assert_allclose(whole.score, detector.score(stream), rtol=0, atol=1e-6)
    assert whole.is_anomaly[300:302].any() and whole.is_anomaly[700:702].any()
    state, parts = start(model), []
    for first in range(0, len(stream), 97):
        answers, state = advance(model, state, stream[first : first + 97])
        parts.append(answers.score)
    # Float32 inference on differently batched windows: equal to float32 precision.
    np.testing.assert_allclose(np.concatenate(parts), whole.score, rtol=1e-4, atol=1e-5)
    # The engine keeps the detector's bounded state, not the stream's history.
    kept = state.detector
    assert len(kept["tail"]) == detector.warmup_rows() and len(state.history) == 0
    assert len(kept["raw"]) == detector.smoothing - 1 + detector.onset_rows_


@pytest.mark.parametrize("name", DEEP)
def test_tunable_parameters_are_listed_and_checked(name, capsys):
    assert main(["detectors", "--params", name]) == 0
    listed = capsys.readouterr().out
    units = {"conv_ae": "filters", "vae": "hidden_units"}.get(name, "units")
    for parameter in (*TUNED, "epochs"):
        assert (units if parameter == "units" else parameter) in listed
    with pytest.raises(ConfigError, match="optimizer"):
        check_detector_params(name, {"optimizer": "adagrad"})
    with pytest.raises(ConfigError, match="dropout"):
        check_detector_params(name, {"dropout": 1.0})


def test_layers_dropout_and_optimizer_shape_the_training():
    import keras

    def kinds(detector):
        return [type(layer).__name__ for layer in detector._build_model(keras, 1).layers]

    one, two = quick("lstm_forecast"), quick("lstm_forecast", layers=2, dropout=0.2)
    assert kinds(one).count("LSTM") == 1 and "Dropout" not in kinds(one)
    assert kinds(two).count("LSTM") == 2 and kinds(two).count("Dropout") == 2
    assert kinds(quick("lstm_ae", layers=2)).count("LSTM") == 4
    assert kinds(quick("conv_ae", layers=3)).count("Conv1DTranspose") == 3
    assert kinds(quick("vae", layers=2)).count("Dense") == 2 * 2 + 3
    assert type(quick("vae", optimizer="rmsprop")._optimizer(keras)).__name__ == "RMSprop"
    with pytest.raises(ConfigError, match="multiple of 8"):
        quick("conv_ae", layers=3, window=20).fit(noisy_sine(seed=11, n=300))


def test_modelling_values_without_onsets_scores_every_row():
    # The pre-change pipeline, still available: values in, every row keeps its score.
    detector = quick("conv_ae", difference=False, onset_window=None).fit(noisy_sine(seed=11))
    values = noisy_sine(seed=13)
    values[700:] += 3.0
    scores = detector.score(values)
    assert detector.warmup_rows() == detector.window - 1
    assert np.isfinite(detector.expected(values)[detector.window - 1 :]).all()
    assert (scores[detector.window - 1 :] > 0).mean() > 0.99
    assert 700 <= int(np.argmax(scores)) <= 702
