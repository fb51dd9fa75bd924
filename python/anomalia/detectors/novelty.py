"""Value novelty: how far a point lies from every value its series has taken before.

A streaming detector in the spirit of the contextual-novelty detectors that
lead the NAB scoreboard (Lavin & Ahmad 2015): what matters is not how far a
point is from a fixed model of normal, but whether the series has *ever*
been there before. A spike, a drop or a level shift reaches values never
seen, so it scores high at its onset; once the series stays at the new level
those values are seen and the scores fall back, so a persistent change is one
alarm, not hundreds. The short trailing mean catches shifts too small for
single noisy points.

For each view of the series (the value itself for window 1, the trailing
mean of ``w`` points otherwise) the score of row ``t`` is the distance from
the view at ``t`` to the nearest view value at an earlier row (training rows
included), in units of the view's training range (maximum minus minimum).
The score is the largest over views and columns (and the seasonal views of
:mod:`anomalia.detectors.seasonal_novelty`: the change from one season
earlier of the value, and of its trailing mean over an eighth of the
season), weighed against the series' recent scores
(:func:`anomalia.postprocess.surprise`), then, with ``onset_window``, kept
only where it is a new maximum (:func:`anomalia.postprocess.keep_onsets`).

On NAB (fitted on each file's probationary rows) the defaults score 76.2 on
the standard profile (74.6 leaving each category out); see ``docs/nab.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_integer, check_number
from anomalia.detectors.seasonal_novelty import CELLS_PER_UNIT, SeasonalNoveltyMixin
from anomalia.exceptions import ConfigError
from anomalia.features.nearest import nearest_and_insert, nearest_earlier_distance
from anomalia.features.rolling import trailing_mean
from anomalia.postprocess.onset import keep_onsets
from anomalia.postprocess.surprise import surprise


def _resolution(view: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Smallest gap between distinct values of each column; 0 above ``unit / 4`` or with none."""
    out = np.zeros(view.shape[1])
    for column in range(view.shape[1]):
        gaps = np.diff(np.unique(view[:, column]))
        if len(gaps) and gaps.min() <= unit[column] / 4:
            out[column] = gaps.min()
    return out


class ValueNoveltyDetector(SeasonalNoveltyMixin, BaseDetector):
    """Distance to the nearest value seen before, in units of the training range.

    Parameters
    ----------
    windows : sequence of int, default (1,)
        Views of the series: 1 for the value itself, ``w > 1`` for the
        trailing mean of ``w`` points (catches shifts smaller than the noise).
    onset_window : int, float or None, default 1/3
        Keep a score only where it exceeds every score of the previous
        ``onset_window`` rows (:func:`anomalia.postprocess.keep_onsets`): an
        integer ``>= 1`` is a number of rows, a float in (0, 1] that share of
        the training rows; None keeps every score.
    onset_margin : float, default 1.3
        With ``onset_window``, a score is kept only where it exceeds this
        many times every score of the window before it (``>= 1``): a
        slightly larger novelty soon after an alarm does not alarm again.
    memory : int or None, default None
        Only the ``memory`` most recent values count as seen, which bounds
        the state of a long stream; None remembers every value (8 bytes per
        row). On NAB, remembering everything scores higher.
    noise_units : float, default 20.0
        The unit of distance is at least this many times the training
        noise (1.4826 times the median absolute first difference), so a
        series whose training range is little more than its noise does not
        alarm on every wiggle; 0 uses the training range alone.
    season_weight : float, default 0.3
        Weight of a seasonal view: the novelty of the change from one season
        earlier (``x[t] - x[t - period]``, the period detected on the training
        rows by :func:`anomalia.features.season.detect_season`), in its own
        unit, times this weight; 0 leaves it out. A broken daily pattern
        reaches seasonal changes never seen while every value stays familiar.
    season_mean_weight : float, default 0.2
        Weight of a seasonal *mean* view: the same for the trailing mean over
        an eighth of the period (at least 2 rows), the change of a stretch of
        the cycle from the same stretch one period earlier. Averaging takes
        out the noise that hides a broken pattern, so a holiday's missing rush
        hour or a denser run of spikes stands out; 0 leaves it out. Periods
        are detected when either seasonal weight is above 0.
    season_retry : float, default 2.0
        Second seasonal views, at the same weights, from a period detected
        once the scored stream holds ``season_retry`` times the training
        rows (its first rows are its past): a daily season that a short
        training period cannot show (fewer than two cycles) is found later.
        0 leaves it out.
    surprise_decay : int, float or None, default 0.3
        Each raw score ``r`` becomes ``r * r / (r + surprise_weight * m)``,
        ``m`` the largest earlier raw score discounted by ``exp(-age /
        decay)`` (:func:`anomalia.postprocess.surprise`): novelty that a
        series produces routinely counts less than novelty after a quiet
        spell. An integer is the decay in rows, a float that share of the
        training rows; None leaves raw scores as they are.
    surprise_weight : float, default 1.0
        Weight of the recent maximum ``m``; 0 leaves raw scores as they are.
    continuity : float, default 0.5
        Each distance of a value view is shortened by this many times the
        training data's resolution (the smallest gap between two distinct
        training values), not below 0: a continuity correction, as Yates'
        for counts. A series recorded on a grid (counts, rounded readings)
        reaches a value one step beyond all it has seen by chance more often
        than a continuous one; with 0.5 such a step counts half, a larger
        jump almost fully. Readings far finer than the unit of distance are
        unaffected. 0 leaves distances as they are.

    Attributes
    ----------
    spread_ : ndarray of shape (n_views, n_features)
        Unit of distance of each view and column: the training range, at
        least ``noise_units`` times the training noise, floored to stay positive.
    resolution_ : ndarray of shape (n_views, n_features)
        Resolution of each view and column: the smallest gap between distinct
        training values, 0 where it exceeds a quarter of the unit (too few
        levels to tell a grid, as a square wave's two) or there is no gap.
    onset_rows_ : int or None
        The onset window in rows.
    seen_ : list of list of ndarray
        Training view values of each view and column (the last ``memory``
        when bounded): the past that scoring starts from.
    season_ : list of int
        Detected period of each column in rows, 0 for none (or with
        both seasonal weights 0).
    season_spread_, season_mean_spread_ : ndarray of shape (n_features,)
        Unit of distance of each column's seasonal view and seasonal mean view.
    season_seen_, season_mean_seen_ : list of ndarray
        Training seasonal changes of each column, of the values and of their
        trailing means (the last ``memory`` when bounded; empty for a view
        with weight 0). Scored data is compared with itself one period earlier, so
        its first ``period`` rows have no seasonal view (the NAB bench scores
        each file whole, training rows included, and a seam between the
        training tail and row 0 would invent changes).
    season_rows_ : int
        Scored rows after which the second seasonal view's period is
        detected (``season_retry`` times the training rows), 0 for none.
    surprise_rows_ : float or None
        Decay of :func:`anomalia.postprocess.surprise` in rows, None for none.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(600) / 10); x[400] += 3
    >>> int(np.argmax(ValueNoveltyDetector().fit(x[:300]).score(x)))
    400
    """

    name = "novelty"
    causal = True

    def __init__(
        self,
        *,
        windows: Sequence[int] = (1,),
        onset_window: int | float | None = 1 / 3,
        onset_margin: float = 1.3,
        memory: int | None = None,
        noise_units: float = 20.0,
        season_weight: float = 0.3,
        season_mean_weight: float = 0.2,
        season_retry: float = 2.0,
        surprise_decay: int | float | None = 0.3,
        surprise_weight: float = 1.0,
        continuity: float = 0.5,
    ):
        self.windows = windows
        self.onset_window = onset_window
        self.onset_margin = onset_margin
        self.memory = memory
        self.noise_units = noise_units
        self.season_weight = season_weight
        self.season_mean_weight = season_mean_weight
        self.season_retry = season_retry
        self.surprise_decay = surprise_decay
        self.surprise_weight = surprise_weight
        self.continuity = continuity

    def _check_params(self) -> None:
        if isinstance(self.windows, (str, bytes)) or not len(self.windows):
            raise ConfigError(
                f"`windows` must hold at least one integer >= 1, got {self.windows!r}"
            )
        for window in self.windows:
            check_integer("windows", window, minimum=1)
        window = self.onset_window
        if isinstance(window, (float, np.floating)):
            check_number("onset_window", window, low=0.0, high=1.0, low_open=True)
        elif window is not None:
            check_integer("onset_window", window, minimum=1)
        check_number("onset_margin", self.onset_margin, low=1.0, high=np.inf)
        if self.memory is not None:
            check_integer("memory", self.memory, minimum=1)
        check_number("noise_units", self.noise_units, low=0.0, high=np.inf)
        check_number("season_weight", self.season_weight, low=0.0, high=np.inf)
        check_number("season_mean_weight", self.season_mean_weight, low=0.0, high=np.inf)
        check_number("season_retry", self.season_retry, low=0.0, high=np.inf)
        decay = self.surprise_decay
        if isinstance(decay, (float, np.floating)):
            check_number("surprise_decay", decay, low=0.0, high=np.inf, low_open=True)
        elif decay is not None:
            check_integer("surprise_decay", decay, minimum=1)
        check_number("surprise_weight", self.surprise_weight, low=0.0, high=np.inf)
        check_number("continuity", self.continuity, low=0.0, high=np.inf)

    def min_samples(self) -> int:
        self._check_params()
        return max(self.windows) + 1

    def warmup_rows(self) -> int:
        # Trailing means over fewer than `w` points are partial.
        return max(self.windows) - 1

    def _views(self, X: np.ndarray) -> list[np.ndarray]:
        """One (n_samples, n_features) array per window; row t uses rows up to t."""
        return [X if window == 1 else trailing_mean(X, window) for window in self.windows]

    # ------------------------------------------------------------ streaming
    def stream_start(self) -> dict[str, np.ndarray] | None:
        """Incremental state for :mod:`anomalia.engine`: the sorted values seen so far.

        Every earlier value counts, so a trailing history would be the whole
        stream; instead the state keeps, per view and column, the sorted values
        seen (training included), the rows the trailing means still need and
        the raw scores the onset rule looks back on. With ``memory`` set the
        engine keeps the stream's history instead (None here).
        """
        self._check_fitted()
        if self.memory is not None:
            return None
        state = {
            "tail": np.empty((0, self.n_features_in_)),
            "raw": np.empty(0),
        }
        for k, columns in enumerate(self.seen_):
            for column, seen in enumerate(columns):
                state[f"seen.{k}.{column}"] = np.sort(seen)
        for column, period in enumerate(self.season_):
            for name, _, _ in self._season_views(period) if period else ():
                # The seasonal changes seen, and the values the next changes need.
                state[f"season{name}_seen.{column}"] = np.sort(self._season_fit(name)[1][column])
                state[f"season{name}_tail.{column}"] = np.empty(0)
        # Arrays of one number rather than scalars: the peak starts at -inf.
        state["rows"] = np.zeros(1)
        state["surprise_peak"] = np.full(1, -np.inf)
        if self.season_rows_:
            for column in range(self.n_features_in_):
                state[f"late_prefix.{column}"] = np.empty(0)
                state[f"late_period.{column}"] = np.zeros(1)  # 0: no period (yet)
                for name, _, _ in self._season_views(0):
                    state[f"late{name}_seen.{column}"] = np.empty(0)
                    state[f"late{name}_tail.{column}"] = np.empty(0)
                    state[f"late{name}_unit.{column}"] = np.zeros(1)
        return state

    def stream_score(
        self, X: np.ndarray, state: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of the rows ``X`` after ``state``, and the next state (``state`` is kept)."""
        n = len(X)
        combined = np.vstack([state["tail"], X])
        views = [view[len(combined) - n :] for view in self._views(combined)]
        raw = np.zeros(n)
        new_state = {}
        for k, view in enumerate(views):
            for column in range(X.shape[1]):
                key = f"seen.{k}.{column}"
                past = state[key].tolist()
                cell = self.spread_[k, column] / CELLS_PER_UNIT
                distance = nearest_and_insert(view[:, column], past, cell)
                raw = np.maximum(raw, self._distance_units(distance, k, column))
                new_state[key] = np.asarray(past)
        for column, period in enumerate(self.season_):
            for view in self._season_views(period) if period else ():
                seasonal, parts = self._stream_seasonal(X[:, column], column, period, view, state)
                raw = np.maximum(raw, seasonal)
                new_state.update(parts)
        rows = int(state["rows"][0])
        for column in range(X.shape[1] if self.season_rows_ else 0):
            late, parts = self._stream_late(X[:, column], column, rows, state)
            raw = np.maximum(raw, late)
            new_state.update(parts)
        new_state["rows"] = np.array([rows + n], dtype=np.float64)
        new_state["surprise_peak"] = state["surprise_peak"]
        if self.surprise_rows_ is not None:
            peak = float(state["surprise_peak"][0])
            raw, peak = surprise(
                raw, self.surprise_rows_, self.surprise_weight, start=rows, peak=peak
            )
            new_state["surprise_peak"] = np.array([peak])
        keep = max(self.windows) - 1
        new_state["tail"] = combined[len(combined) - min(keep, len(combined)) :]
        if self.onset_rows_ is None:
            new_state["raw"] = np.empty(0)
            return raw, new_state
        history = np.concatenate([state["raw"], raw])
        scores = keep_onsets(history, self.onset_rows_, self.onset_margin)[len(history) - n :]
        new_state["raw"] = history[len(history) - min(self.onset_rows_, len(history)) :]
        return scores, new_state

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self._check_params()
        views = self._views(X)
        self.spread_ = np.array([self._unit(view) for view in views])
        self.resolution_ = np.array(
            [_resolution(view, unit) for view, unit in zip(views, self.spread_, strict=True)]
        )
        kept = len(X) if self.memory is None else self.memory
        self.seen_ = [
            [view[-kept:, column].copy() for column in range(X.shape[1])] for view in views
        ]
        self._fit_season(X, kept)
        window = self.onset_window
        if isinstance(window, (float, np.floating)):
            window = max(1, int(window * len(X)))
        self.onset_rows_ = window
        seasonal = self.season_weight or self.season_mean_weight
        self.season_rows_ = int(self.season_retry * len(X)) if seasonal else 0
        decay = self.surprise_decay
        if isinstance(decay, (float, np.floating)):
            decay = max(1.0, decay * len(X))
        off = decay is None or self.surprise_weight == 0
        self.surprise_rows_ = None if off else float(decay)

    def _unit(self, view: np.ndarray) -> np.ndarray:
        """Unit of distance of each column: range, at least ``noise_units`` of noise."""
        spread = np.ptp(view, axis=0)
        if self.noise_units > 0 and len(view) > 1:
            noise = np.median(np.abs(np.diff(view, axis=0)), axis=0)
            spread = np.maximum(spread, self.noise_units * 1.4826 * noise)
        return np.maximum(spread, 1e-9 * np.maximum(np.abs(view).max(axis=0), 1.0))

    def _distance_units(self, distance: np.ndarray, view: int, column: int) -> np.ndarray:
        """Distances of one value view and column, less the continuity correction, in units."""
        correction = self.continuity * self.resolution_[view, column]
        return np.maximum(distance - correction, 0.0) / self.spread_[view, column]

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self._novelty(X, self.seen_)

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        # Scored against the fitted past, every training value is already seen
        # (score 0); scored against its own past only, it is out of sample.
        return self._novelty(X, None)

    def _novelty(self, X: np.ndarray, seen: list[list[np.ndarray]] | None) -> np.ndarray:
        scores = np.zeros(len(X))
        for k, view in enumerate(self._views(X)):
            for column in range(X.shape[1]):
                past = () if seen is None else seen[k][column]
                cell = self.spread_[k, column] / CELLS_PER_UNIT
                distance = nearest_earlier_distance(view[:, column], past, self.memory, cell)
                scores = np.maximum(scores, self._distance_units(distance, k, column))
        for column in range(X.shape[1]):
            scores = np.maximum(scores, self._seasonal_novelty(X, column, seen is not None))
            scores = np.maximum(scores, self._late_seasonal(X[:, column])[0])
        if self.surprise_rows_ is not None:
            scores, _ = surprise(scores, self.surprise_rows_, self.surprise_weight)
        if self.onset_rows_ is not None:
            scores = keep_onsets(scores, self.onset_rows_, self.onset_margin)
        return scores
