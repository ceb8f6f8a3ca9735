"""Downloading a function into its workspace, without ever losing local work."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import aws, config_file, history, warm_start
from .aws import AwsTarget
from .errors import LambdaEditorError, explain
from .functions import FunctionCode, check_function_name, download_code, get_function
from .layout import METADATA_DIR
from .log import logger
from .packaging.extract import Extraction, extract_package
from .packaging.hash_index import settled_mtime_ns
from .packaging.manifest import ManifestDiff
from .swap import abandon_swap, begin_swap, incoming_path, recover_interrupted_swap, swap_in
from .units import format_size
from .workspace import (
    Binding,
    Workspace,
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
    notices: Tuple[str, ...] = ()  # what else the user must know, one sentence each


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
    history_limits: history.HistoryLimits = history.DEFAULT_LIMITS,
) -> PullResult:
    """Download `name` into its workspace (or `destination`) and bind the folder to it.

    A workspace with undeployed changes is refused (`UndeployedChangesError`) unless
    `keep_backup`. The new copy is extracted beside the old one and swapped in only when
    complete (see `swap`); the old copy is then deleted only if it held nothing but what is
    deployed, and kept as a backup otherwise (edits made during the download, files never
    deployed: `.git`, excluded notes). All of it holds the workspace's lock.
    """
    report = on_progress or (lambda _text: None)
    check_function_name(name)
    client = _lambda_client(target, name)
    report(f"fetching {name}…")
    code, binding = _fetch(client, target, name)
    root = os.path.abspath(
        destination
        or workspace_path(workspace_root, binding.account, binding.region, binding.function_name)
    )
    _refuse_inside_a_workspace(root)
    os.makedirs(os.path.dirname(root), mode=0o700, exist_ok=True)
    lock = workspace_lock(root)
    if lock.acquire(report):  # another deploy or download ran: the function may have changed
        code, binding = _fetch(client, target, name)
    try:
        return _pull_locked(
            code,
            binding,
            root,
            ca_bundle=aws.ca_bundle(target),
            exclude=exclude,
            keep_backup=keep_backup,
            report=report,
            history_limits=history_limits,
        )
    finally:
        lock.release()


def _pull_locked(
    code: FunctionCode,
    binding: Binding,
    root: str,
    *,
    ca_bundle: Optional[str],
    exclude: Sequence[str],
    keep_backup: bool,
    report: Callable[[str], None],
    history_limits: history.HistoryLimits,
) -> PullResult:
    notices: List[str] = []
    recovered = recover_interrupted_swap(root)
    if recovered:
        notices.append(recovered)
    _check_replaceable(root, binding, exclude, keep_backup)
    archive = os.path.join(begin_swap(root), "code.zip")
    try:
        incoming = incoming_path(root)
        extraction = _download_and_extract(code, archive, incoming, ca_bundle, report)
        Workspace.create(incoming, binding, extraction.manifest, extraction.left_out)
        if binding.configuration is not None:
            config_file.write(incoming, binding.configuration, binding.function_name)
        report(f"preparing {code.name} for quick saves…")
        pulled = warm_start.prepare_pull(
            incoming,
            archive,
            code.configuration,
            extraction.manifest,
            exclude=exclude,
            previous_root=root,
        )
        backup = swap_in(root)
    finally:
        abandon_swap(root)
    warm_start.finish_pull(incoming, root, pulled, history_limits)
    if extraction.skipped:
        notices.append(_skipped_notice(code.name, extraction))
    return PullResult(Workspace.load(root), backup, tuple(notices))


def _lambda_client(target: AwsTarget, name: str) -> Any:
    try:
        return aws.lambda_client(target)
    except Exception as exc:
        raise explain(exc, f"get {name}", target.profile) from exc


def _fetch(client: Any, target: AwsTarget, name: str) -> Tuple[FunctionCode, Binding]:
    try:
        code = get_function(client, name)
    except Exception as exc:
        raise explain(exc, f"get {name}", target.profile) from exc
    binding = Binding.from_configuration(code.configuration, target.profile, target.endpoint_url)
    if not (binding.revision_id and binding.code_sha256):  # a deploy could not be guarded
        raise LambdaEditorError(
            f"The answer for {name} has no RevisionId or CodeSha256: the endpoint does not "
            "answer as Lambda does.",
            "Check the endpoint_url setting.",
        )
    return code, binding


def _refuse_inside_a_workspace(root: str) -> None:
    """A workspace inside another would make files of one function part of another's folder."""
    outer = find_root(os.path.dirname(root))
    if outer is not None:
        raise LambdaEditorError(
            f"{root} is inside the workspace {outer}: a function cannot be downloaded there.",
            "Choose a folder outside every workspace.",
        )


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
    archive: str,
    incoming: str,
    ca_bundle: Optional[str],
    report: Callable[[str], None],
) -> Extraction:
    size = int(code.configuration.get("CodeSize", 0))
    report(f"downloading {code.name} ({format_size(size)})…")
    download_code(code.location, archive, code.configuration["CodeSha256"], ca_bundle=ca_bundle)
    report(f"extracting {code.name}…")
    # Old enough files: their digests are kept at once (see hash_index).
    mtime_ns = settled_mtime_ns(code.configuration.get("LastModified", ""))
    extraction = extract_package(archive, incoming, mtime_ns=mtime_ns)
    logger.debug("extracted %s: %d files", code.name, len(extraction.manifest))
    return extraction


def _skipped_notice(name: str, extraction: Extraction) -> str:
    folders = ", ".join(f"{folder}/" for folder in extraction.skipped)
    return (
        f"The deployed code of {name} holds workspace folders of its own ({folders}): they were "
        f"not extracted, since a {METADATA_DIR} folder binds a folder to a function, and the next "
        "deploy removes them from the function."
    )
