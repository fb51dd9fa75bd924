"""A stream advanced partition by partition on the cluster answers as the series scored whole."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.distributed.stream import advance_on_cluster, advance_partition
from anomalia.modelset import ModelSet

from .conftest import make_observations


def test_polls_advanced_on_the_cluster_equal_the_batch_scores(client, tmp_path):
    observations = make_observations(n_series=4, length=400, seed=9)
    model_set = ModelSet("zscore").fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "zscore")
    expected = model_set.score(observations, progress=False)
    # Three polls of uneven size, as a stream loop would read them from a store, with the
    # model set read by the workers from its folder or scattered to them from memory.
    order = observations.groupby("series_id").cumcount()
    states, scored = {}, []
    in_memory = client.scatter(ModelSet.load(tmp_path / "zscore"), broadcast=True)
    for first, last, model in ((0, 150, tmp_path / "zscore"), (150, 151, in_memory),
                               (151, 400, tmp_path / "zscore")):  # fmt: skip
        rows = observations[(order >= first) & (order < last)]
        scores, states_now, refused = advance_on_cluster(
            client, model, states, rows, n_partitions=2
        )
        assert refused == {}
        states.update(states_now)
        scored.append(scores)
    assert set(states) == {"s00", "s01", "s02", "s03"}
    scores = pd.concat(scored).sort_values(["series_id", "timestamp"], ignore_index=True)
    np.testing.assert_allclose(scores["score"], expected["score"], rtol=0, atol=1e-12)
    assert (scores["is_anomaly"].to_numpy() == expected["is_anomaly"].to_numpy()).all()
    assert (scores["status"].to_numpy() == expected["status"].to_numpy()).all()


def test_a_missing_value_is_answered_missing_and_an_unknown_series_refused():
    observations = make_observations(n_series=1, length=300)
    model_set = ModelSet("zscore").fit(observations, progress=False)
    rows = observations.iloc[:5].copy()
    rows.loc[2, "value"] = np.nan
    stranger = rows.assign(series_id="nobody")
    scores, states, refused = advance_partition(model_set, {}, pd.concat([rows, stranger]))
    assert scores["status"].tolist()[2] == "missing" and np.isnan(scores["score"].iloc[2])
    assert states["s00"].n_seen == 4
    assert list(refused) == ["nobody"] and "no trained `zscore` model" in refused["nobody"]
