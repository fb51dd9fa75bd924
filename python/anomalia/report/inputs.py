"""Checks and normalisation of the frames a report is built from.

The report is an edge of the package: it validates its input once here, and
the plotting and layout code behind it trusts what it is given.
"""

from __future__ import annotations

import pandas as pd

from anomalia.contract.schema import required_columns
from anomalia.exceptions import ConfigError, DataError

SCORE_COLUMNS: tuple[str, ...] = tuple(required_columns("scores"))
OBSERVATION_KEYS: tuple[str, ...] = tuple(required_columns("observations"))
EVENT_COLUMNS: tuple[str, ...] = ("series_id", "kind", "start", "end")


def require_columns(frame: object, columns: tuple[str, ...], name: str) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame holding ``columns``.

    Raises
    ------
    DataError
        Naming the frame, the missing columns and the expected ones.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"`{name}` must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"`{name}` is missing column(s) {', '.join(f'`{c}`' for c in missing)}; "
            f"expected at least {', '.join(f'`{c}`' for c in columns)}"
        )
    return frame


def value_column_of(observations: pd.DataFrame, value_column: str | None) -> str:
    """Return the value column to plot: ``value_column``, else ``value``, else the first float one.

    Raises
    ------
    DataError
        If the named column is absent or no float value column exists.
    """
    if value_column is not None:
        require_columns(observations, (value_column,), "observations")
        return value_column
    if "value" in observations.columns:
        return "value"
    candidates = [
        column
        for column in observations.columns
        if column not in (*OBSERVATION_KEYS, "label")
        and not str(column).endswith("_imputed")
        and pd.api.types.is_float_dtype(observations[column])
    ]
    if not candidates:
        raise DataError(
            "`observations` has no float value column; add one (e.g. `value`) "
            "or pass `value_column`"
        )
    return str(candidates[0])


def value_columns_of(observations: pd.DataFrame, value_column: str | None) -> list[str]:
    """Every value column to plot: ``[value_column]`` when named, else all float value columns.

    Raises
    ------
    DataError
        If the named column is absent or no float value column exists.
    """
    if value_column is not None:
        return [value_column_of(observations, value_column)]
    columns = [
        column
        for column in observations.columns
        if column not in (*OBSERVATION_KEYS, "label")
        and not str(column).endswith("_imputed")
        and pd.api.types.is_float_dtype(observations[column])
    ]
    return columns or [value_column_of(observations, None)]


def _utc_timestamps(column: pd.Series, name: str) -> pd.Series:
    try:
        return pd.to_datetime(column, utc=True).dt.as_unit("ns")
    except (TypeError, ValueError) as error:
        raise DataError(f"`{name}`, column `timestamp`: expected timestamps ({error})") from None


def normalise(frame: pd.DataFrame, name: str, time_columns: tuple[str, ...]) -> pd.DataFrame:
    """Copy ``frame`` with string ids and UTC nanosecond timestamps.

    Parameters
    ----------
    frame : pandas.DataFrame
        Observations, scores or events.
    name : str
        Name of the frame, used in error messages.
    time_columns : tuple of str
        Columns converted to ``datetime64[ns, UTC]``.

    Returns
    -------
    pandas.DataFrame
    """
    result = frame.copy()
    for column in ("series_id", "detector", "kind"):
        if column in result.columns:
            result[column] = result[column].astype(str)
    for column in time_columns:
        result[column] = _utc_timestamps(result[column], name)
    return result


def metrics_by_detector(metrics: pd.DataFrame | None) -> pd.DataFrame:
    """Return the metrics indexed by detector name (from a ``detector`` column or the index).

    Raises
    ------
    DataError
        If ``metrics`` is not a DataFrame or repeats a detector.
    """
    if metrics is None:
        return pd.DataFrame(index=pd.Index([], name="detector", dtype=str))
    if not isinstance(metrics, pd.DataFrame):
        raise DataError(f"`metrics` must be a pandas DataFrame, got {type(metrics).__name__}")
    table = metrics.set_index("detector") if "detector" in metrics.columns else metrics.copy()
    table.index = table.index.astype(str).rename("detector")
    repeated = table.index[table.index.duplicated()].unique()
    if len(repeated):
        raise DataError(
            f"`metrics` must have one row per detector; `{repeated[0]}` has "
            f"{int((table.index == repeated[0]).sum())} rows (aggregate them first)"
        )
    return table


def check_max_series(max_series: int) -> int:
    """Return ``max_series`` if it is an integer ≥ 1.

    Raises
    ------
    ConfigError
        Otherwise.
    """
    if isinstance(max_series, bool) or not isinstance(max_series, int) or max_series < 1:
        raise ConfigError(f"`max_series` must be an integer ≥ 1, got {max_series!r}")
    return max_series
