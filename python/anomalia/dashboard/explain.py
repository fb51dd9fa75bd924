"""What drove an alert: its context, the model's expected values, each column's share.

The explain view of the dashboard reads one series' observations around an
alert's onset and asks the model that raised it (a saved
:class:`~anomalia.modelset.ModelSet`) two optional questions:

- ``detector.expected(X)``: the forecast or reconstruction (forecasting and
  autoencoder detectors), plotted against the actual values;
- ``detector.contributions(X)``: each value column's share of the score
  (multivariate detectors such as ``pca``), shown for the onset row.

Detectors without either answer get the context plot alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.contract.schema import value_columns
from anomalia.exceptions import DataError

#: Rows shown before and after the onset.
BEFORE, AFTER = 60, 30
#: Rows before the context handed to the model, so that windowed detectors have history.
HISTORY = 500


@dataclass
class Explanation:
    """The explain view's data for one alert.

    Attributes
    ----------
    context : DataFrame
        ``timestamp`` and the value columns, up to :data:`BEFORE` rows before
        the onset and :data:`AFTER` after it.
    expected : DataFrame or None
        The model's expected value per column on the context rows (nan where
        it has none), or None when the detector has no such notion.
    contributions : Series or None
        Each value column's share of the score at the onset, indexed by column.
    note : str
        Why a part is missing (no model folder, series unknown to the model...).
    """

    context: pd.DataFrame
    expected: pd.DataFrame | None
    contributions: pd.Series | None
    note: str = ""


def onset_row(observations: pd.DataFrame, onset: pd.Timestamp) -> int:
    """Position of the last observation at or before ``onset``.

    Raises
    ------
    DataError
        When the series has no observation at or before the onset.
    """
    times = pd.DatetimeIndex(observations["timestamp"])
    target = pd.Timestamp(onset)
    if (times.tz is None) != (target.tz is None):
        target = target.tz_localize("UTC") if target.tz is None else target.tz_convert(None)
    position = int(times.searchsorted(target, side="right")) - 1
    if position < 0:
        raise DataError(
            f"no observation at or before the alert's onset {onset} in the store "
            "(pruned by `--retention` or `anomalia store prune`?)"
        )
    return position


def explain(
    observations: pd.DataFrame, onset: pd.Timestamp, model_set=None, series_id: str = ""
) -> Explanation:
    """Explain the alert at ``onset`` of one series.

    Parameters
    ----------
    observations : DataFrame
        The series' observations sorted by timestamp.
    onset : Timestamp
        The alert's onset.
    model_set : ModelSet, optional
        The detector's saved model set; without it only the context is shown.
    series_id : str
        The series, to pick its member of ``model_set``.
    """
    at = onset_row(observations, onset)
    first, last = max(0, at - BEFORE), min(len(observations), at + AFTER + 1)
    columns = value_columns(list(observations.columns))
    context = observations.iloc[first:last][["timestamp", *columns]].reset_index(drop=True)
    if model_set is None:
        return Explanation(context, None, None, "no --models folder: context only")
    member = model_set.members_.get(series_id)
    if member is None:
        return Explanation(context, None, None, f"the model has no member for `{series_id}`")
    trained_on = list(model_set.value_columns_)
    missing = [c for c in trained_on if c not in observations.columns]
    if missing:
        return Explanation(context, None, None, f"the store lacks column `{missing[0]}`")
    start = max(0, first - HISTORY)
    rows = observations.iloc[start:last][trained_on].to_numpy(np.float64)
    scaled = member.scaler.transform(rows) if member.scaler is not None else rows
    detector = member.detector
    expected = None
    guess = detector.expected(scaled)
    if guess is not None:
        guess = np.asarray(guess, dtype=np.float64).reshape(len(rows), -1)
        if member.scaler is not None:
            guess = member.scaler.inverse_transform(guess)
        expected = pd.DataFrame(guess[first - start :], columns=trained_on)
    contributions = None
    if hasattr(detector, "contributions"):
        shares = np.asarray(detector.contributions(scaled), dtype=np.float64)
        contributions = pd.Series(shares[at - start], index=trained_on)
    return Explanation(context, expected, contributions)


def model_folder(models: str | Path | None, detector: str) -> Path | None:
    """The saved model set of ``detector`` under the ``--models`` root, if there is one."""
    if models is None:
        return None
    folder = Path(models) / detector
    return folder if (folder / "manifest.json").is_file() else None
