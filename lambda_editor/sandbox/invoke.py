"""The seam where the sandbox hands an Invoke request to whatever runs the function.

moto would need Docker to run code. The endpoint instead checks the request as Lambda does
(`answer_without_running`), then calls an `InvokeHandler` with everything a runner needs (the
function's configuration and its current zip) and sends back what it returns. The default handler
runs the code on this machine (`runner.LocalInvoker`); `invocation_not_supported` refuses instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from ..events import load_strict_json, payload_limit
from ..invoke_result import DRY_RUN, INVOCATION_TYPES, REQUEST_RESPONSE


@dataclass(frozen=True)
class InvokeRequest:
    """One `POST /2015-03-31/functions/{name}/invocations`, resolved to an existing function."""

    account_id: str
    region: str
    function_name: str
    # The qualifier asked for (a version or an alias), None for $LATEST.
    qualifier: Optional[str]
    payload: bytes
    # The request's headers, e.g. X-Amz-Invocation-Type, X-Amz-Log-Type, X-Amz-Client-Context.
    headers: Dict[str, str]
    # GetFunctionConfiguration's answer for the function (Handler, Runtime, Environment, ...).
    configuration: Dict[str, Any]
    # The function's deployed zip.
    code: bytes

    def header(self, name: str) -> Optional[str]:
        """A request header, whatever the case of its name."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    @property
    def invocation_type(self) -> str:
        return self.header("X-Amz-Invocation-Type") or REQUEST_RESPONSE

    @property
    def wants_log_tail(self) -> bool:
        return self.header("X-Amz-Log-Type") == "Tail"


@dataclass(frozen=True)
class InvokeResponse:
    """The HTTP answer to an Invoke: status, body (the function's payload) and headers.

    Headers carry what AWS sends: X-Amz-Function-Error, X-Amz-Log-Result, X-Amz-Executed-Version;
    an error of the service itself sets `x-amzn-ErrorType` to its code.
    """

    status: int
    payload: bytes
    headers: Dict[str, str] = field(default_factory=dict)


InvokeHandler = Callable[[InvokeRequest], InvokeResponse]


@dataclass(frozen=True)
class FunctionLog:
    """One invocation's log lines, for the endpoint's CloudWatch Logs."""

    account_id: str
    region: str
    group: str
    stream: str
    # PutLogEvents' events: {"timestamp": epoch milliseconds, "message": one line}, in order.
    events: List[Dict[str, Any]]


def service_error(status: int, code: str, message: str) -> InvokeResponse:
    """An error of the service (not of the function), shaped as Lambda sends it."""
    fault = "Service" if status >= 500 else "User"
    # Lambda's 4xx errors spell the key `message`, its 5xx ones `Message`; botocore reads both.
    key = "Message" if status >= 500 else "message"
    body = json.dumps({"Type": fault, key: message}).encode()
    return InvokeResponse(status, body, {"x-amzn-ErrorType": code})


def answer_without_running(request: InvokeRequest) -> Optional[InvokeResponse]:
    """What Lambda answers before any code runs: a refused request or a DryRun's 204.

    None when the request is acceptable and the function should run.
    """
    kind = request.invocation_type
    if kind not in INVOCATION_TYPES:
        return service_error(
            400,
            "InvalidParameterValueException",
            f"Value '{kind}' at 'invocationType' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(INVOCATION_TYPES)}]",
        )
    limit = payload_limit(kind)
    if len(request.payload) > limit:
        return service_error(
            413,
            "RequestEntityTooLargeException",
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        )
    try:
        if request.payload.strip():
            load_strict_json(request.payload)
    except ValueError as exc:
        return service_error(
            400,
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {exc}",
        )
    if kind == DRY_RUN:
        return InvokeResponse(204, b"")
    return None


def invocation_not_supported(request: InvokeRequest) -> InvokeResponse:
    """A handler that runs nothing and says so (for a sandbox that must never run code)."""
    # 501 is not among the statuses botocore retries, so the caller sees it at once.
    return service_error(
        501,
        "ServiceException",
        f"This endpoint does not run functions ({request.function_name} was not run).",
    )
