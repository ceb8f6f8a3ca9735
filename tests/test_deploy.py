"""Deploying a workspace against botocore's Stubber: what the local endpoint cannot produce."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any, Dict, List

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from lambda_editor import deploy, updates
from lambda_editor.deploy import DeployEvent, DeployQueue, deploy_workspace
from lambda_editor.errors import LambdaEditorError, RemoteChangedError
from lambda_editor.packaging.builder import build_package
from lambda_editor.packaging.manifest import scan
from lambda_editor.workspace import Binding, Workspace

ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"


def configuration(**overrides: Any) -> Dict[str, Any]:
    config = {
        "FunctionName": "my-fn",
        "FunctionArn": ARN,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "RevisionId": "rev-1",
        "CodeSha256": "old-sha",
        "Timeout": 3,
        "MemorySize": 128,
        "Architectures": ["x86_64"],
        "LastUpdateStatus": "Successful",
    }
    config.update(overrides)
    return config


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace whose app.py was edited after the download."""
    root = tmp_path / "my-fn"
    root.mkdir()
    (root / "app.py").write_text("def handler(event, context):\n    return 1\n")
    downloaded = scan(str(root))
    (root / "app.py").write_text("def handler(event, context):\n    return 2\n")
    binding = Binding.from_configuration(configuration(), None, None)
    return Workspace.create(str(root), binding, downloaded)


@pytest.fixture
def stubbed() -> Any:
    client = boto3.client(
        "lambda", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def no_sleep(_seconds: float) -> None:
    pass


def expect_upload(stubber: Stubber, revision: Any = "rev-1") -> None:
    params: Dict[str, Any] = {"FunctionName": ARN, "ZipFile": ANY}
    if revision is not None:
        params["RevisionId"] = revision
    stubber.add_response(
        "update_function_code", configuration(LastUpdateStatus="InProgress"), params
    )


def test_deploy_uploads_waits_and_records_the_new_revision(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    sha = build_package(workspace.root).sha256_b64
    expect_upload(stubber)
    stubber.add_response("get_function_configuration", configuration(LastUpdateStatus="InProgress"))
    stubber.add_response(
        "get_function_configuration", configuration(RevisionId="rev-2", CodeSha256=sha)
    )
    progress: List[str] = []

    result = deploy_workspace(
        workspace.root, client=client, sleep=no_sleep, on_progress=progress.append
    )

    assert result.deployed and result.revision_id == "rev-2"
    saved = Workspace.load(workspace.root)
    assert saved.binding.revision_id == "rev-2" and saved.binding.code_sha256 == sha
    assert not saved.undeployed_changes()
    assert progress[0].startswith("deploying my-fn (")


def test_a_workspace_matching_the_deployment_uploads_nothing(
    workspace: Workspace, stubbed: Any
) -> None:
    client, _stubber = stubbed
    workspace.with_deployment(configuration(), scan(workspace.root)).save()

    result = deploy_workspace(workspace.root, client=client)

    assert not result.deployed
    assert result.describe() == "my-fn: no changes to deploy"


def test_a_remote_change_refuses_the_deploy_and_keeps_the_marker(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "update_function_code", "PreconditionFailedException", "Revision Id mismatch", 412
    )
    stubber.add_response(
        "get_function_configuration", configuration(RevisionId="theirs", CodeSha256="their-sha")
    )

    with pytest.raises(RemoteChangedError, match="changed in AWS"):
        deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    assert Workspace.load(workspace.root).binding.revision_id == "rev-1"
    assert Workspace.load(workspace.root).undeployed_changes()


def test_an_upload_whose_outcome_was_never_seen_is_recognised_as_ours(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    sha = build_package(workspace.root).sha256_b64
    expect_upload(stubber)
    stubber.add_client_error("get_function_configuration", "ServiceException", "lost", 500)

    with pytest.raises(LambdaEditorError):  # the upload went through; its outcome was lost
        deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    assert [upload.code_sha256 for upload in Workspace.load(workspace.root).pending] == [sha]
    (Path(workspace.root) / "app.py").write_text("def handler(event, context):\n    return 3\n")
    newer = build_package(workspace.root).sha256_b64
    ours = configuration(RevisionId="r2", CodeSha256=sha)
    stubber.add_response("get_function_configuration", ours)  # asked first: what AWS holds
    expect_upload(stubber, revision="r2")
    stubber.add_response(
        "get_function_configuration", configuration(RevisionId="r3", CodeSha256=newer)
    )

    result = deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    assert result.revision_id == "r3"
    assert Workspace.load(workspace.root).pending == ()


def test_force_deploys_without_the_revision_guard(workspace: Workspace, stubbed: Any) -> None:
    client, stubber = stubbed
    sha = build_package(workspace.root).sha256_b64
    stubber.add_response("get_function_configuration", configuration(RevisionId="theirs"))
    expect_upload(stubber, revision=None)
    stubber.add_response(
        "get_function_configuration", configuration(RevisionId="rev-9", CodeSha256=sha)
    )

    assert deploy_workspace(workspace.root, client=client, force=True, sleep=no_sleep).deployed


def test_an_update_in_progress_is_waited_for_then_retried(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    sha = build_package(workspace.root).sha256_b64
    stubber.add_client_error(
        "update_function_code", "ResourceConflictException", "An update is in progress", 409
    )
    stubber.add_response("get_function_configuration", configuration())
    expect_upload(stubber)
    stubber.add_response(
        "get_function_configuration", configuration(RevisionId="rev-3", CodeSha256=sha)
    )

    assert deploy_workspace(workspace.root, client=client, sleep=no_sleep).revision_id == "rev-3"


def test_the_wait_polls_every_tenth_of_a_second_while_the_update_runs(stubbed: Any) -> None:
    client, stubber = stubbed
    for _ in range(3):
        stubber.add_response(
            "get_function_configuration", configuration(LastUpdateStatus="InProgress")
        )
    stubber.add_response("get_function_configuration", configuration(RevisionId="rev-2"))
    pauses: List[float] = []

    assert updates.wait_for_update(client, ARN, pauses.append)["RevisionId"] == "rev-2"
    assert pauses == [0.1, 0.1, 0.1]


def test_slow_updates_are_polled_less_and_less_often_up_to_once_a_second() -> None:
    pauses = list(itertools.islice(updates.poll_delays(), 60))

    assert pauses[:30] == [0.1] * 30  # the first three seconds
    later = pauses[30:]
    assert later == sorted(later) and later[0] > 0.1 and later[-1] == 1.0


def test_a_failed_update_reports_its_reason_and_keeps_local_state(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    expect_upload(stubber)
    stubber.add_response(
        "get_function_configuration",
        configuration(
            LastUpdateStatus="Failed",
            LastUpdateStatusReason="Unzipped size must be smaller than 262144000 bytes",
            LastUpdateStatusReasonCode="InvalidCode",
        ),
    )

    with pytest.raises(LambdaEditorError, match="262144000 bytes") as failure:
        deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    assert "local files are unchanged" in failure.value.hint
    assert Workspace.load(workspace.root).undeployed_changes()


def test_a_failed_update_of_our_upload_takes_its_revision_so_the_retry_is_not_refused(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    sha = build_package(workspace.root).sha256_b64
    expect_upload(stubber)
    failed = configuration(
        LastUpdateStatus="Failed", LastUpdateStatusReason="boom", RevisionId="rev-f", CodeSha256=sha
    )
    stubber.add_response("get_function_configuration", failed)

    with pytest.raises(LambdaEditorError, match="boom"):
        deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    saved = Workspace.load(workspace.root)
    assert saved.binding.revision_id == "rev-f"
    assert saved.undeployed_changes()


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("TooManyRequestsException", 429, "throttling"),
        ("ExpiredTokenException", 403, "expired or invalid"),
        ("AccessDeniedException", 403, "lambda:UpdateFunctionCode"),
    ],
)
def test_service_errors_become_actionable_messages(
    workspace: Workspace, stubbed: Any, code: str, status: int, expected: str
) -> None:
    client, stubber = stubbed
    stubber.add_client_error("update_function_code", code, "nope", status)

    with pytest.raises(LambdaEditorError) as failure:
        deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    assert expected in str(failure.value)
    assert Workspace.load(workspace.root).undeployed_changes()


def test_someone_deploying_right_after_us_is_not_taken_for_our_deploy(
    workspace: Workspace, stubbed: Any
) -> None:
    client, stubber = stubbed
    expect_upload(stubber)
    stubber.add_response(
        "get_function_configuration", configuration(RevisionId="theirs", CodeSha256="their-sha")
    )

    with pytest.raises(RemoteChangedError):
        deploy_workspace(workspace.root, client=client, sleep=no_sleep)

    assert Workspace.load(workspace.root).binding.revision_id == "rev-1"


def test_a_package_over_the_direct_upload_limit_is_refused_before_any_call(
    workspace: Workspace, stubbed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _stubber = stubbed
    monkeypatch.setattr(deploy, "DIRECT_UPLOAD_LIMIT", 10)

    with pytest.raises(LambdaEditorError, match="limit for a direct upload"):
        deploy_workspace(workspace.root, client=client)


class RecordingDeploy:
    """A deploy that blocks until released, recording what each call saw."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.seen: List[str] = []
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self, root: str, **_options: Any) -> deploy.DeployResult:
        self.seen.append(self.source.read_text())
        self.started.set()
        self.release.wait(10)
        return deploy.DeployResult("my-fn", True, 1, "sha", "rev", 0.0)


def test_saves_during_a_deploy_coalesce_into_one_more_deploy_of_the_latest_state(
    tmp_path: Path,
) -> None:
    source = tmp_path / "app.py"
    source.write_text("v1")
    recording = RecordingDeploy(source)
    events: List[DeployEvent] = []
    queue = DeployQueue(recording, events.append)

    queue.submit(str(tmp_path))
    assert recording.started.wait(10)
    for version in ("v2", "v3", "v4"):
        source.write_text(version)
        queue.submit(str(tmp_path))
    recording.release.set()

    assert queue.wait_idle(10)
    assert recording.seen == ["v1", "v4"]
    assert [event.kind for event in events] == ["finished", "finished"]


def test_a_refused_deploy_drops_the_pending_one(tmp_path: Path) -> None:
    calls: List[bool] = []
    gate = threading.Event()

    def refused(root: str, force: bool = False, **_options: Any) -> deploy.DeployResult:
        calls.append(force)
        gate.wait(10)
        raise RemoteChangedError("changed remotely")

    events: List[DeployEvent] = []
    queue = DeployQueue(refused, events.append)
    queue.submit(str(tmp_path))
    queue.submit(str(tmp_path))
    gate.set()

    assert queue.wait_idle(10)
    assert calls == [False]
    assert isinstance(events[-1].error, RemoteChangedError)


def test_a_pending_deploy_anyway_runs_after_a_refused_deploy(tmp_path: Path) -> None:
    calls: List[bool] = []
    gate = threading.Event()

    def refused_unless_forced(root: str, force: bool = False, **_options: Any) -> Any:
        calls.append(force)
        gate.wait(10)
        if not force:
            raise RemoteChangedError("changed remotely")
        return deploy.DeployResult("my-fn", True, 1, "sha", "rev", 0.0)

    queue = DeployQueue(refused_unless_forced, lambda _event: None)
    queue.submit(str(tmp_path))
    queue.submit(str(tmp_path), force=True)
    gate.set()

    assert queue.wait_idle(10)
    assert calls == [False, True]


def test_a_failing_listener_does_not_stop_the_queue(tmp_path: Path) -> None:
    def deployed(root: str, **_options: Any) -> Any:
        return deploy.DeployResult("my-fn", True, 1, "sha", "rev", 0.0)

    def broken_listener(_event: DeployEvent) -> None:
        raise RuntimeError("listener bug")

    queue = DeployQueue(deployed, broken_listener)
    queue.submit(str(tmp_path))

    assert queue.wait_idle(10)
    assert not queue.is_busy(str(tmp_path))
