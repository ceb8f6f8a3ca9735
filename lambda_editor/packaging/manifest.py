"""What a folder holds: each packaged file's content hash and mode, and how two states differ.

Digests are cached by stat (path, size, mtime, ctime, inode), so a save's no-op check reads only
the files that changed; `hash_index` keeps a workspace's cache on disk for the next process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import zlib
from dataclasses import dataclass
from typing import IO, Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ..errors import LambdaEditorError
from .walk import EXECUTABLE_MODE, REGULAR_MODE, list_files, mode_of

READ_CHUNK = 1024 * 1024


class FileEntry(NamedTuple):
    """A file as a manifest lists it (a tuple: manifests hold thousands, read on every save)."""

    sha256: str  # hex digest of the content
    mode: int  # permission bits: EXECUTABLE_MODE or REGULAR_MODE


Manifest = Dict[str, FileEntry]  # posix relative path -> entry, files only


class Digest(NamedTuple):
    """A file's content as the manifest (sha256) and its zip entry (CRC-32) name it."""

    sha256: str  # hex
    crc32: int


# --- digests with a stat cache ----------------------------------------------------------------

# Size, mtime, ctime and inode, as git's index compares them. Any write or `utime` changes the
# ctime, so a content change whose mtime was put back (`cp -p`, `touch -r`) is still seen.
StatKey = Tuple[int, int, int, int]
_CACHE_LIMIT = 200_000
# A file written within the filesystem's timestamp resolution of our read could change again
# without changing its mtime: such "racy" digests are not cached (the trick git's index uses).
RACY_WINDOW_NS = 2_000_000_000


class _DigestCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Absolute path -> the stat a digest was read with, and that digest: one entry a file.
        self.entries: Dict[str, Tuple[StatKey, Digest]] = {}
        self.generation = 0  # counts the changes: nothing to save when it has not moved


_cache = _DigestCache()


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def remember_digest(path: str, st: os.stat_result, digest: Digest) -> None:
    if time.time_ns() - st.st_mtime_ns < RACY_WINDOW_NS:
        return
    remember_recorded({path: (stat_key(st), digest)})


def remember_recorded(recorded: Mapping[str, Tuple[StatKey, Digest]]) -> None:
    """Digests read earlier, when their files were already older than the racy window."""
    with _cache.lock:
        if len(_cache.entries) + len(recorded) > _CACHE_LIMIT:
            _cache.entries.clear()
        _cache.entries.update(recorded)
        _cache.generation += 1


def digest_generation() -> int:
    """A number that changes whenever the digest cache learns something."""
    with _cache.lock:
        return _cache.generation


def cached_digest(path: str, st: os.stat_result) -> Optional[Digest]:
    # One dict read is atomic: no lock, for a check looks up every file of the workspace.
    cached = _cache.entries.get(path)
    return cached[1] if cached is not None and cached[0] == stat_key(st) else None


def recorded_digests(paths: Iterable[str]) -> Dict[str, Tuple[StatKey, Digest]]:
    """What the cache knows of these files, each with the stat its digest was read with."""
    with _cache.lock:
        return {path: _cache.entries[path] for path in paths if path in _cache.entries}


def move_digests(old_folder: str, new_folder: str) -> None:
    """After renaming a folder: its files keep their stat (inode, times), and their digests."""
    old_prefix, new_prefix = os.path.join(old_folder, ""), os.path.join(new_folder, "")
    with _cache.lock:
        moved = [path for path in _cache.entries if path.startswith(old_prefix)]
        for path in moved:
            _cache.entries[new_prefix + path[len(old_prefix) :]] = _cache.entries.pop(path)
        _cache.generation += 1


def file_digest(path: str, st: os.stat_result) -> Digest:
    """The file's digest: from the cache when its stat is unchanged, else read (and cached)."""
    cached = cached_digest(path, st)
    if cached is not None:
        return cached
    with open(path, "rb") as source:
        digest = read_digest(source)
    remember_digest(path, st, digest)
    return digest


def read_digest(source: IO[bytes], kept: Optional[List[bytes]] = None) -> Digest:
    """The digest of what is left to read of `source`; the chunks read go to `kept`, if given."""
    sha256 = hashlib.sha256()
    crc32 = 0
    while chunk := source.read(READ_CHUNK):
        sha256.update(chunk)
        crc32 = zlib.crc32(chunk, crc32)
        if kept is not None:
            kept.append(chunk)
    return Digest(sha256.hexdigest(), crc32)


# --- manifests --------------------------------------------------------------------------------


def scan(
    root: str, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
) -> Manifest:
    """The manifest of the files under root that would be packaged.

    Unchanged files (same path, size, mtime, ctime and inode) are not read again. `known_modes`
    supplies modes on filesystems that cannot store them (Windows), usually from the deployed
    manifest.
    """
    try:
        return {
            local.rel_path: FileEntry(
                file_digest(local.abs_path, local.stat).sha256, mode_of(local, known_modes)
            )
            for local in list_files(root, exclude)
        }
    except OSError as exc:
        raise read_error(root, exc) from exc


def unzipped_size(root: str, exclude: Sequence[str] = ()) -> int:
    """The bytes of the files `build_package` would pack, without building."""
    try:
        return sum(local.stat.st_size for local in list_files(root, exclude))
    except OSError as exc:
        raise read_error(root, exc) from exc


def read_error(root: str, exc: OSError) -> LambdaEditorError:
    where = exc.filename or root
    return LambdaEditorError(f"Could not read {where}: {exc.strerror or exc}.")


def manifest_json(manifest: Manifest) -> str:
    """`{"path":{"mode":"0755","sha256":"<hex>"}}` (the mode as an octal string, for people):
    compact JSON text with sorted keys, as `json.dumps` writes it, in a fraction of the time: a
    deploy writes its manifest of thousands of files into the marker (as pending, then as
    deployed) and the history. The texts of the last few manifests are kept, each with a copy of
    its manifest: an equal manifest has the same text."""
    with _texts_lock:
        for known, text in _texts:
            if known == manifest:
                return text
    quoted = json.encoder.encode_basestring_ascii
    entries = ",".join(
        [
            f'{quoted(path)}:{{"mode":"{mode:04o}","sha256":{quoted(sha256)}}}'
            for path, (sha256, mode) in sorted(manifest.items())
        ]
    )
    text = f"{{{entries}}}"
    with _texts_lock:
        _texts.insert(0, (dict(manifest), text))
        del _texts[_TEXTS_KEPT:]
    return text


# A deploy writes the deployed manifest and the one it uploads: two, the newest first.
_TEXTS_KEPT = 2
_texts: List[Tuple[Manifest, str]] = []
_texts_lock = threading.Lock()


def manifest_from_json(data: Any) -> Manifest:
    """The inverse of `manifest_json` (once parsed); a mode may also be an int. Every entry is
    checked (a safe relative path, a SHA-256, a normalised mode): raises LambdaEditorError.

    Checked in bulk (the marker is read on every save, and a vendored package has thousands of
    files); only a manifest that fails is gone through entry by entry, to name the culprit.
    """
    if not isinstance(data, dict):
        raise LambdaEditorError(f"The manifest is a {type(data).__name__}, not an object.")
    try:
        manifest = {
            path: FileEntry(entry["sha256"], _MODES[entry["mode"]]) for path, entry in data.items()
        }
        hashes = [entry.sha256 for entry in manifest.values()]
        valid = (
            set(map(len, hashes)) <= {64}
            and not "".join(hashes).translate(_WITHOUT_HEX_DIGITS)  # nothing but hex digits
            and _all_safe(manifest)
        )
    except (TypeError, KeyError):
        valid = False
    if not valid:
        _raise_first_invalid(data)
    return manifest


_WITHOUT_HEX_DIGITS = dict.fromkeys(map(ord, "0123456789abcdef"))  # str.translate deletes them
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# Mode as written ("0644") or as an int; True and False are not modes, though equal to 1 and 0.
_MODES: Dict[Any, int] = {
    **{f"{mode:04o}": mode for mode in (EXECUTABLE_MODE, REGULAR_MODE)},
    EXECUTABLE_MODE: EXECUTABLE_MODE,
    REGULAR_MODE: REGULAR_MODE,
}


def _raise_first_invalid(data: Mapping[str, Any]) -> None:
    for path, entry in data.items():
        try:
            check_rel_path(path)
            if not isinstance(entry, dict):
                raise TypeError(f"a {type(entry).__name__}, not an object")
            if not isinstance(entry["sha256"], str) or not _SHA256_HEX.fullmatch(entry["sha256"]):
                raise ValueError("sha256 is not a SHA-256 in hex")
            if entry["mode"] not in _MODES:
                raise ValueError(f"mode {str(entry['mode'])[:10]!r} is neither 0644 nor 0755")
        except (TypeError, KeyError, ValueError) as exc:
            raise LambdaEditorError(
                f"The manifest entry for {str(path)[:80]!r} is invalid ({exc})."
            ) from exc


def check_rel_path(path: Any) -> str:
    """A file's path inside a workspace as a manifest writes it: relative, `/`-separated, with no
    `..`, empty or `.` part. Raises ValueError otherwise."""
    if not isinstance(path, str) or len(path) > 4096 or _is_unsafe_path(path):
        raise ValueError(f"{str(path)[:80]!r} is not a relative path inside the folder")
    return path


def _all_safe(paths: Iterable[str]) -> bool:
    """`not any(map(_is_unsafe_path, paths))`, on all the paths at once: each framed by `/`,
    separated by a NUL (which no safe path holds, so none is hidden by the joining)."""
    paths = list(paths)
    if not paths:
        return True
    framed = "/" + "/\0/".join(paths) + "/"
    return framed.count("\0") == len(paths) - 1 and not any(
        unsafe in framed for unsafe in ("//", "/./", "/../", "\\")
    )


def _is_unsafe_path(path: str) -> bool:
    """Empty, absolute, with an empty, `.` or `..` part, a backslash or a NUL."""
    framed = f"/{path}/"
    return "//" in framed or "/./" in framed or "/../" in framed or "\\" in path or "\0" in path


_SUMMARY_PATHS = 5


def listed_paths(paths: Sequence[str]) -> str:
    """`a.py, b.py, c.py`, naming a few paths at most: `… and 3 more`."""
    listed = ", ".join(paths[:_SUMMARY_PATHS])
    more = f" and {len(paths) - _SUMMARY_PATHS} more" if len(paths) > _SUMMARY_PATHS else ""
    return listed + more


@dataclass(frozen=True)
class ManifestDiff:
    added: List[str]
    removed: List[str]
    changed: List[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        """`2 changed, 1 added: a.py, b.py, c.py`, listing a few paths at most."""
        if not self:
            return "no changes"
        groups = (("changed", self.changed), ("added", self.added), ("removed", self.removed))
        counts = ", ".join(f"{len(paths)} {label}" for label, paths in groups if paths)
        return f"{counts}: {listed_paths([path for _, group in groups for path in group])}"


def excluded_here(root: str, deployed: Iterable[str], packaged: Manifest) -> List[str]:
    """Deployed files that are in the folder at `root` but left out of its package (excluded):
    a deploy from the folder removes them from the function. Files deleted from the folder are
    an edit, not listed."""
    return sorted(
        path
        for path in deployed
        if path not in packaged and os.path.lexists(os.path.join(root, *path.split("/")))
    )


def diff_manifests(deployed: Manifest, local: Manifest) -> ManifestDiff:
    """What `local` changes relative to `deployed` (content or mode)."""
    return ManifestDiff(
        added=sorted(local.keys() - deployed.keys()),
        removed=sorted(deployed.keys() - local.keys()),
        changed=sorted(
            path for path in local.keys() & deployed.keys() if local[path] != deployed[path]
        ),
    )
