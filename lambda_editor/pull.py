"""Downloading a function into its workspace, without ever losing local work."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, explain
from .functions import FunctionCode, download_code, get_function
from .layout import MARKER_FILE, METADATA_DIR
from .packaging.extract import extract_package
from .packaging.manifest import Manifest, ManifestDiff
from .units import format_size
from .workspace import (
    Binding,
    Workspace,
    backup_workspace,
    find_root,
    region_and_account,
    workspace_lock,
    workspace_path,
)


class UndeployedChangesError(LambdaEditorError):
    """The workspace holds changes that were never deployed: re-downloading would lose them."""

    def __init__(self, root: str, changes: ManifestDiff) -> None:
        super().__init__(
            f"{root} holds changes that were never deployed ({changes.summary()}).",
            "Deploy them first, or re-download keeping a backup of the local copy.",
        )
        self.root = root
        self.changes = changes


@dataclass(frozen=True)
class PullResult:
    workspace: Workspace
    backup: Optional[str]  # where the previous local copy was moved, if it held changes


def workspace_for_arn(workspace_root: str, function_arn: str) -> str:
    """The workspace folder of a function, from its ARN."""
    region, account = region_and_account(function_arn)
    name = function_arn.split(":")[6]
    return workspace_path(workspace_root, account=account, region=region, function_name=name)


def undeployed_changes(root: str, exclude: Sequence[str] = ()) -> Optional[ManifestDiff]:
    """The changes a workspace holds that were never deployed; None when there is no workspace."""
    if find_root(root) != root:
        return None
    return Workspace.load(root).undeployed_changes(exclude)


def pull_function(
    target: AwsTarget,
    name: str,
    workspace_root: str,
    *,
    destination: Optional[str] = None,
    exclude: Sequence[str] = (),
    keep_backup: bool = False,
    on_progress: Optional[Callable[[str], None]] = None,
) -> PullResult:
    """Download `name` into its workspace (or `destination`) and bind the folder to it.

    A workspace with undeployed changes is refused (`UndeployedChangesError`) unless
    `keep_backup`. The new copy is extracted beside the old one and swapped in only when
    complete; the old copy is then deleted only if it held nothing but what is deployed, and
    kept as a backup otherwise (edits made during the download, files never deployed: `.git`,
    excluded notes).
    """
    report = on_progress or (lambda _text: None)
    try:
        report(f"fetching {name}…")
        code = get_function(aws.lambda_client(target), name)
    except Exception as exc:
        raise explain(exc, f"get {name}", target.profile) from exc
    binding = Binding.from_configuration(code.configuration, target.profile, target.endpoint_url)
    root = os.path.abspath(
        destination
        or workspace_path(workspace_root, binding.account, binding.region, binding.function_name)
    )
    _check_replaceable(root, binding, exclude, keep_backup)
    parent = os.path.dirname(root)
    os.makedirs(parent, mode=0o700, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".pull-", dir=parent)
    try:
        incoming = os.path.join(staging, "code")
        manifest = _download_and_extract(code, staging, incoming, aws.ca_bundle(target), report)
        Workspace.create(incoming, binding, manifest)
        with workspace_lock(root):  # not while a deploy of the old copy runs
            backup = _swap_in(incoming, root, os.path.join(staging, "previous"))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PullResult(Workspace.load(root), backup)


def _check_replaceable(
    root: str, binding: Binding, exclude: Sequence[str], keep_backup: bool
) -> None:
    """Refuse early what the swap would otherwise keep as a backup, unless the user agreed."""
    if not os.path.exists(root):
        return
    if find_root(root) != root:
        if os.listdir(root):
            raise LambdaEditorError(
                f"{root} exists and is not a Lambda Editor workspace.",
                "Choose an empty or new folder.",
            )
        return
    try:
        existing = Workspace.load(root)
    except LambdaEditorError:
        if keep_backup:  # a damaged marker: the swap keeps the folder as a backup
            return
        raise
    if existing.binding.function_arn != binding.function_arn:
        raise LambdaEditorError(
            f"{root} is the workspace of {existing.binding.function_name}, "
            f"not of {binding.function_name}.",
            "Choose another folder.",
        )
    changes = existing.undeployed_changes(exclude)
    if changes and not keep_backup:
        raise UndeployedChangesError(root, changes)


def _download_and_extract(
    code: FunctionCode,
    staging: str,
    incoming: str,
    ca_bundle: Optional[str],
    report: Callable[[str], None],
) -> Manifest:
    archive = os.path.join(staging, "code.zip")
    size = int(code.configuration.get("CodeSize", 0))
    report(f"downloading {code.name} ({format_size(size)})…")
    download_code(code.location, archive, code.configuration["CodeSha256"], ca_bundle=ca_bundle)
    report(f"extracting {code.name}…")
    manifest = extract_package(archive, incoming).manifest
    os.unlink(archive)
    return manifest


def _swap_in(incoming: str, root: str, previous: str) -> Optional[str]:
    """Move the complete new copy into place; the old copy is judged once nothing can write to it.

    It is moved aside first (one rename), so an edit saved at the last moment is in what is
    judged. It is returned to the caller's staging folder (deleted) when it held only what is
    deployed; otherwise it becomes a backup, whose path is returned.
    """
    if not os.path.exists(root):
        os.replace(incoming, root)
        return None
    os.replace(root, previous)
    _carry_over_metadata(previous, incoming)
    os.replace(incoming, root)
    if _holds_only_deployed_files(previous):
        return None
    return backup_workspace(root, source=previous)


# Files an interpreter or the OS writes by itself: never worth a backup.
_REGENERATED_FOLDERS = ("__pycache__",)
_REGENERATED_FILES = (".pyc", ".DS_Store")


def _holds_only_deployed_files(folder: str) -> bool:
    """True for an empty folder, or a workspace whose every file is deployed as it is."""
    if not os.listdir(folder):
        return True
    try:
        workspace = Workspace.load(folder)
        if workspace.undeployed_changes():
            return False
    except LambdaEditorError:
        return False
    for parent, dirs, files in os.walk(folder):
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


def _carry_over_metadata(old_root: str, new_root: str) -> None:
    """Test events and the last invoke result belong to the user, not to the deployed code."""
    old_metadata = os.path.join(old_root, METADATA_DIR)
    new_metadata = os.path.join(new_root, METADATA_DIR)
    if not os.path.isdir(old_metadata):
        return
    for name in os.listdir(old_metadata):
        if name != MARKER_FILE and not name.startswith("staging-"):
            source = os.path.join(old_metadata, name)
            if os.path.isdir(source):
                shutil.copytree(source, os.path.join(new_metadata, name))
            else:
                shutil.copy2(source, os.path.join(new_metadata, name))
