"""The local endpoint runs the deployed code for real and answers Invoke as AWS Lambda does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from typing import Any, Callable, Dict, List, Optional, TypeVar

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from conftest import FunctionFactory, zip_files

from lambda_editor import aws
from lambda_editor.aws import AwsTarget
from lambda_editor.events import template_text
from lambda_editor.sandbox import InvokeRequest, Sandbox, seed
from lambda_editor.sandbox.runner import endpoint_credentials

# moto 5.2 needs Python 3.10+: where it cannot be installed, the endpoint cannot run.
pytest.importorskip("moto.server")

HANDLER_FILE = "lambda_function.py"
T = TypeVar("T")


@pytest.fixture(scope="module", autouse=True)
def samples(sandbox: Sandbox) -> None:
    seed(sandbox.url)


@pytest.fixture
def deploy(functions: FunctionFactory) -> Callable[..., str]:
    """Create a Python function named after `prefix` from `{path: text}`; its name."""

    def create(prefix: str, files: Dict[str, str], **configuration: Any) -> str:
        return functions.create(
            files, prefix=prefix, handler="lambda_function.lambda_handler", **configuration
        )

    return create


def handler_code(*body: str, imports: str = "") -> Dict[str, str]:
    """A lambda_function.py whose handler runs `body` (one statement a line)."""
    lines = [imports, "def lambda_handler(event, context):", *[f"    {line}" for line in body]]
    return {HANDLER_FILE: "\n".join(lines) + "\n"}


def wait_for(value: Callable[[], Optional[T]], what: str, limit_s: float = 20.0) -> T:
    """Poll until `value()` is truthy (an asynchronous run, a log arriving) and return it."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        found = value()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def read_json(answer: Dict[str, Any]) -> Any:
    return json.loads(answer["Payload"].read())


def log_tail(answer: Dict[str, Any]) -> bytes:
    return base64.b64decode(answer["LogResult"])


def log_messages(sandbox: Sandbox, name: str) -> List[str]:
    """Every message of the function's CloudWatch log group, oldest first; [] before any run."""
    logs = sandbox.client("logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{name}")
        events = [event for page in pages for event in page["events"]]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return []
        raise
    return [event["message"] for event in sorted(events, key=lambda event: event["timestamp"])]


def reports(sandbox: Sandbox, name: str) -> int:
    """How many runs of the function have finished (each logs one REPORT line)."""
    return sum(message.startswith("REPORT ") for message in log_messages(sandbox, name))


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def http_status(caught: pytest.ExceptionInfo[ClientError]) -> int:
    return int(caught.value.response["ResponseMetadata"]["HTTPStatusCode"])


# ---- seeded samples --------------------------------------------------------------------------


def test_hello_python_returns_what_its_code_returns(lam: Any) -> None:
    answer = lam.invoke(FunctionName="hello-python", Payload=b'{"name": "Ana"}')
    assert answer["StatusCode"] == 200
    assert answer["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in answer
    assert "LogResult" not in answer  # only asked-for tails are sent
    reply = read_json(answer)
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"]) == {"message": "Hello, Ana!"}


def test_slack_bot_answers_the_slash_command_template(lam: Any) -> None:
    event = json.loads(template_text("slack-slash-command"))
    configuration = lam.get_function_configuration(FunctionName="slack-bot")
    secret = configuration["Environment"]["Variables"]["SLACK_SIGNING_SECRET"].encode()
    stamp = str(int(time.time()))
    signed = hmac.new(secret, f"v0:{stamp}:{event['body']}".encode(), hashlib.sha256)
    fresh = dict(event, headers=dict(event["headers"]))
    fresh["headers"]["X-Slack-Request-Timestamp"] = stamp
    fresh["headers"]["X-Slack-Signature"] = "v0=" + signed.hexdigest()

    reply = read_json(lam.invoke(FunctionName="slack-bot", Payload=json.dumps(fresh).encode()))
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"]) == {
        "response_type": "in_channel",
        "text": "Sorry Steve, `/weather` does not know `94070`.",
    }
    # The template's own signature is stale: the code refuses it, as it would in production.
    stale = read_json(lam.invoke(FunctionName="slack-bot", Payload=json.dumps(event).encode()))
    assert stale["statusCode"] == 401


def test_a_custom_runtime_is_refused_with_a_reason(sandbox: Sandbox, lam: Any) -> None:
    with pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName="custom-runtime", Payload=b"{}")
    assert http_status(refused) == 501
    assert "runs Python functions only" in refused.value.response["Error"]["Message"]
    assert "custom-runtime" not in sandbox.stats.runs


# ---- what the code does ----------------------------------------------------------------------


def test_an_unhandled_exception_points_at_the_users_line(lam: Any, deploy: Any) -> None:
    code = {
        HANDLER_FILE: (
            "def lambda_handler(event, context):\n"
            "    return check(event)\n"
            "\n"
            "def check(event):\n"
            "    raise ValueError('no order id in ' + repr(event))\n"
        )
    }
    name = deploy("raises", code)
    answer = lam.invoke(FunctionName=name, Payload=b'{"id": null}', LogType="Tail")
    assert answer["StatusCode"] == 200  # a function error is not an HTTP error
    assert answer["FunctionError"] == "Unhandled"
    error = read_json(answer)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "no order id in {'id': None}"
    assert f'{HANDLER_FILE}", line 5, in check' in error["stackTrace"][-1]
    assert "[ERROR] ValueError: no order id" in log_tail(answer).decode()


def test_the_tail_is_the_log_ending_with_the_report_line(lam: Any, deploy: Any) -> None:
    name = deploy("tails", handler_code("print('checking stock')", "return 'ok'"))
    answer = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    tail = log_tail(answer)
    assert len(tail) <= 4096
    request_id = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    lines = tail.decode().splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "checking stock" in lines
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")


def test_a_long_log_is_cut_to_its_last_4_kb_and_kept_whole_in_cloudwatch(
    sandbox: Sandbox, lam: Any, deploy: Any
) -> None:
    name = deploy(
        "chatty", handler_code("for i in range(100):", "    print(f'line-{i:03d} ' + 'x' * 90)")
    )
    answer = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    tail = log_tail(answer)
    assert len(tail) == 4096
    text = tail.decode()
    assert "START RequestId" not in text and "line-000" not in text
    assert "line-099" in text
    assert text.splitlines()[-1].startswith("REPORT RequestId: ")

    messages = log_messages(sandbox, name)
    # One CloudWatch event per line: START, the 100 printed lines, END, REPORT.
    assert len(messages) == 103
    assert messages[0].startswith("START RequestId: ")
    assert messages[1] == "line-000 " + "x" * 90 + "\n"
    assert messages[-1].startswith("REPORT RequestId: ")


def test_the_function_reads_its_environment(lam: Any, deploy: Any) -> None:
    code = handler_code(
        "env = os.environ",
        "name = env['AWS_LAMBDA_FUNCTION_NAME']",
        "return [env['GREETING'], name, context.memory_limit_in_mb]",
        imports="import os",
    )
    name = deploy(
        "env-reader", code, Environment={"Variables": {"GREETING": "hola"}}, MemorySize=256
    )
    assert read_json(lam.invoke(FunctionName=name, Payload=b"{}")) == ["hola", name, "256"]


def test_packages_in_vendor_can_be_imported(lam: Any, deploy: Any) -> None:
    files = handler_code(
        "return {'total': pricing.total([2, 3])}",
        imports=(
            "import os, sys\n"
            "sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'vendor'))\n"
            "import pricing"
        ),
    )
    files["vendor/pricing/__init__.py"] = "def total(items):\n    return sum(items) * 10\n"
    name = deploy("vendored", files)
    assert read_json(lam.invoke(FunctionName=name, Payload=b"{}")) == {"total": 50}


def test_the_handlers_boto3_calls_reach_the_endpoint(lam: Any, deploy: Any) -> None:
    code = handler_code(
        "lam = boto3.client('lambda')",
        "return lam.get_function_configuration(FunctionName=context.function_name)['Timeout']",
        imports="import boto3",
    )
    name = deploy("calls-aws", code, Timeout=7)
    assert read_json(lam.invoke(FunctionName=name, Payload=b"{}")) == 7


def test_a_response_over_six_megabytes_fails_as_on_lambda(lam: Any, deploy: Any) -> None:
    name = deploy("too-big", handler_code("return 'x' * event['size']"))
    fits = lam.invoke(FunctionName=name, Payload=b'{"size": 6000000}')
    too_big = lam.invoke(FunctionName=name, Payload=b'{"size": 6300000}')

    assert "FunctionError" not in fits
    assert len(fits["Payload"].read()) == 6_000_002
    assert too_big["FunctionError"] == "Unhandled"
    assert read_json(too_big) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_the_context_names_the_stream_the_log_goes_to(sandbox: Sandbox, deploy: Any) -> None:
    name = deploy(
        "stream-namer", handler_code("print('in my stream')", "return context.log_stream_name")
    )
    stream = read_json(sandbox.client("lambda").invoke(FunctionName=name, Payload=b"{}"))

    events = sandbox.client("logs").get_log_events(
        logGroupName=f"/aws/lambda/{name}", logStreamName=stream
    )["events"]
    assert "in my stream\n" in [event["message"] for event in events]


def test_the_handlers_credentials_point_at_the_endpoint() -> None:
    request = InvokeRequest(
        account_id="123456789012",
        region="us-east-1",
        function_name="fn",
        qualifier=None,
        payload=b"{}",
        headers={"host": "127.0.0.1:4567"},
        configuration={},
        code=b"",
    )
    assert endpoint_credentials(request) == {
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4567",
    }


def test_a_slow_function_times_out_as_on_lambda(lam: Any, deploy: Any) -> None:
    name = deploy("too-slow", handler_code("time.sleep(30)", imports="import time"), Timeout=1)
    answer = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    assert answer["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in read_json(answer)["errorMessage"]
    assert "Task timed out after 1.00 seconds" in log_tail(answer).decode()


# ---- invocation types, qualifiers and refusals -----------------------------------------------


def test_an_event_is_accepted_at_once_and_still_runs(
    sandbox: Sandbox, lam: Any, deploy: Any
) -> None:
    name = deploy("on-event", handler_code("print('processing', event['order'])"))
    answer = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 42}')
    assert answer["StatusCode"] == 202
    assert answer["Payload"].read() == b""
    wait_for(lambda: reports(sandbox, name), "the run to finish")
    assert "processing 42\n" in log_messages(sandbox, name)
    assert sandbox.stats.runs[name] == 1


def test_a_dry_run_runs_nothing(sandbox: Sandbox, lam: Any, deploy: Any) -> None:
    name = deploy("dry", handler_code("return 1"))
    answer = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert answer["StatusCode"] == 204
    assert sandbox.stats.invoke[name] == 1
    assert name not in sandbox.stats.runs
    assert log_messages(sandbox, name) == []


def test_versions_and_aliases_run_the_code_they_name(lam: Any, deploy: Any) -> None:
    name = deploy("versioned", handler_code("return 'v1'"))
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2})
    lam.update_function_code(FunctionName=name, ZipFile=zip_files(handler_code("return 'v2'")))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2})

    outcomes = {}
    for qualifier in ("$LATEST", "1", "live"):
        answer = lam.invoke(FunctionName=name, Qualifier=qualifier, Payload=b"{}")
        outcomes[qualifier] = (answer["ExecutedVersion"], read_json(answer))
    assert outcomes == {"$LATEST": ("$LATEST", "v2"), "1": ("1", "v1"), "live": ("1", "v1")}


def test_refused_invocations_answer_as_lambda_and_run_nothing(
    sandbox: Sandbox, lam: Any, deploy: Any
) -> None:
    name = deploy("refuser", handler_code("return 1"))
    refusals = [
        ({"FunctionName": "no-such-fn", "Payload": b"{}"}, 404, "ResourceNotFoundException"),
        (
            {"FunctionName": name, "Payload": b'"' + b"x" * (6 * 1024 * 1024) + b'"'},
            413,
            "RequestEntityTooLargeException",
        ),
        (
            {
                "FunctionName": name,
                "InvocationType": "Event",
                "Payload": b"[" + b"1," * 600_000 + b"1]",
            },
            413,
            "RequestEntityTooLargeException",
        ),
        ({"FunctionName": name, "Payload": b"{not json"}, 400, "InvalidRequestContentException"),
        # Lambda's JSON parser has no NaN or Infinity (Python's json module accepts them).
        ({"FunctionName": name, "Payload": b'{"r": NaN}'}, 400, "InvalidRequestContentException"),
        ({"FunctionName": name, "Payload": b"-Infinity"}, 400, "InvalidRequestContentException"),
    ]
    for request, status, code in refusals:
        with pytest.raises(ClientError) as refused:
            lam.invoke(**request)
        assert (http_status(refused), error_code(refused)) == (status, code)
    assert name not in sandbox.stats.runs


def test_parallel_first_invocations_share_one_extraction(
    sandbox: Sandbox, lam: Any, deploy: Any
) -> None:
    name = deploy("popular", handler_code("return event['n'] * 2"))
    results: Dict[int, Any] = {}

    def invoke(n: int) -> None:
        client = sandbox.client("lambda")
        results[n] = read_json(
            client.invoke(FunctionName=name, Payload=json.dumps({"n": n}).encode())
        )

    threads = [threading.Thread(target=invoke, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {0: 0, 1: 2, 2: 4, 3: 6}
    assert sandbox.stats.runs[name] == 4


# ---- read timeouts never run a function twice -----------------------------------------------


def test_a_read_timeout_without_retries_runs_the_function_once(
    sandbox: Sandbox, deploy: Any
) -> None:
    """The contrast: botocore's default retries send Invoke again, and the function runs again."""
    code = handler_code("time.sleep(1)", "return 'done'", imports="import time")
    target = AwsTarget(region="us-east-1", endpoint_url=sandbox.url)

    once = deploy("slow-no-retries", code)
    ours = aws.lambda_client(target, read_timeout=0.5, max_attempts=1)
    with pytest.raises(ReadTimeoutError):
        ours.invoke(FunctionName=once, Payload=b"{}")
    wait_for(lambda: reports(sandbox, once), "the run to finish")
    assert (sandbox.stats.invoke[once], sandbox.stats.runs[once]) == (1, 1)

    retried = deploy("slow-default-retries", code)
    default = aws.lambda_client(target, read_timeout=0.5)  # standard mode: up to 3 attempts
    with pytest.raises(ReadTimeoutError):
        default.invoke(FunctionName=retried, Payload=b"{}")
    wait_for(lambda: reports(sandbox, retried) == 3, "every attempt's run to finish")
    assert (sandbox.stats.invoke[retried], sandbox.stats.runs[retried]) == (3, 3)
