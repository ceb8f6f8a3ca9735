"""Deploying a workspace: skip what is already deployed, never overwrite someone else's deploy.

`deploy_workspace` does one deploy, holding the workspace's lock (see `locking`), so a deploy
from another process or thread never interleaves with it. `DeployQueue` runs deploys off the
caller's thread and coalesces the saves made while one runs into a single further deploy of the
latest state.

Every upload is recorded in the marker as pending before it is sent, and confirmed once the
final configuration shows its CodeSha256. While any upload is unconfirmed (the process was
killed, the answer was lost), the marker does not know what is deployed: a deploy that looks
like a no-op asks AWS first, and a RevisionId changed by one of our own pending uploads is
recognised as ours.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, replace
from typing import (
    AbstractSet,
    Any,
    Callable,
    Dict,
    Iterator,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

from . import actions, aws, history, warm_start
from .errors import LambdaEditorError, RemoteChangedError, error_code, explain
from .limits import DIRECT_UPLOAD_LIMIT
from .locking import workspace_lock
from .log import log_unexpected, logger
from .packaging.builder import BuiltPackage
from .packaging.manifest import excluded_here, listed_paths
from .packaging.walk import one_walk
from .swap import finish_interrupted_swap
from .units import format_size
from .upload_body import stream_zip_uploads
from .workspace import Workspace

ProgressCallback = Callable[[str], None]

# How long to wait for LastUpdateStatus to leave InProgress (AWS's own waiter allows 300 s).
UPDATE_WAIT_SECONDS = 300.0
# Most code updates finish within a few seconds: poll often then, so the wait ends at most one
# short interval after the update does; slower updates are polled less and less often.
_POLL_FAST, _FAST_SECONDS, _POLL_MAX, _BACKOFF = 0.1, 3.0, 1.0, 1.5
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
    # Files the deployed code held that this deploy removed, being excluded here.
    removed_excluded: Tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.deployed:
            return f"{self.function_name}: no changes to deploy"
        clock = time.strftime("%H:%M:%S", time.localtime(self.finished_at))
        text = f"{self.function_name} deployed {clock} ({format_size(self.size)})"
        if self.removed_excluded:
            text += f", without {_files(self.removed_excluded)} excluded here"
        return text


def deploy_workspace(
    root: str,
    *,
    exclude: Sequence[str] = (),
    force: bool = False,
    on_progress: Optional[ProgressCallback] = None,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    history_limits: history.HistoryLimits = history.DEFAULT_LIMITS,
) -> DeployResult:
    """Deploy the workspace at `root` if it differs from what is deployed.

    The upload carries the RevisionId recorded in the marker, so Lambda refuses it atomically when
    someone else deployed in between (`RemoteChangedError`); `force` drops that guard. A
    confirmed deploy's zip joins the workspace's history, kept within `history_limits`.
    """
    report = on_progress or (lambda _text: None)
    lock = workspace_lock(root)
    lock.acquire(report)
    try:
        finish_interrupted_swap(root, "deployed")
        workspace = Workspace.load(root)
        with one_walk(root):  # the check and the build see one listing of the folder
            return _Deploy(
                workspace,
                exclude=exclude,
                force=force,
                report=report,
                client=client,
                sleep=sleep,
                history_limits=history_limits,
            ).run()
    finally:
        lock.release()


class _Deploy:
    """One deploy of one workspace, under its lock."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        exclude: Sequence[str],
        force: bool,
        report: ProgressCallback,
        client: Any,
        sleep: Callable[[float], None],
        history_limits: history.HistoryLimits,
    ) -> None:
        self.workspace = workspace
        self.exclude = exclude
        self.force = force
        self.report = report
        self.sleep = sleep
        self.history_limits = history_limits
        self.name = workspace.binding.function_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.lambda_client(self.workspace.binding.target)
        stream_zip_uploads(self._client)
        return self._client

    def run(self) -> DeployResult:
        try:
            return self._run()
        except LambdaEditorError:
            raise
        except Exception as exc:
            raise explain(exc, f"deploy {self.name}", self.workspace.binding.profile) from exc

    def _run(self) -> DeployResult:
        # With an upload unconfirmed, the marker does not know what is deployed: AWS is asked.
        warm_start.load_hashes(self.workspace.root)
        needed = bool(self.workspace.pending) and self._settle_pending()
        if not needed and self.workspace.local_manifest(self.exclude) == self.workspace.manifest:
            warm_start.keep_hashes(self.workspace)
            return self._unchanged()
        warm_start.offer_reusable_entries(self.workspace)
        package = self.workspace.build_package(self.exclude)
        _check_upload_size(self.name, package)
        removed = excluded_here(self.workspace.root, self.workspace.manifest, package.manifest)
        removed = sorted({*removed, *self.workspace.left_out})
        if removed:
            self.report(
                f"{self.name}: will remove {_files(removed)} that the deployed code holds but "
                f"are excluded here: {listed_paths(removed)}"
            )
        # Recorded before it is sent: if the answer never comes, the next deploy knows it.
        self.workspace = self.workspace.with_pending(package.sha256_b64, package.manifest)
        self.workspace.save()
        stored = warm_start.store_while_uploading(self.workspace, package)
        configuration = self._upload(package)
        deployed = self.workspace.with_deployment(configuration, package.manifest)
        deployed.save()
        warm_start.record_deploy(deployed, package, configuration, self.history_limits, stored)
        return DeployResult(
            function_name=self.name,
            deployed=True,
            size=len(package.data),
            code_sha256=configuration["CodeSha256"],
            revision_id=configuration["RevisionId"],
            finished_at=time.time(),
            removed_excluded=tuple(removed),
        )

    def _unchanged(self) -> DeployResult:
        binding = self.workspace.binding
        return DeployResult(
            binding.function_name, False, 0, binding.code_sha256, binding.revision_id, time.time()
        )

    def _settle_pending(self) -> bool:
        """Find out which of the pending uploads AWS holds, and record it as deployed. True when
        a deploy is needed whatever the workspace holds: our last upload failed, or `force`
        overwrites someone else's change."""
        self.report(f"{self.name}: an earlier deploy was not confirmed, checking what AWS holds…")
        configuration = _settled_configuration(
            self.client, self.workspace.binding.function_arn, self.sleep
        )
        current = configuration.get("CodeSha256")
        succeeded = configuration.get("LastUpdateStatus", "Successful") == "Successful"
        logger.debug("%s holds %s; %d pending", self.name, current, len(self.workspace.pending))
        ours = next((up for up in self.workspace.pending if up.code_sha256 == current), None)
        if current == self.workspace.binding.code_sha256 and succeeded:
            self.workspace = replace(self.workspace, pending=())  # none of them took effect
        elif ours is not None and succeeded:
            self.workspace = self.workspace.with_deployment(configuration, ours.manifest)
        elif ours is not None:  # our upload failed: its RevisionId is the one to send next
            self.workspace = self.workspace.with_revision(configuration)
            return True
        elif self.force:
            return True
        else:
            raise _remote_changed(self.workspace)
        self.workspace.save()
        return False

    def _upload(self, package: BuiltPackage) -> Dict[str, Any]:
        """Upload, wait for the update to end: the final configuration, our code confirmed."""
        ours = {package.sha256_b64} | {up.code_sha256 for up in self.workspace.pending}
        arn = self.workspace.binding.function_arn
        try:
            self.report(f"deploying {self.name} ({format_size(len(package.data))})…")
            _send(
                self.client, self.workspace, package, force=self.force, ours=ours, sleep=self.sleep
            )
            self.report(f"waiting for {self.name} to finish updating…")
            configuration = wait_for_update(self.client, arn, self.sleep)
        except UpdateFailedError as failure:
            _adopt_failed_revision(self.workspace, package, failure.configuration)
            raise
        if configuration["CodeSha256"] != package.sha256_b64:
            # Someone deployed right after us: the old RevisionId stays, the next deploy is refused.
            raise _remote_changed(self.workspace)
        return configuration


def _files(paths: Sequence[str]) -> str:
    return f"{len(paths)} file{'s' if len(paths) != 1 else ''}"


def _check_upload_size(name: str, package: BuiltPackage) -> None:
    if len(package.data) > DIRECT_UPLOAD_LIMIT:
        raise LambdaEditorError(
            f"{name} was not deployed: the package is {format_size(len(package.data))}, over "
            f"Lambda's {format_size(DIRECT_UPLOAD_LIMIT)} limit for a direct upload.",
            'Make it smaller: add patterns to the "exclude" setting, or move dependencies to '
            "a layer.",
        )


def _send(
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
        if not workspace.binding.revision_id:  # the marker is checked on load; never "no check"
            raise LambdaEditorError(f"{workspace.binding.function_name} has no RevisionId.")
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
    configuration = _settled_configuration(client, arn, sleep)
    if configuration.get("CodeSha256") in ours:
        return str(configuration["RevisionId"])
    return None


def _settled_configuration(client: Any, arn: str, sleep: Callable[[float], None]) -> Dict[str, Any]:
    """The configuration once no update is in progress, a failed one included."""
    try:
        return wait_for_update(client, arn, sleep)
    except UpdateFailedError as failure:
        return failure.configuration


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
    """Lambda accepted the upload, then reported the update `Failed`."""

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


def _adopt_failed_revision(
    workspace: Workspace, package: BuiltPackage, configuration: Mapping[str, Any]
) -> None:
    """A failed update of our own upload changes the RevisionId too: take it, so the retry is not
    refused as a remote change. The manifest stays: the files are still to be deployed."""
    if configuration.get("CodeSha256") == package.sha256_b64:
        workspace.with_revision(configuration).save()


DeployEventKind = Literal["progress", "finished", "failed"]


@dataclass(frozen=True)
class DeployEvent:
    """What the queue tells its listener: a deploy started, finished, or failed."""

    root: str
    kind: DeployEventKind
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

    def _emit(self, root: str, kind: DeployEventKind, message: str, **details: Any) -> None:
        """Tell the listener; a listener that fails must not stop the deploys."""
        try:
            self._on_event(DeployEvent(root, kind, message, **details))
        except Exception as exc:
            log_unexpected(exc, f"report a deploy of {root}")
