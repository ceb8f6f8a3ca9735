"""Run a function's handler in a separate local Python, imitating the Lambda Python runtime.

Used by local invocations (`invoke.invoke_local`) and the sandbox's Invoke. Each run is a new
process (so always a cold start) started from `_runtime_bootstrap.py` in the chosen interpreter,
never in the caller's own Python unless the caller passes it. The payload and the result travel
through files in a private scratch folder; the process's stdout and stderr are the function's log.
The platform's part is done here: the function's timeout (the process tree is killed), and the
END and REPORT log lines.
"""

from __future__ import annotations

import base64
import datetime
import inspect
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import IO, Any, Dict, Mapping, Optional, Tuple

from . import _runtime_bootstrap, actions, processes
from .errors import LambdaEditorError

# Lambda's limit for the init phase; a slower init is retried within the invoke, whose timeout
# then applies (docs: lambda/latest/dg/lambda-runtime-environment.html).
INIT_TIMEOUT_S = 10.0
# `LogType=Tail` returns the last 4 KB of the log.
LOG_TAIL_BYTES = 4096
# The largest synchronous response Lambda returns: 6 MiB plus 100 bytes, the number its error
# message quotes (the runtime interface emulator's `interop.MaxPayloadSize`).
RESPONSE_PAYLOAD_LIMIT = 6 * 1024 * 1024 + 100
# A runaway print loop must not fill the caller's memory: older output is dropped.
LOG_KEEP_BYTES = 1024 * 1024
_POLL_S = 0.02
# Variables of the caller's environment a process needs to start at all; everything else
# (AWS_PROFILE, the user's own settings) stays out, as on Lambda.
_INHERITED_VARIABLES = (
    "PATH",
    "SYSTEMROOT",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "TEMP",
    "TMP",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
)


@dataclass(frozen=True)
class FunctionSpec:
    """What the local runtime needs to know about a function (from the workspace's binding)."""

    name: str
    handler: str
    runtime: Optional[str] = None
    timeout: int = 3
    memory_size: int = 128
    # Values may be secrets: kept out of repr, so a logged spec does not show them.
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    region: str = "us-east-1"
    account: str = "000000000000"
    function_arn: Optional[str] = None
    version: str = "$LATEST"
    # Folders put on sys.path after the task root: the layers', in Lambda's order (`layers`).
    python_paths: Tuple[str, ...] = ()

    @classmethod
    def from_binding(cls, binding: Any) -> FunctionSpec:
        """From a `workspace.Binding` (read by attribute, so any object with those names works)."""
        if not binding.handler:
            raise LambdaEditorError(
                f"{binding.function_name} has no handler to run locally.",
                "Only zip-packaged Python functions run locally: invoke it in AWS instead.",
                next_action=actions.INVOKE_IN_AWS,
            )
        return cls(
            name=binding.function_name,
            handler=binding.handler,
            runtime=binding.runtime,
            timeout=int(binding.timeout),
            memory_size=int(binding.memory_size),
            environment=dict(binding.environment or {}),
            region=binding.region,
            account=binding.account,
            function_arn=binding.function_arn,
        )

    @property
    def invoked_function_arn(self) -> str:
        return (
            self.function_arn or f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"
        )


@dataclass(frozen=True)
class LocalRunResult:
    request_id: str
    payload: bytes
    function_error: Optional[str]
    log: str
    executed_version: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: Optional[int]
    init_duration_ms: Optional[float]
    timed_out: bool


def log_tail_bytes(log: str, limit: int = LOG_TAIL_BYTES) -> bytes:
    """The last `limit` bytes of the log, cut as AWS cuts `LogResult` (even inside a character)."""
    return log.encode("utf-8")[-limit:]


def log_result_header(log: str) -> str:
    """The `X-Amz-Log-Result` value: base64 of the log's last 4 KB."""
    return base64.b64encode(log_tail_bytes(log)).decode("ascii")


def runtime_environment(
    spec: FunctionSpec,
    task_root: str,
    runtime_dir: str,
    credentials: Optional[Mapping[str, str]] = None,
    log_stream_name: Optional[str] = None,
) -> Dict[str, str]:
    """Function variables, then Lambda's reserved ones (they win, as on AWS), then credentials.

    `credentials` are variables like AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
    (and AWS_ENDPOINT_URL for a local endpoint): the handler's boto3 picks them up.
    `log_stream_name` is the context's; a new one (as a cold start gets) when not given.
    """
    env = {name: os.environ[name] for name in _INHERITED_VARIABLES if name in os.environ}
    env.update(spec.environment)
    env.update(
        {
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python'}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name or new_log_stream_name(spec.version),
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": runtime_dir,
        }
    )
    if sys.platform != "win32":
        # Windows' C runtime reads TZ in another syntax.
        env["TZ"] = ":UTC"
    env.update(credentials or {})
    return env


def new_log_stream_name(version: str) -> str:
    """A stream name as Lambda makes one for a new environment: `2024/05/01/[$LATEST]<hex>`."""
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y/%m/%d")
    return f"{today}/[{version}]{uuid.uuid4().hex}"


def run_locally(
    root: str,
    spec: FunctionSpec,
    payload: bytes,
    *,
    interpreter: str,
    credentials: Optional[Mapping[str, str]] = None,
    request_id: Optional[str] = None,
    log_stream_name: Optional[str] = None,
) -> LocalRunResult:
    """Invoke the handler of the code in `root` once, in `interpreter`, and wait for the outcome.

    Blocks for at most the function's timeout (plus Lambda's init allowance); safe to call from
    several threads at once. Raises `LambdaEditorError` only when the process cannot be started:
    everything the function does, including crashing and timing out, is in the result.
    `log_stream_name` is the context's (the stream the caller writes the log to); generated when
    not given.
    """
    if not os.path.isdir(root):
        raise LambdaEditorError(f"The workspace folder {root} does not exist.")
    request_id = request_id or str(uuid.uuid4())
    with tempfile.TemporaryDirectory(prefix="lambda-editor-run-") as scratch:
        run = _Run(os.path.abspath(root), spec, request_id, scratch)
        run.write_inputs(payload)
        process = run.start(interpreter, credentials, log_stream_name)
        output = _OutputCollector(process.stdout)
        try:
            timed_out = run.wait(process)
        finally:
            processes.stop_tree(process, kill=True)  # Lambda freezes or discards the whole sandbox
            process.wait()
            output.finish()
        return run.outcome(output.text(), timed_out)


class _Run:
    """One invocation's scratch files, process and timing."""

    def __init__(self, root: str, spec: FunctionSpec, request_id: str, scratch: str) -> None:
        self.root = root
        self.spec = spec
        self.request_id = request_id
        self.scratch = scratch
        self.bootstrap_path = os.path.join(scratch, "bootstrap.py")
        self.control_path = os.path.join(scratch, "control.json")
        self.payload_path = os.path.join(scratch, "event.json")
        self.started_path = os.path.join(scratch, "started.json")
        self.result_path = os.path.join(scratch, "result.json")
        self.spawned = time.monotonic()
        self.invoke_began: Optional[float] = None
        self.ended = self.spawned
        self.init_ms: Optional[float] = None
        self.exit_code = 0

    def write_inputs(self, payload: bytes) -> None:
        # Read through the module's loader: the package may be a zipped .sublime-package.
        with open(self.bootstrap_path, "w", encoding="utf-8") as stream:
            stream.write(inspect.getsource(_runtime_bootstrap))
        with open(self.payload_path, "wb") as stream:
            stream.write(payload)
        control = {
            "request_id": self.request_id,
            "invoked_function_arn": self.spec.invoked_function_arn,
            "timeout_ms": self.spec.timeout * 1000,
            "spawned_at": time.time(),
            "payload_path": self.payload_path,
            "started_path": self.started_path,
            "result_path": self.result_path,
            "python_paths": list(self.spec.python_paths),
        }
        with open(self.control_path, "w", encoding="utf-8") as stream:
            json.dump(control, stream)

    def start(
        self,
        interpreter: str,
        credentials: Optional[Mapping[str, str]],
        log_stream_name: Optional[str],
    ) -> subprocess.Popen[bytes]:
        env = runtime_environment(self.spec, self.root, self.scratch, credentials, log_stream_name)
        # -u: the log keeps the order of prints; -B: no __pycache__ in the workspace.
        command = [interpreter, "-u", "-B", self.bootstrap_path, self.control_path]
        self.spawned = time.monotonic()
        try:
            return processes.start(command, cwd=self.root, env=env)
        except OSError as exc:
            raise LambdaEditorError(
                f"Could not start {interpreter} to run {self.spec.name}: {exc.strerror or exc}.",
                "Check the python_interpreter setting.",
            ) from exc

    def wait(self, process: subprocess.Popen[bytes]) -> bool:
        """Wait for the process to end; True when the function's timeout ran out first."""
        deadline = self.spawned + INIT_TIMEOUT_S + self.spec.timeout
        while process.poll() is None:
            if self.invoke_began is None:
                self._note_invoke_start()
            if self.invoke_began is not None:
                deadline = self.invoke_began + self.spec.timeout
            if time.monotonic() >= deadline:
                self.ended = time.monotonic()
                return True
            processes.wait_briefly(process, _POLL_S)
        self.ended = time.monotonic()
        self.exit_code = process.returncode
        if self.invoke_began is None:
            self._note_invoke_start()
        return False

    def _note_invoke_start(self) -> None:
        """Read the child's note that the invoke phase began, moved onto our monotonic clock."""
        started = _read_json(self.started_path)
        if started is not None:
            began_epoch_s = started["deadline_ms"] / 1000 - self.spec.timeout
            self.invoke_began = time.monotonic() - (time.time() - began_epoch_s)
            self.init_ms = started["init_ms"]

    def outcome(self, output: str, timed_out: bool) -> LocalRunResult:
        result = None if timed_out else _read_json(self.result_path)
        log = [output]
        if result is None:
            if self.invoke_began is None:
                # The process never reached the invoke phase, so it did not print START.
                log.append(f"START RequestId: {self.request_id} Version: {self.spec.version}")
            payload, failure_line = self._timeout_failure() if timed_out else self._exit_failure()
            log.append(failure_line)
            result = self._platform_result(payload)
        duration_ms = float(result["duration_ms"])
        payload, function_error = _within_response_limit(
            base64.b64decode(result["payload"]), result["function_error"]
        )
        run = LocalRunResult(
            request_id=self.request_id,
            payload=payload,
            function_error=function_error,
            log="",
            executed_version=self.spec.version,
            duration_ms=duration_ms,
            billed_duration_ms=max(1, math.ceil(duration_ms)),
            memory_size_mb=self.spec.memory_size,
            max_memory_used_mb=result["max_memory_used_mb"],
            init_duration_ms=result["init_ms"],
            timed_out=timed_out,
        )
        log.extend([f"END RequestId: {self.request_id}", _report_line(run)])
        return replace(run, log="".join(_ending_with_newline(line) for line in log if line))

    def _platform_result(self, payload: bytes) -> Dict[str, Any]:
        """The result the platform reports when the runtime could not write one."""
        began = self.invoke_began if self.invoke_began is not None else self.spawned
        return {
            "payload": base64.b64encode(payload).decode("ascii"),
            "function_error": "Unhandled",
            "duration_ms": (self.ended - began) * 1000,
            "init_ms": self.init_ms,
            "max_memory_used_mb": None,
        }

    def _timeout_failure(self) -> Tuple[bytes, str]:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
        message = (
            f"{stamp[:-3]}Z {self.request_id} Task timed out after {self.spec.timeout:.2f} seconds"
        )
        return json.dumps({"errorMessage": message}).encode("utf-8"), message

    def _exit_failure(self) -> Tuple[bytes, str]:
        """The process ended without a result: the handler exited or the interpreter crashed."""
        message = f"RequestId: {self.request_id} Error: {self._exit_reason()}"
        payload = {"errorType": "Runtime.ExitError", "errorMessage": message}
        return json.dumps(payload).encode("utf-8"), f"{message}\nRuntime.ExitError"

    def _exit_reason(self) -> str:
        # Worded as Lambda words it (Go's process states: "exit status 1", "signal: killed").
        if self.exit_code == 0:
            return "Runtime exited without providing a reason"
        if self.exit_code > 0:
            return f"Runtime exited with error: exit status {self.exit_code}"
        name = signal.strsignal(-self.exit_code) or str(-self.exit_code)
        return f"Runtime exited with error: signal: {name.lower()}"


def _within_response_limit(
    payload: bytes, function_error: Optional[str]
) -> Tuple[bytes, Optional[str]]:
    """The response, or the error Lambda returns in its place when it is over the limit."""
    if len(payload) <= RESPONSE_PAYLOAD_LIMIT:
        return payload, function_error
    error = {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        f"({RESPONSE_PAYLOAD_LIMIT} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
    return json.dumps(error).encode("utf-8"), "Unhandled"


def _ending_with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _report_line(run: LocalRunResult) -> str:
    fields = [
        f"REPORT RequestId: {run.request_id}",
        f"Duration: {run.duration_ms:.2f} ms",
        f"Billed Duration: {run.billed_duration_ms} ms",
        f"Memory Size: {run.memory_size_mb} MB",
    ]
    if run.max_memory_used_mb is not None:
        fields.append(f"Max Memory Used: {run.max_memory_used_mb} MB")
    if run.init_duration_ms is not None:
        fields.append(f"Init Duration: {run.init_duration_ms:.2f} ms")
    if run.timed_out:
        fields.append("Status: timeout")
    return "\t".join(fields)


def _read_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as stream:
            value = json.load(stream)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class _OutputCollector:
    """Reads the child's merged stdout and stderr on a thread, so a full pipe never blocks it."""

    def __init__(self, stream: Optional[IO[bytes]]) -> None:
        self._chunks = bytearray()
        self._dropped = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Optional[IO[bytes]]) -> None:
        if stream is None:
            return
        with stream:
            for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
                self._chunks.extend(chunk)
                if len(self._chunks) > 2 * LOG_KEEP_BYTES:
                    excess = len(self._chunks) - LOG_KEEP_BYTES
                    del self._chunks[:excess]
                    self._dropped += excess

    def finish(self) -> None:
        # The tree is dead, so the pipe is closed; the timeout only guards against a grandchild
        # that escaped the process group and still holds it.
        self._thread.join(5)

    def text(self) -> str:
        text = bytes(self._chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
        if self._dropped:
            return f"[{self._dropped} bytes of earlier output dropped]\n{text}"
        return text
