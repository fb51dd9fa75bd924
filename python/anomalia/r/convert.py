"""pandas <-> R conversions that keep UTC timestamps and missing values exact.

Timestamps become ``POSIXct`` in UTC (seconds since the epoch as a double,
exact to the microsecond, the precision of a POSIXct); NaN/None/NaT become
``NA`` and back. Value arrays cross as R matrices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError
from anomalia.r.session import robjects


def to_r_matrix(values: np.ndarray) -> Any:
    """A 2-D float array as an R numeric matrix (column-major)."""
    ro = robjects()
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values.reshape(-1, 1)
    return ro.r["matrix"](ro.FloatVector(values.ravel(order="F")), nrow=values.shape[0])


def _doubles(values: np.ndarray) -> Any:
    """A float array as an R double vector; NaN becomes NA (R's missing value)."""
    ro = robjects()
    return ro.r("function(x) { x[is.nan(x)] <- NA_real_; x }")(ro.FloatVector(values))


def to_r_vector(series: pd.Series) -> Any:
    """One column as an R vector, missing values as NA."""
    ro = robjects()
    name = series.name
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        micros = series.dt.tz_convert("UTC").array.as_unit("us").asi8
        seconds = np.where(series.isna().to_numpy(), np.nan, micros / 1e6)
        return ro.r["structure"](
            _doubles(seconds), **{"class": ro.StrVector(["POSIXct", "POSIXt"]), "tzone": "UTC"}
        )
    if pd.api.types.is_datetime64_dtype(series.dtype):
        raise DataError(f"column `{name}`: timestamps have no timezone; expected UTC")
    if pd.api.types.is_bool_dtype(series.dtype):
        return ro.BoolVector([ro.NA_Logical if pd.isna(v) else bool(v) for v in series])
    if pd.api.types.is_integer_dtype(series.dtype):
        return ro.IntVector([ro.NA_Integer if pd.isna(v) else int(v) for v in series])
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _doubles(series.to_numpy(dtype=np.float64, na_value=np.nan))
    return ro.StrVector([ro.NA_Character if pd.isna(v) else str(v) for v in series])


def to_r_frame(frame: pd.DataFrame) -> Any:
    """A pandas frame as an R data.frame, column names and order kept."""
    ro = robjects()
    columns = [to_r_vector(frame[name].rename(name)) for name in frame.columns]
    data_frame = ro.r["data.frame"]
    r_frame = data_frame(*columns, stringsAsFactors=False, check_names=False)
    r_frame.names = ro.StrVector([str(name) for name in frame.columns])
    return r_frame


def owned_doubles(vector: Any) -> np.ndarray:
    """An R double vector as a float array that owns a copy of the values.

    ``np.asarray`` on an rpy2 vector shares R's memory without keeping the R
    object alive: once R's garbage collector runs, the array reads whatever R
    put there next. Every array returned from R goes through a copy.
    """
    return np.array(vector, dtype=np.float64, copy=True)


def from_r_vector(vector: Any) -> np.ndarray | pd.Series:
    """One R vector as a pandas-ready array; NA becomes NaN, None or NaT."""
    ro = robjects()
    rclass = list(vector.rclass)
    if "POSIXct" in rclass:
        seconds = owned_doubles(vector)
        missing = np.isnan(seconds)
        micros = np.round(np.where(missing, 0.0, seconds) * 1e6).astype(np.int64)
        stamps = pd.to_datetime(micros, unit="us", utc=True).as_unit("ns")
        return pd.Series(stamps).mask(missing).astype("datetime64[ns, UTC]")
    if isinstance(vector, ro.vectors.BoolVector):
        values = [None if v is ro.NA_Logical else bool(v) for v in vector]
        if any(v is None for v in values):
            return pd.array(values, dtype="boolean")
        return np.array(values, dtype=bool)
    if isinstance(vector, ro.vectors.IntVector) and "factor" not in rclass:
        values = [None if v is ro.NA_Integer else int(v) for v in vector]
        if any(v is None for v in values):
            return pd.array(values, dtype="Int64")
        return np.array(values, dtype=np.int64)
    if isinstance(vector, ro.vectors.FloatVector):
        return owned_doubles(vector)  # NA_real_ is a NaN
    if isinstance(vector, ro.vectors.FactorVector):
        vector = ro.r["as.character"](vector)
    return np.array([None if v is ro.NA_Character else str(v) for v in vector], dtype=object)


def from_r_frame(r_frame: Any) -> pd.DataFrame:
    """An R data.frame as a pandas frame, column names and order kept."""
    return pd.DataFrame(
        {name: from_r_vector(column) for name, column in zip(r_frame.names, r_frame, strict=True)}
    )
