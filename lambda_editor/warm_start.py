"""What lets the first check and build of a workspace be warm in any process.

A workspace keeps on disk the digests of its files (`packaging.hash_index`) and the zips deployed
from it (`history`). A download leaves both (`prepare_pull`, then `finish_pull` once the new copy
is in place); each confirmed deploy adds to them (`record_deploy`). A process meeting the
workspace for the first time, such as the command line's `push`, loads the digests before its
first check (`load_hashes`) and offers the newest zip compressed here to the builder before its
first build (`offer_reusable_entries`): a one-file edit compresses one file.

Reused entries are proven ours, so the zip stays the bytes a cold build gives (CodeSha256
unchanged): a zip this workspace uploaded was built here; a downloaded zip is ours when its
CodeSha256 is one this workspace uploaded, and otherwise the download builds the tree once, in
parallel, and keeps that zip beside it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Sequence, Set, Tuple

from . import history
from .errors import LambdaEditorError
from .log import logger
from .packaging.builder import (
    BuiltPackage,
    PackageBuilder,
    has_reusable_entries,
    reusable_entries,
    reuse_package,
)
from .packaging.hash_index import load_index, save_index
from .packaging.manifest import Manifest, move_digests
from .packaging.zipwriter import ForeignArchiveError
from .workspace import Workspace

_loaded: Set[str] = set()  # workspaces whose digests this process has loaded
_loaded_lock = threading.Lock()


def load_hashes(root: str) -> None:
    """Load the workspace's recorded digests, once per process."""
    root = os.path.abspath(root)
    with _loaded_lock:
        if root in _loaded:
            return
        _loaded.add(root)
    load_index(root)


def keep_hashes(workspace: Workspace) -> None:
    """Record the digests learnt by a check (files touched but unchanged, edits now older)."""
    try:
        save_index(workspace.root, workspace.manifest)
    except OSError as exc:  # a cache: the next check reads the files again
        logger.warning("the digests of %s were not saved: %s", workspace.root, exc)


def offer_reusable_entries(workspace: Workspace) -> None:
    """Before a build in a process that has none to copy from: the newest zip compressed here."""
    if has_reusable_entries(workspace.root):
        return
    for entry in history.newest_first(workspace.root):
        archive = history.read_built_here(entry)
        if archive is None:
            continue
        try:
            reuse_package(workspace.root, archive, entry.manifest)
            return
        except ForeignArchiveError as exc:
            logger.debug("history entry %s is not reused: %s", entry.entry_id, exc)


class StoredZip:
    """A zip being written into the history while its upload runs, on a thread of its own."""

    def __init__(self, workspace: Workspace, package: BuiltPackage) -> None:
        self._path: Optional[str] = None
        self._error: Optional[OSError] = None
        self._thread = threading.Thread(
            target=self._store, args=(workspace.root, package.data), name="lambda-history"
        )
        self._thread.start()

    def _store(self, root: str, data: bytes) -> None:
        try:
            self._path = history.store_zip(root, data)
        except OSError as exc:
            self._error = exc

    def path(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._path is not None
        return self._path


def store_while_uploading(workspace: Workspace, package: BuiltPackage) -> StoredZip:
    """Start writing the package into the history: a confirmed deploy then only describes it."""
    return StoredZip(workspace, package)


def record_deploy(
    workspace: Workspace,
    package: BuiltPackage,
    configuration: Mapping[str, Any],
    limits: history.HistoryLimits,
    stored: Optional[StoredZip] = None,
) -> None:
    """After a confirmed deploy: its zip joins the history, its digests the index.

    The deploy is done whatever happens here: a failure is logged, never raised.
    """
    try:
        history.add(
            workspace.root,
            history.DEPLOYED,
            configuration,
            package.manifest,
            stored.path() if stored is not None else package.data,
            built_here=True,
        )
        _keep_history_within(workspace.root, limits)
        save_index(workspace.root, package.manifest)
    except OSError as exc:
        logger.warning("the deploy from %s was not added to its history: %s", workspace.root, exc)


@dataclass(frozen=True)
class PulledPackage:
    """A download's zip entries this compressor wrote, for the first build of the new copy."""

    archive: bytes
    manifest: Manifest


def prepare_pull(
    incoming: str,
    archive_path: str,
    configuration: Mapping[str, Any],
    manifest: Manifest,
    *,
    exclude: Sequence[str],
    previous_root: Optional[str],
) -> PulledPackage:
    """Start the history of a freshly extracted copy with the zip it came from (moved in), and
    record its files' digests.

    The copy is built once, unless the previous copy's history holds this code as compressed
    here: the zip it uploaded, or the build of a download of the same code. A download of the
    code the history's newest entry holds adds no entry.
    """
    with _kept_in(incoming):
        save_index(incoming, manifest)
        code_sha256 = str(configuration["CodeSha256"])
        known = _known_build(previous_root, code_sha256, manifest)
        if known is not None:
            entry, archive = known
            if entry.entry_id != _newest_id(previous_root):  # else the history says it already
                ours = entry.zip_built_here
                history.add(
                    incoming,
                    history.PULLED,
                    configuration,
                    manifest,
                    archive_path,
                    built_here=ours,
                    rebuilt=None if ours else archive,
                )
            return PulledPackage(archive, manifest)
        modes = {path: entry.mode for path, entry in manifest.items()}
        built = PackageBuilder(incoming).build(exclude, modes)
        ours = built.sha256_b64 == code_sha256
        history.add(
            incoming,
            history.PULLED,
            configuration,
            built.manifest,
            archive_path,
            built_here=ours,
            rebuilt=None if ours else built.data,
        )
        return PulledPackage(built.data, built.manifest)


def finish_pull(
    incoming: str, root: str, pulled: PulledPackage, limits: history.HistoryLimits
) -> None:
    """Once the new copy moved from `incoming` to `root`: its digests and compressed entries
    serve this process, and its history (the previous copy's and the download) is kept within
    the limits."""
    root = os.path.abspath(root)
    with _loaded_lock:
        _loaded.add(root)
    move_digests(incoming, root)
    reuse_package(root, pulled.archive, pulled.manifest)
    try:
        _keep_history_within(root, limits)
    except OSError as exc:  # the pull is done: the next deploy prunes again
        logger.warning("the history of %s was not pruned: %s", root, exc)


@contextlib.contextmanager
def _kept_in(incoming: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not keep the downloaded code in {history.history_folder(incoming)}: "
            f"{exc.strerror or exc}."
        ) from exc


def _keep_history_within(root: str, limits: history.HistoryLimits) -> None:
    for dropped in history.prune(root, limits):
        logger.debug("history entry %s of %s dropped", dropped, root)


def _newest_id(root: Optional[str]) -> Optional[str]:
    newest = history.newest(root) if root else None
    return newest.entry_id if newest else None


def _known_build(
    root: Optional[str], code_sha256: str, manifest: Manifest
) -> Optional[Tuple[history.HistoryEntry, bytes]]:
    """An entry of the workspace at `root` for this code, and its zip compressed here, when
    that zip holds exactly `manifest`'s files (the exclude setting may have changed since)."""
    if root is None:
        return None
    for entry in history.newest_first(root):
        archive = history.read_built_here(entry) if entry.code_sha256 == code_sha256 else None
        if archive is not None and _holds_exactly(archive, manifest):
            return entry, archive
    return None


def _holds_exactly(archive: bytes, manifest: Manifest) -> bool:
    try:
        reusable_entries(archive, manifest)
    except ForeignArchiveError:
        return False
    return True
