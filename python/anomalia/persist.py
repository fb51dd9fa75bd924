"""Safe files for fitted state: JSON, numpy arrays and skops, never pickle.

Loading a pickle runs whatever code the file names, so a model file handed in
by a user (an upload, a shared folder) could run anything. This module saves a
state -- a dict of parameters, arrays, estimators and small objects -- as
data that loads without running code from the file:

``<name>.json``
    A header (format, format version, anomalia version, fingerprint) and the
    state, where every value that JSON cannot hold is a tagged object
    ``{"__type__": ...}``: tuples, non-finite floats, numpy scalars,
    ``pandas.Timestamp``/``Timedelta`` (ISO strings), array references and
    estimator references.
``<name>.npz``
    The numpy arrays, read back with ``allow_pickle=False`` (object arrays are
    refused when saving).
``<name>.<n>.skops``
    One file per scikit-learn estimator, written by ``skops.io`` and read with
    an explicit allow-list of the types beyond skops's own trusted set
    (:data:`SKOPS_TRUSTED`); an estimator that needs any other type is
    refused when saving, and a file that names one is refused when loading.

Small anomalia objects made of such values (the scalers) are saved as their
attribute dict and rebuilt only when their class is in :data:`SAFE_CLASSES`.
Keras models (``.keras``) and R models (``.rds``) keep their own safe formats,
beside these files.

:func:`save_state` writes the files into an existing folder and does not
make them atomic as a group: wrap it in :func:`anomalia.atomic.atomic_directory`
(as ``BaseDetector.save`` does) when a reader may look at the folder meanwhile.

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> _ = save_state(folder, {"window": (12, 48), "mean_": np.zeros(3)}, fingerprint="ab12")
>>> load_state(folder, fingerprint="ab12")["window"]
(12, 48)
"""

from __future__ import annotations

import importlib
import json
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia import __version__
from anomalia.exceptions import DataError

#: Version of the layout written here; bump it when a change would break old readers.
FORMAT_VERSION = 1
FORMAT = "anomalia-state"

#: Types skops does not trust by default that anomalia's estimators contain.
SKOPS_TRUSTED: tuple[str, ...] = ("sklearn.tree._tree.Tree",)

#: anomalia classes rebuilt from their saved attributes (plain data only).
SAFE_CLASSES: tuple[str, ...] = (
    "anomalia.preprocess.scaling:StandardScaler",
    "anomalia.preprocess.scaling:RobustScaler",
    "anomalia.preprocess.scaling:MinMaxScaler",
    "anomalia.preprocess.scaling:IdentityScaler",
)

#: File name endings of Python pickles, which are never loaded.
PICKLE_SUFFIXES: tuple[str, ...] = (".pkl", ".pickle", ".joblib")

_TAG = "__type__"
# Numeric and boolean dtypes only: anything else in a scalar tag is refused.
_SCALAR_KINDS = "biuf"


def save_state(
    folder: str | Path,
    state: Mapping[str, Any],
    *,
    name: str = "state",
    fingerprint: str | None = None,
) -> list[Path]:
    """Write ``state`` into ``folder`` as ``<name>.json`` (+ ``.npz``, ``.skops`` files).

    Parameters
    ----------
    folder : str or Path
        Existing folder; files of the same ``name`` are overwritten.
    state : mapping of str to value
        Values may be None, bool, int, float, str, lists, tuples and dicts of
        them, numpy arrays (not of objects) and scalars, ``pandas.Timestamp``
        and ``Timedelta``, scikit-learn estimators and :data:`SAFE_CLASSES`.
    name : str, default "state"
        Stem of the file names, so that several states can share a folder.
    fingerprint : str, optional
        Identifies what the state belongs to (a model's training
        fingerprint); :func:`load_state` can require it to match.

    Returns
    -------
    list of Path
        The files written, the JSON file first.

    Raises
    ------
    TypeError
        If a value cannot be saved safely; the message names its key.
    """
    folder = Path(folder)
    writer = _Encoder(folder, name)
    encoded = writer.encode(dict(state), where=name)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "anomalia_version": __version__,
        "fingerprint": fingerprint,
        "state": encoded,
    }
    json_file = folder / f"{name}.json"
    json_file.write_text(json.dumps(header, indent=1, allow_nan=False))
    if writer.arrays:
        np.savez(folder / f"{name}.npz", **writer.arrays)
    return [json_file, *([folder / f"{name}.npz"] if writer.arrays else []), *writer.files]


def load_state(
    folder: str | Path, *, name: str = "state", fingerprint: str | None = None
) -> dict[str, Any]:
    """Read a state written by :func:`save_state`; no code from the files runs.

    Parameters
    ----------
    folder : str or Path
    name : str, default "state"
    fingerprint : str, optional
        When given, the saved fingerprint must equal it.

    Returns
    -------
    dict

    Raises
    ------
    DataError
        If the files are missing, malformed, of an unknown or newer format, of
        another fingerprint, or name a type outside the allow-lists.
    """
    folder = Path(folder)
    json_file = folder / f"{name}.json"
    header = read_header(json_file)
    saved = header.get("fingerprint")
    if fingerprint is not None and saved != fingerprint:
        raise DataError(
            f"{json_file}: saved for a model with training fingerprint {saved}, but it sits "
            f"with a model of fingerprint {fingerprint}; the files were altered or mixed "
            "from different models: train again with `anomalia train`"
        )
    reader = _Decoder(folder, name)
    try:
        return reader.decode(header["state"], where=name)
    finally:
        reader.close()


def read_header(json_file: Path) -> dict[str, Any]:
    """The parsed ``<name>.json`` of a state, its format and version checked."""
    if not json_file.is_file():
        raise DataError(f"{json_file}: missing; the saved model is incomplete")
    try:
        header = json.loads(json_file.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{json_file}: not valid JSON ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or "state" not in header:
        raise DataError(f"{json_file}: not an anomalia state file (no `format: {FORMAT}`)")
    check_format_version(header.get("format_version"), header.get("anomalia_version"), json_file)
    return header


def check_format_version(version: object, anomalia_version: object, where: Path) -> None:
    """Raise DataError unless ``version`` is a format this anomalia reads."""
    if version is None:
        raise DataError(
            f"{where}: has no `format_version`, so it was saved by an older anomalia whose "
            "files are no longer read; train the model again with `anomalia train`"
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataError(f"{where}: `format_version` must be an integer >= 1, got {version!r}")
    if version > FORMAT_VERSION:
        raise DataError(
            f"{where}: written by anomalia {anomalia_version} in file format {version}, but "
            f"this anomalia {__version__} reads format {FORMAT_VERSION} at most; upgrade "
            "anomalia or train the model again with this one"
        )


def refuse_pickles(folder: str | Path) -> None:
    """Raise DataError if ``folder`` holds a pickle: an old model that must be retrained.

    Nothing is read from the pickle; its presence alone is enough.
    """
    folder = Path(folder)
    found = sorted(
        path
        for suffix in PICKLE_SUFFIXES
        for path in folder.rglob(f"*{suffix}")
        if path.is_file() or path.is_symlink()
    )
    if found:
        raise DataError(
            f"{folder}: holds Python pickles ({found[0].relative_to(folder)}), written by "
            "an older anomalia or added by someone else; anomalia no longer loads pickles "
            "because loading one can run any code. Train the model again with `anomalia train`"
        )


class _Encoder:
    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.arrays: dict[str, np.ndarray] = {}
        self.files: list[Path] = []

    def encode(self, value: Any, *, where: str) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            if isinstance(value, float) and not math.isfinite(value):
                return {_TAG: "float", "value": str(value)}
            return value
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise TypeError(f"{where}: arrays of Python objects cannot be saved safely")
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {_TAG: "ndarray", "key": key}
        if isinstance(value, np.generic):
            if value.dtype.kind not in _SCALAR_KINDS:
                raise TypeError(f"{where}: numpy scalar of dtype {value.dtype} cannot be saved")
            return {_TAG: "scalar", "dtype": value.dtype.str, "value": self._item(value)}
        if isinstance(value, list):
            return [self.encode(item, where=f"{where}[{k}]") for k, item in enumerate(value)]
        if isinstance(value, tuple):
            items = [self.encode(item, where=f"{where}[{k}]") for k, item in enumerate(value)]
            return {_TAG: "tuple", "items": items}
        if isinstance(value, dict):
            if all(isinstance(key, str) for key in value) and _TAG not in value:
                return {
                    key: self.encode(item, where=f"{where}.{key}") for key, item in value.items()
                }
            pairs = [
                [
                    self.encode(key, where=f"{where} key"),
                    self.encode(item, where=f"{where}[{key!r}]"),
                ]
                for key, item in value.items()
            ]
            return {_TAG: "dict", "items": pairs}
        if isinstance(value, pd.Timestamp) and value is not pd.NaT:
            return {_TAG: "timestamp", "value": value.isoformat(), "tz": _tz_name(value)}
        if isinstance(value, pd.Timedelta) and value is not pd.NaT:
            return {_TAG: "timedelta", "value": value.isoformat()}
        path = f"{type(value).__module__}:{type(value).__qualname__}"
        if path in SAFE_CLASSES:
            return {
                _TAG: "object",
                "class": path,
                "attributes": self.encode(vars(value), where=where),
            }
        if _is_estimator(value):
            return self._estimator(value, where)
        raise TypeError(
            f"{where}: a {type(value).__name__} cannot be saved safely (JSON, numpy arrays, "
            "scikit-learn estimators and anomalia scalers can)"
        )

    def _item(self, value: np.generic) -> Any:
        item = value.item()
        if isinstance(item, float) and not math.isfinite(item):
            return str(item)
        return item

    def _estimator(self, estimator: Any, where: str) -> dict[str, Any]:
        import skops.io

        data = skops.io.dumps(estimator, compression=zipfile.ZIP_DEFLATED)
        refused = [t for t in skops.io.get_untrusted_types(data=data) if t not in SKOPS_TRUSTED]
        if refused:
            raise TypeError(
                f"{where}: {type(estimator).__name__} holds types outside the skops allow-list "
                f"({', '.join(refused)}); add them to anomalia.persist.SKOPS_TRUSTED only if "
                "they are plain data"
            )
        path = self.folder / f"{self.name}.{len(self.files)}.skops"
        path.write_bytes(data)
        self.files.append(path)
        return {_TAG: "skops", "file": path.name}


class _Decoder:
    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self._arrays: Any = None

    def close(self) -> None:
        if self._arrays is not None:
            self._arrays.close()

    def decode(self, value: Any, *, where: str) -> Any:
        if isinstance(value, list):
            return [self.decode(item, where=f"{where}[{k}]") for k, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if _TAG not in value:
            return {key: self.decode(item, where=f"{where}.{key}") for key, item in value.items()}
        try:
            return self._tagged(value, where)
        except DataError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(
                f"{self.folder / self.name}.json, {where}: malformed {value.get(_TAG)!r} "
                f"value ({type(error).__name__}: {error})"
            ) from None

    def _tagged(self, value: dict[str, Any], where: str) -> Any:
        tag = value[_TAG]
        if tag == "float":
            return float(value["value"])
        if tag == "tuple":
            return tuple(self.decode(value["items"], where=where))
        if tag == "dict":
            return {
                self.decode(key, where=f"{where} key"): self.decode(item, where=where)
                for key, item in value["items"]
            }
        if tag == "scalar":
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in _SCALAR_KINDS:
                raise ValueError(f"dtype {dtype} is not numeric")
            return dtype.type(value["value"])
        if tag == "timestamp":
            stamp = pd.Timestamp(value["value"])
            return stamp.tz_convert(value["tz"]) if value["tz"] else stamp
        if tag == "timedelta":
            return pd.Timedelta(value["value"])
        if tag == "ndarray":
            return self._array(value["key"], where)
        if tag == "object":
            return self._object(value, where)
        if tag == "skops":
            return self._estimator(value["file"], where)
        raise ValueError(f"unknown type tag {tag!r}")

    def _array(self, key: str, where: str) -> np.ndarray:
        if self._arrays is None:
            path = self.folder / f"{self.name}.npz"
            if not path.is_file():
                raise DataError(f"{path}: missing; the saved model is incomplete")
            try:
                self._arrays = np.load(path, allow_pickle=False)
            except (OSError, ValueError, zipfile.BadZipFile) as error:
                raise DataError(f"{path}: not a readable numpy archive ({error})") from None
        try:
            return self._arrays[key]
        except KeyError:
            raise DataError(f"{self.folder / self.name}.npz: no array {key!r} ({where})") from None
        except ValueError as error:  # object arrays need pickle: refused
            raise DataError(f"{self.folder / self.name}.npz, array {key!r}: {error}") from None

    def _object(self, value: dict[str, Any], where: str) -> Any:
        path = value["class"]
        if path not in SAFE_CLASSES:
            raise DataError(
                f"{self.folder / self.name}.json, {where}: class {path!r} is not among the "
                "classes anomalia rebuilds from saved files"
            )
        module_name, class_name = path.split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        attributes = self.decode(value["attributes"], where=where)
        if not isinstance(attributes, dict):
            raise ValueError("attributes must be a mapping")
        obj = cls.__new__(cls)
        obj.__dict__.update(attributes)
        return obj

    def _estimator(self, file_name: str, where: str) -> Any:
        import skops.io
        from skops.io.exceptions import UntrustedTypesFoundException

        path = self.folder / Path(file_name).name  # a bare name: never outside the folder
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
    try:
        from sklearn.base import BaseEstimator
    except ImportError:  # pragma: no cover - scikit-learn is a core dependency
        return False
    return isinstance(value, BaseEstimator)


def _tz_name(stamp: pd.Timestamp) -> str | None:
    return None if stamp.tz is None else str(stamp.tz)
