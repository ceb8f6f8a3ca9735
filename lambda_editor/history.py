"""The zips deployed from a workspace, in `.lambda-editor/history/` (readable by its owner only).

The first entry is the zip a download brought; each confirmed deploy adds the zip it uploaded.
An entry is a few files named by the time it was recorded (UTC), so names sort oldest first:

- `20240601-120000-123456.zip`: the zip exactly as Lambda holds it (its SHA-256 is the entry's
  CodeSha256);
- `20240601-120000-123456.json`: what describes it: kind (pulled or deployed), time, CodeSha256,
  RevisionId, size, the function's configuration at that time (environment values included, so
  never printed), the manifest of its files, and which zip holds entries compressed by this
  machine's zlib;
- `20240601-120000-123456.rebuilt.zip`, for a download not compressed here: the same files as
  built here, whose entries later builds may copy.

The description is written last: an entry exists once it is there, and files of an entry that
never got one are removed by the next `prune`. Writers hold the workspace's lock. Zips are checked
against their recorded SHA-256 when read: a damaged one is never handed out.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Union

from .atomic_files import write_atomically
from .errors import LambdaEditorError
from .folders import make_private_dir
from .layout import HISTORY_DIR, METADATA_DIR
from .log import logger
from .packaging.manifest import Manifest, manifest_from_json, manifest_json

PULLED, DEPLOYED = "pulled", "deployed"
_VERSION = 1
_ENTRY_FILE = re.compile(r"^(\d{8}-\d{6}-\d{6})\.(?:json|zip|rebuilt\.zip)$")
_ID_FORMAT = "%Y%m%d-%H%M%S-%f"
_MB = 1024 * 1024


@dataclass(frozen=True)
class HistoryLimits:
    """How much history a workspace keeps; the oldest entries go first, the newest always stays."""

    count: int = 10
    total_bytes: int = 250 * _MB


DEFAULT_LIMITS = HistoryLimits()


@dataclass(frozen=True)
class BuiltHere:
    """A zip whose entries this machine's compressor wrote: later builds may copy them."""

    file: str  # its name in the history folder: the entry's own zip or its rebuilt companion
    sha256: str  # base64, like CodeSha256
    size: int
    zlib_version: str  # the zlib that compressed it: another may compress otherwise


@dataclass(frozen=True)
class HistoryEntry:
    folder: str  # the history folder
    entry_id: str  # the time it was recorded, as its files are named
    kind: str  # PULLED or DEPLOYED
    recorded_at: str  # ISO 8601 UTC
    code_sha256: str
    revision_id: str
    size: int  # bytes of the zip
    configuration: Dict[str, Any] = field(repr=False)  # GetFunctionConfiguration's answer
    manifest: Manifest = field(repr=False)  # the files the zip holds (as the workspace sees them)
    built_here: Optional[BuiltHere]

    @property
    def zip_path(self) -> str:
        return os.path.join(self.folder, self._zip_name)

    @property
    def zip_built_here(self) -> bool:
        """Whether the zip Lambda held is one this machine compressed (not only rebuilt here)."""
        return self.built_here is not None and self.built_here.file == self._zip_name

    @property
    def _zip_name(self) -> str:
        return f"{self.entry_id}.zip"


def history_folder(root: str) -> str:
    return os.path.join(os.path.abspath(root), METADATA_DIR, HISTORY_DIR)


def add(
    root: str,
    kind: str,
    configuration: Mapping[str, Any],
    manifest: Manifest,
    archive: Union[bytes, str],
    *,
    built_here: bool,
    rebuilt: Optional[bytes] = None,
) -> HistoryEntry:
    """Record a zip Lambda holds: `archive` is its bytes, or the path of a file to move in.

    `built_here`: the zip's entries are this machine's compressor's, for `manifest`'s files.
    `rebuilt`: otherwise, the zip of the same files as built here, kept beside it.
    """
    folder = history_folder(root)
    make_private_dir(folder)
    recorded_at = _unused_time(folder)
    entry_id = recorded_at.strftime(_ID_FORMAT)
    code_sha256 = str(configuration["CodeSha256"])
    zip_path = os.path.join(folder, f"{entry_id}.zip")
    if isinstance(archive, bytes):
        write_atomically(zip_path, archive, durable=False)
    else:
        os.chmod(archive, 0o600)
        os.replace(archive, zip_path)
    size = os.path.getsize(zip_path)
    compressed_here: Optional[BuiltHere] = None
    if rebuilt is not None:
        rebuilt_name = f"{entry_id}.rebuilt.zip"
        write_atomically(os.path.join(folder, rebuilt_name), rebuilt, durable=False)
        compressed_here = _built_here(rebuilt_name, _sha256_b64(rebuilt), len(rebuilt))
    elif built_here:
        compressed_here = _built_here(os.path.basename(zip_path), code_sha256, size)
    entry = HistoryEntry(
        folder=folder,
        entry_id=entry_id,
        kind=kind,
        recorded_at=recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        code_sha256=code_sha256,
        revision_id=str(configuration.get("RevisionId", "")),
        size=size,
        configuration={k: v for k, v in configuration.items() if k != "ResponseMetadata"},
        manifest=manifest,
        built_here=compressed_here,
    )
    write_atomically(_description_path(folder, entry_id), _describe(entry), durable=False)
    return entry


def store_zip(root: str, data: bytes) -> str:
    """Write a zip into the history folder ahead of `add` (say, while its upload runs); the path
    to give `add`. A zip never added is removed by a later `prune`."""
    folder = history_folder(root)
    make_private_dir(folder)
    path = os.path.join(folder, f"{_unused_time(folder).strftime(_ID_FORMAT)}.zip")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as sink:
        sink.write(data)
    return path


def entries(root: str) -> List[HistoryEntry]:
    """Every readable entry, oldest first."""
    return list(reversed(list(newest_first(root))))


def newest_first(root: str) -> Iterator[HistoryEntry]:
    """The readable entries from the newest, each read when reached."""
    folder = history_folder(root)
    for entry_id in sorted(_ids(folder), reverse=True):
        entry = _load(folder, entry_id)
        if entry is not None:
            yield entry


def newest(root: str) -> Optional[HistoryEntry]:
    return next(newest_first(root), None)


def read(entry: HistoryEntry) -> bytes:
    """The zip Lambda held, checked against its CodeSha256."""
    data = _read_checked(entry.zip_path, entry.code_sha256, entry.size)
    if data is None:
        raise LambdaEditorError(
            f"The deployed zip {entry.zip_path} is missing or damaged.",
            "It cannot be used; the history's other entries are unaffected.",
        )
    return data


def read_built_here(entry: HistoryEntry) -> Optional[bytes]:
    """The zip whose entries this machine's compressor wrote, checked against its SHA-256;
    None when there is none, it is damaged, or today's zlib may compress otherwise."""
    built = entry.built_here
    if built is None or not compressed_like_today(entry):
        return None
    return _read_checked(os.path.join(entry.folder, built.file), built.sha256, built.size)


def compressed_like_today(entry: HistoryEntry) -> bool:
    """Whether a build today would compress the entry's files into the same bytes."""
    built = entry.built_here
    return built is not None and built.zlib_version == zlib.ZLIB_RUNTIME_VERSION


def prune(root: str, limits: HistoryLimits) -> List[str]:
    """Drop the oldest entries beyond the limits, and files of entries never completed; the ids
    of the entries dropped. Sizes are the files' on disk: no description is read."""
    folder = history_folder(root)
    on_disk = _sizes(folder)
    sizes: Dict[str, int] = {}
    described: Set[str] = set()
    for name, size in on_disk.items():
        entry_id, kind = name.split(".", 1)
        sizes[entry_id] = sizes.get(entry_id, 0) + size
        if kind == "json":
            described.add(entry_id)
    kept: List[str] = []
    dropped: List[str] = []
    total = 0
    for entry_id in sorted(described, reverse=True):
        total += sizes[entry_id]
        within = len(kept) < limits.count and total <= limits.total_bytes
        (kept if within or not kept else dropped).append(entry_id)
    # Files of an entry being written have no description yet, but are newer than any.
    newest_kept = kept[0] if kept else ""
    for name in on_disk:
        entry_id = name.split(".", 1)[0]
        if entry_id not in kept and entry_id < newest_kept:
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, name))
    return dropped


def carry_over(old_root: str, new_root: str) -> None:
    """Move the history of a workspace's previous copy into its new copy (a re-download)."""
    old, new = history_folder(old_root), history_folder(new_root)
    names = [name for name in _listing(old) if _ENTRY_FILE.match(name)]
    if names:
        make_private_dir(new)
    for name in names:
        if not os.path.exists(os.path.join(new, name)):
            os.replace(os.path.join(old, name), os.path.join(new, name))


# --- the files --------------------------------------------------------------------------------


def _listing(folder: str) -> List[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


def _sizes(folder: str) -> Dict[str, int]:
    """The size of each file of an entry in the folder, by name."""
    try:
        with os.scandir(folder) as found:
            return {
                entry.name: entry.stat().st_size for entry in found if _ENTRY_FILE.match(entry.name)
            }
    except FileNotFoundError:
        return {}


def _ids(folder: str) -> Set[str]:
    return {found.group(1) for found in map(_ENTRY_FILE.match, _listing(folder)) if found}


def _unused_time(folder: str) -> datetime:
    """Now, or just after the newest entry if the clock went back: names stay unique, ordered."""
    moment = datetime.now(timezone.utc)
    newest_id = max(_ids(folder), default=None)
    if newest_id is not None:
        newest_time = datetime.strptime(newest_id, _ID_FORMAT).replace(tzinfo=timezone.utc)
        moment = max(moment, newest_time + timedelta(microseconds=1))
    return moment


def _description_path(folder: str, entry_id: str) -> str:
    return os.path.join(folder, f"{entry_id}.json")


def _built_here(name: str, sha256: str, size: int) -> BuiltHere:
    return BuiltHere(name, sha256, size, zlib.ZLIB_RUNTIME_VERSION)


def _describe(entry: HistoryEntry) -> bytes:
    built = entry.built_here
    document = {
        "version": _VERSION,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at,
        "code_sha256": entry.code_sha256,
        "revision_id": entry.revision_id,
        "size": entry.size,
        "configuration": entry.configuration,
        "built_here": built.__dict__ if built else None,
    }
    described = json.dumps(document, separators=(",", ":"), default=str)
    return f'{described[:-1]},"manifest":{manifest_json(entry.manifest)}}}'.encode()


def _load(folder: str, entry_id: str) -> Optional[HistoryEntry]:
    path = _description_path(folder, entry_id)
    try:
        with open(path, "rb") as source:
            document = json.load(source)
        if document["version"] != _VERSION:
            return None
        built = document["built_here"]
        return HistoryEntry(
            folder=folder,
            entry_id=entry_id,
            kind=str(document["kind"]),
            recorded_at=str(document["recorded_at"]),
            code_sha256=str(document["code_sha256"]),
            revision_id=str(document["revision_id"]),
            size=int(document["size"]),
            configuration=dict(document["configuration"]),
            manifest=manifest_from_json(document["manifest"]),
            built_here=BuiltHere(**built) if built is not None else None,
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, LambdaEditorError) as exc:
        logger.debug("the history entry %s is unreadable: %r", path, exc)
        return None


def _read_checked(path: str, sha256_b64: str, size: int) -> Optional[bytes]:
    try:
        with open(path, "rb") as source:
            data = source.read()
    except OSError as exc:
        logger.debug("the history zip %s is unreadable: %r", path, exc)
        return None
    if len(data) != size or _sha256_b64(data) != sha256_b64:
        logger.debug("the history zip %s is damaged: its SHA-256 differs", path)
        return None
    return data


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
