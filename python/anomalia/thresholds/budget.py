"""A threshold that honours an alert budget: so many alerts per day or per 1,000 points.

A user who cannot label data still knows how many pages a day they can
afford. This threshold turns that budget into a score level with extreme
value theory and keeps it there as scores stream in.

**What counts as an alert.** An alert is an *onset*: a flagged point whose
predecessor is not flagged. A run of consecutive flagged points pages a human
once, so it is one alert however long it lasts.

**From budget to threshold.** Scores of real detectors come in clusters (a
spike's neighbours score high too), so the share of points above a level is
not the rate of alerts. The threshold therefore models *clusters*, as
declustered peaks-over-threshold does (Coles, *An Introduction to Statistical
Modeling of Extreme Values*, 2001, section 5.3): the runs of scores above an
initial level ``t`` are the clusters, each summarised by its peak. With
``n`` scores holding ``n_clusters`` clusters, whose peak excesses over ``t``
follow a generalised Pareto distribution (shape ``gamma``, scale ``sigma``),
the rate of clusters peaking above ``z`` is ``n_clusters / n * P(peak - t >
z - t)``; setting it to the budget's rate per point ``r`` gives the
peaks-over-threshold formula of :func:`~anomalia.thresholds.pareto.tail_quantile`
with the cluster count in place of the peak count::

    z = t + sigma / gamma * ((r * n / n_clusters) ** -gamma - 1)

Each cluster peaking above ``z`` gives one alert (more only if its scores
dip below ``z`` and rise again without falling below ``t``).

**Streaming.** As in SPOT (Siffer et al., KDD 2017), ``advance`` walks
new scores in time order from a running state; when a cluster ends, its peak joins the tail model
and ``z`` is recomputed (the Pareto fit every ``refit_every`` clusters), from the
clusters of the last ``memory`` scores when a memory is set. Unlike
SPOT, clusters above ``z`` are kept in the model too: the budget is about how
many alerts a human receives, anomalies included, so the threshold rises when
alerts come more often than budgeted.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.metrics.events import runs
from anomalia.thresholds.base import BaseThreshold, check_integer, check_number
from anomalia.thresholds.pareto import fit_pareto, tail_quantile

_SECONDS_PER_DAY = 86_400.0
#: History a budget learns from while streaming when ModelSet completes its spec.
DEFAULT_MEMORY = pd.Timedelta("14D")
# An onset needs an unflagged point before it: no more than one alert per two points.
_MAX_ALERT_RATE = 0.5
# Automatic initial level: the highest of these quantiles with this many clusters per
# budgeted alert, so that the tail is fitted on plenty of clusters yet stays a tail.
_CANDIDATE_QUANTILES = np.linspace(0.98, 0.5, 25)
_CLUSTERS_PER_ALERT = 5.0
# Budgeted alerts in the training scores from which their own alert count calibrates the model.
_MIN_ALERTS_TO_CALIBRATE = 50.0
# From this many budgeted alerts, a tail model missing them by a factor of two is replaced.
_MIN_ALERTS_TO_CHECK = 10.0
# Otherwise: rounds of counting the alerts per cluster above the modelled level, and the
# clusters above it needed to trust that count.
_RECROSSING_ROUNDS = 2
_MIN_CLUSTERS_FOR_RECROSSING = 10


def alert_onsets(flags: np.ndarray) -> np.ndarray:
    """Positions where an alert starts: flagged points whose predecessor is not flagged.

    Parameters
    ----------
    flags : array-like of shape (n,)
        0/1 or boolean flags in time order.

    Returns
    -------
    ndarray of int64
        Indices of the onsets; ``len`` of it is the number of alerts.

    Examples
    --------
    >>> alert_onsets(np.array([0, 1, 1, 0, 1, 0, 0, 1]))
    array([1, 4, 7])
    """
    flagged = np.asarray(flags).astype(bool)
    previous = np.r_[False, flagged[:-1]]
    return np.flatnonzero(flagged & ~previous)


def interval_seconds(interval: object) -> float:
    """Seconds in a sampling interval given as a pandas offset (``"5min"``) or a Timedelta.

    Raises
    ------
    ConfigError
        If ``interval`` is not a positive duration.
    """
    try:
        seconds = pd.Timedelta(interval).total_seconds()
    except (TypeError, ValueError):
        seconds = float("nan")
    if not np.isfinite(seconds) or seconds <= 0:
        raise ConfigError(
            f"`interval` must be a positive sampling interval such as '5min' or '1h', "
            f"got {interval!r}"
        )
    return seconds


def with_interval(spec: Mapping[str, Any], frequency: pd.Timedelta) -> dict[str, Any]:
    """Return a budget spec completed for a series sampled every ``frequency``.

    ``interval`` becomes ``frequency`` and ``memory`` :data:`DEFAULT_MEMORY`
    worth of points, unless the spec gives them. Specs of other methods come
    back unchanged.
    """
    result = dict(spec)
    if result.get("method") != BudgetThreshold.name:
        return result
    if result.get("interval") is None:
        result["interval"] = str(pd.Timedelta(frequency))
    if "memory" not in result:
        result["memory"] = max(int(DEFAULT_MEMORY / pd.Timedelta(frequency)), 1)
    return result


class BudgetThreshold(BaseThreshold):
    """Threshold giving about ``alerts_per_day`` (or ``alerts_per_1000``) alerts.

    See the module docstring for what an alert is and how the level is found.

    Parameters
    ----------
    alerts_per_day : float, optional
        Alerts a day a human can handle; ``fit`` needs ``interval``. Give exactly one
        of ``alerts_per_day`` and ``alerts_per_1000``.
    alerts_per_1000 : float, optional
        Alerts per 1,000 scored points.
    interval : str or pandas.Timedelta, optional
        Sampling interval of the scores, e.g. ``"5min"``; converts alerts per
        day to alerts per point. :class:`~anomalia.modelset.ModelSet` fills it
        in from each series' frequency.
    initial_quantile : float, optional
        Quantile of the training scores whose runs above it are the clusters,
        in (0, 1). By default the highest of the quantiles 0.98, 0.96, ...,
        0.5 above which the training scores hold at least ``5 r n`` clusters
        (``r`` the budgeted alerts per point, ``n`` the number of scores), so
        that the tail is fitted on plenty of clusters yet stays a tail.
    refit_every : int, default 10
        Refit the Pareto model after this many new clusters while streaming.
    memory : int, optional
        While streaming, learn only from the clusters that ended in the last
        ``memory`` scores, so that the threshold follows regime changes;
        None keeps all history (as SPOT does). :func:`with_interval` (and so
        :class:`~anomalia.modelset.ModelSet`) sets 14 days of points unless
        given.

    Attributes
    ----------
    alert_rate_ : float
        ``r``, budgeted alerts per point.
    initial_threshold_ : float
        ``t``, the initial level.
    shape_, scale_ : float
        Fitted Pareto shape and scale of the cluster peaks' excesses.
    peaks_ : ndarray of shape (n_clusters_,)
        Excesses over ``t`` of the training cluster peaks.
    cluster_ends_ : ndarray of shape (n_clusters_,)
        Position of each of those clusters' last score.
    n_clusters_ : int
        Clusters in the training scores.
    n_observations_ : int
        Training scores.
    alerts_per_cluster_ : float
        Alerts per cluster peaking above the threshold: scores that dip below
        ``z`` and rise again within a cluster page twice, and the tail model
        is least exact near ``t``. When the training scores hold at least 50
        budgeted alerts, or at least 10 and the tail model misses them by more
        than a factor of two, it is the ratio of the alerts at the level that
        meets the budget on the training scores to the clusters the tail model
        expects above that level; otherwise the alerts per cluster above the
        modelled level (at least 1; 1 with fewer than 10 such clusters). The
        cluster rate aimed at is ``r / alerts_per_cluster_``.
    threshold_ : float
        ``z`` in force for the first score after the training ones.

    The running state (:meth:`advance`) holds the streamed counterparts:
    ``threshold``, ``shape``, ``scale``, ``peaks`` and ``cluster_ends``
    (within ``memory``), ``n_observations``, ``clusters_since_refit`` and
    ``open_peak``, the peak so far of a cluster still open at the last score
    (None when the last score is below ``t``).

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.abs(np.random.default_rng(0).normal(size=100_000))
    >>> budget = BudgetThreshold(alerts_per_1000=2).fit(scores[:50_000])
    >>> alerts = alert_onsets(budget.flag(scores[50_000:])).size
    >>> 80 <= alerts <= 120  # budget: 2 per 1,000 of 50,000 points = 100
    True
    """

    name = "budget"

    def __init__(
        self,
        *,
        alerts_per_day: float | None = None,
        alerts_per_1000: float | None = None,
        interval: str | pd.Timedelta | None = None,
        initial_quantile: float | None = None,
        refit_every: int = 10,
        memory: int | None = None,
    ):
        self.alerts_per_day = alerts_per_day
        self.alerts_per_1000 = alerts_per_1000
        self.interval = interval
        self.initial_quantile = initial_quantile
        self.refit_every = refit_every
        self.memory = memory

    def validate_params(self) -> None:
        if (self.alerts_per_day is None) == (self.alerts_per_1000 is None):
            raise ConfigError(
                "give exactly one of `alerts_per_day` and `alerts_per_1000`, got "
                f"alerts_per_day={self.alerts_per_day!r}, alerts_per_1000={self.alerts_per_1000!r}"
            )
        if self.alerts_per_day is not None:
            check_number("alerts_per_day", self.alerts_per_day, low=0.0)
        else:
            check_number("alerts_per_1000", self.alerts_per_1000, low=0.0)
        if self.interval is not None:
            interval_seconds(self.interval)
        if self.initial_quantile is not None:
            check_number("initial_quantile", self.initial_quantile, low=0.0, high=1.0)
        check_integer("refit_every", self.refit_every, minimum=1)
        if self.memory is not None:
            check_integer("memory", self.memory, minimum=1)
        if self.alerts_per_day is not None and self.interval is None:
            return  # the rate is known once the interval is (see _fit)
        rate = self.alert_rate()
        if rate > _MAX_ALERT_RATE:
            raise ConfigError(
                f"the budget asks for {rate:.3g} alerts per point; an alert needs an "
                f"unflagged point before it, so at most {_MAX_ALERT_RATE} is possible"
            )

    def alert_rate(self) -> float:
        """Budgeted alerts per point, from whichever budget was given."""
        if self.alerts_per_1000 is not None:
            return float(self.alerts_per_1000) / 1000.0
        return float(self.alerts_per_day) * interval_seconds(self.interval) / _SECONDS_PER_DAY

    def _fit(self, scores: np.ndarray) -> None:
        if self.interval is None and self.alerts_per_day is not None:
            raise ConfigError(
                "`alerts_per_day` needs the sampling `interval` (e.g. '5min') to convert "
                "days to points; give `interval` or use `alerts_per_1000`"
            )
        rate = self.alert_rate()
        if self.initial_quantile is None:
            initial = _initial_level(scores, rate)
        else:
            initial = float(np.quantile(scores, self.initial_quantile))
        peaks, ends = _cluster_peaks(scores, initial)
        self.alert_rate_ = rate
        self.initial_threshold_ = initial
        self.peaks_ = peaks - initial
        self.cluster_ends_ = ends
        self.n_clusters_ = int(peaks.size)
        self.n_observations_ = int(scores.size)
        self.shape_, self.scale_ = fit_pareto(self.peaks_)
        self.alerts_per_cluster_ = 1.0  # _level reads it while it is being estimated
        self.alerts_per_cluster_ = self._alerts_per_cluster(scores, peaks)
        self.threshold_ = self._level(self.n_observations_, self.n_clusters_)
        if self.n_clusters_ <= rate * scores.size:
            warnings.warn(
                f"{type(self).__name__}: the training scores hold {self.n_clusters_} "
                f"cluster(s) above the initial level, fewer than the "
                f"{rate * scores.size:.1f} alerts budgeted for them; the threshold stays at "
                "the initial level and gives fewer alerts than budgeted. Lower "
                "`initial_quantile` or the budget.",
                stacklevel=3,
            )

    def _alerts_per_cluster(self, scores: np.ndarray, peaks: np.ndarray) -> float:
        """The ``alerts_per_cluster_`` of the training scores (see the class docstring)."""
        target = self.alert_rate_ * scores.size
        calibrate = target >= _MIN_ALERTS_TO_CALIBRATE
        if not calibrate:
            for _ in range(_RECROSSING_ROUNDS):
                level = self._level(self.n_observations_, self.n_clusters_)
                self.alerts_per_cluster_ = _recrossings(scores, peaks, level)
            # A tail model that misses the training alerts by more than a factor of two
            # does not describe these scores (long runs, as a daily bump gives): calibrate.
            level = self._level(self.n_observations_, self.n_clusters_)
            alerts = alert_onsets(scores > level).size
            calibrate = target >= _MIN_ALERTS_TO_CHECK and not target / 2 <= alerts <= 2 * target
        if not calibrate or self.n_clusters_ <= target:
            return self.alerts_per_cluster_
        level = _empirical_level(scores, self.initial_threshold_, target)
        excess = level - self.initial_threshold_
        modelled = self.n_clusters_ / scores.size * _survival(excess, self.shape_, self.scale_)
        return self.alert_rate_ / modelled if modelled > 0 else self.alerts_per_cluster_

    def _level(
        self,
        n_observations: int,
        n_clusters: int,
        shape: float | None = None,
        scale: float | None = None,
    ) -> float:
        """``z`` for these counts, with the fitted tail unless ``shape`` and ``scale`` are given."""
        risk = self.alert_rate_ / self.alerts_per_cluster_
        if n_clusters <= risk * n_observations:
            return self.initial_threshold_
        return tail_quantile(
            self.initial_threshold_,
            self.shape_ if shape is None else shape,
            self.scale_ if scale is None else scale,
            risk=risk,
            n_observations=n_observations,
            n_peaks=n_clusters,
        )

    def _initial_state(self) -> dict[str, Any]:
        return {
            "threshold": float(self.threshold_),
            "shape": float(self.shape_),
            "scale": float(self.scale_),
            "peaks": self.peaks_.copy(),
            "cluster_ends": self.cluster_ends_.copy(),
            "n_observations": int(self.n_observations_),
            "clusters_since_refit": 0,
            "open_peak": None,
        }

    def _advance(self, scores: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict]:
        initial = self.initial_threshold_
        n_observations = int(state["n_observations"])
        starts, ends = runs((scores > initial).astype(np.int8))
        cluster_peaks = np.maximum.reduceat(scores, starts) if starts.size else np.empty(0)
        open_peak = state["open_peak"]
        if open_peak is not None:
            # The cluster open at the end of the last step goes on if this step starts
            # above t; otherwise it ended with the last step's final score (end -1).
            if starts.size and starts[0] == 0:
                cluster_peaks[0] = max(cluster_peaks[0], open_peak)
            else:
                cluster_peaks = np.r_[open_peak, cluster_peaks]
                ends = np.r_[-1, ends]
        open_peak = None
        if ends.size and ends[-1] == scores.size - 1:
            # A run reaching the last score may go on in the next step: its peak is not known.
            open_peak = float(cluster_peaks[-1])
            cluster_peaks, ends = cluster_peaks[:-1], ends[:-1]
        old_peaks = np.asarray(state["peaks"], dtype=np.float64)
        peaks = np.concatenate([old_peaks, cluster_peaks - initial])
        positions = np.concatenate(
            [np.asarray(state["cluster_ends"], dtype=np.int64), n_observations + ends]
        )
        first, count = 0, old_peaks.size
        since_refit = int(state["clusters_since_refit"])
        shape, scale = state["shape"], state["scale"]
        limits = np.empty(scores.size)
        z, done = state["threshold"], 0
        for end in ends:
            # z holds until the cluster ends; its peak is known only then.
            limits[done : end + 1] = z
            done = end + 1
            count += 1
            since_refit += 1
            now = n_observations + done
            if self.memory is not None:
                first = int(np.searchsorted(positions[:count], now - self.memory, side="right"))
            if since_refit >= self.refit_every:
                shape, scale = fit_pareto(peaks[first:count])
                since_refit = 0
            span = now if self.memory is None else min(now, self.memory)
            z = self._level(span, count - first, shape, scale)
        limits[done:] = z
        new_state = {
            "threshold": float(z),
            "shape": float(shape),
            "scale": float(scale),
            "peaks": peaks[first:],
            "cluster_ends": positions[first:],
            "n_observations": n_observations + scores.size,
            "clusters_since_refit": since_refit,
            "open_peak": open_peak,
        }
        return limits, new_state


def _cluster_peaks(scores: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Peak score and last position of each run of scores above ``level``, in time order."""
    starts, ends = runs((scores > level).astype(np.int8))
    if starts.size == 0:
        return np.empty(0), ends
    # Between two runs every score is <= level < a run's peak, so each segment's max is its peak.
    return np.maximum.reduceat(scores, starts), ends


def _empirical_level(scores: np.ndarray, initial: float, target: float) -> float:
    """Lowest score level from ``initial`` up at which ``scores`` give at most ``target`` alerts.

    The alerts at level ``u`` are the ``i`` with ``scores[i - 1] <= u < scores[i]``:
    the previous score at most ``u`` minus both scores at most ``u``, two counts
    read off sorted arrays for every candidate level at once.
    """
    previous, current = scores[:-1], scores[1:]
    levels = np.unique(scores[scores >= initial])
    rises = np.searchsorted(np.sort(previous), levels, side="right")
    stays = np.searchsorted(np.sort(np.maximum(previous, current)), levels, side="right")
    within = np.flatnonzero(rises - stays <= target)
    return float(levels[within[0]] if within.size else levels[-1])


def _recrossings(scores: np.ndarray, peaks: np.ndarray, level: float) -> float:
    """Alerts at ``level`` per cluster peaking above it (1 with too few such clusters)."""
    n_clusters_above = int((peaks > level).sum())
    if n_clusters_above < _MIN_CLUSTERS_FOR_RECROSSING:
        return 1.0
    return max(alert_onsets(scores > level).size / n_clusters_above, 1.0)


def _survival(excess: float, shape: float, scale: float) -> float:
    """Probability that a Pareto (``shape``, ``scale``) excess exceeds ``excess``."""
    if scale <= 0.0:
        return 0.0
    if abs(shape) < 1e-12:
        return float(np.exp(-excess / scale))
    base = 1.0 + shape * excess / scale
    return float(base ** (-1.0 / shape)) if base > 0.0 else 0.0


def _initial_level(scores: np.ndarray, rate: float) -> float:
    """Highest candidate quantile of ``scores`` above which the runs number enough clusters.

    When no candidate has enough, the one with the most clusters is used.
    """
    levels = np.quantile(scores, _CANDIDATE_QUANTILES)
    counts = np.array([_cluster_peaks(scores, level)[0].size for level in levels])
    enough = np.flatnonzero(counts >= _CLUSTERS_PER_ALERT * rate * scores.size)
    return float(levels[enough[0]] if enough.size else levels[int(np.argmax(counts))])
