"""Replacing a workspace folder with a newly downloaded copy, so that a process killed at any
instant loses nothing and the next run finds the swap and finishes it.

The new copy is extracted into the staging folder `<parent>/.<name>.pull/code`, then:

1. the journal `.<name>.pull/swap.json` is written: from here on the swap is finished, never
   undone (the download is complete and the user asked for it);
2. the old folder is moved aside to `.<name>.pull/previous` (one rename);
3. the user's test events and last invoke result are copied into the new copy, the deploy
   history moved into it;
4. the new copy is renamed into place;
5. the old copy is deleted when it held nothing but what is deployed, else it becomes a backup
   `<name>.backup-YYYYmmdd-HHMMSS` beside the folder;
6. the journal and the staging folder are removed.

All of it runs under the workspace's lock, so one staging folder per workspace is enough. A
staging folder found at the next download, deploy or comparison (`recover_interrupted_swap`) was
left by a process that died: with a journal, the swap is finished and the user told where the old
copy is; without one, it only held a download, which is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import List, Optional

from . import history
from .errors import LambdaEditorError
from .folders import remove_tree, walk_tree
from .layout import HASH_INDEX_FILE, MARKER_FILE, METADATA_DIR
from .locking import workspace_lock
from .workspace import Workspace, backup_workspace

_STAGING_SUFFIX = ".pull"
_JOURNAL = "swap.json"
_INCOMING = "code"
_PREVIOUS = "previous"


def staging_path(root: str) -> str:
    """`<parent>/.<name>.pull`: where the new copy of the workspace at `root` is prepared."""
    parent, name = os.path.split(os.path.abspath(root))
    return os.path.join(parent, f".{name}{_STAGING_SUFFIX}")


def incoming_path(root: str) -> str:
    return os.path.join(staging_path(root), _INCOMING)


def begin_swap(root: str) -> str:
    """A new, empty staging folder for the workspace at `root`; the caller holds its lock and
    has recovered any earlier one."""
    staging = staging_path(root)
    try:
        os.mkdir(staging, 0o700)
    except OSError as exc:
        raise LambdaEditorError(f"Could not create {staging}: {exc.strerror or exc}.") from exc
    return staging


def abandon_swap(root: str) -> None:
    """Delete a staging folder whose swap never started (its journal was not written)."""
    staging = staging_path(root)
    if not os.path.exists(os.path.join(staging, _JOURNAL)):
        remove_tree(staging)


def swap_in(root: str) -> Optional[str]:
    """Put the staged copy in place of the folder at `root` (steps 1 to 6 above); the backup
    of the old copy, when it held anything that is not deployed."""
    staging = staging_path(root)
    _write_journal(staging, root)
    try:
        return _finish(root, staging)
    except (OSError, shutil.Error) as exc:
        raise LambdaEditorError(
            f"The re-download of {root} stopped half-way: {exc}.",
            f"It is finished the next time the function is downloaded, deployed or compared; "
            f"until then the old copy is in {os.path.join(staging, _PREVIOUS)}.",
        ) from exc


def recover_interrupted_swap(root: str) -> Optional[str]:
    """Finish a swap a killed process left (see above); what to tell the user, if anything."""
    staging = staging_path(root)
    if not os.path.lexists(staging):
        return None
    with workspace_lock(root):
        if not os.path.exists(os.path.join(staging, _JOURNAL)):
            remove_tree(staging)  # a download that never reached the swap
            return None
        backup = _finish(root, staging)
    finished = f"An interrupted re-download of {root} was finished"
    if backup:
        return f"{finished}: the previous copy, with files never deployed, is in {backup}."
    return f"{finished}; the previous copy held nothing that was not deployed."


def finish_interrupted_swap(root: str, not_done: str) -> None:
    """Before acting on the workspace at `root`: a swap a killed process left is finished, and
    the user, whose folder just changed, is told before anything else is done."""
    notice = recover_interrupted_swap(root)
    if notice:
        raise LambdaEditorError(
            f"{notice} Nothing was {not_done}.", "Look at the workspace, then try again."
        )


def recover_swaps_under(workspace_root: str) -> List[str]:
    """Finish the swaps that killed processes left among the workspaces of `workspace_root`
    (`<account>/<region>/.<function>.pull`): a workspace moved aside by one is listed again.
    What to tell the user, a sentence a swap."""
    notices: List[str] = []
    for region in _subfolders(*_subfolders(workspace_root)):
        for staging in _subfolders(region):
            parent, name = os.path.split(staging)
            if name.startswith(".") and name.endswith(_STAGING_SUFFIX):
                notice = recover_interrupted_swap(
                    os.path.join(parent, name[1 : -len(_STAGING_SUFFIX)])
                )
                if notice:
                    notices.append(notice)
    return notices


def _subfolders(*folders: str) -> List[str]:
    found: List[str] = []
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                found += [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    return found


def _write_journal(staging: str, root: str) -> None:
    """Written whole, then renamed into place: a journal exists only once complete."""
    journal = os.path.join(staging, _JOURNAL)
    with open(f"{journal}.partial", "w", encoding="utf-8") as sink:
        json.dump({"replaces": root, "with": os.path.join(staging, _INCOMING)}, sink)
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(f"{journal}.partial", journal)


def _finish(root: str, staging: str) -> Optional[str]:
    """Steps 2 to 6, from wherever an earlier run stopped: each is done only if not done yet."""
    incoming = os.path.join(staging, _INCOMING)
    previous = os.path.join(staging, _PREVIOUS)
    if os.path.isdir(incoming):
        if os.path.lexists(root):
            if os.path.lexists(previous):
                raise LambdaEditorError(
                    f"{root} was created again during an interrupted re-download.",
                    f"Compare it with the downloaded copy {incoming} and the previous copy "
                    f"{previous}, keep what you need, then delete {staging}.",
                )
            os.replace(root, previous)
        if os.path.isdir(previous):
            _carry_over_metadata(previous, incoming)
        os.replace(incoming, root)
    backup = None
    if os.path.isdir(previous) and not _holds_only_deployed_files(previous):
        backup = backup_workspace(root, source=previous)
    os.unlink(os.path.join(staging, _JOURNAL))
    remove_tree(staging)
    return backup


# What describes the copy itself, not the user's: the marker and its files' digests.
_OF_THE_COPY = (MARKER_FILE, HASH_INDEX_FILE)


def _carry_over_metadata(old_root: str, new_root: str) -> None:
    """Test events, the last invoke result and the deploy history belong to the user, not to
    the deployed code. What the new copy has already (an earlier, interrupted run copied it) is
    kept."""
    old_metadata = os.path.join(old_root, METADATA_DIR)
    new_metadata = os.path.join(new_root, METADATA_DIR)
    if not os.path.isdir(old_metadata):
        return
    history.carry_over(old_root, new_root)  # moved, not copied: it may be large
    for name in os.listdir(old_metadata):
        source, target = os.path.join(old_metadata, name), os.path.join(new_metadata, name)
        if name in _OF_THE_COPY or name.startswith("staging-") or os.path.lexists(target):
            continue
        if os.path.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


# Files an interpreter or the OS writes by itself: never worth a backup.
_REGENERATED_FOLDERS = ("__pycache__",)
_REGENERATED_FILES = (".pyc", ".DS_Store")


def _holds_only_deployed_files(folder: str) -> bool:
    """True for an empty folder, or a workspace whose every file is deployed as it is."""
    if not os.listdir(folder):
        return True
    try:
        workspace = Workspace.load(folder)
        # With an update unconfirmed, what is deployed is not known: the copy may be the only one.
        if workspace.pending or workspace.pending_configuration or workspace.undeployed_changes():
            return False
    except LambdaEditorError:
        return False
    for parent, dirs, files in walk_tree(folder):
        rel_parent = os.path.relpath(parent, folder).replace(os.sep, "/")
        prefix = "" if rel_parent == "." else f"{rel_parent}/"
        dirs[:] = [
            name
            for name in dirs
            if name not in _REGENERATED_FOLDERS and not (prefix == "" and name == METADATA_DIR)
        ]
        for name in files:
            if not name.endswith(_REGENERATED_FILES) and prefix + name not in workspace.manifest:
                return False  # a file never deployed: .git, an excluded file, a local note
    return True
