"""Remote and local Invoke through the same InvokeResult, and the panel text made from it."""

from __future__ import annotations

import base64
import json
import sys
import textwrap
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import pytest
from botocore.exceptions import ReadTimeoutError

from lambda_editor import actions, aws, invoke
from lambda_editor.aws import AwsTarget
from lambda_editor.errors import BotoMissingError, LambdaEditorError
from lambda_editor.events import check_payload_size
from lambda_editor.invoke import (
    READ_TIMEOUT_MARGIN_S,
    HandlerCredentials,
    Invocation,
    handler_credentials,
    invoke_and_keep,
    invoke_client,
    invoke_local,
    invoke_remote,
)
from lambda_editor.invoke_result import INVOCATION_TYPES, InvokeResult, ReportFigures
from lambda_editor.invoke_text import format_result
from lambda_editor.last_result import load_last_result, save_last_result
from lambda_editor.limits import SYNC_PAYLOAD_LIMIT
from lambda_editor.local_runner import FunctionSpec
from lambda_editor.sandbox import invoke as sandbox_invoke
from lambda_editor.workspace import Binding, Workspace

REPORT = (
    "REPORT RequestId: 8f5b2c1e-0000-4000-8000-000000000001\tDuration: 15.74 ms\t"
    "Billed Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms"
)
LOG = (
    "START RequestId: 8f5b2c1e-0000-4000-8000-000000000001 Version: $LATEST\n"
    "hello from the handler\n"
    "END RequestId: 8f5b2c1e-0000-4000-8000-000000000001\n" + REPORT + "\n"
)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-for-tests")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    aws.reset_sessions()
    yield
    aws.reset_sessions()


TARGET = AwsTarget(region="us-east-1")


# ---- the result and its panel text ------------------------------------------------------------


def test_report_figures_come_from_the_report_line() -> None:
    assert ReportFigures.from_log(LOG) == ReportFigures(15.74, 16, 128, 56, 130.49)
    assert ReportFigures.from_log("START RequestId: x\n") is None
    warm = "REPORT RequestId: x\tDuration: 2.01 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB"
    assert ReportFigures.from_log(warm) == ReportFigures(2.01, 3, 256, None, None)


def test_successful_result_panel() -> None:
    result = InvokeResult(
        function_name="my-fn",
        status_code=200,
        payload=b'{"statusCode": 200, "body": "hi"}',
        executed_version="$LATEST",
        log_tail=LOG,
    )
    assert format_result(result) == (
        "my-fn · $LATEST · 200 · Duration 15.74 ms · Billed 16 ms · Memory 56/128 MB"
        " · Init 130.49 ms\n"
        "\n"
        "Response:\n"
        "{\n"
        '  "statusCode": 200,\n'
        '  "body": "hi"\n'
        "}\n"
        "\n"
        "Log:\n" + LOG
    )
    assert result.succeeded and result.response_is_json and result.error_details is None


def test_function_error_panel_lays_out_the_stack_trace() -> None:
    error = {
        "errorMessage": "division by zero",
        "errorType": "ZeroDivisionError",
        "requestId": "8f5b2c1e-0000-4000-8000-000000000001",
        "stackTrace": [
            '  File "/var/task/lambda_function.py", line 5, in lambda_handler\n'
            "    return helpers.divide(1, 0)\n",
            '  File "/var/task/helpers.py", line 3, in divide\n    return a / b\n',
        ],
    }
    result = InvokeResult(
        function_name="my-fn",
        status_code=200,
        payload=json.dumps(error).encode(),
        executed_version="3",
        function_error="Unhandled",
        log_tail=LOG,
    )
    text = format_result(result)

    assert text.startswith(
        "my-fn · 3 · 200 · Duration 15.74 ms · Billed 16 ms · Memory 56/128 MB · Init 130.49 ms\n"
        "\n"
        "Unhandled: ZeroDivisionError: division by zero\n"
        '  File "/var/task/lambda_function.py", line 5, in lambda_handler\n'
        "    return helpers.divide(1, 0)\n"
        '  File "/var/task/helpers.py", line 3, in divide\n'
        "    return a / b\n"
        "\n"
        "Response:\n{\n"
    )
    assert text.endswith("Log:\n" + LOG)
    assert result.error_details is not None
    assert result.error_details.error_type == "ZeroDivisionError"
    assert len(result.error_details.stack_trace) == 2


def test_raw_text_response_and_asynchronous_results() -> None:
    raw = InvokeResult(function_name="my-fn", status_code=200, payload=b"plain <b>text</b>")
    assert format_result(raw) == "my-fn · 200\n\nResponse:\nplain <b>text</b>\n"
    assert not raw.response_is_json

    queued = InvokeResult(function_name="my-fn", status_code=202, invocation_type="Event")
    assert format_result(queued) == "my-fn · 202 · queued for asynchronous invocation\n"
    dry = InvokeResult(function_name="my-fn", status_code=204, invocation_type="DryRun")
    assert format_result(dry) == "my-fn · 204 · dry run: the call would be allowed\n"


def test_json_form_round_trips_and_the_last_result_is_kept(tmp_path: Path) -> None:
    result = InvokeResult(
        function_name="my-fn",
        status_code=200,
        payload=b'{"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}',
        executed_version="$LATEST",
        function_error="Unhandled",
        log_tail=LOG,
        local=True,
        warnings=("python3.12 was not found on PATH",),
    )
    data = result.to_json()
    assert data["payload"]["errorType"] == "ValueError"
    assert data["report"]["duration_ms"] == 15.74
    assert data["error"] == {"error_type": "ValueError", "error_message": "boom", "stack_trace": []}
    assert json.loads(json.dumps(data)) == data
    assert InvokeResult.from_json(data) == result

    metadata = tmp_path / ".lambda-editor"
    assert load_last_result(str(metadata)) is None
    save_last_result(str(metadata), result)
    assert load_last_result(str(metadata)) == result

    text_result = InvokeResult(function_name="my-fn", status_code=200, payload=b'"a" but not JSON')
    assert InvokeResult.from_json(text_result.to_json()) == text_result


def test_a_last_result_that_cannot_be_saved_is_not_an_error(tmp_path: Path) -> None:
    result = InvokeResult(function_name="my-fn", status_code=200, payload=b"{}")
    blocked = tmp_path / "a-file-where-the-folder-should-be"
    blocked.write_text("")

    assert save_last_result(str(blocked), result) is False
    assert save_last_result(str(tmp_path / ".lambda-editor"), result) is True


def test_the_sandbox_refuses_the_same_invocation_types() -> None:
    # One definition: the sandbox refuses exactly what the editor offers.
    assert vars(sandbox_invoke)["INVOCATION_TYPES"] is INVOCATION_TYPES


# ---- remote, against a local HTTP endpoint that counts invocations -----------------------------


@dataclass(frozen=True)
class Answer:
    """What the endpoint answers an Invoke with."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: Mapping[str, str] = field(
        default_factory=lambda: {"X-Amz-Executed-Version": "$LATEST"}
    )


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: Mapping[str, str]
    body: bytes


NOT_FOUND = Answer(
    404,
    b'{"Type": "User", "message": "Function not found: my-fn"}',
    {"x-amzn-ErrorType": "ResourceNotFoundException"},
)


class CountingEndpoint:
    """A Lambda endpoint stand-in: records Invoke requests and gives them `answer` after `delay`
    seconds; GetFunctionConfiguration gets `configuration`, or not found when there is none."""

    def __init__(self, delay: float) -> None:
        self.answer = Answer()
        self.configuration: Optional[Dict[str, Any]] = None
        self.seen: List[SeenRequest] = []
        self.configuration_reads: List[str] = []
        self.release = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.configuration_reads.append(self.path)
                configuration = endpoint.configuration
                if configuration is None:
                    self.send(NOT_FOUND)
                else:
                    self.send(Answer(body=json.dumps(configuration).encode(), headers={}))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoint.seen.append(SeenRequest(self.path, dict(self.headers), body))
                endpoint.release.wait(delay)
                self.send(endpoint.answer)

            def send(self, answer: Answer) -> None:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self) -> List[str]:
        return [request.path for request in self.seen]

    @property
    def target(self) -> AwsTarget:
        return AwsTarget(
            region="us-east-1", endpoint_url=f"http://127.0.0.1:{self.server.server_port}"
        )

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[CountingEndpoint]:
    running = CountingEndpoint(delay=0)
    yield running
    running.close()


@pytest.fixture
def slow_endpoint() -> Iterator[CountingEndpoint]:
    running = CountingEndpoint(delay=30)
    yield running
    running.close()


def test_invoke_client_waits_past_the_function_timeout_and_never_retries() -> None:
    client = invoke_client(TARGET, function_timeout=120)

    assert client.meta.config.read_timeout == 120 + READ_TIMEOUT_MARGIN_S
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.config.retries["mode"] == "standard"


def test_invoke_sends_tail_and_qualifier_and_decodes_the_log(endpoint: CountingEndpoint) -> None:
    endpoint.answer = Answer(
        body=b'{"errorMessage": "boom", "errorType": "ValueError"}',
        headers={
            "X-Amz-Function-Error": "Unhandled",
            "X-Amz-Executed-Version": "7",
            "X-Amz-Log-Result": base64.b64encode(LOG.encode()).decode(),
        },
    )
    result = invoke_remote(
        endpoint.target, "my-fn", b'{"a": 1}', qualifier="live", function_timeout=3
    )

    [request] = endpoint.seen
    assert request.path == "/2015-03-31/functions/my-fn/invocations?Qualifier=live"
    assert request.headers["X-Amz-Invocation-Type"] == "RequestResponse"
    assert request.headers["X-Amz-Log-Type"] == "Tail"
    assert request.body == b'{"a": 1}'
    assert result.status_code == 200
    assert result.executed_version == "7"
    assert result.function_error == "Unhandled"
    assert result.log_tail == LOG
    assert result.error_details is not None and result.error_details.error_message == "boom"


def test_a_function_invoked_by_its_arn_is_named_by_its_name(endpoint: CountingEndpoint) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:my-fn:live"
    endpoint.answer = Answer(202, b"")

    result = invoke_remote(endpoint.target, arn, b"{}", function_timeout=3)

    assert result.function_name == "my-fn"


def test_asynchronous_invoke_asks_for_no_log(endpoint: CountingEndpoint) -> None:
    endpoint.answer = Answer(202, b"", {})

    result = invoke_remote(
        endpoint.target, "my-fn", b"{}", invocation_type="Event", function_timeout=3
    )

    [request] = endpoint.seen
    assert request.headers["X-Amz-Invocation-Type"] == "Event"
    assert "X-Amz-Log-Type" not in request.headers
    assert result.status_code == 202
    assert result.log_tail == ""
    assert result.payload == b""


def test_aws_errors_are_explained(endpoint: CountingEndpoint) -> None:
    endpoint.answer = NOT_FOUND

    with pytest.raises(LambdaEditorError, match="Could not invoke my-fn") as caught:
        invoke_remote(endpoint.target, "my-fn", b"{}", function_timeout=3)

    assert "Function not found: my-fn" in str(caught.value)


def test_unknown_invocation_type_is_refused() -> None:
    with pytest.raises(LambdaEditorError, match="not an invocation type"):
        invoke_remote(TARGET, "my-fn", b"{}", function_timeout=3, invocation_type="Later")


def test_a_read_timeout_never_runs_the_function_twice(slow_endpoint: CountingEndpoint) -> None:
    with pytest.raises(LambdaEditorError) as caught:
        invoke_remote(slow_endpoint.target, "my-fn", b"{}", function_timeout=0, margin=0.3)

    assert slow_endpoint.requests == ["/2015-03-31/functions/my-fn/invocations"]
    assert "no answer within 0.3 s" in str(caught.value)
    assert "not invoked again" in str(caught.value)


def test_the_counting_endpoint_does_see_retries(slow_endpoint: CountingEndpoint) -> None:
    """The control for the test above: a client that may retry is caught retrying."""
    client = aws.lambda_client(slow_endpoint.target, read_timeout=0.3, max_attempts=2)
    with pytest.raises(ReadTimeoutError):
        client.invoke(FunctionName="my-fn", Payload=b"{}")
    assert len(slow_endpoint.requests) == 2


def test_invoke_over_http_returns_the_response(endpoint: CountingEndpoint) -> None:
    result = invoke_remote(endpoint.target, "my-fn", b"{}", function_timeout=3)
    assert (result.status_code, result.payload, result.executed_version) == (
        200,
        b'{"ok": true}',
        "$LATEST",
    )


def test_an_oversized_payload_is_never_sent(endpoint: CountingEndpoint) -> None:
    with pytest.raises(LambdaEditorError, match="Nothing was sent"):
        invoke_remote(endpoint.target, "my-fn", b"x" * (SYNC_PAYLOAD_LIMIT + 1), function_timeout=3)
    assert endpoint.requests == []


def test_without_a_timeout_the_current_one_is_read_first(
    monkeypatch: pytest.MonkeyPatch, endpoint: CountingEndpoint
) -> None:
    read_timeouts: List[Optional[float]] = []
    real_client = aws.lambda_client

    def spying_client(target: AwsTarget, **options: Any) -> Any:
        read_timeouts.append(options.get("read_timeout"))
        return real_client(target, **options)

    monkeypatch.setattr(aws, "lambda_client", spying_client)
    endpoint.configuration = {"FunctionName": "my-fn", "Timeout": 600}

    result = invoke_remote(endpoint.target, "my-fn", b"{}", qualifier="live")

    assert result.payload == b'{"ok": true}'
    assert endpoint.configuration_reads == [
        "/2015-03-31/functions/my-fn/configuration?Qualifier=live"
    ]
    # The configuration is read with botocore's default; Invoke waits past the current timeout.
    assert read_timeouts == [None, 600 + READ_TIMEOUT_MARGIN_S]


def test_a_timeout_that_cannot_be_read_is_explained_and_nothing_is_invoked(
    endpoint: CountingEndpoint,
) -> None:
    with pytest.raises(LambdaEditorError, match="Could not read the configuration of my-fn"):
        invoke_remote(endpoint.target, "my-fn", b"{}")
    assert len(endpoint.configuration_reads) == 1
    assert endpoint.requests == []


def test_the_request_is_checked_once(
    monkeypatch: pytest.MonkeyPatch, endpoint: CountingEndpoint
) -> None:
    checked: List[bytes] = []
    real_check = check_payload_size

    def counting_check(payload: bytes, invocation_type: str = "RequestResponse") -> None:
        checked.append(payload)
        real_check(payload, invocation_type)

    monkeypatch.setattr(invoke, "check_payload_size", counting_check)
    invoke_remote(endpoint.target, "my-fn", b'{"n": 1}', function_timeout=3)
    assert checked == [b'{"n": 1}']


def test_handler_credentials_come_from_the_target() -> None:
    credentials = handler_credentials(TARGET)
    assert credentials.variables == {
        "AWS_ACCESS_KEY_ID": "AKIDTEST",
        "AWS_SECRET_ACCESS_KEY": "secret-for-tests",
    }
    assert credentials.missing_reason == ""
    assert "secret-for-tests" not in repr(credentials)
    local = AwsTarget(region="us-east-1", endpoint_url="http://127.0.0.1:9999")
    assert handler_credentials(local).variables["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9999"


def test_handler_credentials_without_boto3_are_empty_and_say_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_boto3(target: AwsTarget) -> Any:
        raise BotoMissingError("No module named 'boto3'")

    monkeypatch.setattr(aws, "session", no_boto3)
    credentials = handler_credentials(TARGET)

    assert credentials.variables == {}
    assert "boto3 is not installed" in credentials.missing_reason


def test_handler_credentials_of_a_broken_profile_are_empty_and_say_why() -> None:
    credentials = handler_credentials(AwsTarget(profile="no-such-profile", region="us-east-1"))

    assert credentials.variables == {}
    assert "no-such-profile" in credentials.missing_reason


def test_handler_credentials_that_are_not_configured_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    # No instance metadata service to wait for.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws.reset_sessions()

    credentials = handler_credentials(TARGET)

    assert credentials.variables == {}
    assert credentials.missing_reason == "none are configured for profile default."


# ---- local, with real code ---------------------------------------------------------------------


def write_handler(root: Path, body: str) -> Path:
    path = root / "lambda_function.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def spec(**values: Any) -> FunctionSpec:
    return FunctionSpec(name="my-fn", handler="lambda_function.lambda_handler", **values)


def test_local_invoke_shows_in_the_same_panel(tmp_path: Path) -> None:
    write_handler(
        tmp_path,
        """
        import os

        def lambda_handler(event, context):
            print("stage is", os.environ["STAGE"])
            return {"echo": event}
        """,
    )
    result = invoke_local(
        str(tmp_path),
        spec(environment={"STAGE": "dev"}),
        b'{"n": 1}',
        interpreter=sys.executable,
    )
    text = format_result(result)

    assert result.local and result.succeeded and result.warnings == ()
    assert text.startswith("my-fn (local) · $LATEST · 200 · Duration ")
    assert " · Memory " in text.splitlines()[0]
    assert " · Init " in text.splitlines()[0]
    assert 'Response:\n{\n  "echo": {\n    "n": 1\n  }\n}\n' in text
    assert "stage is dev\n" in text


def test_local_unhandled_exception_points_at_the_users_line(tmp_path: Path) -> None:
    path = write_handler(
        tmp_path,
        """
        def lambda_handler(event, context):
            items = []
            return items[3]
        """,
    )
    result = invoke_local(str(tmp_path), spec(), b"{}", interpreter=sys.executable)
    text = format_result(result)

    assert result.function_error == "Unhandled"
    assert (
        "\n\nUnhandled: IndexError: list index out of range\n"
        f'  File "{path}", line 4, in lambda_handler\n'
        "    return items[3]\n"
    ) in text


def test_local_invoke_without_credentials_runs_and_says_why(tmp_path: Path) -> None:
    write_handler(
        tmp_path,
        """
        import os

        def lambda_handler(event, context):
            return os.environ.get("AWS_ACCESS_KEY_ID")
        """,
    )
    credentials = handler_credentials(AwsTarget(profile="no-such-profile", region="us-east-1"))
    result = invoke_local(
        str(tmp_path), spec(), b"{}", interpreter=sys.executable, credentials=credentials
    )

    assert result.succeeded and result.payload == b"null"
    (warning,) = result.warnings
    assert warning.startswith("No AWS credentials were passed to the handler: ")
    assert "no-such-profile" in warning
    assert "secret-for-tests" not in format_result(result)
    assert f"Note: {warning}" in format_result(result)


def test_local_invoke_passes_the_credentials(tmp_path: Path) -> None:
    write_handler(
        tmp_path,
        """
        import os

        def lambda_handler(event, context):
            return os.environ.get("AWS_SECRET_ACCESS_KEY")
        """,
    )
    result = invoke_local(
        str(tmp_path),
        spec(),
        b"{}",
        interpreter=sys.executable,
        credentials=HandlerCredentials({"AWS_SECRET_ACCESS_KEY": "from-the-profile"}),
    )
    assert result.payload == b'"from-the-profile"'
    assert result.warnings == ()


def test_local_timeout_reads_like_lambda(tmp_path: Path) -> None:
    write_handler(
        tmp_path,
        """
        import time

        def lambda_handler(event, context):
            time.sleep(30)
        """,
    )
    result = invoke_local(str(tmp_path), spec(timeout=1), b"{}", interpreter=sys.executable)

    assert result.function_error == "Unhandled"
    assert result.error_details is not None
    assert result.error_details.error_message.endswith("Task timed out after 1.00 seconds")
    assert "Unhandled: " in format_result(result)
    report = result.report
    assert report is not None and report.duration_ms is not None and report.duration_ms >= 1000


def test_local_invoke_refuses_an_oversized_payload_before_running(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write_handler(
        tmp_path,
        f"""
        def lambda_handler(event, context):
            open({str(marker)!r}, "w").close()
        """,
    )
    with pytest.raises(LambdaEditorError, match="Nothing was sent"):
        invoke_local(
            str(tmp_path),
            spec(),
            b"x" * (SYNC_PAYLOAD_LIMIT + 1),
            interpreter=sys.executable,
        )
    assert not marker.exists()


def test_only_python_functions_run_locally(tmp_path: Path) -> None:
    with pytest.raises(LambdaEditorError, match="Only Python functions run locally") as refused:
        invoke_local(str(tmp_path), spec(runtime="nodejs20.x"), b"{}")
    assert refused.value.next_action == actions.INVOKE_IN_AWS


# ---- invoking and keeping the result: what both front ends run -------------------------------


def workspace_of(root: Path) -> Workspace:
    this_python = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    configuration = {
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
        "FunctionName": "my-fn",
        "Runtime": this_python,
        "Handler": "lambda_function.lambda_handler",
    }
    return Workspace(str(root), Binding.from_configuration(configuration, None, None), {})


def test_a_local_run_is_kept_as_the_workspaces_last_result(tmp_path: Path) -> None:
    write_handler(tmp_path, "def lambda_handler(event, context):\n    return event\n")
    workspace = workspace_of(tmp_path)
    invocation = Invocation("my-fn", TARGET, workspace, local=True, interpreter=sys.executable)

    result = invoke_and_keep(invocation, b'{"n": 1}')

    assert result.local and result.payload == b'{"n": 1}' and result.warnings == ()
    assert load_last_result(workspace.metadata_dir) == result


def test_a_remote_run_is_kept_too(tmp_path: Path, endpoint: CountingEndpoint) -> None:
    endpoint.configuration = {"FunctionName": "my-fn", "Timeout": 3}
    workspace = workspace_of(tmp_path)

    result = invoke_and_keep(Invocation("my-fn", endpoint.target, workspace), b"{}")

    assert not result.local and result.payload == b'{"ok": true}'
    assert load_last_result(workspace.metadata_dir) == result


def test_a_local_run_without_a_workspace_says_to_download_it() -> None:
    with pytest.raises(LambdaEditorError, match="no workspace of my-fn") as missing:
        invoke_and_keep(Invocation("my-fn", TARGET, local=True), b"{}")
    assert missing.value.next_action == actions.DOWNLOAD
