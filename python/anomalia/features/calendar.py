"""Calendar features from timestamps: time of day, day of week, weekend.

Cyclic quantities are encoded as a sine/cosine pair so that 23:59 sits next
to 00:00 and Sunday next to Monday. Timestamps are used as given (local time
if they carry a time zone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError

CALENDAR_NAMES: tuple[str, ...] = (
    "hour_sin",
    "hour_cos",
    "weekday_sin",
    "weekday_cos",
    "weekend",
)


def calendar_features(timestamps: object) -> tuple[np.ndarray, list[str]]:
    """Hour of day and day of week as sin/cos pairs, plus a weekend flag.

    Parameters
    ----------
    timestamps : array-like of datetime-like, shape (n_samples,)
        Anything :func:`pandas.to_datetime` reads (datetime64 values, a
        ``DatetimeIndex``, ISO strings).

    Returns
    -------
    features : ndarray of shape (n_samples, 5)
        Hour of day (fractional, from minutes and seconds) and day of week
        (Monday = 0) each mapped onto the unit circle, then 1.0 on Saturday
        and Sunday, else 0.0.
    names : list of str
        ``CALENDAR_NAMES``.

    Raises
    ------
    DataError
        If a timestamp cannot be read or is missing.

    Examples
    --------
    >>> features, names = calendar_features(["2024-01-06 06:00"])  # a Saturday
    >>> float(features[0, names.index("weekend")]), float(features[0, 0])
    (1.0, 1.0)
    """
    try:
        index = pd.DatetimeIndex(pd.to_datetime(np.asarray(timestamps).ravel()))
    except (TypeError, ValueError) as error:
        raise DataError(f"timestamps: expected datetime-like values ({error})") from None
    if index.hasnans:
        row = int(np.flatnonzero(index.isna())[0]) + 1  # counted from 1
        raise DataError(f"timestamps: row {row} is missing (NaT)")
    hour = index.hour + index.minute / 60 + index.second / 3600
    weekday = index.day_of_week.to_numpy()
    hour_angle = 2 * np.pi * np.asarray(hour, dtype=np.float64) / 24
    weekday_angle = 2 * np.pi * weekday / 7
    features = np.column_stack(
        [
            np.sin(hour_angle),
            np.cos(hour_angle),
            np.sin(weekday_angle),
            np.cos(weekday_angle),
            (weekday >= 5).astype(np.float64),
        ]
    )
    return features, list(CALENDAR_NAMES)
