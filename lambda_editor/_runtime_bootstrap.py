"""The Lambda Python runtime, imitated for one invocation in the user's own Python.

`local_runner` copies this file into a private scratch folder and starts it as a script in the
interpreter chosen for the function: `python -u -B bootstrap.py CONTROL_JSON`. It must run on
Python 3.8 and newer with the standard library only, and never imports the package around it.

What it does follows AWS's runtime interface client (awslambdaric `bootstrap.py`): the handler
`module.function` is imported from the task root, the event is the JSON payload, the return value
is JSON-serialised (bytes pass through raw), and failures are reported as
`{"errorMessage", "errorType", "requestId", "stackTrace"}` with an `[ERROR]` log line.

The contract with `local_runner`, all files in the scratch folder:
- CONTROL_JSON: request_id, invoked_function_arn, timeout_ms, spawned_at (epoch seconds),
  payload_path, started_path, result_path.
- started_path, written when the invoke phase begins: deadline_ms (epoch), init_ms.
- result_path, written at the end: payload (base64), function_error, duration_ms, init_ms,
  max_memory_used_mb.
The handler's stdout and stderr are the function's log: only what Lambda's runtime itself would
print (START, the `[ERROR]` lines) is added to them.
"""

from __future__ import annotations

import base64
import decimal
import importlib
import io
import json
import logging
import math
import os
import re
import sys
import time
import traceback
from types import TracebackType
from typing import Any, Callable, Dict, List, Optional, Tuple

Handler = Callable[[Any, Any], Any]

# Set once the invoke phase begins; log records written during init carry an empty id, as on AWS.
_current_request_id = ""


class RuntimeFault(Exception):
    """A failure the runtime reports under its own error type (`Runtime.ImportModuleError`, ...)."""

    def __init__(self, error_type: str, message: str, trace: Optional[List[str]] = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


class CognitoIdentity:
    def __init__(self) -> None:
        self.cognito_identity_id: Optional[str] = None
        self.cognito_identity_pool_id: Optional[str] = None


class LambdaContext:
    """The `context` argument, with the attributes of the real runtime's `LambdaContext`."""

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string on AWS too: it is read from the environment.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.client_context: Any = None
        self.identity = CognitoIdentity()
        self.tenant_id: Optional[str] = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - _now_ms(), 0)

    def log(self, message: Any) -> None:
        sys.stdout.write(str(message))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _now_ms() -> int:
    return int(time.time() * 1000)


def _prepare_process(task_root: str, python_paths: List[str]) -> None:
    """sys.path, streams and logging as the Lambda runtime sets them up before importing code."""
    # The script's own folder must not shadow the user's modules: the task root takes its place.
    sys.path[0] = task_root
    # The layers' folders (Lambda's /opt/python...), before the interpreter's own.
    sys.path[1:1] = python_paths
    vendor = os.path.join(task_root, "vendor")
    if os.path.isdir(vendor):
        sys.path.insert(1, vendor)
    sys.argv = sys.argv[:1]
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    _install_log_handler()


def _install_log_handler() -> None:
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root_logger = logging.getLogger()
    root_logger.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        root_logger.setLevel(level)


def _is_runtime_frame(filename: str) -> bool:
    """Frames of this file and of importlib: the runtime's, not the user's."""
    if filename.startswith("<frozen importlib"):
        return True
    path = os.path.abspath(filename)
    return path == os.path.abspath(__file__) or os.sep + "importlib" + os.sep in path


def user_stack_trace(tb: Optional[TracebackType]) -> List[str]:
    """The traceback's frames from the first one in the user's code, formatted as AWS does."""
    frames = traceback.extract_tb(tb)
    first = 0
    while first < len(frames) and _is_runtime_frame(frames[first].filename):
        first += 1
    return traceback.format_list(frames[first:])


def load_handler(handler: str) -> Handler:
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        raise RuntimeFault(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': expected MODULE.FUNCTION (e.g. lambda_function.handler)",
        )
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise RuntimeFault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise RuntimeFault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        text = (exc.text or "").strip()
        raise RuntimeFault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc}",
            [f'  File "{exc.filename}" Line {exc.lineno}\n    {text}\n'],
        ) from exc
    try:
        function: Handler = getattr(module, function_name)
    except AttributeError:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        raise RuntimeFault("Runtime.HandlerNotFound", message) from None
    return function


def error_payload(
    message: str, error_type: str, trace: List[str], request_id: str
) -> Dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }


def error_from_exception(exc: Exception, request_id: str) -> Dict[str, Any]:
    if isinstance(exc, RuntimeFault):
        return error_payload(exc.message, exc.error_type, exc.trace, request_id)
    return error_payload(
        str(exc), type(exc).__name__, user_stack_trace(exc.__traceback__), request_id
    )


def error_summary(error_type: str, message: str) -> str:
    """`[ERROR] Type: message`, leaving out an empty part and its colon, as awslambdaric does."""
    summary = "[ERROR]"
    if error_type:
        summary += " " + error_type
    if message:
        summary += (":" if error_type else "") + " " + message
    return summary


def log_error(error: Dict[str, Any]) -> None:
    """`[ERROR] Type: message` then the traceback, as the runtime writes it to the log."""
    lines = [error_summary(error["errorType"], error["errorMessage"])]
    lines.append("Traceback (most recent call last):")
    for frame in error["stackTrace"]:
        lines.extend(frame.rstrip("\n").splitlines())
    sys.stdout.write("\n".join(lines) + "\n")


def _json_default(value: Any) -> Any:
    # simplejson (which the runtime uses) writes a Decimal's digits; int and float keep the value
    # for everything short of 17 significant digits.
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return math.nan if value.is_nan() else float(value)
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal_response(response: Any) -> bytes:
    if isinstance(response, bytes):
        return response
    try:
        text = json.dumps(response, default=_json_default, ensure_ascii=_escapes_non_ascii())
    except Exception as exc:
        raise RuntimeFault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
    return text.encode("utf-8")


def _escapes_non_ascii() -> bool:
    """True before python3.12: from 3.12 on, the runtime writes non-ASCII characters as they are."""
    match = re.match(r"AWS_Lambda_python(\d+)\.(\d+)$", os.environ.get("AWS_EXECUTION_ENV", ""))
    return match is None or (int(match.group(1)), int(match.group(2))) < (3, 12)


def unmarshal_event(payload: bytes) -> Any:
    if not payload.strip():
        return {}
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise RuntimeFault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc


def invoke_handler(handler: Handler, payload: bytes, context: LambdaContext) -> Tuple[bytes, bool]:
    """The response bytes and whether they are an error payload."""
    try:
        return marshal_response(handler(unmarshal_event(payload), context)), False
    except Exception as exc:
        error = error_from_exception(exc, context.aws_request_id)
    log_error(error)
    return json.dumps(error).encode("utf-8"), True


def max_memory_used_mb() -> Optional[int]:
    peak_kb = _linux_peak_kb()
    if peak_kb is not None:
        return math.ceil(peak_kb / 1024)
    try:
        import resource  # noqa: PLC0415 - not on Windows
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    peak_bytes = peak if sys.platform == "darwin" else peak * 1024
    return math.ceil(peak_bytes / (1024 * 1024))


def _linux_peak_kb() -> Optional[int]:
    """This process's own peak (VmHWM): on Linux `ru_maxrss` keeps the parent's peak across exec,
    so a runner started by a large process would report that process's memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def write_json(path: str, value: Dict[str, Any]) -> None:
    """Written whole then renamed: the parent never reads half a file."""
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as stream:
        json.dump(value, stream)
    os.replace(partial, path)


def _write_result(
    control: Dict[str, Any],
    payload: bytes,
    failed: bool,
    duration_ms: float,
    init_ms: Optional[float],
) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    result = {
        "payload": base64.b64encode(payload).decode("ascii"),
        "function_error": "Unhandled" if failed else None,
        "duration_ms": duration_ms,
        "init_ms": init_ms,
        "max_memory_used_mb": max_memory_used_mb(),
    }
    write_json(control["result_path"], result)


def _print_start(request_id: str) -> None:
    version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    sys.stdout.write(f"START RequestId: {request_id} Version: {version}\n")


def main(argv: List[str]) -> None:
    global _current_request_id  # noqa: PLW0603 - the log filter reads it, as on AWS
    with open(argv[1], encoding="utf-8") as stream:
        control: Dict[str, Any] = json.load(stream)
    with open(control["payload_path"], "rb") as payload_stream:
        payload = payload_stream.read()
    request_id: str = control["request_id"]
    _prepare_process(os.environ["LAMBDA_TASK_ROOT"], control.get("python_paths", []))

    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as exc:
        init_ms = (time.time() - control["spawned_at"]) * 1000
        _print_start(request_id)
        # An init failure has no request yet: AWS reports it with an empty requestId.
        error = error_from_exception(exc, "")
        log_error(error)
        _write_result(control, json.dumps(error).encode("utf-8"), True, init_ms, None)
        return

    init_ms = (time.time() - control["spawned_at"]) * 1000
    _current_request_id = request_id
    _print_start(request_id)
    deadline_ms = _now_ms() + int(control["timeout_ms"])
    write_json(control["started_path"], {"deadline_ms": deadline_ms, "init_ms": init_ms})
    context = LambdaContext(request_id, control["invoked_function_arn"], deadline_ms)
    began = time.perf_counter()
    response, failed = invoke_handler(handler, payload, context)
    duration_ms = (time.perf_counter() - began) * 1000
    _write_result(control, response, failed, duration_ms, init_ms)


if __name__ == "__main__":
    main(sys.argv)
    # Lambda freezes the environment once the response is out: threads the handler left running
    # and atexit hooks do not hold the invocation open.
    os._exit(0)
