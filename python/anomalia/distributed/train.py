"""``anomalia train --engine dask``: each partition's task fits its series' models.

The tasks return their fitted :class:`~anomalia.modelset.ModelSet` of a few
series; the client joins them in partition order and saves one model set,
the same files and manifest as the local engine writes (apart from the
timings). Detectors fitted on all series pooled (supervised ones, or a fleet
model for unseen series) need every series at once: they run as one task.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from anomalia.detectors.registry import get_detector_class
from anomalia.distributed.partitions import Partition
from anomalia.exceptions import DataError
from anomalia.modelset import ModelSet


def _fit_partition(
    spec: dict[str, Any], partition: Partition, train_fraction: float, frequency: str | None
) -> tuple[ModelSet, str]:
    model_set = ModelSet(**spec)
    model_set.fit(
        partition.read(), train_fraction=train_fraction, frequency=frequency, progress=False
    )
    return model_set, partition.source


def _pooled(spec: dict[str, Any]) -> bool:
    fleet = (spec.get("new_series") or {}).get("method") == "fleet"
    return get_detector_class(spec["detector"]).requires_labels or fleet


def _one_partition(partitions: list[Partition]) -> Partition:
    if all(part.rows is not None for part in partitions):
        rows = pd.concat([part.rows for part in partitions], ignore_index=True)
        return Partition(0, rows=rows)
    return Partition(0, [f for part in partitions for f in part.files], partitions[0].root)


def fit_on_cluster(
    client: Any,
    model_set: ModelSet,
    partitions: list[Partition],
    *,
    train_fraction: float = 1.0,
    frequency: str | None = None,
) -> ModelSet:
    """Fit ``model_set`` (unfitted) on the partitions, one task each; returns it fitted.

    Raises
    ------
    DataError
        If a series lies in two partitions, the partitions' value columns
        differ, or a task's fit fails (its error, naming the series).
    """
    started = time.perf_counter()
    spec = {
        "detector": model_set.detector,
        "params": model_set.params,
        "threshold": model_set.threshold,
        "fill_method": model_set.fill_method,
        "new_series": model_set.new_series,
    }
    if _pooled(spec):
        partitions = [_one_partition(partitions)]
    futures = [
        client.submit(_fit_partition, spec, part, train_fraction, frequency, pure=False)
        for part in partitions
    ]
    fitted = client.gather(futures)
    first = fitted[0][0]
    model_set.value_columns_ = first.value_columns_
    model_set.pooled_ = first.pooled_
    model_set.members_, model_set.reference_ = {}, {}
    owner: dict[str, str] = {}
    for part, source in fitted:
        if part.value_columns_ != first.value_columns_:
            raise DataError(
                f"{source}: value columns {', '.join(part.value_columns_)} differ from those "
                f"of {fitted[0][1]} ({', '.join(first.value_columns_)}); every input must "
                "have the same columns"
            )
        for series_id, member in part.members_.items():
            if series_id in owner:
                raise DataError(
                    f"{source}: series `{series_id}` is also in {owner[series_id]}; a series "
                    "must lie in one partition (one file of the dataset)"
                )
            owner[series_id] = source
            model_set.members_[series_id] = member
        model_set.reference_.update(part.reference_)
    model_set.fit_seconds_ = time.perf_counter() - started
    return model_set
