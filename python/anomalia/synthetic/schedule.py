"""Where the anomalies of one synthetic series go, and how long each lasts.

Events are spread over the whole series except its first 10 % (left clean so
a detector can learn what normal looks like): the eligible stretch is cut into
one equal segment per event, in random order, and each event lands at a random
place inside its segment with a margin on both sides, so events never overlap
or touch and the series is back to normal between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anomalia.exceptions import ConfigError

#: Anomaly kinds labelled 1 over their window.
ANOMALY_KINDS: tuple[str, ...] = (
    "spike",
    "level_shift",
    "trend_change",
    "variance_burst",
    "broken_seasonality",
    "flatline",
)
#: Data-quality gaps: values are NaN and labelled 0.
MISSING_KIND = "missing"
#: Share of each series kept free of events.
CLEAN_PREFIX = 0.10

# (smallest share of the series, largest share, fewest points, most points);
# chosen so a 3000-point series carries about 3-4 % anomalous points.
_LENGTHS: dict[str, tuple[float, float, int, int]] = {
    "level_shift": (0.005, 0.025, 10, 150),
    "trend_change": (0.008, 0.020, 15, 150),
    "variance_burst": (0.005, 0.012, 10, 100),
    "broken_seasonality": (0.010, 0.022, 12, 200),
    "flatline": (0.004, 0.010, 10, 100),
    MISSING_KIND: (0.002, 0.008, 3, 50),
}
_MARGIN = 3


@dataclass(frozen=True)
class PlannedEvent:
    """One event of a series: its kind and its window ``[start, start + length)``."""

    kind: str
    start: int
    length: int

    @property
    def end(self) -> int:
        """Index of the last point of the window (inclusive)."""
        return self.start + self.length - 1


def event_length(kind: str, n_points: int, rng: np.random.Generator) -> int:
    """Draw the number of points an event of ``kind`` lasts in a series of ``n_points``.

    Parameters
    ----------
    kind : str
        One of :data:`ANOMALY_KINDS` or ``"missing"``.
    n_points : int
        Length of the series.
    rng : numpy.random.Generator
        Source of the draw.

    Returns
    -------
    int
        1 to 3 points for a spike; otherwise a share of the series clipped to
        the kind's bounds.
    """
    if kind == "spike":
        return int(rng.integers(1, 4))
    low_share, high_share, fewest, most = _LENGTHS[kind]
    share = rng.uniform(low_share, high_share)
    return int(np.clip(round(share * n_points), fewest, most))


def plan_events(kinds: list[str], n_points: int, rng: np.random.Generator) -> list[PlannedEvent]:
    """Place one event of each of ``kinds`` in a series, without overlaps.

    Parameters
    ----------
    kinds : list of str
        The kinds to place, one event each.
    n_points : int
        Length of the series.
    rng : numpy.random.Generator
        Source of the order, lengths and positions.

    Returns
    -------
    list of PlannedEvent
        Sorted by start.

    Raises
    ------
    ConfigError
        If the series is too short to hold the events apart.
    """
    first_eligible = int(np.ceil(CLEAN_PREFIX * n_points))
    order = rng.permutation(len(kinds))
    bounds = np.linspace(first_eligible, n_points, len(kinds) + 1).astype(int)
    planned = []
    for segment, kind_index in enumerate(order):
        kind = kinds[kind_index]
        length = event_length(kind, n_points, rng)
        earliest = bounds[segment] + _MARGIN
        latest = bounds[segment + 1] - _MARGIN - length
        if latest < earliest:
            raise ConfigError(
                f"a series of {n_points} points is too short to hold {len(kinds)} events "
                "apart; use a longer series"
            )
        planned.append(PlannedEvent(kind, int(rng.integers(earliest, latest + 1)), length))
    return sorted(planned, key=lambda event: event.start)
