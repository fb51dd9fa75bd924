"""Safe files for fitted state: JSON and numpy arrays, never pickle.

Loading a pickle runs whatever code the file names, so a model file handed in
by a user (an upload, a shared folder) could run anything. This package saves
a state -- a dict of parameters, arrays, estimators and small objects -- as
data that loads without running code from the file:

``<name>.json``
    A header (format, format version, anomalia version, fingerprint) and the
    state, where every value JSON cannot hold is a tagged object
    ``{"__type__": ...}``: tuples, non-finite floats, numpy scalars,
    ``pandas.Timestamp``/``Timedelta`` (ISO strings), array slices, and
    objects of allow-listed classes (:mod:`anomalia.persist.codec`).
``<name>.npz``
    The numpy arrays, packed into one array per dtype (so a forest of a
    hundred trees is a handful of entries, read at once) and read back with
    ``allow_pickle=False``; object arrays are refused when saving.
``<name>.<n>.skops``
    A scikit-learn estimator outside :data:`SKLEARN_CLASSES`, written by
    ``skops.io`` and read with the allow-list :data:`SKOPS_TRUSTED`
    (:mod:`anomalia.persist.estimators`).

Estimators of :data:`SKLEARN_CLASSES` (the ones anomalia's detectors fit) are
saved as their ``__getstate__`` dict instead, which skops would also do, but
loads them about as fast as a pickle; their trees' node links are checked
before scikit-learn sees them. Small anomalia objects (the scalers) are saved
as their attributes and rebuilt only when their class is in
:data:`SAFE_CLASSES`. Keras models (``.keras``) and R models (``.rds``) keep
their own safe formats beside these files.

:func:`save_state` writes into an existing folder and does not make the files
atomic as a group: wrap it in :func:`anomalia.atomic.atomic_directory` (as
``BaseDetector.save`` does) when a reader may look at the folder meanwhile.

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> _ = save_state(folder, {"window": (12, 48), "mean_": np.zeros(3)}, fingerprint="ab12")
>>> load_state(folder, fingerprint="ab12")["window"]
(12, 48)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from anomalia import __version__
from anomalia.exceptions import DataError
from anomalia.persist.codec import SAFE_CLASSES, Decoder, Encoder
from anomalia.persist.estimators import SKLEARN_CLASSES, SKOPS_TRUSTED

__all__ = [
    "FORMAT_VERSION",
    "PICKLE_SUFFIXES",
    "SAFE_CLASSES",
    "SKLEARN_CLASSES",
    "SKOPS_TRUSTED",
    "check_format_version",
    "load_state",
    "read_header",
    "refuse_pickles",
    "save_state",
]

#: Version of the layout written here; bump it when a change would break old readers.
FORMAT_VERSION = 1
FORMAT = "anomalia-state"

#: File name endings of Python pickles, which are never loaded.
PICKLE_SUFFIXES: tuple[str, ...] = (".pkl", ".pickle", ".joblib")


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
    encoder = Encoder(folder, name)
    encoded = encoder.encode(dict(state), where=name)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "anomalia_version": __version__,
        "fingerprint": fingerprint,
        "state": encoded,
    }
    json_file = folder / f"{name}.json"
    json_file.write_text(json.dumps(header, allow_nan=False, separators=(",", ":")))
    written = [json_file]
    arrays = encoder.packed_arrays()
    if arrays:
        np.savez(folder / f"{name}.npz", **arrays)
        written.append(folder / f"{name}.npz")
    return [*written, *encoder.files]


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
    try:
        state = Decoder(folder, name).decode(header["state"], where=name)
    except RecursionError:
        raise DataError(f"{json_file}: the state is nested too deeply to be a model") from None
    if not isinstance(state, dict):
        raise DataError(f"{json_file}: the state must be a mapping")
    return state


def read_header(json_file: Path) -> dict[str, Any]:
    """The parsed ``<name>.json`` of a state, its format and version checked."""
    if not json_file.is_file():
        raise DataError(f"{json_file}: missing; the saved model is incomplete")
    try:
        header = json.loads(json_file.read_text())
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
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
