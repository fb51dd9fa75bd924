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

import fcntl
import hashlib
import json
import logging
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from anomalia.atomic import atomic_directory, atomic_file
from anomalia.exceptions import AnomaliaError, DataError
from anomalia.modelset import ModelSet
from anomalia.service.archives import ArchiveLimits, unpack

log = logging.getLogger(__name__)

INDEX_FILE = "registry.json"
LOCK_FILE = ".lock"
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


def content_digest(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes: identifies the content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


class CorruptEntryError(DataError):
    """A registry index or model version on disk that cannot be read."""


def _parse_index(index_file: Path) -> dict[str, Any]:
    """Read and check one ``registry.json``; any damage is a CorruptEntryError naming it."""
    try:
        index = json.loads(index_file.read_text())
        versions = [int(entry["version"]) for entry in index["versions"]]
        serving = index["serving"]
        if serving is not None and serving not in versions:
            raise ValueError(f"serving version {serving} is not among versions {versions}")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        reason = f"{type(error).__name__}: {error}"
        raise CorruptEntryError(
            f"{index_file}: not a readable registry index ({reason}); "
            "restore it or remove its model folder"
        ) from None
    return index


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
        Model name -> why its registry entry or serving version failed to load
        (naming the file); the model is skipped, the others serve.
    import_failures : dict of str to str
        Folder name under the models folder -> why it could not be registered.
    """

    def __init__(
        self,
        root: Path,
        import_root: Path,
        max_loaded: int = 16,
        archive_limits: ArchiveLimits | None = None,
    ):
        self.root = Path(root)
        self.import_root = Path(import_root)
        self.max_loaded = max_loaded
        self.archive_limits = archive_limits or ArchiveLimits()
        self.state = "loading"
        self.failures: dict[str, str] = {}
        self.import_failures: dict[str, str] = {}
        self._lock = threading.RLock()
        self._lock_depth = 0
        self._serving: dict[str, tuple[int, ModelSet]] = {}
        self._stamps: dict[str, tuple[int, int]] = {}
        self._cache: OrderedDict[tuple[str, int], ModelSet] = OrderedDict()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Serialise registry writes among threads and among worker processes.

        The threads share an RLock; processes (``anomalia serve --workers N``)
        share an advisory lock on ``<registry>/.lock``, taken by the outermost
        holder only.
        """
        with self._lock:
            if self._lock_depth:
                self._lock_depth += 1
                try:
                    yield
                finally:
                    self._lock_depth -= 1
                return
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / LOCK_FILE, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._lock_depth = 1
                try:
                    yield
                finally:
                    self._lock_depth = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)

    # ------------------------------------------------------------------ index
    def _index(self, name: str) -> dict[str, Any]:
        index_file = self.root / name / INDEX_FILE
        if not index_file.is_file():
            return {"serving": None, "versions": []}
        return _parse_index(index_file)

    def _stamp(self, name: str) -> tuple[int, int]:
        # Every index write is a new file (atomic rename): its inode changes even when
        # two writes fall within one tick of the file system's clock.
        try:
            info = (self.root / name / INDEX_FILE).stat()
        except OSError:
            return (0, 0)
        return (info.st_ino, info.st_mtime_ns)

    def _write_index(self, name: str, index: dict[str, Any]) -> None:
        with atomic_file(self.root / name / INDEX_FILE) as tmp:
            tmp.write_text(json.dumps(index, indent=2))

    def versions(self, name: str) -> list[int]:
        """Registered version numbers of ``name`` (empty when unknown or unreadable)."""
        try:
            return [v["version"] for v in self._index(check_name(name))["versions"]]
        except (CorruptEntryError, ValueError):
            return []

    def names(self) -> list[str]:
        """Registered model names, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.parent.name for p in self.root.glob(f"*/{INDEX_FILE}") if _NAME.match(p.parent.name)
        )

    def describe(self, name: str) -> dict[str, Any]:
        """Serving version and every version's registry entry and manifest summary."""
        index = self._index(check_name(name))
        if not index["versions"]:
            raise UnknownModelError(f"no model named `{name}`; registered: {self._known()}")
        versions = []
        for entry in index["versions"]:
            folder = self.root / name / str(entry["version"])
            try:
                manifest = json.loads((folder / MANIFEST).read_text())
            except (OSError, UnicodeDecodeError, ValueError) as error:
                versions.append(
                    {
                        **entry,
                        "serving": entry["version"] == index["serving"],
                        "error": f"{folder / MANIFEST}: unreadable ({error})",
                    }
                )
                continue
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
        content = content_digest(source)
        with self._writing():
            index = self._index(name)
            same = [v["version"] for v in index["versions"] if v.get("content") == content]
            if same:  # registered before: no second copy
                log.info("%s: content of %s is version %d already", name, source, same[0])
                if serve and index["serving"] != same[0]:
                    self.set_serving(name, same[0])
                return same[0]
            version = max((v["version"] for v in index["versions"]), default=0) + 1
            with atomic_directory(self.root / name / str(version)) as tmp:
                shutil.copytree(source, tmp, dirs_exist_ok=True)
            index["versions"].append(
                {
                    "version": version,
                    "registered": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "source": origin or str(source),
                    "digest": manifest_digest(source),
                    "content": content,
                }
            )
            if serve or index["serving"] is None:
                index["serving"] = version
                self._serving[name] = (version, model_set)
                self.failures.pop(name, None)
            self._write_index(name, index)
            self._stamps[name] = self._stamp(name)
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
            unpack(archive, unpacked, self.archive_limits)
            folder = _model_folder(unpacked, filename)
            return self.register(name, folder, serve=serve, origin=f"upload:{filename}")

    def set_serving(self, name: str, version: int) -> None:
        """Make ``version`` the serving version of ``name`` (loads it first)."""
        with self._writing():
            index = self._index(check_name(name))
            self._check_version(name, version, index)
            model_set = self._load(name, version)
            index["serving"] = version
            self._write_index(name, index)
            self._serving[name] = (version, model_set)
            self._stamps[name] = self._stamp(name)
            self.failures.pop(name, None)
        log.info("%s now serves version %d", name, version)

    def sync_trained(self, models_dir: Path) -> list[tuple[str, int]]:
        """Register every train output under ``models_dir`` not registered yet."""
        added = []
        for manifest in sorted(Path(models_dir).glob(f"*/{MANIFEST}")):
            folder = manifest.parent
            if not _NAME.match(folder.name):  # also skips hidden leftovers of saves
                continue
            try:
                with self._writing():
                    digest = manifest_digest(folder)
                    if any(v["digest"] == digest for v in self._index(folder.name)["versions"]):
                        continue
                    added.append((folder.name, self.register(folder.name, folder.resolve())))
            except Exception as error:  # one broken folder must not stop the others
                self.import_failures[folder.name] = _reason(error, folder)
                log.error("could not import %s: %s", folder, self.import_failures[folder.name])
        return added

    # ---------------------------------------------------------------- serving
    def load_serving(self) -> None:
        """Load the serving version of every model; failures are recorded, not raised."""
        try:
            for name in self.names():
                if name in self._serving or name in self.failures:
                    continue
                try:
                    self._load_serving_of(name)
                except Exception as error:  # any broken model must not stop the others
                    self.failures[name] = _reason(error, self.root / name)
                    log.error("model %s failed to load: %s", name, self.failures[name])
        finally:
            self.state = "done"

    def _load_serving_of(self, name: str) -> None:
        with self._lock:
            stamp = self._stamp(name)
            serving = self._index(name)["serving"]
            if serving is None:
                raise CorruptEntryError(f"{self.root / name / INDEX_FILE}: no serving version")
            self._serving[name] = (serving, self._load(name, serving))
            self._stamps[name] = stamp
            self.failures.pop(name, None)

    def _refresh(self, name: str) -> None:
        """Follow a serving choice or registration made by another worker process."""
        if self._stamps.get(name) == self._stamp(name):
            return
        if not (self.root / name / INDEX_FILE).is_file():
            return
        try:
            self._load_serving_of(name)
        except Exception as error:
            self.failures[name] = _reason(error, self.root / name)
            self._serving.pop(name, None)
            self._stamps[name] = self._stamp(name)

    @property
    def ready(self) -> bool:
        """True once loading finished with at least one model serving (others may have failed)."""
        return self.state == "done" and bool(self._serving)

    def model(self, name: str, version: int | None = None) -> tuple[int, ModelSet]:
        """The loaded model set of ``name`` at ``version`` (default: the serving one)."""
        check_name(name)
        if self.state != "done":
            raise ModelsNotReadyError("models are still loading; retry when /ready answers 200")
        with self._lock:
            self._refresh(name)
            if name in self.failures:
                raise ModelsNotReadyError(f"model `{name}` failed to load: {self.failures[name]}")
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


def _reason(error: Exception, where: Path) -> str:
    """Why a model failed, naming the file (CorruptEntryError and DataError already do)."""
    if isinstance(error, DataError):
        return str(error)
    return f"{where}: {type(error).__name__}: {error}"


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
