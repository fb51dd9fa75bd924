"""scikit-learn estimators in safe files: their state as data, or skops with an allow-list.

An estimator of :data:`SKLEARN_CLASSES` is saved as the dict its
``__getstate__`` returns (parameters, fitted arrays, sub-estimators, trees)
and rebuilt with ``__new__`` and ``__setstate__``, as skops does, but with
its arrays in the state's packed ``.npz``: an isolation forest loads in a
few milliseconds instead of most of a second. A tree's node links are
checked first (every child after its parent and inside the tree, every split
on an existing feature), since scikit-learn follows them without bounds
checks. Any other estimator goes through ``skops.io`` into a ``.skops`` file
of its own, loaded with the types skops trusts plus :data:`SKOPS_TRUSTED`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from anomalia.exceptions import DataError
from anomalia.persist.codec import TAG, class_path, import_class

if TYPE_CHECKING:
    from anomalia.persist.codec import Decoder, Encoder

#: Estimators saved as their state and rebuilt from it: those anomalia's detectors fit.
SKLEARN_CLASSES: tuple[str, ...] = (
    "sklearn.ensemble._iforest:IsolationForest",
    "sklearn.tree._classes:ExtraTreeRegressor",
    "sklearn.ensemble._forest:RandomForestClassifier",
    "sklearn.tree._classes:DecisionTreeClassifier",
    "sklearn.svm._classes:OneClassSVM",
    "sklearn.neighbors._lof:LocalOutlierFactor",
    "sklearn.neighbors._unsupervised:NearestNeighbors",
    "sklearn.preprocessing._data:StandardScaler",
    "sklearn.linear_model._logistic:LogisticRegression",
)

#: Types skops does not trust by default that may be loaded from ``.skops`` files.
SKOPS_TRUSTED: tuple[str, ...] = ("sklearn.tree._tree.Tree",)

TREE = "sklearn.tree._tree:Tree"
TAGS = ("sklearn", "sklearn_tree", "skops")


def encode(encoder: Encoder, value: Any, where: str) -> dict[str, Any] | None:
    """The tagged form of an estimator or tree; None if ``value`` is neither."""
    path = class_path(value)
    if path == TREE:
        _cls, (n_features, n_classes, n_outputs), state = value.__reduce__()
        return {
            TAG: "sklearn_tree",
            "n_features": int(n_features),
            "n_classes": [int(n) for n in n_classes],
            "n_outputs": int(n_outputs),
            "state": encoder.encode(state, where=f"{where}.tree_"),
        }
    if not _is_estimator(value):
        return None
    if path in SKLEARN_CLASSES:
        mark = encoder.checkpoint()
        try:
            state = encoder.encode(value.__getstate__(), where=where)
            return {TAG: "sklearn", "class": path, "state": state}
        except TypeError:  # e.g. a callable parameter: let skops judge it
            encoder.rollback(mark)
    return _encode_skops(encoder, value, where)


def decode(decoder: Decoder, value: dict[str, Any], where: str) -> Any:
    """Rebuild a value tagged by :func:`encode`."""
    tag = value[TAG]
    if tag == "skops":
        return _load_skops(decoder.folder / Path(value["file"]).name)
    if tag == "sklearn_tree":
        from sklearn.tree._tree import Tree

        n_features, n_outputs = int(value["n_features"]), int(value["n_outputs"])
        n_classes = np.asarray([int(n) for n in value["n_classes"]], dtype=np.intp)
        state = decoder.decode(value["state"], where=where)
        problem = _tree_problem(state, n_features)
        if problem:
            raise decoder.refuse(where, f"refused, a tree is corrupt: {problem}")
        tree = Tree(n_features, n_classes, n_outputs)
        tree.__setstate__(state)
        return tree
    if value["class"] not in SKLEARN_CLASSES:
        raise decoder.refuse(
            where, f"estimator class {value['class']!r} is not among those anomalia rebuilds"
        )
    state = decoder.decode(value["state"], where=where)
    if not isinstance(state, dict):
        raise TypeError("an estimator's state must be a mapping")
    cls = import_class(value["class"])
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    return estimator


def _tree_problem(state: Any, n_features: int) -> str:
    """What is wrong with a tree's saved nodes, or "" when they are sound."""
    if not isinstance(state, dict) or not isinstance(state.get("nodes"), np.ndarray):
        return "no node array"
    nodes = state["nodes"]
    names = nodes.dtype.names or ()
    if not {"left_child", "right_child", "feature"} <= set(names):
        return "nodes lack child or feature fields"
    if state.get("node_count") != len(nodes):
        return f"node_count {state.get('node_count')} but {len(nodes)} nodes"
    index = np.arange(len(nodes))
    left, right, feature = nodes["left_child"], nodes["right_child"], nodes["feature"]
    leaf = left == -1
    if (right[leaf] != -1).any():
        return "a leaf with one child"
    split = ~leaf
    inside = (left > index) & (right > index) & (left < len(nodes)) & (right < len(nodes))
    if not inside[split].all():
        return "a child link outside the tree or before its parent"
    if ((feature[split] < 0) | (feature[split] >= n_features)).any():
        return f"a split on a feature outside 0..{n_features - 1}"
    return ""


def _encode_skops(encoder: Encoder, estimator: Any, where: str) -> dict[str, Any]:
    import skops.io

    data = skops.io.dumps(estimator, compression=zipfile.ZIP_DEFLATED)
    refused = [t for t in skops.io.get_untrusted_types(data=data) if t not in SKOPS_TRUSTED]
    if refused:
        raise TypeError(
            f"{where}: {type(estimator).__name__} holds types outside the skops allow-list "
            f"({', '.join(refused)}); add them to anomalia.persist.SKOPS_TRUSTED only if "
            "they are plain data"
        )
    path = encoder.folder / f"{encoder.name}.{len(encoder.files)}.skops"
    path.write_bytes(data)
    encoder.files.append(path)
    return {TAG: "skops", "file": path.name}


def _load_skops(path: Path) -> Any:
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    if not path.is_file():
        raise DataError(f"{path}: missing; the saved model is incomplete")
    try:
        return skops.io.load(path, trusted=list(SKOPS_TRUSTED))
    except UntrustedTypesFoundException as error:
        raise DataError(
            f"{path}: refused, it names types outside the allow-list: {error}"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: not a readable skops file ({error})") from None


def _is_estimator(value: Any) -> bool:
    from sklearn.base import BaseEstimator

    return isinstance(value, BaseEstimator)
