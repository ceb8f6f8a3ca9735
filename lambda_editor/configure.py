"""Deploying the configuration file, and opening it.

A deploy sends what the file changes with `UpdateFunctionConfiguration` and the workspace's
RevisionId, exactly as code is sent: recorded as pending first (an answer lost is recognised as
ours later), refused when someone else changed the function, waited for until
`LastUpdateStatus` leaves InProgress, confirmed by the final configuration holding it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

from . import aws, config_file
from .configuration import Configuration, changes_of, from_function, holds, update_request
from .functions import read_configuration
from .locking import workspace_lock
from .swap import finish_interrupted_swap
from .updates import (
    Sleep,
    UpdateFailedError,
    remote_changed,
    send_guarded,
    wait_for_update,
)
from .workspace import Workspace

Report = Callable[[str], None]


def deploy_configuration(
    client: Any,
    workspace: Workspace,
    wanted: Configuration,
    deployed: Configuration,
    *,
    force: bool,
    report: Report,
    sleep: Sleep,
) -> Workspace:
    """Send what `wanted` changes from `deployed` (what the workspace recorded, or for a forced
    deploy what AWS holds); the workspace with the outcome recorded (and saved).

    The caller holds the workspace's lock, and has found changes to send.
    """
    changes = changes_of(wanted, deployed)
    code_sha256 = workspace.binding.code_sha256
    name, arn = workspace.binding.function_name, workspace.binding.function_arn

    def is_ours(configuration: Mapping[str, Any]) -> bool:
        """AWS holds what we sent (and, unless forced over it, the code we recorded)."""
        ours_or_forced = force or configuration.get("CodeSha256") == code_sha256
        return ours_or_forced and holds(from_function(configuration), changes)

    # Recorded before it is sent: if the answer never comes, the next deploy knows it.
    workspace = workspace.with_pending_configuration(changes)
    workspace.save()
    report(f"configuring {name} ({', '.join(changes)})…")
    arguments = {"FunctionName": arn, **update_request(deployed, wanted)}
    try:
        send_guarded(
            client,
            client.update_function_configuration,
            arguments,
            workspace,
            force=force,
            is_ours=is_ours,
            sleep=sleep,
        )
        report(f"waiting for {name} to finish updating…")
        final = wait_for_update(client, arn, sleep)
    except UpdateFailedError as failure:
        if is_ours(failure.configuration):  # the RevisionId to send next; the file still differs
            failed = replace(workspace.binding, revision_id=failure.configuration["RevisionId"])
            replace(workspace, binding=failed, pending_configuration=None).save()
        raise
    if not is_ours(final):  # someone changed it right after us: the next deploy is refused
        raise remote_changed(workspace)
    configured = workspace.with_configuration_deployed(final)
    configured.save()
    return configured


def recorded_configuration(client: Any, workspace: Workspace) -> Workspace:
    """A workspace whose marker predates recorded configurations gets the one AWS holds, when
    AWS still holds the revision the workspace knows (else someone changed the function)."""
    current = client.get_function_configuration(FunctionName=workspace.binding.function_arn)
    if current.get("RevisionId") != workspace.binding.revision_id:
        raise remote_changed(workspace)
    binding = replace(workspace.binding, configuration=from_function(current))
    recorded = replace(workspace, binding=binding)
    recorded.save()
    return recorded


def function_configuration(target: aws.AwsTarget, function: str) -> Configuration:
    """The editable configuration AWS holds for `function` (a name or an ARN)."""
    return from_function(read_configuration(target, function))


def open_configuration(root: str) -> str:
    """The path of the workspace's configuration file, written first when there is none: from
    the configuration recorded at the download or the last deploy, or (a workspace downloaded
    before configurations were recorded) from the one AWS holds now, recorded with it."""
    with workspace_lock(root):
        finish_interrupted_swap(root, "opened")
        workspace = Workspace.load(root)
        path = config_file.configuration_path(workspace.root)
        if config_file.exists(workspace.root):
            return path
        binding = workspace.binding
        document = binding.configuration
        if document is None:
            document = function_configuration(binding.target, binding.function_arn)
            replace(workspace, binding=replace(binding, configuration=document)).save()
        return config_file.write(workspace.root, document, binding.function_name)
