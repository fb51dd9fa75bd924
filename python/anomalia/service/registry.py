"""A registry of model-set versions on disk, with the serving version of each in memory.

Layout under the registry folder (by default ``<models_dir>/.registry``)::

    <name>/registry.json   versions with their source and digest, and the serving one
    <name>/<version>/      an immutable copy of a model set written by `anomalia train`

``anomalia train`` overwrites ``<models_dir>/<detector>`` on every run, so
the registry copies what it registers: a version never changes under a
running service. At start-up, every train output not registered yet (told
apart by the digest of its ``manifest.json``, which records when it was
trained) becomes the next version of the model named after its folder, and
serves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tarfile
import tempfile
import threading
import zipfile
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from anomalia.atomic import atomic_directory, atomic_file
from anomalia.exceptions import AnomaliaError, DataError
from anomalia.modelset import ModelSet

log = logging.getLogger(__name__)

INDEX_FILE = "registry.json"
MANIFEST = "manifest.json"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


class UnknownModelError(AnomaliaError, LookupError):
    """A model name or version the registry does not hold (HTTP 404)."""


class ModelsNotReadyError(AnomaliaError):
    """Models are still loading, or failed to load (HTTP 503)."""


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid model name, else raise ``ValueError``."""
    if not _NAME.match(name):
        raise ValueError(
            f"model name {name!r} is invalid: use 1-64 letters, digits, `_`, `.` or `-`, "
            "not starting with `.` or `-`"
        )
    return name


def manifest_digest(folder: Path) -> str:
    """SHA-256 of a model set's manifest: identifies one training run."""
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


class ModelRegistry:
    """Registered versions of model sets and the loaded serving version of each.

    Parameters
    ----------
    root : Path
        Registry folder (created when missing).
    import_root : Path
        Folders registered by path must lie inside it.
    max_loaded : int
        Non-serving versions kept in memory after a request used them.

    Attributes
    ----------
    state : str
        ``"loading"`` until :meth:`load_serving` finished, then ``"done"``.
    failures : dict of str to str
        Model name -> why its serving version failed to load.
    """

    def __init__(self, root: Path, import_root: Path, max_loaded: int = 16):
        self.root = Path(root)
        self.import_root = Path(import_root)
        self.max_loaded = max_loaded
        self.state = "loading"
        self.failures: dict[str, str] = {}
        self._lock = threading.RLock()
        self._serving: dict[str, tuple[int, ModelSet]] = {}
        self._cache: OrderedDict[tuple[str, int], ModelSet] = OrderedDict()

    # ------------------------------------------------------------------ index
    def _index(self, name: str) -> dict[str, Any]:
        index_file = self.root / name / INDEX_FILE
        if not index_file.is_file():
            return {"serving": None, "versions": []}
        return json.loads(index_file.read_text())

    def _write_index(self, name: str, index: dict[str, Any]) -> None:
        with atomic_file(self.root / name / INDEX_FILE) as tmp:
            tmp.write_text(json.dumps(index, indent=2))

    def names(self) -> list[str]:
        """Registered model names, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{INDEX_FILE}"))

    def describe(self, name: str) -> dict[str, Any]:
        """Serving version and every version's registry entry and manifest summary."""
        index = self._index(check_name(name))
        if not index["versions"]:
            raise UnknownModelError(f"no model named `{name}`; registered: {self._known()}")
        versions = []
        for entry in index["versions"]:
            folder = self.root / name / str(entry["version"])
            manifest = json.loads((folder / MANIFEST).read_text())
            versions.append(
                {
                    **entry,
                    "serving": entry["version"] == index["serving"],
                    "detector": manifest["detector"],
                    "params": manifest["params"],
                    "threshold": manifest["threshold"],
                    "value_columns": manifest["value_columns"],
                    "pooled": manifest["pooled"],
                    "series": [s["series_id"] for s in manifest["series"]],
                    "trained": manifest.get("created"),
                    "anomalia_version": manifest.get("anomalia_version"),
                    "drift_reference": (folder / "reference.json").is_file(),
                }
            )
        return {"name": name, "serving": index["serving"], "versions": versions}

    def _known(self) -> str:
        return ", ".join(self.names()) or "none"

    # ------------------------------------------------------------ registering
    def register(self, name: str, source: Path, *, serve: bool = True, origin: str = "") -> int:
        """Copy the model set at ``source`` in as the next version of ``name``.

        Returns
        -------
        int
            The new version number.

        Raises
        ------
        DataError
            When ``source`` is not a loadable model set.
        """
        check_name(name)
        model_set = ModelSet.load(source)  # refuse anything that would not serve
        with self._lock:
            index = self._index(name)
            version = max((v["version"] for v in index["versions"]), default=0) + 1
            with atomic_directory(self.root / name / str(version)) as tmp:
                shutil.copytree(source, tmp, dirs_exist_ok=True)
            index["versions"].append(
                {
                    "version": version,
                    "registered": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "source": origin or str(source),
                    "digest": manifest_digest(source),
                }
            )
            if serve or index["serving"] is None:
                index["serving"] = version
                self._serving[name] = (version, model_set)
                self.failures.pop(name, None)
            self._write_index(name, index)
        log.info("registered %s version %d from %s", name, version, origin or source)
        return version

    def register_path(self, name: str, path: str, *, serve: bool = True) -> int:
        """Register a model set folder on the server, inside the import root.

        ``path`` is absolute or relative to the service's working folder.
        """
        source = Path(path).resolve()  # relative paths: from the service's working folder
        if not source.is_relative_to(self.import_root.resolve()):
            raise ValueError(
                f"path {path!r} is outside the import root {self.import_root}; "
                "train into it or set ANOMALIA_IMPORT_ROOT"
            )
        if not (source / MANIFEST).is_file():
            raise DataError(
                f"{path}: not a trained model set (no {MANIFEST}); "
                "give a folder written by `anomalia train`, e.g. data/models/iforest"
            )
        return self.register(name, source, serve=serve, origin=str(source))

    def register_archive(self, name: str, data: bytes, filename: str, *, serve: bool) -> int:
        """Register a model set uploaded as a .tar.gz, .tgz, .tar or .zip archive."""
        check_name(name)
        if not filename.lower().endswith(ARCHIVE_SUFFIXES):
            raise ValueError(
                f"upload {filename!r}: expected an archive of a model set folder "
                f"({', '.join(ARCHIVE_SUFFIXES)})"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".upload.") as scratch:
            archive = Path(scratch) / Path(filename).name
            archive.write_bytes(data)
            unpacked = Path(scratch) / "unpacked"
            _unpack(archive, unpacked)
            folder = _model_folder(unpacked, filename)
            return self.register(name, folder, serve=serve, origin=f"upload:{filename}")

    def set_serving(self, name: str, version: int) -> None:
        """Make ``version`` the serving version of ``name`` (loads it first)."""
        with self._lock:
            index = self._index(check_name(name))
            self._check_version(name, version, index)
            model_set = self._load(name, version)
            index["serving"] = version
            self._write_index(name, index)
            self._serving[name] = (version, model_set)
            self.failures.pop(name, None)
        log.info("%s now serves version %d", name, version)

    def sync_trained(self, models_dir: Path) -> list[tuple[str, int]]:
        """Register every train output under ``models_dir`` not registered yet."""
        added = []
        for manifest in sorted(Path(models_dir).glob(f"*/{MANIFEST}")):
            folder = manifest.parent
            if not _NAME.match(folder.name):
                continue
            digest = manifest_digest(folder)
            if any(v["digest"] == digest for v in self._index(folder.name)["versions"]):
                continue
            added.append((folder.name, self.register(folder.name, folder.resolve())))
        return added

    # ---------------------------------------------------------------- serving
    def load_serving(self) -> None:
        """Load the serving version of every model; failures are recorded, not raised."""
        for name in self.names():
            serving = self._index(name)["serving"]
            try:
                with self._lock:
                    if name not in self._serving:
                        self._serving[name] = (serving, self._load(name, serving))
            except Exception as error:  # any broken model must not stop the others
                self.failures[name] = f"{type(error).__name__}: {error}"
                log.error("model %s version %s failed to load: %s", name, serving, error)
        self.state = "done"

    @property
    def ready(self) -> bool:
        """True once loading finished, with at least one model and no failures."""
        return self.state == "done" and bool(self._serving) and not self.failures

    def model(self, name: str, version: int | None = None) -> tuple[int, ModelSet]:
        """The loaded model set of ``name`` at ``version`` (default: the serving one)."""
        check_name(name)
        if self.state != "done":
            raise ModelsNotReadyError("models are still loading; retry when /ready answers 200")
        if name in self.failures:
            raise ModelsNotReadyError(f"model `{name}` failed to load: {self.failures[name]}")
        with self._lock:
            if name not in self._serving:
                raise UnknownModelError(f"no model named `{name}`; registered: {self._known()}")
            serving_version, serving_model = self._serving[name]
            if version is None or version == serving_version:
                return serving_version, serving_model
            self._check_version(name, version, self._index(name))
            key = (name, version)
            if key not in self._cache:
                self._cache[key] = self._load(name, version)
                while len(self._cache) > self.max_loaded:
                    self._cache.popitem(last=False)
            self._cache.move_to_end(key)
            return version, self._cache[key]

    def serving(self) -> dict[str, int]:
        """Model name -> serving version, for the loaded models."""
        with self._lock:
            return {name: version for name, (version, _) in self._serving.items()}

    def _check_version(self, name: str, version: int, index: dict[str, Any]) -> None:
        known = [v["version"] for v in index["versions"]]
        if not known:
            raise UnknownModelError(f"no model named `{name}`; registered: {self._known()}")
        if version not in known:
            raise UnknownModelError(
                f"model `{name}` has no version {version}; versions: {', '.join(map(str, known))}"
            )

    def _load(self, name: str, version: int) -> ModelSet:
        return ModelSet.load(self.root / name / str(version))


def _unpack(archive: Path, target: Path) -> None:
    """Unpack a tar or zip archive of plain files and folders, all inside ``target``."""
    target.mkdir()
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.namelist():
                    _check_member(archive, member, target, plain=True)
                bundle.extractall(target)
        else:
            with tarfile.open(archive) as bundle:
                for member in bundle.getmembers():
                    plain = member.isfile() or member.isdir()
                    _check_member(archive, member.name, target, plain=plain)
                if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4; checked above anyway
                    bundle.extractall(target, filter="data")
                else:
                    bundle.extractall(target)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise DataError(f"{archive.name}: not a readable archive ({error})") from None


def _check_member(archive: Path, name: str, target: Path, *, plain: bool) -> None:
    """Refuse links, devices and members that would land outside ``target``."""
    if not plain:
        raise DataError(
            f"{archive.name}: member {name!r} is not a plain file or folder; "
            "a model archive holds only those"
        )
    if not (target / name).resolve().is_relative_to(target.resolve()):
        raise DataError(f"{archive.name}: member {name!r} escapes the archive")


def _model_folder(unpacked: Path, filename: str) -> Path:
    """The model set folder inside an unpacked archive: its top level or one folder down."""
    if (unpacked / MANIFEST).is_file():
        return unpacked
    inner = [p for p in unpacked.iterdir() if p.is_dir()]
    if len(inner) == 1 and (inner[0] / MANIFEST).is_file():
        return inner[0]
    raise DataError(
        f"{filename}: no {MANIFEST} at the top of the archive or in its single folder; "
        "archive the folder written by `anomalia train`, e.g. tar czf m.tgz -C data/models iforest"
    )
