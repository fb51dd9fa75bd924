"""A second corpus for choosing defaults: anomalia's own generator, scored as NAB is.

NAB alone cannot tell whether a default generalises: its seven categories
share a handful of sources, and a choice that only NAB likes shows on data
nobody tuned for. :func:`synthetic_corpus` builds a labelled corpus from
:func:`anomalia.synthetic.generate` (server CPU, temperatures and orders
with daily and weekly cycles, and spikes, level shifts, trend changes,
variance bursts, broken seasonality and flatlines inside the normal range)
in NAB's shape, so ``anomalia bench synthetic`` runs the same streaming
protocol and NAB scorer on it:

- one file per series, keyed ``"<profile>/<series>.csv"``; its missing
  stretches are filled linearly (they are labelled normal);
- each anomaly gets a window centred on its first row, the windows of a
  file sharing 10 % of its length, as NAB sizes them;
- the probationary period, the fitting, the [0, 1] mapping and the one
  corpus-wide threshold per profile are NAB's (:mod:`anomalia.bench.nab`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.bench.nab_corpus import NabFile
from anomalia.synthetic import MISSING_KIND, generate

#: Share of a file's rows covered by its anomaly windows, as in NAB.
WINDOW_SHARE = 0.1


def synthetic_corpus(n_series: int = 30, length: int = 4032, seed: int = 7) -> list[NabFile]:
    """Generate ``n_series`` labelled series of ``length`` rows (5-minute steps) in NAB's shape.

    The defaults (30 series of two weeks, seed 7) are the corpus quoted in
    ``docs/nab.md``; the same arguments give the same corpus.
    """
    data = generate(n_series=n_series, length=length, seed=seed)
    events = data.events[data.events["kind"] != MISSING_KIND]
    corpus = []
    for series_id, frame in data.observations.groupby("series_id", sort=False):
        starts = np.sort(events.loc[events["series_id"] == series_id, "start_index"].to_numpy())
        half = int(WINDOW_SHARE * length / max(len(starts), 1)) // 2
        windows: list[tuple[int, int]] = []
        for start in starts:
            first, last = max(0, start - half), min(length - 1, start + half)
            if windows and first <= windows[-1][1]:  # NAB's windows never overlap
                first = windows[-1][1] + 1
            if first <= last:
                windows.append((first, last))
        labels = np.zeros(length, dtype=np.int8)
        for first, last in windows:
            labels[first : last + 1] = 1
        values = frame["value"].interpolate(limit_direction="both").to_numpy(np.float64)
        profile = str(series_id).split("-", 1)[-1]
        corpus.append(
            NabFile(
                key=f"{profile}/{series_id}.csv",
                timestamps=pd.DatetimeIndex(frame["timestamp"])
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_numpy(),
                values=values,
                windows=np.array(windows, dtype=np.int64).reshape(-1, 2),
                labels=labels,
            )
        )
    return corpus
