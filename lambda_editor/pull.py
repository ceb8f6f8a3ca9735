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
from .package import Manifest, ManifestDiff, extract_package
from .units import format_size
from .workspace import (
    MARKER_DIR,
    MARKER_FILE,
    Binding,
    Workspace,
    backup_workspace,
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
    """The workspace folder of a function, from its ARN.

    ARNs read arn:aws:lambda:REGION:ACCOUNT:function:NAME.
    """
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[5] != "function":
        raise LambdaEditorError(f"Not a Lambda function ARN: {function_arn}")
    return workspace_path(workspace_root, account=parts[4], region=parts[3], function_name=parts[6])


def undeployed_changes(root: str, exclude: Sequence[str] = ()) -> Optional[ManifestDiff]:
    """The changes a workspace holds that were never deployed; None when there is no workspace."""
    if not os.path.isfile(os.path.join(root, MARKER_DIR, MARKER_FILE)):
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

    An existing workspace without undeployed changes is replaced. One with undeployed changes is
    refused (`UndeployedChangesError`) unless `keep_backup`, which moves it aside first. The new
    copy is extracted beside the old one and swapped in only when complete.
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
    _check_replaceable(root, exclude, keep_backup)
    parent = os.path.dirname(root)
    os.makedirs(parent, mode=0o700, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".pull-", dir=parent)
    try:
        incoming = os.path.join(staging, "code")
        manifest = _download_and_extract(code, staging, incoming, report)
        Workspace.create(incoming, binding, manifest)
        backup = _swap_in(incoming, root, staging, keep_backup)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PullResult(Workspace.load(root), backup)


def _check_replaceable(root: str, exclude: Sequence[str], keep_backup: bool) -> None:
    if not os.path.exists(root):
        return
    changes = undeployed_changes(root, exclude)
    if changes is None and os.listdir(root):
        raise LambdaEditorError(
            f"{root} exists and is not a Lambda Editor workspace.",
            "Choose an empty or new folder.",
        )
    if changes and not keep_backup:
        raise UndeployedChangesError(root, changes)


def _download_and_extract(
    code: FunctionCode, staging: str, incoming: str, report: Callable[[str], None]
) -> Manifest:
    archive = os.path.join(staging, "code.zip")
    size = int(code.configuration.get("CodeSize", 0))
    report(f"downloading {code.name} ({format_size(size)})…")
    download_code(code.location, archive, code.configuration["CodeSha256"])
    report(f"extracting {code.name}…")
    manifest = extract_package(archive, incoming)
    os.unlink(archive)
    return manifest


def _swap_in(incoming: str, root: str, staging: str, keep_backup: bool) -> Optional[str]:
    """Move the complete new copy into place, carrying over our own files (test events…).

    The old copy goes to a backup, or into the staging folder that the caller removes.
    """
    if not os.path.exists(root):
        os.replace(incoming, root)
        return None
    _carry_over_metadata(root, incoming)
    backup = backup_workspace(root) if keep_backup else None
    if not keep_backup:
        os.replace(root, os.path.join(staging, "previous"))
    os.replace(incoming, root)
    return backup


def _carry_over_metadata(old_root: str, new_root: str) -> None:
    """Test events and the last invoke result belong to the user, not to the deployed code."""
    old_metadata = os.path.join(old_root, MARKER_DIR)
    new_metadata = os.path.join(new_root, MARKER_DIR)
    if not os.path.isdir(old_metadata):
        return
    for name in os.listdir(old_metadata):
        if name != MARKER_FILE and not name.startswith("staging-"):
            source = os.path.join(old_metadata, name)
            copy = shutil.copytree if os.path.isdir(source) else shutil.copy2
            copy(source, os.path.join(new_metadata, name))
