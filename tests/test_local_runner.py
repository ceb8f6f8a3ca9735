"""The local runner runs real handlers in a separate Python, the way the Lambda runtime does."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Optional

import pytest

from lambda_editor import _runtime_bootstrap
from lambda_editor.errors import LambdaEditorError
from lambda_editor.local_runner import (
    LOG_TAIL_BYTES,
    RESPONSE_PAYLOAD_LIMIT,
    FunctionSpec,
    LocalRunResult,
    log_result_header,
    log_tail_bytes,
    run_locally,
)


def write(root: Path, relative: str, source: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def run(
    root: Path,
    payload: bytes = b"{}",
    credentials: Optional[Dict[str, str]] = None,
    **spec: Any,
) -> LocalRunResult:
    values: Dict[str, Any] = {"name": "my-fn", "handler": "lambda_function.lambda_handler"}
    values.update(spec)
    return run_locally(
        str(root),
        FunctionSpec(**values),
        payload,
        interpreter=sys.executable,
        credentials=credentials,
    )


def response(result: LocalRunResult) -> Any:
    return json.loads(result.payload)


def test_success_returns_the_json_response_and_logs_between_start_and_end(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        print("cold start")

        def lambda_handler(event, context):
            print("got", event["name"])
            return {"greeting": "hello " + event["name"]}
        """,
    )
    result = run(tmp_path, b'{"name": "ada"}', memory_size=256)

    assert result.function_error is None
    assert response(result) == {"greeting": "hello ada"}
    lines = result.log.splitlines()
    request = result.request_id
    assert lines[0] == "cold start"
    assert lines[1] == f"START RequestId: {request} Version: $LATEST"
    assert lines[2] == "got ada"
    assert lines[3] == f"END RequestId: {request}"
    report = lines[4].split("\t")
    assert report[0] == f"REPORT RequestId: {request}"
    assert report[1].startswith("Duration: ") and report[1].endswith(" ms")
    assert report[2] == f"Billed Duration: {result.billed_duration_ms} ms"
    assert report[3] == "Memory Size: 256 MB"
    assert report[4].startswith("Max Memory Used: ")
    assert report[5].startswith("Init Duration: ")
    assert result.billed_duration_ms >= result.duration_ms
    assert result.init_duration_ms is not None
    assert not result.timed_out


def test_context_has_the_runtime_attributes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            names = ["function_name", "function_version", "invoked_function_arn",
                     "memory_limit_in_mb", "aws_request_id", "log_group_name", "log_stream_name"]
            values = {name: getattr(context, name) for name in names}
            values["remaining"] = context.get_remaining_time_in_millis()
            values["identity"] = context.identity.cognito_identity_id
            return values
        """,
    )
    result = run(tmp_path, timeout=5, memory_size=512, region="eu-west-1", account="123456789012")

    context = response(result)
    assert context["function_name"] == "my-fn"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:my-fn"
    assert context["memory_limit_in_mb"] == "512"  # a string, as on AWS
    assert context["aws_request_id"] == result.request_id
    assert context["log_group_name"] == "/aws/lambda/my-fn"
    assert "[$LATEST]" in context["log_stream_name"]
    assert 0 < context["remaining"] <= 5000
    assert context["identity"] is None


def test_the_context_names_the_log_stream_it_is_given(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            return context.log_stream_name
        """,
    )
    spec = FunctionSpec(name="my-fn", handler="lambda_function.lambda_handler")
    stream = "2024/05/01/[$LATEST]0123456789abcdef0123456789abcdef"
    given = run_locally(
        str(tmp_path), spec, b"{}", interpreter=sys.executable, log_stream_name=stream
    )
    generated = run_locally(str(tmp_path), spec, b"{}", interpreter=sys.executable)

    assert response(given) == stream
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", response(generated))


def test_environment_holds_function_runtime_and_credential_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "the-callers-profile")
    write(
        tmp_path,
        "lambda_function.py",
        """
        import os

        def lambda_handler(event, context):
            names = [
                "GREETING", "_HANDLER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
                "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                "AWS_LAMBDA_FUNCTION_VERSION", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
            ]
            values = {name: os.environ.get(name) for name in names}
            values["cwd"] = os.getcwd()
            return values
        """,
    )
    credentials = {"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "s3cret"}
    result = run(
        tmp_path,
        credentials=credentials,
        runtime="python3.12",
        region="eu-central-1",
        # A reserved name set by the function is overridden by the runtime, as on AWS.
        environment={"GREETING": "hi", "AWS_REGION": "xx-nowhere-1"},
    )

    env = response(result)
    assert env["GREETING"] == "hi"
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "my-fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert os.path.samefile(env["LAMBDA_TASK_ROOT"], tmp_path)
    assert os.path.samefile(env["cwd"], tmp_path)
    assert env["LAMBDA_RUNTIME_DIR"]
    if sys.platform != "win32":
        assert env["TZ"] == ":UTC"
    assert env["AWS_ACCESS_KEY_ID"] == "AKIDLOCAL"
    assert env["AWS_SECRET_ACCESS_KEY"] == "s3cret"
    assert env["AWS_PROFILE"] is None  # the caller's environment does not leak in
    assert "s3cret" not in result.log


def test_vendor_folder_and_nested_handler_modules_import(tmp_path: Path) -> None:
    write(tmp_path, "vendor/helperlib.py", "VALUE = 'from vendor'\n")
    write(tmp_path, "app/__init__.py", "")
    write(
        tmp_path,
        "app/handlers.py",
        """
        import helperlib

        def main(event, context):
            return helperlib.VALUE
        """,
    )
    result = run(tmp_path, handler="app.handlers.main")

    assert result.function_error is None
    assert response(result) == "from vendor"


def test_unhandled_exception_reports_lambdas_shape_with_the_users_frames(tmp_path: Path) -> None:
    write(
        tmp_path,
        "helpers.py",
        """
        def divide(a, b):
            return a / b
        """,
    )
    handler_file = write(
        tmp_path,
        "lambda_function.py",
        """
        import helpers

        def lambda_handler(event, context):
            return helpers.divide(1, 0)
        """,
    )
    result = run(tmp_path)

    assert result.function_error == "Unhandled"
    error = response(result)
    assert error["errorType"] == "ZeroDivisionError"
    assert error["errorMessage"] == "division by zero"
    assert error["requestId"] == result.request_id
    trace = error["stackTrace"]
    assert len(trace) == 2  # the user's two frames, none of the runtime's
    assert trace[0].startswith(f'  File "{handler_file}", line 5, in lambda_handler\n')
    assert "return helpers.divide(1, 0)" in trace[0]
    assert 'helpers.py", line 3, in divide' in trace[1]
    assert "[ERROR] ZeroDivisionError: division by zero\nTraceback (most recent call last):\n" in (
        result.log
    )
    assert result.log.index("[ERROR]") < result.log.index("END RequestId")


def test_timeout_kills_the_process_tree_and_reads_like_lambda(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    write(
        tmp_path,
        "lambda_function.py",
        f"""
        import subprocess, sys, time

        def lambda_handler(event, context):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            with open({str(pid_file)!r}, "w") as stream:
                stream.write(str(child.pid))
            print("about to sleep")
            time.sleep(60)
        """,
    )
    result = run(tmp_path, timeout=1)

    assert result.timed_out
    assert result.function_error == "Unhandled"
    message = response(result)["errorMessage"]
    assert message.endswith(f"{result.request_id} Task timed out after 1.00 seconds")
    assert "about to sleep" in result.log
    assert f"Task timed out after 1.00 seconds\nEND RequestId: {result.request_id}\n" in result.log
    assert result.log.rstrip("\n").endswith("Status: timeout")
    assert result.duration_ms >= 1000
    assert_process_ends(int(pid_file.read_text()))


def assert_process_ends(pid: int) -> None:
    """The process is gone (or a zombie waiting for its new parent to reap it)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("process states are read from /proc")
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(250):  # SIGKILL is delivered asynchronously: give it a moment
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} is still running")


def test_log_over_four_kilobytes_is_kept_whole_and_tailed_as_aws_does(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            for number in range(400):
                print(f"line {number:04d} " + "x" * 40)
            return "done"
        """,
    )
    result = run(tmp_path)

    assert "line 0000" in result.log and "line 0399" in result.log
    tail = log_tail_bytes(result.log)
    assert len(tail) == LOG_TAIL_BYTES
    assert result.log.encode("utf-8").endswith(tail)
    assert tail.decode("utf-8").rstrip("\n").splitlines()[-1].startswith("REPORT RequestId:")
    assert "line 0000" not in tail.decode("utf-8")
    assert base64.b64decode(log_result_header(result.log)) == tail


def test_bytes_response_is_passed_through_raw(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            return b"plain text, not JSON \\xff"
        """,
    )
    result = run(tmp_path)

    assert result.function_error is None
    assert result.payload == b"plain text, not JSON \xff"


def test_a_response_over_lambdas_limit_is_replaced_by_lambdas_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            return b"x" * event["size"]
        """,
    )
    at_limit = run(tmp_path, json.dumps({"size": RESPONSE_PAYLOAD_LIMIT}).encode())
    over = run(tmp_path, json.dumps({"size": RESPONSE_PAYLOAD_LIMIT + 1}).encode())

    assert at_limit.function_error is None
    assert len(at_limit.payload) == RESPONSE_PAYLOAD_LIMIT == 6291556
    assert over.function_error == "Unhandled"
    assert response(over) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


@pytest.mark.parametrize(
    ("execution_env", "escaped"),
    [
        ("AWS_Lambda_python3.9", True),
        ("AWS_Lambda_python3.11", True),
        ("AWS_Lambda_python3.12", False),
        ("AWS_Lambda_python3.13", False),
        ("AWS_Lambda_python3.14", False),
        ("AWS_Lambda_python4.0", False),
        ("AWS_Lambda_python", True),
    ],
)
def test_non_ascii_responses_are_raw_from_python3_12_on(
    monkeypatch: pytest.MonkeyPatch, execution_env: str, escaped: bool
) -> None:
    monkeypatch.setenv("AWS_EXECUTION_ENV", execution_env)
    expected = b'"\\u00e9t\\u00e9"' if escaped else '"été"'.encode()
    assert _runtime_bootstrap.marshal_response("été") == expected


@pytest.mark.parametrize(
    ("error_type", "message", "line"),
    [
        ("ValueError", "bad input", "[ERROR] ValueError: bad input"),
        ("ValueError", "", "[ERROR] ValueError"),
        ("", "bad input", "[ERROR] bad input"),
        ("", "", "[ERROR]"),
    ],
)
def test_error_line_leaves_out_empty_parts_as_awslambdaric_does(
    error_type: str, message: str, line: str
) -> None:
    assert _runtime_bootstrap.error_summary(error_type, message) == line


def test_an_exception_without_a_message_logs_its_type_alone(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            raise ValueError()
        """,
    )
    result = run(tmp_path)

    assert response(result)["errorMessage"] == ""
    assert "\n[ERROR] ValueError\nTraceback (most recent call last):\n" in result.log


def test_decimals_serialise_and_strings_are_json_strings(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        from decimal import Decimal

        def lambda_handler(event, context):
            return {"price": Decimal("19.5"), "count": Decimal("3"), "note": "ok"}
        """,
    )
    result = run(tmp_path)

    assert result.payload == b'{"price": 19.5, "count": 3, "note": "ok"}'


def test_unserialisable_response_is_a_marshal_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            return {"ids": {1, 2}}
        """,
    )
    result = run(tmp_path)

    assert result.function_error == "Unhandled"
    error = response(result)
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )
    assert error["stackTrace"] == []
    assert "[ERROR] Runtime.MarshalError: Unable to marshal response" in result.log


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"lambda_function.py": "import not_installed_anywhere\n"},
            "lambda_function.lambda_handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'lambda_function': No module named 'not_installed_anywhere'",
        ),
        (
            {},
            "missing_module.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing_module': No module named 'missing_module'",
        ),
        (
            {"lambda_function.py": "def other(event, context):\n    return 1\n"},
            "lambda_function.lambda_handler",
            "Runtime.HandlerNotFound",
            "Handler 'lambda_handler' missing on module 'lambda_function'",
        ),
        (
            {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"},
            "lambda_function",
            "Runtime.MalformedHandlerName",
            "Bad handler 'lambda_function'",
        ),
    ],
)
def test_runtime_faults_use_lambdas_error_types(
    tmp_path: Path, files: Dict[str, str], handler: str, error_type: str, message: str
) -> None:
    for name, source in files.items():
        write(tmp_path, name, source)
    result = run(tmp_path, handler=handler)

    assert result.function_error == "Unhandled"
    error = response(result)
    assert error["errorType"] == error_type
    assert error["errorMessage"].startswith(message)
    assert error["requestId"] == ""  # an init failure happens before any request
    assert f"[ERROR] {error_type}: {message}" in result.log
    assert result.log.count("START RequestId") == 1


def test_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "lambda_function.py", "def lambda_handler(event, context)\n    return 1\n"
    )
    result = run(tmp_path)

    error = response(result)
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'lambda_function': ")
    assert error["stackTrace"][0].startswith(f'  File "{path}" Line 1\n')


def test_exception_at_import_time_reports_the_users_frame(tmp_path: Path) -> None:
    path = write(tmp_path, "lambda_function.py", "SETTING = {}\nVALUE = SETTING['missing']\n")
    result = run(tmp_path)

    error = response(result)
    assert error["errorType"] == "KeyError"
    assert error["stackTrace"][0].startswith(f'  File "{path}", line 2, in <module>')


def test_exiting_handler_is_a_runtime_exit_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        import sys

        def lambda_handler(event, context):
            print("leaving")
            sys.exit(2)
        """,
    )
    result = run(tmp_path)

    assert result.function_error == "Unhandled"
    error = response(result)
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"] == (
        f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 2"
    )
    assert result.log.count("START RequestId") == 1
    assert "leaving\n" in result.log


def test_logging_module_writes_lambdas_format(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        import logging

        logger = logging.getLogger()
        logger.setLevel(logging.INFO)

        def lambda_handler(event, context):
            logger.info("processing %s", "order-1")
            return None
        """,
    )
    result = run(tmp_path)

    line = next(line for line in result.log.splitlines() if line.startswith("[INFO]"))
    level, stamp, request_id, message = line.split("\t")
    assert level == "[INFO]"
    assert stamp.endswith("Z")
    assert request_id == result.request_id
    assert message == "processing order-1"
    assert result.payload == b"null"


def test_runs_from_several_threads_at_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lambda_function.py",
        """
        def lambda_handler(event, context):
            return event["n"] * 2
        """,
    )
    results: Dict[int, LocalRunResult] = {}

    def invoke(number: int) -> None:
        results[number] = run(tmp_path, json.dumps({"n": number}).encode())

    threads = [threading.Thread(target=invoke, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {number: response(result) for number, result in results.items()} == {0: 0, 1: 2, 2: 4}


def test_missing_interpreter_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, "lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    spec = FunctionSpec(name="my-fn", handler="lambda_function.lambda_handler")
    with pytest.raises(LambdaEditorError, match="Could not start"):
        run_locally(str(tmp_path), spec, b"{}", interpreter=str(tmp_path / "no-python"))


def test_spec_from_a_binding() -> None:
    binding = SimpleNamespace(
        function_name="my-fn",
        function_arn="arn:aws:lambda:eu-west-1:123456789012:function:my-fn",
        handler="app.main",
        runtime="python3.11",
        timeout=30,
        memory_size=1024,
        environment={"STAGE": "dev"},
        region="eu-west-1",
        account="123456789012",
    )
    spec = FunctionSpec.from_binding(binding)

    assert spec == FunctionSpec(
        name="my-fn",
        handler="app.main",
        runtime="python3.11",
        timeout=30,
        memory_size=1024,
        environment={"STAGE": "dev"},
        region="eu-west-1",
        account="123456789012",
        function_arn="arn:aws:lambda:eu-west-1:123456789012:function:my-fn",
    )
    with pytest.raises(LambdaEditorError, match="no handler"):
        FunctionSpec.from_binding(SimpleNamespace(function_name="image-fn", handler=None))


def test_the_spec_keeps_environment_values_out_of_its_repr() -> None:
    spec = FunctionSpec(name="my-fn", handler="app.main", environment={"DB_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(spec)
    assert "my-fn" in repr(spec)


def test_spec_from_the_workspace_binding() -> None:
    from lambda_editor.workspace import Binding

    binding = Binding.from_configuration(
        {
            "FunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:my-fn",
            "FunctionName": "my-fn",
            "Runtime": "python3.12",
            "Handler": "lambda_function.lambda_handler",
            "Timeout": 9,
            "MemorySize": 256,
            "Environment": {"Variables": {"STAGE": "prod"}},
        },
        profile=None,
        endpoint_url=None,
    )
    spec = FunctionSpec.from_binding(binding)

    assert (spec.name, spec.handler, spec.runtime) == (
        "my-fn",
        "lambda_function.lambda_handler",
        "python3.12",
    )
    assert (spec.timeout, spec.memory_size, spec.region, spec.account) == (
        9,
        256,
        "eu-west-1",
        "123456789012",
    )
    assert spec.environment == {"STAGE": "prod"}
    assert spec.invoked_function_arn == binding.function_arn
