"""The local endpoint answers like AWS Lambda where moto alone does not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from botocore.exceptions import ClientError
from conftest import FunctionFactory, zip_files

from lambda_editor.errors import LambdaEditorError
from lambda_editor.sandbox import (
    InvokeRequest,
    InvokeResponse,
    Sandbox,
    invocation_not_supported,
    sample_zip,
    seed,
)

# moto 5.2 needs Python 3.10+: where it cannot be installed, the endpoint cannot run.
pytest.importorskip("moto.server")
from lambda_editor.sandbox.backend import MotoBackend

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def slow_updates(sandbox: Sandbox) -> Iterator[None]:
    """Updates stay InProgress far longer than the test runs, so it can act within the phase."""
    delay = sandbox.update_delay
    sandbox.update_delay = 60
    yield
    sandbox.update_delay = delay


def create(functions: FunctionFactory, name: str, body: str = "v1") -> Dict[str, Any]:
    return functions.configure(
        {"lambda_function.py": f"# {body}\n"}, name=name, handler="lambda_function.lambda_handler"
    )


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def wait_until_settled(lam: Any, name: str) -> Dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        configuration = dict(lam.get_function_configuration(FunctionName=name))
        if configuration["LastUpdateStatus"] != "InProgress":
            return configuration
        time.sleep(0.05)
    raise AssertionError(f"{name} stayed InProgress")


def error_code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def http_status(info: pytest.ExceptionInfo[ClientError]) -> int:
    return int(info.value.response["ResponseMetadata"]["HTTPStatusCode"])


def test_code_location_serves_the_deployed_zip(lam: Any, functions: FunctionFactory) -> None:
    create(functions, "loc-fn", body="hello")
    function = lam.get_function(FunctionName="loc-fn")
    location = function["Code"]["Location"]
    assert location.startswith(lam.meta.endpoint_url + "/")
    code = download(location)
    assert sha256_b64(code) == function["Configuration"]["CodeSha256"]
    assert zipfile.ZipFile(io.BytesIO(code)).read("lambda_function.py") == b"# hello\n"


def test_code_url_is_bound_to_the_code_it_was_issued_for(
    lam: Any, functions: FunctionFactory
) -> None:
    configuration = create(functions, "loc-stale")
    old_location = lam.get_function(FunctionName="loc-stale")["Code"]["Location"]
    lam.update_function_code(
        FunctionName="loc-stale",
        ZipFile=zip_files({"lambda_function.py": "# v2\n"}),
        RevisionId=configuration["RevisionId"],
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        download(old_location)
    assert refused.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as forged:
        download(re.sub(r"token=\w+", "token=0", old_location))
    assert forged.value.code == 403
    new_location = lam.get_function(FunctionName="loc-stale")["Code"]["Location"]
    assert b"# v2" in zipfile.ZipFile(io.BytesIO(download(new_location))).read("lambda_function.py")


def test_every_configuration_has_the_current_revision_id(
    lam: Any, functions: FunctionFactory
) -> None:
    created = create(functions, "rev-fn")
    revision = created["RevisionId"]
    assert revision
    assert lam.get_function(FunctionName="rev-fn")["Configuration"]["RevisionId"] == revision
    assert lam.get_function_configuration(FunctionName="rev-fn")["RevisionId"] == revision
    listed = [
        function
        for page in lam.get_paginator("list_functions").paginate()
        for function in page["Functions"]
        if function["FunctionName"] == "rev-fn"
    ]
    assert [function["RevisionId"] for function in listed] == [revision]
    assert "LastUpdateStatus" not in listed[0]  # ListFunctions leaves the states out, as AWS


def test_update_is_in_progress_then_successful_with_new_revisions(
    lam: Any, functions: FunctionFactory
) -> None:
    created = create(functions, "phase-fn")
    updated = lam.update_function_code(
        FunctionName="phase-fn",
        ZipFile=zip_files({"lambda_function.py": "# v2\n"}),
        RevisionId=created["RevisionId"],
    )
    assert updated["LastUpdateStatus"] == "InProgress"
    assert "LastUpdateStatusReason" not in updated
    assert updated["RevisionId"] != created["RevisionId"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", updated["LastModified"])
    settled = wait_until_settled(lam, "phase-fn")
    assert settled["LastUpdateStatus"] == "Successful"
    # AWS changes the RevisionId again when the update completes (aws/aws-sdk#377).
    assert settled["RevisionId"] not in (created["RevisionId"], updated["RevisionId"])
    assert settled["CodeSha256"] == updated["CodeSha256"] != created["CodeSha256"]


def test_stale_revision_is_refused_and_the_code_is_untouched(
    sandbox: Sandbox, lam: Any, functions: FunctionFactory
) -> None:
    created = create(functions, "stale-fn")
    lam.update_function_code(
        FunctionName="stale-fn",
        ZipFile=zip_files({"lambda_function.py": "# theirs\n"}),
        RevisionId=created["RevisionId"],
    )
    theirs = wait_until_settled(lam, "stale-fn")
    with pytest.raises(ClientError) as refused:
        lam.update_function_code(
            FunctionName="stale-fn",
            ZipFile=zip_files({"lambda_function.py": "# mine\n"}),
            RevisionId=created["RevisionId"],
        )
    assert error_code(refused) == "PreconditionFailedException"
    assert http_status(refused) == 412
    assert "does not match the latest Revision Id" in refused.value.response["Error"]["Message"]
    function = lam.get_function(FunctionName="stale-fn")
    assert function["Configuration"]["CodeSha256"] == theirs["CodeSha256"]
    assert function["Configuration"]["RevisionId"] == theirs["RevisionId"]
    code = download(function["Code"]["Location"])
    assert zipfile.ZipFile(io.BytesIO(code)).read("lambda_function.py") == b"# theirs\n"
    assert sandbox.stats.update_function_code["stale-fn"] == 2


@pytest.mark.usefixtures("slow_updates")
def test_updates_during_an_update_conflict(
    sandbox: Sandbox, lam: Any, functions: FunctionFactory
) -> None:
    create(functions, "busy-fn")
    lam.update_function_code(FunctionName="busy-fn", ZipFile=zip_files({"a.py": "1"}))
    with pytest.raises(ClientError) as code_update:
        lam.update_function_code(FunctionName="busy-fn", ZipFile=zip_files({"a.py": "2"}))
    with pytest.raises(ClientError) as config_update:
        lam.update_function_configuration(FunctionName="busy-fn", Timeout=9)
    for refused in (code_update, config_update):
        assert error_code(refused) == "ResourceConflictException"
        assert http_status(refused) == 409
        arn = f"arn:aws:lambda:us-east-1:{sandbox.account_id}:function:busy-fn"
        message = refused.value.response["Error"]["Message"]
        assert message.endswith(f"An update is in progress for resource: {arn}")
    configuration = lam.get_function_configuration(FunctionName="busy-fn")
    assert configuration["LastUpdateStatus"] == "InProgress"
    assert configuration["Timeout"] == 3


@pytest.mark.usefixtures("slow_updates")
def test_concurrent_updates_are_accepted_one_at_a_time(
    lam: Any, functions: FunctionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(functions, "race-fn")
    # moto applies updates slowly here, so every request arrives while the first is applied.
    original_call = MotoBackend.call

    def slow_call(self: MotoBackend, environ: Dict[str, Any]) -> Any:
        if environ["REQUEST_METHOD"] == "PUT":
            time.sleep(0.2)
        return original_call(self, environ)

    monkeypatch.setattr(MotoBackend, "call", slow_call)
    outcomes: List[str] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def deploy(index: int) -> None:
        start.wait()
        try:
            lam.update_function_code(
                FunctionName="race-fn", ZipFile=zip_files({"a.py": str(index)})
            )
            outcome = "accepted"
        except ClientError as exc:
            outcome = str(exc.response["Error"]["Code"])
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=deploy, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ResourceConflictException"] * 5 + ["accepted"]


def test_a_planned_failure_ends_the_next_update_failed(
    sandbox: Sandbox, lam: Any, functions: FunctionFactory
) -> None:
    create(functions, "fail-fn")
    sandbox.fail_next_update("fail-fn", "The runtime could not start.")
    updated = lam.update_function_code(FunctionName="fail-fn", ZipFile=zip_files({"a.py": "1"}))
    assert updated["LastUpdateStatus"] == "InProgress"
    failed = wait_until_settled(lam, "fail-fn")
    assert failed["LastUpdateStatus"] == "Failed"
    assert failed["LastUpdateStatusReason"] == "The runtime could not start."
    assert failed["LastUpdateStatusReasonCode"] == "InternalError"
    lam.update_function_code(FunctionName="fail-fn", ZipFile=zip_files({"a.py": "2"}))
    recovered = wait_until_settled(lam, "fail-fn")
    assert recovered["LastUpdateStatus"] == "Successful"
    assert "LastUpdateStatusReason" not in recovered


def test_dry_run_changes_nothing(lam: Any, functions: FunctionFactory) -> None:
    created = create(functions, "dry-fn")
    lam.update_function_code(FunctionName="dry-fn", ZipFile=zip_files({"a.py": "1"}), DryRun=True)
    configuration = lam.get_function_configuration(FunctionName="dry-fn")
    assert configuration["RevisionId"] == created["RevisionId"]
    assert configuration["LastUpdateStatus"] == "Successful"
    assert configuration["CodeSha256"] == created["CodeSha256"]


def test_ephemeral_storage_and_logging_are_kept_and_answered_as_aws_does(
    lam: Any, functions: FunctionFactory
) -> None:
    name = functions.create(LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"})
    created = lam.get_function_configuration(FunctionName=name)["LoggingConfig"]
    lam.update_function_configuration(FunctionName=name, EphemeralStorage={"Size": 2048})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    updated = lam.get_function(FunctionName=name)["Configuration"]

    assert created == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "WARN",
        "LogGroup": f"/aws/lambda/{name}",
    }
    assert updated["EphemeralStorage"] == {"Size": 2048}
    assert updated["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}


@pytest.mark.usefixtures("slow_updates")
def test_a_recreated_function_starts_afresh(lam: Any, functions: FunctionFactory) -> None:
    first = create(functions, "again-fn")
    lam.update_function_code(FunctionName="again-fn", ZipFile=zip_files({"a.py": "1"}))
    lam.delete_function(FunctionName="again-fn")
    second = create(functions, "again-fn")
    assert second["RevisionId"] != first["RevisionId"]
    assert lam.get_function_configuration(FunctionName="again-fn")["LastUpdateStatus"] == (
        "Successful"
    )
    lam.update_function_configuration(FunctionName="again-fn", Description="not refused")


def test_list_functions_pages_through_many_functions(lam: Any, functions: FunctionFactory) -> None:
    names = {f"page-{index:03d}" for index in range(125)}
    for name in names:
        create(functions, name)

    pages = list(lam.get_paginator("list_functions").paginate())
    listed = [f["FunctionName"] for page in pages for f in page["Functions"]]
    assert sorted(name for name in listed if name.startswith("page-")) == sorted(names)
    assert len(listed) == len(set(listed))
    assert len(pages) >= 3
    assert all(len(page["Functions"]) <= 50 for page in pages)

    small_pages: List[List[str]] = []
    marker: Optional[str] = None
    while True:
        kwargs = {"MaxItems": 7, **({"Marker": marker} if marker else {})}
        page = lam.list_functions(**kwargs)
        small_pages.append([f["FunctionName"] for f in page["Functions"]])
        marker = page.get("NextMarker")
        if not marker:
            break
    assert all(len(page) <= 7 for page in small_pages)
    assert [name for page in small_pages for name in page] == listed

    with pytest.raises(ClientError) as refused:
        lam.list_functions(Marker="not a marker!")
    assert error_code(refused) == "InvalidParameterValueException"


def test_a_refusing_handler_answers_501_and_requests_are_counted(
    sandbox: Sandbox, lam: Any
) -> None:
    sandbox.reset_stats()
    seed(sandbox.url)
    default_handler = sandbox.invoke_handler
    sandbox.invoke_handler = invocation_not_supported
    try:
        with pytest.raises(ClientError) as refused:
            lam.invoke(FunctionName="hello-python", Payload=b"{}")
        assert http_status(refused) == 501
        assert "does not run functions" in refused.value.response["Error"]["Message"]
        assert refused.value.response["ResponseMetadata"]["RetryAttempts"] == 0
        with pytest.raises(ClientError) as missing:
            lam.invoke(FunctionName="no-such-fn", Payload=b"{}")
        assert error_code(missing) == "ResourceNotFoundException"
    finally:
        sandbox.invoke_handler = default_handler
    assert sandbox.stats.invoke == {"hello-python": 1, "no-such-fn": 1}


def test_invoke_handler_gets_the_function_and_answers(sandbox: Sandbox, lam: Any) -> None:
    seed(sandbox.url)
    default_handler = sandbox.invoke_handler
    received: List[InvokeRequest] = []

    def handler(request: InvokeRequest) -> InvokeResponse:
        received.append(request)
        return InvokeResponse(200, b'{"ok": true}', {"X-Amz-Executed-Version": "$LATEST"})

    sandbox.invoke_handler = handler
    try:
        arn = f"arn:aws:lambda:us-east-1:{sandbox.account_id}:function:slack-bot"
        answer = lam.invoke(FunctionName=arn, Payload=b'{"a": 1}', LogType="Tail")
    finally:
        sandbox.invoke_handler = default_handler
    assert json.loads(answer["Payload"].read()) == {"ok": True}
    assert answer["ExecutedVersion"] == "$LATEST"
    (request,) = received
    assert (request.function_name, request.qualifier, request.region) == (
        "slack-bot",
        None,
        "us-east-1",
    )
    assert request.payload == b'{"a": 1}'
    assert request.headers["X-Amz-Log-Type"] == "Tail"
    assert request.configuration["Handler"] == "lambda_function.lambda_handler"
    assert request.code == sample_zip("slack-bot")


def test_seed_creates_the_samples(sandbox: Sandbox, lam: Any) -> None:
    assert seed(sandbox.url) == ["hello-python", "slack-bot", "custom-runtime"]
    assert seed(sandbox.url) == ["hello-python", "slack-bot", "custom-runtime"]  # idempotent
    runtimes = {}
    for name in ("hello-python", "slack-bot", "custom-runtime"):
        function = lam.get_function(FunctionName=name)
        runtimes[name] = function["Configuration"]["Runtime"]
        code = download(function["Code"]["Location"])
        assert sha256_b64(code) == function["Configuration"]["CodeSha256"]
    assert runtimes == {
        "hello-python": "python3.12",
        "slack-bot": "python3.12",
        "custom-runtime": "provided.al2023",
    }
    slack = lam.get_function_configuration(FunctionName="slack-bot")
    assert "SLACK_SIGNING_SECRET" in slack["Environment"]["Variables"]

    custom = lam.get_function(FunctionName="custom-runtime")
    archive = zipfile.ZipFile(io.BytesIO(download(custom["Code"]["Location"])))
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    assert modes == {"bootstrap": 0o755, "function.sh": 0o644}
    assert custom["Configuration"]["Handler"] == "function.handler"


def load_sample_handler(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with zipfile.ZipFile(io.BytesIO(sample_zip(name))) as archive:
        archive.extractall(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the handler adds its vendor/ folder
    spec = importlib.util.spec_from_file_location(
        f"sample_{tmp_path.name}", tmp_path / "lambda_function.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def slack_event(body: str, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    return {
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


def test_slack_bot_answers_a_slash_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = load_sample_handler("slack-bot", tmp_path, monkeypatch)
    monkeypatch.setenv("REQUIRE_SIGNATURE", "false")
    reply = handler(slack_event("command=%2Fhello&text=echo+hi+there&user_name=ana"), None)
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"]) == {"response_type": "in_channel", "text": "hi there"}


def test_slack_bot_checks_signatures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = load_sample_handler("slack-bot", tmp_path, monkeypatch)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.delenv("REQUIRE_SIGNATURE", raising=False)
    body = "command=%2Fhello&text=ping"
    stamp = str(int(time.time()))
    # Slack signs "v0:timestamp:body" with HMAC-SHA256 of the signing secret.
    good = "v0=" + hmac.new(b"s3cret", f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    signed = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": good}
    forged = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00"}
    assert json.loads(handler(slack_event(body, signed), None)["body"])["text"] == "pong"
    assert handler(slack_event(body, forged), None)["statusCode"] == 401
    assert handler(slack_event(body), None)["statusCode"] == 401


def test_missing_moto_gets_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.moto_server.werkzeug_app", None)
    with pytest.raises(LambdaEditorError) as missing:
        Sandbox().start()
    assert "needs moto" in missing.value.message
    assert "pip install 'lambda-editor[sandbox]'" in missing.value.hint


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT cannot be sent to a child on Windows")
def test_serve_prints_the_url_first_then_the_seeded_names_and_stops_on_ctrl_c() -> None:
    script = "import sys; from lambda_editor.sandbox import serve; serve(0, True, sys.stdout)"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", lines[0])
    assert lines[1:] == ["hello-python", "slack-bot", "custom-runtime"]
