"""A function's zip into a new folder: safely, and all or nothing."""

from __future__ import annotations

import os
import posixpath
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, List, Optional, Sequence, Set, Tuple

from ..errors import LambdaEditorError
from ..folders import remove_tree
from ..layout import METADATA_DIR, is_metadata_name
from ..limits import UNZIPPED_LIMIT
from ..units import format_size
from .manifest import READ_CHUNK, Manifest, move_digests, scan
from .walk import normalised_mode, within

_UNIX_SYSTEMS = (3, 19)  # create_system values whose external_attr carries unix modes (Unix, OS X)
_MAX_LINK_TARGET = 4096
# Folders within folders an entry may sit in. Real packages stay far below (node_modules is flat
# since npm 3); a crafted archive nested thousands deep is refused before anything is written.
MAX_DEPTH = 128


class UnsafeArchiveError(LambdaEditorError):
    """An archive that would write outside its folder, or is larger than Lambda allows."""


@dataclass(frozen=True)
class _ArchiveEntry:
    info: zipfile.ZipInfo
    path: str  # safe posix relative path
    mode: int
    link_target: Optional[str] = None  # set for symbolic links


@dataclass(frozen=True)
class Extraction:
    """What `extract_package` wrote, and what a deploy from the folder would change."""

    manifest: Manifest  # the files a deploy from the folder packages
    # Files of the archive that a deploy from the folder leaves out: the ones the exclude rules
    # always leave out (`__pycache__`, `.git`, ...) and the ones in workspace folders.
    left_out: Tuple[str, ...]
    # Workspace folders (`.lambda-editor`) inside the archive: never extracted.
    skipped: Tuple[str, ...]


def extract_package(
    zip_path: str,
    dest: str,
    max_unzipped: int = UNZIPPED_LIMIT,
    mtime_ns: Optional[int] = None,
) -> Extraction:
    """Extract a function's zip into `dest`, a new folder readable by its owner only.

    Everything lands in a temporary sibling first and is renamed into place at the end, so a
    refused or failed extraction leaves nothing behind. Modes come from the archive (0o755 when an
    execute bit is set, else 0o644; 0o644 for archives without unix modes). Symbolic links whose
    target stays inside the folder are created as links; any other is refused. A `.lambda-editor`
    folder at any depth is skipped: that folder binds a workspace to a function, and one coming
    from an archive would bind a subfolder to a function of someone's choosing. Files get
    `mtime_ns` as their modification time when given (as unzip restores entry times).

    The manifest is the one `scan(dest)` computes, so the fresh folder shows no undeployed changes.
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
        extraction = _extract_into(zip_path, staging, max_unzipped, mtime_ns)
        os.chmod(staging, 0o700)
        os.rename(staging, dest)
        move_digests(staging, dest)
    except BaseException as exc:
        remove_tree(staging)
        explained = _explain_extraction_failure(exc, zip_path, dest)
        if explained is None:
            raise
        raise explained from exc
    return extraction


def _explain_extraction_failure(
    exc: BaseException, zip_path: str, dest: str
) -> Optional[LambdaEditorError]:
    # zipfile raises RuntimeError for encrypted entries, NotImplementedError for unknown methods.
    if isinstance(exc, RecursionError):
        return None  # a bug of ours (nothing here recurses on the archive): kept as it is
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


def _extract_into(
    zip_path: str, staging: str, max_unzipped: int, mtime_ns: Optional[int]
) -> Extraction:
    with zipfile.ZipFile(zip_path) as archive:
        plan = _plan_extraction(archive, max_unzipped)
        budget = max_unzipped
        for entry in plan.entries:
            if entry.link_target is None:
                budget -= _write_entry(archive, entry, staging, budget, mtime_ns)
        links = [entry for entry in plan.entries if entry.link_target is not None]
        for entry in links:
            _create_link(entry, staging)
    _refuse_links_resolving_outside(links, staging)
    files = {entry.path: entry.mode for entry in plan.entries if not entry.info.is_dir()}
    manifest = scan(staging, known_modes=files)
    left_out = (files.keys() - manifest.keys()) | set(plan.skipped_files)
    return Extraction(manifest, tuple(sorted(left_out)), tuple(sorted(plan.skipped_folders)))


@dataclass(frozen=True)
class _Plan:
    entries: List[_ArchiveEntry]  # to extract, in archive order
    skipped_folders: Set[str]  # workspace folders in the archive
    skipped_files: List[str]  # the files in them


def _plan_extraction(archive: zipfile.ZipFile, max_unzipped: int) -> _Plan:
    """Check every entry before anything is written."""
    infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if declared > max_unzipped:
        raise UnsafeArchiveError(
            f"Refusing to extract the archive: it declares {format_size(declared)} unzipped, "
            f"over the limit of {format_size(max_unzipped)}."
        )
    plan = _Plan([], set(), [])
    for info in infos:
        path = _safe_entry_path(info)
        if path is None:
            continue
        parts = path.split("/")
        metadata = next((depth for depth, part in enumerate(parts) if is_metadata_name(part)), None)
        if metadata is not None:
            plan.skipped_folders.add("/".join(parts[: metadata + 1]))
            if not info.is_dir():
                plan.skipped_files.append(path)
            continue
        unix_mode = info.external_attr >> 16 if info.create_system in _UNIX_SYSTEMS else 0
        if stat.S_ISLNK(unix_mode):
            target = _read_link_target(archive, info, path)
            plan.entries.append(_ArchiveEntry(info, path, 0, target))
        else:
            plan.entries.append(_ArchiveEntry(info, path, normalised_mode(unix_mode)))
    _refuse_entries_under_links(plan.entries)
    return plan


_DRIVE = re.compile(r"^[A-Za-z]:")


def _safe_entry_path(info: zipfile.ZipInfo) -> Optional[str]:
    """The entry's relative posix path; None for an entry naming the top folder itself."""
    name = info.orig_filename
    reason = _unsafe_name_reason(name)
    if reason:
        raise _unsafe_entry(name, reason)
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if len(parts) > MAX_DEPTH:
        raise _unsafe_entry(
            _shortened(name), f"nests {len(parts)} folders deep (at most {MAX_DEPTH})"
        )
    return "/".join(parts) or None


def _shortened(name: str) -> str:
    return name if len(name) <= 80 else f"{name[:40]}…{name[-20:]}"


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


def _write_entry(
    archive: zipfile.ZipFile,
    entry: _ArchiveEntry,
    staging: str,
    budget: int,
    mtime_ns: Optional[int],
) -> int:
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
    if mtime_ns is not None:
        os.utime(target, ns=(mtime_ns, mtime_ns))
    return written


def _copy_limited(source: IO[bytes], sink: IO[bytes], limit: int, name: str) -> int:
    """Stream source into sink; refuse once more than `limit` bytes come out (a lying zip bomb)."""
    written = 0
    while chunk := source.read(READ_CHUNK):
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
    for entry in links:
        resolved = os.path.realpath(os.path.join(staging, *entry.path.split("/")))
        if not within(resolved, real_staging):
            raise _unsafe_entry(
                entry.info.orig_filename, "is a link that resolves outside the folder"
            )
        rel_parts = os.path.relpath(resolved, real_staging).split(os.sep)
        if any(is_metadata_name(part) for part in rel_parts):
            raise _unsafe_entry(entry.info.orig_filename, f"is a link into {METADATA_DIR}")
