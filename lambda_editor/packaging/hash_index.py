"""A workspace's digests kept on disk: a new process, or the first check after a download, reads
no file whose stat is unchanged.

`.lambda-editor/hashes.index` maps each file to the stat its digest was read with (size, mtime,
ctime, inode) and that digest (SHA-256, CRC-32). It holds only what the in-memory cache holds (see
`manifest.remember_digest`): digests read when the file was already older than the racy window,
so a file rewritten within the filesystem's timestamp resolution of the read is read again. A
missing, damaged (the file starts with its content's SHA-256) or unknown index is ignored: every
file is then read.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Tuple

from ..atomic_files import write_atomically
from ..folders import make_private_dir
from ..layout import HASH_INDEX_FILE, METADATA_DIR
from ..log import logger
from .manifest import (
    RACY_WINDOW_NS,
    Digest,
    StatKey,
    digest_generation,
    recorded_digests,
    remember_recorded,
)

_VERSION = 1
_Recorded = Dict[str, Tuple[StatKey, Digest]]  # relative path -> stat and digest
# Per workspace, as this process last read or wrote its index: the digest cache's generation
# then, and the SHA-256 of the file's bytes.
_on_disk: Dict[str, Tuple[int, bytes]] = {}
_on_disk_lock = threading.Lock()


def index_path(root: str) -> str:
    return os.path.join(root, METADATA_DIR, HASH_INDEX_FILE)


def load_index(root: str) -> None:
    """Let the digest cache answer for the workspace's files as recorded on disk."""
    root = os.path.abspath(root)
    raw = _read_bytes(index_path(root))
    recorded = _decode(raw, index_path(root))
    absolute = _absolute_paths(root)
    remember_recorded({absolute(rel_path): item for rel_path, item in recorded.items()})
    with _on_disk_lock:
        _on_disk[root] = (digest_generation(), hashlib.sha256(raw).digest())


def save_index(root: str, rel_paths: Iterable[str]) -> None:
    """Record what the digest cache knows of these files of the workspace (usually the files
    of its manifest), unless the index already says exactly that."""
    root = os.path.abspath(root)
    generation = digest_generation()
    with _on_disk_lock:
        saved = _on_disk.get(root)
    if saved is not None and saved[0] == generation:
        return  # the cache learnt nothing since the index was read or written
    absolute = _absolute_paths(root)
    by_path = {absolute(rel_path): rel_path for rel_path in rel_paths}
    recorded = {by_path[path]: item for path, item in recorded_digests(by_path).items()}
    encoded = _encode(recorded)
    fingerprint = hashlib.sha256(encoded).digest()
    if saved is None or saved[1] != fingerprint:
        make_private_dir(os.path.dirname(index_path(root)))
        write_atomically(index_path(root), encoded, durable=False)
    with _on_disk_lock:
        _on_disk[root] = (generation, fingerprint)


def settled_mtime_ns(last_modified: str) -> int:
    """A modification time for files extracted now: the function's `LastModified` (when its
    code last changed), and never within the racy window, so their digests are kept at once.

    Any later write sets a current mtime, which differs from this one.
    """
    latest = time.time_ns() - 2 * RACY_WINDOW_NS
    try:
        changed = datetime.strptime(last_modified, "%Y-%m-%dT%H:%M:%S.%f%z")
    except (TypeError, ValueError):
        return latest
    return min(int(changed.timestamp()) * 1_000_000_000, latest)


def _absolute_paths(root: str) -> Callable[[str], str]:
    """Relative paths to the absolute paths the walk gives, with thousands to convert."""
    prefix = os.path.join(root, "")
    if os.sep == "/":
        return lambda rel_path: prefix + rel_path
    return lambda rel_path: prefix + rel_path.replace("/", os.sep)


def _encode(recorded: _Recorded) -> bytes:
    """The file's bytes: the SHA-256 of the document, a line feed, the document."""
    files = {
        rel_path: [*key, digest.sha256, digest.crc32]
        for rel_path, (key, digest) in sorted(recorded.items())
    }
    document = json.dumps({"version": _VERSION, "files": files}, separators=(",", ":")).encode()
    return hashlib.sha256(document).hexdigest().encode() + b"\n" + document


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as source:
            return source.read()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        logger.debug("the hash index %s is unreadable: %r", path, exc)
        return b""


def _decode(raw: bytes, path: str) -> _Recorded:
    """What the file records; nothing when it is missing, damaged (its SHA-256 says so) or of
    another version."""
    if not raw:
        return {}
    checksum, _, document = raw.partition(b"\n")
    try:
        if hashlib.sha256(document).hexdigest().encode() != checksum:
            raise ValueError("its content does not match its SHA-256")
        parsed = json.loads(document)
        if parsed.get("version") != _VERSION:
            return {}
        return _decoded(parsed["files"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.debug("the hash index %s is ignored: %r", path, exc)
        return {}


def _decoded(files: Dict[str, List[Any]]) -> _Recorded:
    """`{path: [size, mtime, ctime, inode, sha256, crc32]}` as recorded digests, every value
    checked; column by column, for a workspace has thousands of files."""
    if not files:
        return {}
    if set(map(len, files.values())) != {6}:
        raise ValueError("an entry does not have six values")
    sizes, mtimes, ctimes, inodes, hashes, crcs = zip(*files.values())
    if set(map(type, sizes + mtimes + ctimes + inodes + crcs)) != {int} or set(
        map(type, hashes)
    ) != {str}:
        raise TypeError("an entry has a value of the wrong type")
    digests = map(Digest._make, zip(hashes, crcs))
    return dict(zip(files, zip(zip(sizes, mtimes, ctimes, inodes), digests)))
