"""The safe state codec: round trips, and every way a file could smuggle code in is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import OneClassSVM

import anomalia
from anomalia.exceptions import DataError
from anomalia.persist import (
    FORMAT_VERSION,
    SKLEARN_CLASSES,
    load_state,
    refuse_pickles,
    save_state,
)
from anomalia.preprocess.scaling import RobustScaler


class Payload:
    """Unpickling this creates ``path``: proof that code from a file ran."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_every_supported_value_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 3))
    state = {
        "none": None,
        "flag": True,
        "count": 7,
        "ratio": 0.25,
        "nan": float("nan"),
        "infinite": float("-inf"),
        "name": "cpu",
        "windows": (12, 48, 288),
        "names": ["a", "b"],
        "nested": {"history": {"loss": [0.5, 0.25]}, "empty": []},
        "by_number": {1: "one", (2, 3): "pair"},
        "tagged_key": {"__type__": "not a tag"},
        "season": np.int64(48),
        "spread": np.float32(0.5),
        "nan_scalar": np.float64("nan"),
        "truth": np.bool_(False),
        "floats": rng.normal(size=(4, 2)),
        "ints": np.arange(5, dtype=np.int16),
        "bools": np.array([True, False]),
        "strings": np.array(["x", "yz"]),
        "seen": [[np.arange(3.0)], [np.arange(2.0)]],
        "trained": pd.Timestamp("2026-01-01 00:05", tz="UTC"),
        "naive": pd.Timestamp("2026-01-01 00:00:00.000000001"),
        "paris": pd.Timestamp("2026-03-29 03:00", tz="Europe/Paris"),
        "step": pd.Timedelta("5min"),
        "scaler_": RobustScaler().fit(features),
        "forest_": IsolationForest(n_estimators=10, random_state=0).fit(features),
        "standard_": StandardScaler().fit(features),
        "pca_": PCA(n_components=2).fit(features),
        "fortran": np.asfortranarray(rng.normal(size=(3, 4))),
        "empty": np.zeros((0, 3)),
    }
    save_state(tmp_path, state, fingerprint="f00d")
    loaded = load_state(tmp_path, fingerprint="f00d")

    assert set(loaded) == set(state)
    for key in ("none", "flag", "count", "ratio", "name", "windows", "names", "nested"):
        assert loaded[key] == state[key] and type(loaded[key]) is type(state[key])
    assert loaded["by_number"] == state["by_number"]
    assert loaded["tagged_key"] == state["tagged_key"]
    assert np.isnan(loaded["nan"]) and loaded["infinite"] == float("-inf")
    for key in ("season", "spread", "truth"):
        assert loaded[key] == state[key] and loaded[key].dtype == state[key].dtype
    assert np.isnan(loaded["nan_scalar"])
    for key in ("floats", "ints", "bools", "strings"):
        np.testing.assert_array_equal(loaded[key], state[key])
        assert loaded[key].dtype == state[key].dtype
    np.testing.assert_array_equal(loaded["seen"][1][0], state["seen"][1][0])
    for key in ("trained", "naive", "paris", "step"):
        assert loaded[key] == state[key] and str(loaded[key]) == str(state[key])
    np.testing.assert_array_equal(
        loaded["scaler_"].transform(features), state["scaler_"].transform(features)
    )
    np.testing.assert_array_equal(
        loaded["forest_"].score_samples(features), state["forest_"].score_samples(features)
    )
    for key in ("standard_", "pca_"):
        np.testing.assert_array_equal(
            loaded[key].transform(features), state[key].transform(features)
        )
    assert loaded["fortran"].flags.f_contiguous
    np.testing.assert_array_equal(loaded["fortran"], state["fortran"])
    assert loaded["empty"].shape == (0, 3)
    header = json.loads((tmp_path / "state.json").read_text())
    assert header["format_version"] == FORMAT_VERSION
    assert header["anomalia_version"] == anomalia.__version__


def test_states_with_different_names_share_a_folder(tmp_path):
    save_state(tmp_path, {"value": np.ones(2)}, name="threshold")
    save_state(tmp_path, {"value": np.zeros(3)}, name="scaler")
    np.testing.assert_array_equal(load_state(tmp_path, name="threshold")["value"], np.ones(2))
    np.testing.assert_array_equal(load_state(tmp_path, name="scaler")["value"], np.zeros(3))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (np.array([{"a": 1}], dtype=object), "arrays of Python objects"),
        (object(), "a object cannot be saved safely"),
        (lambda: 0, "a function cannot be saved safely"),
        ({1.5: {"deep": [set()]}}, r"state.member_\[1.5\].deep\[0\]: a set cannot"),
    ],
)
def test_values_that_are_not_plain_data_are_refused_when_saving(tmp_path, value, fragment):
    with pytest.raises(TypeError, match=fragment):
        save_state(tmp_path, {"member_": value})


def test_newer_format_and_foreign_files_are_refused(tmp_path):
    save_state(tmp_path, {"threshold_": 1.0}, fingerprint="f00d")
    header_file = tmp_path / "state.json"
    header = json.loads(header_file.read_text())

    with pytest.raises(DataError, match="fingerprint f00d, but it sits with a model of .* beef"):
        load_state(tmp_path, fingerprint="beef")

    header_file.write_text(json.dumps({**header, "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(DataError, match=f"reads format {FORMAT_VERSION} at most; upgrade"):
        load_state(tmp_path)

    header_file.write_text(json.dumps({"state": {}}))
    with pytest.raises(DataError, match="not an anomalia state file"):
        load_state(tmp_path)

    header_file.write_text("{not json")
    with pytest.raises(DataError, match="state.json: not valid JSON"):
        load_state(tmp_path)

    header_file.unlink()
    with pytest.raises(DataError, match="state.json: missing"):
        load_state(tmp_path)


def test_a_class_outside_the_allow_list_is_not_rebuilt(tmp_path):
    save_state(tmp_path, {"scaler_": RobustScaler().fit(np.arange(5.0))})
    header_file = tmp_path / "state.json"
    text = header_file.read_text().replace(
        "anomalia.preprocess.scaling:RobustScaler", "subprocess:Popen"
    )
    header_file.write_text(text)
    with pytest.raises(DataError, match="'subprocess:Popen' is not among the classes"):
        load_state(tmp_path)


def test_an_unknown_tag_is_refused(tmp_path):
    (tmp_path / "state.json").write_text(
        json.dumps(
            {
                "format": "anomalia-state",
                "format_version": 1,
                "state": {"x": {"__type__": "pickle", "data": "gASV"}},
            }
        )
    )
    with pytest.raises(DataError, match="state.x: malformed 'pickle' value"):
        load_state(tmp_path)


def test_a_pickled_array_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "ran"
    save_state(tmp_path, {"values_": np.ones(2)})
    # np.savez pickles object arrays; the loader must refuse them, not unpickle.
    np.savez(tmp_path / "state.npz", g0=np.array([Payload(marker)], dtype=object))
    with pytest.raises(DataError, match="state.npz: not a safe numpy archive"):
        load_state(tmp_path)
    assert not marker.exists()


def test_an_estimator_file_naming_other_types_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "ran"
    # An estimator anomalia does not rebuild itself goes to a skops file.
    written = save_state(tmp_path, {"pca_": PCA(n_components=1).fit(np.eye(3))})
    assert (tmp_path / "state.0.skops") in written
    # A transformer whose function would create the marker when called.
    evil = FunctionTransformer(func=os.system, kw_args={"command": f"touch {marker}"})
    (tmp_path / "state.0.skops").write_bytes(skops.io.dumps(evil))
    with pytest.raises(DataError, match="state.0.skops: refused, it names types outside"):
        load_state(tmp_path)
    assert not marker.exists()


def test_refuse_pickles_names_the_file_and_says_to_retrain(tmp_path):
    refuse_pickles(tmp_path)  # nothing there: fine
    (tmp_path / "series-0000").mkdir()
    (tmp_path / "series-0000" / "threshold.pkl").write_bytes(b"\x80\x04.")
    with pytest.raises(DataError, match=r"pickles \(series-0000/threshold.pkl\).*`anomalia train`"):
        refuse_pickles(tmp_path)


def test_a_forest_loads_from_few_arrays_and_scores_the_same(tmp_path):
    features = np.random.default_rng(1).normal(size=(500, 4))
    forest = IsolationForest(random_state=0).fit(features)
    written = save_state(tmp_path, {"forest_": forest})
    assert [path.suffix for path in written] == [".json", ".npz"]  # no skops file
    with np.load(tmp_path / "state.npz") as archive:
        assert len(archive.files) < 10  # one flat array per dtype, not per tree
    loaded = load_state(tmp_path)["forest_"]
    np.testing.assert_array_equal(loaded.score_samples(features), forest.score_samples(features))


def _tamper(tmp_path: Path, edit) -> None:
    header_file = tmp_path / "state.json"
    header = json.loads(header_file.read_text())
    edit(header["state"])
    header_file.write_text(json.dumps(header))


def test_an_estimator_class_outside_the_allow_list_is_not_rebuilt(tmp_path):
    save_state(tmp_path, {"scaler_": StandardScaler().fit(np.ones((3, 1)))})

    def swap(state):
        state["scaler_"]["class"] = (
            "sklearn.preprocessing._function_transformer:FunctionTransformer"
        )

    _tamper(tmp_path, swap)
    with pytest.raises(DataError, match="'sklearn.preprocessing._function_transformer:Func"):
        load_state(tmp_path)


def test_a_tree_whose_links_leave_it_is_refused(tmp_path):
    features = np.random.default_rng(1).normal(size=(100, 2))
    save_state(tmp_path, {"forest_": IsolationForest(n_estimators=2).fit(features)})
    header = json.loads((tmp_path / "state.json").read_text())
    tree = header["state"]["forest_"]["state"]["estimators_"][0]["state"]["tree_"]
    nodes_reference = tree["state"]["nodes"]
    with np.load(tmp_path / "state.npz") as archive:
        arrays = {key: archive[key] for key in archive.files}
    nodes = arrays[nodes_reference["key"]]
    nodes["left_child"][nodes_reference["offset"]] = 10**6  # the root points far outside
    np.savez(tmp_path / "state.npz", **arrays)
    with pytest.raises(DataError, match="a tree is corrupt: a child link outside the tree"):
        load_state(tmp_path)


def test_an_array_slice_outside_its_buffer_is_refused(tmp_path):
    save_state(tmp_path, {"values_": np.ones(3)})

    def stretch(state):
        state["values_"]["shape"] = [300]

    _tamper(tmp_path, stretch)
    with pytest.raises(DataError, match="state.values_: array slice 0\\+300 lies outside"):
        load_state(tmp_path)


ESTIMATORS = {
    "IsolationForest": (IsolationForest(n_estimators=20, random_state=0), "score_samples"),
    "RandomForestClassifier": (
        RandomForestClassifier(n_estimators=20, oob_score=True, random_state=0),
        "predict_proba",
    ),
    "OneClassSVM": (OneClassSVM(), "decision_function"),
    "LocalOutlierFactor": (LocalOutlierFactor(novelty=True, algorithm="brute"), "score_samples"),
    "NearestNeighbors": (NearestNeighbors(n_neighbors=2, algorithm="brute"), "kneighbors"),
    "StandardScaler": (StandardScaler(), "transform"),
    "LogisticRegression": (LogisticRegression(), "decision_function"),
}


def test_every_allow_listed_estimator_class_is_covered():
    top_level = {path.split(":")[1] for path in SKLEARN_CLASSES} - {
        "ExtraTreeRegressor",  # inside IsolationForest
        "DecisionTreeClassifier",  # inside RandomForestClassifier
    }
    assert top_level == set(ESTIMATORS)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_allow_listed_estimators_are_saved_as_data_and_give_identical_output(tmp_path, name):
    estimator, method = ESTIMATORS[name]
    rng = np.random.default_rng(3)
    features = rng.normal(size=(300, 4))
    labels = (features[:, 0] > 1).astype(int)
    estimator.fit(features, labels)
    written = save_state(tmp_path, {"estimator_": estimator})
    assert not [path for path in written if path.suffix == ".skops"]
    loaded = load_state(tmp_path)["estimator_"]
    assert type(loaded) is type(estimator)
    fresh = rng.normal(size=(50, 4))
    expected, actual = getattr(estimator, method)(fresh), getattr(loaded, method)(fresh)
    for want, got in zip(np.atleast_1d(expected), np.atleast_1d(actual), strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_state_nested_too_deeply_is_refused(tmp_path):
    save_state(tmp_path, {"values_": [0.0]})
    deep = "[" * 900 + "]" * 900
    text = (tmp_path / "state.json").read_text().replace("[0.0]", deep)
    (tmp_path / "state.json").write_text(text)
    with pytest.raises(DataError, match="state.json: (the state is nested too deeply|not valid)"):
        load_state(tmp_path)


def test_a_model_saved_before_a_parameter_existed_is_refused_with_train_again(tmp_path):
    from anomalia.detectors.novelty import ValueNoveltyDetector

    path = ValueNoveltyDetector().fit(np.sin(np.arange(300) / 5)).save(tmp_path / "novelty")
    config = json.loads((path / "config.json").read_text())
    del config["params"]["continuity"]  # as a model saved before `continuity` existed
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(DataError, match=r"had no parameter `continuity`.*anomalia train"):
        ValueNoveltyDetector.load(path)
