"""The zip of a folder, rebuilt incrementally: unchanged files' compressed bytes are reused."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..errors import LambdaEditorError
from ..limits import UNZIPPED_LIMIT
from ..units import format_size
from .manifest import READ_CHUNK, FileEntry, Manifest, cached_sha256, read_error, remember_hash
from .walk import LocalFile, list_files, mode_of
from .zipwriter import Deflated, deflate, zip_archive


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


_WORKERS = min(8, os.cpu_count() or 1)
# Files up to this size are read whole, hashed, and compressed only when the hash is new; bigger
# ones are compressed as they are read, so a worker never holds more than this of a file.
_HELD_LIMIT = 8 * 1024 * 1024
# Work handed to a worker at once: enough small files to outweigh the hand-over.
_BATCH_BYTES = 1024 * 1024
_FILE_WEIGHT = 4096  # opening a file costs about as much as compressing a few KB


@dataclass(frozen=True)
class _PackedFile:
    sha256: str
    deflated: Deflated


class PackageBuilder:
    """Builds one folder's deterministic zip: entries sorted, fixed timestamps, unix modes kept.

    The builder keeps each file's compressed bytes from its last build, keyed by content hash:
    an unchanged file (known by its stat, see `scan`) is copied into the next zip without being
    read, and a changed one is read once, hashed, then compressed only if that content is new.
    Files to read are spread over worker threads (zlib and hashlib release the GIL). Whatever
    was reused, compressed or in which order, the zip is the same bytes for the same tree:
    the bytes zipfile writes for these entries.
    """

    def __init__(
        self,
        root: str,
        workers: int = _WORKERS,
        *,
        held_limit: int = _HELD_LIMIT,
        batch_bytes: int = _BATCH_BYTES,
    ) -> None:
        self.root = os.path.abspath(root)
        self._workers = workers
        self._held_limit = held_limit
        self._batch_bytes = batch_bytes
        self._lock = threading.Lock()
        self._deflated: Dict[str, Deflated] = {}  # by sha256: what the last build used
        self.kept_bytes = 0  # compressed bytes held for the next build

    def build(
        self, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
    ) -> BuiltPackage:
        try:
            files = list_files(self.root, exclude)
            _check_unzipped_size(files)
            packed = self._pack(files)
        except OSError as exc:
            raise read_error(self.root, exc) from exc
        self._keep(packed)
        entries = [
            (local.rel_path, mode_of(local, known_modes), item)
            for local, item in zip(files, packed)
        ]
        return BuiltPackage(
            zip_archive([(path, mode, item.deflated) for path, mode, item in entries]),
            {path: FileEntry(item.sha256, mode) for path, mode, item in entries},
            sum(item.deflated.size for item in packed),
        )

    def _pack(self, files: Sequence[LocalFile]) -> List[_PackedFile]:
        """Each file's hash and compressed bytes, in the order of `files`."""
        with self._lock:
            known = dict(self._deflated)  # a snapshot: another build may replace it meanwhile
        packed: Dict[str, _PackedFile] = {}
        to_read: List[LocalFile] = []
        for local in files:
            reused = _reuse_unread(local, known)
            if reused is None:
                to_read.append(local)
            else:
                packed[local.rel_path] = reused
        packed.update(self._read_all(to_read, known))
        return [packed[local.rel_path] for local in files]

    def _read_all(
        self, files: Sequence[LocalFile], known: Mapping[str, Deflated]
    ) -> List[Tuple[str, _PackedFile]]:
        def read_batch(batch: Sequence[LocalFile]) -> List[Tuple[str, _PackedFile]]:
            return [
                (local.rel_path, _read_and_pack(local, known, self._held_limit)) for local in batch
            ]

        batches = _batches(files, self._batch_bytes)
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


def _reuse_unread(local: LocalFile, known: Mapping[str, Deflated]) -> Optional[_PackedFile]:
    """The file's entry from the last build when its stat vouches for its content."""
    sha256 = cached_sha256(local.abs_path, local.stat)
    if sha256 is None or sha256 not in known:
        return None
    return _PackedFile(sha256, known[sha256])


def _read_and_pack(local: LocalFile, known: Mapping[str, Deflated], held_limit: int) -> _PackedFile:
    """Read the file once; the hash and the compressed bytes both describe what was read."""
    with open(local.abs_path, "rb") as source:
        if local.stat.st_size > held_limit:
            packed = _pack_streamed(source)
        else:
            packed = _pack_held(source, known)
        unchanged_while_read = os.fstat(source.fileno()).st_mtime_ns == local.stat.st_mtime_ns
    if unchanged_while_read and packed.deflated.size == local.stat.st_size:
        remember_hash(local.abs_path, local.stat, packed.sha256)
    return packed


def _pack_held(source: IO[bytes], known: Mapping[str, Deflated]) -> _PackedFile:
    chunks: List[bytes] = []
    digest = hashlib.sha256()
    while chunk := source.read(READ_CHUNK):
        digest.update(chunk)
        chunks.append(chunk)
    sha256 = digest.hexdigest()
    return _PackedFile(sha256, known.get(sha256) or deflate(chunks))


def _pack_streamed(source: IO[bytes]) -> _PackedFile:
    digest = hashlib.sha256()

    def hashed_chunks() -> Iterator[bytes]:
        while chunk := source.read(READ_CHUNK):
            digest.update(chunk)
            yield chunk

    deflated = deflate(hashed_chunks())
    return _PackedFile(digest.hexdigest(), deflated)


def _batches(files: Sequence[LocalFile], batch_bytes: int) -> List[List[LocalFile]]:
    """Files grouped into batches of about `batch_bytes`, biggest first so workers end together."""
    batches: List[List[LocalFile]] = []
    weight = batch_bytes
    for local in sorted(files, key=lambda local: local.stat.st_size, reverse=True):
        if weight >= batch_bytes:
            batches.append([])
            weight = 0
        batches[-1].append(local)
        weight += local.stat.st_size + _FILE_WEIGHT
    return batches


# --- one builder per folder -------------------------------------------------------------------


class RecentBuilders:
    """The builders of recently built folders, so a save reuses its folder's compressed bytes.

    At most `folders` folders are kept, the least recently built dropped first, and no more than
    `kept_bytes` of compressed bytes between them, except for the latest folder's, which are kept
    whatever their size (no more than the zip it just built).
    """

    def __init__(self, folders: int = 8, kept_bytes: int = 256 * 1024 * 1024) -> None:
        self._folders = folders
        self._kept_bytes = kept_bytes
        self._builders: Dict[str, PackageBuilder] = {}  # least recently used first
        self._lock = threading.Lock()

    def build(
        self,
        root: str,
        exclude: Sequence[str] = (),
        known_modes: Optional[Mapping[str, int]] = None,
    ) -> BuiltPackage:
        with self._lock:
            builder = self._builders.pop(os.path.abspath(root), None) or PackageBuilder(root)
            self._builders[builder.root] = builder  # now the most recent
        built = builder.build(exclude, known_modes)
        self._forget_old()
        return built

    def _forget_old(self) -> None:
        with self._lock:
            while len(self._builders) > 1 and (
                len(self._builders) > self._folders
                or sum(builder.kept_bytes for builder in self._builders.values()) > self._kept_bytes
            ):
                del self._builders[next(iter(self._builders))]


_recent = RecentBuilders()


def build_package(
    root: str, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
) -> BuiltPackage:
    """The zip Lambda would run for the folder. Same tree, same bytes, however it was built."""
    return _recent.build(root, exclude, known_modes)


def _check_unzipped_size(files: Sequence[LocalFile]) -> None:
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
