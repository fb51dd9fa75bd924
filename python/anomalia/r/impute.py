"""Imputation by the R package: seasonal (STL), spline and multivariate (mice).

The Python side's :func:`anomalia.preprocess.fill_missing` does the simple
fills; this runs ``anomaliaR::impute_observations`` on the frame, which sets
the same ``<column>_imputed`` flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.r.convert import from_r_frame, to_r_frame
from anomalia.r.session import call, robjects

RMethod = Literal["linear", "spline", "seasonal", "mice"]
R_METHODS: tuple[str, ...] = ("linear", "spline", "seasonal", "mice")


def impute_r(
    frame: pd.DataFrame,
    method: RMethod = "seasonal",
    value_columns: Sequence[str] | None = None,
    period: int | None = None,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Fill missing values series by series in R and flag what was filled.

    Parameters
    ----------
    frame : DataFrame
        Observations (``series_id``, ``timestamp`` in UTC, value columns),
        rows of a series contiguous and in time order.
    method : {"linear", "spline", "seasonal", "mice"}, default "seasonal"
        See ``?anomaliaR::impute_observations``.
    value_columns : sequence of str, optional
        Columns to fill; by default every numeric value column.
    period : int, optional
        Season length in rows for ``"seasonal"``; detected when None.
    random_state : int, optional
        Seed for ``"mice"``.

    Returns
    -------
    DataFrame
        The frame with filled columns and ``<column>_imputed`` flags.
    """
    if method not in R_METHODS:
        raise ConfigError(f"`method` must be one of {', '.join(R_METHODS)}; got {method!r}")
    ro = robjects()
    columns = None if value_columns is None else ro.StrVector(list(value_columns))
    result = call(
        "impute_observations",
        to_r_frame(frame.reset_index(drop=True)),
        method=method,
        columns=columns,
        period=period,
        seed=random_state,
    )
    return from_r_frame(result)
