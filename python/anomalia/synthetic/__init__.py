"""Labelled synthetic time series with injected anomalies.

:func:`generate` builds a whole labelled data set; the ``inject_*`` functions
add one known anomaly to a clean array, for tests that need a single case.
"""

from anomalia.synthetic.generate import SyntheticData, generate
from anomalia.synthetic.inject import (
    inject_broken_seasonality,
    inject_flatline,
    inject_level_shift,
    inject_missing,
    inject_spike,
    inject_trend_change,
    inject_variance_burst,
)
from anomalia.synthetic.profiles import BaseSignal, ar1_noise, base_signal
from anomalia.synthetic.schedule import ANOMALY_KINDS, MISSING_KIND

__all__ = [
    "ANOMALY_KINDS",
    "MISSING_KIND",
    "BaseSignal",
    "SyntheticData",
    "ar1_noise",
    "base_signal",
    "generate",
    "inject_broken_seasonality",
    "inject_flatline",
    "inject_level_shift",
    "inject_missing",
    "inject_spike",
    "inject_trend_change",
    "inject_variance_burst",
]
