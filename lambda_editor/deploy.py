"""Deploying a workspace: skip what is already deployed, never overwrite someone else's deploy.

`deploy_workspace` does one deploy. `DeployQueue` runs deploys off the caller's thread and coalesces
the saves made while one runs into a single further deploy of the latest state.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import AbstractSet, Any, Callable, Dict, Mapping, Optional, Sequence

from . import aws
from .errors import LambdaEditorError, RemoteChangedError, error_code, explain
from .limits import DIRECT_UPLOAD_LIMIT
from .packaging.builder import BuiltPackage
from .units import format_size
from .workspace import Workspace, workspace_lock

ProgressCallback = Callable[[str], None]

# How long to wait for LastUpdateStatus to leave InProgress (AWS's own waiter allows 300 s).
UPDATE_WAIT_SECONDS = 300.0
_POLL_FIRST, _POLL_MAX = 0.2, 1.0
# An "update in progress" refusal is retried after waiting for that update, this many times.
_CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class DeployResult:
    function_name: str
    deployed: bool  # False: the workspace already matched what is deployed
    size: int  # bytes of the uploaded zip (0 when nothing was uploaded)
    code_sha256: str
    revision_id: str
    finished_at: float  # time.time()

    def describe(self) -> str:
        if not self.deployed:
            return f"{self.function_name}: no changes to deploy"
        clock = time.strftime("%H:%M:%S", time.localtime(self.finished_at))
        return f"{self.function_name} deployed {clock} ({format_size(self.size)})"


def deploy_workspace(
    root: str,
    *,
    exclude: Sequence[str] = (),
    force: bool = False,
    on_progress: Optional[ProgressCallback] = None,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeployResult:
    """Deploy the workspace at `root` if it differs from what was last deployed from it.

    The upload carries the RevisionId recorded in the marker, so Lambda refuses it atomically when
    someone else deployed in between (`RemoteChangedError`); `force` drops that guard.
    """
    with workspace_lock(root):
        return _deploy_locked(
            root, exclude=exclude, force=force, on_progress=on_progress, client=client, sleep=sleep
        )


def _deploy_locked(
    root: str,
    *,
    exclude: Sequence[str],
    force: bool,
    on_progress: Optional[ProgressCallback],
    client: Any,
    sleep: Callable[[float], None],
) -> DeployResult:
    report = on_progress or (lambda _text: None)
    workspace = Workspace.load(root)
    name = workspace.binding.function_name
    if not workspace.undeployed_changes(exclude):
        return _unchanged(workspace)
    package = workspace.build_package(exclude)
    _check_upload_size(name, package)
    # Uploads whose outcome we never saw: AWS holding one of them means its RevisionId is ours.
    pending = workspace.binding.pending_code_sha256
    ours = {package.sha256_b64} | ({pending} if pending else set())
    _with_pending(workspace, package.sha256_b64).save()
    lambda_client = client or aws.lambda_client(workspace.binding.target)
    try:
        report(f"deploying {name} ({format_size(len(package.data))})…")
        _upload(lambda_client, workspace, package, force=force, ours=ours, sleep=sleep)
        report(f"waiting for {name} to finish updating…")
        configuration = wait_for_update(lambda_client, workspace.binding.function_arn, sleep)
    except UpdateFailedError as failure:
        _adopt_failed_revision(workspace, package, failure.configuration)
        raise
    except LambdaEditorError:
        raise
    except Exception as exc:
        raise explain(exc, f"deploy {name}", workspace.binding.profile) from exc
    if configuration["CodeSha256"] != package.sha256_b64:
        # Someone deployed right after us: keep the old RevisionId so the next deploy is refused.
        raise _remote_changed(workspace)
    _with_pending(workspace.with_deployment(configuration, package.manifest), None).save()
    return DeployResult(
        function_name=name,
        deployed=True,
        size=len(package.data),
        code_sha256=configuration["CodeSha256"],
        revision_id=configuration["RevisionId"],
        finished_at=time.time(),
    )


def _unchanged(workspace: Workspace) -> DeployResult:
    binding = workspace.binding
    return DeployResult(
        binding.function_name, False, 0, binding.code_sha256, binding.revision_id, time.time()
    )


def _check_upload_size(name: str, package: BuiltPackage) -> None:
    if len(package.data) > DIRECT_UPLOAD_LIMIT:
        raise LambdaEditorError(
            f"{name} was not deployed: the package is {format_size(len(package.data))}, over "
            f"Lambda's {format_size(DIRECT_UPLOAD_LIMIT)} limit for a direct upload.",
            'Make it smaller: add patterns to the "exclude" setting, or move dependencies to '
            "a layer.",
        )


def _with_pending(workspace: Workspace, code_sha256: Optional[str]) -> Workspace:
    return replace(workspace, binding=replace(workspace.binding, pending_code_sha256=code_sha256))


def _upload(
    client: Any,
    workspace: Workspace,
    package: BuiltPackage,
    *,
    force: bool,
    ours: AbstractSet[str],
    sleep: Callable[[float], None],
) -> None:
    arn = workspace.binding.function_arn
    arguments: Dict[str, Any] = {"FunctionName": arn, "ZipFile": package.data}
    if not force:
        arguments["RevisionId"] = workspace.binding.revision_id
    adopted = False
    for attempt in range(_CONFLICT_RETRIES + 1):
        try:
            client.update_function_code(**arguments)
            return
        except Exception as exc:
            code = error_code(exc)
            if code == "PreconditionFailedException":
                revision = None if adopted else _our_revision(client, arn, ours, sleep)
                if revision is None:
                    raise _remote_changed(workspace) from exc
                arguments["RevisionId"], adopted = revision, True
                continue
            if code != "ResourceConflictException" or attempt == _CONFLICT_RETRIES:
                raise
            # Another update (ours or someone's) is still in progress: wait for it, then retry.
            wait_for_update(client, arn, sleep)


def _our_revision(
    client: Any, arn: str, ours: AbstractSet[str], sleep: Callable[[float], None]
) -> Optional[str]:
    """After a RevisionId mismatch: the current RevisionId when AWS holds code we uploaded (an
    upload whose outcome we never saw), else None: someone else changed the function."""
    configuration = wait_for_update(client, arn, sleep)
    if configuration.get("CodeSha256") in ours:
        return str(configuration["RevisionId"])
    return None


def _remote_changed(workspace: Workspace) -> RemoteChangedError:
    name = workspace.binding.function_name
    return RemoteChangedError(
        f"{name} was not deployed: it was changed in AWS since it was downloaded, and deploying "
        "would overwrite that change.",
        "Compare the two, re-download it, or deploy anyway (overwriting the remote change).",
    )


def wait_for_update(
    client: Any,
    function: str,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = UPDATE_WAIT_SECONDS,
) -> Dict[str, Any]:
    """Poll until `LastUpdateStatus` leaves InProgress: the final configuration, or the failure."""
    deadline = time.monotonic() + timeout
    delay = _POLL_FIRST
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
        sleep(delay)
        delay = min(delay * 2, _POLL_MAX)


class UpdateFailedError(LambdaEditorError):
    """Lambda accepted the upload, then reported the update `Failed`."""

    def __init__(self, configuration: Mapping[str, Any]) -> None:
        reason = configuration.get("LastUpdateStatusReason") or "no reason given"
        code = configuration.get("LastUpdateStatusReasonCode")
        super().__init__(
            f"The update of {configuration['FunctionName']} failed: {reason}"
            + (f" ({code})." if code else "."),
            "Your local files are unchanged: fix the cause, then save again or run Deploy Now.",
        )
        self.configuration = dict(configuration)


def _adopt_failed_revision(
    workspace: Workspace, package: BuiltPackage, configuration: Mapping[str, Any]
) -> None:
    """A failed update of our own upload changes the RevisionId too: take it, so the retry is not
    refused as a remote change. The manifest stays: the files are still to be deployed."""
    if configuration.get("CodeSha256") == package.sha256_b64:
        replace(workspace, binding=workspace.binding.with_configuration(configuration)).save()


@dataclass(frozen=True)
class DeployEvent:
    """What the queue tells its listener: a deploy started, finished, or failed."""

    root: str
    kind: str  # "progress", "finished" or "failed"
    message: str
    result: Optional[DeployResult] = None
    error: Optional[LambdaEditorError] = None


class DeployQueue:
    """Deploys workspaces on worker threads, one deploy at a time per workspace.

    A save while that workspace deploys marks it pending; when the running deploy ends, one more
    deploy runs and picks up the latest files. So what ends up deployed is the last saved state,
    however many saves came in between. A refused deploy (remote change) drops a pending save:
    the user must decide first; a pending "deploy anyway" (force) is that decision, and runs.
    """

    def __init__(
        self,
        deploy: Callable[..., DeployResult],
        on_event: Callable[[DeployEvent], None],
    ) -> None:
        self._deploy = deploy
        self._on_event = on_event
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: Dict[str, bool] = {}  # a workspace being deployed -> another deploy is due
        self._force: Dict[str, bool] = {}  # the next deploy of a workspace drops the guard

    def submit(self, root: str, force: bool = False) -> None:
        with self._lock:
            self._force[root] = self._force.get(root, False) or force
            if root in self._pending:
                self._pending[root] = True
                return
            self._pending[root] = False
        threading.Thread(target=self._run, args=(root,), name="lambda-deploy", daemon=True).start()

    def is_busy(self, root: str) -> bool:
        with self._lock:
            return root in self._pending

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Block until no deploy runs or is pending (tests, the CLI's exit)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def _run(self, root: str) -> None:
        try:
            with self._lock:
                force = self._force.pop(root, False)
            while True:
                refused = self._deploy_once(root, force)
                with self._lock:
                    if not self._pending[root] or (refused and not self._force.get(root)):
                        return
                    self._pending[root] = False
                    force = self._force.pop(root, False)
        finally:
            with self._lock:
                del self._pending[root]
                self._force.pop(root, None)
                self._idle.notify_all()

    def _deploy_once(self, root: str, force: bool) -> bool:
        """One deploy, reported through events; True when it was refused by a remote change."""
        try:
            result = self._deploy(
                root, force=force, on_progress=lambda text: self._emit(root, "progress", text)
            )
        except LambdaEditorError as error:
            self._emit(root, "failed", str(error), error=error)
            return isinstance(error, RemoteChangedError)
        except Exception as exc:  # never let a worker thread die silently
            explained = explain(exc, "deploy")
            self._emit(root, "failed", str(explained), error=explained)
            return False
        self._emit(root, "finished", result.describe(), result=result)
        return False

    def _emit(self, root: str, kind: str, message: str, **details: Any) -> None:
        """Tell the listener; a listener that fails must not stop the deploys."""
        try:
            self._on_event(DeployEvent(root, kind, message, **details))
        except Exception:
            traceback.print_exc()
