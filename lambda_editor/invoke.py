"""Invoking a function and presenting what came back.

Remote: Invoke with `LogType=Tail`, through a client whose read timeout follows the function's
current timeout and which never retries (a retried Invoke runs the function again). Local: the
handler runs through `local_runner`, and its outcome becomes the same `InvokeResult`, so the
panel, the CLI and the saved last result do not care where the code ran.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Pattern, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, explain
from .events import check_payload_size, write_json_file
from .layers import LayerCache, default_layer_cache, function_layers, python_paths
from .local_runner import FunctionSpec, choose_interpreter, run_locally
from .workspace import Workspace, default_workspace_root

REQUEST_RESPONSE = "RequestResponse"
EVENT = "Event"
DRY_RUN = "DryRun"
# Invoke's InvocationType values, in the order a picker offers them.
INVOCATION_TYPES = (REQUEST_RESPONSE, EVENT, DRY_RUN)
# Added to the function's timeout for the botocore read timeout: cold start, network, queueing.
READ_TIMEOUT_MARGIN_S = 30.0
LAST_RESULT_FILE = "last-invoke.json"

# REPORT line field → (pattern, type), e.g. "Billed Duration: 16 ms".
_REPORT_FIGURES: Dict[str, Tuple[Pattern[str], Callable[[str], Any]]] = {
    "duration_ms": (re.compile(r"(?:^|\t)Duration: ([\d.]+) ms"), float),
    "billed_duration_ms": (re.compile(r"Billed Duration: (\d+) ms"), int),
    "memory_size_mb": (re.compile(r"Memory Size: (\d+) MB"), int),
    "max_memory_used_mb": (re.compile(r"Max Memory Used: (\d+) MB"), int),
    "init_duration_ms": (re.compile(r"Init Duration: ([\d.]+) ms"), float),
}


@dataclass(frozen=True)
class ReportFigures:
    """The figures of the platform's REPORT log line."""

    duration_ms: Optional[float] = None
    billed_duration_ms: Optional[int] = None
    memory_size_mb: Optional[int] = None
    max_memory_used_mb: Optional[int] = None
    init_duration_ms: Optional[float] = None

    @classmethod
    def from_log(cls, log: str) -> Optional[ReportFigures]:
        """From the last REPORT line of the log; None when the log has none."""
        lines = [line for line in log.splitlines() if line.startswith("REPORT RequestId:")]
        if not lines:
            return None
        figures: Dict[str, Any] = {}
        for name, (pattern, convert) in _REPORT_FIGURES.items():
            match = pattern.search(lines[-1])
            if match:
                figures[name] = convert(match.group(1))
        return cls(**figures)


@dataclass(frozen=True)
class FunctionErrorDetails:
    error_type: str
    error_message: str
    stack_trace: Tuple[str, ...]


@dataclass(frozen=True)
class InvokeResult:
    function_name: str
    status_code: int
    payload: bytes = b""
    invocation_type: str = REQUEST_RESPONSE
    executed_version: Optional[str] = None
    function_error: Optional[str] = None
    log_tail: str = ""
    local: bool = False
    warnings: Tuple[str, ...] = ()
    # The invocation's RequestId and when it was sent (epoch seconds): its whole log is found by
    # them in CloudWatch Logs.
    request_id: Optional[str] = None
    invoked_at: Optional[float] = None

    @property
    def succeeded(self) -> bool:
        return self.function_error is None

    @property
    def log_is_partial(self) -> bool:
        """True when CloudWatch Logs holds more of the request's log than the result: the tail
        is the last 4 KB (or there is none, for an asynchronous invoke)."""
        if self.local or not self.request_id or self.invocation_type == DRY_RUN:
            return False
        return f"START RequestId: {self.request_id}" not in self.log_tail

    @property
    def report(self) -> Optional[ReportFigures]:
        return ReportFigures.from_log(self.log_tail)

    @property
    def response_is_json(self) -> bool:
        return _payload_kind(self.payload)[0] == "json"

    @property
    def error(self) -> Optional[FunctionErrorDetails]:
        """errorType, errorMessage and stackTrace from the payload, when the function failed."""
        if self.function_error is None:
            return None
        kind, value = _payload_kind(self.payload)
        if kind != "json" or not isinstance(value, dict):
            return FunctionErrorDetails("", _payload_text(self.payload), ())
        trace = value.get("stackTrace")
        frames = tuple(str(frame) for frame in trace) if isinstance(trace, list) else ()
        return FunctionErrorDetails(
            str(value.get("errorType", "")), str(value.get("errorMessage", "")), frames
        )


def _payload_text(payload: bytes) -> str:
    return payload.decode("utf-8", errors="replace")


def _payload_kind(payload: bytes) -> Tuple[str, Any]:
    """("empty", None), ("json", the parsed value) or ("text", the decoded text)."""
    if not payload:
        return "empty", None
    text = _payload_text(payload)
    try:
        return "json", json.loads(text)
    except ValueError:
        return "text", text


# ---- remote ----------------------------------------------------------------------------------


def invoke_client(
    target: AwsTarget, function_timeout: float, margin: float = READ_TIMEOUT_MARGIN_S
) -> Any:
    """A Lambda client for Invoke: read timeout above the function's timeout, no retries."""
    return aws.lambda_client(target, read_timeout=function_timeout + margin, max_attempts=1)


def invoke_remote(
    target: AwsTarget,
    function_name: str,
    payload: bytes,
    *,
    function_timeout: Optional[float] = None,
    invocation_type: str = REQUEST_RESPONSE,
    qualifier: Optional[str] = None,
    margin: float = READ_TIMEOUT_MARGIN_S,
) -> InvokeResult:
    """Invoke the deployed function once (never retried) and return what AWS answered.

    `function_timeout` (seconds) sizes the read timeout; when None, the function's current
    timeout is read first (one saved earlier may be stale: someone may have raised it since).
    """
    _check_request(payload, invocation_type)
    if function_timeout is None:
        function_timeout = current_timeout(target, function_name, qualifier)
    client = invoke_client(target, function_timeout, margin)
    return _send_invoke(
        client,
        function_name,
        payload,
        invocation_type=invocation_type,
        qualifier=qualifier,
        profile=target.profile,
    )


def current_timeout(target: AwsTarget, function_name: str, qualifier: Optional[str] = None) -> int:
    """The function's timeout in seconds, as configured now (GetFunctionConfiguration)."""
    request = {"FunctionName": function_name}
    if qualifier:
        request["Qualifier"] = qualifier
    try:
        configuration = aws.lambda_client(target).get_function_configuration(**request)
    except Exception as exc:
        raise explain(exc, f"read the timeout of {function_name}", target.profile) from exc
    return int(configuration["Timeout"])


def invoke_with_client(
    client: Any,
    function_name: str,
    payload: bytes,
    *,
    invocation_type: str = REQUEST_RESPONSE,
    qualifier: Optional[str] = None,
    profile: Optional[str] = None,
) -> InvokeResult:
    """Invoke through `client` (see `invoke_client`); `profile` only words error messages."""
    _check_request(payload, invocation_type)
    return _send_invoke(
        client,
        function_name,
        payload,
        invocation_type=invocation_type,
        qualifier=qualifier,
        profile=profile,
    )


def _display_name(function: str) -> str:
    """The function's name, also when it was given as an ARN (`arn:…:function:NAME[:QUALIFIER]`)."""
    parts = function.split(":")
    return parts[6] if function.startswith("arn:") and len(parts) > 6 else function


def _send_invoke(
    client: Any,
    function_name: str,
    payload: bytes,
    *,
    invocation_type: str,
    qualifier: Optional[str],
    profile: Optional[str],
) -> InvokeResult:
    request: Dict[str, Any] = {
        "FunctionName": function_name,
        "InvocationType": invocation_type,
        "Payload": payload,
    }
    if invocation_type == REQUEST_RESPONSE:
        request["LogType"] = "Tail"  # Lambda accepts Tail for synchronous calls only
    if qualifier:
        request["Qualifier"] = qualifier
    invoked_at = time.time()
    try:
        response = client.invoke(**request)
        body = response["Payload"].read() if "Payload" in response else b""
    except Exception as exc:
        raise _explain_invoke_failure(exc, function_name, client, profile) from exc
    return InvokeResult(
        function_name=_display_name(function_name),
        status_code=int(response.get("StatusCode", 0)),
        payload=body,
        invocation_type=invocation_type,
        executed_version=response.get("ExecutedVersion"),
        function_error=response.get("FunctionError"),
        log_tail=_decode_log_result(response.get("LogResult")),
        request_id=response.get("ResponseMetadata", {}).get("RequestId"),
        invoked_at=invoked_at,
    )


def _check_request(payload: bytes, invocation_type: str) -> None:
    if invocation_type not in INVOCATION_TYPES:
        raise LambdaEditorError(
            f'"{invocation_type}" is not an invocation type.', f"Use one of {INVOCATION_TYPES}."
        )
    check_payload_size(payload, invocation_type)


def _decode_log_result(log_result: Optional[str]) -> str:
    if not log_result:
        return ""
    try:
        return base64.b64decode(log_result).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return log_result


def _explain_invoke_failure(
    exc: Exception, function_name: str, client: Any, profile: Optional[str]
) -> LambdaEditorError:
    from botocore.exceptions import ReadTimeoutError  # noqa: PLC0415 - boto3 is loaded lazily

    if isinstance(exc, ReadTimeoutError):
        waited = client.meta.config.read_timeout
        return LambdaEditorError(
            f"Could not invoke {function_name}: no answer within {waited:g} s.",
            "The function may still be running (it was not invoked again); check its logs.",
        )
    return explain(exc, f"invoke {function_name}", profile)


@dataclass(frozen=True)
class HandlerCredentials:
    """What a local handler gets for its own AWS calls: variables, or why there are none."""

    # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...: secrets, kept out of repr.
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Why `variables` is empty, for the user (never a secret); "" when they are there.
    missing_reason: str = ""


def handler_credentials(target: AwsTarget) -> HandlerCredentials:
    """The target's credentials as the variables a local handler's boto3 reads.

    Never raises: without boto3 or working credentials the variables are empty (a handler that
    never calls AWS still runs) and `missing_reason` says why. The values are secrets: pass them
    to `invoke_local`, never to a log.
    """
    try:
        credentials = aws.session(target).get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials else None
    except Exception as exc:
        return HandlerCredentials(
            missing_reason=str(explain(exc, "read the AWS credentials", target.profile))
        )
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        profile = target.profile or "default"
        return HandlerCredentials(missing_reason=f"none are configured for profile {profile}.")
    env = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        env["AWS_SESSION_TOKEN"] = frozen.token
    if target.endpoint_url:
        env["AWS_ENDPOINT_URL"] = target.endpoint_url
    return HandlerCredentials(env)


# ---- local -----------------------------------------------------------------------------------


def invoke_local(
    root: str,
    spec: FunctionSpec,
    payload: bytes,
    *,
    interpreter_setting: Optional[str] = None,
    credentials: Optional[HandlerCredentials] = None,
) -> InvokeResult:
    """Run the workspace's handler in a local Python (see `local_runner`); the whole log is kept.

    Without `credentials` the handler gets none, silently; with ones that are missing, the result
    carries a warning saying why.
    """
    check_payload_size(payload, REQUEST_RESPONSE)
    interpreter = choose_interpreter(interpreter_setting, spec.runtime)
    credentials = credentials or HandlerCredentials()
    run = run_locally(
        root, spec, payload, interpreter=interpreter.path, credentials=credentials.variables
    )
    warnings = [interpreter.warning]
    if credentials.missing_reason:
        warnings.append(
            f"No AWS credentials were passed to the handler: {credentials.missing_reason}"
        )
    return InvokeResult(
        function_name=spec.name,
        status_code=200,
        payload=run.payload,
        executed_version=run.executed_version,
        function_error=run.function_error,
        log_tail=run.log,
        local=True,
        request_id=run.request_id,
        warnings=tuple(warning for warning in warnings if warning),
    )


def invoke_workspace_locally(
    workspace: Workspace,
    payload: bytes,
    interpreter_setting: Optional[str] = None,
    layer_cache: Optional[LayerCache] = None,
) -> InvokeResult:
    """Run a workspace's handler locally, with the credentials of the profile it came from and
    the function's layers (downloaded into `layer_cache` once)."""
    binding = workspace.binding
    spec = FunctionSpec.from_binding(binding)
    layers_note = ""
    try:
        arns = function_layers(binding)
    except LambdaEditorError as error:  # a workspace from before layers were recorded, offline
        arns = ()
        layers_note = f"It ran without its layers, which could not be read: {error.message}"
    if arns:
        cache = layer_cache or LayerCache(default_layer_cache(default_workspace_root()))
        folders = cache.layer_folders(binding.target, arns)
        spec = replace(spec, python_paths=tuple(python_paths(folders, binding.runtime)))
    result = invoke_local(
        workspace.root,
        spec,
        payload,
        interpreter_setting=interpreter_setting,
        credentials=handler_credentials(binding.target),
    )
    if layers_note:
        result = replace(result, warnings=(*result.warnings, layers_note))
    return result


# ---- presentation ----------------------------------------------------------------------------


def header_line(result: InvokeResult) -> str:
    """'my-fn · $LATEST · 200 · Duration 15.74 ms · Billed 16 ms · Memory 56/128 MB · Init …'"""
    parts = [result.function_name + (" (local)" if result.local else "")]
    if result.executed_version:
        parts.append(result.executed_version)
    parts.append(str(result.status_code))
    if result.invocation_type == EVENT:
        parts.append("queued for asynchronous invocation")
    elif result.invocation_type == DRY_RUN:
        parts.append("dry run: the call would be allowed")
    report = result.report
    if report is not None:
        parts.extend(report_parts(report))
    return " · ".join(parts)


def report_parts(report: ReportFigures) -> List[str]:
    """['Duration 15.74 ms', 'Billed 16 ms', 'Memory 56/128 MB', 'Init 130.49 ms'], as known."""
    parts = []
    if report.duration_ms is not None:
        parts.append(f"Duration {report.duration_ms:.2f} ms")
    if report.billed_duration_ms is not None:
        parts.append(f"Billed {report.billed_duration_ms} ms")
    if report.memory_size_mb is not None:
        used = f"{report.max_memory_used_mb}/" if report.max_memory_used_mb is not None else ""
        parts.append(f"Memory {used}{report.memory_size_mb} MB")
    if report.init_duration_ms is not None:
        parts.append(f"Init {report.init_duration_ms:.2f} ms")
    return parts


def format_error(result: InvokeResult) -> str:
    """'Unhandled: ZeroDivisionError: division by zero' then the stack trace, a frame a line."""
    error = result.error
    if error is None:
        return ""
    summary = ": ".join(part for part in (error.error_type, error.error_message) if part)
    lines = [f"{result.function_error}: {summary}"]
    for frame in error.stack_trace:
        lines.extend(frame.rstrip("\n").splitlines())
    return "\n".join(lines)


def format_response(payload: bytes) -> str:
    """Pretty-printed JSON, or the raw text when the response is not JSON."""
    kind, value = _payload_kind(payload)
    if kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "" if value is None else str(value)


def format_result(result: InvokeResult) -> str:
    """The text of the result panel."""
    head = [header_line(result)] + [f"Note: {warning}" for warning in result.warnings]
    blocks = ["\n".join(head)]
    if result.function_error:
        blocks.append(format_error(result))
    if result.payload:
        blocks.append("Response:\n" + format_response(result.payload))
    if result.log_tail:
        blocks.append("Log:\n" + result.log_tail.rstrip("\n"))
    return "\n\n".join(blocks) + "\n"


def to_json(result: InvokeResult) -> Dict[str, Any]:
    """The result as one JSON object (the CLI's --json, the saved last result)."""
    kind, value = _payload_kind(result.payload)
    report = result.report
    error = result.error
    return {
        "function_name": result.function_name,
        "invocation_type": result.invocation_type,
        "status_code": result.status_code,
        "executed_version": result.executed_version,
        "function_error": result.function_error,
        "payload_format": kind,
        "payload": value,
        "log_tail": result.log_tail,
        "local": result.local,
        "warnings": list(result.warnings),
        "request_id": result.request_id,
        "invoked_at": result.invoked_at,
        "report": None if report is None else asdict(report),
        "error": None
        if error is None
        else {
            "error_type": error.error_type,
            "error_message": error.error_message,
            "stack_trace": list(error.stack_trace),
        },
    }


def from_json(data: Mapping[str, Any]) -> InvokeResult:
    """The inverse of `to_json` (a JSON response comes back re-serialised, same value)."""
    kind, value = data.get("payload_format"), data.get("payload")
    if kind == "json":
        payload = json.dumps(value).encode("utf-8")
    else:
        payload = str(value or "").encode("utf-8")
    return InvokeResult(
        function_name=str(data["function_name"]),
        status_code=int(data["status_code"]),
        payload=payload,
        invocation_type=str(data.get("invocation_type", REQUEST_RESPONSE)),
        executed_version=data.get("executed_version"),
        function_error=data.get("function_error"),
        log_tail=str(data.get("log_tail", "")),
        local=bool(data.get("local", False)),
        warnings=tuple(data.get("warnings", ())),
        request_id=data.get("request_id"),
        invoked_at=data.get("invoked_at"),
    )


def save_last_result(metadata_dir: str, result: InvokeResult) -> bool:
    """Keep the result for the workspace; False when it could not be written.

    Never raises: the invocation already happened, and failing to keep its result must not turn
    it into an error (callers may ignore the answer).
    """
    try:
        os.makedirs(metadata_dir, mode=0o700, exist_ok=True)
        write_json_file(os.path.join(metadata_dir, LAST_RESULT_FILE), to_json(result))
    except OSError:
        return False
    return True


def load_last_result(metadata_dir: str) -> Optional[InvokeResult]:
    """The last result saved for the workspace, or None when there is none (or it is unreadable)."""
    try:
        with open(os.path.join(metadata_dir, LAST_RESULT_FILE), encoding="utf-8") as stream:
            return from_json(json.load(stream))
    except (OSError, ValueError, KeyError, TypeError):
        return None
