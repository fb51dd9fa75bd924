"""Anomalies the simulator injects into the points it replays.

An injection comes from ``--inject`` (:func:`parse_injection`) or from the
store's requests (the dashboard's button, :meth:`Store.request_injection`).
It changes one value column of one series from its start time on, over
``length`` points: a ``spike`` adds ``magnitude`` spreads to one point, a
``level_shift`` adds them to every point, a ``variance_burst`` adds noise of
that spread, a ``flatline`` repeats the last value before it. The spread is
the standard deviation of the column in the replayed data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.store.tables import INJECTION_KINDS

#: Magnitude (in spreads) and length (points) of each kind when not given.
DEFAULTS = {
    "spike": (6.0, 1),
    "level_shift": (4.0, 20),
    "variance_burst": (3.0, 20),
    "flatline": (0.0, 20),
}
_EXAMPLE = "e.g. spike@+5m or level_shift@+1h,series=cpu-1,magnitude=4,length=30"
_SPEC = re.compile(r"^(?P<kind>[a-z_]+)@\+(?P<offset>[^,]+)(?P<options>(,[^,=]+=[^,]*)*)$")


@dataclass
class Injection:
    """One anomaly to inject, and how far it got.

    Attributes
    ----------
    kind : str
        One of :data:`~anomalia.store.tables.INJECTION_KINDS`.
    series_id : str or None
        ``None``: the first series of the replay.
    start : int or None
        Stored time (int64 ns) of the first affected point; ``None``: the next point.
    offset : pandas.Timedelta or None
        For ``--inject``: time after the replay's start, resolved into ``start``.
    magnitude : float or None
        In spreads of the column; ``None``: the kind's default.
    length : int or None
        Points affected; ``None``: the kind's default.
    column : str or None
        Value column; ``None``: the first one.
    source : str
        Where it came from, for the log (``--inject spike@+5m``, ``request 3``).
    done : int
        Points injected so far.
    """

    kind: str
    series_id: str | None = None
    start: int | None = None
    offset: pd.Timedelta | None = None
    magnitude: float | None = None
    length: int | None = None
    column: str | None = None
    source: str = ""
    done: int = 0
    hold: float | None = field(default=None, repr=False)

    @property
    def points(self) -> int:
        return DEFAULTS[self.kind][1] if self.length is None else self.length

    @property
    def finished(self) -> bool:
        return self.done >= self.points


def parse_injection(text: str) -> Injection:
    """An ``--inject`` value: ``KIND@+OFFSET[,series=ID][,magnitude=X][,length=N][,column=C]``.

    ``OFFSET`` is a duration in the data's time after the replay's start
    (``30s``, ``5m``, ``2h``, ``1d``): at ``--speed 60``, ``+5m`` comes five
    seconds after the start.

    Raises
    ------
    ConfigError
        Naming the value, what is wrong and an example.
    """
    match = _SPEC.match(text.strip())
    if match is None:
        raise ConfigError(f"--inject {text!r}: expected KIND@+OFFSET[,key=value...], {_EXAMPLE}")
    kind = match["kind"]
    if kind not in INJECTION_KINDS:
        raise ConfigError(
            f"--inject {text!r}: unknown kind `{kind}`; expected one of "
            f"{', '.join(INJECTION_KINDS)} ({_EXAMPLE})"
        )
    try:
        offset = pd.Timedelta(match["offset"])
    except ValueError:
        raise ConfigError(
            f"--inject {text!r}: offset {match['offset']!r} is not a duration such as "
            f"30s, 5m, 2h ({_EXAMPLE})"
        ) from None
    injection = Injection(kind, offset=offset, source=f"--inject {text}")
    for option in filter(None, match["options"].split(",")):
        key, value = option.split("=", 1)
        if key not in ("series", "column", "magnitude", "length"):
            raise ConfigError(
                f"--inject {text!r}: unknown option `{key}`; expected series, magnitude, "
                f"length or column ({_EXAMPLE})"
            )
        try:
            if key == "series":
                injection.series_id = value
            elif key == "column":
                injection.column = value
            elif key == "magnitude":
                injection.magnitude = float(value)
                if not np.isfinite(injection.magnitude):
                    raise ValueError
            else:
                injection.length = int(value)
                if injection.length < 1:
                    raise ValueError
        except ValueError:
            expected = "a finite number" if key == "magnitude" else "an integer ≥ 1"
            raise ConfigError(
                f"--inject {text!r}: `{key}` must be {expected}, got {value!r}"
            ) from None
    return injection


def from_request(request: pd.Series) -> Injection:
    """The injection a row of :meth:`Store.read_injections` asks for."""
    at = request["at"]
    magnitude = request["magnitude"]
    return Injection(
        str(request["kind"]),
        series_id=str(request["series_id"]),
        start=None if pd.isna(at) else int(pd.Timestamp(at).as_unit("ns").value),
        magnitude=None if pd.isna(magnitude) else float(magnitude),
        source=f"request {int(request['injection_id'])}",
    )


def apply(
    injection: Injection,
    rows: pd.DataFrame,
    spread: float,
    last_value: float | None,
    rng: np.random.Generator,
) -> list[int]:
    """Change ``rows`` (this tick's points, time order) in place; the positions changed.

    ``rows`` carries ``series_id``, ``timestamp`` (stored, int64 ns) and the
    value columns; ``last_value`` is the series' last value written before
    this tick, which a flatline repeats when it starts with the tick.
    """
    mine = rows["series_id"].eq(injection.series_id).to_numpy()
    if injection.start is not None:
        mine = mine & (rows["timestamp"].to_numpy() >= injection.start)
    positions = np.flatnonzero(mine)[: injection.points - injection.done]
    if len(positions) == 0:
        return []
    if injection.start is None:
        injection.start = int(rows["timestamp"].iloc[positions[0]])
    column = rows.columns.get_loc(injection.column)
    default_magnitude = DEFAULTS[injection.kind][0]
    size = (default_magnitude if injection.magnitude is None else injection.magnitude) * spread
    values = rows.iloc[positions, column].to_numpy(dtype=np.float64)
    if injection.kind in ("spike", "level_shift"):
        values = values + size
    elif injection.kind == "variance_burst":
        values = values + rng.normal(0.0, size, len(values))
    else:  # flatline: the value before its first point, held
        if injection.hold is None:
            before = np.flatnonzero(
                rows["series_id"].eq(injection.series_id).to_numpy()
                & (np.arange(len(rows)) < positions[0])
            )
            earlier = rows.iloc[before[-1], column] if len(before) else last_value
            injection.hold = values[0] if earlier is None or pd.isna(earlier) else float(earlier)
        values = np.full(len(values), injection.hold)
    rows.iloc[positions, column] = values
    injection.done += len(positions)
    return positions.tolist()
