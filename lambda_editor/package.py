"""A function's files: what is in a folder (manifest), the zip Lambda runs, and safe extraction.

Exclude patterns (`ALWAYS_EXCLUDED` plus the user's `exclude` setting) follow `.gitignore` habits,
matched case-sensitively with `fnmatch` on every OS so a folder packs the same everywhere:

- `name`, `*.md`: no slash, matches the name of a file or folder at any depth; a matching folder is
  left out with everything in it.
- `tests/`: a trailing slash matches folders only.
- `docs/*`, `src/tests`, `/build`: a slash elsewhere anchors the pattern at the top of the folder
  and matches the whole relative path (`*` also crosses `/`, so `docs/*` leaves out all of `docs/`).
  A leading `**/` unanchors the rest: `**/fixtures` is the same as `fixtures`.

Symbolic links are followed when they point inside the folder (the package holds a regular copy of
what they point to); a link pointing outside is refused with a message naming it, since following it
would upload files that are not part of the function. Dangling links are skipped.

Modes are normalised to 0o755 (any execute bit) or 0o644: Lambda only honours the execute bit, and
its runtime user must be able to read every file whatever the local umask was.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import posixpath
import re
import shutil
import stat
import struct
import tempfile
import threading
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import (
    IO,
    Any,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

from .errors import LambdaEditorError
from .units import format_size

UNZIPPED_LIMIT = 262_144_000
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
METADATA_DIR = ".lambda-editor"  # the workspace's own files: marker, test events
ALWAYS_EXCLUDED: Tuple[str, ...] = (METADATA_DIR, ".git", "__pycache__", "*.pyc", ".DS_Store")

EXECUTABLE_MODE = 0o755
REGULAR_MODE = 0o644
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_UNIX_SYSTEMS = (3, 19)  # create_system values whose external_attr carries unix modes (Unix, OS X)
_CHUNK = 1024 * 1024
_MAX_LINK_TARGET = 4096
# Windows filesystems cannot store an execute bit: modes come from what is known to be deployed.
_FILESYSTEM_KEEPS_MODES = os.name != "nt"


@dataclass(frozen=True)
class FileEntry:
    sha256: str  # hex digest of the content
    mode: int  # permission bits: EXECUTABLE_MODE or REGULAR_MODE


Manifest = Dict[str, FileEntry]  # posix relative path -> entry, files only


class UnsafeArchiveError(LambdaEditorError):
    """An archive that would write outside its folder, or is larger than Lambda allows."""


# --- exclude patterns -------------------------------------------------------------------------


class ExcludeRules:
    """Exclude patterns compiled once: a walk tests every path, and saves walk often.

    All patterns of one kind are joined into a single regular expression, so a path costs one
    match per kind whatever the number of patterns: names (no `/`) match the last path component,
    anchored patterns (with a `/`) the whole relative path; `dir/` patterns match folders only.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        kinds: Dict[Tuple[bool, bool], List[str]] = {}
        for raw in patterns:
            pattern = raw.strip().replace("\\", "/")
            folders_only = pattern.endswith("/")
            pattern = pattern.rstrip("/")
            while pattern.startswith("**/"):
                pattern = pattern[3:]
            if pattern:
                anchored = "/" in pattern
                kinds.setdefault((anchored, folders_only), []).append(
                    fnmatch.translate(pattern.lstrip("/") if anchored else pattern)
                )
        self._rules = {kind: re.compile("|".join(globs)) for kind, globs in kinds.items()}

    @classmethod
    def compile(cls, exclude: Sequence[str] = ()) -> ExcludeRules:
        return cls((*ALWAYS_EXCLUDED, *exclude))

    def excludes(self, rel_path: str, is_dir: bool = False) -> bool:
        name = rel_path.rsplit("/", 1)[-1]
        return any(
            regex.match(rel_path if anchored else name)
            for (anchored, folders_only), regex in self._rules.items()
            if is_dir or not folders_only
        )


# --- walking a folder -------------------------------------------------------------------------


@dataclass(frozen=True)
class _LocalFile:
    rel_path: str
    abs_path: str
    stat: os.stat_result


def _within(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives
        return False


def _list_files(root: str, exclude: Sequence[str]) -> List[_LocalFile]:
    """Every file to package under root, sorted by relative path."""
    root = os.path.abspath(root)  # absolute paths key the hash cache
    if not os.path.isdir(root):
        raise LambdaEditorError(f"The folder {root} does not exist.")
    walker = _Walker(os.path.realpath(root), exclude)
    walker.visit(root, "", walker.real_root, frozenset([walker.real_root]))
    return sorted(walker.found, key=lambda local: local.rel_path)


class _Walker:
    def __init__(self, real_root: str, exclude: Sequence[str]) -> None:
        self.real_root = real_root
        self.rules = ExcludeRules.compile(exclude)
        self.found: List[_LocalFile] = []

    def visit(
        self, folder: str, rel_folder: str, real_folder: str, ancestors: FrozenSet[str]
    ) -> None:
        """Collect folder's files; `ancestors` holds the real paths above it, to stop link loops."""
        with os.scandir(folder) as entries:
            for entry in entries:
                rel_path = f"{rel_folder}{entry.name}"
                is_dir = entry.is_dir()
                if self.rules.excludes(rel_path, is_dir):
                    continue
                real_path = os.path.join(real_folder, entry.name)
                if entry.is_symlink():
                    real_path = os.path.realpath(entry.path)
                    if not os.path.exists(real_path):
                        continue  # a dangling link holds nothing to package
                    _check_link_target(rel_path, real_path, self.real_root, ancestors)
                    if self._leads_into_excluded(real_path):
                        continue  # a link into .lambda-editor must not upload the marker
                if is_dir:
                    self.visit(entry.path, f"{rel_path}/", real_path, ancestors | {real_path})
                elif entry.is_file():
                    self.found.append(_LocalFile(rel_path, entry.path, entry.stat()))

    def _leads_into_excluded(self, real_path: str) -> bool:
        parts = os.path.relpath(real_path, self.real_root).split(os.sep)
        return any(
            self.rules.excludes("/".join(parts[: depth + 1]), is_dir=depth < len(parts) - 1)
            for depth in range(len(parts))
        )


def _check_link_target(
    rel_path: str, target: str, real_root: str, ancestors: FrozenSet[str]
) -> None:
    if not _within(target, real_root):
        raise LambdaEditorError(
            f"{rel_path} is a link to {target}, outside the function's folder.",
            "Copy what it points to into the folder, or add the link to the exclude setting.",
        )
    if target in ancestors:
        raise LambdaEditorError(
            f"{rel_path} is a link to a folder that contains it, which would repeat forever.",
            "Remove the link, or add it to the exclude setting.",
        )


def _normalised_mode(st_mode: int) -> int:
    return EXECUTABLE_MODE if st_mode & 0o111 else REGULAR_MODE


def _mode_of(local: _LocalFile, known_modes: Optional[Mapping[str, int]]) -> int:
    if not _FILESYSTEM_KEEPS_MODES and known_modes and local.rel_path in known_modes:
        return _normalised_mode(known_modes[local.rel_path])
    return _normalised_mode(local.stat.st_mode)


# --- hashing with a stat cache ----------------------------------------------------------------

_HashKey = Tuple[str, int, int, int]
_hash_cache: Dict[_HashKey, str] = {}
_hash_cache_lock = threading.Lock()
_HASH_CACHE_LIMIT = 200_000
# A file written within the filesystem's timestamp resolution of our read could change again
# without changing its mtime: such "racy" hashes are not cached (the trick git's index uses).
_RACY_WINDOW_NS = 2_000_000_000


def _hash_key(path: str, st: os.stat_result) -> _HashKey:
    return (path, st.st_size, st.st_mtime_ns, st.st_ino)


def _remember_hash(path: str, st: os.stat_result, sha256: str) -> None:
    if time.time_ns() - st.st_mtime_ns < _RACY_WINDOW_NS:
        return
    with _hash_cache_lock:
        if len(_hash_cache) >= _HASH_CACHE_LIMIT:
            _hash_cache.clear()
        _hash_cache[_hash_key(path, st)] = sha256


def _cached_sha256(path: str, st: os.stat_result) -> Optional[str]:
    with _hash_cache_lock:
        return _hash_cache.get(_hash_key(path, st))


def _file_sha256(path: str, st: os.stat_result) -> str:
    cached = _cached_sha256(path, st)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    _remember_hash(path, st, sha256)
    return sha256


def clear_hash_cache() -> None:
    with _hash_cache_lock:
        _hash_cache.clear()


# --- manifests --------------------------------------------------------------------------------


def scan(
    root: str, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
) -> Manifest:
    """The manifest of the files under root that would be packaged.

    Unchanged files (same path, size, mtime and inode) are not read again. `known_modes` supplies
    modes on filesystems that cannot store them (Windows), usually from the deployed manifest.
    """
    try:
        return {
            local.rel_path: FileEntry(
                _file_sha256(local.abs_path, local.stat), _mode_of(local, known_modes)
            )
            for local in _list_files(root, exclude)
        }
    except OSError as exc:
        raise _read_error(root, exc) from exc


def unzipped_size(root: str, exclude: Sequence[str] = ()) -> int:
    """The bytes of the files `build_package` would pack, without building."""
    try:
        return sum(local.stat.st_size for local in _list_files(root, exclude))
    except OSError as exc:
        raise _read_error(root, exc) from exc


def _read_error(root: str, exc: OSError) -> LambdaEditorError:
    where = exc.filename or root
    return LambdaEditorError(f"Could not read {where}: {exc.strerror or exc}.")


def manifest_to_json(manifest: Manifest) -> Dict[str, Dict[str, Any]]:
    """`{"path": {"sha256": "<hex>", "mode": "0755"}}`: the mode as an octal string, for people."""
    return {
        path: {"sha256": entry.sha256, "mode": f"{entry.mode:04o}"}
        for path, entry in sorted(manifest.items())
    }


def manifest_from_json(data: Mapping[str, Any]) -> Manifest:
    """The inverse of `manifest_to_json`; a mode may also be an int. Raises LambdaEditorError."""
    if not isinstance(data, Mapping):
        raise LambdaEditorError(f"The manifest is a {type(data).__name__}, not an object.")
    manifest: Manifest = {}
    for path, entry in data.items():
        try:
            sha256, mode = entry["sha256"], entry["mode"]
            manifest[str(path)] = FileEntry(
                str(sha256), mode if isinstance(mode, int) else int(mode, 8)
            )
        except (TypeError, KeyError, ValueError) as exc:
            raise LambdaEditorError(
                f"The manifest entry for {path!r} is invalid ({exc!r})."
            ) from exc
    return manifest


_SUMMARY_PATHS = 5


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
        paths = [path for _, group in groups for path in group]
        listed = ", ".join(paths[:_SUMMARY_PATHS])
        more = f" and {len(paths) - _SUMMARY_PATHS} more" if len(paths) > _SUMMARY_PATHS else ""
        return f"{counts}: {listed}{more}"


def diff_manifests(deployed: Manifest, local: Manifest) -> ManifestDiff:
    """What `local` changes relative to `deployed` (content or mode)."""
    return ManifestDiff(
        added=sorted(local.keys() - deployed.keys()),
        removed=sorted(deployed.keys() - local.keys()),
        changed=sorted(
            path for path in local.keys() & deployed.keys() if local[path] != deployed[path]
        ),
    )


# --- building ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltPackage:
    data: bytes  # the zip
    manifest: Manifest
    unzipped_size: int

    @property
    def sha256_b64(self) -> str:
        """Comparable with Lambda's `CodeSha256`."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")

    @property
    def zipped_size(self) -> int:
        return len(self.data)


# What zipfile uses for ZIP_DEFLATED: changing it would change every package's CodeSha256.
_COMPRESS_LEVEL = zlib.Z_DEFAULT_COMPRESSION
_WORKERS = min(8, os.cpu_count() or 1)
# Files up to this size are read whole, hashed, and compressed only when the hash is new; bigger
# ones are compressed as they are read, so a worker never holds more than this of a file.
_HELD_LIMIT = 8 * 1024 * 1024
# Work handed to a worker at once: enough small files to outweigh the hand-over.
_BATCH_BYTES = 1024 * 1024
_FILE_WEIGHT = 4096  # opening a file costs about as much as compressing a few KB


@dataclass(frozen=True)
class _Deflated:
    """A file's content as its zip entry stores it."""

    crc32: int
    data: bytes  # raw deflate stream
    size: int  # uncompressed bytes


@dataclass(frozen=True)
class _PackedFile:
    sha256: str
    deflated: _Deflated


class PackageBuilder:
    """Builds one folder's deterministic zip: entries sorted, fixed timestamps, unix modes kept.

    The builder keeps each file's compressed bytes from its last build, keyed by content hash:
    an unchanged file (known by its stat, see `scan`) is copied into the next zip without being
    read, and a changed one is read once, hashed, then compressed only if that content is new.
    Files to read are spread over worker threads (zlib and hashlib release the GIL). Whatever
    was reused, compressed or in which order, the zip is the same bytes for the same tree:
    the bytes zipfile writes for these entries.
    """

    def __init__(self, root: str, workers: int = _WORKERS) -> None:
        self.root = os.path.abspath(root)
        self._workers = workers
        self._lock = threading.Lock()
        self._deflated: Dict[str, _Deflated] = {}  # by sha256: what the last build used
        self.kept_bytes = 0  # compressed bytes held for the next build

    def build(
        self, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
    ) -> BuiltPackage:
        try:
            files = _list_files(self.root, exclude)
            _check_unzipped_size(files)
            packed = self._pack(files)
        except OSError as exc:
            raise _read_error(self.root, exc) from exc
        self._keep(packed)
        entries = [
            (local.rel_path, _mode_of(local, known_modes), item)
            for local, item in zip(files, packed)
        ]
        return BuiltPackage(
            _zip_archive([(path, mode, item.deflated) for path, mode, item in entries]),
            {path: FileEntry(item.sha256, mode) for path, mode, item in entries},
            sum(item.deflated.size for item in packed),
        )

    def _pack(self, files: Sequence[_LocalFile]) -> List[_PackedFile]:
        """Each file's hash and compressed bytes, in the order of `files`."""
        with self._lock:
            known = dict(self._deflated)  # a snapshot: another build may replace it meanwhile
        packed: Dict[str, _PackedFile] = {}
        to_read: List[_LocalFile] = []
        for local in files:
            reused = _reuse_unread(local, known)
            if reused is None:
                to_read.append(local)
            else:
                packed[local.rel_path] = reused
        packed.update(self._read_all(to_read, known))
        return [packed[local.rel_path] for local in files]

    def _read_all(
        self, files: Sequence[_LocalFile], known: Mapping[str, _Deflated]
    ) -> List[Tuple[str, _PackedFile]]:
        def read_batch(batch: Sequence[_LocalFile]) -> List[Tuple[str, _PackedFile]]:
            return [(local.rel_path, _read_and_pack(local, known)) for local in batch]

        batches = _batches(files)
        if self._workers <= 1 or len(batches) <= 1:
            return [pair for batch in batches for pair in read_batch(batch)]
        with ThreadPoolExecutor(min(self._workers, len(batches))) as pool:
            return [pair for done in pool.map(read_batch, batches) for pair in done]

    def _keep(self, packed: Sequence[_PackedFile]) -> None:
        """Keep only what this build used: deleted or changed files' bytes are dropped."""
        used = {item.sha256: item.deflated for item in packed}
        with self._lock:
            self._deflated = used
            self.kept_bytes = sum(len(deflated.data) for deflated in used.values())


def _reuse_unread(local: _LocalFile, known: Mapping[str, _Deflated]) -> Optional[_PackedFile]:
    """The file's entry from the last build when its stat vouches for its content."""
    sha256 = _cached_sha256(local.abs_path, local.stat)
    if sha256 is None or sha256 not in known:
        return None
    return _PackedFile(sha256, known[sha256])


def _read_and_pack(local: _LocalFile, known: Mapping[str, _Deflated]) -> _PackedFile:
    """Read the file once; the hash and the compressed bytes both describe what was read."""
    with open(local.abs_path, "rb") as source:
        if local.stat.st_size > _HELD_LIMIT:
            packed = _pack_streamed(source)
        else:
            packed = _pack_held(source, known)
        unchanged_while_read = os.fstat(source.fileno()).st_mtime_ns == local.stat.st_mtime_ns
    if unchanged_while_read and packed.deflated.size == local.stat.st_size:
        _remember_hash(local.abs_path, local.stat, packed.sha256)
    return packed


def _pack_held(source: IO[bytes], known: Mapping[str, _Deflated]) -> _PackedFile:
    chunks: List[bytes] = []
    digest = hashlib.sha256()
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        chunks.append(chunk)
    sha256 = digest.hexdigest()
    return _PackedFile(sha256, known.get(sha256) or _deflate(chunks))


def _pack_streamed(source: IO[bytes]) -> _PackedFile:
    digest = hashlib.sha256()

    def hashed_chunks() -> Iterator[bytes]:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            yield chunk

    deflated = _deflate(hashed_chunks())
    return _PackedFile(digest.hexdigest(), deflated)


def _deflate(chunks: Iterable[bytes]) -> _Deflated:
    """Compress as zipfile does, fed the same chunks, so the stream is the same bytes."""
    compressor = zlib.compressobj(_COMPRESS_LEVEL, zlib.DEFLATED, -15)
    crc32 = 0
    size = 0
    parts: List[bytes] = []
    for chunk in chunks:
        crc32 = zlib.crc32(chunk, crc32)
        size += len(chunk)
        parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    return _Deflated(crc32, b"".join(parts), size)


def _batches(files: Sequence[_LocalFile]) -> List[List[_LocalFile]]:
    """Files grouped into batches of about _BATCH_BYTES, biggest first so workers end together."""
    batches: List[List[_LocalFile]] = []
    weight = _BATCH_BYTES
    for local in sorted(files, key=lambda local: local.stat.st_size, reverse=True):
        if weight >= _BATCH_BYTES:
            batches.append([])
            weight = 0
        batches[-1].append(local)
        weight += local.stat.st_size + _FILE_WEIGHT
    return batches


# --- writing the zip --------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_END_LOCATOR = struct.Struct("<4sLQL")
_VERSION = 20  # 2.0, deflate: what zipfile writes
_ZIP64_VERSION = 45
_UNIX = 3  # create_system: Lambda restores modes from external_attr
_UTF8_NAME = 0x800  # flag bit for a name that is not ASCII
_MAX_ENTRIES = 0xFFFF  # beyond, the entry count needs the zip64 end records
_DOS_DATE = (ZIP_TIMESTAMP[0] - 1980) << 9 | ZIP_TIMESTAMP[1] << 5 | ZIP_TIMESTAMP[2]
_DOS_TIME = ZIP_TIMESTAMP[3] << 11 | ZIP_TIMESTAMP[4] << 5 | ZIP_TIMESTAMP[5] // 2
# Leading fields: signature, versions (made by, on which system, needed to extract), reserved.
_LOCAL_START = (b"PK\x03\x04", _VERSION, 0)
_CENTRAL_START = (b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0)
_NO_EXTRA_COMMENT_DISK_OR_TEXT_FLAG = (0, 0, 0, 0)
# Signature, size of the rest (44 bytes), versions made by and needed, disk numbers.
_ZIP64_END_START = (b"PK\x06\x06", 44, _ZIP64_VERSION, _ZIP64_VERSION, 0, 0)


def _zip_archive(entries: Sequence[Tuple[str, int, _Deflated]]) -> bytes:
    """The zip of (path, mode, content) entries, in order: the bytes zipfile writes for them.

    Written here rather than by zipfile so compressed bytes can be copied in as they are. Sizes
    stay far below zip64's 2 GB thresholds: the unzipped limit is checked first.
    """
    parts: List[bytes] = []
    directory: List[bytes] = []
    offset = 0
    for rel_path, mode, deflated in entries:
        name, flags = _encoded_name(rel_path)
        shared = (flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, deflated.crc32)
        sizes = (len(deflated.data), deflated.size, len(name))
        header = _LOCAL_HEADER.pack(*_LOCAL_START, *shared, *sizes, 0) + name
        attributes = (*_NO_EXTRA_COMMENT_DISK_OR_TEXT_FLAG, (stat.S_IFREG | mode) << 16)
        central = _CENTRAL_HEADER.pack(*_CENTRAL_START, *shared, *sizes, *attributes, offset)
        directory.append(central + name)
        parts += (header, deflated.data)
        offset += len(header) + len(deflated.data)
    parts += directory
    parts.append(_end_records(len(entries), sum(map(len, directory)), offset))
    return b"".join(parts)


def _encoded_name(rel_path: str) -> Tuple[bytes, int]:
    try:
        return rel_path.encode("ascii"), 0
    except UnicodeEncodeError:
        return rel_path.encode("utf-8"), _UTF8_NAME


def _end_records(count: int, directory_size: int, directory_offset: int) -> bytes:
    """The end of central directory record, after zip64's when zipfile would write them."""
    zip64 = b""
    if count > _MAX_ENTRIES:
        zip64 = _ZIP64_END_RECORD.pack(
            *_ZIP64_END_START, count, count, directory_size, directory_offset
        ) + _ZIP64_END_LOCATOR.pack(b"PK\x06\x07", 0, directory_offset + directory_size, 1)
    entries = min(count, 0xFFFF)  # the 16-bit fields saturate, as zipfile writes them
    return zip64 + _END_RECORD.pack(
        b"PK\x05\x06", 0, 0, entries, entries, directory_size, directory_offset, 0
    )


# --- one builder per folder -------------------------------------------------------------------

# Builders of recent folders, least recently used first: saves reuse their compressed bytes.
_builders: Dict[str, PackageBuilder] = {}
_builders_lock = threading.Lock()
_KEPT_FOLDERS = 8
# Compressed bytes kept across folders; the latest folder's are kept whatever their size (no
# more than the zip it just built).
_KEPT_BYTES = 256 * 1024 * 1024


def build_package(
    root: str, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
) -> BuiltPackage:
    """The zip Lambda would run for the folder. Same tree, same bytes, however it was built."""
    builder = _builder_for(root)
    built = builder.build(exclude, known_modes)
    _forget_old_builders()
    return built


def _builder_for(root: str) -> PackageBuilder:
    with _builders_lock:
        builder = _builders.pop(os.path.abspath(root), None) or PackageBuilder(root)
        _builders[builder.root] = builder  # now the most recent
    return builder


def _forget_old_builders() -> None:
    with _builders_lock:
        while len(_builders) > 1 and (
            len(_builders) > _KEPT_FOLDERS
            or sum(builder.kept_bytes for builder in _builders.values()) > _KEPT_BYTES
        ):
            del _builders[next(iter(_builders))]


def _check_unzipped_size(files: Sequence[_LocalFile]) -> None:
    total = sum(local.stat.st_size for local in files)
    if total <= UNZIPPED_LIMIT:
        return
    biggest = sorted(files, key=lambda local: local.stat.st_size, reverse=True)[:5]
    named = ", ".join(f"{local.rel_path} ({format_size(local.stat.st_size)})" for local in biggest)
    raise LambdaEditorError(
        f"The package would be {format_size(total)} unzipped, over Lambda's limit of "
        f"{format_size(UNZIPPED_LIMIT)}. Biggest files: {named}.",
        "Add what the function does not need to the exclude setting, or move dependencies to a "
        "layer.",
    )


# --- extracting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ArchiveEntry:
    info: zipfile.ZipInfo
    path: str  # safe posix relative path
    mode: int
    link_target: Optional[str] = None  # set for symbolic links


def extract_package(zip_path: str, dest: str, max_unzipped: int = UNZIPPED_LIMIT) -> Manifest:
    """Extract a function's zip into `dest`, a new folder readable by its owner only.

    Everything lands in a temporary sibling first and is renamed into place at the end, so a
    refused or failed extraction leaves nothing behind. Modes come from the archive (0o755 when an
    execute bit is set, else 0o644; 0o644 for archives without unix modes). Symbolic links whose
    target stays inside the folder are created as links; any other is refused. Entries under
    `.lambda-editor/` are skipped: that folder is ours and never deployed from a workspace.

    Returns the manifest `scan(dest)` computes, so the fresh folder shows no undeployed changes.
    """
    dest = os.path.abspath(dest)
    if os.path.lexists(dest):
        raise LambdaEditorError(f"Cannot extract into {dest}: it already exists.")
    parent = os.path.dirname(dest)
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}.extracting-", dir=parent)
    except OSError as exc:
        raise LambdaEditorError(f"Could not create {dest}: {exc.strerror or exc}.") from exc
    try:
        manifest = _extract_into(zip_path, staging, max_unzipped)
        os.chmod(staging, 0o700)
        os.rename(staging, dest)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        explained = _explain_extraction_failure(exc, zip_path, dest)
        if explained is None:
            raise
        raise explained from exc
    return manifest


def _explain_extraction_failure(
    exc: BaseException, zip_path: str, dest: str
) -> Optional[LambdaEditorError]:
    # zipfile raises RuntimeError for encrypted entries, NotImplementedError for unknown methods.
    if isinstance(
        exc, (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
    ):
        return LambdaEditorError(f"The archive {zip_path} cannot be read: {exc}.")
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return LambdaEditorError(
            f"Could not extract the function into {dest}: {exc.strerror or exc}{where}."
        )
    return None


def _extract_into(zip_path: str, staging: str, max_unzipped: int) -> Manifest:
    with zipfile.ZipFile(zip_path) as archive:
        entries = _plan_extraction(archive, max_unzipped)
        budget = max_unzipped
        for entry in entries:
            if entry.link_target is None:
                budget -= _write_entry(archive, entry, staging, budget)
        links = [entry for entry in entries if entry.link_target is not None]
        for entry in links:
            _create_link(entry, staging)
    _refuse_links_resolving_outside(links, staging)
    modes = {entry.path: entry.mode for entry in entries if not entry.info.is_dir()}
    return scan(staging, known_modes=modes)


def _plan_extraction(archive: zipfile.ZipFile, max_unzipped: int) -> List[_ArchiveEntry]:
    """Check every entry before anything is written; the entries to extract, in archive order."""
    infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if declared > max_unzipped:
        raise UnsafeArchiveError(
            f"Refusing to extract the archive: it declares {format_size(declared)} unzipped, "
            f"over the limit of {format_size(max_unzipped)}."
        )
    entries: List[_ArchiveEntry] = []
    for info in infos:
        path = _safe_entry_path(info)
        if path is None or path.split("/", 1)[0] == ".lambda-editor":
            continue
        unix_mode = info.external_attr >> 16 if info.create_system in _UNIX_SYSTEMS else 0
        if stat.S_ISLNK(unix_mode):
            entries.append(_ArchiveEntry(info, path, 0, _read_link_target(archive, info, path)))
        else:
            entries.append(_ArchiveEntry(info, path, _normalised_mode(unix_mode)))
    _refuse_entries_under_links(entries)
    return entries


_DRIVE = re.compile(r"^[A-Za-z]:")


def _safe_entry_path(info: zipfile.ZipInfo) -> Optional[str]:
    """The entry's relative posix path; None for an entry naming the top folder itself."""
    name = info.orig_filename
    reason = _unsafe_name_reason(name)
    if reason:
        raise _unsafe_entry(name, reason)
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return "/".join(parts) or None


def _unsafe_name_reason(name: str) -> str:
    if "\0" in name:
        return "contains a NUL character"
    if "\\" in name:
        return "contains a backslash (a Windows separator Lambda would keep in the file name)"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(name) or (os.name == "nt" and ":" in name):
        return "names a drive or a Windows stream"
    if ".." in name.split("/"):
        return "would land outside the folder (..)"
    return ""


def _unsafe_entry(name: str, reason: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"Refusing to extract the archive: entry {name!r} {reason}.",
        "The package may have been built by a broken or malicious tool; inspect it before use.",
    )


def _read_link_target(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> str:
    if info.file_size > _MAX_LINK_TARGET:
        raise _unsafe_entry(info.orig_filename, "is a link with an oversized target")
    with archive.open(info) as source:
        target = source.read(_MAX_LINK_TARGET + 1).decode("utf-8", "replace")
    if target.startswith("/") or "\\" in target or _DRIVE.match(target):
        raise _unsafe_entry(
            info.orig_filename, f"is a link pointing outside the folder (to {target!r})"
        )
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if resolved == ".." or resolved.startswith("../"):
        raise _unsafe_entry(
            info.orig_filename, f"is a link pointing outside the folder (to {target!r})"
        )
    return target


def _refuse_entries_under_links(entries: Sequence[_ArchiveEntry]) -> None:
    """An entry below a link's path would be written through the link: refuse the pair."""
    links = {entry.path for entry in entries if entry.link_target is not None}
    for entry in entries:
        parts = entry.path.split("/")
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) in links:
                raise _unsafe_entry(entry.info.orig_filename, "lies under a symbolic link")


def _write_entry(archive: zipfile.ZipFile, entry: _ArchiveEntry, staging: str, budget: int) -> int:
    """Write one file or folder entry; the bytes written."""
    target = os.path.join(staging, *entry.path.split("/"))
    if entry.info.is_dir():
        os.makedirs(target, exist_ok=True)
        return 0
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with archive.open(entry.info) as source, open(target, "wb") as sink:
        written = _copy_limited(
            source, sink, min(budget, entry.info.file_size), entry.info.orig_filename
        )
    os.chmod(target, entry.mode)
    return written


def _copy_limited(source: IO[bytes], sink: IO[bytes], limit: int, name: str) -> int:
    """Stream source into sink; refuse once more than `limit` bytes come out (a lying zip bomb)."""
    written = 0
    while chunk := source.read(_CHUNK):
        written += len(chunk)
        if written > limit:
            raise _unsafe_entry(name, "inflates to more than its declared size or the size limit")
        sink.write(chunk)
    return written


def _create_link(entry: _ArchiveEntry, staging: str) -> None:
    assert entry.link_target is not None
    link = os.path.join(staging, *entry.path.split("/"))
    os.makedirs(os.path.dirname(link), exist_ok=True)
    pointed = os.path.join(os.path.dirname(link), *entry.link_target.split("/"))
    try:
        os.symlink(entry.link_target, link, target_is_directory=os.path.isdir(pointed))
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not create the symbolic link {entry.path}: {exc.strerror or exc}.",
            "On Windows, turn on Developer Mode to allow symbolic links.",
        ) from exc


def _refuse_links_resolving_outside(links: Sequence[_ArchiveEntry], staging: str) -> None:
    """Each target was checked on its own, but a link through other links can still lead out."""
    real_staging = os.path.realpath(staging)
    metadata = os.path.join(real_staging, METADATA_DIR)
    for entry in links:
        resolved = os.path.realpath(os.path.join(staging, *entry.path.split("/")))
        if not _within(resolved, real_staging):
            raise _unsafe_entry(
                entry.info.orig_filename, "is a link that resolves outside the folder"
            )
        if _within(resolved, metadata):
            raise _unsafe_entry(entry.info.orig_filename, f"is a link into {METADATA_DIR}")
