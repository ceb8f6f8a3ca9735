"""The zip of a folder, rebuilt incrementally: unchanged files' compressed bytes are reused."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..errors import LambdaEditorError
from ..layout import VENDOR_DIR
from ..limits import UNZIPPED_LIMIT
from ..units import format_size
from .manifest import (
    READ_CHUNK,
    Digest,
    FileEntry,
    Manifest,
    cached_digest,
    read_digest,
    read_error,
    remember_digest,
)
from .walk import LocalFile, list_files, mode_of
from .zip_digest import ZipDigest
from .zipwriter import (
    Deflated,
    ForeignArchiveError,
    ZipLayout,
    deflate,
    read_archive,
    zip_archive,
)


@dataclass(frozen=True)
class BuiltPackage:
    data: bytes  # the zip
    manifest: Manifest
    unzipped_size: int
    digest: ZipDigest = field(repr=False, compare=False)

    @property
    def sha256_b64(self) -> str:
        """Comparable with Lambda's `CodeSha256` (computed once, when first asked)."""
        return self.digest.sha256_b64()

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

# The compressed bytes of a content (by sha256) this builder may copy, if it knows them.
Reusable = Callable[[str], Optional[Deflated]]
_EntryKey = Tuple[str, int, str, int, int]  # path, mode, sha256, CRC-32 and size of its content


@dataclass(frozen=True)
class _PackedFile:
    sha256: str
    deflated: Deflated


@dataclass(frozen=True)
class _LastZip:
    """The zip built last: where its entries lie, to copy its first ones whole while the files
    are unchanged, and what each holds, to copy any of them by content."""

    layout: ZipLayout
    keys: List[_EntryKey]  # in the zip's order
    by_sha256: Dict[str, int]  # the index of an entry holding each content
    digest: ZipDigest

    def deflated(self, sha256: str) -> Optional[Deflated]:
        index = self.by_sha256.get(sha256)
        if index is None:
            return None
        _, _, _, crc32, size = self.keys[index]
        return Deflated(crc32, self.layout.data_of(index), size)


class PackageBuilder:
    """Builds one folder's deterministic zip: entries sorted, fixed timestamps, unix modes kept.

    The builder keeps its last zip and copies each unchanged file's compressed bytes from it,
    keyed by content hash: a file whose stat is unchanged (see `manifest.cached_digest`) is not
    read at all, and a changed one is read once, hashed, then compressed only if that content
    is new. The files that begin the zip as they began the last one are copied with it in one
    piece. Zips built here earlier (`reuse`) serve the same way. A copied entry must also agree
    with the file's CRC-32 and size, so bytes filed under the wrong hash are never used. Files to
    read are spread over worker threads (zlib and hashlib release the GIL). Whatever was reused,
    compressed or in which order, the zip is the same bytes for the same tree: the bytes zipfile
    writes for these entries.
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
        self._last: Optional[_LastZip] = None
        self._offered: Dict[str, Deflated] = {}  # by sha256: views into zips offered (`reuse`)
        self.kept_bytes = 0  # size of the zips kept for the next build

    def build(
        self, exclude: Sequence[str] = (), known_modes: Optional[Mapping[str, int]] = None
    ) -> BuiltPackage:
        with self._lock:  # a snapshot: another build may replace them meanwhile
            last, offered = self._last, self._offered
        try:
            files = in_package_order(list_files(self.root, exclude))
            _check_unzipped_size(files)
            modes = [mode_of(local, known_modes) for local in files]
            copied = 0 if last is None else _unchanged_lead(files, modes, last)
            packed = self._pack(files[copied:], _lookup(last, offered))
        except OSError as exc:
            raise read_error(self.root, exc) from exc
        written = list(zip(files[copied:], modes[copied:], packed))
        layout = zip_archive(
            [(local.rel_path, mode, item.deflated) for local, mode, item in written],
            last.layout if last is not None else None,
            copied,
        )
        keys = [] if last is None else last.keys[:copied]
        keys += [
            (local.rel_path, mode, item.sha256, item.deflated.crc32, item.deflated.size)
            for local, mode, item in written
        ]
        return BuiltPackage(
            layout.data,
            {path: FileEntry(sha256, mode) for path, mode, sha256, _, _ in keys},
            sum(key[4] for key in keys),
            self._keep(layout, keys, last, copied),
        )

    def reuse(self, archive: bytes, manifest: Manifest) -> None:
        """Offer the entries of `archive`, a zip this compressor wrote for `manifest`'s files.

        Raises ForeignArchiveError otherwise (see `reusable_entries`).
        """
        offered = reusable_entries(archive, manifest)
        with self._lock:
            self._offered = {**offered, **self._offered}
            self.kept_bytes += len(archive)

    def _pack(self, files: Sequence[LocalFile], known: Reusable) -> List[_PackedFile]:
        """Each file's hash and compressed bytes, in the order of `files`."""
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
        self, files: Sequence[LocalFile], known: Reusable
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

    def _keep(
        self, layout: ZipLayout, keys: List[_EntryKey], last: Optional[_LastZip], copied: int
    ) -> ZipDigest:
        """Keep the zip just built, and only it: deleted or changed files' bytes are dropped.

        Its entries are copied from it, so the bytes kept between builds are one zip. Its digest
        resumes from the last one's past the bytes copied from it, once that is computed.
        """
        copied_bytes = layout.ends[copied - 1] if copied else 0
        digest = ZipDigest(layout.data, last.digest if last else None, copied_bytes)
        kept = _LastZip(layout, keys, {key[2]: index for index, key in enumerate(keys)}, digest)
        with self._lock:
            self._last, self._offered = kept, {}
            self.kept_bytes = len(layout.data)
        return digest


def _unchanged_lead(files: Sequence[LocalFile], modes: Sequence[int], last: _LastZip) -> int:
    """How many of the files begin the last zip as its first entries: same path and mode, and
    the same content as their stat vouches for it (hash, CRC-32 and size)."""
    count = 0
    for local, mode, key in zip(files, modes, last.keys):
        digest = cached_digest(local.abs_path, local.stat)
        if digest is None or key != (
            local.rel_path,
            mode,
            digest.sha256,
            digest.crc32,
            local.stat.st_size,
        ):
            break
        count += 1
    return count


def _lookup(last: Optional[_LastZip], offered: Mapping[str, Deflated]) -> Reusable:
    if last is None:
        return offered.get
    return lambda sha256: last.deflated(sha256) or offered.get(sha256)


def in_package_order(files: Sequence[LocalFile]) -> List[LocalFile]:
    """The zip's order: `vendor/` first, then the other files, each by path (as listed).

    The same tree always gives the same zip; the files a save changes most (the function's own)
    come after the dependencies, so the zip's CodeSha256 is resumed past those (`zip_digest`).
    """
    dependencies = [local for local in files if local.rel_path.startswith(_DEPENDENCIES)]
    return dependencies + [local for local in files if not local.rel_path.startswith(_DEPENDENCIES)]


_DEPENDENCIES = f"{VENDOR_DIR}/"


def reusable_entries(archive: bytes, manifest: Manifest) -> Dict[str, Deflated]:
    """The compressed contents of a zip this compressor wrote for `manifest`'s files, by hash.

    Raises ForeignArchiveError when the zip is not laid out as ours or does not hold exactly the
    manifest's files. Its compressed bytes must already be known intact (by its SHA-256).
    """
    entries = read_archive(archive)
    listed = {path: entry.mode for path, entry in manifest.items()}
    if {path: mode for path, mode, _ in entries} != listed:
        raise ForeignArchiveError("it does not hold the files its manifest lists")
    return {manifest[path].sha256: deflated for path, _, deflated in entries}


def _reusable(known: Reusable, digest: Digest, size: int) -> Optional[Deflated]:
    """Compressed bytes known for this content, when their CRC-32 and size agree with it."""
    deflated = known(digest.sha256)
    if deflated is None or deflated.crc32 != digest.crc32 or deflated.size != size:
        return None
    return deflated


def _reuse_unread(local: LocalFile, known: Reusable) -> Optional[_PackedFile]:
    """The file's entry from a kept zip when its stat vouches for its content."""
    digest = cached_digest(local.abs_path, local.stat)
    if digest is None:
        return None
    deflated = _reusable(known, digest, local.stat.st_size)
    return None if deflated is None else _PackedFile(digest.sha256, deflated)


def _read_and_pack(local: LocalFile, known: Reusable, held_limit: int) -> _PackedFile:
    """Read the file once; the hash and the compressed bytes both describe what was read."""
    with open(local.abs_path, "rb") as source:
        if local.stat.st_size > held_limit:
            packed = _pack_streamed(source)
        else:
            packed = _pack_held(source, known)
        unchanged_while_read = os.fstat(source.fileno()).st_mtime_ns == local.stat.st_mtime_ns
    deflated = packed.deflated
    if unchanged_while_read and deflated.size == local.stat.st_size:
        remember_digest(local.abs_path, local.stat, Digest(packed.sha256, deflated.crc32))
    return packed


def _pack_held(source: IO[bytes], known: Reusable) -> _PackedFile:
    chunks: List[bytes] = []
    digest = read_digest(source, chunks)
    size = sum(map(len, chunks))
    return _PackedFile(digest.sha256, _reusable(known, digest, size) or deflate(chunks))


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
        built = self._builder_for(root).build(exclude, known_modes)
        self._forget_old()
        return built

    def reuse(self, root: str, archive: bytes, manifest: Manifest) -> None:
        """See `PackageBuilder.reuse`."""
        self._builder_for(root).reuse(archive, manifest)
        self._forget_old()

    def has_reusable_entries(self, root: str) -> bool:
        with self._lock:
            builder = self._builders.get(os.path.abspath(root))
        return builder is not None and builder.kept_bytes > 0

    def _builder_for(self, root: str) -> PackageBuilder:
        with self._lock:
            builder = self._builders.pop(os.path.abspath(root), None) or PackageBuilder(root)
            self._builders[builder.root] = builder  # now the most recent
        return builder

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


def reuse_package(root: str, archive: bytes, manifest: Manifest) -> None:
    """Let the next build of `root` copy entries from `archive`, a zip built here for `manifest`
    (see `PackageBuilder.reuse`)."""
    _recent.reuse(root, archive, manifest)


def has_reusable_entries(root: str) -> bool:
    """Whether this process keeps compressed entries for the folder's next build."""
    return _recent.has_reusable_entries(root)
