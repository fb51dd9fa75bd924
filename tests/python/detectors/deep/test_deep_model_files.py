"""A saved deep detector's network is loaded in Keras's safe mode: code in the file never runs."""

from __future__ import annotations

import pytest

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.deep.base import MODEL_FILE
from anomalia.exceptions import DataError

from .conftest import noisy_sine, quick


def test_a_network_with_a_lambda_layer_is_refused_and_not_run(tmp_path):
    import keras

    path = quick("conv_ae", epochs=1).fit(noisy_sine(seed=11, n=300)).save(tmp_path / "conv_ae")
    marker = tmp_path / "ran"

    def payload(x):
        marker.touch()
        return x

    inputs = keras.Input((16, 1))
    keras.Model(inputs, keras.layers.Lambda(payload)(inputs)).save(path / MODEL_FILE)
    marker.unlink(missing_ok=True)  # building the model called the lambda once
    with pytest.raises(DataError, match=f"{MODEL_FILE}: not loadable safely"):
        BaseDetector.load(path)
    assert not marker.exists()
