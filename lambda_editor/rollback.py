"""A workspace's deploy history as people read it, and rolling back to one of its entries.

`history_items` lists the entries newest first, each with what changed since the one before it;
`entry_diff` compares an entry with the workspace; `rollback` restores the workspace's files to
an entry (the files it replaces or removes kept in a backup first), then deploys them, guarded by
the RevisionId like any deploy. The configuration is not rolled back: the configuration file
stays as it is (an entry's configuration shows in its diff).
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, List, Optional, Sequence, Tuple

from . import history
from .compare import diff_trees
from .configuration import describe_changes, from_function
from .errors import LambdaEditorError
from .folders import remove_tree
from .history import HistoryEntry
from .locking import workspace_lock
from .packaging.extract import Extraction, extract_package
from .packaging.manifest import ManifestDiff, diff_manifests, listed_paths, scan
from .swap import finish_interrupted_swap
from .units import counted, format_size
from .workspace import CONFIGURATION_CHANGE, Workspace, unused_backup_path

# Deploys the workspace at this root (or queues its deploy).
Deploy = Callable[[str], None]
_SCRATCH = ".rollback-"


@dataclass(frozen=True)
class HistoryItem:
    number: int  # 1: the newest
    entry: HistoryEntry
    changes: Optional[ManifestDiff]  # since the entry before it; None for the oldest kept
    deployed_now: bool  # its code is what the workspace last saw deployed

    @property
    def when(self) -> str:
        return recorded_when(self.entry)

    @property
    def what_changed(self) -> str:
        if self.changes is None:
            pulled = self.entry.kind == history.PULLED
            return counted(len(self.entry.manifest), "file") if pulled else ""
        return self.changes.summary()

    def describe(self) -> str:
        """`2  2024-06-01 14:03:12  deployed  4.6 KB  1 changed: app.py`."""
        now = "  (deployed now)" if self.deployed_now else ""
        size = format_size(self.entry.size)
        return f"{self.number}  {self.when}  {self.entry.kind}  {size}  {self.what_changed}{now}"


def recorded_when(entry: HistoryEntry) -> str:
    """The time an entry was recorded, in local time: `2024-06-01 14:03:12`."""
    moment = datetime.strptime(entry.recorded_at, "%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def history_items(root: str) -> List[HistoryItem]:
    """The workspace's history, newest first. Of the entries holding the code deployed now (a
    rollback deploys an older entry's code again), the newest is the one marked."""
    workspace = Workspace.load(root)
    entries = history.entries(root)  # oldest first
    deployed_now = workspace.binding.code_sha256
    newest_deployed = max(
        (index for index, entry in enumerate(entries) if entry.code_sha256 == deployed_now),
        default=None,
    )
    items = []
    for index, entry in enumerate(entries):
        before = entries[index - 1].manifest if index else None
        changes = diff_manifests(before, entry.manifest) if before is not None else None
        items.append(HistoryItem(len(entries) - index, entry, changes, index == newest_deployed))
    return list(reversed(items))


def find_entry(root: str, wanted: Optional[str] = None) -> HistoryEntry:
    """The entry `wanted` names: its number (1: the newest) or its id (a unique beginning will
    do); by default the one before the newest, which undoes the last deploy."""
    items = history_items(root)
    if wanted is None:
        if len(items) < 2:
            raise LambdaEditorError(
                "The history holds nothing older to roll back to.",
                "Name an entry of the history, or deploy first.",
            )
        return items[1].entry
    if wanted.isdigit() and 1 <= int(wanted) <= len(items):
        return items[int(wanted) - 1].entry
    found = [item.entry for item in items if item.entry.entry_id.startswith(wanted)]
    if len(found) != 1:
        which = "matches several entries" if found else "is not an entry of the history"
        raise LambdaEditorError(
            f"{wanted!r} {which}.", "Name one by its number or its id, as the history lists them."
        )
    return found[0]


def entry_diff(root: str, entry: HistoryEntry, exclude: Sequence[str] = ()) -> str:
    """A unified diff from the entry (`history/<id>/…`) to the workspace (`local/…`), then how
    the entry's configuration differs from the workspace's, environment values masked."""
    workspace = Workspace.load(root)
    with _extracted(entry) as (entry_root, extraction):
        local = workspace.local_manifest(exclude)
        labels = (f"history/{entry.entry_id}", "local")
        body = "".join(diff_trees(entry_root, extraction.manifest, root, local, labels))
    header = (
        f"# {workspace.binding.function_name}: {entry.kind} {entry.recorded_at} "
        f"(left) against the workspace {root} (right)\n"
    )
    return header + (body or "# The same files.\n") + _configuration_section(workspace, entry)


@dataclass(frozen=True)
class RollbackOutcome:
    entry: HistoryEntry
    restored: ManifestDiff  # what the rollback changed in the workspace's files
    backup: Optional[str]  # where the files it replaced or removed are kept

    def describe(self) -> str:
        if not self.restored:
            return "the files were already those of that entry"
        kept = f"; the files it replaced or removed are in {self.backup}" if self.backup else ""
        return f"restored {self.restored.summary()}{kept}"


def rollback(
    root: str,
    entry: HistoryEntry,
    *,
    exclude: Sequence[str] = (),
    deploy: Optional[Deploy],
    on_restored: Callable[[RollbackOutcome], None] = lambda _outcome: None,
) -> RollbackOutcome:
    """Restore the workspace's files to `entry`, tell `on_restored` (where the backup is, before
    a deploy that may be refused), then `deploy` (None: not)."""
    outcome = restore(root, entry, exclude)
    on_restored(outcome)
    if deploy is not None:
        deploy(root)
    return outcome


def restore(root: str, entry: HistoryEntry, exclude: Sequence[str] = ()) -> RollbackOutcome:
    """Make the workspace's files those of `entry`: the entry's files written where they differ,
    the files a deploy would package that the entry lacks removed. Each file replaced or removed
    is copied into a backup first, so nothing is lost whenever this stops. Files a deploy leaves
    out (`.git`, excluded notes) are kept."""
    with workspace_lock(root):
        finish_interrupted_swap(root, "rolled back")
        workspace = Workspace.load(root)
        with _extracted(entry, for_restore=True) as (entry_root, extraction):
            known_modes = workspace.known_modes()
            present = scan(root, (), known_modes)  # every file, excluded ones too
            packaged = workspace.local_manifest(exclude)
            target = extraction.manifest
            restored = ManifestDiff(
                added=sorted(path for path in target if path not in present),
                removed=sorted(path for path in packaged if path not in target),
                changed=sorted(
                    path for path in target if path in present and present[path] != target[path]
                ),
            )
            if not restored:
                return RollbackOutcome(entry, restored, None)
            _refuse_folders_in_the_way(root, restored.added)
            backup = _back_up(root, restored.changed + restored.removed)
            for path in restored.added + restored.changed:
                destination = _local(root, path)
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                os.replace(_local(entry_root, path), destination)
            for path in restored.removed:
                os.remove(_local(root, path))
    return RollbackOutcome(entry, restored, backup)


# --- the steps ------------------------------------------------------------------------------------


class _extracted:
    """The entry's zip, checked against its CodeSha256, extracted into a scratch folder: in the
    system's temporary folder, or for a restore, beside the history (the workspace's file system:
    its files move into the workspace by renaming; the caller holds the workspace's lock)."""

    def __init__(self, entry: HistoryEntry, for_restore: bool = False) -> None:
        self.entry = entry
        self.for_restore = for_restore
        self.scratch = ""

    def __enter__(self) -> Tuple[str, Extraction]:
        history.read(self.entry)  # raises when the zip is missing or damaged
        folder = self.entry.folder if self.for_restore else None
        if folder is not None:
            for left in glob.glob(os.path.join(glob.escape(folder), f"{_SCRATCH}*")):
                remove_tree(left)  # left by a killed restore: one runs at a time
        self.scratch = tempfile.mkdtemp(prefix=_SCRATCH, dir=folder)
        files = os.path.join(self.scratch, "files")
        return files, extract_package(self.entry.zip_path, files)

    def __exit__(self, *_exc: object) -> None:
        remove_tree(self.scratch)


def _local(root: str, path: str) -> str:
    return os.path.join(root, *path.split("/"))


def _refuse_folders_in_the_way(root: str, paths: Sequence[str]) -> None:
    """A folder where the entry has a file (or a file where it has a folder) stops the rollback
    before anything changes."""
    blocked = []
    for path in paths:
        parts = path.split("/")
        parents = ("/".join(parts[:depth]) for depth in range(1, len(parts)))
        if os.path.isdir(_local(root, path)) or any(
            os.path.lexists(_local(root, parent)) and not os.path.isdir(_local(root, parent))
            for parent in parents
        ):
            blocked.append(path)
    if blocked:
        raise LambdaEditorError(
            f"The workspace has a folder where the entry has a file, or the other way round: "
            f"{listed_paths(blocked)}. Nothing was changed.",
            "Move them aside, then roll back again.",
        )


def _back_up(root: str, paths: Sequence[str]) -> Optional[str]:
    """Copies of these files of the workspace, in a new folder beside it; that folder."""
    if not paths:
        return None
    backup = unused_backup_path(root)
    try:
        for path in paths:
            copy = _local(backup, path)
            os.makedirs(os.path.dirname(copy), mode=0o700, exist_ok=True)
            shutil.copy2(_local(root, path), copy, follow_symlinks=False)
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not keep a backup of the files a rollback replaces, in {backup}: "
            f"{exc.strerror or exc}. Nothing was changed.",
        ) from exc
    return backup


def _configuration_section(workspace: Workspace, entry: HistoryEntry) -> str:
    try:
        wanted = workspace.wanted_configuration() or {}
    except LambdaEditorError as error:
        return f"# The configuration file is not valid: {error.message}\n"
    now = {**(workspace.binding.configuration or {}), **wanted}
    changes = describe_changes(from_function(entry.configuration), now)
    if not changes:
        return ""
    lines = "".join(f"  {change}\n" for change in changes)
    return (
        f"# Configuration: the entry's → the workspace's ({CONFIGURATION_CHANGE}); a rollback "
        f"leaves it as it is\n{lines}"
    )
