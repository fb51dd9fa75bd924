"""Values to JSON-with-tags and packed arrays, and back.

The :class:`Encoder` turns a state into JSON-ready values; arrays go into one
flat buffer per dtype and are referenced by ``{"key", "offset", "shape"}``, so
a state holding hundreds of small arrays (a forest's trees) is read with a
handful of ``np.load`` entries instead of hundreds. The :class:`Decoder`
rebuilds only what the tags allow: no tag names a function or an arbitrary
class, and objects are rebuilt only for classes in :data:`SAFE_CLASSES` or
:data:`anomalia.persist.estimators.SKLEARN_CLASSES`.
"""

from __future__ import annotations

import importlib
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError

#: anomalia classes rebuilt from their saved attributes (plain data only).
SAFE_CLASSES: tuple[str, ...] = (
    "anomalia.preprocess.scaling:StandardScaler",
    "anomalia.preprocess.scaling:RobustScaler",
    "anomalia.preprocess.scaling:MinMaxScaler",
    "anomalia.preprocess.scaling:IdentityScaler",
)

TAG = "__type__"
# Numeric and boolean dtypes only: anything else in a scalar tag is refused.
_SCALAR_KINDS = "biuf"


def class_path(value: object) -> str:
    """``"module:QualifiedName"`` of the type of ``value``."""
    return f"{type(value).__module__}:{type(value).__qualname__}"


def import_class(path: str) -> type:
    """The class at an allow-listed ``"module:Name"`` path (checked by the caller)."""
    module_name, class_name = path.split(":")
    return getattr(importlib.import_module(module_name), class_name)


class Encoder:
    """Encodes values for ``<name>.json``, collecting arrays and estimator files."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.files: list[Path] = []
        self._groups: dict[str, list[np.ndarray]] = {}  # npz key -> flat arrays
        self._keys: dict[str, str] = {}  # dtype description -> npz key
        self._sizes: dict[str, int] = {}

    def encode(self, value: Any, *, where: str) -> Any:
        """A JSON-ready form of ``value``; raises TypeError naming ``where`` if unsafe."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            if isinstance(value, float) and not math.isfinite(value):
                return {TAG: "float", "value": str(value)}
            return value
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, np.generic):
            if value.dtype.kind not in _SCALAR_KINDS:
                raise TypeError(f"{where}: numpy scalar of dtype {value.dtype} cannot be saved")
            item = value.item()
            item = str(item) if isinstance(item, float) and not math.isfinite(item) else item
            return {TAG: "scalar", "dtype": value.dtype.str, "value": item}
        if isinstance(value, (list, tuple)):
            items = [self.encode(item, where=f"{where}[{k}]") for k, item in enumerate(value)]
            return items if isinstance(value, list) else {TAG: "tuple", "items": items}
        if isinstance(value, dict):
            return self._dict(value, where)
        if isinstance(value, pd.Timestamp):
            tz = None if value.tz is None else str(value.tz)
            return {TAG: "timestamp", "value": value.isoformat(), "tz": tz}
        if isinstance(value, pd.Timedelta):
            return {TAG: "timedelta", "value": value.isoformat()}
        if class_path(value) in SAFE_CLASSES:
            attributes = self.encode(vars(value), where=where)
            return {TAG: "object", "class": class_path(value), "attributes": attributes}
        from anomalia.persist import estimators  # imports this module

        encoded = estimators.encode(self, value, where)
        if encoded is not None:
            return encoded
        raise TypeError(
            f"{where}: a {type(value).__name__} cannot be saved safely (JSON values, numpy "
            "arrays, scikit-learn estimators and anomalia scalers can)"
        )

    def _dict(self, value: dict[Any, Any], where: str) -> Any:
        if all(isinstance(key, str) for key in value) and TAG not in value:
            return {key: self.encode(item, where=f"{where}.{key}") for key, item in value.items()}
        pairs = [
            [self.encode(key, where=f"{where} key"), self.encode(item, where=f"{where}[{key!r}]")]
            for key, item in value.items()
        ]
        return {TAG: "dict", "items": pairs}

    def _array(self, value: np.ndarray, where: str) -> dict[str, Any]:
        if value.dtype.hasobject:
            raise TypeError(f"{where}: arrays of Python objects cannot be saved safely")
        description = repr(np.lib.format.dtype_to_descr(value.dtype))
        key = self._keys.setdefault(description, f"g{len(self._keys)}")
        fortran = value.ndim > 1 and value.flags.f_contiguous and not value.flags.c_contiguous
        order = "F" if fortran else "C"
        offset = self._sizes.get(key, 0)
        self._groups.setdefault(key, []).append(value.ravel(order=order))
        self._sizes[key] = offset + value.size
        reference = {TAG: "ndarray", "key": key, "offset": offset, "shape": list(value.shape)}
        return {**reference, "order": "F"} if fortran else reference

    def checkpoint(self) -> tuple[dict[str, int], dict[str, str], dict[str, int]]:
        """Where the arrays stand, to :meth:`rollback` to if an encoding is abandoned."""
        counts = {key: len(arrays) for key, arrays in self._groups.items()}
        return counts, dict(self._keys), dict(self._sizes)

    def rollback(self, mark: tuple[dict[str, int], dict[str, str], dict[str, int]]) -> None:
        counts, self._keys, self._sizes = mark[0], dict(mark[1]), dict(mark[2])
        self._groups = {key: self._groups[key][:count] for key, count in counts.items()}

    def packed_arrays(self) -> dict[str, np.ndarray]:
        """One flat array per dtype, for ``np.savez``."""
        return {key: np.concatenate(arrays) for key, arrays in self._groups.items()}


class Decoder:
    """Rebuilds values encoded by :class:`Encoder`, refusing anything not allow-listed."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.json_file = folder / f"{name}.json"
        self._arrays: dict[str, np.ndarray] | None = None

    def decode(self, value: Any, *, where: str) -> Any:
        if isinstance(value, list):
            return [self.decode(item, where=f"{where}[{k}]") for k, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if TAG not in value:
            return {key: self.decode(item, where=f"{where}.{key}") for key, item in value.items()}
        try:
            return self._tagged(value, where)
        except DataError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DataError(
                f"{self.json_file}, {where}: malformed {value.get(TAG)!r} value "
                f"({type(error).__name__}: {error})"
            ) from None

    def refuse(self, where: str, message: str) -> DataError:
        return DataError(f"{self.json_file}, {where}: {message}")

    def _tagged(self, value: dict[str, Any], where: str) -> Any:
        tag = value[TAG]
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
            return self._array(value, where)
        if tag == "object":
            if value["class"] not in SAFE_CLASSES:
                raise self.refuse(
                    where, f"class {value['class']!r} is not among the classes anomalia rebuilds"
                )
            attributes = self.decode(value["attributes"], where=where)
            if not isinstance(attributes, dict):
                raise TypeError("attributes must be a mapping")
            cls = import_class(value["class"])
            obj = cls.__new__(cls)
            obj.__dict__.update(attributes)
            return obj
        from anomalia.persist import estimators

        if tag in estimators.TAGS:
            return estimators.decode(self, value, where)
        raise ValueError(f"unknown type tag {tag!r}")

    def _array(self, reference: dict[str, Any], where: str) -> np.ndarray:
        arrays = self._load_arrays()
        key, offset = reference["key"], reference["offset"]
        shape = tuple(int(n) for n in reference["shape"])
        if key not in arrays:
            raise self.refuse(where, f"refers to array {key!r}, which {self.name}.npz lacks")
        size = math.prod(shape)
        if not isinstance(offset, int) or offset < 0 or offset + size > arrays[key].size:
            raise self.refuse(where, f"array slice {offset}+{size} lies outside {key!r}")
        order = reference.get("order", "C")
        return arrays[key][offset : offset + size].reshape(shape, order=order).copy(order="K")

    def _load_arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            path = self.folder / f"{self.name}.npz"
            if not path.is_file():
                raise DataError(f"{path}: missing; the saved model is incomplete")
            try:
                with np.load(path, allow_pickle=False) as archive:
                    self._arrays = {key: archive[key] for key in archive.files}
            except (OSError, ValueError, zipfile.BadZipFile) as error:
                # ValueError includes object arrays, which would need pickle: refused.
                raise DataError(f"{path}: not a safe numpy archive ({error})") from None
            if any(array.ndim != 1 for array in self._arrays.values()):
                raise DataError(f"{path}: expected flat arrays, one per dtype")
        return self._arrays
