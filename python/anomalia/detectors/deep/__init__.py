"""Deep detectors built with Keras 3 on TensorFlow, one module per family.

- :mod:`~anomalia.detectors.deep.lstm_forecast`: LSTM forecaster, scored by
  prediction error (forecast-residual base).
- :mod:`~anomalia.detectors.deep.attention`: LSTM forecaster with an attention
  layer over its hidden states.
- :mod:`~anomalia.detectors.deep.lstm_ae`: LSTM autoencoder, scored by
  reconstruction error.
- :mod:`~anomalia.detectors.deep.conv_ae`: 1-D convolutional autoencoder.
- :mod:`~anomalia.detectors.deep.vae`: variational autoencoder, scored by
  reconstruction error.

All share one pipeline (:mod:`~anomalia.detectors.deep.base`): increments
in, the residual's robust z out, onsets only.

Importing this package or the detector modules does not import TensorFlow:
it loads on the first ``fit`` or ``load`` (:mod:`~anomalia.detectors.deep.runtime`).
See ``docs/deep.md``.
"""
