"""Updates of a function, guarded by the workspace's RevisionId, and waiting for them to end.

Code (`UpdateFunctionCode`) and configuration (`UpdateFunctionConfiguration`) updates are sent the
same way: with the RevisionId the workspace recorded, so Lambda refuses one atomically when
someone else changed the function; after another update that is still in progress, again; and
until `LastUpdateStatus` leaves InProgress, the update is not done.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

from . import actions
from .errors import LambdaEditorError, RemoteChangedError, error_code
from .workspace import Workspace

Sleep = Callable[[float], None]

# How long to wait for LastUpdateStatus to leave InProgress (AWS's own waiter allows 300 s).
UPDATE_WAIT_SECONDS = 300.0
# Most updates finish within a few seconds: poll often then, so the wait ends at most one short
# interval after the update does; slower updates are polled less and less often.
_POLL_FAST, _FAST_SECONDS, _POLL_MAX, _BACKOFF = 0.1, 3.0, 1.0, 1.5
# An "update in progress" refusal is retried after waiting for that update, this many times.
_CONFLICT_RETRIES = 3


def send_guarded(
    client: Any,
    update: Callable[..., Any],
    arguments: Dict[str, Any],
    workspace: Workspace,
    *,
    force: bool,
    is_ours: Callable[[Mapping[str, Any]], bool],
    sleep: Sleep,
) -> None:
    """Call `update(**arguments)` with the workspace's RevisionId (none when `force`).

    A RevisionId refused is checked once: when AWS holds what `is_ours` recognises (an update of
    ours whose answer was lost, then sent again by botocore's retry), the current RevisionId is
    taken and the update sent again; otherwise someone else changed the function.
    """
    arn = workspace.binding.function_arn
    if not force:
        if not workspace.binding.revision_id:  # the marker is checked on load; never "no check"
            raise LambdaEditorError(f"{workspace.binding.function_name} has no RevisionId.")
        arguments["RevisionId"] = workspace.binding.revision_id
    adopted = False
    for attempt in range(_CONFLICT_RETRIES + 1):
        try:
            update(**arguments)
            return
        except Exception as exc:
            code = error_code(exc)
            if code == "PreconditionFailedException":
                revision = None if adopted else _our_revision(client, arn, is_ours, sleep)
                if revision is None:
                    raise remote_changed(workspace) from exc
                arguments["RevisionId"], adopted = revision, True
                continue
            if code != "ResourceConflictException" or attempt == _CONFLICT_RETRIES:
                raise
            # Another update (ours or someone's) is still in progress: wait for it, then retry.
            wait_for_update(client, arn, sleep)


def _our_revision(
    client: Any, arn: str, is_ours: Callable[[Mapping[str, Any]], bool], sleep: Sleep
) -> Optional[str]:
    """After a RevisionId mismatch: the current RevisionId when AWS holds what we sent, else
    None: someone else changed the function."""
    configuration = settled_configuration(client, arn, sleep)
    return str(configuration["RevisionId"]) if is_ours(configuration) else None


def settled_configuration(client: Any, arn: str, sleep: Sleep) -> Dict[str, Any]:
    """The configuration once no update is in progress, a failed one included."""
    try:
        return wait_for_update(client, arn, sleep)
    except UpdateFailedError as failure:
        return failure.configuration


def remote_changed(workspace: Workspace) -> RemoteChangedError:
    name = workspace.binding.function_name
    return RemoteChangedError(
        f"{name} was not deployed: it was changed in AWS since it was downloaded, and deploying "
        "would overwrite that change.",
        "Compare the two, re-download it, or deploy anyway (overwriting the remote change).",
    )


def wait_for_update(
    client: Any,
    function: str,
    sleep: Sleep = time.sleep,
    timeout: float = UPDATE_WAIT_SECONDS,
) -> Dict[str, Any]:
    """Poll until `LastUpdateStatus` leaves InProgress: the final configuration, or the failure."""
    deadline = time.monotonic() + timeout
    delays = poll_delays()
    while True:
        configuration: Dict[str, Any] = client.get_function_configuration(FunctionName=function)
        status = configuration.get("LastUpdateStatus", "Successful")
        if status == "Successful":
            return configuration
        if status == "Failed":
            raise UpdateFailedError(configuration)
        if time.monotonic() >= deadline:
            raise LambdaEditorError(
                f"{configuration['FunctionName']} is still updating after {timeout:.0f} s.",
                "Check its state in the Lambda console, then deploy again.",
            )
        sleep(next(delays))


def poll_delays() -> Iterator[float]:
    """The pauses between two status reads: short for the first seconds, then growing."""
    fast = round(_FAST_SECONDS / _POLL_FAST)
    yield from itertools.repeat(_POLL_FAST, fast)
    delay = _POLL_FAST
    while True:
        delay = min(delay * _BACKOFF, _POLL_MAX)
        yield delay


class UpdateFailedError(LambdaEditorError):
    """Lambda accepted the update, then reported it `Failed`."""

    def __init__(self, configuration: Mapping[str, Any]) -> None:
        reason = configuration.get("LastUpdateStatusReason") or "no reason given"
        code = configuration.get("LastUpdateStatusReasonCode")
        super().__init__(
            f"The update of {configuration['FunctionName']} failed: {reason}"
            + (f" ({code})." if code else "."),
            "Your local files are unchanged: fix the cause, then deploy again.",
            next_action=actions.DEPLOY,
        )
        self.configuration = dict(configuration)
