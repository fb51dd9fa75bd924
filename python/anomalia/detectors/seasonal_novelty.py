"""Seasonal views of value novelty: how new the change from one season earlier is.

:class:`SeasonalNoveltyMixin` gives :class:`anomalia.detectors.novelty.ValueNoveltyDetector`
its seasonal views, in batch and on a stream. Each view is the change of a
column from one period earlier (of the values, or of their trailing means
over an eighth of the period), scored as the distance to the nearest earlier
change in the view's own unit. The training period's views use the period
detected on the training rows; the late (second) views one detected once the
scored stream holds ``season_rows_`` rows.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from anomalia.exceptions import ConfigError, DataError
from anomalia.features.nearest import cell_openings, nearest_and_insert, nearest_earlier_distance
from anomalia.features.rolling import trailing_mean
from anomalia.features.season import detect_season

#: Every view's distances are counted on cells of ``unit / CELLS_PER_UNIT``
#: (:func:`anomalia.features.nearest.nearest_earlier_distance`): each score is
#: within 1/65,536 of the exact one, and only rows that open a cell are searched.
CELLS_PER_UNIT = 65536

#: The seasonal mean view compares trailing means over this share of the period.
_SEASON_MEAN_SHARE = 1 / 8


def _season_mean_width(period: int) -> int:
    """Rows averaged by the seasonal mean view of a season of ``period`` rows (at least 2)."""
    return max(2, round(period * _SEASON_MEAN_SHARE))


def _seasonal_series(values: np.ndarray, width: int) -> np.ndarray:
    """The values themselves (``width`` 1) or their trailing means over ``width`` rows."""
    return values if width == 1 else trailing_mean(values[:, None], width)[:, 0]


def _seasonal_changes(values: np.ndarray, period: int, width: int) -> np.ndarray:
    """Change of :func:`_seasonal_series` from one period earlier, for rows ``period`` on."""
    series = _seasonal_series(values, width)
    return series[period:] - series[:-period]


class SeasonalNoveltyMixin:
    """Seasonal views of :class:`anomalia.detectors.novelty.ValueNoveltyDetector`.

    Reads the detector's parameters (``season_weight``, ``season_mean_weight``,
    ``memory``), its fitted ``season_*`` attributes and its ``_unit``; writes
    only the ``season_*`` attributes, in :meth:`_fit_season`. Stream state is
    passed in and returned, never kept.
    """

    season_weight: float
    season_mean_weight: float
    memory: int | None
    season_rows_: int

    def _season_views(self, period: int) -> list[tuple[str, float, int]]:
        """Name, weight and width (1: the values) of each seasonal view with a weight."""
        views = [("", self.season_weight, 1), ("_mean", self.season_mean_weight, 0)]
        return [
            (name, weight, width or _season_mean_width(period))
            for name, weight, width in views
            if weight > 0
        ]

    def _season_fit(self, name: str) -> tuple[np.ndarray, list[np.ndarray]]:
        """Units and training changes of the seasonal view ``name`` ("" or "_mean")."""
        if name:
            return self.season_mean_spread_, self.season_mean_seen_
        return self.season_spread_, self.season_seen_

    def _fit_season(self, X: np.ndarray, kept: int) -> None:
        """Detect each column's period on the training rows; keep each view's unit and changes.

        The last ``kept`` training changes of each seasonal view are its past.
        """
        n_features = X.shape[1]
        self.season_ = [0] * n_features
        self.season_spread_ = np.ones(n_features)
        self.season_seen_ = [np.empty(0) for _ in range(n_features)]
        self.season_mean_spread_ = np.ones(n_features)
        self.season_mean_seen_ = [np.empty(0) for _ in range(n_features)]
        if not self._season_views(0):
            return
        for column in range(n_features):
            try:
                period = detect_season(X[:, column]) or 0
            except (ConfigError, DataError):  # too short or flat to tell
                period = 0
            if not 0 < period < len(X) // 2:
                continue
            self.season_[column] = int(period)
            for name, _, width in self._season_views(period):
                changes = _seasonal_changes(X[:, column], period, width)
                spread, seen = self._season_fit(name)
                spread[column] = self._unit(changes[:, None])[0]
                seen[column] = changes[-kept:].copy()

    def _seasonal_novelty(self, X: np.ndarray, column: int, fitted: bool) -> np.ndarray:
        """Weighted novelty of the changes from one season earlier; 0 where there are none."""
        period = self.season_[column]
        out = np.zeros(len(X))
        for name, weight, width in self._season_views(period) if period else ():
            spread, seen = self._season_fit(name)
            changes = _seasonal_changes(X[:, column], period, width)
            past = seen[column] if fitted else ()  # else: training rows, own past
            cell = spread[column] / CELLS_PER_UNIT
            distance = nearest_earlier_distance(changes, past, self.memory, cell)
            out[period:] = np.maximum(out[period:], weight * distance / spread[column])
        return out

    def _late_seasonal(self, values: np.ndarray) -> tuple[np.ndarray, int, list[float]]:
        """Second seasonal views of a scored column, their period (0: none) and units.

        The period is detected on the first ``season_rows_`` rows, whose
        changes are the views' past; rows before that score 0.
        """
        rows, out = self.season_rows_, np.zeros(len(values))
        if not rows or len(values) <= rows:
            return out, 0, []
        try:
            # Its harmonic regressions are small least-squares fits, which a
            # multi-threaded BLAS makes 20 times slower on a busy machine.
            with threadpool_limits(limits=1, user_api="blas"):
                period = detect_season(values[:rows], max_period=max(4, rows // 2)) or 0
        except (ConfigError, DataError):  # too short or flat to tell
            period = 0
        if not 0 < period <= rows // 2:
            return out, 0, []
        units = []
        for _, weight, width in self._season_views(period):
            changes = _seasonal_changes(values, period, width)
            seen = changes[: rows - period]
            unit = float(self._unit(seen[:, None])[0])
            scored = changes[rows - period :]
            distance = nearest_earlier_distance(scored, seen, self.memory, unit / CELLS_PER_UNIT)
            out[rows:] = np.maximum(out[rows:], weight * distance / unit)
            units.append(unit)
        return out, int(period), units

    def _stream_seasonal(
        self,
        values: np.ndarray,
        column: int,
        period: int,
        view: tuple[str, float, int],
        state: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Novelty of one seasonal view of new ``values`` of one column, and its next state.

        As in a batch, a row has a seasonal change only once the stream holds
        ``period`` earlier values; the tail keeps the values the next changes
        need (``period`` plus the trailing mean's width, less one).
        """
        name, weight, width = view
        key = {part: f"season{name}_{part}.{column}" for part in ("seen", "tail")}
        tail = state[key["tail"]]
        stream = np.concatenate([tail, values])
        series = _seasonal_series(stream, width)
        positions = np.arange(len(tail), len(stream))
        valid = positions >= period
        changes = series[positions[valid]] - series[positions[valid] - period]
        past = state[key["seen"]].tolist()
        unit = self._season_fit(name)[0][column]
        distance = nearest_and_insert(changes, past, unit / CELLS_PER_UNIT)
        out = np.zeros(len(values))
        out[valid] = weight * distance / unit
        keep = min(period + width - 1, len(stream))
        return out, {key["seen"]: np.asarray(past), key["tail"]: stream[len(stream) - keep :]}

    def _stream_late(
        self, values: np.ndarray, column: int, rows: int, state: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Second seasonal views of new ``values`` of one column after ``rows`` scored rows.

        Until the stream holds ``season_rows_`` rows the state keeps them
        (the prefix); at the crossing the batch computation runs on the
        prefix and the new rows; after it, as :meth:`_stream_seasonal`.
        """
        names = [
            f"late{name}_{part}.{column}"
            for name, _, _ in self._season_views(0)
            for part in ("seen", "tail", "unit")
        ]
        prefix, period_key = f"late_prefix.{column}", f"late_period.{column}"
        parts = {key: state[key] for key in [prefix, period_key, *names]}
        period = int(parts[period_key][0])
        out = np.zeros(len(values))
        if rows <= self.season_rows_:  # the crossing: the stream first exceeds it
            stream = np.concatenate([parts[prefix], values])
            parts[prefix] = stream
            if len(stream) > self.season_rows_:
                late, period, units = self._late_seasonal(stream)
                out = late[rows:]
                parts[prefix] = np.empty(0)
                parts[period_key] = np.array([float(period)])
                views = self._season_views(period) if period else ()
                for (name, _, width), unit in zip(views, units, strict=True):
                    changes = _seasonal_changes(stream, period, width)
                    seen, scored = (
                        changes[: self.season_rows_ - period],
                        changes[self.season_rows_ - period :],
                    )
                    opens = cell_openings(scored, seen, unit / CELLS_PER_UNIT)
                    parts[f"late{name}_seen.{column}"] = np.sort(
                        np.concatenate([seen, scored[opens]])
                    )
                    parts[f"late{name}_tail.{column}"] = stream[len(stream) - period - width + 1 :]
                    parts[f"late{name}_unit.{column}"] = np.array([unit])
        elif period:
            for name, weight, width in self._season_views(period):
                tail = parts[f"late{name}_tail.{column}"]
                stream = np.concatenate([tail, values])
                series = _seasonal_series(stream, width)
                seen = parts[f"late{name}_seen.{column}"].tolist()
                changes = series[len(tail) :] - series[len(tail) - period : len(stream) - period]
                unit = parts[f"late{name}_unit.{column}"][0]
                distance = nearest_and_insert(changes, seen, unit / CELLS_PER_UNIT)
                out = np.maximum(out, weight * distance / unit)
                parts[f"late{name}_seen.{column}"] = np.asarray(seen)
                parts[f"late{name}_tail.{column}"] = stream[len(stream) - len(tail) :]
        return out, parts
