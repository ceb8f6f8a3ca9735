"""Deploying a workspace: skip what is already deployed, never overwrite someone else's deploy.

`deploy_workspace` does one deploy, holding the workspace's lock (see `locking`), so a deploy
from another process or thread never interleaves with it. It deploys what changed: the
configuration file (see `configure`), then the code, each update guarded by the RevisionId (see
`updates`). Configuration first: new code usually needs its new configuration (a variable, a
layer, more memory), while the code running meanwhile rarely minds it. `DeployQueue` runs
deploys off the caller's thread and coalesces the saves made while one runs into a single
further deploy of the latest state.

Every update is recorded in the marker as pending before it is sent, and confirmed once the
final configuration shows it. While any is unconfirmed (the process was killed, the answer was
lost), the marker does not know what is deployed: a deploy that looks like a no-op asks AWS
first, and a RevisionId changed by one of our own pending updates is recognised as ours.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Tuple

from . import aws, configure, history, s3_upload, warm_start
from .configuration import Configuration, changes_of, from_function, holds
from .errors import LambdaEditorError, RemoteChangedError, explain
from .limits import DIRECT_UPLOAD_LIMIT
from .locking import workspace_lock
from .log import log_unexpected, logger
from .packaging.builder import BuiltPackage
from .packaging.manifest import excluded_here, listed_paths
from .packaging.walk import one_walk
from .s3_upload import S3Location
from .swap import finish_interrupted_swap
from .units import counted, format_size
from .updates import (
    Sleep,
    UpdateFailedError,
    remote_changed,
    send_guarded,
    settled_configuration,
    wait_for_update,
)
from .upload_body import stream_zip_uploads
from .workspace import Workspace

ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class DeployResult:
    function_name: str
    deployed: bool  # False: the workspace already matched what is deployed
    size: int  # bytes of the uploaded zip (0 when no code was uploaded)
    code_sha256: str
    revision_id: str
    finished_at: float  # time.time()
    # Files the deployed code held that this deploy removed, being excluded here.
    removed_excluded: Tuple[str, ...] = ()
    configured: Tuple[str, ...] = ()  # the configuration fields this deploy changed
    notices: Tuple[str, ...] = ()  # what else the user must know (an object left in S3)

    def describe(self) -> str:
        if not self.deployed:
            return f"{self.function_name}: no changes to deploy"
        clock = time.strftime("%H:%M:%S", time.localtime(self.finished_at))
        parts = [format_size(self.size)] if self.size else []
        if self.configured:
            parts.append(f"configuration: {', '.join(self.configured)}")
        text = f"{self.function_name} deployed {clock} ({'; '.join(parts)})"
        if self.removed_excluded:
            text += f", without {counted(len(self.removed_excluded), 'file')} excluded here"
        return text


def deploy_workspace(
    root: str,
    *,
    exclude: Sequence[str] = (),
    force: bool = False,
    on_progress: Optional[ProgressCallback] = None,
    client: Any = None,
    sleep: Sleep = time.sleep,
    history_limits: history.HistoryLimits = history.DEFAULT_LIMITS,
    s3: Optional[S3Location] = None,
) -> DeployResult:
    """Deploy the workspace at `root` where it differs from what is deployed.

    Each update carries the RevisionId recorded in the marker, so Lambda refuses it atomically
    when someone else deployed in between (`RemoteChangedError`); `force` drops that guard. The
    configuration file is checked before anything is sent. A package over the direct-upload
    limit goes through `s3`. A confirmed deploy's zip joins the workspace's history, kept
    within `history_limits`.
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
                s3=s3,
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
        sleep: Sleep,
        history_limits: history.HistoryLimits,
        s3: Optional[S3Location],
    ) -> None:
        self.workspace = workspace
        self.exclude = exclude
        self.force = force
        self.report = report
        self.sleep = sleep
        self.history_limits = history_limits
        self.s3 = s3
        self.name = workspace.binding.function_name
        self.notices: List[str] = []
        self._aws_configuration: Configuration = {}  # a forced deploy's reading of AWS
        self._given_client = client

    @functools.cached_property
    def client(self) -> Any:
        client = self._given_client
        if client is None:
            client = aws.lambda_client(self.workspace.binding.target)
        stream_zip_uploads(client)  # once per deploy, not at each call
        return client

    def run(self) -> DeployResult:
        try:
            return self._run()
        except LambdaEditorError:
            raise
        except Exception as exc:
            raise explain(exc, f"deploy {self.name}", self.workspace.binding.profile) from exc

    def _run(self) -> DeployResult:
        warm_start.load_hashes(self.workspace.root)
        wanted = self.workspace.wanted_configuration()  # checked before anything is sent
        # With an update unconfirmed, the marker does not know what is deployed: AWS is asked.
        pending = self.workspace.pending or self.workspace.pending_configuration is not None
        needed = pending and self._settle_pending()
        replaced = self._configuration_to_replace(wanted)
        if self.force:  # "deploy anyway": what AWS holds becomes what the workspace holds
            needed = self._take_over() or needed
            replaced = self._aws_configuration
        configured = self._configure(wanted, replaced)
        if not needed and self.workspace.local_manifest(self.exclude) == self.workspace.manifest:
            warm_start.keep_hashes(self.workspace)
            return self._without_code(configured)
        warm_start.offer_reusable_entries(self.workspace)
        package = self.workspace.build_package(self.exclude)
        self._check_size(package)
        removed = excluded_here(self.workspace.root, self.workspace.manifest, package.manifest)
        removed = sorted({*removed, *self.workspace.left_out})
        if removed:
            self.report(
                f"{self.name}: will remove {counted(len(removed), 'file')} that the deployed "
                f"code holds but are excluded here: {listed_paths(removed)}"
            )
        # Recorded before it is sent: if the answer never comes, the next deploy knows it.
        self.workspace = self.workspace.with_pending(package.sha256_b64, package.manifest)
        self.workspace.save()
        stored = warm_start.store_while_uploading(self.workspace, package)
        configuration = self._upload(package, stored)
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
            configured=configured,
            notices=tuple(self.notices),
        )

    def _without_code(self, configured: Tuple[str, ...]) -> DeployResult:
        binding = self.workspace.binding
        return DeployResult(
            binding.function_name,
            bool(configured),
            0,
            binding.code_sha256,
            binding.revision_id,
            time.time(),
            configured=configured,
        )

    def _configuration_to_replace(self, wanted: Optional[Configuration]) -> Configuration:
        """The configuration the file's changes are measured against: the one recorded."""
        deployed = self.workspace.binding.configuration
        if wanted is not None and deployed is None and not self.force:
            # A workspace downloaded before configurations were recorded.
            self.workspace = configure.recorded_configuration(self.client, self.workspace)
            deployed = self.workspace.binding.configuration
        return deployed or {}

    def _take_over(self) -> bool:
        """Before a forced deploy: read what AWS holds, which the configuration file replaces;
        True when its code is someone else's, which the workspace's code replaces."""
        current = settled_configuration(
            self.client, self.workspace.binding.function_arn, self.sleep
        )
        self._aws_configuration = from_function(current)
        return current.get("CodeSha256") != self.workspace.binding.code_sha256

    def _configure(
        self, wanted: Optional[Configuration], deployed: Configuration
    ) -> Tuple[str, ...]:
        """Deploy what the configuration file changes; the fields it changed."""
        changes = changes_of(wanted or {}, deployed)
        if not changes:
            return ()
        self.workspace = configure.deploy_configuration(
            self.client,
            self.workspace,
            wanted or {},
            deployed,
            force=self.force,
            report=self.report,
            sleep=self.sleep,
        )
        return tuple(changes)

    def _settle_pending(self) -> bool:
        """Find out which of the pending updates AWS holds, and record it as deployed. True when
        the code must be deployed whatever the workspace holds: our last upload failed, or
        `force` overwrites someone else's change."""
        self.report(f"{self.name}: an earlier deploy was not confirmed, checking what AWS holds…")
        workspace = self.workspace
        configuration = settled_configuration(
            self.client, workspace.binding.function_arn, self.sleep
        )
        succeeded = configuration.get("LastUpdateStatus", "Successful") == "Successful"
        current = configuration.get("CodeSha256")
        uploaded = next((up for up in workspace.pending if up.code_sha256 == current), None)
        configured = _holds(configuration, workspace.pending_configuration)
        known_code = uploaded is not None or current == workspace.binding.code_sha256
        recorded = workspace.binding.configuration  # None: not recorded, nothing to compare
        known_configuration = configured or recorded is None or _holds(configuration, recorded)
        logger.debug("%s holds %s; %d pending", self.name, current, len(workspace.pending))
        if not (known_code and known_configuration) or not (succeeded or uploaded or configured):
            if self.force:
                return True
            raise remote_changed(workspace)
        settled = replace(workspace, pending=(), pending_configuration=None)
        if not succeeded:  # our update failed: its RevisionId is the one to send next
            if uploaded is not None:
                self.workspace = settled.with_revision(configuration)
                return True
            binding = replace(settled.binding, revision_id=str(configuration["RevisionId"]))
            self.workspace = replace(settled, binding=binding)
        elif uploaded is not None:
            self.workspace = settled.with_deployment(configuration, uploaded.manifest)
        elif configured:
            self.workspace = settled.with_configuration_deployed(configuration)
        else:  # none of them took effect
            self.workspace = settled
        self.workspace.save()
        return False

    def _check_size(self, package: BuiltPackage) -> None:
        # The unzipped size was checked by the build, which names the biggest files.
        if package.zipped_size > DIRECT_UPLOAD_LIMIT and self.s3 is None:
            raise s3_upload.too_big_without_bucket(self.name, package.zipped_size)

    def _upload(self, package: BuiltPackage, stored: warm_start.StoredZip) -> Dict[str, Any]:
        """Upload directly, or through S3 over the direct-upload limit; the final configuration,
        our code confirmed."""
        size = format_size(package.zipped_size)
        if package.zipped_size <= DIRECT_UPLOAD_LIMIT or self.s3 is None:
            self.report(f"deploying {self.name} ({size})…")
            return self._update_code(package, {"ZipFile": package.data})
        key = self.s3.key_for(self.name, package.sha256_b64)
        s3_client = aws.client(self.workspace.binding.target, "s3")
        staged = s3_upload.StagedPackage(s3_client, self.s3, key)
        try:
            staged.upload(stored.path(), package.zipped_size, self.name, self.report)
            self.report(f"deploying {self.name} ({size}) from {staged.url}…")
            return self._update_code(package, staged.code_arguments)
        finally:
            notice = staged.remove()
            if notice:
                self.notices.append(notice)
                self.report(notice)

    def _update_code(self, package: BuiltPackage, source: Dict[str, Any]) -> Dict[str, Any]:
        ours = {package.sha256_b64} | {up.code_sha256 for up in self.workspace.pending}
        arn = self.workspace.binding.function_arn
        try:
            send_guarded(
                self.client,
                self.client.update_function_code,
                {"FunctionName": arn, **source},
                self.workspace,
                force=self.force,
                is_ours=lambda configuration: configuration.get("CodeSha256") in ours,
                sleep=self.sleep,
            )
            self.report(f"waiting for {self.name} to finish updating…")
            configuration = wait_for_update(self.client, arn, self.sleep)
        except UpdateFailedError as failure:
            _adopt_failed_revision(self.workspace, package, failure.configuration)
            raise
        if configuration["CodeSha256"] != package.sha256_b64:
            # Someone deployed right after us: the old RevisionId stays, the next deploy is refused.
            raise remote_changed(self.workspace)
        return configuration


def _holds(configuration: Mapping[str, Any], wanted: Optional[Configuration]) -> bool:
    """Whether a configuration answer holds `wanted` (False when there is nothing to hold)."""
    return wanted is not None and holds(from_function(configuration), wanted)


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
        self._emit(root, "finished", " ".join([result.describe(), *result.notices]), result=result)
        return False

    def _emit(self, root: str, kind: DeployEventKind, message: str, **details: Any) -> None:
        """Tell the listener; a listener that fails must not stop the deploys."""
        try:
            self._on_event(DeployEvent(root, kind, message, **details))
        except Exception as exc:
            log_unexpected(exc, f"report a deploy of {root}")
