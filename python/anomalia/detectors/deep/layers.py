"""Custom Keras layers of the deep detectors, registered for ``.keras`` loading.

Imports Keras at module level: import it only after
:func:`anomalia.detectors.deep.runtime.import_keras` succeeded.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="anomalia")
class GaussianSample(keras.layers.Layer):
    """Draw ``z = mean + exp(log_var / 2) * noise`` when training; return ``mean`` otherwise.

    Inference uses the posterior mean, so scores are deterministic. ``log_var``
    is clipped to [-10, 10] so that ``exp`` cannot overflow on series whose
    robust-scaled values are extreme (a near-constant training stretch).
    The second output is each sample's KL divergence from the standard
    normal prior, ``-0.5 * sum(1 + log_var - mean**2 - exp(log_var))``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs, training=None):
        mean, log_var = inputs
        log_var = ops.clip(log_var, -10.0, 10.0)
        kl = -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)
        if training:
            noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            return mean + ops.exp(0.5 * log_var) * noise, kl
        return mean, kl

    def compute_output_shape(self, input_shape):
        mean_shape = input_shape[0]
        return mean_shape, mean_shape[:-1]
