"""Changing a function's `vendor/` folder as one transaction: all of a change, or nothing.

A change is prepared in a staging folder inside the workspace's `.lambda-editor/` (never packaged,
and on the same filesystem as `vendor/`, so moves are renames):

1. a new `vendor/` is built in the staging folder as a copy of the current one made of hard links
   (cheap, and the live files are never written: every change unlinks or renames), falling back to
   real copies where hard links are not supported;
2. the change is applied to that copy: merging a folder pip installed into removes an upgraded
   distribution's old files (from its RECORD) and `.dist-info`, then each staged top-level entry
   replaces its counterpart; a folder that another installed distribution also owns (a namespace
   package such as `google/`) is merged file by file instead;
3. two renames swap it in: `vendor/` → `.lambda-editor/staging-*/vendor-old`, new → `vendor/`.

A failure or cancellation before step 3 leaves `vendor/` untouched. POSIX cannot exchange two
folders in one atomic call, so between the two renames `vendor/` is briefly absent; if the process
dies exactly there, the next change finds `vendor-old` and puts it back.

One change runs at a time per workspace, across processes: each holds the lock file
`.lambda-editor/deps.lock`. Leftover staging folders are cleaned up only by the holder of the lock,
so one process never deletes another's install in progress.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Callable, Iterable, Iterator, List, Set

from ..errors import LambdaEditorError
from ..layout import METADATA_DIR, VENDOR_DIR
from ..locking import held_or_refused, workspace_lock
from .dists import Dist, InstalledDist, canonical_name, installed, read_dists

LOCK_FILE = "deps.lock"
_STAGING_PREFIX = "staging-"
_BUSY = (
    "Another dependency install or removal is running for this function.",
    "Wait for it to finish, then try again.",
)


class VendorChange:
    """One change of a workspace's vendor/, under way (see `vendor_change`)."""

    def __init__(self, root: str, staging: str) -> None:
        self.root = root
        self.staging = staging  # a private folder, removed when the change ends

    def merge(self, site: str) -> List[str]:
        """Merge a folder pip installed into (`--target`) into vendor/: its entries are moved,
        bytecode compiled for this machine dropped. Returns "name==version" of what it held."""
        _drop_bytecode(site)
        merged = sorted(dist.pinned for dist in read_dists(site).values())
        self._swap_in(lambda vendor: _merge(site, vendor))
        return merged

    def remove(self, dist_name: str) -> InstalledDist:
        """Remove a distribution: the files its RECORD lists, its .dist-info, and the folders
        that leaves empty. The packages it depends on stay: others may need them."""
        vendor = os.path.join(self.root, VENDOR_DIR)
        dists = read_dists(vendor)
        dist = dists.get(canonical_name(dist_name))
        if dist is None:
            held = ", ".join(sorted(d.name for d in dists.values()))
            raise LambdaEditorError(
                f"{dist_name} is not installed in {VENDOR_DIR}/.",
                f"It holds: {held}." if held else f"{VENDOR_DIR}/ holds no packages.",
            )
        if not dist.files:
            raise LambdaEditorError(
                f"Cannot tell which files belong to {dist.name}: its RECORD is missing or empty.",
                f"Delete its files from {VENDOR_DIR}/ by hand.",
            )
        removed = installed(vendor, dist)
        self._swap_in(lambda new_vendor: _remove_dist(new_vendor, dist))
        return removed

    def _swap_in(self, change: Callable[[str], None]) -> None:
        """Apply `change` to a hard-linked copy of vendor/, then swap the copy in."""
        vendor = os.path.join(self.root, VENDOR_DIR)
        new_vendor = os.path.join(self.staging, "vendor-new")
        old_vendor = os.path.join(self.staging, "vendor-old")
        try:
            if os.path.isdir(vendor):
                shutil.copytree(vendor, new_vendor, symlinks=True, copy_function=_link_or_copy)
            else:
                os.mkdir(new_vendor)
            change(new_vendor)
            had_vendor = os.path.lexists(vendor)
            if had_vendor:
                os.replace(vendor, old_vendor)
            try:
                os.replace(new_vendor, vendor)
            except OSError:
                if had_vendor:
                    os.replace(old_vendor, vendor)
                raise
        except (OSError, shutil.Error) as exc:
            raise LambdaEditorError(
                f"Could not update {vendor}: {exc}.",
                f"{VENDOR_DIR}/ is unchanged; check that no program holds files in it open.",
            ) from exc


@contextlib.contextmanager
def vendor_change(root: str) -> Iterator[VendorChange]:
    """Hold the workspace's vendor/ for one change, across processes.

    Leftovers of an interrupted earlier change are cleaned up first (vendor/ put back if the
    process died between the two renames of a swap).
    """
    metadata = os.path.join(root, METADATA_DIR)
    # A deploy or a re-download of the workspace waits for the change to vendor/ to end.
    one_change = held_or_refused(os.path.join(metadata, LOCK_FILE), *_BUSY)
    with one_change, workspace_lock(root):
        _recover_interrupted_swap(root, metadata)
        staging = _make_staging(metadata)
        try:
            yield VendorChange(root, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def remove_dependency(root: str, dist_name: str) -> InstalledDist:
    """Remove a distribution from root/vendor (see `VendorChange.remove`); what was removed."""
    with vendor_change(root) as change:
        return change.remove(dist_name)


def _make_staging(metadata: str) -> str:
    try:
        return tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=metadata)
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not create a staging folder in {metadata}: {exc.strerror or exc}."
        ) from exc


def _recover_interrupted_swap(root: str, metadata: str) -> None:
    vendor = os.path.join(root, VENDOR_DIR)
    if not os.path.isdir(metadata):
        return
    for entry in sorted(os.listdir(metadata)):
        if not entry.startswith(_STAGING_PREFIX):
            continue
        old_vendor = os.path.join(metadata, entry, "vendor-old")
        if not os.path.lexists(vendor) and os.path.isdir(old_vendor):
            os.replace(old_vendor, vendor)
        shutil.rmtree(os.path.join(metadata, entry), ignore_errors=True)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # no hard links on this filesystem
        shutil.copy2(source, target)


def _merge(staged: str, vendor: str) -> None:
    staged_dists = read_dists(staged)
    existing = read_dists(vendor)
    for name in staged_dists.keys() & existing.keys():
        _remove_dist(vendor, existing[name])
    shared: Set[str] = set()
    for name, dist in existing.items():
        if name not in staged_dists:
            shared |= dist.top_level()
    for entry in sorted(os.listdir(staged)):
        _move(os.path.join(staged, entry), os.path.join(vendor, entry), merge=entry in shared)


def _move(source: str, target: str, merge: bool) -> None:
    """Move source to target, replacing it; with `merge`, folders are merged entry by entry."""
    if merge and _is_real_dir(source) and _is_real_dir(target):
        for entry in sorted(os.listdir(source)):
            _move(os.path.join(source, entry), os.path.join(target, entry), merge=True)
        return
    _delete(target)
    shutil.move(source, target)


def _is_real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _delete(path: str) -> None:
    if _is_real_dir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _remove_dist(site: str, dist: Dist) -> None:
    """Delete a distribution's files and .dist-info, then the folders that left empty."""
    touched: Set[str] = set()
    for path in dist.files:
        full = os.path.join(site, *path.split("/"))
        if os.path.lexists(full) and not _is_real_dir(full):
            os.unlink(full)
            touched.add(os.path.dirname(full))
    _delete(os.path.join(site, dist.dist_info))
    _prune_empty_folders(site, touched)


def _prune_empty_folders(site: str, folders: Iterable[str]) -> None:
    """Remove each folder (and its parents below `site`) once it holds nothing but bytecode."""
    for start in sorted(folders, key=len, reverse=True):
        folder = start
        while folder != site and os.path.isdir(folder):
            remaining = os.listdir(folder)
            if remaining == ["__pycache__"]:
                shutil.rmtree(os.path.join(folder, "__pycache__"))
            elif remaining:
                break
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def _drop_bytecode(folder: str) -> None:
    """Remove `__pycache__` folders and `.pyc` files: compiled for this machine's Python."""
    for parent, dirs, files in os.walk(folder):
        for name in dirs:
            if name == "__pycache__":
                shutil.rmtree(os.path.join(parent, name))
        dirs[:] = [name for name in dirs if name != "__pycache__"]
        for name in files:
            if name.endswith(".pyc"):
                os.unlink(os.path.join(parent, name))
