"""The seam where the sandbox hands an Invoke request to whatever runs the function.

moto would need Docker to run code. The endpoint instead calls an `InvokeHandler` with everything a
runner needs (the function's configuration and its current zip) and sends back what it returns.
Until a local runner is plugged in, `invocation_not_supported` answers every invocation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional


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


def service_error(status: int, code: str, message: str) -> InvokeResponse:
    """An error of the service (not of the function), shaped as Lambda sends it."""
    body = json.dumps({"Type": "Service", "Message": message}).encode()
    return InvokeResponse(status, body, {"x-amzn-ErrorType": code})


def invocation_not_supported(request: InvokeRequest) -> InvokeResponse:
    """The default handler: the endpoint cannot run code yet, and says so."""
    # 501 is not among the statuses botocore retries, so the caller sees it at once.
    return service_error(
        501,
        "ServiceException",
        f"The local endpoint cannot invoke functions yet ({request.function_name} was not run).",
    )
