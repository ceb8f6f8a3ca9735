"""The sandbox's default `InvokeHandler`: runs the function's deployed code on this machine.

Each invocation runs the handler of the deployed zip with `local_runner`, in this process's own
Python (the sandbox is a development tool; the editor itself never runs user code in Sublime's
Python). A zip is extracted once per code version into a private cache. Python runtimes only: a
custom runtime's `bootstrap` would need the Lambda Runtime API, which the endpoint does not serve.

Invocations may run in parallel: the server answers each request on its own thread.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..invoke_result import EVENT
from ..layers import python_paths
from ..local_runner import (
    FunctionSpec,
    LocalRunResult,
    log_result_header,
    new_log_stream_name,
    run_locally,
)
from ..logs import LogSource
from ..packaging.extract import extract_package
from .invoke import FunctionLog, InvokeRequest, InvokeResponse, service_error
from .state import LATEST

_log = logging.getLogger(__name__)

# Lambda's defaults, for a configuration that leaves them out.
_DEFAULT_TIMEOUT_S = 3
_DEFAULT_MEMORY_MB = 128


class LocalInvoker:
    """Runs a Python function's zip for each Invoke and answers as Lambda does.

    `on_run(name)` is called each time a function's code is started; `on_log` receives each
    invocation's log lines for CloudWatch Logs (a failure there never fails the invocation);
    `layer_zip(arn)` gives a layer version's zip and CodeSha256, for the function's layers.
    """

    def __init__(
        self,
        on_run: Callable[[str], None],
        on_log: Callable[[FunctionLog], None],
        interpreter: str = sys.executable,
        layer_zip: Callable[[str], Optional[Tuple[bytes, str]]] = lambda arn: None,
    ) -> None:
        self._on_run = on_run
        self._on_log = on_log
        self._interpreter = interpreter
        self._layer_zip = layer_zip
        self._code = CodeCache()

    def __call__(self, request: InvokeRequest) -> InvokeResponse:
        runtime = str(request.configuration.get("Runtime") or "")
        if not runtime.startswith("python"):
            # 501: botocore does not retry it, so the caller sees the reason at once.
            kind = runtime or "a container image"
            return service_error(
                501,
                "ServiceException",
                f"The local endpoint runs Python functions only; {request.function_name} runs "
                f"on {kind} and was not run.",
            )
        root = self._code.folder(str(request.configuration["CodeSha256"]), request.code)
        spec = function_spec(request)
        layers = self._layer_folders(request.configuration)
        if layers:
            spec = replace(spec, python_paths=tuple(python_paths(layers, spec.runtime)))
        request_id = str(uuid.uuid4())
        if request.invocation_type == EVENT:
            # Lambda queues the event and answers at once; the result is dropped, the log kept.
            threading.Thread(
                target=self._run_in_background,
                args=(request, root, spec, request_id),
                name=f"lambda-editor-sandbox-event-{spec.name}",
                daemon=True,
            ).start()
            return InvokeResponse(202, b"", {"x-amzn-RequestId": request_id})
        return synchronous_response(request, self._run(request, root, spec, request_id))

    def close(self) -> None:
        """Delete the extracted code (runs still going keep what they have already loaded)."""
        self._code.clear()

    def _layer_folders(self, configuration: Mapping[str, Any]) -> List[str]:
        """Each of the function's layers extracted, in its order (as Lambda mounts them)."""
        folders = []
        for layer in configuration.get("Layers") or ():
            found = self._layer_zip(str(layer["Arn"]))
            if found is not None:
                folders.append(self._code.folder(found[1], found[0]))
        return folders

    def _run(
        self, request: InvokeRequest, root: str, spec: FunctionSpec, request_id: str
    ) -> LocalRunResult:
        self._on_run(request.function_name)
        started_ms = _now_ms()
        # Each run is a new execution environment, hence a new stream, as a cold start gets.
        stream = new_log_stream_name(spec.version)
        result = run_locally(
            root,
            spec,
            request.payload,
            interpreter=self._interpreter,
            credentials=endpoint_credentials(request),
            request_id=request_id,
            log_stream_name=stream,
        )
        try:
            log = function_log(
                request, spec, result.log, stream=stream, started_ms=started_ms, ended_ms=_now_ms()
            )
            self._on_log(log)
        except Exception:
            # The function ran: its answer must reach the caller, or the SDK would run it again.
            _log.exception("Could not write the log of %s to CloudWatch Logs", spec.name)
        return result

    def _run_in_background(
        self, request: InvokeRequest, root: str, spec: FunctionSpec, request_id: str
    ) -> None:
        try:
            self._run(request, root, spec, request_id)
        except Exception:
            _log.exception("The asynchronous invocation of %s failed", spec.name)


class CodeCache:
    """Each code version's files, extracted once (safely, modes kept) into a private folder."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: Optional[str] = None
        # One lock per code version: two first invocations of it must not both extract it.
        self._version_locks: Dict[str, threading.Lock] = {}

    def folder(self, code_sha256: str, code: bytes) -> str:
        """The folder holding `code` (a function's or a layer's zip) extracted, by CodeSha256."""
        key = base64.b64decode(code_sha256).hex()
        with self._lock:
            if self._root is None:
                self._root = tempfile.mkdtemp(prefix="lambda-editor-sandbox-code-")
            root = self._root
            version_lock = self._version_locks.setdefault(key, threading.Lock())
        folder = os.path.join(root, key)
        with version_lock:
            if not os.path.isdir(folder):
                _extract(code, folder)
        return folder

    def clear(self) -> None:
        with self._lock:
            root, self._root = self._root, None
            self._version_locks.clear()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _extract(code: bytes, folder: str) -> None:
    handle, zip_path = tempfile.mkstemp(suffix=".zip", dir=os.path.dirname(folder))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(code)
        extract_package(zip_path, folder)
    finally:
        os.remove(zip_path)


def function_spec(request: InvokeRequest) -> FunctionSpec:
    """What the local runtime needs, from the configuration of the version being invoked."""
    configuration = request.configuration
    environment = configuration.get("Environment") or {}
    unqualified_arn = (
        f"arn:aws:lambda:{request.region}:{request.account_id}:function:{request.function_name}"
    )
    return FunctionSpec(
        name=request.function_name,
        handler=str(configuration.get("Handler") or ""),
        runtime=configuration.get("Runtime"),
        timeout=int(configuration.get("Timeout") or _DEFAULT_TIMEOUT_S),
        memory_size=int(configuration.get("MemorySize") or _DEFAULT_MEMORY_MB),
        environment=dict(environment.get("Variables") or {}),
        region=request.region,
        account=request.account_id,
        # The context's invoked ARN is the one the caller used: qualified when it named a qualifier.
        function_arn=unqualified_arn + (f":{request.qualifier}" if request.qualifier else ""),
        version=str(configuration.get("Version") or LATEST),
    )


def endpoint_credentials(request: InvokeRequest) -> Dict[str, str]:
    """Dummy credentials and this endpoint's URL, so the handler's own boto3 calls reach it."""
    credentials = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}
    host = request.header("Host")
    if host:
        credentials["AWS_ENDPOINT_URL"] = f"http://{host}"
    return credentials


def synchronous_response(request: InvokeRequest, result: LocalRunResult) -> InvokeResponse:
    headers = {
        "X-Amz-Executed-Version": result.executed_version,
        "x-amzn-RequestId": result.request_id,
    }
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if request.wants_log_tail:
        headers["X-Amz-Log-Result"] = log_result_header(result.log)
    return InvokeResponse(200, result.payload, headers)


def function_log(
    request: InvokeRequest,
    spec: FunctionSpec,
    log: str,
    *,
    stream: str,
    started_ms: int,
    ended_ms: int,
) -> FunctionLog:
    """One CloudWatch event per log line, in the function's log group, in `stream`.

    The runner hands over the log whole at the end: lines up to START carry the time the run
    began, the later ones the time it ended.
    """
    events: List[Dict[str, Any]] = []
    timestamp = started_ms
    for line in log.rstrip("\n").split("\n"):
        events.append({"timestamp": timestamp, "message": line + "\n"})
        if line.startswith("START RequestId:"):
            timestamp = ended_ms
    return FunctionLog(
        account_id=request.account_id,
        region=request.region,
        group=LogSource.of_configuration(request.configuration).group,
        stream=stream,
        events=events,
    )


def _now_ms() -> int:
    return int(time.time() * 1000)
